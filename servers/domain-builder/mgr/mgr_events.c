/* Domain manager, event side: VIRQ_DOM_EXC (a child shut down: apply its
 * on_* policy), console channels (drain the out ring into the log or the
 * attached session, notify), console input from `xl console`. */
#include "mgr/mgr.h"

#include <string.h>

static void reap_one(struct mgr *m, struct mgr_dom *d, uint64_t now)
{
    db_dominfo info;
    char err[MGR_ERR_LEN];
    int rc = m->b->ops->getinfo(m->b, d->domid, &info);
    if (rc || info.domain != d->domid) {
        mgr_logf(m, "domain-builder: domain %u (%s) has gone", d->domid, d->cfg.name);
        memset(d, 0, sizeof(*d));
        return;
    }
    if (d->preserved) return;
    struct policy_dec p = policy_decide(&info, &d->cfg, &d->hist, now);
    if (p.act == POL_NONE) return;
    /* a driver domain without capabilities serves frontends all the same */
    p.same_domid = p.act == POL_RESTART && mgr_is_service(m, d);
    mgr_console_poll(m, d);
    mgr_logf(m, "domain-builder: domain %u (%s) shut down: %s, action %s", d->domid, d->cfg.name, p.why,
             policy_act_name(p.act));
    if (p.act == POL_PRESERVE)
        d->preserved = 1;
    else if (p.act == POL_DESTROY)
        rc = mgr_destroy(m, d, err, sizeof(err));
    else
        rc = mgr_restart(m, d, p.same_domid, err, sizeof(err));
    if (rc) mgr_logf(m, "domain-builder: %s", err);
}

void mgr_reap(struct mgr *m)
{
    uint64_t now = m->now_ms ? m->now_ms() : 0;
    for (int i = 0; i < MGR_MAX_DOMS; i++)
        if (m->dom[i].used) reap_one(m, &m->dom[i], now);
}

void mgr_console_poll(struct mgr *m, struct mgr_dom *d)
{
    char buf[512];
    size_t n;
    int corrupt, any = 0;
    if (!d->cons) return;
    for (int rounds = 0; rounds < 16; rounds++) { /* bounded: the ring refills */
        n = cons_read_out(d->cons, buf, sizeof(buf), &corrupt);
        if (corrupt) mgr_logf(m, "%s[console ring indices corrupt: reset]", d->prefix);
        if (!n) break;
        any = 1;
        if (d->t_create) {
            mgr_logf(m,
                     "domain-builder: domain %u (%s): first console output %llu ms after "
                     "create (read+build %u ms, console+xenstore %u ms, unpause %u ms; console port %u)",
                     d->domid, d->cfg.name, (unsigned long long)(m->now_ms() - d->t_create), d->t_step[0],
                     d->t_step[1], d->t_step[2], d->cons_lport);
            d->t_create = 0;
        }
        if (d->attached && d->attached->raw)
            d->attached->raw(d->attached->ctx, buf, n);
        else
            cons_feed(&d->lines, buf, n, d->prefix, m->log.line, m->log.ctx);
    }
    if (any || corrupt) m->b->ops->notify(m->b, d->cons_lport);
}

void mgr_event(struct mgr *m, uint32_t lport)
{
    if (lport == m->virq_port) {
        mgr_reap(m);
        return;
    }
    for (int i = 0; i < MGR_MAX_DOMS; i++)
        if (m->dom[i].used && m->dom[i].cons && m->dom[i].cons_lport == lport)
            mgr_console_poll(m, &m->dom[i]);
}

int mgr_console_attach(struct mgr_dom *d, const struct db_out *o)
{
    if (!d->cons) return -1;
    d->attached = o;
    return 0;
}

void mgr_console_input(struct mgr *m, struct mgr_dom *d, const char *data, size_t n)
{
    if (!d->cons) return;
    cons_write_in(d->cons, data, n); /* what does not fit is dropped */
    m->b->ops->notify(m->b, d->cons_lport);
}
