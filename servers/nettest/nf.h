/*
 * A netfront for netback's tests, as a service-runtime program (the
 * runtime's /dev/xen/{gntalloc,evtchn,xenbus}): one struct nf per vif the
 * toolstack gave the domain (/local/domain/<self>/device/vif/<n>).  It
 * does what Linux's xen-netfront does on the wire (rings and buffers
 * granted to the backend, one event channel, request-rx-copy and
 * feature-rx-notify, one slot per frame both ways) and lets a test put
 * any request on the transmit ring and any value in the frontend's
 * nodes (the hostile cases of nt_hostile.c).
 */
#ifndef TESSERA_NETTEST_NF_H
#define TESSERA_NETTEST_NF_H

#include "xenring.h"
#include "xsclient.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/io/netif.h>

/* The runtime's gntalloc takes up to 16 pages per call and 16 calls in
 * all: a vif takes 4 (its two ring pages, the transmit and the receive
 * buffers), so a domain has up to 4 vifs. */
#define NF_TX   16 /* transmit buffers (a page each): packets in flight */
#define NF_RX   32 /* receive buffers posted */
#define NF_PAGE 4096

struct nf;
typedef void (*nf_rx_fn)(struct nf *n, const uint8_t *f, size_t len, uint64_t now);

struct nf {
    unsigned devid;
    uint16_t be;             /* the backend's domain */
    char fe[64], bedir[128]; /* frontend and backend directories */
    uint8_t mac[6];
    netif_tx_front_ring_t tx;
    netif_rx_front_ring_t rx;
    void *rings; /* tx ring page, rx ring page */
    uint32_t txref, rxref;
    int port;                         /* our end of the event channel */
    uint8_t *txp[NF_TX], *rxp[NF_RX]; /* buffer pages */
    uint32_t txg[NF_TX], rxg[NF_RX];
    bool txbusy[NF_TX];
    int16_t txst[NF_TX]; /* the last response's status per id */
    bool connected;
    uint64_t tx_ok, tx_err, rx_pkts, rx_bytes, rx_err;
    nf_rx_fn on_rx;
    void *ctx;
};

/* What nf_connect writes beside the ring nodes: a NULL value leaves the
 * node out; the defaults are netfront's. */
struct nf_nodes {
    const char *tx_ring_ref, *rx_ring_ref, *event_channel, *request_rx_copy, *feature_rx_notify;
    const char *extra_node, *extra_val; /* one more node (e.g. multi-queue-num-queues) */
};

extern struct xsc *nf_xs;
extern uint16_t nf_self;

/* Open the devices and the xenstore connection.  0 or -errno. */
int nf_init(void);
uint64_t nf_now(void); /* monotonic ns */
void nf_sleep_ms(unsigned ms);
int nf_xs_printf(const char *dir, const char *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A node as a number; -1 when absent or not one. */
long nf_xs_num(const char *dir, const char *node);
/* Wait up to ms for the backend's state to be one of want (a bitmask of
 * 1 << XenbusState); the state seen last. */
int nf_wait_be(struct nf *n, unsigned want, unsigned ms);

/* One page granted (read-only) to dom.  0 or -errno. */
int nf_grant_to(uint16_t dom, uint32_t *ref, uint8_t **page);
/* Read vif devid's nodes, grant the ring and buffer pages, wait for the
 * backend's InitWait.  0 or -errno. */
int nf_attach(struct nf *n, unsigned devid);
/* New rings, a new channel, the nodes (NULL: netfront's), Initialised,
 * then wait for the backend: its state (Connected = 4 when it took us). */
int nf_connect(struct nf *n, const struct nf_nodes *nodes);
/* After a refusal or a broken ring: Closed, wait for the backend's Closed,
 * Initialising, wait for its InitWait.  0 or -ETIMEDOUT. */
int nf_reset(struct nf *n);

/* Send one frame (one slot).  0, or -EAGAIN when no buffer is free. */
int nf_send(struct nf *n, const uint8_t *f, size_t len);
/* A free transmit buffer id (its page is txp[id]), or -1. */
int nf_tx_id(struct nf *n);
/* Put raw requests (or extras) on the transmit ring and notify; the
 * caller marks the ids it waits for in txbusy. */
void nf_tx_raw(struct nf *n, const netif_tx_request_t *r, unsigned cnt);
/* Reap responses and received frames, repost buffers.  true if anything
 * happened. */
bool nf_poll(struct nf *n);
/* Block until an event or ms passes. */
void nf_wait(unsigned ms);
void nf_notify(struct nf *n);

/* Frames: an Ethernet/IPv4/UDP frame of len bytes (>= 60) whose payload
 * starts with "NTST", seq and kind. */
size_t nf_udp_frame(uint8_t *f, size_t len, const uint8_t *dmac, const uint8_t *smac, const uint8_t *sip,
                    const uint8_t *dip, uint16_t dport, uint32_t seq, uint16_t kind);
/* A test frame's dport, seq and kind; false if not one. */
bool nf_udp_parse(const uint8_t *f, size_t len, uint16_t *dport, uint32_t *seq, uint16_t *kind);
/* The Internet checksum of n bytes (0 over a header whose checksum is right). */
uint16_t nf_csum16(const uint8_t *p, size_t n);
int nf_parse_mac(const char *s, uint8_t mac[6]);
int nf_parse_ip(const char *s, uint8_t ip[4]);

#endif
