/* virtio-blk driver (see virtio_blk.h). */
#include "virtio_blk.h"
#include <xen/errno.h>

struct vblk_hdr {
    uint32_t type, reserved;
    uint64_t sector;
};

/* virtio 1.x 5.2.6: one range of a discard request (device-readable). */
struct vblk_discard {
    uint64_t sector;
    uint32_t num_sectors, flags;
};

#define F_SEG_MAX               2
#define F_RO                    5
#define F_BLK_SIZE              6
#define F_FLUSH                 9
#define F_DISCARD               13
#define CFG_CAPACITY            0
#define CFG_SEG_MAX             12
#define CFG_BLK_SIZE            20
#define CFG_MAX_DISCARD_SECTORS 36
#define CFG_DISCARD_ALIGN       44

int vblk_init(struct vblk *b, struct vdev *d, unsigned qsize)
{
    __builtin_memset(b, 0, sizeof(*b));
    int type = vpci_probe(&b->pci, d);
    if (type < 0) return type;
    if (type != 2) return -XEN_ENODEV;
    int rc = vpci_start(&b->pci, (1ull << F_SEG_MAX) | (1ull << F_RO) | (1ull << F_BLK_SIZE) |
                                     (1ull << F_FLUSH) | (1ull << F_DISCARD));
    if (rc) return rc;
    uint64_t cap = 0, x = 0;
    if ((rc = vpci_devcfg_read(&b->pci, CFG_CAPACITY, 8, &cap))) goto fail;
    b->capacity = cap;
    b->blk_size = 512;
    if ((b->pci.features & (1ull << F_BLK_SIZE)) && !vpci_devcfg_read(&b->pci, CFG_BLK_SIZE, 4, &x) &&
        x >= 512 && x <= 65536 && !(x & (x - 1)))
        b->blk_size = (uint32_t)x;
    b->flush = b->pci.features & (1ull << F_FLUSH);
    b->ro = b->pci.features & (1ull << F_RO);
    b->hdr = d->ops->dma_page(d->ctx, &b->hdr_bus);
    b->status = b->hdr ? d->ops->dma_page(d->ctx, &b->status_bus) : NULL;
    if (!b->status) {
        rc = -XEN_ENOMEM;
        goto fail;
    }
    /* Discard: the device's limits, range-checked (a device saying 0
     * sectors per discard offers none). */
    uint64_t md = 0, al = 0;
    if ((b->pci.features & (1ull << F_DISCARD)) &&
        !vpci_devcfg_read(&b->pci, CFG_MAX_DISCARD_SECTORS, 4, &md) &&
        !vpci_devcfg_read(&b->pci, CFG_DISCARD_ALIGN, 4, &al) && md) {
        if (!(b->dseg = d->ops->dma_page(d->ctx, &b->dseg_bus))) {
            rc = -XEN_ENOMEM;
            goto fail;
        }
        b->max_discard = (uint32_t)md;
        b->discard_align = al ? (uint32_t)al : 1;
    }
    if ((rc = vpci_irq_setup(&b->pci, 2)) || (rc = vpci_queue(&b->pci, &b->q, 0, qsize))) goto fail;
    b->max_bufs = b->q.size - 2;
    if ((b->pci.features & (1ull << F_SEG_MAX)) && !vpci_devcfg_read(&b->pci, CFG_SEG_MAX, 4, &x) && x >= 1 &&
        x < b->max_bufs)
        b->max_bufs = (unsigned)x;
    for (unsigned i = 0; i < b->q.size; i++)
        b->free_slots[b->nfree++] = (uint16_t)(b->q.size - 1 - i);
    if ((rc = vpci_driver_ok(&b->pci))) goto fail;
    return 0;
fail:
    vpci_fail(&b->pci);
    return rc;
}

void vblk_abort(struct vblk *b)
{
    vpci_reset(&b->pci);
    b->dead = true;
    for (unsigned i = 0; i < b->q.size; i++) {
        struct vblk_req *r = b->q.cookie[i];
        if (!r) continue;
        b->q.cookie[i] = NULL;
        b->failed++;
        r->done(r, -XEN_EIO);
    }
}

int vblk_submit(struct vblk *b, struct vblk_req *r)
{
    if (b->dead) return -XEN_EIO;
    uint64_t bytes = 0;
    bool in = r->type == VBLK_T_IN;
    bool nodata = r->type == VBLK_T_FLUSH || r->type == VBLK_T_DISCARD;
    if (r->type != VBLK_T_IN && r->type != VBLK_T_OUT && !nodata) return -XEN_EINVAL;
    if (nodata ? r->nbuf != 0 : r->nbuf == 0) return -XEN_EINVAL;
    if (r->type == VBLK_T_DISCARD) {
        if (!b->max_discard) return -XEN_EOPNOTSUPP;
        if (!r->nsect || r->nsect > b->max_discard || b->ro || r->sector > b->capacity ||
            r->nsect > b->capacity - r->sector)
            return -XEN_EINVAL;
    }
    if (r->nbuf > b->max_bufs) return -XEN_E2BIG;
    for (unsigned i = 0; i < r->nbuf; i++)
        bytes += r->buf[i].len;
    if (bytes % 512 || (r->type == VBLK_T_OUT && b->ro)) return -XEN_EINVAL;
    if (!nodata && (r->sector > b->capacity || bytes / 512 > b->capacity - r->sector)) return -XEN_EINVAL;
    if (r->type == VBLK_T_FLUSH && !b->flush) return -XEN_EOPNOTSUPP;
    if (!b->nfree || b->q.num_free < r->nbuf + 2 + (r->type == VBLK_T_DISCARD)) return -XEN_ENOSPC;
    unsigned slot = b->free_slots[--b->nfree];
    b->hdr[slot] = (struct vblk_hdr){ .type = r->type, .sector = nodata ? 0 : r->sector };
    b->status[slot] = 0xff;
    struct virtq_buf chain[VIRTQ_MAX];
    unsigned n = 0;
    chain[n++] =
        (struct virtq_buf){ b->hdr_bus + slot * sizeof(struct vblk_hdr), sizeof(struct vblk_hdr), false };
    for (unsigned i = 0; i < r->nbuf; i++)
        chain[n++] = (struct virtq_buf){ r->buf[i].bus, r->buf[i].len, in };
    if (r->type == VBLK_T_DISCARD) {
        b->dseg[slot] = (struct vblk_discard){ r->sector, r->nsect, 0 };
        chain[n++] = (struct virtq_buf){ b->dseg_bus + slot * sizeof(struct vblk_discard),
                                         sizeof(struct vblk_discard), false };
    }
    chain[n++] = (struct virtq_buf){ b->status_bus + slot, 1, true };
    r->slot = slot;
    int rc = virtq_add(&b->q, chain, n, r);
    if (rc) {
        b->free_slots[b->nfree++] = (uint16_t)slot;
        return rc;
    }
    if (virtq_kick_needed(&b->q)) (void)vpci_kick(&b->pci, &b->q);
    return 0;
}

unsigned vblk_poll(struct vblk *b)
{
    unsigned n = 0;
    struct vblk_req *r;
    while (!b->dead && (r = virtq_get(&b->q, NULL))) {
        uint8_t st = b->status[r->slot];
        b->free_slots[b->nfree++] = (uint16_t)r->slot;
        int status = st == 0 ? 0 : st == 2 ? -XEN_EOPNOTSUPP : -XEN_EIO;
        b->completed++;
        if (status) b->failed++;
        n++;
        r->done(r, status);
    }
    return n;
}

int vblk_wait(struct vblk *b, int timeout_ms)
{
    int rc = vpci_wait(&b->pci, timeout_ms);
    vblk_poll(b);
    return rc;
}

struct sync_state {
    bool done;
    int status;
};

static void sync_done(struct vblk_req *r, int status)
{
    struct sync_state *s = r->priv;
    s->done = true;
    s->status = status;
}

int vblk_sync(struct vblk *b, struct vblk_req *r, int timeout_ms)
{
    struct sync_state s = { false, 0 };
    void (*done)(struct vblk_req *, int) = r->done;
    void *priv = r->priv;
    r->done = sync_done;
    r->priv = &s;
    int rc;
    while ((rc = vblk_submit(b, r)) == -XEN_ENOSPC)
        if (vblk_wait(b, timeout_ms) == -XEN_ETIMEDOUT) break;
    /* Others' requests completing meanwhile get their own callbacks. */
    while (!rc && !s.done) {
        vblk_poll(b);
        if (!s.done && vblk_wait(b, timeout_ms) == -XEN_ETIMEDOUT && !s.done) {
            vblk_abort(b); /* completes r (and every other) with -XEN_EIO */
            rc = -XEN_ETIMEDOUT;
        }
    }
    r->done = done;
    r->priv = priv;
    return rc ? rc : s.status;
}
