/* virtio-net driver (see virtio_net.h). */
#include "virtio_net.h"
#include <xen/errno.h>

#define F_MAC 5
#define Q_RX  0
#define Q_TX  1

static void *cookie_of(unsigned i) { return (void *)(uintptr_t)(i + 1); }
static unsigned index_of(void *c) { return (unsigned)((uintptr_t)c - 1); }

static int post_rx(struct vnet *n, unsigned i)
{
    struct virtq_buf b = { n->rxbus[i], VDEV_PAGE, true };
    return virtq_add(&n->rxq, &b, 1, cookie_of(i));
}

int vnet_init(struct vnet *n, struct vdev *d, unsigned qsize)
{
    __builtin_memset(n, 0, sizeof(*n));
    int type = vpci_probe(&n->pci, d);
    if (type < 0) return type;
    if (type != 1) return -XEN_ENODEV;
    int rc = vpci_start(&n->pci, 1ull << F_MAC);
    if (rc) return rc;
    if (n->pci.features & (1ull << F_MAC)) {
        for (unsigned i = 0; i < 6; i++) {
            uint64_t b;
            if ((rc = vpci_devcfg_read(&n->pci, i, 1, &b))) goto fail;
            n->mac[i] = (uint8_t)b;
        }
        n->has_mac = true;
    }
    if ((rc = vpci_irq_setup(&n->pci, 3)) || (rc = vpci_queue(&n->pci, &n->rxq, Q_RX, qsize)) ||
        (rc = vpci_queue(&n->pci, &n->txq, Q_TX, qsize)))
        goto fail;
    for (unsigned i = 0; i < n->rxq.size; i++) {
        n->rxpg[i] = d->ops->dma_page(d->ctx, &n->rxbus[i]);
        if (!n->rxpg[i] || (rc = post_rx(n, i))) {
            rc = rc ? rc : -XEN_ENOMEM;
            goto fail;
        }
    }
    for (unsigned i = 0; i < n->txq.size; i++) {
        n->txpg[i] = d->ops->dma_page(d->ctx, &n->txbus[i]);
        if (!n->txpg[i]) {
            rc = -XEN_ENOMEM;
            goto fail;
        }
        n->txfree[n->ntxfree++] = (uint16_t)i;
    }
    if ((rc = vpci_driver_ok(&n->pci))) goto fail;
    (void)vpci_kick(&n->pci, &n->rxq);
    return 0;
fail:
    vpci_fail(&n->pci);
    return rc;
}

static void reclaim(struct vnet *n)
{
    void *c;
    while ((c = virtq_get(&n->txq, NULL))) {
        unsigned i = index_of(c);
        if (i < n->txq.size && n->ntxfree < n->txq.size) n->txfree[n->ntxfree++] = (uint16_t)i;
    }
}

int vnet_send(struct vnet *n, const uint8_t *f, size_t len)
{
    if (len < 14) return -XEN_EINVAL;
    if (len > VNET_MAX_FRAME) return -XEN_E2BIG;
    if (!n->ntxfree) reclaim(n);
    if (!n->ntxfree) {
        n->tx_full++;
        return -XEN_ENOSPC;
    }
    unsigned i = n->txfree[--n->ntxfree];
    uint8_t *p = n->txpg[i];
    __builtin_memset(p, 0, VNET_HDR);
    __builtin_memcpy(p + VNET_HDR, f, len);
    struct virtq_buf b = { n->txbus[i], (uint32_t)(VNET_HDR + len), false };
    int rc = virtq_add(&n->txq, &b, 1, cookie_of(i));
    if (rc) {
        n->txfree[n->ntxfree++] = (uint16_t)i;
        return rc;
    }
    if (virtq_kick_needed(&n->txq)) (void)vpci_kick(&n->pci, &n->txq);
    n->tx_pkts++;
    n->tx_bytes += len;
    return 0;
}

unsigned vnet_poll(struct vnet *n, void (*rx)(void *ctx, const uint8_t *f, size_t len), void *ctx)
{
    unsigned got = 0, posted = 0;
    void *c;
    uint32_t len;
    reclaim(n);
    while ((c = virtq_get(&n->rxq, &len))) {
        unsigned i = index_of(c);
        if (i >= n->rxq.size) continue; /* virtq only returns cookies we gave it */
        if (len <= VNET_HDR + 13 || len > VDEV_PAGE) {
            n->rx_bad++;
        } else {
            n->rx_pkts++;
            n->rx_bytes += len - VNET_HDR;
            got++;
            rx(ctx, (const uint8_t *)n->rxpg[i] + VNET_HDR, len - VNET_HDR);
        }
        if (post_rx(n, i) == 0) posted++;
    }
    if (posted && virtq_kick_needed(&n->rxq)) (void)vpci_kick(&n->pci, &n->rxq);
    return got;
}

int vnet_wait(struct vnet *n, int timeout_ms) { return vpci_wait(&n->pci, timeout_ms); }
