/*
 * Split virtqueues (virtio 1.x, section 2.7) as a driver sees them: the
 * descriptor table, the available ring the driver fills and the used ring
 * the device fills, each in its own DMA page.  No event-index feature: the
 * driver kicks unless the device set VRING_USED_F_NO_NOTIFY.  What the device
 * writes in the used ring is checked (an id outside the table or not in
 * flight is counted in bad_used and ignored), since a confused or hostile
 * device must not make the driver follow a wild chain.
 */
#ifndef TESSERA_VIRTQ_H
#define TESSERA_VIRTQ_H

#include "vdev.h"

#define VIRTQ_MAX 256u /* the descriptor table fits one page */

struct virtq_buf {
    uint64_t bus; /* bus address of the buffer */
    uint32_t len;
    bool device_writes; /* VRING_DESC_F_WRITE */
};

struct virtq {
    unsigned index, size;      /* queue number on the device, entries */
    void *desc, *avail, *used; /* the three areas (one page each) */
    uint64_t desc_bus, avail_bus, used_bus;
    uint16_t free_head, num_free;
    uint16_t avail_idx;            /* next slot the driver fills */
    uint16_t last_used;            /* next used entry to read */
    uint32_t notify_off;           /* from the transport */
    unsigned long bad_used;        /* malformed used entries ignored */
    uint16_t next[VIRTQ_MAX];      /* free list and chain links (private) */
    uint16_t chain_len[VIRTQ_MAX]; /* descriptors per chain, by head */
    void *cookie[VIRTQ_MAX];       /* the caller's token, by head */
};

/* size: a power of two up to VIRTQ_MAX.  0 or -errno (-XEN_ENOMEM). */
int virtq_init(struct virtq *q, struct vdev *d, unsigned index, unsigned size);
/* Put a chain of n buffers (driver-readable ones first, then device-writable
 * ones) on the available ring.  0, -XEN_ENOSPC (not enough free descriptors;
 * try again after virtq_get), -XEN_EINVAL (n 0 or over the size, cookie NULL,
 * readable after writable). */
int virtq_add(struct virtq *q, const struct virtq_buf *b, unsigned n, void *cookie);
/* Whether the device wants a notification after virtq_add. */
bool virtq_kick_needed(const struct virtq *q);
/* The next completed chain's cookie (and *len the device wrote), or NULL. */
void *virtq_get(struct virtq *q, uint32_t *len);
unsigned virtq_in_flight(const struct virtq *q);

#endif
