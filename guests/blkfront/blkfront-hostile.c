/*
 * blkfront-hostile: a conformance guest that is blkback's frontend and
 * attacks it (issue 14's hostile frontend).  Its disks: xvda, the VBD "vh"
 * read-write, and xvdb, "vr" read-only.  It checks the exact answer to every
 * malformed request (BLKIF_RSP_ERROR, or BLKIF_RSP_EOPNOTSUPP for an
 * operation blkback does not do), that nothing of a refused write reached
 * the disk and nothing of a refused read reached its pages, that ring
 * indices beyond the ring and garbage ring nodes in xenstore end in the
 * backend's Closing (after which it connects again and is served), and
 * that a flood of requests is answered in order.  The suite
 * (62-blkback-hostile) runs it next to blkfront-victim, whose disk must not
 * notice, and checks the image on the host.
 */
#include "blkfront.h"

#define EVIL    0x45 /* 'E': the byte of every page a refused write offers */
#define SECTORS 2048 /* vh and vr: 1 MiB each */

/* Grant refs besides blkfront.h's: pages granted wrongly on purpose. */
enum {
    REF_NEVER = 300,     /* never granted (flags 0) */
    REF_RO = 301,        /* a page granted read-only */
    REF_OTHER_DOM = 302, /* granted to domain 0, not the backend */
    REF_FOREIGN = 303,   /* granted, but the frame is not ours */
    REF_PT = 304,        /* our own L4 page table, granted writable */
    REF_EVIL = 305,      /* a correct grant of a page of EVIL bytes */
    REF_IND = 310,       /* the indirect requests' segment-list page */
};

static struct fe xa, xb;
static uint8_t ro_page[PAGE_SIZE] ALIGNED_PAGE, evil_page[PAGE_SIZE] ALIGNED_PAGE;
static char name[160];

static const char *nm(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    return name;
}

/* Sector s of vh as the good writes leave it. */
static void good_sector(uint8_t *p, uint64_t s, unsigned gen)
{
    memset(p, '.', 512);
    int n = snprintf((char *)p, 64, "TESSERA-HOSTILE-GOOD %06u gen %u\n", (unsigned)s, gen);
    p[n] = '.'; /* no NUL in the sector */
}

static bool page_is(const uint8_t *p, uint8_t b)
{
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        if (p[i] != b) return false;
    return true;
}

static blkif_request_t rw1(uint8_t op, uint64_t id, uint64_t sector, grant_ref_t ref, uint8_t first,
                           uint8_t last)
{
    blkif_request_t r = { .operation = op, .nr_segments = 1, .id = id, .sector_number = sector };
    r.seg[0] = (struct blkif_request_segment){ ref, first, last };
    return r;
}

/* Expect status want and the operation echoed. */
static void expect(struct fe *f, const char *what, const blkif_request_t *r, int want, uint8_t want_op)
{
    uint8_t op = 0xff;
    int st = fe_do(f, r, &op);
    check_result(what, st == want && op == want_op, "status %d operation %u, expected %d operation %u", st,
                 op, want, want_op);
}

/* vh's sectors 0..15 still hold generation gen of the good data. */
static void check_good(const char *what, unsigned gen)
{
    uint8_t want[512];
    memset(xa.data[0], 0, PAGE_SIZE);
    memset(xa.data[1], 0, PAGE_SIZE);
    int st = fe_rw(&xa, BLKIF_OP_READ, 0, 2);
    bool same = true;
    for (unsigned s = 0; s < 16; s++) {
        good_sector(want, s, gen);
        same &= !memcmp((uint8_t *)xa.data[s / 8] + (s % 8) * 512, want, 512);
    }
    check_result(what, st == 0 && same, "read status %d, data %s", st, same ? "same" : "changed");
}

static void write_good(unsigned gen)
{
    for (unsigned s = 0; s < 16; s++)
        good_sector((uint8_t *)xa.data[s / 8] + (s % 8) * 512, s, gen);
    CHECK_EQ(nm("write sectors 0-15 (generation %u): BLKIF_RSP_OKAY", gen), fe_rw(&xa, BLKIF_OP_WRITE, 0, 2),
             0);
}

static void connected(void)
{
    char v[32];
    CHECK_EQ("xvda: fe_open", fe_open(&xa, 51712), 0);
    CHECK_EQ("xvda: the handshake ends Connected", fe_connect(&xa), 0);
    CHECK_EQ("xvda: sectors = 2048 (vh, 1 MiB)", xa.sectors, SECTORS);
    char p[128];
    snprintf(p, sizeof(p), "%s/feature-max-indirect-segments", xa.be);
    CHECK("xvda: feature-max-indirect-segments = 256", !xs_read(p, v, sizeof(v)) && !strcmp(v, "256"));
    snprintf(p, sizeof(p), "%s/feature-discard", xa.be);
    CHECK("xvda: feature-discard = 1 (the disk offers discard)",
          !xs_read(p, v, sizeof(v)) && !strcmp(v, "1"));
    snprintf(p, sizeof(p), "%s/feature-persistent", xa.be);
    CHECK("xvda: feature-persistent = 1", !xs_read(p, v, sizeof(v)) && !strcmp(v, "1"));
}

static void good_io(void)
{
    section("correct requests");
    write_good(1);
    check_good("read back sectors 0-15: generation 1", 1);
    for (unsigned s = 0; s < 8; s++)
        good_sector((uint8_t *)xa.data[0] + s * 512, SECTORS - 8 + s, 1);
    CHECK_EQ("write the last page (sectors 2040-2047)", fe_rw(&xa, BLKIF_OP_WRITE, SECTORS - 8, 1), 0);
    blkif_request_t r = rw1(BLKIF_OP_READ, 7, SECTORS - 1, xa.dref + 1, 3, 3);
    expect(&xa, "read the last sector alone (first_sect = last_sect = 3)", &r, BLKIF_RSP_OKAY, BLKIF_OP_READ);
    uint8_t want[512];
    good_sector(want, SECTORS - 1, 1);
    CHECK("it arrives at offset 1536 of its page", !memcmp((uint8_t *)xa.data[1] + 1536, want, 512));
    r = (blkif_request_t){ .operation = BLKIF_OP_FLUSH_DISKCACHE, .id = 8 };
    expect(&xa, "flush without data", &r, BLKIF_RSP_OKAY, BLKIF_OP_FLUSH_DISKCACHE);
}

static void bad_requests(void)
{
    section("malformed requests: an error answer each, nothing written");
    uint64_t self_l4 = va_to_mfn((void *)start_info->pt_base);
    static uint8_t l4_copy[PAGE_SIZE];
    memset(ro_page, 0x52, PAGE_SIZE);
    memset(evil_page, EVIL, PAGE_SIZE);
    gnttab_grant(fe_gt, REF_RO, xa.be_id, va_to_mfn(ro_page), true);
    gnttab_grant(fe_gt, REF_OTHER_DOM, 0, va_to_mfn(evil_page), false);
    /* A frame far above any RAM: owned by no one. */
    gnttab_grant(fe_gt, REF_FOREIGN, xa.be_id, 0xfffff0, false);
    gnttab_grant(fe_gt, REF_PT, xa.be_id, self_l4, false);
    gnttab_grant(fe_gt, REF_EVIL, xa.be_id, va_to_mfn(evil_page), false);
    for (unsigned i = 0; i < 2; i++)
        memset(xa.data[i], EVIL, PAGE_SIZE);

    struct {
        const char *what;
        blkif_request_t r;
        int want;
    } bad[] = {
        { "operation 200", rw1(200, 1, 0, REF_EVIL, 0, 7), BLKIF_RSP_EOPNOTSUPP },
        { "operation 4 (reserved)", rw1(BLKIF_OP_RESERVED_1, 2, 0, REF_EVIL, 0, 7), BLKIF_RSP_EOPNOTSUPP },
        { "write, nr_segments 0", { .operation = BLKIF_OP_WRITE, .id = 3 }, BLKIF_RSP_ERROR },
        { "read, nr_segments 0", { .operation = BLKIF_OP_READ, .id = 4 }, BLKIF_RSP_ERROR },
        { "write, nr_segments 12",
          { .operation = BLKIF_OP_WRITE, .nr_segments = 12, .id = 5 },
          BLKIF_RSP_ERROR },
        { "read, nr_segments 255",
          { .operation = BLKIF_OP_READ, .nr_segments = 255, .id = 6 },
          BLKIF_RSP_ERROR },
        { "write at sector 2048 (the VBD's end)", rw1(BLKIF_OP_WRITE, 7, SECTORS, REF_EVIL, 0, 7),
          BLKIF_RSP_ERROR },
        { "write at 2041, 8 sectors (across the end)", rw1(BLKIF_OP_WRITE, 8, SECTORS - 7, REF_EVIL, 0, 7),
          BLKIF_RSP_ERROR },
        { "write at sector 2^64-4 (overflow)", rw1(BLKIF_OP_WRITE, 9, ~0ull - 3, REF_EVIL, 0, 7),
          BLKIF_RSP_ERROR },
        { "read at sector 2^63", rw1(BLKIF_OP_READ, 10, 1ull << 63, REF_EVIL, 0, 0), BLKIF_RSP_ERROR },
        { "write, first_sect 5 > last_sect 2", rw1(BLKIF_OP_WRITE, 11, 0, REF_EVIL, 5, 2), BLKIF_RSP_ERROR },
        { "write, last_sect 8 (past its page)", rw1(BLKIF_OP_WRITE, 12, 0, REF_EVIL, 0, 8), BLKIF_RSP_ERROR },
        { "write, first_sect = last_sect = 200", rw1(BLKIF_OP_WRITE, 13, 0, REF_EVIL, 200, 200),
          BLKIF_RSP_ERROR },
        { "write from a grant ref never granted", rw1(BLKIF_OP_WRITE, 14, 0, REF_NEVER, 0, 7),
          BLKIF_RSP_ERROR },
        { "write from grant ref 0xffffffff", rw1(BLKIF_OP_WRITE, 15, 0, 0xffffffffu, 0, 7), BLKIF_RSP_ERROR },
        { "write from grant ref 5000 (past the table)", rw1(BLKIF_OP_WRITE, 16, 0, 5000, 0, 7),
          BLKIF_RSP_ERROR },
        { "write from a page granted to domain 0", rw1(BLKIF_OP_WRITE, 17, 0, REF_OTHER_DOM, 0, 7),
          BLKIF_RSP_ERROR },
        { "write from grant ref 0 (the console's, to domain 0)", rw1(BLKIF_OP_WRITE, 18, 0, 0, 0, 7),
          BLKIF_RSP_ERROR },
        { "write from a grant of a frame we do not own", rw1(BLKIF_OP_WRITE, 19, 0, REF_FOREIGN, 0, 7),
          BLKIF_RSP_ERROR },
        { "read into a read-only grant", rw1(BLKIF_OP_READ, 20, 0, REF_RO, 0, 7), BLKIF_RSP_ERROR },
        { "read into a grant of our own L4 page table", rw1(BLKIF_OP_READ, 21, 0, REF_PT, 0, 7),
          BLKIF_RSP_ERROR },
        { "read into a grant of a frame we do not own", rw1(BLKIF_OP_READ, 22, 0, REF_FOREIGN, 0, 7),
          BLKIF_RSP_ERROR },
        { "read into a page granted to domain 0", rw1(BLKIF_OP_READ, 23, 0, REF_OTHER_DOM, 0, 7),
          BLKIF_RSP_ERROR },
    };
    /* Two good segments then a bad one: no part of it may reach the disk. */
    blkif_request_t part = { .operation = BLKIF_OP_WRITE, .nr_segments = 3, .id = 24 };
    part.seg[0] = (struct blkif_request_segment){ xa.dref, 0, 7 };
    part.seg[1] = (struct blkif_request_segment){ xa.dref + 1, 0, 7 };
    part.seg[2] = (struct blkif_request_segment){ REF_NEVER, 0, 7 };
    blkif_request_discard_t disc = {
        .operation = BLKIF_OP_DISCARD, .id = 25, .sector_number = 1ull << 40, .nr_sectors = 8
    };
    blkif_request_t discard, secure;
    memcpy(&discard, &disc, sizeof(disc));
    disc.sector_number = 0;
    disc.flag = BLKIF_DISCARD_SECURE;
    memcpy(&secure, &disc, sizeof(disc));

    memcpy(l4_copy, (void *)start_info->pt_base, PAGE_SIZE);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        expect(&xa, bad[i].what, &bad[i].r, bad[i].want, bad[i].r.operation);
    expect(&xa, "write of 3 segments, the third never granted", &part, BLKIF_RSP_ERROR, BLKIF_OP_WRITE);
    expect(&xa, "discard beyond the disk", &discard, BLKIF_RSP_ERROR, BLKIF_OP_DISCARD);
    expect(&xa, "secure discard (not offered)", &secure, BLKIF_RSP_EOPNOTSUPP, BLKIF_OP_DISCARD);
    CHECK("the read-only page is unchanged", page_is(ro_page, 0x52));
    CHECK("our L4 is unchanged", !memcmp(l4_copy, (void *)start_info->pt_base, PAGE_SIZE));
    CHECK("the page granted to domain 0 is unchanged", page_is(evil_page, EVIL));
    check_good("sectors 0-15 still hold generation 1 (no refused write reached the disk)", 1);
}

/* The segment-list page of the indirect requests (256 segments fit in one). */
static struct blkif_request_segment *ind_page(void)
{
    static uint8_t page[PAGE_SIZE] ALIGNED_PAGE;
    gnttab_grant(fe_gt, REF_IND, xa.be_id, va_to_mfn(page), true);
    return (struct blkif_request_segment *)page;
}

static blkif_request_t indirect(uint8_t op, uint16_t n, uint64_t id, uint64_t sector, grant_ref_t g0)
{
    blkif_request_indirect_t in = {
        .operation = BLKIF_OP_INDIRECT, .indirect_op = op, .nr_segments = n, .id = id, .sector_number = sector
    };
    in.indirect_grefs[0] = g0;
    blkif_request_t r;
    memcpy(&r, &in, sizeof(in));
    return r;
}

static void indirect_requests(void)
{
    section("indirect requests");
    struct blkif_request_segment *l = ind_page();
    for (unsigned i = 0; i < 16; i++) {
        l[i] = (struct blkif_request_segment){ xa.dref + i, 0, 7 };
        for (unsigned s = 0; s < 8; s++)
            good_sector((uint8_t *)xa.data[i] + s * 512, 64 + i * 8 + s, 2);
    }
    blkif_request_t r = indirect(BLKIF_OP_WRITE, 16, 40, 64, REF_IND);
    expect(&xa, "indirect write of 16 segments", &r, BLKIF_RSP_OKAY, BLKIF_OP_WRITE);
    for (unsigned i = 0; i < 16; i++)
        memset(xa.data[i], 0, PAGE_SIZE);
    r = indirect(BLKIF_OP_READ, 16, 41, 64, REF_IND);
    expect(&xa, "indirect read of 16 segments", &r, BLKIF_RSP_OKAY, BLKIF_OP_READ);
    bool same = true;
    uint8_t want[512];
    for (unsigned i = 0; i < 128; i++) {
        good_sector(want, 64 + i, 2);
        same &= !memcmp((uint8_t *)xa.data[i / 8] + (i % 8) * 512, want, 512);
    }
    CHECK("the 128 sectors read back as written", same);

    for (unsigned i = 0; i < 16; i++)
        memset(xa.data[i], EVIL, PAGE_SIZE);
    struct {
        const char *what;
        blkif_request_t r;
    } bad[] = {
        { "indirect, indirect_op flush", indirect(BLKIF_OP_FLUSH_DISKCACHE, 8, 42, 0, REF_IND) },
        { "indirect, indirect_op 200", indirect(200, 8, 43, 0, REF_IND) },
        { "indirect write, 0 segments", indirect(BLKIF_OP_WRITE, 0, 44, 0, REF_IND) },
        { "indirect write, 257 segments", indirect(BLKIF_OP_WRITE, 257, 45, 0, REF_IND) },
        { "indirect write, 65535 segments", indirect(BLKIF_OP_WRITE, 65535, 46, 0, REF_IND) },
        { "indirect write, its list page never granted", indirect(BLKIF_OP_WRITE, 8, 47, 0, REF_NEVER) },
        { "indirect write, list page ref 0 (the console's)", indirect(BLKIF_OP_WRITE, 8, 48, 0, 0) },
        { "indirect write past the VBD's end", indirect(BLKIF_OP_WRITE, 8, 50, SECTORS - 32, REF_IND) },
    };
    for (unsigned i = 0; i < 8; i++)
        l[i] = (struct blkif_request_segment){ xa.dref + i, 0, 7 };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        uint8_t op = ((blkif_request_indirect_t *)&bad[i].r)->indirect_op;
        expect(&xa, bad[i].what, &bad[i].r, BLKIF_RSP_ERROR, op);
    }
    /* Bad entries inside a granted list (the fifth of eight). */
    struct {
        const char *what;
        uint8_t op;
        struct blkif_request_segment s;
    } seg[] = {
        { "indirect write, a listed segment with last_sect 9", BLKIF_OP_WRITE, { xa.dref, 0, 9 } },
        { "indirect write, a listed segment with first_sect 6 > last_sect 1",
          BLKIF_OP_WRITE,
          { xa.dref, 6, 1 } },
        { "indirect write, a listed segment never granted", BLKIF_OP_WRITE, { REF_NEVER, 0, 7 } },
        { "indirect write, a listed segment granted to domain 0", BLKIF_OP_WRITE, { REF_OTHER_DOM, 0, 7 } },
        { "indirect read, a listed segment granted read-only", BLKIF_OP_READ, { REF_RO, 0, 7 } },
    };
    for (size_t i = 0; i < ARRAY_SIZE(seg); i++) {
        for (unsigned k = 0; k < 8; k++)
            l[k] = (struct blkif_request_segment){ xa.dref + k, 0, 7 };
        l[4] = seg[i].s;
        r = indirect(seg[i].op, 8, 60 + i, 0, REF_IND);
        expect(&xa, seg[i].what, &r, BLKIF_RSP_ERROR, seg[i].op);
    }
    CHECK("the read-only page is still unchanged", page_is(ro_page, 0x52));
    check_good("sectors 0-15 still hold generation 1", 1);
}

static void read_only_disk(void)
{
    section("xvdb: vr read-only");
    CHECK_EQ("xvdb: fe_open", fe_open(&xb, 51728), 0);
    CHECK_EQ("xvdb: the handshake ends Connected", fe_connect(&xb), 0);
    char p[128], v[16];
    snprintf(p, sizeof(p), "%s/info", xb.be);
    CHECK("xvdb: info = 4 (VDISK_READONLY)", !xs_read(p, v, sizeof(v)) && !strcmp(v, "4"));
    memset(xb.data[0], EVIL, PAGE_SIZE);
    CHECK_EQ("xvdb: a write is refused (BLKIF_RSP_ERROR)", fe_rw(&xb, BLKIF_OP_WRITE, 0, 1), BLKIF_RSP_ERROR);
    CHECK_EQ("xvdb: a read is served", fe_rw(&xb, BLKIF_OP_READ, 0, 1), 0);
    bool ok = true;
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        ok &= ((uint8_t *)xb.data[0])[i] == "TESSERA-READONLY"[i % 16];
    CHECK("xvdb: it holds the host's pattern (the write did not land)", ok);
}

/* Full rings of mixed requests (reads, unknown operations, writes past the
 * end): every one answered, in ring order, with its exact status. */
static void flood(const char *what, unsigned rounds)
{
    static blkif_request_t r[512];
    static blkif_response_t rsp[512];
    unsigned size = RING_SIZE(&xa.ring), wrong = 0, answered = 0;
    for (unsigned round = 0; round < rounds; round++) {
        for (unsigned i = 0; i < size; i++) {
            uint64_t id = round * 1000 + i;
            if (i % 3 == 0)
                r[i] = rw1(BLKIF_OP_READ, id, (i * 8) % SECTORS, xa.dref + i % 16, 0, 7);
            else if (i % 3 == 1)
                r[i] = rw1(99, id, 0, REF_EVIL, 0, 7);
            else
                r[i] = rw1(BLKIF_OP_WRITE, id, SECTORS, REF_EVIL, 0, 7);
        }
        fe_put(&xa, r, size);
        unsigned n = fe_take(&xa, rsp, size, 60000);
        answered += n;
        for (unsigned i = 0; i < n; i++) {
            int want = i % 3 == 0 ? 0 : i % 3 == 1 ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR;
            if (rsp[i].id != r[i].id || rsp[i].status != want || rsp[i].operation != r[i].operation) wrong++;
        }
    }
    CHECK_EQ(nm("%s: every request answered", what), answered, rounds * size);
    CHECK_EQ(nm("%s: every answer in ring order with its exact status", what), wrong, 0);
}

/* The backend's Closing (and no response) after a ring index attack; then
 * connect again and be served. */
static void ring_attack(const char *what, RING_IDX prod)
{
    RING_IDX rsp = xa.sring->rsp_prod;
    xa.sring->req_prod = prod;
    evtchn_send(xa.port);
    CHECK_EQ(nm("%s: the backend goes to Closing", what), fe_wait_be(&xa, 1u << XenbusStateClosing, 20000),
             XenbusStateClosing);
    CHECK_EQ(nm("%s: no response written", what), xa.sring->rsp_prod, rsp);
    CHECK_EQ(nm("%s: Closed and InitWait again", what), fe_reset(&xa), 0);
    CHECK_EQ(nm("%s: connected again", what), fe_connect(&xa), 0);
    check_good(nm("%s: then served (sectors 0-15 read)", what), 1);
}

static void ring_attacks(void)
{
    section("impossible ring indices");
    RING_IDX cons = xa.ring.req_prod_pvt;
    ring_attack("req_prod 33 ahead (the ring holds 32)", cons + 33);
    cons = xa.ring.req_prod_pvt;
    ring_attack("req_prod 2^31 ahead", cons + 0x80000000u);
    /* Two answered requests, then req_prod moved back behind them. */
    check_good("two more requests answered", 1);
    cons = xa.ring.req_prod_pvt;
    ring_attack("req_prod moved back behind the consumer", cons - 1);
}

/* Nodes written wrong: the backend's connect fails, it goes to Closing. */
static void bad_nodes(const char *what, const char *node, const char *val, bool remove)
{
    char p[96], v[16];
    long rc = fe_wait_be(&xa, 1u << XenbusStateInitWait, 20000);
    if (rc >= 0) rc = fe_new_ring(&xa);
    snprintf(p, sizeof(p), "%s/ring-ref", xa.dir);
    snprintf(v, sizeof(v), "%u", xa.ring_ref);
    if (!rc) rc = xs_write(p, v);
    snprintf(p, sizeof(p), "%s/event-channel", xa.dir);
    snprintf(v, sizeof(v), "%u", xa.port);
    if (!rc) rc = xs_write(p, v);
    snprintf(p, sizeof(p), "%s/protocol", xa.dir);
    if (!rc) rc = xs_write(p, XEN_IO_PROTO_ABI_X86_64);
    snprintf(p, sizeof(p), "%s/%s", xa.dir, node);
    if (!rc) rc = xs_write(p, val);
    if (!rc) rc = fe_state(&xa, XenbusStateInitialised);
    CHECK_EQ(nm("%s: nodes written", what), rc, 0);
    CHECK_EQ(nm("%s: the backend goes to Closing", what),
             fe_wait_be(&xa, 1u << XenbusStateClosing | 1u << XenbusStateConnected, 20000),
             XenbusStateClosing);
    if (remove) xs_rm(p);
    CHECK_EQ(nm("%s: Closed and InitWait again", what), fe_reset(&xa), 0);
}

static void xenstore_attacks(void)
{
    section("garbage in the frontend's xenstore nodes");
    CHECK_EQ("go back to InitWait", fe_reset(&xa), 0);
    char v[16];
    bad_nodes("ring-ref 'junk'", "ring-ref", "junk", false);
    bad_nodes("ring-ref 4294967296", "ring-ref", "4294967296", false);
    bad_nodes("ring-ref -1", "ring-ref", "-1", false);
    snprintf(v, sizeof(v), "%u", REF_NEVER);
    bad_nodes("ring-ref never granted", "ring-ref", v, false);
    bad_nodes("ring-ref 0 (the console's grant, to domain 0)", "ring-ref", "0", false);
    snprintf(v, sizeof(v), "%u", REF_RO);
    bad_nodes("ring-ref granted read-only", "ring-ref", v, false);
    snprintf(v, sizeof(v), "%u", REF_PT);
    bad_nodes("ring-ref: our L4 page table", "ring-ref", v, false);
    bad_nodes("event-channel 'junk'", "event-channel", "junk", false);
    bad_nodes("event-channel 4000 (no such port)", "event-channel", "4000", false);
    snprintf(v, sizeof(v), "%u", start_info->store_evtchn);
    bad_nodes("event-channel: our xenstore port (bound to another domain)", "event-channel", v, false);
    bad_nodes("event-channel 99999999999", "event-channel", "99999999999", false);
    bad_nodes("protocol x86_32-abi", "protocol", "x86_32-abi", false);
    bad_nodes("ring-page-order 'junk'", "ring-page-order", "junk", true);
    bad_nodes("multi-queue-num-queues 0", "multi-queue-num-queues", "0", true);
    bad_nodes("multi-queue-num-queues 5 (4 offered)", "multi-queue-num-queues", "5", true);
    bad_nodes("multi-queue-num-queues 2 without queue-N nodes", "multi-queue-num-queues", "2", true);
    CHECK_EQ("then a correct handshake: Connected", fe_connect(&xa), 0);
    check_good("and served (sectors 0-15 read)", 1);
    write_good(3);
    check_good("sectors 0-15 read back: generation 3", 3);
}

static void multi_page_rings(void)
{
    section("multi-page rings");
    char p[128], v[16];
    snprintf(p, sizeof(p), "%s/max-ring-page-order", xa.be);
    CHECK("max-ring-page-order = 4 offered", !xs_read(p, v, sizeof(v)) && !strcmp(v, "4"));
    CHECK_EQ("back to InitWait", fe_reset(&xa), 0);
    bad_nodes("ring-page-order 5 (4 offered)", "ring-page-order", "5", true);
    bad_nodes("ring-page-order 1 without ring-ref0 and ring-ref1", "ring-page-order", "1", true);
    xa.order = 2;
    CHECK_EQ("ring-page-order 2 (4 pages, ring-ref0..3): Connected", fe_connect(&xa), 0);
    CHECK_EQ("the ring has 128 slots", RING_SIZE(&xa.ring), 128);
    check_good("served (sectors 0-15 read)", 3);
    flood("4 full rings of 128", 4);
    CHECK_EQ("Closed and InitWait again", fe_reset(&xa), 0);
    xa.order = 4;
    CHECK_EQ("ring-page-order 4 (16 pages): Connected", fe_connect(&xa), 0);
    flood("2 full rings of 512", 2);
    check_good("sectors 0-15 still generation 3", 3);
}

void test_main(void)
{
    connected();
    if (checks_failed) return;
    good_io();
    bad_requests();
    indirect_requests();
    read_only_disk();
    section("floods: full rings of mixed requests, answered in ring order");
    flood("8 full rings of 32", 8);
    ring_attacks();
    xenstore_attacks();
    multi_page_rings();
}
