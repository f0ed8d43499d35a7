/* The xl verbs on network interfaces: network-attach, network-detach,
 * network-list (xl's syntax and table; mgr/mgr_dev.h does the work), and
 * Tessera's vfr-* verbs, which relay the virtual firewall-router's commands
 * (docs/netback.md) to the network backend's console and show its answer. */
#include "shell/xl_int.h"
#include "mgr/mgr_dev.h"
#include "mgr/mgr_vif.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void list(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    for (int k = 0; k < c->npos; k++)
        if (!xl_shown(m, c->pos[k], NULL)) {
            say(s, "xl: no domain '%s'", c->pos[k]);
            return;
        }
    say(s, "%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s", "Idx", "BE", "Mac Addr.", "handle", "state",
        "evt-ch", "tx-", "rx-ring-ref", "BE-path");
    for (int k = 0; k < c->npos; k++) {
        struct mgr_dom *d = mgr_find(m, c->pos[k]);
        for (int i = 0; d && i < d->cfg.nvif; i++) {
            struct mgr_vif v;
            struct mgr_dom *b;
            char fdir[96], bdir[96];
            if (d->cfg.vif[i][0] == VIF_DETACHED || mgr_vif_parse(d->cfg.vif[i], d->domid, (uint32_t)i, &v) ||
                !(b = mgr_find(m, v.backend)))
                continue;
            snprintf(fdir, sizeof(fdir), "/local/domain/%u/device/vif/%d", d->domid, i);
            snprintf(bdir, sizeof(bdir), "/local/domain/%u/backend/vif/%u/%d", b->domid, d->domid, i);
            say(s, "%-3d %-2u %-17s%6d %5ld %6ld %5ld/%-11ld %-30s", i, b->domid, v.mac, i,
                xl_node_num(m, fdir, "state"), xl_node_num(m, fdir, "event-channel"),
                xl_node_num(m, fdir, "tx-ring-ref"), xl_node_num(m, fdir, "rx-ring-ref"), bdir);
        }
    }
}

/* ---- the VFR's commands, relayed to the backend's console ---- */

/* netback answers a command on its console with lines that carry no end
 * marker.  "add", "del" and "default" answer with one line; "rules" ends
 * with its "default accept|drop" line; "counters" and "ports" have no last
 * line, so `rules` follows them as a fence and their answer is what comes
 * before the fence's first line.  netback's own log lines ("netback: ...")
 * that arrive meanwhile go to the log. */
enum vfr_end { VFR_ONE, VFR_RULES, VFR_FENCED };

int xl_vfr_wait_ms = 5000;

struct relay {
    char buf[16384];
    size_t n;
};

static void rl_raw(void *ctx, const char *d, size_t n)
{
    struct relay *r = ctx;
    size_t k = n < sizeof(r->buf) - 1 - r->n ? n : sizeof(r->buf) - 1 - r->n;
    memcpy(r->buf + r->n, d, k);
    r->n += k;
    r->buf[r->n] = 0;
}

static void rl_line(void *ctx, const char *l) { (void)ctx, (void)l; }

static int is_log(const char *l) { return !strncmp(l, "netback: ", 9); }

static int is_default(const char *l) { return !strcmp(l, "default accept") || !strcmp(l, "default drop"); }

static int is_rule(const char *l)
{
    size_t d = strspn(l, "0123456789");
    return (d && l[d] == ':' && l[d + 1] == ' ') || is_default(l);
}

static int is_answer(const char *l)
{
    return !strncmp(l, "added ", 6) || !strncmp(l, "deleted ", 8) || is_default(l) ||
           !strncmp(l, "error: ", 7);
}

/* Each complete line of the capture in turn; returns nonzero once the
 * answer is complete (and, with s, shows it: answer lines to the session,
 * log lines to the log). */
static int vfr_lines(struct mgr *m, struct mgr_dom *nb, struct relay *r, enum vfr_end how,
                     struct xl_session *s)
{
    char *p = r->buf, *nl;
    int fenced = 0;
    while ((nl = strchr(p, '\n'))) {
        char line[1024];
        size_t n = (size_t)(nl - p) < sizeof(line) - 1 ? (size_t)(nl - p) : sizeof(line) - 1;
        memcpy(line, p, n);
        line[n] = 0;
        line[strcspn(line, "\r")] = 0;
        p = nl + 1;
        if (is_log(line)) {
            if (s) mgr_logf(m, "%s%s", nb->prefix, line);
            continue;
        }
        int end = how == VFR_ONE     ? is_answer(line)
                  : how == VFR_RULES ? is_default(line) || !strncmp(line, "error: ", 7)
                                     : is_default(line);
        fenced |= how == VFR_FENCED && is_rule(line);
        if (s && !fenced && (how != VFR_ONE || is_answer(line))) {
            if (!strncmp(line, "error: ", 7))
                say(s, "xl: %s: %s", nb->cfg.name, line + 7);
            else
                say(s, "%s", line);
        }
        if (end) return 1;
    }
    return 0;
}

static void vfr_relay(struct mgr *m, struct xl_session *s, const struct xl_cmd *c, const char *cmd,
                      enum vfr_end how)
{
    static struct relay r;
    const char *be = xl_opt(c, 'b') ? xl_optval(c, 'b') : VIF_DEFAULT_BACKEND;
    struct mgr_dom *nb = mgr_find(m, be);
    if (!nb || !nb->cons) {
        say(s, "xl: no network backend domain '%s' with a console", be);
        return;
    }
    if (nb->attached) {
        say(s, "xl: the console of %s is attached (xl console): detach it first", be);
        return;
    }
    char in[XL_LINE_MAX + 16];
    snprintf(in, sizeof(in), "%s\n%s", cmd, how == VFR_FENCED ? "rules\n" : "");
    mgr_console_poll(m, nb); /* what it said before goes to the log */
    struct db_out o = { rl_line, rl_raw, &r };
    r.n = 0;
    r.buf[0] = 0;
    nb->attached = &o;
    mgr_console_input(m, nb, in, strlen(in));
    int done = 0;
    for (int t = 0; t < xl_vfr_wait_ms && !done; t += 10) {
        mgr_console_poll(m, nb);
        if (!(done = vfr_lines(m, nb, &r, how, NULL))) usleep(10000);
    }
    nb->attached = NULL;
    vfr_lines(m, nb, &r, how, s);
    if (!done) say(s, "xl: %s did not answer '%s' in %g s", be, cmd, xl_vfr_wait_ms / 1000.0);
}

static void rule_list(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    vfr_relay(m, s, c, "rules", VFR_RULES);
}

static void rule_add(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    char cmd[XL_LINE_MAX + 1];
    size_t k = (size_t)snprintf(cmd, sizeof(cmd), "add");
    if (xl_opt(c, 'p')) k += (size_t)snprintf(cmd + k, sizeof(cmd) - k, " %s", xl_optval(c, 'p'));
    for (int i = 0; i < c->npos && k < sizeof(cmd); i++)
        k += (size_t)snprintf(cmd + k, sizeof(cmd) - k, " %s", c->pos[i]);
    if (k >= sizeof(cmd) - 1 ||
        (xl_opt(c, 'p') && strspn(xl_optval(c, 'p'), "0123456789") != strlen(xl_optval(c, 'p')))) {
        say(s, "xl: usage: %s", c->verb->usage);
        return;
    }
    vfr_relay(m, s, c, cmd, VFR_ONE);
}

static void rule_del(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    char cmd[XL_ARG_MAX + 8];
    if (strspn(c->arg, "0123456789") != strlen(c->arg)) {
        say(s, "xl: no rule '%s' (rules are numbered from 0: xl vfr-rule-list)", c->arg);
        return;
    }
    snprintf(cmd, sizeof(cmd), "del %s", c->arg);
    vfr_relay(m, s, c, cmd, VFR_ONE);
}

static void vfr_default(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    char cmd[XL_ARG_MAX + 16];
    if (strcmp(c->arg, "accept") && strcmp(c->arg, "drop")) {
        say(s, "xl: usage: %s", c->verb->usage);
        return;
    }
    snprintf(cmd, sizeof(cmd), "default %s", c->arg);
    vfr_relay(m, s, c, cmd, VFR_ONE);
}

static void vfr_counters(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    vfr_relay(m, s, c, strcmp(c->verb->name, "vfr-ports") ? "counters" : "ports", VFR_FENCED);
}

const struct xl_verb xl_verbs_net[] = {
    { "network-attach", 1, XL_MAX_POS, "", "xl network-attach DOMAIN [KEY=VALUE...]", xl_dev_attach, NULL },
    { "network-detach", 2, 2, "", "xl network-detach DOMAIN DEVID|MAC", xl_dev_detach, NULL },
    { "network-list", 1, XL_MAX_POS, "", "xl network-list DOMAIN...", list, NULL },
    { "vfr-rule-list", 0, 0, "b:", "xl vfr-rule-list [-b BACKEND] (Tessera: the VFR's rules, counters)",
      rule_list, NULL },
    { "vfr-rule-add", 1, XL_MAX_POS, "b:p:", "xl vfr-rule-add [-b BACKEND] [-p POS] RULE... (Tessera)",
      rule_add, NULL },
    { "vfr-rule-del", 1, 1, "b:", "xl vfr-rule-del [-b BACKEND] N (Tessera)", rule_del, NULL },
    { "vfr-default", 1, 1, "b:", "xl vfr-default [-b BACKEND] accept|drop (Tessera)", vfr_default, NULL },
    { "vfr-counters", 0, 0, "b:", "xl vfr-counters [-b BACKEND] (Tessera: per-port counters)", vfr_counters,
      NULL },
    { "vfr-ports", 0, 0, "b:", "xl vfr-ports [-b BACKEND] (Tessera: the VFR's ports)", vfr_counters, NULL },
    { NULL, 0, 0, NULL, NULL, NULL, NULL },
};
