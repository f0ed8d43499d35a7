/* blkif request processing (see blkback.h). */
#include "blkback.h"
#include "crash_cmd.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <xen/errno.h>

enum { PH_PRE_FLUSH, PH_DATA, PH_POST_FLUSH, PH_DONE };

struct bb_sub {
    struct vblk_req vr;
    struct bb_req *owner;
};

struct bb_req {
    struct bb_req *next; /* free list, or the held list */
    struct bb_queue *q;
    uint64_t id;
    RING_IDX slot; /* its ring index: its response goes there */
    uint8_t op;    /* the operation answered */
    uint8_t dir;   /* BLKIF_OP_READ or BLKIF_OP_WRITE for the data */
    bool pre_flush, post_flush, barrier, pages, discard;
    uint64_t sector;
    uint64_t nsect; /* a discard's sectors */
    unsigned nseg, phase, pending;
    int16_t status;
    struct blkif_request_segment seg[BB_MAX_INDIRECT];
    unsigned page[BB_MAX_INDIRECT];
    struct bb_sub *subs;
    struct virtq_buf *bufs;
    struct bb_sub flush;
};

static struct bb_req *held_head, *held_tail; /* one backend per program */

int bb_init(struct bb *b, struct vblk *blk, const struct bb_env *env, unsigned npages)
{
    return bb_init_part(b, blk, env, npages, npages);
}

int bb_init_part(struct bb *b, struct vblk *blk, const struct bb_env *env, unsigned npages, unsigned first)
{
    memset(b, 0, sizeof(*b));
    b->blk = blk;
    b->env = *env;
    if (!b->env.max_pgrants_all || b->env.max_pgrants_all > BB_PGRANTS_ALL)
        b->env.max_pgrants_all = BB_PGRANTS_ALL;
    b->page_va = calloc(npages, sizeof(void *));
    b->page_bus = calloc(npages, sizeof(uint64_t));
    b->free_pages = calloc(npages, sizeof(unsigned));
    b->reqs = calloc(BB_MAX_REQS, sizeof(struct bb_req));
    if (!b->page_va || !b->page_bus || !b->free_pages || !b->reqs) return -XEN_ENOMEM;
    b->want = npages;
    if (first > npages) first = npages;
    bb_grow(b, first);
    if (b->npages < first) return -XEN_ENOMEM;
    for (unsigned i = 0; i < BB_MAX_REQS; i++) {
        b->reqs[i].next = b->free_reqs;
        b->free_reqs = &b->reqs[i];
    }
    held_head = held_tail = NULL;
    return 0;
}

unsigned bb_grow(struct bb *b, unsigned n)
{
    struct vdev *d = b->blk->pci.dev;
    for (; n && b->npages < b->want; n--) {
        unsigned i = b->npages;
        if (!(b->page_va[i] = d->ops->dma_page(d->ctx, &b->page_bus[i]))) {
            fprintf(stderr, "blkback: out of DMA pages: %u of %u\n", b->npages, b->want);
            b->want = b->npages;
            break;
        }
        b->free_pages[b->nfree++] = i;
        b->npages++;
    }
    return b->want - b->npages;
}

void bb_queue_start(struct bb_queue *q, struct bb_dev *dev, blkif_sring_t *sring, unsigned pages,
                    unsigned port)
{
    memset(q, 0, sizeof(*q));
    q->dev = dev;
    q->port = port;
    BACK_RING_INIT(&q->ring, sring, 4096 * pages);
    /* A ring already in use (blkback restarted while the frontend stayed
     * connected): carry on after the last response; requests published
     * after it are taken again (block I/O may be repeated), none is
     * answered twice. */
    RING_IDX done = *(volatile RING_IDX *)&sring->rsp_prod;
    q->ring.rsp_prod_pvt = done;
    q->ring.req_cons = done;
    RING_IDX prod = *(volatile RING_IDX *)&sring->req_prod;
    q->resumed = done != 0 || prod != 0;
    if (dev->persistent) bb_pgrants_enable(q);
    if (q->resumed)
        printf("blkback: d%u queue %u: resuming a ring in use at response %u (requests published: %u) at "
               "%llu us\n",
               dev->domid, (unsigned)(q - dev->q), done, prod, restart_now_us());
}

/* The request taken from ring index slot is complete: its response, and
 * every completed one after it that waited for it, go out in ring order. */
static void respond(struct bb_queue *q, RING_IDX slot, uint64_t id, uint8_t op, int16_t st)
{
    if (st) q->errors++;
    q->done++;
    if (q->broken) return;
    q->out[slot % BB_RING_SLOTS] = (struct bb_out){ id, op, true, st };
    bool any = false;
    struct bb_out *o;
    while ((o = &q->out[q->ring.rsp_prod_pvt % BB_RING_SLOTS])->ready) {
        blkif_response_t *r = RING_GET_RESPONSE(&q->ring, q->ring.rsp_prod_pvt);
        r->id = o->id;
        r->operation = o->op;
        r->status = o->st;
        o->ready = false;
        q->ring.rsp_prod_pvt++;
        any = true;
    }
    if (!any) return;
    if (q->resumed) {
        printf("blkback: d%u queue %u: first response after resuming at %llu us\n", q->dev->domid,
               (unsigned)(q - q->dev->q), restart_now_us());
        q->resumed = false;
    }
    int notify;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->ring, notify);
    if (notify) q->dev->bb->env.notify(q->dev->bb->env.ctx, q->port);
}

static unsigned seg_bytes(const struct blkif_request_segment *s)
{
    return (s->last_sect - s->first_sect + 1u) * 512u;
}

/* Copy every segment between the frontend and the request's pages. */
static int copy_segments(struct bb_req *r, bool to_guest)
{
    struct bb *b = r->q->dev->bb;
    struct xd_copy c[BB_MAX_INDIRECT];
    for (unsigned i = 0; i < r->nseg; i++)
        c[i] = (struct xd_copy){ .domid = r->q->dev->domid,
                                 .gref = r->seg[i].gref,
                                 .goff = (uint16_t)(r->seg[i].first_sect * 512u),
                                 .len = (uint16_t)seg_bytes(&r->seg[i]),
                                 .local = b->page_va[r->page[i]],
                                 .to_guest = to_guest };
    if (bb_gio(r->q, c, r->nseg)) return -1;
    for (unsigned i = 0; i < r->nseg; i++)
        if (c[i].status != GNTST_okay) return -1;
    return 0;
}

static void release(struct bb_req *r)
{
    struct bb *b = r->q->dev->bb;
    if (r->pages)
        for (unsigned i = 0; i < r->nseg; i++)
            b->free_pages[b->nfree++] = r->page[i];
    free(r->subs);
    free(r->bufs);
    r->subs = NULL;
    r->bufs = NULL;
    r->pages = false;
    r->q->inflight--;
    r->next = b->free_reqs;
    b->free_reqs = r;
}

static void finish(struct bb_req *r)
{
    if (!r->status && r->dir == BLKIF_OP_READ && r->nseg && copy_segments(r, true))
        r->status = BLKIF_RSP_ERROR;
    respond(r->q, r->slot, r->id, r->op, r->status);
    release(r);
}

static void submit(struct bb *b, struct vblk_req *vr)
{
    int rc = b->wait_head ? -XEN_ENOSPC : vblk_submit(b->blk, vr);
    if (rc == -XEN_ENOSPC) {
        vr->priv = NULL; /* the wait list's link: see bb_poll */
        if (b->wait_tail)
            b->wait_tail->priv = vr;
        else
            b->wait_head = vr;
        b->wait_tail = vr;
    } else if (rc) {
        b->dev_errors++;
        vr->done(vr, rc);
    }
}

static void advance(struct bb_req *r);

static void sub_done(struct vblk_req *vr, int status)
{
    struct bb_sub *s = (struct bb_sub *)vr;
    struct bb_req *r = s->owner;
    if (status) r->status = status == -XEN_EOPNOTSUPP ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR;
    if (--r->pending == 0) {
        r->phase = r->status ? PH_DONE : r->phase + 1;
        advance(r);
    }
}

/* Submit the request's n device requests (r->subs); the phase ends when
 * the last completes.  Counted first: a submission failing at once
 * completes synchronously. */
static void submit_subs(struct bb_req *r, unsigned n)
{
    r->pending = n + 1;
    for (unsigned i = 0; i < n; i++)
        submit(r->q->dev->bb, &r->subs[i].vr);
    if (--r->pending == 0) {
        r->phase = r->status ? PH_DONE : r->phase + 1;
        advance(r);
    }
}

/* The data phase: the request's sectors through the VBD's extents, one
 * device request per extent piece and at most max_bufs buffers each. */
static void start_data(struct bb_req *r)
{
    struct bb *b = r->q->dev->bb;
    struct vbd_piece pc[VBD_MAX_EXTENTS];
    uint64_t total = 0;
    for (unsigned i = 0; i < r->nseg; i++)
        total += seg_bytes(&r->seg[i]) / 512;
    int np = vbd_translate(r->q->dev->vbd, r->sector, total, pc, VBD_MAX_EXTENTS);
    unsigned most = r->nseg + (np > 0 ? (unsigned)np : 0);
    r->subs = calloc(most, sizeof(*r->subs));
    r->bufs = calloc(most, sizeof(*r->bufs));
    if (np <= 0 || !r->subs || !r->bufs) { /* checked when taken; memory only */
        r->status = BLKIF_RSP_ERROR;
        r->phase = PH_DONE;
        advance(r);
        return;
    }
    unsigned nsub = 0, nbuf = 0, seg = 0, segoff = 0;
    for (int p = 0; p < np; p++) {
        uint64_t phys = pc[p].phys, left = pc[p].len;
        while (left) {
            struct bb_sub *s = &r->subs[nsub++];
            s->owner = r;
            s->vr = (struct vblk_req){ .type = r->dir == BLKIF_OP_READ ? VBLK_T_IN : VBLK_T_OUT,
                                       .sector = phys,
                                       .buf = &r->bufs[nbuf],
                                       .done = sub_done };
            while (left && s->vr.nbuf < b->blk->max_bufs) {
                unsigned avail = (seg_bytes(&r->seg[seg]) - segoff) / 512;
                unsigned take = avail < left ? avail : (unsigned)left;
                r->bufs[nbuf++] = (struct virtq_buf){ b->page_bus[r->page[seg]] + segoff, take * 512, false };
                s->vr.nbuf++;
                left -= take;
                phys += take;
                segoff += take * 512;
                if (segoff == seg_bytes(&r->seg[seg])) {
                    seg++;
                    segoff = 0;
                }
            }
        }
    }
    submit_subs(r, nsub);
}

#define BB_MAX_DISCARD_SUBS 65536 /* device discards for one request */

/* A discard's sectors through the VBD's extents: one device discard per
 * piece of at most the device's limit (a multiple of its alignment). */
static void start_discard(struct bb_req *r)
{
    struct bb *b = r->q->dev->bb;
    struct vbd_piece pc[VBD_MAX_EXTENTS];
    uint32_t most = b->blk->max_discard, al = b->blk->discard_align;
    if (most >= al) most -= most % al;
    int np = vbd_translate(r->q->dev->vbd, r->sector, r->nsect, pc, VBD_MAX_EXTENTS);
    uint64_t nsub = 0;
    for (int p = 0; p < np; p++)
        nsub += (pc[p].len + most - 1) / most;
    r->subs = np > 0 && nsub <= BB_MAX_DISCARD_SUBS ? calloc(nsub, sizeof(*r->subs)) : NULL;
    if (!r->subs) { /* checked when taken; memory or an absurd device limit */
        r->status = BLKIF_RSP_ERROR;
        r->phase = PH_DONE;
        advance(r);
        return;
    }
    unsigned n = 0;
    for (int p = 0; p < np; p++)
        for (uint64_t off = 0; off < pc[p].len; off += most) {
            uint64_t k = pc[p].len - off < most ? pc[p].len - off : most;
            r->subs[n].owner = r;
            r->subs[n++].vr = (struct vblk_req){
                .type = VBLK_T_DISCARD, .sector = pc[p].phys + off, .nsect = (uint32_t)k, .done = sub_done
            };
        }
    submit_subs(r, n);
}

static void advance(struct bb_req *r)
{
    struct bb *b = r->q->dev->bb;
    for (;;) {
        switch (r->phase) {
        case PH_PRE_FLUSH:
        case PH_POST_FLUSH:
            if (r->phase == PH_PRE_FLUSH ? !r->pre_flush : !r->post_flush) {
                r->phase++;
                continue;
            }
            r->flush.owner = r;
            r->flush.vr = (struct vblk_req){ .type = VBLK_T_FLUSH, .done = sub_done };
            r->pending = 1;
            submit(b, &r->flush.vr); /* may complete (fail) at once: r gone */
            return;
        case PH_DATA:
            if (r->discard && r->nsect) {
                start_discard(r);
                return;
            }
            if (!r->nseg) {
                r->phase++;
                continue;
            }
            start_data(r);
            return;
        default:
            finish(r);
            return;
        }
    }
}

/* Pages for the segments and the write data: false when they must wait. */
static bool start(struct bb_req *r)
{
    struct bb *b = r->q->dev->bb;
    if (r->barrier && r->q->inflight > 1) return false;
    if (r->nseg > b->nfree) return false;
    for (unsigned i = 0; i < r->nseg; i++)
        r->page[i] = b->free_pages[--b->nfree];
    r->pages = true;
    if (r->dir == BLKIF_OP_WRITE && r->nseg && copy_segments(r, false)) {
        r->status = BLKIF_RSP_ERROR;
        r->phase = PH_DONE;
    } else {
        r->phase = PH_PRE_FLUSH;
    }
    advance(r);
    return true;
}

static void hold(struct bb_req *r)
{
    r->q->held = r;
    r->next = NULL;
    if (held_tail)
        held_tail->next = r;
    else
        held_head = r;
    held_tail = r;
}

/* Check one request taken from the ring; a bad one is answered at once. */
static void take(struct bb_queue *q, const struct blkif_request *raw)
{
    struct bb_dev *d = q->dev;
    struct bb *b = d->bb;
    uint8_t op = raw->operation;
    uint64_t id = raw->id;
    struct bb_req *r = b->free_reqs;
    b->free_reqs = r->next;
    memset(r, 0, offsetof(struct bb_req, seg));
    r->q = q;
    r->id = id;
    r->slot = q->ring.req_cons - 1; /* bb_queue_run took it from there */
    r->op = op;
    q->inflight++;
    int16_t err = BLKIF_RSP_ERROR;
    switch (op) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
    case BLKIF_OP_FLUSH_DISKCACHE:
    case BLKIF_OP_WRITE_BARRIER:
        r->nseg = raw->nr_segments;
        r->sector = raw->sector_number;
        r->dir = op == BLKIF_OP_READ ? BLKIF_OP_READ : BLKIF_OP_WRITE;
        if ((op <= BLKIF_OP_WRITE && r->nseg == 0) || r->nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST) goto bad;
        memcpy(r->seg, raw->seg, r->nseg * sizeof(r->seg[0]));
        r->pre_flush = op == BLKIF_OP_FLUSH_DISKCACHE || op == BLKIF_OP_WRITE_BARRIER;
        r->post_flush = r->pre_flush && r->nseg;
        r->barrier = op == BLKIF_OP_WRITE_BARRIER;
        if (r->pre_flush && !b->blk->flush) goto unsupported;
        break;
    case BLKIF_OP_DISCARD: {
        const struct blkif_request_discard *dq = (const void *)raw;
        r->discard = true;
        r->dir = BLKIF_OP_WRITE; /* refused on a read-only attachment */
        r->sector = dq->sector_number;
        r->nsect = dq->nr_sectors;
        if (!b->blk->max_discard || (dq->flag & BLKIF_DISCARD_SECURE)) goto unsupported;
        if (r->sector > d->vbd->sectors || r->nsect > d->vbd->sectors - r->sector) goto bad;
        break;
    }
    case BLKIF_OP_INDIRECT: {
        const struct blkif_request_indirect *in = (const void *)raw;
        /* Answered with the inner operation, as blkfront checks. */
        r->op = op = in->indirect_op;
        if (in->indirect_op != BLKIF_OP_READ && in->indirect_op != BLKIF_OP_WRITE) goto bad;
        r->nseg = in->nr_segments;
        r->sector = in->sector_number;
        r->dir = in->indirect_op;
        if (r->nseg == 0 || r->nseg > BB_MAX_INDIRECT) goto bad;
        /* The segment lists are in the frontend's indirect pages. */
        unsigned pages = (unsigned)((r->nseg + BB_SEGS_PER_PAGE - 1) / BB_SEGS_PER_PAGE);
        struct xd_copy c[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
        for (unsigned i = 0; i < pages; i++) {
            unsigned n = r->nseg - i * (unsigned)BB_SEGS_PER_PAGE;
            if (n > BB_SEGS_PER_PAGE) n = BB_SEGS_PER_PAGE;
            c[i] = (struct xd_copy){ .domid = d->domid,
                                     .gref = in->indirect_grefs[i],
                                     .goff = 0,
                                     .len = (uint16_t)(n * sizeof(r->seg[0])),
                                     .local = &r->seg[i * BB_SEGS_PER_PAGE] };
        }
        if (bb_gio(q, c, pages)) goto bad;
        for (unsigned i = 0; i < pages; i++)
            if (c[i].status != GNTST_okay) goto bad;
        break;
    }
    default:
        goto unsupported;
    }
    if (r->dir == BLKIF_OP_WRITE && d->ro) goto bad;
    uint64_t total = 0;
    for (unsigned i = 0; i < r->nseg; i++) {
        const struct blkif_request_segment s = r->seg[i];
        if (s.first_sect > s.last_sect || s.last_sect >= 4096 / 512) goto bad;
        total += s.last_sect - s.first_sect + 1u;
    }
    if (r->nseg && (r->sector > d->vbd->sectors || total > d->vbd->sectors - r->sector)) goto bad;
    if (!start(r)) hold(r);
    return;
unsupported:
    err = BLKIF_RSP_EOPNOTSUPP;
bad:
    respond(q, r->slot, id, op, err);
    release(r);
}

int bb_queue_run(struct bb_queue *q)
{
    struct bb *b = q->dev->bb;
    if (q->broken) return -XEN_EIO;
    if (q->stopping || q->held) return 0;
    RING_IDX rp;
    if (XENRING_BACK_AVAILABLE(&q->ring, &rp) < 0) {
        q->broken = true;
        return -XEN_EIO;
    }
    int taken = 0;
    while (q->ring.req_cons != rp && taken < BB_BATCH && !q->held && b->free_reqs) {
        struct blkif_request raw;
        RING_COPY_REQUEST(&q->ring, q->ring.req_cons, &raw);
        q->ring.req_cons++;
        taken++;
        take(q, &raw);
    }
    if (q->ring.req_cons == rp && !q->held) {
        int more;
        RING_FINAL_CHECK_FOR_REQUESTS(&q->ring, more);
        (void)more; /* the next event or pass takes them */
    }
    return taken;
}

unsigned bb_poll(struct bb *b)
{
    unsigned n = vblk_poll(b->blk);
    while (b->wait_head) {
        struct vblk_req *vr = b->wait_head, *next = vr->priv;
        int rc = vblk_submit(b->blk, vr);
        if (rc == -XEN_ENOSPC) break;
        b->wait_head = next;
        if (!next) b->wait_tail = NULL;
        if (rc) {
            b->dev_errors++;
            vr->done(vr, rc);
        }
    }
    /* Held requests in the order they were taken. */
    while (held_head) {
        struct bb_req *r = held_head;
        struct bb_req *next = r->next;
        if (!start(r)) break;
        r->q->held = NULL;
        held_head = next;
        if (!next) held_tail = NULL;
    }
    return n;
}

bool bb_queue_stop(struct bb_queue *q)
{
    q->stopping = true;
    return q->inflight == 0;
}

bool bb_busy(const struct bb *b) { return b->wait_head != NULL || held_head != NULL; }
