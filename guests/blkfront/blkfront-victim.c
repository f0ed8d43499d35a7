/*
 * blkfront-victim: the well-behaved neighbour of blkfront-hostile (suite
 * 62-blkback-hostile).  It writes a known pattern over its whole disk (xvda,
 * the VBD "vv", 1 MiB), then every half second reads it all back and
 * rewrites its first 64 sectors, one check per round ("round N: 2048
 * sectors intact, 64 rewritten, sentinel intact"), for rounds=N rounds
 * (default 1000): the suite watches rounds go on while the hostile guest
 * attacks, then destroys it.  The host then finds the pattern in the image,
 * nothing else.  The sentinel is a page of its memory whose machine address
 * it prints: the suite has blkback's device DMA into it (the IOMMU must
 * block that), and each round checks it byte for byte.
 */
#include "blkfront.h"

#define SECTORS       2048
#define PAGES_PER_REQ 8 /* 64 sectors */

static struct fe f;
static uint8_t sentinel[PAGE_SIZE] ALIGNED_PAGE;

static bool sentinel_intact(void)
{
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        if (sentinel[i] != (uint8_t) "TESSERA-SENTINEL"[i % 16]) return false;
    return true;
}

static void victim_sector(uint8_t *p, uint64_t s)
{
    memset(p, '.', 512);
    int n = snprintf((char *)p, 64, "TESSERA-VICTIM %06u\n", (unsigned)s);
    p[n] = '.'; /* no NUL in the sector */
}

/* Write (or read and compare) sectors [s, s + 64): the status, or 100 when
 * the data read differs. */
static int span(uint8_t op, uint64_t s)
{
    if (op == BLKIF_OP_WRITE)
        for (unsigned i = 0; i < 64; i++)
            victim_sector((uint8_t *)f.data[i / 8] + (i % 8) * 512, s + i);
    else
        for (unsigned i = 0; i < PAGES_PER_REQ; i++)
            memset(f.data[i], 0, PAGE_SIZE);
    int st = fe_rw(&f, op, s, PAGES_PER_REQ);
    if (st || op == BLKIF_OP_WRITE) return st;
    uint8_t want[512];
    for (unsigned i = 0; i < 64; i++) {
        victim_sector(want, s + i);
        if (memcmp((uint8_t *)f.data[i / 8] + (i % 8) * 512, want, 512)) return 100;
    }
    return 0;
}

void test_main(void)
{
    CHECK_EQ("xvda: fe_open", fe_open(&f, 51712), 0);
    CHECK_EQ("xvda: the handshake ends Connected", fe_connect(&f), 0);
    CHECK_EQ("xvda: sectors = 2048 (vv, 1 MiB)", f.sectors, SECTORS);
    if (checks_failed) return;
    int st = 0;
    for (uint64_t s = 0; s < SECTORS && !st; s += 64)
        st = span(BLKIF_OP_WRITE, s);
    CHECK_EQ("wrote the pattern over all 2048 sectors", st, 0);
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        sentinel[i] = (uint8_t) "TESSERA-SENTINEL"[i % 16];
    printf("# sentinel page at machine address %lx\n", (unsigned long)(va_to_mfn(sentinel) << PAGE_SHIFT));
    uint64_t rounds = cmdline_u("rounds", 1000);
    char what[96];
    for (uint64_t r = 1; r <= rounds && !checks_failed; r++) {
        uint64_t bad = 0;
        for (uint64_t s = 0; s < SECTORS; s += 64) {
            int e = span(BLKIF_OP_READ, s);
            if (e && !bad) {
                bad = s + 1;
                st = e;
            }
        }
        int w = span(BLKIF_OP_WRITE, 0);
        bool sent = sentinel_intact();
        snprintf(what, sizeof(what), "round %u: 2048 sectors intact, 64 rewritten, sentinel intact",
                 (unsigned)r);
        check_result(what, !bad && !w && sent, "status %d at sector %u, rewrite %d, sentinel %s", st,
                     (unsigned)(bad ? bad - 1 : 0), w, sent ? "intact" : "CHANGED");
        struct sched_poll sp = { .nr_ports = 0, .timeout = now_ns() + 500000000ull };
        HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
    }
}
