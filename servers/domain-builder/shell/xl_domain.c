/* The xl verbs on domains: list, create, destroy, shutdown, reboot, pause,
 * unpause, console, restart, mem-set, sched-credit, help. */
#include "shell/xl_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/sched.h>

static void state_str(const db_dominfo *i, char *st)
{
    uint32_t f = i->flags, reason = (f >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    int shut = !!(f & XEN_DOMINF_shutdown);
    snprintf(st, 7, "%c%c%c%c%c%c", f & XEN_DOMINF_running ? 'r' : '-', f & XEN_DOMINF_blocked ? 'b' : '-',
             f & XEN_DOMINF_paused ? 'p' : '-', shut && reason != SHUTDOWN_crash ? 's' : '-',
             shut && reason == SHUTDOWN_crash ? 'c' : '-', f & XEN_DOMINF_dying ? 'd' : '-');
}

/* the string as a JSON string body (quotes, backslashes, control bytes escaped) */
static const char *json(const char *in, char *out, size_t size)
{
    size_t k = 0;
    for (; *in && k + 7 < size; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == '"' || c == '\\')
            out[k++] = '\\', out[k++] = (char)c;
        else if (c < 0x20)
            k += (size_t)snprintf(out + k, size - k, "\\u%04x", c);
        else
            out[k++] = (char)c;
    }
    out[k] = 0;
    return out;
}

struct list_arg {
    const char *only;
    int longfmt, shown, first, verbose;
};

static int list_one(struct mgr *m, struct xl_session *s, const db_dominfo *i, void *p)
{
    struct list_arg *a = p;
    const char *name = xl_name_of(m, i);
    char idbuf[12], st[8];
    snprintf(idbuf, sizeof(idbuf), "%u", (unsigned)i->domain);
    if (a->only && strcmp(a->only, idbuf) && strcmp(a->only, name)) return 0;
    a->shown++;
    if (!a->longfmt) {
        /* -v: Tessera's column, the program a service domain runs (its note
         * and the image's CRC-32: docs/restart.md) */
        struct mgr_dom *d = a->verbose ? xl_by_id(m, i->domain) : NULL;
        char prog[PROGELF_NAME_MAX + PROGELF_VER_MAX + 24] = "-";
        if (d && d->prog.name[0])
            snprintf(prog, sizeof(prog), "%s %s %08x", d->prog.name, d->prog.version, (unsigned)d->prog_crc);
        state_str(i, st);
        say(s, "%-40s %5u %5llu %5u     %s  %8.1f%s%s", name, (unsigned)i->domain,
            (unsigned long long)(i->tot_pages / 256), i->nr_online_vcpus, st, (double)i->cpu_time / 1e9,
            a->verbose ? "  " : "", a->verbose ? prog : "");
        return 0;
    }
    /* xl list -l: libxl's domain config as JSON, the parts Tessera keeps */
    struct mgr_dom *d = xl_by_id(m, i->domain);
    char e1[600], e2[600], e3[2200];
    say(s, "%s    {", a->first ? "" : "    },");
    a->first = 0;
    say(s, "        \"domid\": %u,", (unsigned)i->domain);
    say(s, "        \"config\": {");
    say(s, "            \"c_info\": {");
    say(s, "                \"type\": \"pv\",");
    say(s, "                \"name\": \"%s\"", json(name, e1, sizeof(e1)));
    if (!d) {
        say(s, "            }");
        say(s, "        }");
        return 0;
    }
    say(s, "            },");
    say(s, "            \"b_info\": {");
    say(s, "                \"max_vcpus\": %u,", d->cfg.vcpus);
    say(s, "                \"max_memkb\": %llu,", (unsigned long long)d->cfg.maxmem_mb * 1024);
    say(s, "                \"target_memkb\": %llu,", (unsigned long long)d->cfg.memory_mb * 1024);
    say(s, "                \"kernel\": \"%s\",", json(d->cfg.kernel, e1, sizeof(e1)));
    say(s, "                \"ramdisk\": \"%s\",", json(d->cfg.ramdisk, e2, sizeof(e2)));
    say(s, "                \"cmdline\": \"%s\"", json(d->cfg.cmdline, e3, sizeof(e3)));
    say(s, "            },");
    say(s, "            \"on_poweroff\": \"%s\",", dom_action_name(d->cfg.on_poweroff));
    say(s, "            \"on_reboot\": \"%s\",", dom_action_name(d->cfg.on_reboot));
    say(s, "            \"on_crash\": \"%s\"", dom_action_name(d->cfg.on_crash));
    say(s, "        }");
    return 0;
}

static void list(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    struct list_arg a = { c->arg[0] ? c->arg : NULL, xl_opt(c, 'l'), 0, 1, xl_opt(c, 'v') };
    if (a.only && !xl_shown(m, a.only, NULL)) { /* no header for an unknown domain */
        say(s, "xl: no domain '%s'", a.only);
        return;
    }
    if (a.longfmt)
        say(s, "[");
    else
        say(s, "%-40s %5s %5s %5s     %-6s  %8s%s", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)",
            a.verbose ? "  Program" : "");
    xl_each_domain(m, list_one, s, &a);
    if (a.longfmt) {
        if (a.shown) say(s, "    }");
        say(s, "]");
    }
}

/* The xenstore domain holding other domains' nodes is not stopped (mgr_xs_may_stop). */
static int may_not_stop(struct mgr *m, struct xl_session *s, struct mgr_dom *d, const char *verb)
{
    char err[MGR_ERR_LEN];
    if (!mgr_xs_may_stop(m, d, verb, err, sizeof(err))) return 0;
    say(s, "xl: %s", err);
    return 1;
}

static void restart(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    char err[MGR_ERR_LEN];
    struct mgr_dom *d = xl_target(m, s, c->arg, "restart");
    if (!d || may_not_stop(m, s, d, "restart")) return;
    if (!mgr_is_service(m, d)) {
        say(s, "xl: '%s' is not a service domain (use xl reboot)", d->cfg.name);
        return;
    }
    if (c->npos < 2 ? mgr_restart(m, d, 1, err, sizeof(err)) : mgr_upgrade(m, d, c->pos[1], err, sizeof(err)))
        say(s, "xl: %s", err);
    else if (c->npos < 2)
        say(s, "restarted %s as domain %u", d->cfg.name, d->domid);
    else
        say(s, "restarted %s as domain %u with program %s version %s", d->cfg.name, d->domid, d->prog.name,
            d->prog.version);
}

static void destroy(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    char err[MGR_ERR_LEN], was[DOM_NAME_MAX + 16];
    struct mgr_dom *d = xl_target(m, s, c->arg, "destroy");
    if (!d || may_not_stop(m, s, d, "destroy")) return;
    snprintf(was, sizeof(was), "%u (%s)", d->domid, d->cfg.name);
    /* A driver domain that running domains' devices use dies and comes back
     * with its id, as from a crash (docs/restart.md): destroyed for good, it
     * would leave their devices without a backend. */
    int xs = mgr_xs_clients(m, d), fe = xs ? xs : mgr_frontends(m, d);
    if (fe ? mgr_restart(m, d, 1, err, sizeof(err)) : mgr_destroy(m, d, err, sizeof(err)))
        say(s, "xl: %s", err);
    else if (xs) /* the store: rebuilt from its state (docs/restart.md) */
        say(s,
            "destroyed domain %s; rebuilt with its id and its kept store for %d running domain%s (destroy "
            "those first to remove it)",
            was, xs, xs == 1 ? "" : "s");
    else if (fe)
        say(s,
            "destroyed domain %s; rebuilt with its id for the devices of %d running domain%s (destroy those "
            "first to remove it)",
            was, fe, fe == 1 ? "" : "s");
    else
        say(s, "destroyed domain %s", was);
}

static void shutdown(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    char err[MGR_ERR_LEN];
    int reboot = !strcmp(c->verb->name, "reboot");
    struct mgr_dom *d = xl_target(m, s, c->arg, reboot ? "reboot" : "shut down");
    if (!d) return;
    if (mgr_shutdown(m, d, reboot ? SHUTDOWN_reboot : SHUTDOWN_poweroff, err, sizeof(err)))
        say(s, "xl: %s", err);
    else /* as xl says it; the domain's policy applies when it has done so */
        say(s, "%s domain %u (%s)", reboot ? "rebooting" : "shutting down", d->domid, d->cfg.name);
}

static void pause_verb(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    int pause = !strcmp(c->verb->name, "pause");
    struct mgr_dom *d = xl_target(m, s, c->arg, pause ? "pause" : "unpause");
    if (!d || (pause && may_not_stop(m, s, d, "pause"))) return;
    int rc = (pause ? m->b->ops->pause : m->b->ops->unpause)(m->b, d->domid);
    if (rc)
        say(s, "xl: %s of domain %u failed: %s (%d)", pause ? "pause" : "unpause", d->domid,
            rc == -EINVAL ? (pause ? "already paused" : "not paused") : strerror(-rc), rc);
    else
        say(s, "%s domain %u (%s)", pause ? "paused" : "unpaused", d->domid, d->cfg.name);
}

static void console(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    struct mgr_dom *d = xl_target(m, s, c->arg, "attach to the console of");
    if (d) xl_console(m, s, d);
}

/* MEM as xl's parse_mem_size_kb: a number with an optional b/k/m/g/t
 * suffix, MiB without one; -1 if malformed. */
static long long mem_kb(const char *v)
{
    char *end;
    if (*v < '0' || *v > '9') return -1;
    unsigned long long n = strtoull(v, &end, 10);
    if (n > (1ull << 40) || (end[0] && end[1])) return -1;
    switch (*end) {
    case 't':
    case 'T':
        n <<= 10; /* fall through */
    case 'g':
    case 'G':
        n <<= 10; /* fall through */
    case 0:
    case 'm':
    case 'M':
        n <<= 10;
        break;
    case 'k':
    case 'K':
        break;
    case 'b':
    case 'B':
        n >>= 10;
        break;
    default:
        return -1;
    }
    return (long long)n;
}

static void mem_set(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    char err[MGR_ERR_LEN];
    struct mgr_dom *d = xl_target(m, s, c->pos[0], "change the memory of");
    if (!d) return;
    long long kb = mem_kb(c->pos[1]);
    if (kb <= 0) {
        say(s, "xl: invalid memory size '%s' (a number of MiB, or with a suffix b, k, m, g, t)", c->pos[1]);
        return;
    }
    if (mgr_mem_set(m, d, (uint64_t)kb, err, sizeof(err)))
        say(s, "xl: %s", err);
    else
        say(s, "memory target of %s (domain %u) set to %llu MiB", d->cfg.name, d->domid,
            (unsigned long long)kb >> 10);
}

static int sched_row(struct mgr *m, struct xl_session *s, const db_dominfo *i, void *p)
{
    uint32_t w = 0, cap = 0xffff;
    const char *only = p;
    char idbuf[12];
    snprintf(idbuf, sizeof(idbuf), "%u", (unsigned)i->domain);
    if (only && strcmp(only, idbuf) && strcmp(only, xl_name_of(m, i))) return 0;
    int rc = m->b->ops->sched_credit(m->b, i->domain, 0, &w, &cap);
    if (rc)
        say(s, "%-33s %4u %6s %4s", xl_name_of(m, i), (unsigned)i->domain, "?", "?");
    else
        say(s, "%-33s %4u %6u %4u", xl_name_of(m, i), (unsigned)i->domain, w, cap);
    return 0;
}

static int num_opt(const char *v, unsigned long max, uint32_t *out)
{
    char *end;
    if (*v < '0' || *v > '9') return -1;
    unsigned long n = strtoul(v, &end, 10);
    if (*end || n > max) return -1;
    *out = (uint32_t)n;
    return 0;
}

static void sched_credit(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    if (xl_opt(c, 'w') || xl_opt(c, 'c')) {
        uint32_t w = 0, cap = 0xffff;
        struct mgr_dom *d = xl_target(m, s, xl_optval(c, 'd'), "change the scheduling of");
        if (!d) return;
        if (xl_opt(c, 'w') && (num_opt(xl_optval(c, 'w'), 65535, &w) || !w)) {
            say(s, "xl: invalid weight '%s' (1 to 65535)", xl_optval(c, 'w'));
            return;
        }
        if (xl_opt(c, 'c') && num_opt(xl_optval(c, 'c'), 65534, &cap)) {
            say(s, "xl: invalid cap '%s' (percent of one CPU, 0 = none)", xl_optval(c, 'c'));
            return;
        }
        int rc = m->b->ops->sched_credit(m->b, d->domid, 1, &w, &cap);
        if (rc)
            say(s, "xl: the hypervisor refused weight %s cap %s for %s: %s",
                xl_opt(c, 'w') ? xl_optval(c, 'w') : "(unchanged)",
                xl_opt(c, 'c') ? xl_optval(c, 'c') : "(unchanged)", d->cfg.name, strerror(-rc));
        return;
    }
    if (xl_opt(c, 'd') && !xl_shown(m, xl_optval(c, 'd'), NULL)) {
        say(s, "xl: no domain '%s'", xl_optval(c, 'd'));
        return;
    }
    say(s, "%-33s %4s %6s %4s", "Name", "ID", "Weight", "Cap");
    xl_each_domain(m, sched_row, s, xl_opt(c, 'd') ? (void *)xl_optval(c, 'd') : NULL);
}

static void create(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    char err[MGR_ERR_LEN];
    uint32_t id;
    unsigned flags = (xl_opt(c, 'p') ? MGR_PAUSED : 0) | (xl_opt(c, 'n') ? MGR_DRYRUN : 0);
    char extra[XL_LINE_MAX + XL_MAX_POS] = "";
    for (int k = 1; k < c->npos; k++) { /* xl: one line each, after the file */
        strcat(extra, c->pos[k]);
        strcat(extra, "\n");
    }
    int rc = mgr_create(m, c->arg, c->npos > 1 ? extra : NULL, flags, &id, err, sizeof(err));
    for (int i = 0; m->last_cfg && i < m->last_cfg->nwarn; i++)
        say(s, "%s", m->last_cfg->warn[i]);
    if (rc) {
        say(s, "xl: %s", err);
        return;
    }
    if (xl_opt(c, 'n')) {
        const char *name = strncmp(c->arg, HOSTFILES_PREFIX, strlen(HOSTFILES_PREFIX))
                               ? c->arg
                               : c->arg + strlen(HOSTFILES_PREFIX);
        say(s, "%s: config checked (dry run, nothing created)", name);
        return;
    }
    struct mgr_dom *d = xl_by_id(m, id);
    say(s, "created domain %u (%s)%s", id, d->cfg.name, xl_opt(c, 'p') ? ", paused" : "");
    if (xl_opt(c, 'c')) xl_console(m, s, d);
}

static void help_line(void *ctx, const char *l) { say(ctx, "%s", l); }

static void help(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    (void)m, (void)c;
    xl_usage(help_line, s);
}

/* create: FILE, then KEY=VALUE words only (xl takes a word with '=' as a setting) */
static int create_check(const struct xl_cmd *c)
{
    for (int k = 1; k < c->npos; k++)
        if (!strchr(c->pos[k], '=') || c->pos[k][0] == '=') return -1;
    return strchr(c->pos[0], '=') != NULL;
}

static int sched_check(const struct xl_cmd *c)
{
    return (xl_opt(c, 'w') || xl_opt(c, 'c')) && !xl_opt(c, 'd');
}

const struct xl_verb xl_verbs_domain[] = {
    { "help", 0, 0, "", "xl help", help, NULL },
    { "list", 0, 1, "lv", "xl list [-l] [-v] [DOMAIN]", list, NULL },
    { "create", 1, 9, "cpn", "xl create [-c] [-p] [-n] FILE [KEY=VALUE...]", create, create_check },
    { "destroy", 1, 1, "", "xl destroy DOMAIN", destroy, NULL },
    { "shutdown", 1, 1, "w", "xl shutdown [-w] DOMAIN", shutdown, NULL },
    { "reboot", 1, 1, "w", "xl reboot [-w] DOMAIN", shutdown, NULL },
    { "pause", 1, 1, "", "xl pause DOMAIN", pause_verb, NULL },
    { "unpause", 1, 1, "", "xl unpause DOMAIN", pause_verb, NULL },
    { "console", 1, 1, "", "xl console DOMAIN", console, NULL },
    { "restart", 1, 2, "",
      "xl restart NAME [IMAGE] (Tessera: rebuild a service domain with its id; IMAGE: a new build of its "
      "program)",
      restart, NULL },
    { "mem-set", 2, 2, "", "xl mem-set DOMAIN MEM", mem_set, NULL },
    { "sched-credit", 0, 0, "d:w:c:", "xl sched-credit [-d DOMAIN [-w WEIGHT] [-c CAP]]", sched_credit,
      sched_check },
    { NULL, 0, 0, NULL, NULL, NULL, NULL },
};
