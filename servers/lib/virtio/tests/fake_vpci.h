/*
 * A fake modern virtio-PCI function for host tests of virtio drivers: config
 * space with virtio's vendor capabilities and MSI-X, one BAR with the common
 * configuration, ISR, device configuration and notification regions, "DMA"
 * pages with made-up bus addresses that the device translates like an IOMMU
 * (anything else is a DMA fault, counted), and the split virtqueues seen
 * from the device side.  The device model on top (a fake virtio-net, ...)
 * takes chains with fvp_next and returns them with fvp_complete from its
 * run hook, which runs whenever the driver waits for an interrupt.
 */
#ifndef FAKE_VPCI_H
#define FAKE_VPCI_H

#include "vdev.h"

#define FVP_MAX_CHAIN 256

struct fvp_buf {
    uint8_t *p; /* NULL: its address is not a DMA page (a fault) */
    uint32_t len;
    bool device_writes;
};

struct fvp;
struct fvp *fvp_new(uint16_t pci_device_id, uint64_t features, unsigned nq, void (*run)(void *ctx),
                    void *ctx);
void fvp_free(struct fvp *f);
struct vdev *fvp_vdev(struct fvp *f);
/* The device-specific configuration the driver reads (up to 64 bytes). */
void fvp_set_devcfg(struct fvp *f, const void *cfg, unsigned len);
void fvp_set_msix(struct fvp *f, unsigned vectors); /* 0: INTx; else also the table size */
void fvp_set_features(struct fvp *f, uint64_t features);
/* Queue sizes the device offers (a power of two up to 256; at reset). */
void fvp_set_queue_max(struct fvp *f, unsigned n);
/* The raw configuration space (tests break capabilities through it). */
uint8_t *fvp_config(struct fvp *f);
uint8_t fvp_status(const struct fvp *f);
/* The next available chain of queue qi (consumed): its head, or -1.  A
 * chain that does not end within the queue's size comes back with *n 0. */
int fvp_next(struct fvp *f, unsigned qi, struct fvp_buf *b, unsigned *n);
/* Return a chain to the driver with len bytes written; raises the queue's
 * interrupt. */
void fvp_complete(struct fvp *f, unsigned qi, unsigned head, uint32_t len);
/* Whether the driver set DRIVER_OK (and not FAILED) and enabled queue qi. */
bool fvp_live(const struct fvp *f, unsigned qi);
uint64_t fvp_features(const struct fvp *f); /* the driver's */
unsigned long fvp_dma_faults(const struct fvp *f);
unsigned long fvp_kicks(const struct fvp *f);

#endif
