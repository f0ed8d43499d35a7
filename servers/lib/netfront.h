/*
 * netfront: the frontend's half of Xen's netif rings (xen/io/netif.h) for
 * frontends that are not Linux (the lwIP guest; a test playing a frontend):
 * whole frames of at most a page, one slot each (no scatter-gather, no
 * offloads: the xenbus side asks for feature-no-csum-offload), receive by
 * copy into pages posted once and reposted after each frame.  Granting the
 * pages, the event channel and xenstore are the caller's: it hands over the
 * shared rings and the buffers (each a page and the grant that gives it to
 * the backend) and a notify function.
 *
 * Every response is the backend's word and is checked before it is used:
 * ring indices that claim more responses than requests outstanding, a
 * response for a request we did not make, or a chain we cannot take break
 * the device (its rings are never touched again; why says what happened);
 * a bad receive response (wrong id, offset and size beyond the page, too
 * short, an error status, a fragment chain) drops that frame and counts it.
 */
#ifndef TESSERA_NETFRONT_H
#define TESSERA_NETFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xenring.h"
#include <xen/io/netif.h>

#define NF_TX_BUFS    32
#define NF_RX_BUFS    64
#define NF_PAGE       4096
#define NF_MIN_FRAME  14 /* an Ethernet header */
#define NF_MAX_EXTRAS 4  /* as netback: more extras on one frame break the device */
#define NF_RX_SLOTS   __CONST_RING_SIZE(netif_rx, NF_PAGE)

struct nf_buf {
    void *page;    /* NF_PAGE bytes, page-aligned */
    uint32_t gref; /* the backend's grant of it (rx: writable) */
};

struct nf_stats {
    uint64_t rx_frames, rx_bytes;
    uint64_t rx_errors; /* the backend answered a receive slot with an error status */
    uint64_t rx_bad;    /* malformed receive responses (frames dropped) */
    uint64_t tx_frames, tx_bytes;
    uint64_t tx_errors; /* the backend refused or dropped a frame we sent */
    uint64_t tx_full;   /* frames not sent: no free buffer or ring slot */
};

struct netfront {
    netif_tx_front_ring_t tx;
    netif_rx_front_ring_t rx;
    struct nf_buf txb[NF_TX_BUFS], rxb[NF_RX_BUFS];
    bool tx_busy[NF_TX_BUFS];
    bool rx_posted[NF_RX_BUFS];
    uint8_t rx_slot[NF_RX_SLOTS]; /* buffer id + 1 posted in each ring slot, 0: none */
    bool broken;
    const char *why; /* set when broken */
    struct nf_stats st;
    void (*notify)(void *ctx);
    /* one received frame (valid during the call only) */
    void (*deliver)(void *ctx, const void *frame, size_t len);
    void *ctx;
};

/* Initialise both shared rings (each a page, zeroed here) and the front ends;
 * the caller then fills txb[] and rxb[] and calls nf_rx_fill. */
void nf_init(struct netfront *nf, netif_tx_sring_t *txs, netif_rx_sring_t *rxs);
/* Post every receive buffer not posted yet; notifies the backend if it asks. */
void nf_rx_fill(struct netfront *nf);
/* Send one frame (copied): 0, -EINVAL (shorter than an Ethernet header or
 * larger than a page), -EAGAIN (no free buffer or slot: counted in tx_full),
 * -EIO (broken). */
int nf_xmit(struct netfront *nf, const void *frame, size_t len);
/* Take the backend's responses: finished transmits free their buffers,
 * received frames go to deliver and their buffers are reposted.  The number
 * of frames delivered, or -EIO once the device is broken. */
int nf_poll(struct netfront *nf);

#endif
