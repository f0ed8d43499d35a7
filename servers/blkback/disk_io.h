/* Synchronous sector I/O on the virtio-blk disk through a few DMA pages of
 * blkback's own: what the VBD map (vbd_io) reads and writes its copies with. */
#ifndef TESSERA_DISK_IO_H
#define TESSERA_DISK_IO_H

#include "vbd.h"
#include "virtio_blk.h"

#define DISK_IO_PAGES 16 /* one map copy (64 KiB) per request */

struct disk_io {
    struct vblk *blk;
    void *va[DISK_IO_PAGES];
    uint64_t bus[DISK_IO_PAGES];
    int timeout_ms;
};

/* 0 or -XEN_ENOMEM; *io is then usable as the ctx of disk_io_ops. */
int disk_io_init(struct disk_io *d, struct vblk *blk, int timeout_ms);
struct vbd_io disk_io_ops(struct disk_io *d);

#endif
