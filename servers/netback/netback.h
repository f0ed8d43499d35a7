/*
 * The netif backend proper: a frontend's transmit and receive rings (one
 * pair per queue) and the frames between them and the VFR.
 *
 * Guest transmit: requests are taken from the tx ring (extras and
 * multi-slot packets included), every slot's data is grant-copied from the
 * frontend's grant into netback's own packet buffer, each slot gets its
 * response, and the frame goes to the VFR (vfr_input) with its offload
 * metadata.  Guest receive: the VFR's xmit to a vif copies the frame into the
 * frontend's posted rx grants (feature-rx-copy: netback never maps guest
 * memory for data), a full page per slot, with the GSO extra in the second
 * slot as netfront expects; frames that find too few posted buffers wait in
 * a short backlog until the frontend posts more.
 *
 * Every field the frontend writes is hostile.  A bad packet (too short,
 * larger than its first slot says, a slot crossing its page, a grant copy
 * that fails, more than XEN_NETIF_NR_SLOTS_MIN slots, a GSO extra without a
 * negotiated feature) is answered NETIF_RSP_ERROR in every slot, dropped
 * and counted.  What only a broken or hostile frontend does (ring indices
 * past the ring, a chain of more than NB_FATAL_SLOTS slots, an unknown extra
 * type) marks the vif broken: its rings are never read or written again and
 * the xenbus side closes it.
 */
#ifndef TESSERA_NETBACK_H
#define TESSERA_NETBACK_H

#include "xenring.h"
#include <xen/io/netif.h>
#include "vfr.h"
#include "xendev.h"

#define NB_MAX_QUEUES  4                      /* multi-queue-max-queues */
#define NB_MAX_SLOTS   XEN_NETIF_NR_SLOTS_MIN /* slots of one packet we take */
#define NB_FATAL_SLOTS 20                     /* more: the frontend is broken */
#define NB_MAX_EXTRAS  4                      /* extras after one request */
#define NB_BACKLOG     64                     /* frames waiting for rx buffers, per queue */
#define NB_TX_BATCH    64                     /* packets taken from one ring per pass */
#define NB_PAGE        4096
#define NB_MAX_FRAME   65536 /* 64 KiB: a GSO frame with headers */

/* Offload metadata travelling with a frame through the VFR. */
struct nb_meta {
    bool csum_blank; /* the L4 checksum is to be completed */
    bool data_validated;
    uint8_t gso_type; /* XEN_NETIF_GSO_TYPE_* */
    uint16_t gso_size;
};

struct nb_env {
    /* Carry out n copies (each gets its status); 0 or -errno when the
     * whole call failed. */
    int (*gcopy)(void *ctx, struct xd_copy *c, unsigned n);
    void (*notify)(void *ctx, unsigned port);
    uint64_t (*now)(void *ctx); /* monotonic ns */
    void *ctx;
    /* The NIC port's frames (NULL: no NIC). 0 or <0 if it cannot take it. */
    int (*nic_xmit)(void *nic_ctx, const uint8_t *f, size_t len, const struct nb_meta *m);
    void *nic_ctx;
};

struct nb_stats {
    uint64_t tx_pkts, tx_bytes; /* from the guest, taken */
    uint64_t tx_errors;         /* refused packets (NETIF_RSP_ERROR) */
    uint64_t rx_pkts, rx_bytes; /* to the guest, delivered */
    uint64_t rx_dropped;        /* no buffers (backlog full), or no GSO and no room to segment */
    uint64_t rx_errors;         /* copies into its buffers failed */
    uint64_t csum_filled, gso_segmented;
};

struct nb_frame;

struct nb_queue {
    struct nb_vif *vif;
    netif_tx_back_ring_t tx;
    netif_rx_back_ring_t rx;
    unsigned tx_port, rx_port; /* the same when not split */
    struct nb_frame *bl[NB_BACKLOG];
    unsigned bl_head, bl_n;
    bool resumed; /* rings taken over in use: the first response is logged (docs/restart.md) */
    bool again;   /* requests came while req_event was being set: look again before sleeping */
};

struct nb_vif {
    struct nb *nb;
    uint16_t domid;
    int port; /* the VFR port */
    unsigned nq;
    bool running, broken;
    const char *why; /* what broke it */
    /* what the frontend can receive */
    bool rx_csum, rx_csum6, rx_gso4, rx_gso6, rx_sg;
    /* what we told it to send */
    bool tx_gso4, tx_gso6;
    struct nb_queue q[NB_MAX_QUEUES];
    struct nb_stats st;
};

struct nb {
    struct vfr *vfr;
    struct nb_env env;
    int nic_port; /* VFR port of the NIC, or -1 */
    struct nb_vif *vif_of[VFR_MAX_PORTS];
    uint8_t *pkt;  /* one transmit packet being assembled */
    uint8_t *seg;  /* one segment being built */
    uint8_t *nicf; /* a frame from the NIC, copied out of its DMA page */
};

/* Set up; the VFR's ops are pointed at netback.  0 or -ENOMEM. */
int nb_init(struct nb *b, struct vfr *v, const struct nb_env *env);
void nb_fini(struct nb *b);
/* A vif on VFR port `port` (already added).  Its queues start with
 * nb_queue_start; the features are what the frontend wrote. */
void nb_vif_init(struct nb_vif *vif, struct nb *b, uint16_t domid, int port);
/* Start serving queue i: the mapped shared ring pages and the local event
 * channel ports. */
void nb_queue_start(struct nb_vif *vif, unsigned i, netif_tx_sring_t *tx, netif_rx_sring_t *rx,
                    unsigned tx_port, unsigned rx_port);
/* Stop the vif: detach it from its VFR port, free the backlogs.  The rings
 * may be unmapped after this. */
void nb_vif_stop(struct nb_vif *vif);
/* Take what the transmit rings have (up to NB_TX_BATCH packets per queue)
 * and move backlogged frames into newly posted receive buffers.  Returns
 * the number of packets handled (more than 0 also when the frontend
 * raced with a request for notification: no event is sure to come, so
 * the caller must run it again before it sleeps, as it must after any
 * pass that handled something), or -EIO when the vif is (now) broken. */
int nb_vif_run(struct nb_vif *vif);
/* A frame the NIC received (copied first: the device could change it
 * while the VFR looks at it). */
void nb_nic_input(struct nb *b, const uint8_t *f, size_t len, const struct nb_meta *m);
/* Each running vif's statistics, one line per vif ("vif5.0 tx N pkts N
 * bytes N errors rx N pkts N bytes N dropped N errors csum-filled N
 * gso-segmented N"), the console's "vifs" command. */
void nb_stats_text(const struct nb *b, char *out, size_t len);

/* Offload helpers (nb_offload.c). */
/* Complete the TCP/UDP checksum of an IPv4/IPv6 frame whose checksum field
 * holds the pseudo-header sum.  0, or -EINVAL if the frame is not one. */
int nb_csum_fill(uint8_t *f, size_t len);
/* Cut a TCP GSO frame into segments of at most mss payload bytes, calling
 * out for each (a complete frame with checksums).  0 or -EINVAL. */
int nb_gso_segment(const uint8_t *f, size_t len, unsigned mss, uint8_t *seg,
                   int (*out)(void *ctx, const uint8_t *s, size_t n), void *ctx);
/* Hand a frame with offload metadata to out as plain frames: segmented if
 * GSO, its checksum completed if blank (scratch: NB_MAX_FRAME bytes).  The
 * first error of out, or -EINVAL if a GSO frame cannot be cut. */
int nb_emit_plain(uint8_t *scratch, const uint8_t *f, size_t len, const struct nb_meta *m,
                  int (*out)(void *ctx, const uint8_t *s, size_t n), void *ctx);

#endif
