/*
 * The virtio-over-PCI transport, modern interface only (virtio 1.x, 4.1):
 * the vendor capabilities that locate the common configuration, notification,
 * ISR and device-specific regions in the BARs, feature negotiation with
 * VIRTIO_F_VERSION_1 (and VIRTIO_F_ACCESS_PLATFORM, which devices behind an
 * IOMMU offer and a driver must accept), the status handshake, queue setup,
 * notifications and interrupts (MSI-X vector per queue, or INTx and the ISR).
 * Everything the device reports is range-checked before use.
 */
#ifndef TESSERA_VIRTIO_PCI_H
#define TESSERA_VIRTIO_PCI_H

#include "vdev.h"
#include "virtq.h"

#define VIRTIO_PCI_VENDOR            0x1af4
#define VIRTIO_F_VERSION_1_BIT       32
#define VIRTIO_F_ACCESS_PLATFORM_BIT 33

struct vpci_region {
    bool present;
    uint8_t bar;
    uint32_t off, len;
};

struct vpci {
    struct vdev *dev;
    uint16_t device_id; /* PCI device id (0x1040 + virtio type) */
    struct vpci_region common, notify, isr, device;
    uint32_t notify_mult;
    uint16_t msix_size; /* MSI-X table entries, 0 without MSI-X */
    unsigned nvec;      /* vectors enabled (0: INTx) */
    uint64_t features;  /* negotiated */
};

/* Find the capabilities; returns the virtio device type (2 for block) or
 * -XEN_ENODEV (not a modern virtio function, a region missing or outside
 * its BAR's reach). */
int vpci_probe(struct vpci *v, struct vdev *d);
/* Reset, ACKNOWLEDGE|DRIVER, offer wanted & device features (VERSION_1 is
 * required, ACCESS_PLATFORM is taken when offered), FEATURES_OK checked.
 * 0 or -XEN_ENODEV/-XEN_EIO (device refused: FAILED is set). */
int vpci_start(struct vpci *v, uint64_t wanted);
/* Ask for nvec MSI-X vectors (vector 0 for configuration changes, queue i
 * on vector 1+i, or all on 0 when fewer were granted). */
int vpci_irq_setup(struct vpci *v, unsigned nvec);
/* Set up queue index with up to max entries (and a vector, see above). */
int vpci_queue(struct vpci *v, struct virtq *q, unsigned index, unsigned max);
int vpci_driver_ok(struct vpci *v);
void vpci_fail(struct vpci *v); /* status FAILED; the device stops */
void vpci_reset(struct vpci *v);
int vpci_kick(struct vpci *v, struct virtq *q);
/* Device-specific configuration (size 1, 2, 4 or 8). */
int vpci_devcfg_read(struct vpci *v, unsigned off, unsigned size, uint64_t *val);
/* Wait for an interrupt (reads the ISR to acknowledge INTx).  0,
 * -XEN_ETIMEDOUT or -errno. */
int vpci_wait(struct vpci *v, int timeout_ms);

#endif
