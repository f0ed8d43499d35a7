/*
 * vdev: how drivers reach one PCI function — its config space, its BARs, pages
 * it may DMA to (with the bus address the device must be given) and its
 * interrupts.  The virtio transport and drivers are written against this
 * interface only, so the same code runs in a service domain (the runtime's
 * PCI device file, servers/lib/virtio/vdev_file.c), in a tiny PV guest, and on
 * the host against a fake device (servers/blkback/tests).
 *
 * Freestanding: only <stdint.h>/<stddef.h>/<stdbool.h>; errors are negative
 * Xen errno values (<xen/errno.h>), which equal Linux's for the ones used.
 */
#ifndef TESSERA_VDEV_H
#define TESSERA_VDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VDEV_PAGE 4096u

struct vdev_ops {
    /* Config space of the function; size 1, 2 or 4, naturally aligned. */
    int (*cfg_read)(void *ctx, unsigned off, unsigned size, uint32_t *val);
    int (*cfg_write)(void *ctx, unsigned off, unsigned size, uint32_t val);
    /* BAR bar (0-5) at byte offset off; size 1, 2, 4 or 8.  An access
     * outside the BAR fails with -XEN_EINVAL. */
    int (*bar_read)(void *ctx, unsigned bar, uint64_t off, unsigned size, uint64_t *val);
    int (*bar_write)(void *ctx, unsigned bar, uint64_t off, unsigned size, uint64_t val);
    /* One zeroed page the device may read and write: its address here and
     * its bus address (*bus) for the device.  NULL when none is left. */
    void *(*dma_page)(void *ctx, uint64_t *bus);
    /* Enable up to nvec MSI-X vectors; returns how many were enabled (0:
     * the function interrupts through INTx) or -errno. */
    int (*irq_enable)(void *ctx, unsigned nvec);
    /* Wait up to timeout_ms (<0: forever) for an interrupt; *fired gets a
     * bit per vector that fired (bit 0 for INTx).  Returns 0, or
     * -XEN_ETIMEDOUT, or -errno. */
    int (*irq_wait)(void *ctx, int timeout_ms, uint32_t *fired);
};

struct vdev {
    const struct vdev_ops *ops;
    void *ctx;
};

#endif
