/* The xl commands (see xl.h): list and info formatting, domain commands,
 * console attach.  Every answer is one or more lines to the session; errors
 * start with "xl: ". */
#include "shell/xl.h"
#include "shell/xlcmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <xen/sched.h>

static void say(struct xl_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct xl_session *s, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    s->out.line(s->out.ctx, buf);
}

static void state_str(const db_dominfo *i, char *st)
{
    uint32_t f = i->flags, reason = (f >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    int shut = !!(f & XEN_DOMINF_shutdown);
    snprintf(st, 7, "%c%c%c%c%c%c", f & XEN_DOMINF_running ? 'r' : '-',
             f & XEN_DOMINF_blocked ? 'b' : '-', f & XEN_DOMINF_paused ? 'p' : '-',
             shut && reason != SHUTDOWN_crash ? 's' : '-',
             shut && reason == SHUTDOWN_crash ? 'c' : '-', f & XEN_DOMINF_dying ? 'd' : '-');
}

static void list(struct mgr *m, struct xl_session *s)
{
    db_dominfo i;
    say(s, "%-40s %5s %5s %5s     %-6s  %8s", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)");
    for (uint32_t id = 0; !m->b->ops->getinfo(m->b, id, &i); id = i.domain + 1u) {
        struct mgr_dom *d = NULL;
        char st[8], idbuf[12];
        snprintf(idbuf, sizeof(idbuf), "%u", (unsigned)i.domain);
        d = mgr_find(m, idbuf);
        const char *name = i.domain == m->b->self ? "domain-builder" : d ? d->cfg.name : "(unknown)";
        state_str(&i, st);
        say(s, "%-40s %5u %5llu %5u     %s  %8.1f", name, (unsigned)i.domain,
            (unsigned long long)(i.tot_pages / 256), i.nr_online_vcpus, st,
            (double)i.cpu_time / 1e9);
        if (i.domain >= DOMID_FIRST_RESERVED - 1)
            break;
    }
}

static void info(struct mgr *m, struct xl_session *s)
{
    uint64_t total = 0, freep = 0;
    uint32_t cpus = 0;
    int n = 0;
    if (m->b->ops->physinfo(m->b, &total, &freep, &cpus)) {
        say(s, "xl: physinfo failed");
        return;
    }
    for (int k = 0; k < MGR_MAX_DOMS; k++)
        n += m->dom[k].used;
    say(s, "host                   : tessera");
    say(s, "nr_cpus                : %u", cpus);
    say(s, "total_memory           : %llu", (unsigned long long)(total / 256));
    say(s, "free_memory            : %llu", (unsigned long long)(freep / 256));
    say(s, "nr_domains             : %d", n);
    say(s, "xenstore_domain        : %s", m->xenstore_domid == BUILD_NO_XENSTORE ? "none" : "running");
}

static struct mgr_dom *target(struct mgr *m, struct xl_session *s, const char *arg)
{
    struct mgr_dom *d = mgr_find(m, arg);
    if (!d)
        say(s, "xl: no domain '%s'", arg);
    return d;
}

static void restart(struct mgr *m, struct xl_session *s, struct mgr_dom *d)
{
    char err[MGR_ERR_LEN];
    if (!d->cfg.caps) {
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
        say(s, "xl: domain %u has no console", d->domid);
        return;
    }
    s->attached = d->domid;
    say(s, "[attached to %s (domain %u); Ctrl-] detaches]", d->cfg.name, d->domid);
}

static void control(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    char err[MGR_ERR_LEN];
    struct mgr_dom *d = target(m, s, c->arg);
    int rc = 0;
    if (!d)
        return;
    switch (c->op) {
    case XL_DESTROY: rc = mgr_destroy(m, d, err, sizeof(err)); break;
    case XL_SHUTDOWN: rc = mgr_shutdown(m, d, SHUTDOWN_poweroff, err, sizeof(err)); break;
    case XL_REBOOT: rc = mgr_shutdown(m, d, SHUTDOWN_reboot, err, sizeof(err)); break;
    case XL_PAUSE:
    case XL_UNPAUSE:
        rc = (c->op == XL_PAUSE ? m->b->ops->pause : m->b->ops->unpause)(m->b, d->domid);
        if (rc)
            snprintf(err, sizeof(err), "%s of domain %u failed (%d)",
                     c->op == XL_PAUSE ? "pause" : "unpause", d->domid, rc);
        break;
    case XL_RESTART: restart(m, s, d); return;
    case XL_CONSOLE: console(m, s, d); return;
    default: return;
    }
    if (rc)
        say(s, "xl: %s", err);
}

void xl_exec(struct mgr *m, struct xl_session *s, const char *line)
{
    struct xl_cmd c;
    char err[MGR_ERR_LEN];
    uint32_t id;
    if (xl_parse(line, &c, err, sizeof(err))) {
        say(s, "xl: %s", err);
        return;
    }
    switch (c.op) {
    case XL_NONE: return;
    case XL_HELP: say(s, "%s", xl_usage()); return;
    case XL_LIST: list(m, s); return;
    case XL_INFO: info(m, s); return;
    case XL_CREATE:
        if (mgr_create(m, c.arg, &id, err, sizeof(err)))
            say(s, "xl: %s", err);
        else {
            say(s, "created domain %u", id);
            char idbuf[12];
            snprintf(idbuf, sizeof(idbuf), "%u", id);
            if (c.console)
                console(m, s, mgr_find(m, idbuf));
        }
        return;
    default: control(m, s, &c);
    }
}

/* Bytes for an attached console; Ctrl-] ends the attachment. */
static size_t to_console(struct mgr *m, struct xl_session *s, const char *data, size_t n)
{
    struct mgr_dom *d = NULL;
    char idbuf[12];
    snprintf(idbuf, sizeof(idbuf), "%u", s->attached);
    d = mgr_find(m, idbuf);
    const char *stop = memchr(data, XL_DETACH_CHAR, n);
    size_t k = stop ? (size_t)(stop - data) : n;
    if (d && d->attached == &s->out)
        mgr_console_input(m, d, data, k);
    if (stop || !d || d->attached != &s->out) {
        if (d && d->attached == &s->out)
            d->attached = NULL;
        s->attached = 0;
        say(s, "[detached]");
        return stop ? k + 1 : k;
    }
    return k;
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
        if (c != '\n' && c != '\r') {
            if (s->n < sizeof(s->line) - 1)
                s->line[s->n++] = c;
            else
                s->overlong = 1;
            continue;
        }
        s->line[s->n] = 0;
        if (s->overlong)
            say(s, "xl: line longer than %d characters", XL_LINE_MAX);
        else if (s->n)
            xl_exec(m, s, s->line);
        s->n = 0;
        s->overlong = 0;
    }
}
