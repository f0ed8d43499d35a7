/*
 * dom_ring.c: the domain hooks of the xenstore service domain. INTRODUCE
 * maps the domain's ring page through its reserved grant entry
 * GNTTAB_RESERVED_XENSTORE (the builder grants it to us; the control
 * domain's ring is the grant named on our command line) with
 * /dev/xen/gntdev, binds its store port with IOCTL_EVTCHN_BIND_INTERDOMAIN,
 * and serves it with the core's ring transport. The mfn of INTRODUCE is not
 * used: without BUILD we may not map another domain's frames (Xen's
 * stubdom does the same). After a restart of the program the runtime hands
 * back the same mapping and the same local port for the same arguments.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <xen/grant_table.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntdev.h>

#include "xsdom.h"

struct dring {
    struct dring *next;
    uint32_t domid, lport;
    uint64_t index; /* gntdev offset */
    struct xenstore_domain_interface *intf;
    struct xs_conn *c;
    struct xs_ring *ring; /* NULL while dead */
    bool busy;
    bool dead; /* its domain is gone: never touch intf */
    bool said_deferred;
};

static struct dring *rings;
static const struct xs_conn_ops conn_ops = { NULL };

static void ring_notify(void *handle)
{
    struct dring *d = handle;
    struct ioctl_evtchn_notify n = { d->lport };
    ioctl(xsdom_dev.evtchn, IOCTL_EVTCHN_NOTIFY, &n);
}

static const struct xs_ring_ops ring_ops = { ring_notify };

static bool privileged(uint32_t domid)
{
    if (xsdom_opts.have_master && domid == xsdom_opts.master_domid) return true;
    for (unsigned i = 0; i < xsdom_opts.npriv; i++)
        if (xsdom_opts.priv[i] == domid) return true;
    return false;
}

static void unmap(struct dring *d)
{
    if (d->intf) munmap(d->intf, 4096);
    struct ioctl_gntdev_unmap_grant_ref u = { d->index, 1, 0 };
    ioctl(xsdom_dev.gntdev, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
}

/* Tessera tears down our mapping of a dead domain's ring page under us (Xen
 * would keep the page until we unmap it), so a ring is touched only while
 * its channel is still connected: checked before each use. */
static bool check_alive(struct dring *d)
{
    if (!d->dead && !xsdom_port_alive(d->lport, d->domid)) {
        d->dead = true;
        d->busy = false;
    }
    return !d->dead;
}

/* The grant of the domain's ring page into d->intf/d->index. */
static int map_ring(struct dring *d, uint32_t gref, bool touch)
{
    struct ioctl_gntdev_map_grant_ref m = { 1, 0, 0, { { d->domid, gref } } };
    if (ioctl(xsdom_dev.gntdev, IOCTL_GNTDEV_MAP_GRANT_REF, &m) < 0) return -errno;
    d->index = m.index;
    if (!touch) return 0; /* only claimed (a kept mapping), to be unmapped */
    void *va = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, xsdom_dev.gntdev, (off_t)m.index);
    if (va == MAP_FAILED) {
        int e = -errno;
        unmap(d);
        return e;
    }
    d->intf = va;
    return 0;
}

static struct xs_conn *hook_introduce(void *ctx, struct xs_server *s, uint32_t domid, uint64_t mfn,
                                      uint32_t port)
{
    (void)ctx;
    (void)mfn;
    uint32_t gref = GNTTAB_RESERVED_XENSTORE;
    if (xsdom_opts.have_master && domid == xsdom_opts.master_domid) gref = xsdom_opts.master_gref;
    struct dring *d = calloc(1, sizeof(*d));
    if (!d) abort();
    d->domid = domid;
    /* the channel first: it tells whether the domain is still there (after
     * a restart of ours the runtime hands back the kept port) */
    struct ioctl_evtchn_bind_interdomain b = { domid, port };
    int lp = ioctl(xsdom_dev.evtchn, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
    if (lp < 0) {
        if (!xsdom_opts.quiet) xsdom_log("domain %u: cannot bind port %u (errno %d)", domid, port, errno);
        free(d);
        return NULL;
    }
    d->lport = (uint32_t)lp;
    d->dead = !xsdom_port_alive(d->lport, domid);
    int rc = map_ring(d, gref, !d->dead);
    if (d->dead) {
        /* gone while we were down: attach without a ring, so the death
         * check releases it (nodes removed, @releaseDomain) */
        if (!rc) unmap(d);
        d->intf = NULL;
        d->index = ~0ull;
    } else if (rc) {
        if (!xsdom_opts.quiet) xsdom_log("domain %u: cannot map grant %u (%d)", domid, gref, rc);
        struct ioctl_evtchn_unbind u = { d->lport };
        ioctl(xsdom_dev.evtchn, IOCTL_EVTCHN_UNBIND, &u);
        free(d);
        return NULL;
    }
    d->c = xs_conn_new(s, domid, privileged(domid), true, &conn_ops, d);
    if (!d->dead) {
        xs_conn_set_out_total(d->c, d->intf->rsp_prod);
        d->ring = xs_ring_new(d->c, d->intf, &ring_ops, d);
        d->busy = true; /* requests may be waiting already */
    }
    d->next = rings;
    rings = d;
    xsdom_log("domain %u introduced (port %u -> local %u%s)%s", domid, port, d->lport,
              privileged(domid) ? ", privileged" : "", d->dead ? ", but it is gone" : "");
    return d->c;
}

static void hook_release(void *ctx, struct xs_conn *c)
{
    (void)ctx;
    for (struct dring **pp = &rings; *pp; pp = &(*pp)->next) {
        struct dring *d = *pp;
        if (d->c != c) continue;
        *pp = d->next;
        xsdom_log("domain %u released", d->domid);
        if (d->ring) xs_ring_free(d->ring);
        struct ioctl_evtchn_unbind u = { d->lport };
        ioctl(xsdom_dev.evtchn, IOCTL_EVTCHN_UNBIND, &u);
        unmap(d);
        free(d);
        return;
    }
}

const struct xs_domain_hooks xsdom_hooks = { hook_introduce, hook_release, NULL };

bool xsdom_ring_event(uint32_t lport)
{
    for (struct dring *d = rings; d; d = d->next)
        if (d->lport == lport) {
            d->busy = true;
            return true;
        }
    return false;
}

bool xsdom_ring_serve(int64_t *wake)
{
    bool more = false;
    for (struct dring *d = rings; d; d = d->next)
        if (d->busy && check_alive(d)) {
            enum xs_turn t = xs_ring_turn(d->ring, wake);
            if (t == XS_TURN_DEFERRED && !d->said_deferred) {
                d->said_deferred = true; /* once: a flooder is deferred all the time */
                xsdom_log("domain %u is over its share of our time: its requests wait", d->domid);
            }
            d->busy = t != XS_TURN_IDLE;
            more |= t == XS_TURN_MORE;
        }
    /* watch events this round's requests queued for other domains */
    for (struct dring *d = rings; d; d = d->next)
        if (xs_conn_out_pending(d->c) && check_alive(d)) xs_ring_flush(d->ring);
    return more;
}

void xsdom_ring_resync_all(void)
{
    for (struct dring *d = rings; d; d = d->next)
        if (check_alive(d)) {
            xs_ring_resync(d->ring);
            d->busy = true;
        }
}

bool xsdom_ring_at(unsigned i, uint32_t *domid, uint32_t *lport, bool *dead)
{
    struct dring *d = rings;
    while (d && i--)
        d = d->next;
    if (!d) return false;
    *domid = d->domid;
    *lport = d->lport;
    *dead = d->dead;
    return true;
}
