/* Randomised check of the reference-counting invariants: thousands of random
 * pins, unpins, CR3 switches and entry updates on a small pool of frames, and
 * after every step the counts in the frame table are recomputed from scratch
 * from the tables themselves and compared. */
#include <stdio.h>
#include <stdlib.h>
#include "unit.h"

#define POOL 24
static mfn_t pool[POOL], bad[4]; /* bad: frames the domain may not use */
static uint64_t rng = 0x9E3779B97F4A7C15UL;
static struct mmuext_op op;
static struct mmu_update req;

static unsigned n_ok[2], n_tried[2];

static uint64_t rnd(void) { return unit_xorshift(&rng); }

static bool in_use_table(const struct page_info *p)
{
    return p->type_count && p->type >= PGT_l1 && p->type <= PGT_l4 && (p->flags & PGF_validated);
}

/* Recompute every count; report the first mismatch. */
static bool invariants_hold(char *why, size_t n)
{
    static uint32_t gen[FAKE_FRAMES], typ[FAKE_FRAMES];
    for (mfn_t m = 0; m < FAKE_FRAMES; m++)
        gen[m] = typ[m] = 0;
    for (mfn_t m = 0; m < FAKE_FRAMES; m++) {
        const struct page_info *p = mfn_to_page(m);
        if (p->flags & PGF_pinned) {
            gen[m]++;
            typ[m]++;
        }
        if (!in_use_table(p)) continue;
        unsigned level = p->type - PGT_l1 + 1;
        for (unsigned i = 0; i < PT_ENTRIES; i++) {
            if (level == 4 && l4_slot_is_hv(i)) continue;
            uint64_t e = fake_table(m)[i];
            if (!pte_present(e)) continue;
            mfn_t t = pte_mfn(e);
            const struct page_info *q = mfn_to_page(t);
            gen[t]++;
            if (level > 1 || (e & PTE_RW)) typ[t]++;
            enum page_type want = level == 1 ? PGT_writable : (enum page_type)(p->type - 1);
            if ((level > 1 || (e & PTE_RW)) && q->type != want) {
                snprintf(why, n, "mfn %lu slot %u points at mfn %lu of type %u", m, i, t, q->type);
                return false;
            }
            if (q->owner != dom1.id || !(e & PTE_US)) {
                snprintf(why, n, "mfn %lu slot %u: foreign target or no U", m, i);
                return false;
            }
        }
    }
    for (unsigned i = 0; i < 2; i++) {
        struct vcpu *v = dom1.vcpu[i];
        mfn_t roots[2] = { v->arch.guest_table, v->arch.guest_table_user };
        for (unsigned r = 0; r < 2; r++)
            if (roots[r] != INVALID_MFN) {
                gen[roots[r]]++;
                typ[roots[r]]++;
            }
    }
    for (mfn_t m = 0; m < FAKE_FRAMES; m++) {
        const struct page_info *p = mfn_to_page(m);
        if (p->count != gen[m] || p->type_count != typ[m]) {
            snprintf(why, n, "mfn %lu: count %u/%u type_count %u/%u (type %u)", m, p->count, gen[m],
                     p->type_count, typ[m], p->type);
            return false;
        }
    }
    return !dom1.lock.locked;
}

/* Frames have a role (the level they are meant to be: 4..1, 0 = data), so that
 * most random entries make sense and deep trees get built and torn down. */
static unsigned role_of(unsigned i) { return i < 2 ? 4 : i < 5 ? 3 : i < 9 ? 2 : i < 15 ? 1 : 0; }

static mfn_t frame_with_role(unsigned role)
{
    for (;;) {
        unsigned i = rnd() % POOL;
        if (role_of(i) == role) return pool[i];
    }
}

static uint64_t random_entry(unsigned level)
{
    static const uint64_t odd[] = { PTE_P | PTE_RW | PTE_PSE, PTE_P | PTE_PCD, PTE_P | PTE_G,
                                    1UL << 62 | PTE_P };
    unsigned r = rnd() % 20;
    if (r == 0) return 0;
    if (r == 1) return 0x12345000; /* not present */
    if (r == 2) return pte(bad[rnd() % 4], PTE_P);
    if (r == 3) return pte(pool[rnd() % POOL], odd[rnd() % 4]);
    if (r == 4) return pte(pool[rnd() % POOL], PTE_P | PTE_RW); /* any frame, maybe wrong level */
    if (level == 1)
        return pte(frame_with_role(rnd() % 4 ? 0 : 1 + rnd() % 4),
                   PTE_P | PTE_A | (rnd() % 2 ? PTE_RW : 0) | (rnd() % 2 ? PTE_US : 0));
    return pte(frame_with_role(level - 1), PTE_P | PTE_RW | PTE_A);
}

static void random_step(void)
{
    struct vcpu *v = dom1.vcpu[rnd() % 2];
    unsigned idx = rnd() % POOL, role = role_of(idx);
    mfn_t m = pool[idx];
    unsigned r = rnd() % 100;

    if (r < 50) {
        req.ptr = (m << PAGE_SHIFT) + 8 * (rnd() % 8 == 0 ? 256 + rnd() % 16 : rnd() % 4) +
                  (rnd() % 4 == 0 ? MMU_PT_UPDATE_PRESERVE_AD : 0);
        req.val = random_entry(role ? role : 1 + rnd() % 4);
        n_tried[0]++;
        n_ok[0] += do_mmu_update((uint64_t)&req, 1, 0, DOMID_SELF, 0) == 0;
        return;
    }
    if (r < 58) { /* the compare-exchange path ptwr uses */
        unsigned k = rnd() % 4;
        uint64_t old = rnd() % 3 ? fake_table(m)[k] : rnd();
        spin_lock(&dom1.lock);
        pt_cmpxchg_entry(&dom1, m, k, &old, random_entry(role ? role : 1));
        spin_unlock(&dom1.lock);
        return;
    }
    op = (struct mmuext_op){ 0 };
    op.arg1.mfn = m;
    if (r < 70)
        op.cmd = MMUEXT_PIN_L1_TABLE + (role && rnd() % 4 ? role - 1 : rnd() % 4);
    else if (r < 85)
        op.cmd = MMUEXT_UNPIN_TABLE;
    else {
        op.cmd = r < 93 ? MMUEXT_NEW_BASEPTR : MMUEXT_NEW_USER_BASEPTR;
        if (rnd() % 4) op.arg1.mfn = frame_with_role(4);
        if (op.cmd == MMUEXT_NEW_USER_BASEPTR && rnd() % 3 == 0) op.arg1.mfn = 0;
    }
    /* The hypercall acts on the current vCPU: make v current for a moment. */
    struct vcpu saved = vcpu0;
    if (v != &vcpu0) {
        vcpu0.arch.guest_table = v->arch.guest_table;
        vcpu0.arch.guest_table_user = v->arch.guest_table_user;
    }
    n_tried[1]++;
    n_ok[1] += do_mmuext_op((uint64_t)&op, 1, 0, DOMID_SELF, 0) == 0;
    if (v != &vcpu0) {
        v->arch.guest_table = vcpu0.arch.guest_table;
        v->arch.guest_table_user = vcpu0.arch.guest_table_user;
        vcpu0.arch.guest_table = saved.arch.guest_table;
        vcpu0.arch.guest_table_user = saved.arch.guest_table_user;
    }
}

void test_random(void)
{
    char why[160] = "";
    bool ok = true;
    unsigned step;

    if (getenv("UNIT_SEED")) /* UNIT_SEED=n: explore other sequences */
        rng = strtoull(getenv("UNIT_SEED"), NULL, 0) | 1;
    fake_reset();
    fake_guest_map(&op, sizeof(op), false);
    fake_guest_map(&req, sizeof(req), false);
    for (unsigned i = 0; i < POOL; i++)
        pool[i] = fake_alloc(&dom1);
    bad[0] = 0;
    bad[1] = fake_alloc(&dom2);
    bad[2] = fake_hv_frame();
    bad[3] = FAKE_FRAMES + 1;
    for (step = 0; step < 6000 && ok; step++) {
        random_step();
        ok = invariants_hold(why, sizeof(why));
    }
    if (!ok) printf("# random: step %u: %s\n", step, why);
    CHECK(ok, "random ops: counts always match the tables (6000 steps)");
    unsigned tables = 0;
    for (unsigned i = 0; i < POOL; i++)
        tables += in_use_table(mfn_to_page(pool[i]));
    printf("# random: mmu_update %u/%u succeeded, mmuext_op %u/%u, %u tables in use\n", n_ok[0], n_tried[0],
           n_ok[1], n_tried[1], tables);
    CHECK(tables > 0 && n_ok[0] > n_tried[0] / 4 && n_ok[1] > n_tried[1] / 8,
          "random ops: a fair share succeeded and tables were in use");
    mm_relinquish(&dom1);
    CHECK(fake_all_counts_zero(), "random ops: teardown returns every count to zero");
}
