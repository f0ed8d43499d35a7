/* blkback's xenbus driver (see xb.h). */
#include "xb.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>

_Static_assert(XBE_MAX_DEVS *BB_MAX_QUEUES + 64 + BB_PGRANTS_ALL <= XD_MAX_MAPS,
               "every ring can be mapped with the persistent grants at their bound");

static struct xb *of(struct xbe *x) { return x->ctx; }

static int probe(struct xbe *x, struct xbe_dev *d, const char **why)
{
    struct xb *b = of(x);
    char *params = NULL, *mode = NULL;
    int rc = -EINVAL;
    if (xbe_read(x, d->be, "params", &params) || xbe_read(x, d->be, "mode", &mode)) {
        *why = "params or mode missing";
        goto out;
    }
    bool rw = !strcmp(mode, "w");
    if (!rw && strcmp(mode, "r")) {
        *why = "mode is neither w nor r";
        goto out;
    }
    struct bb_dev *dev = calloc(1, sizeof(*dev));
    struct vbd *v;
    if (!dev) {
        rc = -ENOMEM;
        *why = "out of memory";
        goto out;
    }
    rc = vbd_attach(b->map, params, d->fe_domid, rw, &v);
    if (rc) {
        free(dev);
        *why = rc == -ENOENT ? "no such vbd" : "vbd attached elsewhere (rw to one guest, ro to many)";
        goto out;
    }
    dev->bb = b->bb;
    dev->domid = d->fe_domid;
    dev->vbd = v;
    dev->ro = !rw;
    d->priv = dev;
    xbe_printf(x, d->be, "feature-flush-cache", "1");
    if (b->bb->env.map && b->bb->env.max_pgrants) xbe_printf(x, d->be, "feature-persistent", "1");
    xbe_printf(x, d->be, "feature-max-indirect-segments", "%u", BB_MAX_INDIRECT);
    if (b->map_rings) xbe_printf(x, d->be, "max-ring-page-order", "%u", BB_MAX_RING_ORDER);
    xbe_printf(x, d->be, "multi-queue-max-queues", "%u", b->max_queues);
    if (b->bb->blk->max_discard && rw) {
        /* The device's discard granularity, and where in the VBD the first
         * granule starts (its first extent need not start on one). */
        uint64_t gran = (uint64_t)b->bb->blk->discard_align * 512;
        xbe_printf(x, d->be, "feature-discard", "1");
        xbe_printf(x, d->be, "discard-granularity", "%llu", (unsigned long long)gran);
        xbe_printf(x, d->be, "discard-alignment", "%llu",
                   (unsigned long long)((gran - v->ext[0].start * 512 % gran) % gran));
        xbe_printf(x, d->be, "discard-secure", "0");
    }
    xbe_printf(x, d->be, "sectors", "%llu", (unsigned long long)v->sectors);
    xbe_printf(x, d->be, "info", "%u", rw ? 0u : (unsigned)VDISK_READONLY);
    xbe_printf(x, d->be, "sector-size", "512");
    xbe_printf(x, d->be, "physical-sector-size", "%u", b->bb->blk->blk_size);
    rc = 0;
out:
    if (rc) printf("blkback: d%u device %u: refused: %s\n", d->fe_domid, d->devid, *why);
    free(params);
    free(mode);
    return rc;
}

static void unhook(struct xb *b, struct bb_dev *dev)
{
    for (unsigned i = 0; i < dev->nq; i++) {
        struct bb_queue *q = &dev->q[i];
        bb_pgrants_release(q);
        if (q->ring.sring) b->host.unmap_ring(b->host.ctx, q->ring.sring);
        if (q->port) b->host.unbind(b->host.ctx, q->port);
        memset(q, 0, sizeof(*q));
    }
    dev->nq = 0;
}

static int connect(struct xbe *x, struct xbe_dev *d)
{
    struct xb *b = of(x);
    struct bb_dev *dev = d->priv;
    unsigned long nq = 1, order = 0;
    char *proto = NULL;
    int rc = xbe_read_uint(x, d->fe, "multi-queue-num-queues", b->max_queues, &nq);
    if (rc == -ENOENT)
        nq = 1;
    else if (rc || nq == 0)
        return -EINVAL;
    /* Multi-page rings (ring-page-order, ring-ref0..N) up to what was offered. */
    unsigned long max_order = b->map_rings ? BB_MAX_RING_ORDER : 0;
    if (xbe_read_uint(x, d->fe, "ring-page-order", max_order, &order) == -EINVAL) return -EINVAL;
    unsigned pages = 1u << order;
    if (xbe_read(x, d->fe, "protocol", &proto) == 0) {
        bool native = !strcmp(proto, XEN_IO_PROTO_ABI_X86_64);
        free(proto);
        if (!native) return -EPROTONOSUPPORT;
    }
    /* feature-persistent: any number but 0 is yes, anything unreadable no
     * (as Linux's xenbus_read_unsigned with default 0). */
    unsigned long pers = 0;
    if (xbe_read_uint(x, d->fe, "feature-persistent", 0xffffffffu, &pers)) pers = 0;
    dev->persistent = pers && b->bb->env.map && b->bb->env.max_pgrants;
    for (unsigned i = 0; i < nq; i++) {
        char dir[XBE_PATH + 16];
        if (nq == 1)
            snprintf(dir, sizeof(dir), "%s", d->fe);
        else
            snprintf(dir, sizeof(dir), "%s/queue-%u", d->fe, i);
        unsigned long ref[1u << BB_MAX_RING_ORDER], port;
        for (unsigned j = 0; j < pages; j++) {
            char node[16];
            snprintf(node, sizeof(node), order ? "ring-ref%u" : "ring-ref", j);
            if (xbe_read_uint(x, dir, node, 0xffffffffu, &ref[j])) goto fail;
        }
        if (xbe_read_uint(x, dir, "event-channel", 0xffffffffu, &port)) goto fail;
        uint32_t refs[1u << BB_MAX_RING_ORDER];
        for (unsigned j = 0; j < pages; j++)
            refs[j] = (uint32_t)ref[j];
        void *ring = order ? b->map_rings(b->host.ctx, d->fe_domid, refs, pages)
                           : b->host.map_ring(b->host.ctx, d->fe_domid, refs[0]);
        if (!ring) goto fail;
        int lp = b->host.bind(b->host.ctx, d->fe_domid, (uint32_t)port);
        if (lp <= 0) {
            b->host.unmap_ring(b->host.ctx, ring);
            goto fail;
        }
        bb_queue_start(&dev->q[i], dev, ring, pages, (unsigned)lp);
        dev->nq = i + 1;
    }
    char rings[24] = "";
    if (order) snprintf(rings, sizeof(rings), ", %u-page rings", pages);
    printf("blkback: d%u device %u: vbd %s %s, %u queue%s%s\n", d->fe_domid, d->devid, dev->vbd->name,
           dev->ro ? "ro" : "rw", dev->nq, dev->nq == 1 ? "" : "s", rings);
    if (dev->persistent)
        printf("blkback: d%u device %u: persistent grants, at most %u per queue, %u on all rings\n",
               d->fe_domid, d->devid, b->bb->env.max_pgrants, b->bb->env.max_pgrants_all);
    return 0;
fail:
    unhook(b, dev);
    return -EINVAL;
}

static void disconnect(struct xbe *x, struct xbe_dev *d)
{
    struct xb *b = of(x);
    struct bb_dev *dev = d->priv;
    /* Requests in flight finish (the device may be writing into our pages)
     * before the rings go; their answers go nowhere once stopped. */
    for (int round = 0; round < 100000; round++) {
        bool idle = true;
        for (unsigned i = 0; i < dev->nq; i++)
            idle &= bb_queue_stop(&dev->q[i]);
        if (idle) break;
        vblk_wait(b->bb->blk, 10);
        bb_poll(b->bb);
    }
    unhook(b, dev);
    printf("blkback: d%u device %u: disconnected\n", d->fe_domid, d->devid);
}

static void remove_dev(struct xbe *x, struct xbe_dev *d)
{
    (void)x;
    struct bb_dev *dev = d->priv;
    if (!dev) return;
    vbd_detach(dev->vbd, dev->domid);
    free(dev);
    d->priv = NULL;
}

static const struct xbe_ops ops = { probe, connect, disconnect, remove_dev };

int xb_init(struct xb *b, struct xsc *xs, uint16_t self, struct bb *bb, struct vbd_map *map,
            const struct xd_host *host, unsigned max_queues)
{
    memset(b, 0, sizeof(*b));
    b->bb = bb;
    b->map = map;
    b->host = *host;
    b->max_queues = max_queues > BB_MAX_QUEUES ? BB_MAX_QUEUES : max_queues ? max_queues : 1;
    int rc = xbe_init(&b->xbe, xs, self, "vbd", &ops, b);
    b->xbe.resume = true; /* bb_queue_start resumes a ring in use */
    return rc;
}

bool xb_run(struct xb *b)
{
    bool any = false;
    for (unsigned k = 0; k < XBE_MAX_DEVS; k++) {
        struct xbe_dev *d = &b->xbe.dev[k];
        struct bb_dev *dev = d->priv;
        if (!d->used || !d->connected || !dev) continue;
        for (unsigned i = 0; i < dev->nq; i++) {
            int n = bb_queue_run(&dev->q[i]);
            if (n > 0)
                any = true;
            else if (n < 0 && d->state == XenbusStateConnected) {
                fprintf(stderr, "blkback: d%u device %u queue %u: broken ring, closing\n", d->fe_domid,
                        d->devid, i);
                xbe_switch(&b->xbe, d, XenbusStateClosing);
            }
        }
    }
    return any;
}

void xb_resized(struct xb *b, const struct vbd *v)
{
    for (unsigned k = 0; k < XBE_MAX_DEVS; k++) {
        struct xbe_dev *d = &b->xbe.dev[k];
        struct bb_dev *dev = d->priv;
        if (!d->used || !dev || dev->vbd != v) continue;
        xbe_printf(&b->xbe, d->be, "sectors", "%llu", (unsigned long long)v->sectors);
        /* As Linux's blkback: the state written again (unchanged) fires
         * the frontend's watch; a connected blkfront reads sectors anew. */
        if (d->state == XenbusStateConnected) xbe_printf(&b->xbe, d->be, "state", "%d", d->state);
        printf("blkback: d%u device %u: vbd %s grown to %llu sectors\n", d->fe_domid, d->devid, v->name,
               (unsigned long long)v->sectors);
    }
}

struct bb_queue *xb_queue_of_port(struct xb *b, unsigned port)
{
    for (unsigned k = 0; k < XBE_MAX_DEVS; k++) {
        struct bb_dev *dev = b->xbe.dev[k].priv;
        if (!b->xbe.dev[k].used || !dev) continue;
        for (unsigned i = 0; i < dev->nq; i++)
            if (dev->q[i].port == port) return &dev->q[i];
    }
    return NULL;
}
