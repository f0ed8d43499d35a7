/* The VFR's control-plane commands (see vfr_command in vfr.h): every change
 * builds a whole new rule set and installs it with vfr_rules_replace. */
#include "vfr.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
    char *buf;
    size_t len, at;
};

static void say(struct out *o, const char *fmt, ...)
{
    if (o->at >= o->len) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->at, o->len - o->at, fmt, ap);
    va_end(ap);
    if (n > 0) o->at += (size_t)n;
}

static int install(struct vfr *v, uint8_t dflt, const struct vfr_rule *r, unsigned n, uint64_t now,
                   struct out *o)
{
    struct vfr_ruleset *s = vfr_ruleset_new(dflt, r, n);
    if (!s) {
        say(o, "error: out of memory");
        return -ENOMEM;
    }
    free(vfr_rules_replace(v, s, now));
    return 1;
}

static bool index_of(const char *s, unsigned max, unsigned *out)
{
    char *end;
    if (*s < '0' || *s > '9') return false;
    unsigned long n = strtoul(s, &end, 10);
    if (*end || n > max) return false;
    *out = (unsigned)n;
    return true;
}

static void mac_text(const uint8_t *m, char *s)
{
    sprintf(s, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

int vfr_command(struct vfr *v, const char *line, char *outbuf, size_t outlen, uint64_t now)
{
    struct out o = { outbuf, outlen, 0 };
    outbuf[0] = 0;
    while (*line == ' ' || *line == '\t')
        line++;
    const struct vfr_ruleset *rs = v->rules;
    char text[VFR_RULE_TEXT], err[128];
    if (!strcmp(line, "rules")) {
        for (unsigned i = 0; i < rs->n; i++) {
            vfr_rule_format(&rs->r[i], text, sizeof(text));
            say(&o, "%u: %s  [%llu pkts %llu bytes%s", i, text, (unsigned long long)rs->r[i].pkts,
                (unsigned long long)rs->r[i].bytes, rs->r[i].action == VFR_LIMIT ? "" : "]\n");
            if (rs->r[i].action == VFR_LIMIT)
                say(&o, " %llu limited]\n", (unsigned long long)rs->r[i].limited);
        }
        say(&o, "default %s", rs->dflt == VFR_ACCEPT ? "accept" : "drop");
        return 0;
    }
    if (!strncmp(line, "add ", 4)) {
        const char *t = line + 4;
        while (*t == ' ')
            t++;
        unsigned pos = rs->n;
        size_t w = strcspn(t, " \t");
        char first[16];
        if (w < sizeof(first) && *t >= '0' && *t <= '9') {
            memcpy(first, t, w);
            first[w] = 0;
            if (!index_of(first, rs->n, &pos)) {
                say(&o, "error: position %s is not 0-%u", first, rs->n);
                return -EINVAL;
            }
            t += w;
        }
        struct vfr_rule r;
        if (vfr_rule_parse(t, &r, err, sizeof(err))) {
            say(&o, "error: %s", err);
            return -EINVAL;
        }
        if (rs->n >= VFR_MAX_RULES) {
            say(&o, "error: already %d rules", VFR_MAX_RULES);
            return -EINVAL;
        }
        struct vfr_rule *nr = malloc((rs->n + 1) * sizeof(*nr));
        if (!nr) {
            say(&o, "error: out of memory");
            return -ENOMEM;
        }
        memcpy(nr, rs->r, pos * sizeof(*nr));
        nr[pos] = r;
        memcpy(nr + pos + 1, rs->r + pos, (rs->n - pos) * sizeof(*nr));
        int rc = install(v, rs->dflt, nr, rs->n + 1, now, &o);
        free(nr);
        vfr_rule_format(&r, text, sizeof(text));
        if (rc > 0) say(&o, "added %u: %s", pos, text);
        return rc;
    }
    if (!strncmp(line, "del ", 4)) {
        unsigned i;
        if (!rs->n || !index_of(line + 4, rs->n - 1, &i)) {
            say(&o, "error: no rule '%s'", line + 4);
            return -EINVAL;
        }
        struct vfr_rule *nr = malloc(rs->n * sizeof(*nr));
        if (!nr) {
            say(&o, "error: out of memory");
            return -ENOMEM;
        }
        memcpy(nr, rs->r, i * sizeof(*nr));
        memcpy(nr + i, rs->r + i + 1, (rs->n - i - 1) * sizeof(*nr));
        /* the rule's last counts: frames are handled between commands,
         * so these are final (the control plane's accounting of a
         * deleted rule) */
        const struct vfr_rule *gone = &rs->r[i];
        uint64_t pk = gone->pkts, by = gone->bytes, lim = gone->limited;
        bool is_limit = gone->action == VFR_LIMIT;
        vfr_rule_format(gone, text, sizeof(text));
        int rc = install(v, rs->dflt, nr, rs->n - 1, now, &o);
        free(nr);
        if (rc > 0) {
            say(&o, "deleted %u: %s  [%llu pkts %llu bytes", i, text, (unsigned long long)pk,
                (unsigned long long)by);
            if (is_limit) say(&o, " %llu limited", (unsigned long long)lim);
            say(&o, "]");
        }
        return rc;
    }
    if (!strcmp(line, "default accept") || !strcmp(line, "default drop")) {
        int rc = install(v, line[8] == 'a' ? VFR_ACCEPT : VFR_DROP, rs->r, rs->n, now, &o);
        if (rc > 0) say(&o, "default %s", line + 8);
        return rc;
    }
    if (!strcmp(line, "ports") || !strcmp(line, "counters")) {
        bool cfg = line[0] == 'p';
        for (int i = 0; i < VFR_MAX_PORTS; i++) {
            const struct vfr_port *p = &v->port[i];
            if (!p->used) continue;
            if (cfg) {
                char m[18];
                mac_text(p->cfg.mac, m);
                say(&o, "%d %s %s%s%s ipv4 %u ipv6 %u in %llu B/s %llu p/s out %llu B/s %llu p/s\n", i,
                    p->cfg.name, p->cfg.vif ? "vif " : "nic", p->cfg.vif ? m : "",
                    p->cfg.vif && !p->cfg.antispoof ? " (no anti-spoofing)" : "", p->cfg.n4, p->cfg.n6,
                    (unsigned long long)p->cfg.in.bytes_per_s, (unsigned long long)p->cfg.in.pkts_per_s,
                    (unsigned long long)p->cfg.out.bytes_per_s, (unsigned long long)p->cfg.out.pkts_per_s);
            } else {
                const struct vfr_port_stats *s = &p->st;
                say(&o,
                    "%s in %llu pkts %llu bytes out %llu pkts %llu bytes drops: malformed %llu spoof %llu "
                    "rate-in %llu rule %llu rate-out %llu xmit %llu ttl %llu noroute %llu routed %llu icmp "
                    "%llu\n",
                    p->cfg.name, (unsigned long long)s->in_pkts, (unsigned long long)s->in_bytes,
                    (unsigned long long)s->out_pkts, (unsigned long long)s->out_bytes,
                    (unsigned long long)s->drop_malformed, (unsigned long long)s->drop_spoof,
                    (unsigned long long)s->drop_rate_in, (unsigned long long)s->drop_rule,
                    (unsigned long long)s->drop_rate_out, (unsigned long long)s->drop_xmit,
                    (unsigned long long)s->drop_ttl, (unsigned long long)s->drop_noroute,
                    (unsigned long long)s->routed, (unsigned long long)s->icmp_sent);
            }
        }
        if (o.at && o.at < outlen && outbuf[o.at - 1] == '\n') outbuf[--o.at] = 0;
        return 0;
    }
    if (!strncmp(line, "route ", 6)) {
        const char *a = line + 6;
        bool del = !strncmp(a, "del ", 4);
        int rc = del ? vfr_gw_del(v, a + 4) : vfr_gw_add(v, a);
        if (!rc) {
            say(&o, "%s %s", del ? "route deleted" : "route added", del ? a + 4 : a);
            return 1; /* the owner saves it with the rule set */
        }
        say(&o, "error: %s",
            rc == -EEXIST   ? "the subnet overlaps a routed one"
            : rc == -ENOSPC ? "no room for another router address"
            : rc == -ENOENT ? "no such router address"
            : del           ? "route del ADDR (an IPv4 address)"
                            : "route ADDR/LEN (the router's IPv4 address in its subnet, LEN 1-30)");
        return -EINVAL;
    }
    if (!strcmp(line, "routes")) {
        char m[18];
        mac_text(v->router_mac, m);
        say(&o, "router %s", m);
        for (int i = 0; i < VFR_MAX_GW; i++)
            if (v->gw[i].used)
                say(&o, "\n%u.%u.%u.%u/%u", v->gw[i].ip[0], v->gw[i].ip[1], v->gw[i].ip[2], v->gw[i].ip[3],
                    v->gw[i].len);
        return 0;
    }
    say(&o, "error: unknown command (rules, add [POS] RULE, del N, default accept|drop, ports, counters, "
            "route ADDR/LEN, route del ADDR, routes)");
    return -EINVAL;
}
