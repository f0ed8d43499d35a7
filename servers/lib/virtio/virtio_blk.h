/*
 * virtio-blk driver (virtio 1.x, 5.2) over the virtio-PCI transport: one
 * request queue, reads, writes and flushes of 512-byte sectors.  Requests are
 * asynchronous: vblk_submit puts one on the queue, vblk_poll hands finished
 * ones to their done callback with the device's verdict.  A request is done
 * only when the device says so; the status byte and header live in the
 * driver's own DMA pages.
 */
#ifndef TESSERA_VIRTIO_BLK_H
#define TESSERA_VIRTIO_BLK_H

#include "virtio_pci.h"

#define VBLK_T_IN      0
#define VBLK_T_OUT     1
#define VBLK_T_FLUSH   4
#define VBLK_T_DISCARD 11 /* nsect sectors from sector; no data buffers */

struct vblk_req {
    uint32_t type;   /* VBLK_T_* */
    uint64_t sector; /* 512-byte units */
    uint32_t nsect;  /* a discard's length (1 to max_discard sectors) */
    unsigned nbuf;   /* data buffers (none for a flush or a discard) */
    const struct virtq_buf *buf;
    /* status: 0, -XEN_EIO (device error) or -XEN_EOPNOTSUPP. */
    void (*done)(struct vblk_req *r, int status);
    void *priv;
    unsigned slot; /* the driver's */
};

struct vblk {
    struct vpci pci;
    struct virtq q;
    uint64_t capacity; /* sectors of 512 bytes */
    uint32_t blk_size; /* the device's logical block size */
    bool flush, ro;
    /* VIRTIO_BLK_F_DISCARD: sectors per discard, its alignment (sectors, at
     * least 1); 0 when not offered. */
    uint32_t max_discard, discard_align;
    struct vblk_discard *dseg; /* a page of discard ranges, by slot */
    uint64_t dseg_bus;
    bool dead;                /* reset after a timeout: every request fails */
    unsigned max_bufs;        /* data buffers per request */
    struct vblk_hdr *hdr;     /* a page of request headers, by slot */
    volatile uint8_t *status; /* a page of status bytes, by slot */
    uint64_t hdr_bus, status_bus;
    uint16_t free_slots[VIRTQ_MAX];
    unsigned nfree;
    unsigned long completed, failed;
};

/* Probe, negotiate (FLUSH, BLK_SIZE, SEG_MAX, RO, DISCARD), set up queue 0 with up to
 * qsize entries and interrupts, DRIVER_OK.  0 or -errno. */
int vblk_init(struct vblk *b, struct vdev *d, unsigned qsize);
/* 0; -XEN_ENOSPC (queue full: poll and retry); -XEN_E2BIG (more than
 * max_bufs buffers); -XEN_EINVAL (length not whole sectors, out of the
 * disk's range, a write or discard on a read-only disk, a discard of 0 or
 * more than max_discard sectors, unknown type); -XEN_EOPNOTSUPP (a flush or
 * discard the device does not offer). */
int vblk_submit(struct vblk *b, struct vblk_req *r);
/* Complete what the device finished; returns how many. */
unsigned vblk_poll(struct vblk *b);
/* Wait for the device's interrupt (0, -XEN_ETIMEDOUT) and poll. */
int vblk_wait(struct vblk *b, int timeout_ms);
/* The device stopped answering: reset it, fail every request in flight with
 * -XEN_EIO (their callbacks run) and every later one. */
void vblk_abort(struct vblk *b);
/* Submit and wait for this one request (metadata I/O at start-up and for
 * commands).  The request's status, or -XEN_ETIMEDOUT. */
int vblk_sync(struct vblk *b, struct vblk_req *r, int timeout_ms);

#endif
