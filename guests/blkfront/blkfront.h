/*
 * A minimal blkfront for tiny PV test guests (guests/blkfront): a
 * synchronous xenstore client on the guest's store ring (xs.c), and one vbd
 * device driven by hand (fe.c): the xenbus handshake with whatever the test
 * writes into the frontend directory, rings of 1 to 16 pages, requests put on
 * the ring exactly as the test builds them, so a test can be a correct
 * frontend or a hostile one.
 */
#ifndef GUESTS_BLKFRONT_H
#define GUESTS_BLKFRONT_H

#include "xc.h"
#include "xenring.h" /* io/ring.h with its barriers */
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>

/* ---- xenstore (xs.c): paths relative to /local/domain/<self> or absolute ---- */
/* 0, or -XEN_E... (the daemon's error name mapped), -ETIMEDOUT. */
long xs_read(const char *path, char *val, size_t cap);
long xs_write(const char *path, const char *val);
long xs_rm(const char *path);
long xs_read_u(const char *path, uint64_t *v);

/* ---- one vbd (fe.c) ---- */
#define FE_REF_RING   8  /* grant refs 8..63: rings (one per connection) */
#define FE_REF_DATA   64 /* 64..255: data pages, FE_DATA_PAGES per device */
#define FE_DATA_PAGES 16
struct fe {
    char dir[48]; /* device/vbd/<devid> */
    char be[96];  /* the backend directory */
    domid_t be_id;
    blkif_sring_t *sring;
    blkif_front_ring_t ring;
    unsigned order;       /* ring-page-order of the next connection (0: "ring-ref") */
    grant_ref_t ring_ref; /* its first page's; the others follow */
    evtchn_port_t port;
    uint64_t sectors;
    grant_ref_t dref;          /* data page i is granted as dref + i */
    void *data[FE_DATA_PAGES]; /* data pages granted to the backend (writable) */
};
extern grant_entry_v1_t *fe_gt;

/* Read the device's backend; map our grant table.  0 or error. */
long fe_open(struct fe *f, unsigned devid);
/* The backend's state once it is one of want (a mask of 1 << state), or -ETIMEDOUT. */
long fe_wait_be(struct fe *f, unsigned want, unsigned ms);
long fe_state(struct fe *f, int state);
/* A fresh ring (1 << order pages) granted to the backend and an unbound
 * port for it. */
long fe_new_ring(struct fe *f);
/* The whole correct handshake: ring, nodes, Initialised, backend Connected,
 * sectors read, Connected.  0 or error. */
long fe_connect(struct fe *f);
/* Closing, Closed, Initialising as blkfront does when it goes away and comes
 * back: the backend ends in InitWait.  0 or -ETIMEDOUT. */
long fe_reset(struct fe *f);
/* Put n requests on the ring (copied as given), push, notify. */
void fe_put(struct fe *f, const blkif_request_t *r, unsigned n);
/* Wait for n responses (in ms); each is stored in rsp.  The number taken. */
unsigned fe_take(struct fe *f, blkif_response_t *rsp, unsigned n, unsigned ms);
/* One request and its response: the status, or 99 when none came. */
int fe_do(struct fe *f, const blkif_request_t *r, uint8_t *op);
/* A read or write of whole pages (data pages 0..n-1, n <= 11) at sector s: the status. */
int fe_rw(struct fe *f, uint8_t op, uint64_t s, unsigned n);

#endif
