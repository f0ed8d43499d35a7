/*
 * The blkif backend proper: requests taken from a frontend's ring (one ring
 * per queue), checked, translated through the frontend's VBD, carried out on
 * the disk by the virtio-blk driver, answered.  The data moves by grant copy
 * (GNTTABOP_copy) between the frontend's granted pages and blkback's own DMA
 * pages, so the device only ever DMAs into blkback's frames.
 *
 * Every field the frontend writes is hostile: a bad request gets an error
 * response (BLKIF_RSP_ERROR, or BLKIF_RSP_EOPNOTSUPP for an unknown
 * operation); a ring whose indices are impossible is marked broken and no
 * longer read or written (the xenbus side then closes the device).
 *
 * Durability: a response is written only after the device completed the
 * request.  BLKIF_OP_FLUSH_DISKCACHE is a device flush (every write answered
 * before it was completed by the device, so the flush covers it); with data
 * it is flush, write, flush (what blkfront sends for a write with
 * REQ_PREFLUSH or REQ_FUA when only feature-flush-cache is offered).
 * BLKIF_OP_WRITE_BARRIER waits until the queue's earlier requests are done,
 * then does the same.
 */
#ifndef TESSERA_BLKBACK_H
#define TESSERA_BLKBACK_H

#include "xenring.h"
#include <xen/io/blkif.h>
#include "vbd.h"
#include "virtio_blk.h"
#include "xendev.h"

#define BB_MAX_INDIRECT  256 /* feature-max-indirect-segments */
#define BB_MAX_QUEUES    4   /* multi-queue-max-queues */
#define BB_MAX_REQS      128 /* requests in flight, all frontends */
#define BB_BATCH         32  /* requests taken from one ring per pass */
#define BB_SEGS_PER_PAGE (4096 / sizeof(struct blkif_request_segment))
/* Persistent grant mappings of all rings together.  The runtime's gntdev
 * holds XD_MAX_MAPS mappings in all, rings included: every ring blkback can
 * have (32 devices, XBE_MAX_DEVS, of BB_MAX_QUEUES queues) keeps one free,
 * and 64 more for what a crashed instance left mapped.  Past it a new
 * reference is carried out by grant copy (4 queues of 1056 each would
 * otherwise take the mappings the next ring needs). */
#define BB_PGRANTS_ALL (XD_MAX_MAPS - 32 * BB_MAX_QUEUES - 64)

struct bb_env {
    /* Carry out n copies (each gets its status); 0 or -errno when the
     * whole call failed. */
    int (*gcopy)(void *ctx, struct xd_copy *c, unsigned n);
    void (*notify)(void *ctx, unsigned port);
    void *ctx;
    /* Persistent grants (pgrant.c): map one grant read-write (NULL when it
     * cannot be) and unmap it; max_pgrants per ring (0 or no map: not
     * offered), max_pgrants_all over all rings (0: BB_PGRANTS_ALL). */
    void *(*map)(void *ctx, uint16_t domid, uint32_t gref);
    void (*unmap)(void *ctx, void *va);
    unsigned max_pgrants, max_pgrants_all;
};

struct bb;
struct bb_req;
struct bb_pgrants;

#define BB_MAX_RING_ORDER 4 /* max-ring-page-order: rings of up to 16 pages */
/* Slots of the largest ring; out[] is indexed by ring index modulo this (a
 * multiple of any smaller ring's size). */
#define BB_RING_SLOTS __CONST_RING_SIZE(blkif, 4096 << BB_MAX_RING_ORDER)

struct bb_queue {
    struct bb_dev *dev;
    blkif_back_ring_t ring;
    unsigned port;
    bool broken;   /* impossible indices: never touched again */
    bool stopping; /* being disconnected: take nothing more */
    unsigned inflight;
    struct bb_req *held; /* taken but waiting (barrier drain, no pages) */
    unsigned long done, errors;
    struct bb_pgrants *pg; /* persistent grants in use on this ring, or NULL */
    bool resumed;          /* started on a ring in use; cleared at its first response */
    /* Responses go out in ring order (the request in slot i is answered in
     * slot i), so rsp_prod alone says which requests were answered: a
     * restarted blkback resumes there.  Completed ones wait here for their
     * predecessors. */
    struct bb_out {
        uint64_t id;
        uint8_t op;
        bool ready;
        int16_t st;
    } out[BB_RING_SLOTS];
};

struct bb_dev {
    struct bb *bb;
    uint16_t domid;
    struct vbd *vbd;
    bool ro;
    bool persistent; /* both ends offered feature-persistent */
    unsigned nq;
    struct bb_queue q[BB_MAX_QUEUES];
};

struct bb {
    struct vblk *blk;
    struct bb_env env;
    unsigned npages, nfree; /* DMA pages allocated, free */
    unsigned want;          /* the pool's size once grown (bb_grow) */
    void **page_va;
    uint64_t *page_bus;
    unsigned *free_pages;
    struct bb_req *reqs; /* BB_MAX_REQS */
    struct bb_req *free_reqs;
    struct vblk_req *wait_head, *wait_tail; /* device requests waiting for queue space */
    unsigned long dev_errors;
    unsigned pg_mapped; /* persistent grants mapped, all rings (<= env.max_pgrants_all) */
};

/* Set up with npages DMA pages from the disk's device.  0 or -XEN_ENOMEM. */
int bb_init(struct bb *b, struct vblk *blk, const struct bb_env *env, unsigned npages);
/* The same with only `first` of them at once: the rest come from bb_grow,
 * which the program calls while it serves (a restarted blkback answers
 * before its whole pool is set up: each page is a DMA mapping, ~60 us of
 * instructions under TCG, docs/restart.md).  A request needing more pages
 * than are free waits for them. */
int bb_init_part(struct bb *b, struct vblk *blk, const struct bb_env *env, unsigned npages, unsigned first);
/* Up to n more pages; returns how many are still to come (0: done, or the
 * device gave no more: the pool stays as it is, said on stderr). */
unsigned bb_grow(struct bb *b, unsigned n);
/* Start serving a queue: sring is the mapped shared ring of `pages` pages
 * (1 << ring-page-order; a ring in use resumes after its last response). */
void bb_queue_start(struct bb_queue *q, struct bb_dev *dev, blkif_sring_t *sring, unsigned pages,
                    unsigned port);
/* Take and start what the ring has (up to BB_BATCH).  Returns the number
 * taken, or -XEN_EIO when the ring is (now) broken. */
int bb_queue_run(struct bb_queue *q);
/* Completions from the device; retries held requests.  Returns how many
 * device requests completed. */
unsigned bb_poll(struct bb *b);
/* Stop taking requests; true once nothing is in flight (the ring and the
 * event channel can then go). */
bool bb_queue_stop(struct bb_queue *q);
/* Persistent grants (pgrant.c).  enable: the queue keeps its grants mapped
 * (bb_queue_start calls it when dev->persistent); release: unmap them all
 * (the ring is going: after bb_queue_stop). */
void bb_pgrants_enable(struct bb_queue *q);
void bb_pgrants_release(struct bb_queue *q);
unsigned bb_pgrants_mapped(const struct bb_queue *q);
/* n copies between the queue's frontend and local memory, through its
 * persistent mappings where possible, the rest by grant copy; each gets its
 * status.  0, or -errno when the grant copy call failed as a whole. */
int bb_gio(struct bb_queue *q, struct xd_copy *c, unsigned n);
/* Device-side requests waiting for virtqueue space. */
bool bb_busy(const struct bb *b);

#endif
