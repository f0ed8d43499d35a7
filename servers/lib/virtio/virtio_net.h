/*
 * virtio-net driver (virtio 1.x, 5.1) over the virtio-PCI transport: one
 * receive and one transmit queue, frames up to a page minus the 12-byte
 * header (no mergeable buffers, no offloads asked of the device: the
 * caller hands it complete frames with their checksums, and segments GSO
 * frames itself).  Receive buffers are the driver's own DMA pages, one per
 * descriptor, posted again as soon as their frame was handed on; transmit
 * frames are copied into the driver's DMA pages, so the device never
 * reads or writes anything else.  What the device reports in the used
 * rings is checked (a length beyond the buffer or shorter than the header
 * is counted in rx_bad and the buffer reposted).
 */
#ifndef TESSERA_VIRTIO_NET_H
#define TESSERA_VIRTIO_NET_H

#include "virtio_pci.h"

#define VNET_HDR       12 /* struct virtio_net_hdr_v1 */
#define VNET_MAX_FRAME (VDEV_PAGE - VNET_HDR)

struct vnet {
    struct vpci pci;
    struct virtq rxq, txq;
    bool has_mac;
    uint8_t mac[6];
    void *rxpg[VIRTQ_MAX], *txpg[VIRTQ_MAX];
    uint64_t rxbus[VIRTQ_MAX], txbus[VIRTQ_MAX];
    uint16_t txfree[VIRTQ_MAX];
    unsigned ntxfree;
    unsigned long rx_pkts, rx_bytes, tx_pkts, tx_bytes, rx_bad, tx_full;
};

/* Probe (device type 1), negotiate (MAC), set up both queues with up to
 * qsize entries, post the receive buffers, DRIVER_OK.  0 or -errno. */
int vnet_init(struct vnet *n, struct vdev *d, unsigned qsize);
/* Queue one frame.  0; -XEN_ENOSPC (every transmit page in flight: poll and
 * retry); -XEN_E2BIG (over VNET_MAX_FRAME); -XEN_EINVAL (under 14 bytes). */
int vnet_send(struct vnet *n, const uint8_t *f, size_t len);
/* Reclaim sent pages and hand each received frame to rx; returns the
 * number of frames received. */
unsigned vnet_poll(struct vnet *n, void (*rx)(void *ctx, const uint8_t *f, size_t len), void *ctx);
/* Wait for the device's interrupt: 0 or -XEN_ETIMEDOUT. */
int vnet_wait(struct vnet *n, int timeout_ms);

#endif
