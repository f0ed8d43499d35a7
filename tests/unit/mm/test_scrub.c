/* Lazy scrubbing in frame.c (issue 19): freed frames keep their data until an
 * idle step (frames_scrub) or their next allocation zeroes them; allocation
 * takes zeroed frames first; a scrub step does bounded work; boot memory is
 * scrubbed ahead only up to the clean pool (CLEAN_POOL, 64 frames in this
 * binary: unit.mk); and no frame anyone is given ever holds another domain's
 * data.  On the harness's fake machine, whose memory starts filled with 0xCC. */
#include <string.h>
#include "unit.h"

static bool all_byte(mfn_t m, uint8_t b)
{
    const uint8_t *p = mfn_to_virt(m);
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        if (p[i] != b) return false;
    return true;
}

/* Free frames whose contents are all b. */
static unsigned free_frames_of(uint8_t b)
{
    unsigned n = 0;
    for (mfn_t m = 1; m < FAKE_FRAMES; m++)
        n += (mfn_to_page(m)->flags & PGF_free) && all_byte(m, b);
    return n;
}

static unsigned scrub_all(void)
{
    unsigned steps = 0;
    while (frames_scrub(16))
        steps++;
    return steps;
}

static void test_boot_pool(void)
{
    fake_reset();
    uint64_t total = frames_free_count();
    CHECK_EQ(free_frames_of(0), 0, "boot memory: nothing scrubbed before an idle step");
    CHECK(frames_scrub(5), "scrub step of 5: more to do");
    CHECK_EQ(free_frames_of(0), 5, "scrub step of 5: exactly 5 frames zeroed (bounded work)");
    scrub_all();
    CHECK_EQ(free_frames_of(0), CLEAN_POOL, "boot memory: scrubbed ahead up to the clean pool only");
    CHECK(!frames_scrub(16), "pool full, nothing freed: a scrub step has nothing to do");
    CHECK_EQ(free_frames_of(0), CLEAN_POOL, "a step with nothing due zeroes nothing");
    CHECK_EQ(frames_free_count(), total, "free count unchanged by scrubbing");
}

static bool in(const mfn_t *set, unsigned n, mfn_t m)
{
    for (unsigned i = 0; i < n; i++)
        if (set[i] == m) return true;
    return false;
}

static void test_dead_domain_data(void)
{
    fake_reset();
    uint64_t total = frames_free_count();
    scrub_all(); /* the pool of clean boot frames is full */
    enum { K = 100 };
    mfn_t mine[K], zeroed[FAKE_FRAMES];
    unsigned bad = 0;
    for (unsigned i = 0; i < K; i++) { /* the pool's 64, then 36 zeroed as they go */
        mine[i] = fake_alloc(&dom2);
        bad += !all_byte(mine[i], 0);
        memset(mfn_to_virt(mine[i]), 0xA5, PAGE_SIZE);
    }
    CHECK_EQ(bad, 0, "every frame dom2 gets is zero (the clean pool, then boot memory zeroed on allocation)");
    domain_free_pages(&dom2); /* dom2 dies */
    CHECK_EQ(frames_free_count(), total, "dead domain's frames are free again");
    CHECK_EQ(free_frames_of(0xA5), K, "freeing does not scrub: the dead domain's frames still hold its data");

    /* no clean frame left: dom1 gets the dead domain's, zeroed as handed out */
    unsigned got_dom2 = 0;
    for (unsigned i = 0; i < K / 2; i++) {
        mfn_t m = fake_alloc(&dom1);
        bad += !all_byte(m, 0);
        got_dom2 += in(mine, K, m);
    }
    CHECK_EQ(bad, 0, "every frame dom1 gets is zero");
    CHECK_EQ(got_dom2, K / 2, "with no clean frame: the dead domain's frames, zeroed when allocated");
    CHECK_EQ(free_frames_of(0xA5), K / 2, "the other half still waits for a scrub step");
    unsigned steps = scrub_all();
    CHECK_EQ(free_frames_of(0xA5), 0, "idle steps scrub every freed frame, past the pool's size");
    CHECK(steps >= K / 2 / 16, "in steps of at most 16 frames");

    /* clean frames are handed out before dirty ones */
    unsigned nz = 0, from_clean = 0;
    for (mfn_t m = 1; m < FAKE_FRAMES; m++)
        if ((mfn_to_page(m)->flags & PGF_free) && all_byte(m, 0)) zeroed[nz++] = m;
    CHECK(nz >= CLEAN_POOL && free_frames_of(0xCC) > 0, "clean and dirty frames both free");
    for (unsigned i = 0; i < nz; i++)
        from_clean += in(zeroed, nz, fake_alloc(&dom1));
    CHECK_EQ(from_clean, nz, "allocation takes every clean frame before any dirty one");
    CHECK_EQ(frames_free_count(), total - K / 2 - nz, "free count exact");
    domain_free_pages(&dom1);
    CHECK_EQ(frames_free_count(), total, "all frames back");
}

static uint64_t rng = 0x2545F4914F6CDD1DUL;
static uint64_t rnd(void) { return unit_xorshift(&rng); }

/* Random frees, scrub steps and allocations: whatever a frame held (a byte
 * naming its last holder), the next holder gets it zeroed; counts stay exact;
 * running out is INVALID_MFN only when nothing is free. */
static void test_random_interleaving(void)
{
    fake_reset();
    uint64_t total = frames_free_count();
    static mfn_t held[FAKE_FRAMES];
    unsigned nheld = 0, leaks = 0, miscount = 0, spurious_oom = 0;
    for (unsigned step = 0; step < 20000; step++) {
        unsigned r = rnd() % 8;
        if (r < 4) {
            mfn_t m = frame_alloc();
            if (m == INVALID_MFN) {
                spurious_oom += frames_free_count() != 0;
                continue;
            }
            leaks += !all_byte(m, 0);
            memset(mfn_to_virt(m), 1 + (int)(step % 200), PAGE_SIZE); /* never 0xCC */
            held[nheld++] = m;
        } else if (r < 7 && nheld) {
            unsigned i = (unsigned)(rnd() % nheld);
            frame_free(held[i]);
            held[i] = held[--nheld];
        } else {
            frames_scrub((unsigned)(rnd() % 20));
        }
        miscount += frames_free_count() != total - nheld;
    }
    CHECK_EQ(leaks, 0, "random interleaving: no frame handed out with a previous holder's data");
    CHECK_EQ(miscount, 0, "random interleaving: free count exact after every step");
    CHECK_EQ(spurious_oom, 0, "random interleaving: out of frames only when none is free");
    while (nheld)
        frame_free(held[--nheld]);
    scrub_all();
    CHECK_EQ(free_frames_of(0) + free_frames_of(0xCC), total,
             "after it all: every freed frame scrubbed (boot memory may stay as it was)");
}

void test_scrub(void)
{
    test_boot_pool();
    test_dead_domain_data();
    test_random_interleaving();
}
