/* blkback against a fake frontend (a shared ring, granted pages, a fake grant
 * copy) and the fake virtio-blk disk: reads, writes, flushes, barriers,
 * indirect requests through a VBD of two extents, acknowledgement only after
 * the device, multi-queue, and hostile requests and rings. */
#include "t.h"
#include "fake_vblk.h"
#include "blkback.h"
#include "disk_io.h"
#include <stdlib.h>
#include <string.h>
#include <xen/errno.h>

#define DISK (64 * 2048)
#define NGNT 1024

/* Grants: per domain, ref -> page. */
struct fgnt {
    uint8_t *page[3][NGNT];
    bool ro[3][NGNT]; /* granted read-only: cannot be mapped writable */
    unsigned long maps, unmaps;
    unsigned long copies, bad;
};
static struct fgnt G;
static unsigned notifies;

static int fake_gcopy(void *ctx, struct xd_copy *c, unsigned n)
{
    (void)ctx;
    for (unsigned i = 0; i < n; i++) {
        G.copies++;
        if (c[i].domid >= 3 || c[i].gref >= NGNT || !G.page[c[i].domid][c[i].gref]) {
            c[i].status = GNTST_bad_gntref;
            G.bad++;
        } else if ((unsigned)c[i].goff + c[i].len > 4096) {
            c[i].status = GNTST_bad_copy_arg;
            G.bad++;
        } else {
            uint8_t *g = G.page[c[i].domid][c[i].gref] + c[i].goff;
            if (c[i].to_guest)
                memcpy(g, c[i].local, c[i].len);
            else
                memcpy(c[i].local, g, c[i].len);
            c[i].status = GNTST_okay;
        }
    }
    return 0;
}

/* Persistent grants: the mapping of a grant is its page (a frontend that
 * grants the reference for another page later does not change it). */
static void *fake_map(void *ctx, uint16_t domid, uint32_t gref)
{
    (void)ctx;
    if (domid >= 3 || gref >= NGNT || !G.page[domid][gref] || G.ro[domid][gref]) return NULL;
    G.maps++;
    return G.page[domid][gref];
}

static void fake_unmap(void *ctx, void *va)
{
    (void)ctx;
    (void)va;
    G.unmaps++;
}

static void fake_notify(void *ctx, unsigned port)
{
    (void)ctx;
    (void)port;
    notifies++;
}

static uint32_t grant(unsigned dom, unsigned ref, uint8_t fill)
{
    if (!G.page[dom][ref]) G.page[dom][ref] = aligned_alloc(4096, 4096);
    memset(G.page[dom][ref], fill, 4096);
    return ref;
}

struct fe {
    blkif_front_ring_t ring;
    blkif_sring_t *sring;
};

static void fe_init(struct fe *fe)
{
    fe->sring = aligned_alloc(4096, 4096);
    memset(fe->sring, 0, 4096);
    SHARED_RING_INIT(fe->sring);
    FRONT_RING_INIT(&fe->ring, fe->sring, 4096);
}

static blkif_request_t *fe_req(struct fe *fe)
{
    blkif_request_t *r = RING_GET_REQUEST(&fe->ring, fe->ring.req_prod_pvt);
    memset(r, 0, sizeof(*r));
    fe->ring.req_prod_pvt++;
    return r;
}

static void fe_push(struct fe *fe)
{
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&fe->ring, notify);
    (void)notify;
}

/* Responses available: their statuses (and operations, in rop[]) by id into
 * st[]; returns how many. */
static uint8_t rop[64];
static int fe_collect(struct fe *fe, int16_t *st, unsigned max)
{
    int n = 0;
    while (fe->ring.rsp_cons != fe->sring->rsp_prod) {
        blkif_response_t *r = RING_GET_RESPONSE(&fe->ring, fe->ring.rsp_cons);
        if (r->id < max) {
            st[r->id] = r->status;
            rop[r->id] = r->operation;
        }
        fe->ring.rsp_cons++;
        n++;
    }
    return n;
}


static struct rig {
    struct fvb *f;
    struct vblk blk;
    struct disk_io dio;
    struct vbd_io io;
    struct vbd_map m;
    struct bb bb;
} R;

static void pump(void)
{
    for (int i = 0; i < 50; i++) {
        vblk_wait(&R.blk, 0);
        bb_poll(&R.bb);
    }
}

static void seg(blkif_request_t *r, unsigned i, uint32_t gref, unsigned first, unsigned last)
{
    r->seg[i] = (struct blkif_request_segment){ .gref = gref,
                                                .first_sect = (uint8_t)first,
                                                .last_sect = (uint8_t)last };
}

static const uint8_t *phys(uint64_t s) { return fvb_read_view(R.f, s); }

static bool all(const uint8_t *p, uint8_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v) return false;
    return true;
}

static void discard_req(struct fe *f, struct bb_queue *q, uint64_t id, uint64_t s, uint64_t n, uint8_t flag)
{
    blkif_request_discard_t *d = (void *)fe_req(f);
    *d = (blkif_request_discard_t){
        .operation = BLKIF_OP_DISCARD, .flag = flag, .id = id, .sector_number = s, .nr_sectors = n
    };
    fe_push(f);
    bb_queue_run(q);
    pump();
}

/* BLKIF_OP_DISCARD on vbd a (two extents) and on a read-only attachment. */
static void test_discard(struct fe *fa, struct bb_queue *qa, struct fe *fro, struct bb_queue *qro,
                         struct vbd *va)
{
    int16_t st[64];
    uint64_t a0 = va->ext[0].start, a1 = va->ext[1].start, end0 = a0 + va->ext[0].len;
    unsigned long d0 = fvb_requests(R.f, 11), all0 = fvb_discards_in(R.f, 0, DISK);
    /* 100 sectors at the end of the first extent, 200 at the start of the
     * second; at most 64 per device discard: 2 + 4 device requests. */
    discard_req(fa, qa, 40, 4 * 2048 - 100, 300, 0);
    CHECK(fe_collect(fa, st, 64) == 1 && st[40] == 0 && rop[40] == BLKIF_OP_DISCARD &&
              fvb_requests(R.f, 11) == d0 + 6,
          "discard of 300 sectors across a's two extents: answered, 6 device discards of <= 64 sectors");
    CHECK(fvb_discards_in(R.f, end0 - 100, end0) == 100 && fvb_discards_in(R.f, a1, a1 + 200) == 200 &&
              fvb_discards_in(R.f, 0, DISK) == all0 + 300 && all(phys(end0 - 100), 0, 100 * 512),
          "exactly those 300 sectors were discarded (they read as zeros)");
    discard_req(fa, qa, 41, 16, 0, 0);
    discard_req(fa, qa, 42, 6 * 2048 - 8, 9, 0);
    discard_req(fa, qa, 43, 8, ~0ull - 4, 0);
    discard_req(fa, qa, 44, 0, 8, BLKIF_DISCARD_SECURE);
    discard_req(fro, qro, 45, 0, 8, 0);
    CHECK(fe_collect(fa, st, 64) == 4 && st[41] == 0 && st[42] == BLKIF_RSP_ERROR &&
              st[43] == BLKIF_RSP_ERROR && st[44] == BLKIF_RSP_EOPNOTSUPP && fe_collect(fro, st, 64) == 1 &&
              st[45] == BLKIF_RSP_ERROR && fvb_requests(R.f, 11) == d0 + 6,
          "discard: 0 sectors answered, past the end / overflowing / secure / read-only refused, "
          "no device discard");
    (void)a0;
}

/* One request of n segments (gref[i], whole pages) on f at sector s. */
static void rw(struct fe *f, struct bb_queue *q, uint8_t op, uint64_t id, uint64_t s, const uint32_t *gref,
               unsigned n)
{
    blkif_request_t *r = fe_req(f);
    *r = (blkif_request_t){ .operation = op, .nr_segments = (uint8_t)n, .id = id, .sector_number = s };
    for (unsigned i = 0; i < n; i++)
        seg(r, i, gref[i], 0, 7);
    fe_push(f);
    bb_queue_run(q);
    pump();
}

/* feature-persistent on vbd b (guest 2): grants mapped once and reused, a
 * reference granted again for another page, an unmappable grant, more
 * grants than the bound, release. */
static void test_persistent(struct vbd *vb)
{
    int16_t st[64];
    uint64_t b0 = vb->ext[0].start;
    R.bb.env.map = fake_map;
    R.bb.env.unmap = fake_unmap;
    R.bb.env.max_pgrants = 5;
    struct bb_dev dp = { .bb = &R.bb, .domid = 2, .vbd = vb, .nq = 1, .persistent = true };
    struct fe fp;
    fe_init(&fp);
    bb_queue_start(&dp.q[0], &dp, fp.sring, 1, 15);
    unsigned long c0 = G.copies;
    uint32_t g[4] = { grant(2, 10, 0x51), grant(2, 11, 0x52) };
    rw(&fp, &dp.q[0], BLKIF_OP_WRITE, 0, 64, g, 2);
    CHECK(fe_collect(&fp, st, 64) == 1 && st[0] == 0 && G.maps == 2 && G.copies == c0 &&
              all(phys(b0 + 64), 0x51, 4096) && all(phys(b0 + 72), 0x52, 4096),
          "persistent: a write maps its 2 grants (no grant copy), the data is on the disk");
    memset(G.page[2][10], 0x61, 4096); /* blkfront reuses its persistent page */
    rw(&fp, &dp.q[0], BLKIF_OP_WRITE, 1, 80, g, 1);
    g[0] = 11;
    rw(&fp, &dp.q[0], BLKIF_OP_READ, 2, 64, g, 1);
    CHECK(fe_collect(&fp, st, 64) == 2 && st[1] == 0 && st[2] == 0 && G.maps == 2 && G.copies == c0 &&
              all(phys(b0 + 80), 0x61, 4096) && all(G.page[2][11], 0x51, 4096),
          "persistent: a write and a read through the kept mappings: no new mapping, no copy");

    /* An indirect request: its segment list is read through a mapping too. */
    struct blkif_request_segment *sl = (void *)(G.page[2][9] = aligned_alloc(4096, 4096));
    sl[0] = (struct blkif_request_segment){ .gref = 10, .first_sect = 0, .last_sect = 7 };
    sl[1] = (struct blkif_request_segment){ .gref = 11, .first_sect = 0, .last_sect = 3 };
    blkif_request_indirect_t *iq = (void *)fe_req(&fp);
    *iq = (blkif_request_indirect_t){ .operation = BLKIF_OP_INDIRECT,
                                      .indirect_op = BLKIF_OP_READ,
                                      .nr_segments = 2,
                                      .id = 3,
                                      .sector_number = 80 };
    iq->indirect_grefs[0] = 9;
    memset(G.page[2][11], 0xee, 4096);
    fe_push(&fp);
    bb_queue_run(&dp.q[0]);
    pump();
    CHECK(fe_collect(&fp, st, 64) == 1 && st[3] == 0 && rop[3] == BLKIF_OP_READ && G.maps == 3 &&
              G.copies == c0 && all(G.page[2][10], 0x61, 4096) && all(G.page[2][11], 0, 2048) &&
              all(G.page[2][11] + 2048, 0xee, 2048),
          "persistent: an indirect read maps its indirect page once; 12 sectors read");

    /* The frontend grants reference 10 again, for another page, while it is
     * mapped: blkback keeps using the page it mapped (as Xen's blkback);
     * the new page is neither read nor written. */
    uint8_t *old = G.page[2][10];
    G.page[2][10] = aligned_alloc(4096, 4096);
    memset(G.page[2][10], 0x77, 4096);
    g[0] = 10;
    rw(&fp, &dp.q[0], BLKIF_OP_WRITE, 4, 88, g, 1);
    rw(&fp, &dp.q[0], BLKIF_OP_READ, 5, 64, g, 1);
    CHECK(fe_collect(&fp, st, 64) == 2 && st[4] == 0 && st[5] == 0 && G.maps == 3 &&
              all(phys(b0 + 88), 0x61, 4096) && all(old, 0x51, 4096) && all(G.page[2][10], 0x77, 4096),
          "persistent: a reference granted again for another page reaches the first page only");

    /* Read-only (unmappable) grant: by copy, a write still works; a bad one
     * fails as before. */
    G.ro[2][12] = true;
    g[0] = grant(2, 12, 0x12);
    rw(&fp, &dp.q[0], BLKIF_OP_WRITE, 6, 96, g, 1);
    g[0] = 900;
    rw(&fp, &dp.q[0], BLKIF_OP_WRITE, 7, 104, g, 1);
    CHECK(fe_collect(&fp, st, 64) == 2 && st[6] == 0 && st[7] == BLKIF_RSP_ERROR && G.maps == 3 &&
              G.copies == c0 + 2 && all(phys(b0 + 96), 0x12, 4096) && all(phys(b0 + 104), 0, 4096),
          "persistent: an unmappable grant is copied (write done), a bad one gets BLKIF_RSP_ERROR");

    /* Bound 5 (10, 11, 9, 12 by copy, 900 by copy): 13 is beyond it. */
    g[0] = grant(2, 13, 0x13);
    g[1] = grant(2, 14, 0x14);
    rw(&fp, &dp.q[0], BLKIF_OP_WRITE, 8, 112, g, 2);
    CHECK(fe_collect(&fp, st, 64) == 1 && st[8] == 0 && G.maps == 3 && G.copies == c0 + 4 &&
              bb_pgrants_mapped(&dp.q[0]) == 3 && all(phys(b0 + 112), 0x13, 4096) &&
              all(phys(b0 + 120), 0x14, 4096),
          "persistent: grants beyond the bound (5 per ring) are copied, nothing more is mapped");

    CHECK(bb_queue_stop(&dp.q[0]), "persistent: the queue stops (nothing in flight)");
    bb_pgrants_release(&dp.q[0]);
    CHECK(G.unmaps == 3 && !dp.q[0].pg, "persistent: all 3 mappings unmapped when the ring goes");
    /* Connected again (or a restarted blkback): mapped again on first use. */
    bb_queue_start(&dp.q[0], &dp, fp.sring, 1, 15);
    g[0] = 11;
    rw(&fp, &dp.q[0], BLKIF_OP_READ, 9, 88, g, 1);
    CHECK(fe_collect(&fp, st, 64) == 1 && st[9] == 0 && G.maps == 4 && all(G.page[2][11], 0x61, 4096) &&
              bb_pgrants_mapped(&dp.q[0]) == 1,
          "persistent: a new start maps a reference again on its first use");
    bb_queue_stop(&dp.q[0]);
    bb_pgrants_release(&dp.q[0]);
    CHECK(G.unmaps == 4, "persistent: and unmaps it");

    /* The bound over all rings (BB_PGRANTS_ALL; 6 here): 4 queues of bound
     * 5 each would take 20.  Queue 0 maps its 5, queue 1 one more, then
     * everything is copied (and served), and once queue 0 goes queue 1 maps
     * what it is sent. */
    unsigned long m0 = G.maps, cp0 = G.copies;
    R.bb.env.max_pgrants_all = 6;
    struct bb_dev d4 = { .bb = &R.bb, .domid = 2, .vbd = vb, .nq = 4, .persistent = true };
    struct fe f4[4];
    for (unsigned i = 0; i < 4; i++) {
        fe_init(&f4[i]);
        bb_queue_start(&d4.q[i], &d4, f4[i].sring, 1, 20 + i);
    }
    for (unsigned i = 0; i < 5; i++)
        g[0] = grant(2, 30 + i, (uint8_t)(0x30 + i)),
        rw(&f4[0], &d4.q[0], BLKIF_OP_WRITE, 10 + i, 8 * i, g, 1);
    for (unsigned i = 0; i < 3; i++)
        g[0] = grant(2, 40 + i, (uint8_t)(0x40 + i)),
        rw(&f4[1], &d4.q[1], BLKIF_OP_WRITE, 20 + i, 64 + 8 * i, g, 1);
    g[0] = grant(2, 50, 0x50);
    rw(&f4[3], &d4.q[3], BLKIF_OP_WRITE, 30, 128, g, 1);
    CHECK(fe_collect(&f4[0], st, 64) == 5 && fe_collect(&f4[1], st, 64) == 3 &&
              fe_collect(&f4[3], st, 64) == 1 && st[14] == 0 && st[20] == 0 && st[21] == 0 && st[22] == 0 &&
              st[30] == 0,
          "4 queues, bound 6 on all rings: every request served");
    CHECK(G.maps == m0 + 6 && G.copies == cp0 + 3 && R.bb.pg_mapped == 6 &&
              bb_pgrants_mapped(&d4.q[0]) == 5 && bb_pgrants_mapped(&d4.q[1]) == 1 &&
              bb_pgrants_mapped(&d4.q[3]) == 0 && all(phys(b0 + 80), 0x42, 4096) &&
              all(phys(b0 + 128), 0x50, 4096),
          "4 queues: 6 mappings in all (5 + 1), the 3 grants past it copied and on the disk");
    bb_queue_stop(&d4.q[0]);
    bb_pgrants_release(&d4.q[0]);
    g[0] = 41;
    rw(&f4[1], &d4.q[1], BLKIF_OP_READ, 23, 64, g, 1);
    CHECK(fe_collect(&f4[1], st, 64) == 1 && st[23] == 0 && R.bb.pg_mapped == 2 &&
              bb_pgrants_mapped(&d4.q[1]) == 2 && all(G.page[2][41], 0x40, 4096),
          "queue 0 gone: its 5 free again, queue 1 maps a grant it copied before");
    for (unsigned i = 1; i < 4; i++) {
        bb_queue_stop(&d4.q[i]);
        bb_pgrants_release(&d4.q[i]);
        free(f4[i].sring);
    }
    free(f4[0].sring);
    CHECK(R.bb.pg_mapped == 0 && G.maps == G.unmaps, "every ring gone: every mapping unmapped, none counted");
    R.bb.env.max_pgrants_all = BB_PGRANTS_ALL;
    R.bb.env.map = NULL;
    free(old);
    free(fp.sring);
}

void test_blkback(void)
{
    char out[256];
    R.f = fvb_new(DISK);
    fvb_set_discard(R.f, 64, 8); /* 64 sectors per discard, 4 KiB granules */
    vblk_init(&R.blk, fvb_vdev(R.f), 128);
    disk_io_init(&R.dio, &R.blk, 0);
    R.io = disk_io_ops(&R.dio);
    vbd_load(&R.m, &R.io, R.blk.capacity);
    /* a: 4 MiB, then b: 4 MiB, then a grows to 6 MiB (second extent after b). */
    vbd_command(&R.m, &R.io, "create a 4M", out, sizeof(out));
    vbd_command(&R.m, &R.io, "create b 4M", out, sizeof(out));
    vbd_command(&R.m, &R.io, "grow a 6M", out, sizeof(out));
    struct bb_env env = { fake_gcopy, fake_notify, NULL, NULL, NULL, 0, 0 };
    CHECK(bb_init(&R.bb, &R.blk, &env, 512) == 0, "blkback set up with 512 DMA pages");
    struct vbd *va, *vb;
    vbd_attach(&R.m, "a", 1, true, &va);
    vbd_attach(&R.m, "b", 2, true, &vb);
    struct bb_dev da = { .bb = &R.bb, .domid = 1, .vbd = va, .nq = 2 },
                  db = { .bb = &R.bb, .domid = 2, .vbd = vb, .nq = 1 };
    struct fe fa, fa2, fb;
    fe_init(&fa);
    fe_init(&fa2);
    fe_init(&fb);
    bb_queue_start(&da.q[0], &da, fa.sring, 1, 10);
    bb_queue_start(&da.q[1], &da, fa2.sring, 1, 11);
    bb_queue_start(&db.q[0], &db, fb.sring, 1, 12);
    int16_t st[64];
    uint64_t a0 = va->ext[0].start, a1 = va->ext[1].start, b0 = vb->ext[0].start;

    /* b gets a pattern first: nothing guest 1 does may change it. */
    blkif_request_t *q = fe_req(&fb);
    *q = (blkif_request_t){ .operation = BLKIF_OP_WRITE, .nr_segments = 1, .id = 0, .sector_number = 0 };
    seg(q, 0, grant(2, 1, 0xbb), 0, 7);
    fe_push(&fb);
    bb_queue_run(&db.q[0]);
    pump();
    CHECK(fe_collect(&fb, st, 64) == 1 && st[0] == BLKIF_RSP_OKAY && all(phys(b0), 0xbb, 4096),
          "guest 2 writes 8 sectors of its vbd b");

    /* A write of two segments, answered only after the device completed it. */
    fvb_set_hold(R.f, true);
    q = fe_req(&fa);
    *q = (blkif_request_t){ .operation = BLKIF_OP_WRITE, .nr_segments = 2, .id = 1, .sector_number = 16 };
    seg(q, 0, grant(1, 1, 0x11), 0, 7);
    seg(q, 1, grant(1, 2, 0x22), 2, 3);
    fe_push(&fa);
    CHECK(bb_queue_run(&da.q[0]) == 1, "one request taken");
    pump();
    CHECK(fe_collect(&fa, st, 64) == 0, "no response while the device holds the write");
    fvb_set_hold(R.f, false);
    pump();
    CHECK(fe_collect(&fa, st, 64) == 1 && st[1] == BLKIF_RSP_OKAY && rop[1] == BLKIF_OP_WRITE,
          "the response (operation write) once the device completed it");
    CHECK(all(phys(a0 + 16), 0x11, 4096) && all(phys(a0 + 24), 0x22, 1024) &&
              fvb_media(R.f)[(a0 + 16) * 512] == 0,
          "the data is at a's extent + 16 (in the device cache, not yet durable)");

    /* Flush: every answered write is on the media afterwards. */
    unsigned long fl = fvb_requests(R.f, 4);
    q = fe_req(&fa);
    *q = (blkif_request_t){ .operation = BLKIF_OP_FLUSH_DISKCACHE, .id = 2 };
    fe_push(&fa);
    bb_queue_run(&da.q[0]);
    pump();
    CHECK(fe_collect(&fa, st, 64) == 1 && st[2] == 0 && rop[2] == BLKIF_OP_FLUSH_DISKCACHE &&
              fvb_requests(R.f, 4) == fl + 1 && all(fvb_media(R.f) + (a0 + 16) * 512, 0x11, 4096),
          "flush: one device flush, the write is durable");

    /* A flush with data (a write with PREFLUSH/FUA): flush, write, flush. */
    q = fe_req(&fa);
    *q = (blkif_request_t){
        .operation = BLKIF_OP_FLUSH_DISKCACHE, .nr_segments = 1, .id = 3, .sector_number = 40
    };
    seg(q, 0, grant(1, 3, 0x33), 0, 7);
    fe_push(&fa);
    bb_queue_run(&da.q[0]);
    pump();
    CHECK(fe_collect(&fa, st, 64) == 1 && st[3] == 0 && fvb_requests(R.f, 4) == fl + 3 &&
              all(fvb_media(R.f) + (a0 + 40) * 512, 0x33, 4096),
          "flush with data: flush, write, flush; durable when answered");

    /* Read back through an indirect request of 256 segments (1 MiB) that
     * crosses from a's first extent into its second. */
    uint8_t *ind = aligned_alloc(4096, 4096);
    G.page[1][100] = ind;
    struct blkif_request_segment *sl = (void *)ind;
    uint64_t start = 4 * 2048 - 1024; /* 512 KiB before the end of the first extent */
    for (unsigned i = 0; i < 256; i++) {
        grant(1, 200 + i, (uint8_t)i);
        sl[i] = (struct blkif_request_segment){ .gref = 200 + i, .first_sect = 0, .last_sect = 7 };
    }
    blkif_request_indirect_t *iq = (void *)fe_req(&fa);
    *iq = (blkif_request_indirect_t){ .operation = BLKIF_OP_INDIRECT,
                                      .indirect_op = BLKIF_OP_WRITE,
                                      .nr_segments = 256,
                                      .id = 4,
                                      .sector_number = start };
    iq->indirect_grefs[0] = 100;
    fe_push(&fa);
    bb_queue_run(&da.q[0]);
    pump();
    bool placed = true;
    for (unsigned i = 0; i < 256; i++) {
        uint64_t s = start + i * 8;
        uint64_t p = s < 4 * 2048 ? a0 + s : a1 + (s - 4 * 2048);
        placed &= all(phys(p), (uint8_t)i, 4096);
    }
    CHECK(fe_collect(&fa, st, 64) == 1 && st[4] == 0 && rop[4] == BLKIF_OP_WRITE && placed,
          "indirect write of 256 segments across a's two extents: each page where the map puts it; "
          "answered as a write (the inner operation, as blkfront checks)");
    for (unsigned i = 0; i < 256; i++)
        memset(G.page[1][200 + i], 0, 4096);
    iq = (void *)fe_req(&fa);
    *iq = (blkif_request_indirect_t){ .operation = BLKIF_OP_INDIRECT,
                                      .indirect_op = BLKIF_OP_READ,
                                      .nr_segments = 256,
                                      .id = 5,
                                      .sector_number = start };
    iq->indirect_grefs[0] = 100;
    fe_push(&fa);
    bb_queue_run(&da.q[0]);
    pump();
    bool back = true;
    for (unsigned i = 0; i < 256; i++)
        back &= all(G.page[1][200 + i], (uint8_t)i, 4096);
    CHECK(fe_collect(&fa, st, 64) == 1 && st[5] == 0 && rop[5] == BLKIF_OP_READ && back,
          "indirect read of the same 1 MiB returns it, answered as a read");

    /* The second queue of the same device. */
    q = fe_req(&fa2);
    *q = (blkif_request_t){ .operation = BLKIF_OP_READ, .nr_segments = 1, .id = 6, .sector_number = 16 };
    seg(q, 0, grant(1, 4, 0), 0, 7);
    fe_push(&fa2);
    bb_queue_run(&da.q[1]);
    pump();
    CHECK(fe_collect(&fa2, st, 64) == 1 && st[6] == 0 && all(G.page[1][4], 0x11, 4096),
          "queue 1 of guest 1 reads what queue 0 wrote");

    /* Barrier: waits for the queue's earlier write. */
    fvb_set_hold(R.f, true);
    q = fe_req(&fa);
    *q = (blkif_request_t){ .operation = BLKIF_OP_WRITE, .nr_segments = 1, .id = 7, .sector_number = 64 };
    seg(q, 0, grant(1, 5, 0x55), 0, 7);
    q = fe_req(&fa);
    *q = (blkif_request_t){
        .operation = BLKIF_OP_WRITE_BARRIER, .nr_segments = 1, .id = 8, .sector_number = 72
    };
    seg(q, 0, grant(1, 6, 0x66), 0, 7);
    fe_push(&fa);
    fl = fvb_requests(R.f, 4);
    bb_queue_run(&da.q[0]);
    vblk_poll(&R.blk);
    bb_poll(&R.bb);
    CHECK(da.q[0].held != NULL && fvb_requests(R.f, 4) == fl, "a barrier behind an unfinished write is held");
    fvb_set_hold(R.f, false);
    pump();
    CHECK(fe_collect(&fa, st, 64) == 2 && st[7] == 0 && st[8] == 0 && da.q[0].held == NULL &&
              all(fvb_media(R.f) + (a0 + 64) * 512, 0x55, 4096) &&
              all(fvb_media(R.f) + (a0 + 72) * 512, 0x66, 4096),
          "then runs: both durable when the barrier is answered");

    /* Hostile requests: each answered with an error, nothing written. */
    unsigned long writes = fvb_requests(R.f, 1);
    struct {
        const char *what;
        blkif_request_t r;
        int16_t want;
    } bad[] = {
        { "sector past the vbd's end",
          { .operation = BLKIF_OP_WRITE, .nr_segments = 1, .sector_number = 6 * 2048 - 4 },
          -1 },
        { "sector number near 2^64",
          { .operation = BLKIF_OP_WRITE, .nr_segments = 1, .sector_number = ~0ull - 3 },
          -1 },
        { "nr_segments 0", { .operation = BLKIF_OP_WRITE, .nr_segments = 0 }, -1 },
        { "nr_segments 12", { .operation = BLKIF_OP_WRITE, .nr_segments = 12 }, -1 },
        { "nr_segments 255", { .operation = BLKIF_OP_READ, .nr_segments = 255 }, -1 },
        { "a grant ref never granted", { .operation = BLKIF_OP_WRITE, .nr_segments = 1 }, -1 },
        { "another domain's grant", { .operation = BLKIF_OP_WRITE, .nr_segments = 1 }, -1 },
        { "first_sect after last_sect", { .operation = BLKIF_OP_WRITE, .nr_segments = 1 }, -1 },
        { "a segment crossing its page (last_sect 8)",
          { .operation = BLKIF_OP_WRITE, .nr_segments = 1 },
          -1 },
        { "operation 77", { .operation = 77, .nr_segments = 1 }, -2 },
        { "secure discard (not offered)",
          { .operation = BLKIF_OP_DISCARD, .nr_segments = BLKIF_DISCARD_SECURE },
          -2 },
        { "reserved operation 4", { .operation = BLKIF_OP_RESERVED_1 }, -2 },
    };
    unsigned nbad = sizeof(bad) / sizeof(bad[0]);
    grant(1, 7, 0x77);
    for (unsigned i = 0; i < nbad; i++) {
        bad[i].r.id = 20 + i;
        if (bad[i].r.nr_segments >= 1 && bad[i].r.nr_segments <= 11) seg(&bad[i].r, 0, 7, 0, 7);
    }
    bad[5].r.seg[0].gref = 999;
    grant(2, 30, 0x99);
    bad[6].r.seg[0].gref = 30; /* dom 2's ref 30: dom 1 has no ref 30 */
    bad[7].r.seg[0].first_sect = 5, bad[7].r.seg[0].last_sect = 2;
    bad[8].r.seg[0].last_sect = 8;
    for (unsigned i = 0; i < nbad; i++)
        *fe_req(&fa) = bad[i].r;
    fe_push(&fa);
    bb_queue_run(&da.q[0]);
    pump();
    for (unsigned i = 0; i < 64; i++)
        st[i] = 99;
    CHECK(fe_collect(&fa, st, 64) == (int)nbad, "%u hostile requests, %u answers", nbad, nbad);
    for (unsigned i = 0; i < nbad; i++)
        CHECK(st[20 + i] == bad[i].want && rop[20 + i] == bad[i].r.operation, "%s: %s", bad[i].what,
              bad[i].want == -1 ? "BLKIF_RSP_ERROR" : "BLKIF_RSP_EOPNOTSUPP");
    CHECK(fvb_requests(R.f, 1) == writes, "none of them reached the disk");

    /* Hostile indirect requests. */
    struct {
        const char *what;
        uint8_t op;
        uint16_t n;
        uint32_t gref;
    } bi[] = {
        { "indirect with 0 segments", BLKIF_OP_WRITE, 0, 100 },
        { "indirect with 257 segments", BLKIF_OP_WRITE, 257, 100 },
        { "indirect with operation flush", BLKIF_OP_FLUSH_DISKCACHE, 8, 100 },
        { "indirect with a bad indirect page ref", BLKIF_OP_WRITE, 8, 5000 },
    };
    for (unsigned i = 0; i < 4; i++) {
        iq = (void *)fe_req(&fa);
        *iq = (blkif_request_indirect_t){
            .operation = BLKIF_OP_INDIRECT, .indirect_op = bi[i].op, .nr_segments = bi[i].n, .id = 40 + i
        };
        iq->indirect_grefs[0] = bi[i].gref;
    }
    /* An indirect page whose segment list has a bad entry. */
    uint8_t *ind2 = aligned_alloc(4096, 4096);
    memcpy(ind2, ind, 4096);
    ((struct blkif_request_segment *)ind2)[3].last_sect = 9;
    G.page[1][101] = ind2;
    iq = (void *)fe_req(&fa);
    *iq = (blkif_request_indirect_t){
        .operation = BLKIF_OP_INDIRECT, .indirect_op = BLKIF_OP_WRITE, .nr_segments = 8, .id = 44
    };
    iq->indirect_grefs[0] = 101;
    fe_push(&fa);
    bb_queue_run(&da.q[0]);
    pump();
    CHECK(fe_collect(&fa, st, 64) == 5, "5 hostile indirect requests, 5 answers");
    for (unsigned i = 0; i < 4; i++)
        CHECK(st[40 + i] == BLKIF_RSP_ERROR && rop[40 + i] == bi[i].op, "%s: BLKIF_RSP_ERROR (operation %u)",
              bi[i].what, bi[i].op);
    CHECK(st[44] == BLKIF_RSP_ERROR, "an indirect segment list with last_sect 9: BLKIF_RSP_ERROR");
    CHECK(fvb_requests(R.f, 1) == writes && R.bb.nfree == 512,
          "no write reached the disk; every DMA page is free again");

    /* Read-only attachment: writes refused, reads served. */
    struct bb_dev dro = { .bb = &R.bb, .domid = 1, .vbd = vb, .nq = 1, .ro = true };
    struct fe fro;
    fe_init(&fro);
    bb_queue_start(&dro.q[0], &dro, fro.sring, 1, 13);
    q = fe_req(&fro);
    *q = (blkif_request_t){ .operation = BLKIF_OP_WRITE, .nr_segments = 1, .id = 1 };
    seg(q, 0, 7, 0, 7);
    q = fe_req(&fro);
    *q = (blkif_request_t){ .operation = BLKIF_OP_READ, .nr_segments = 1, .id = 2 };
    seg(q, 0, grant(1, 8, 0), 0, 7);
    fe_push(&fro);
    bb_queue_run(&dro.q[0]);
    pump();
    CHECK(fe_collect(&fro, st, 64) == 2 && st[1] == BLKIF_RSP_ERROR && st[2] == 0 &&
              all(G.page[1][8], 0xbb, 4096),
          "read-only attachment: the write is refused, the read returns b's data");

    test_discard(&fa, &da.q[0], &fro, &dro.q[0], va);

    /* Flood: a full ring of requests, all answered. */
    unsigned size = RING_SIZE(&fa.ring);
    for (unsigned i = 0; i < size; i++) {
        q = fe_req(&fa);
        *q = (blkif_request_t){
            .operation = BLKIF_OP_READ, .nr_segments = 11, .id = i, .sector_number = i * 88
        };
        for (unsigned s = 0; s < 11; s++)
            seg(q, s, grant(1, 300 + i * 11 + s, 0), 0, 7);
    }
    fe_push(&fa);
    int got = 0;
    for (int pass = 0; pass < 20; pass++) {
        bb_queue_run(&da.q[0]);
        pump();
        got += fe_collect(&fa, st, 64);
    }
    CHECK(got == (int)size, "a full ring (%u requests of 11 segments) is all answered (%d)", size, got);

    /* Ring indices past the ring: the queue is broken, nothing is written
     * to it; the other guest is still served. */
    RING_IDX rsp = fa.sring->rsp_prod;
    fa.sring->req_prod = fa.ring.req_prod_pvt + size + 5;
    CHECK(bb_queue_run(&da.q[0]) == -XEN_EIO && da.q[0].broken,
          "req_prod past the ring: -EIO, the queue is broken");
    CHECK(fa.sring->rsp_prod == rsp, "no response written to a broken ring");
    fa2.sring->req_prod = fa2.ring.req_prod_pvt - 3; /* behind the consumer */
    CHECK(bb_queue_run(&da.q[1]) == -XEN_EIO, "req_prod moved backwards: -EIO");
    CHECK(bb_queue_stop(&da.q[0]) && bb_queue_stop(&da.q[1]),
          "the broken queues stop with nothing in flight");
    q = fe_req(&fb);
    *q = (blkif_request_t){ .operation = BLKIF_OP_READ, .nr_segments = 1, .id = 9, .sector_number = 0 };
    seg(q, 0, grant(2, 2, 0), 0, 7);
    fe_push(&fb);
    bb_queue_run(&db.q[0]);
    pump();
    CHECK(fe_collect(&fb, st, 64) == 1 && st[9] == 0 && all(G.page[2][2], 0xbb, 4096),
          "guest 2 is still served, and its data is what it wrote");
    unsigned long inside = fvb_writes_in(R.f, VBD_COPY0, VBD_COPY1 + VBD_COPY_SECTORS) +
                           fvb_writes_in(R.f, a0, a0 + va->ext[0].len) +
                           fvb_writes_in(R.f, a1, a1 + va->ext[1].len) +
                           fvb_writes_in(R.f, b0, b0 + vb->ext[0].len);
    CHECK(fvb_writes_in(R.f, 0, DISK) == inside && fvb_dma_faults(R.f) == 0,
          "every sector written is in the map copies or a vbd's extents; no DMA fault");
    /* blkback restarted under a connected frontend: the ring resumes after
     * its last response; the request published meanwhile is served. */
    struct fe fr;
    fe_init(&fr);
    for (int i = 0; i < 5; i++) {
        q = fe_req(&fr);
        *q = (blkif_request_t){ .operation = BLKIF_OP_READ, .nr_segments = 1, .id = 50 + i };
        seg(q, 0, grant(2, 3, 0), 0, 7);
    }
    fe_push(&fr);
    fr.sring->rsp_prod = 4; /* the old instance answered 4 of them */
    fr.ring.rsp_cons = 4;
    struct bb_dev drs = { .bb = &R.bb, .domid = 2, .vbd = vb, .nq = 1 };
    bb_queue_start(&drs.q[0], &drs, fr.sring, 1, 14);
    CHECK(bb_queue_run(&drs.q[0]) == 1, "restarted on a ring in use: only the unanswered request is taken");
    pump();
    CHECK(fe_collect(&fr, st, 64) == 1 && st[54] == 0 && fr.sring->rsp_prod == 5 &&
              all(G.page[2][3], 0xbb, 4096),
          "and answered in the next response slot");
    free(fr.sring);
    test_persistent(vb);
    free(fa.sring);
    free(fa2.sring);
    free(fb.sring);
    free(fro.sring);
}
