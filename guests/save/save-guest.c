/* A tiny PV guest that suspends itself the way Linux does, for the save and
 * restore suite (tests/suites/66-save-restore.sh, docs/save-restore.md).
 * It fills 1 MiB with a pattern, publishes its p2m as Linux does (a
 * frame-list list in shared_info), then in rounds: counts, converts the
 * console and store frames in start_info to PFNs, unmaps shared info and
 * calls SCHEDOP_shutdown(SHUTDOWN_suspend) with its start_info frame.  The
 * return value says what happened: 1, cancelled (a checkpoint: same frames,
 * the guest undoes its conversion), or 0, resumed in a new domain (a
 * restore: new frames, start_info rewritten by the builder).  After each it
 * checks its memory and p2m and prints the counter; after a restore it
 * powers off. */
#include "lib.h"

#define ARENA_PAGES 256
#define CHECK_PFNS  64

static uint64_t arena[ARENA_PAGES * 512] ALIGNED_PAGE;
static unsigned long frame_list[512] ALIGNED_PAGE, frame_list_list[512] ALIGNED_PAGE;
static volatile uint64_t counter;

static uint64_t pattern(uint64_t i) { return i * 0x9e3779b97f4a7c15ull ^ 0x5a5a5a5a5a5a5a5aull; }

static uint64_t arena_bad(void)
{
    uint64_t bad = 0;
    for (uint64_t i = 0; i < ARRAY_SIZE(arena); i++)
        bad += arena[i] != pattern(i);
    return bad;
}

/* What the saver reads: shared_info.arch -> frame-list list -> frame list -> p2m frames. */
static void publish_p2m(void)
{
    unsigned long n = start_info->nr_pages, frames = (n + 511) / 512;
    for (unsigned long i = 0; i < frames; i++)
        frame_list[i] = va_to_mfn((const char *)p2m + i * PAGE_SIZE);
    frame_list_list[0] = va_to_mfn(frame_list);
    shared->arch.max_pfn = n;
    shared->arch.pfn_to_mfn_frame_list_list = frame_list_list[0] ? va_to_mfn(frame_list_list) : 0;
}

/* Linux's xen_pre_suspend / HYPERVISOR_suspend / xen_post_suspend, in small. */
static long suspend(void)
{
    start_info->store_mfn = m2p(start_info->store_mfn);
    start_info->console.domU.mfn = m2p(start_info->console.domU.mfn);
    HYPERVISOR_update_va_mapping((uint64_t)shared, 0, UVMF_INVLPG);
    struct sched_shutdown r = { SHUTDOWN_suspend };
    long rc = HC3(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &r, va_to_mfn(start_info));
    if (rc) { /* cancelled: the same frames, PFNs back to MFNs */
        start_info->store_mfn = p2m[start_info->store_mfn];
        start_info->console.domU.mfn = p2m[start_info->console.domU.mfn];
    }
    CHECK_EQ("shared info mapped again", pv_map_shared_info(start_info), 0);
    publish_p2m();
    return rc;
}

void test_main(void)
{
    static unsigned long before[CHECK_PFNS];
    for (uint64_t i = 0; i < ARRAY_SIZE(arena); i++)
        arena[i] = pattern(i);
    publish_p2m();
    for (unsigned round = 1; round <= 8; round++) {
        for (unsigned i = 0; i < 1000000; i++)
            counter++;
        uint64_t first = va_to_pfn(arena);
        for (unsigned i = 0; i < CHECK_PFNS; i++)
            before[i] = p2m[first + i];
        uint64_t t0 = now_ns();
        printf("save-guest: round %u, counter %lu, suspending\n", round, (unsigned long)counter);
        long rc = suspend();
        unsigned moved = 0, m2p_ok = 0;
        for (unsigned i = 0; i < CHECK_PFNS; i++) {
            moved += p2m[first + i] != before[i];
            m2p_ok += m2p(p2m[first + i]) == first + i;
        }
        printf("save-guest: round %u: suspend returned %ld (%s), counter %lu, %u of %u frames "
               "moved, clock %s\n",
               round, rc, rc ? "cancelled" : "resumed in a new domain", (unsigned long)counter, moved,
               CHECK_PFNS, now_ns() >= t0 ? "monotonic" : "went back");
        CHECK_EQ("memory intact after the suspend", arena_bad(), 0);
        CHECK_EQ("M2P of the p2m's frames", m2p_ok, CHECK_PFNS);
        uint64_t cons = start_info->console.domU.mfn, store = start_info->store_mfn;
        CHECK("start_info's console and store are frames of ours again",
              p2m[m2p(cons)] == cons && p2m[m2p(store)] == store && m2p(cons) < start_info->nr_pages);
        if (rc) /* a restore may get some frames back: the allocator's choice */
            CHECK_EQ("a cancelled suspend keeps the frames", moved, 0);
        if (rc == 0) return; /* restored: done */
    }
    CHECK("a restore within 8 rounds", false);
}
