/* The xl shell's sessions (see xl.h): input (echo, prompt, Ctrl-]), the
 * dispatch of a command line to its verb, the attached console, and what
 * the verb groups share (xl_int.h).  Every answer is one or more lines to
 * the session; errors start with "xl: " and say what went wrong in words. */
#include "shell/xl_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every verb group; a new group is one more line. */
const struct xl_verb *const xl_verb_groups[] = {
    xl_verbs_domain, xl_verbs_info, xl_verbs_block,   xl_verbs_net,
    xl_verbs_upload, xl_verbs_save, xl_verbs_migrate, xl_verbs_vbd, NULL,
};

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

struct mgr_dom *xl_by_id(struct mgr *m, uint32_t id)
{
    char idbuf[12];
    snprintf(idbuf, sizeof(idbuf), "%u", id);
    return mgr_find(m, idbuf);
}

const char *xl_name_of(struct mgr *m, const db_dominfo *i)
{
    struct mgr_dom *d = xl_by_id(m, i->domain);
    return i->domain == m->b->self ? "domain-builder" : d ? d->cfg.name : "(unknown)";
}

int xl_each_domain(struct mgr *m, int (*fn)(struct mgr *, struct xl_session *, const db_dominfo *, void *),
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

int xl_shown(struct mgr *m, const char *which, db_dominfo *out)
{
    db_dominfo i;
    for (uint32_t id = 0; !m->b->ops->getinfo(m->b, id, &i); id = i.domain + 1u) {
        char idbuf[12];
        snprintf(idbuf, sizeof(idbuf), "%u", (unsigned)i.domain);
        if (!strcmp(which, idbuf) || !strcmp(which, xl_name_of(m, &i))) {
            if (out) *out = i;
            return 1;
        }
        if (i.domain >= DOMID_FIRST_RESERVED - 1) break;
    }
    return 0;
}

struct mgr_dom *xl_target(struct mgr *m, struct xl_session *s, const char *arg, const char *verb)
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

void xl_console(struct mgr *m, struct xl_session *s, struct mgr_dom *d)
{
    (void)m;
    if (mgr_console_attach(d, &s->out)) {
        say(s, "xl: domain %u (%s) has no console", d->domid, d->cfg.name);
        return;
    }
    s->attached = d->domid;
    say(s, "[attached to %s (domain %u); Ctrl-] detaches]", d->cfg.name, d->domid);
}

void xl_exec(struct mgr *m, struct xl_session *s, const char *line)
{
    struct xl_cmd c;
    char err[MGR_ERR_LEN];
    if (xl_parse(line, &c, err, sizeof(err)))
        say(s, "xl: %s", err);
    else if (c.verb)
        c.verb->run(m, s, &c);
}

static void detach(struct mgr *m, struct xl_session *s)
{
    struct mgr_dom *d = xl_by_id(m, s->attached);
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
    struct mgr_dom *d = xl_by_id(m, s->attached);
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
