/* Synchronous sector I/O for the VBD map (see disk_io.h). */
#include "disk_io.h"
#include <string.h>
#include <xen/errno.h>

int disk_io_init(struct disk_io *d, struct vblk *blk, int timeout_ms)
{
    memset(d, 0, sizeof(*d));
    d->blk = blk;
    d->timeout_ms = timeout_ms;
    struct vdev *v = blk->pci.dev;
    for (unsigned i = 0; i < DISK_IO_PAGES; i++)
        if (!(d->va[i] = v->ops->dma_page(v->ctx, &d->bus[i]))) return -XEN_ENOMEM;
    return 0;
}

/* Up to DISK_IO_PAGES pages per device request. */
static int rw(struct disk_io *d, uint32_t type, uint64_t sector, void *buf, unsigned nsect)
{
    while (nsect) {
        unsigned n = nsect < DISK_IO_PAGES * 8 ? nsect : DISK_IO_PAGES * 8;
        unsigned nbuf = (n + 7) / 8;
        if (nbuf > d->blk->max_bufs) return -XEN_EINVAL;
        struct virtq_buf b[DISK_IO_PAGES];
        for (unsigned i = 0; i < nbuf; i++) {
            unsigned len = (i + 1 < nbuf || n % 8 == 0) ? 4096 : (n % 8) * 512;
            b[i] = (struct virtq_buf){ d->bus[i], len, false };
            if (type == VBLK_T_OUT) memcpy(d->va[i], (uint8_t *)buf + i * 4096, len);
        }
        struct vblk_req r = { .type = type, .sector = sector, .nbuf = nbuf, .buf = b };
        int rc = vblk_sync(d->blk, &r, d->timeout_ms);
        if (rc) return rc;
        if (type == VBLK_T_IN)
            for (unsigned i = 0; i < nbuf; i++)
                memcpy((uint8_t *)buf + i * 4096, d->va[i], b[i].len);
        buf = (uint8_t *)buf + n * 512;
        sector += n;
        nsect -= n;
    }
    return 0;
}

static int io_read(void *ctx, uint64_t sector, void *buf, unsigned nsect)
{
    return rw(ctx, VBLK_T_IN, sector, buf, nsect);
}

static int io_write(void *ctx, uint64_t sector, const void *buf, unsigned nsect)
{
    return rw(ctx, VBLK_T_OUT, sector, (void *)buf, nsect);
}

static int io_flush(void *ctx)
{
    struct disk_io *d = ctx;
    if (!d->blk->flush) return 0; /* a write-through device: completed writes are durable */
    struct vblk_req r = { .type = VBLK_T_FLUSH };
    return vblk_sync(d->blk, &r, d->timeout_ms);
}

struct vbd_io disk_io_ops(struct disk_io *d) { return (struct vbd_io){ io_read, io_write, io_flush, d }; }
