/* The xl commands (see xl.h): list and info formatting, domain commands,
 * console attach, and the session's input (echo, prompt, Ctrl-]).  Every
 * answer is one or more lines to the session; errors start with "xl: " and
 * say what went wrong in words. */
#include "shell/xl.h"
#include "shell/xlcmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/sched.h>

#define say xl_say

void xl_say(struct xl_session *s, const char *fmt, ...)
{
    char buf[1100];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    s->out.line(s->out.ctx, buf);
}

static void raw(struct xl_session *s, const char *d, size_t n)
{
    if (s->out.raw) s->out.raw(s->out.ctx, d, n);
}

static void prompt(struct xl_session *s)
{
    if (s->style == XL_TERMINAL) raw(s, XL_PROMPT, strlen(XL_PROMPT));
}

void xl_hello(struct xl_session *s) { prompt(s); }

static void state_str(const db_dominfo *i, char *st)
{
    uint32_t f = i->flags, reason = (f >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    int shut = !!(f & XEN_DOMINF_shutdown);
    snprintf(st, 7, "%c%c%c%c%c%c", f & XEN_DOMINF_running ? 'r' : '-', f & XEN_DOMINF_blocked ? 'b' : '-',
             f & XEN_DOMINF_paused ? 'p' : '-', shut && reason != SHUTDOWN_crash ? 's' : '-',
             shut && reason == SHUTDOWN_crash ? 'c' : '-', f & XEN_DOMINF_dying ? 'd' : '-');
}

static struct mgr_dom *by_id(struct mgr *m, uint32_t id)
{
    char idbuf[12];
    snprintf(idbuf, sizeof(idbuf), "%u", id);
    return mgr_find(m, idbuf);
}

static const char *name_of(struct mgr *m, const db_dominfo *i)
{
    struct mgr_dom *d = by_id(m, i->domain);
    return i->domain == m->b->self ? "domain-builder" : d ? d->cfg.name : "(unknown)";
}

/* Every domain the hypervisor shows, in id order: what list, info and
 * sched-credit count.  fn returns nonzero to stop. */
static int each_domain(struct mgr *m,
                       int (*fn)(struct mgr *, struct xl_session *, const db_dominfo *, void *),
                       struct xl_session *s, void *arg)
{
    db_dominfo i;
    int n = 0;
    for (uint32_t id = 0; !m->b->ops->getinfo(m->b, id, &i); id = i.domain + 1u) {
        n++;
        if (fn && fn(m, s, &i, arg)) break;
        if (i.domain >= DOMID_FIRST_RESERVED - 1) break;
    }
    return n;
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
    int longfmt, shown, first;
};

static int list_one(struct mgr *m, struct xl_session *s, const db_dominfo *i, void *p)
{
    struct list_arg *a = p;
    const char *name = name_of(m, i);
    char idbuf[12], st[8];
    snprintf(idbuf, sizeof(idbuf), "%u", (unsigned)i->domain);
    if (a->only && strcmp(a->only, idbuf) && strcmp(a->only, name)) return 0;
    a->shown++;
    if (!a->longfmt) {
        state_str(i, st);
        say(s, "%-40s %5u %5llu %5u     %s  %8.1f", name, (unsigned)i->domain,
            (unsigned long long)(i->tot_pages / 256), i->nr_online_vcpus, st, (double)i->cpu_time / 1e9);
        return 0;
    }
    /* xl list -l: libxl's domain config as JSON, the parts Tessera keeps */
    struct mgr_dom *d = by_id(m, i->domain);
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

/* Is there a domain with this id or name (the builder included)? */
static int shown(struct mgr *m, const char *which)
{
    db_dominfo i;
    for (uint32_t id = 0; !m->b->ops->getinfo(m->b, id, &i); id = i.domain + 1u) {
        char idbuf[12];
        snprintf(idbuf, sizeof(idbuf), "%u", (unsigned)i.domain);
        if (!strcmp(which, idbuf) || !strcmp(which, name_of(m, &i))) return 1;
        if (i.domain >= DOMID_FIRST_RESERVED - 1) break;
    }
    return 0;
}

static void list(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    struct list_arg a = { c->arg[0] ? c->arg : NULL, c->longfmt, 0, 1 };
    if (a.only && !shown(m, a.only)) { /* no header for an unknown domain */
        say(s, "xl: no domain '%s'", a.only);
        return;
    }
    if (a.longfmt)
        say(s, "[");
    else
        say(s, "%-40s %5s %5s %5s     %-6s  %8s", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)");
    each_domain(m, list_one, s, &a);
    if (a.longfmt) {
        if (a.shown) say(s, "    }");
        say(s, "]");
    }
}

static void info(struct mgr *m, struct xl_session *s)
{
    uint64_t total = 0, freep = 0;
    uint32_t cpus = 0;
    int rc = m->b->ops->physinfo(m->b, &total, &freep, &cpus);
    if (rc) {
        say(s, "xl: the hypervisor's physinfo failed: %s", strerror(-rc));
        return;
    }
    say(s, "host                   : tessera");
    say(s, "machine                : x86_64");
    say(s, "nr_cpus                : %u", cpus);
    say(s, "total_memory           : %llu", (unsigned long long)(total / 256));
    say(s, "free_memory            : %llu", (unsigned long long)(freep / 256));
    say(s, "xen_caps               : xen-3.0-x86_64");
    say(s, "xen_scheduler          : credit");
    say(s, "xen_pagesize           : 4096");
    /* the same domains xl list shows, the builder included */
    say(s, "nr_domains             : %d", each_domain(m, NULL, s, NULL));
    say(s, "xenstore_domain        : %s", m->xenstore_domid == BUILD_NO_XENSTORE ? "none" : "running");
}

/* A domain this builder manages, or a message saying why not. */
static struct mgr_dom *target(struct mgr *m, struct xl_session *s, const char *arg, const char *verb)
{
    struct mgr_dom *d = mgr_find(m, arg);
    if (d) return d;
    char *end;
    unsigned long id = strtoul(arg, &end, 10);
    int numeric = *arg >= '0' && *arg <= '9' && !*end;
    db_dominfo i;
    if ((numeric && id == m->b->self) || !strcmp(arg, "domain-builder") || !strcmp(arg, "Domain-0"))
        say(s,
            "xl: domain %u is the domain builder itself (the control domain that runs "
            "these commands): it cannot %s itself",
            m->b->self, verb);
    else if (numeric && !m->b->ops->getinfo(m->b, (uint32_t)id, &i) && i.domain == id)
        say(s, "xl: domain %lu was not built by this domain builder: it cannot %s it", id, verb);
    else
        say(s, "xl: no domain '%s'", arg);
    return NULL;
}

static void restart(struct mgr *m, struct xl_session *s, struct mgr_dom *d)
{
    char err[MGR_ERR_LEN];
    if (!mgr_is_service(m, d)) {
        say(s, "xl: '%s' is not a service domain (use xl reboot)", d->cfg.name);
        return;
    }
    if (mgr_restart(m, d, 1, err, sizeof(err)))
        say(s, "xl: %s", err);
    else
        say(s, "restarted %s as domain %u", d->cfg.name, d->domid);
}

static void console(struct mgr *m, struct xl_session *s, struct mgr_dom *d)
{
    (void)m;
    if (mgr_console_attach(d, &s->out)) {
        say(s, "xl: domain %u (%s) has no console", d->domid, d->cfg.name);
        return;
    }
    s->attached = d->domid;
    say(s, "[attached to %s (domain %u); Ctrl-] detaches]", d->cfg.name, d->domid);
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
    struct mgr_dom *d = target(m, s, c->pos[0], "change the memory of");
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
    if (only && strcmp(only, idbuf) && strcmp(only, name_of(m, i))) return 0;
    int rc = m->b->ops->sched_credit(m->b, i->domain, 0, &w, &cap);
    if (rc)
        say(s, "%-33s %4u %6s %4s", name_of(m, i), (unsigned)i->domain, "?", "?");
    else
        say(s, "%-33s %4u %6u %4u", name_of(m, i), (unsigned)i->domain, w, cap);
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
    if (c->weight[0] || c->cap[0]) {
        uint32_t w = 0, cap = 0xffff;
        struct mgr_dom *d = target(m, s, c->dom, "change the scheduling of");
        if (!d) return;
        if (c->weight[0] && (num_opt(c->weight, 65535, &w) || !w)) {
            say(s, "xl: invalid weight '%s' (1 to 65535)", c->weight);
            return;
        }
        if (c->cap[0] && num_opt(c->cap, 65534, &cap)) {
            say(s, "xl: invalid cap '%s' (percent of one CPU, 0 = none)", c->cap);
            return;
        }
        int rc = m->b->ops->sched_credit(m->b, d->domid, 1, &w, &cap);
        if (rc)
            say(s, "xl: the hypervisor refused weight %s cap %s for %s: %s",
                c->weight[0] ? c->weight : "(unchanged)", c->cap[0] ? c->cap : "(unchanged)", d->cfg.name,
                strerror(-rc));
        return;
    }
    if (c->dom[0] && !shown(m, c->dom)) {
        say(s, "xl: no domain '%s'", c->dom);
        return;
    }
    say(s, "%-33s %4s %6s %4s", "Name", "ID", "Weight", "Cap");
    each_domain(m, sched_row, s, c->dom[0] ? (void *)c->dom : NULL);
}

static void create(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    char err[MGR_ERR_LEN];
    uint32_t id;
    unsigned flags = (c->paused ? MGR_PAUSED : 0) | (c->dryrun ? MGR_DRYRUN : 0);
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
    if (c->dryrun) {
        const char *name = strncmp(c->arg, HOSTFILES_PREFIX, strlen(HOSTFILES_PREFIX))
                               ? c->arg
                               : c->arg + strlen(HOSTFILES_PREFIX);
        say(s, "%s: config checked (dry run, nothing created)", name);
        return;
    }
    struct mgr_dom *d = by_id(m, id);
    say(s, "created domain %u (%s)%s", id, d->cfg.name, c->paused ? ", paused" : "");
    if (c->console) console(m, s, d);
}

static void control(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    static const char *verb[] = { [XL_DESTROY] = "destroy",
                                  [XL_SHUTDOWN] = "shut down",
                                  [XL_REBOOT] = "reboot",
                                  [XL_PAUSE] = "pause",
                                  [XL_UNPAUSE] = "unpause",
                                  [XL_RESTART] = "restart",
                                  [XL_CONSOLE] = "attach to the console of" };
    char err[MGR_ERR_LEN];
    struct mgr_dom *d = target(m, s, c->arg, verb[c->op]);
    int rc = 0;
    if (!d) return;
    if ((c->op == XL_DESTROY || c->op == XL_PAUSE || c->op == XL_RESTART) &&
        mgr_xs_may_stop(m, d, verb[c->op], err, sizeof(err))) {
        say(s, "xl: %s", err);
        return;
    }
    switch (c->op) {
    case XL_DESTROY: {
        char was[DOM_NAME_MAX + 16];
        snprintf(was, sizeof(was), "%u (%s)", d->domid, d->cfg.name);
        rc = mgr_destroy(m, d, err, sizeof(err));
        if (!rc) say(s, "destroyed domain %s", was);
        break;
    }
    case XL_SHUTDOWN:
    case XL_REBOOT:
        rc = mgr_shutdown(m, d, c->op == XL_SHUTDOWN ? SHUTDOWN_poweroff : SHUTDOWN_reboot, err, sizeof(err));
        if (!rc) /* as xl says it; the domain's policy applies when it has done so */
            say(s, "%s domain %u (%s)", c->op == XL_SHUTDOWN ? "shutting down" : "rebooting", d->domid,
                d->cfg.name);
        break;
    case XL_PAUSE:
    case XL_UNPAUSE:
        rc = (c->op == XL_PAUSE ? m->b->ops->pause : m->b->ops->unpause)(m->b, d->domid);
        if (rc)
            snprintf(err, sizeof(err), "%s of domain %u failed: %s (%d)",
                     c->op == XL_PAUSE ? "pause" : "unpause", d->domid,
                     rc == -EINVAL ? (c->op == XL_PAUSE ? "already paused" : "not paused") : strerror(-rc),
                     rc);
        else
            say(s, "%s domain %u (%s)", c->op == XL_PAUSE ? "paused" : "unpaused", d->domid, d->cfg.name);
        break;
    case XL_RESTART:
        restart(m, s, d);
        return;
    case XL_CONSOLE:
        console(m, s, d);
        return;
    default:
        return;
    }
    if (rc) say(s, "xl: %s", err);
}

void xl_exec(struct mgr *m, struct xl_session *s, const char *line)
{
    struct xl_cmd c;
    char err[MGR_ERR_LEN];
    if (xl_parse(line, &c, err, sizeof(err))) {
        say(s, "xl: %s", err);
        return;
    }
    switch (c.op) {
    case XL_NONE:
        return;
    case XL_HELP:
        say(s, "%s", xl_usage());
        return;
    case XL_LIST:
        list(m, s, &c);
        return;
    case XL_INFO:
        info(m, s);
        return;
    case XL_CREATE:
        create(m, s, &c);
        return;
    case XL_MEMSET:
        mem_set(m, s, &c);
        return;
    case XL_SCHED_CREDIT:
        sched_credit(m, s, &c);
        return;
    case XL_PUT:
        xl_put(m, s, c.pos[0], c.pos[1], c.pos[2], c.npos > 3 ? c.pos[3] : NULL);
        return;
    case XL_SAVE:
        xl_save(m, s, &c);
        return;
    case XL_RESTORE:
        xl_restore(m, s, &c);
        return;
    default:
        control(m, s, &c);
    }
}

static void detach(struct mgr *m, struct xl_session *s)
{
    struct mgr_dom *d = by_id(m, s->attached);
    if (d && d->attached == &s->out) d->attached = NULL;
    s->attached = 0;
    say(s, "[detached]");
}

void xl_reset(struct mgr *m, struct xl_session *s)
{
    if (s->attached) detach(m, s);
    xl_upload_abandon(s);
    s->n = 0;
    s->overlong = 0;
    s->cr = 0;
}

/* Bytes for an attached console; Ctrl-] ends the attachment. */
static size_t to_console(struct mgr *m, struct xl_session *s, const char *data, size_t n)
{
    struct mgr_dom *d = by_id(m, s->attached);
    const char *stop = memchr(data, XL_DETACH_CHAR, n);
    size_t k = stop ? (size_t)(stop - data) : n;
    if (d && d->attached == &s->out) mgr_console_input(m, d, data, k);
    if (stop || !d || d->attached != &s->out) {
        detach(m, s);
        prompt(s);
        return stop ? k + 1 : k;
    }
    return k;
}

/* A finished line: a command, or upload data. */
static void line_done(struct mgr *m, struct xl_session *s)
{
    s->line[s->n] = 0;
    if (s->up.active) {
        xl_upload_line(m, s, s->line, s->overlong ? XL_SESSION_LINE : s->n);
        if (!s->up.active) prompt(s);
    } else {
        if (s->style == XL_LOG && (s->n || s->overlong)) say(s, XL_PROMPT "%s", s->line);
        if (s->overlong)
            say(s, "xl: line longer than %d characters", XL_LINE_MAX);
        else if (s->n)
            xl_exec(m, s, s->line);
        if (!s->attached) prompt(s); /* also after "send": the data lines follow it */
    }
    s->n = 0;
    s->overlong = 0;
}

void xl_input(struct mgr *m, struct xl_session *s, const char *data, size_t n)
{
    while (n) {
        if (s->attached) {
            size_t k = to_console(m, s, data, n);
            data += k, n -= k;
            continue;
        }
        char c = *data++;
        n--;
        int cr = s->cr;
        s->cr = c == '\r';
        if (c == XL_DETACH_CHAR) {
            int partial = s->n || s->up.active;
            xl_reset(m, s);
            if (partial && s->style == XL_TERMINAL) raw(s, "\n", 1);
            continue;
        }
        if (c == '\n' && cr) continue; /* the end of a "\r\n" */
        int echo = s->style == XL_TERMINAL && !s->up.active;
        if (c == '\n' || c == '\r') {
            if (echo) raw(s, "\n", 1);
            line_done(m, s);
            continue;
        }
        if ((c == 0x7f || c == '\b') && !s->up.active) {
            if (s->n && !s->overlong) {
                s->n--;
                if (echo) raw(s, "\b \b", 3);
            }
            continue;
        }
        if (echo) raw(s, &c, 1);
        if (s->n < sizeof(s->line) - 1)
            s->line[s->n++] = c;
        else
            s->overlong = 1;
    }
}
