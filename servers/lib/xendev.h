/*
 * xendev: what a backend program asks of Xen's Linux-style devices (the
 * service runtime provides the same ones): grant copies through
 * /dev/xen/gntdev (the frontend's grant on one side, the program's own
 * memory on the other), mapping a frontend's ring page, and binding,
 * notifying and unbinding inter-domain event channels through
 * /dev/xen/evtchn.  Backends take these as function pointers so their
 * host tests can use fakes; struct xd_copy is the copy they describe,
 * struct xd_host the ring and channel calls.
 */
#ifndef TESSERA_XENDEV_H
#define TESSERA_XENDEV_H

#include <stdbool.h>
#include <stdint.h>

/* One copy between a frontend grant and local memory. */
struct xd_copy {
    uint16_t domid;
    uint32_t gref;
    uint16_t goff, len;
    void *local;
    bool to_guest;
    int16_t status; /* GNTST_* */
};

/* How a backend's xenbus side maps rings and binds channels (xd_map_ring
 * and friends, or a test's fakes). */
struct xd_host {
    void *(*map_ring)(void *ctx, uint16_t domid, uint32_t gref);
    void (*unmap_ring)(void *ctx, void *ring);
    /* Bind the frontend's port: the local port, or -errno. */
    int (*bind)(void *ctx, uint16_t domid, uint32_t remote_port);
    void (*unbind)(void *ctx, unsigned port);
    void *ctx;
};

#define XD_MAX_COPY       64  /* copies per ioctl */
/* Mappings at once (rings, and blkback's persistent grants: up to 1056 per
 * ring): the runtime's gntdev bound (servers/runtime/dev_gntdev.c). */
#define XD_MAX_MAPS       2048
#define XD_MAX_RING_PAGES 16  /* pages of one ring (the runtime's gntdev maps 16 grants per call) */

/* Open /dev/xen/evtchn (non-blocking) and /dev/xen/gntdev.  0 or -errno. */
int xd_open(void);
int xd_evtchn_fd(void);
/* Carry out n copies, each getting its status; 0 or -errno when a call
 * failed as a whole. */
int xd_gcopy(void *ctx, struct xd_copy *c, unsigned n);
void *xd_map_ring(void *ctx, uint16_t domid, uint32_t gref);
/* A ring of n pages (multi-page rings: ring-ref0..N) mapped at one address. */
void *xd_map_rings(void *ctx, uint16_t domid, const uint32_t *grefs, unsigned n);
void xd_unmap_ring(void *ctx, void *va);
/* The local port, or -errno. */
int xd_bind(void *ctx, uint16_t domid, uint32_t remote_port);
void xd_unbind(void *ctx, unsigned port);
void xd_notify(void *ctx, unsigned port);
/* Pending ports (consumed) into ports[max]; the count, 0 or -errno.  Each
 * is unmasked again. */
int xd_pending(uint32_t *ports, unsigned max);

#endif
