/* The fake back end's event channels: per-domain port tables with unbound,
 * interdomain and VIRQ ports (port 0 reserved, as Xen), a queue of pending
 * local ports, and domain shutdown raising VIRQ_DOM_EXC. */
#include "backend/backend_fake_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xen/xen.h>

static int free_port(struct fake_dom *d)
{
    for (int p = 1; p < FAKE_MAX_PORTS; p++)
        if (!d->port[p].state) return p;
    return -ENOSPC;
}

int fake_alloc_unbound(struct backend *b, uint32_t domid, uint32_t remote, uint32_t *port)
{
    struct fake_dom *d = fake_child(b, domid);
    if (!d) return -ESRCH;
    int p = free_port(d);
    if (p < 0) return p;
    d->port[p] = (struct fake_port){ 1, remote, 0, 0 };
    *port = (uint32_t)p;
    return 0;
}

int fake_bind_interdomain(struct backend *b, uint32_t domid, uint32_t rport, uint32_t *lport)
{
    struct fake *f = fake_of(b);
    struct fake_dom *d = fake_child(b, domid);
    if (!d) return -ESRCH;
    if (rport == 0 || rport >= FAKE_MAX_PORTS || d->port[rport].state != 1 ||
        d->port[rport].remote_dom != b->self)
        return -EINVAL;
    int p = free_port(&f->dom[b->self]);
    if (p < 0) return p;
    f->dom[b->self].port[p] = (struct fake_port){ 2, domid, rport, 0 };
    d->port[rport] = (struct fake_port){ 2, b->self, (uint32_t)p, 0 };
    *lport = (uint32_t)p;
    return 0;
}

int fake_bind_virq(struct backend *b, uint32_t virq, uint32_t *lport)
{
    struct fake_dom *self = &fake_of(b)->dom[b->self];
    int p = free_port(self);
    if (p < 0) return p;
    self->port[p] = (struct fake_port){ 3, 0, 0, virq };
    *lport = (uint32_t)p;
    return 0;
}

int fake_unbind(struct backend *b, uint32_t lport)
{
    struct fake *f = fake_of(b);
    struct fake_port *p = &f->dom[b->self].port[lport < FAKE_MAX_PORTS ? lport : 0];
    if (!lport || lport >= FAKE_MAX_PORTS || !p->state) return -EINVAL;
    if (p->state == 2 && p->remote_dom < FAKE_MAX_DOMS && f->dom[p->remote_dom].exists)
        f->dom[p->remote_dom].port[p->remote_port] = (struct fake_port){ 1, b->self, 0, 0 };
    memset(p, 0, sizeof(*p));
    return 0;
}

/* Counts notifications sent to the far end in its port's virq field. */
int fake_notify(struct backend *b, uint32_t lport)
{
    struct fake *f = fake_of(b);
    if (!lport || lport >= FAKE_MAX_PORTS || f->dom[b->self].port[lport].state != 2) return -EINVAL;
    struct fake_port *p = &f->dom[b->self].port[lport];
    if (f->dom[p->remote_dom].exists) f->dom[p->remote_dom].port[p->remote_port].virq++;
    if (f->on_notify) f->on_notify(b, p->remote_dom, f->notify_ctx);
    return 0;
}

void fake_raise(struct backend *b, uint32_t lport)
{
    struct fake *f = fake_of(b);
    for (int i = 0; i < f->npending; i++)
        if (f->pending[i] == lport) return;
    if (f->npending < 64) f->pending[f->npending++] = lport;
}

int fake_pending(struct backend *b, uint32_t *lport)
{
    struct fake *f = fake_of(b);
    if (!f->npending) return -EAGAIN;
    *lport = f->pending[0];
    memmove(f->pending, f->pending + 1, --f->npending * sizeof(f->pending[0]));
    return 0;
}

int fake_bind_unbound(struct backend *b, uint32_t remote, uint32_t *lport)
{
    struct fake_dom *self = &fake_of(b)->dom[b->self];
    int p = free_port(self);
    if (p < 0) return p;
    self->port[p] = (struct fake_port){ 1, remote, 0, 0 };
    *lport = (uint32_t)p;
    return 0;
}

void *fake_grant_pages(struct backend *b, uint32_t domid, unsigned n, uint32_t *grefs)
{
    struct fake *f = fake_of(b);
    if (f->ngranted == 32 || !n || n > 32) return NULL;
    uint8_t *p = aligned_alloc(4096, 4096 * n);
    if (!p) return NULL;
    memset(p, 0, 4096 * n);
    f->granted_to[f->ngranted] = domid;
    f->granted[f->ngranted++] = p;
    for (unsigned i = 0; i < n; i++)
        grefs[i] = 8 + f->next_gref++;
    return p;
}

void *fake_grant_page(struct backend *b, uint32_t domid, uint32_t *gref)
{
    return fake_grant_pages(b, domid, 1, gref);
}

int fake_event_fd(struct backend *b)
{
    (void)b;
    return -1;
}

void fake_shutdown(struct backend *b, uint32_t domid, uint32_t reason)
{
    struct fake *f = fake_of(b);
    struct fake_dom *d = fake_child(b, domid);
    if (!d || d->shutdown) return;
    d->shutdown = 1;
    d->reason = reason;
    for (uint32_t p = 1; p < FAKE_MAX_PORTS; p++)
        if (f->dom[b->self].port[p].state == 3 && f->dom[b->self].port[p].virq == VIRQ_DOM_EXC)
            fake_raise(b, p);
}

void fake_close_ports(struct backend *b, uint32_t domid)
{
    struct fake *f = fake_of(b);
    struct fake_dom *self = &f->dom[b->self];
    for (uint32_t p = 1; p < FAKE_MAX_PORTS; p++)
        if (self->port[p].state == 2 && self->port[p].remote_dom == domid)
            self->port[p] = (struct fake_port){ 1, domid, 0, 0 }; /* unbound: far end gone */
}
