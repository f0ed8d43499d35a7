/* Foreign MMU operations of a builder (docs/capabilities.md): dom1 (current,
 * CAP_BUILD) builds dom2.  mmu_update may map dom2's frames into dom1's L1s
 * and set their M2P entries; mmuext_op pins, unpins, clears and copies dom2's
 * frames; everything else, and everything once dom2 has run, is refused. */
#include "unit.h"

static struct mmu_update reqs[4];
static struct mmuext_op ops[4];
static uint32_t done;

static void map_args(void)
{
    fake_guest_map(reqs, sizeof(reqs), false);
    fake_guest_map(ops, sizeof(ops), false);
    fake_guest_map(&done, sizeof(done), true);
}

static uint64_t slot_ma(mfn_t m, unsigned idx) { return (m << PAGE_SHIFT) + idx * 8; }

static long fmmu(uint64_t ptr, uint64_t val, domid_t dom)
{
    reqs[0] = (struct mmu_update){ ptr, val };
    done = 99;
    return do_mmu_update((uint64_t)reqs, 1, (uint64_t)&done, dom, 0);
}

static long fext(unsigned cmd, uint64_t a1, uint64_t a2, domid_t dom)
{
    ops[0] = (struct mmuext_op){ .cmd = cmd };
    ops[0].arg1.mfn = a1;
    ops[0].arg2.src_mfn = a2;
    done = 99;
    return do_mmuext_op((uint64_t)ops, 1, (uint64_t)&done, dom, 0);
}

/* dom1 builds dom2; dom1 has a pinned tree whose L1 receives the mappings. */
struct bld {
    mfn_t l4, l3, l2, l1;
};
static struct bld setup(void)
{
    fake_reset();
    map_args();
    dom1.caps = CAP_BUILD;
    dom2.parent = dom1.id;
    dom2.state = DOM_PAUSED;
    struct bld b = { fake_alloc(&dom1), fake_alloc(&dom1), fake_alloc(&dom1), fake_alloc(&dom1) };
    fake_table(b.l4)[0] = pte(b.l3, PTE_P | PTE_RW);
    fake_table(b.l3)[0] = pte(b.l2, PTE_P | PTE_RW);
    fake_table(b.l2)[0] = pte(b.l1, PTE_P | PTE_RW);
    fext(MMUEXT_PIN_L4_TABLE, b.l4, 0, DOMID_SELF);
    return b;
}

static void teardown(struct bld *b, const char *what)
{
    CHECK_EQ(fext(MMUEXT_UNPIN_TABLE, b->l4, 0, DOMID_SELF), 0, "foreign: unpin builder tree");
    CHECK(fake_all_counts_zero(), what);
}

static void test_foreign_refusals(void)
{
    struct bld b = setup();
    mfn_t f = fake_alloc(&dom2);
    uint64_t ma = slot_ma(b.l1, 0), e = pte(f, RW_FLAGS);

    dom1.caps = 0;
    CHECK_EQ(fmmu(ma, e, dom2.id), -EPERM, "foreign mmu_update: no BUILD capability");
    CHECK_EQ(fext(MMUEXT_PIN_L1_TABLE, f, 0, dom2.id), -EPERM, "foreign mmuext: no BUILD capability");
    dom1.caps = CAP_ALL & ~CAP_BUILD;
    CHECK_EQ(fmmu(ma, e, dom2.id), -EPERM, "foreign mmu_update: every capability but BUILD");
    dom1.caps = CAP_BUILD;
    dom2.parent = 7;
    CHECK_EQ(fmmu(ma, e, dom2.id), -EPERM, "foreign mmu_update: domain the caller did not create");
    CHECK_EQ(fext(MMUEXT_PIN_L1_TABLE, f, 0, dom2.id), -EPERM, "foreign mmuext: not the creator");
    dom2.parent = dom1.id;
    dom2.has_run = true;
    dom2.state = DOM_RUNNING;
    CHECK_EQ(fmmu(ma, pte(f, RO_FLAGS), dom2.id), -EPERM, "foreign mmu_update: domain has run, running");
    dom2.state = DOM_PAUSED;
    CHECK_EQ(fmmu(ma, e, dom2.id), -EPERM, "foreign mmu_update: domain has run, paused: writable");
    CHECK_EQ(fmmu(pte(f, 0) | MMU_MACHPHYS_UPDATE, 0, dom2.id), -EPERM,
             "foreign mmu_update: domain has run, paused: MACHPHYS");
    CHECK_EQ(fext(MMUEXT_PIN_L1_TABLE, f, 0, dom2.id), -EPERM, "foreign mmuext: domain has run");
    dom2.has_run = false;
    dom2.state = DOM_DYING;
    CHECK_EQ(fmmu(ma, e, dom2.id), -EPERM, "foreign mmu_update: dying domain");
    dom2.state = DOM_PAUSED;
    CHECK_EQ(fmmu(ma, e, 77), -ESRCH, "foreign mmu_update: unknown domain");
    CHECK_EQ(fmmu(ma, e, dom1.id), -ESRCH, "foreign mmu_update: naming oneself by id");
    CHECK_EQ(fmmu(ma, e, DOMID_IO), -EPERM, "foreign mmu_update: DOMID_IO");
    CHECK_EQ(fext(MMUEXT_PIN_L1_TABLE, f, 0, DOMID_XEN), -EPERM, "foreign mmuext: DOMID_XEN");
    CHECK_EQ(fmmu(ma, e, DOMID_SELF), -EBUSY, "mmu_update: the child's frame without foreigndom");
    CHECK_EQ(fake_table(b.l1)[0], 0, "foreign: nothing installed by refused calls");
    CHECK_EQ(mfn_to_page(f)->count, 0, "foreign: no reference taken by refused calls");
    teardown(&b, "foreign refusals: counts back to zero");
}

static void test_foreign_map(void)
{
    struct bld b = setup();
    mfn_t f = fake_alloc(&dom2), own = fake_alloc(&dom1);

    CHECK_EQ(fmmu(slot_ma(b.l1, 0), pte(f, RW_FLAGS), dom2.id), 0, "foreign mmu_update: map child frame RW");
    CHECK_EQ(done, 1, "foreign mmu_update: done = 1");
    CHECK(mfn_to_page(f)->count == 1 && mfn_to_page(f)->type == PGT_writable &&
              mfn_to_page(f)->type_count == 1,
          "foreign mmu_update: child frame holds ref + writable type");
    CHECK(mm_maps_foreign(&dom1, dom2.id), "mm_maps_foreign: sees the mapping");
    CHECK(!mm_maps_foreign(&dom2, dom1.id), "mm_maps_foreign: not the other way round");
    CHECK_EQ(fmmu(slot_ma(b.l1, 1), pte(own, RW_FLAGS), dom2.id), -EBUSY,
             "foreign mmu_update: caller's own frame refused with foreigndom");
    CHECK_EQ(fmmu(slot_ma(b.l2, 1), pte(fake_alloc(&dom2), PTE_P), dom2.id), -EINVAL,
             "foreign mmu_update: L2 entry may not name the child's frames");
    CHECK_EQ(fmmu(slot_ma(b.l1, 2), pte(f, RW_FLAGS), 77), -ESRCH,
             "foreign mmu_update: unknown after success");
    /* A frame mapped writable cannot become the child's page table. */
    CHECK_EQ(fext(MMUEXT_PIN_L1_TABLE, f, 0, dom2.id), -EINVAL, "foreign pin: writably mapped frame refused");
    int flushes = n_flush_domain;
    CHECK_EQ(fmmu(slot_ma(b.l1, 0), 0, DOMID_SELF), 0, "foreign: unmap with a plain update");
    CHECK(n_flush_domain > flushes, "foreign: unmapping flushes the builder's TLBs");
    CHECK(!mm_maps_foreign(&dom1, dom2.id), "mm_maps_foreign: gone after unmap");
    CHECK_EQ(mfn_to_page(f)->count, 0, "foreign: unmap dropped the child frame's reference");
    CHECK_EQ(fext(MMUEXT_PIN_L1_TABLE, f, 0, dom2.id), 0, "foreign pin: after unmap the frame may be an L1");
    CHECK_EQ(fmmu(slot_ma(b.l1, 0), pte(f, RW_FLAGS), dom2.id), -EBUSY,
             "foreign mmu_update: child's page table not mappable writable");
    CHECK_EQ(fmmu(slot_ma(b.l1, 0), pte(f, RO_FLAGS), dom2.id), 0,
             "foreign mmu_update: child's page table mappable read-only");
    /* Devalidating the builder's tree drops the foreign reference (with a flush). */
    flushes = n_flush_domain;
    CHECK_EQ(fext(MMUEXT_UNPIN_TABLE, b.l4, 0, DOMID_SELF), 0, "foreign: unpin builder tree with a mapping");
    CHECK(n_flush_domain > flushes, "foreign: devalidation flushes before dropping foreign refs");
    CHECK_EQ(fext(MMUEXT_UNPIN_TABLE, f, 0, dom2.id), 0, "foreign unpin: child's L1");
    CHECK(fake_all_counts_zero(), "foreign map: counts back to zero");
}

static void test_foreign_m2p_and_pages(void)
{
    struct bld b = setup();
    mfn_t f = fake_alloc(&dom2), g = fake_alloc(&dom2), own = fake_alloc(&dom1);

    CHECK_EQ(fmmu(slot_ma(f, 0) | MMU_MACHPHYS_UPDATE, 0x42, dom2.id), 0, "foreign MACHPHYS: child frame");
    CHECK_EQ(m2p_table[f], 0x42, "foreign MACHPHYS: M2P entry set");
    CHECK_EQ(fmmu(slot_ma(own, 0) | MMU_MACHPHYS_UPDATE, 0x43, dom2.id), -EINVAL,
             "foreign MACHPHYS: caller's own frame refused");
    fake_table(f)[5] = 0x5555;
    CHECK_EQ(fext(MMUEXT_COPY_PAGE, g, f, dom2.id), 0, "foreign COPY_PAGE: child frames");
    CHECK_EQ(fake_table(g)[5], 0x5555, "foreign COPY_PAGE: copied");
    CHECK_EQ(fext(MMUEXT_CLEAR_PAGE, g, 0, dom2.id), 0, "foreign CLEAR_PAGE: child frame");
    CHECK_EQ(fake_table(g)[5], 0, "foreign CLEAR_PAGE: cleared");
    CHECK_EQ(fext(MMUEXT_CLEAR_PAGE, own, 0, dom2.id), -EINVAL, "foreign CLEAR_PAGE: caller's frame refused");
    CHECK_EQ(fext(MMUEXT_NEW_BASEPTR, b.l4, 0, dom2.id), -EPERM, "foreign NEW_BASEPTR refused");
    CHECK_EQ(fext(MMUEXT_NEW_USER_BASEPTR, 0, 0, dom2.id), -EPERM, "foreign NEW_USER_BASEPTR refused");
    CHECK_EQ(fext(MMUEXT_TLB_FLUSH_LOCAL, 0, 0, dom2.id), -EPERM, "foreign TLB_FLUSH_LOCAL refused");
    CHECK_EQ(fext(MMUEXT_SET_LDT, 0, 0, dom2.id), -EPERM, "foreign SET_LDT refused");
    CHECK_EQ(fext(MMUEXT_MARK_SUPER, f, 0, dom2.id), -EOPNOTSUPP, "foreign MARK_SUPER: not supported");
    CHECK_EQ(fext(14, 0, 0, dom2.id), -ENOSYS, "foreign unknown command 14");
    CHECK_EQ(fext(99, 0, 0, dom2.id), -ENOSYS, "foreign unknown command 99");
    teardown(&b, "foreign m2p/pages: counts back to zero");
}

/* The child's own tree, pinned by the builder: validated against the child. */
static void test_foreign_pin(void)
{
    struct bld b = setup();
    mfn_t l4 = fake_alloc(&dom2), l3 = fake_alloc(&dom2), l2 = fake_alloc(&dom2);
    mfn_t l1 = fake_alloc(&dom2), data = fake_alloc(&dom2), own = fake_alloc(&dom1);

    fake_table(l4)[0] = pte(l3, PTE_P | PTE_RW);
    fake_table(l3)[0] = pte(l2, PTE_P | PTE_RW);
    fake_table(l2)[0] = pte(l1, PTE_P | PTE_RW);
    fake_table(l1)[0] = pte(own, RW_FLAGS);
    CHECK_EQ(fext(MMUEXT_PIN_L4_TABLE, l4, 0, dom2.id), -EBUSY,
             "foreign pin: child tree mapping a builder frame refused (L1 entry error)");
    CHECK(mfn_to_page(l1)->type_count == 0 && mfn_to_page(own)->count == 0,
          "foreign pin: failed validation left no references");
    fake_table(l1)[0] = pte(data, RW_FLAGS);
    CHECK_EQ(fext(MMUEXT_PIN_L4_TABLE, own, 0, dom2.id), -EINVAL, "foreign pin: builder's own frame refused");
    CHECK_EQ(fext(MMUEXT_PIN_L4_TABLE, l4, 0, dom2.id), 0, "foreign pin: child L4");
    CHECK(mfn_to_page(l4)->flags & PGF_pinned, "foreign pin: pinned flag set");
    CHECK_EQ(mfn_to_page(data)->type, PGT_writable, "foreign pin: child's data mapped writable by its tree");
    CHECK_EQ(fext(MMUEXT_PIN_L4_TABLE, l4, 0, dom2.id), -EINVAL, "foreign pin: double pin refused");
    CHECK_EQ(fext(MMUEXT_UNPIN_TABLE, l4, 0, DOMID_SELF), -EINVAL, "unpin of the child's L4 as self refused");
    CHECK_EQ(fext(MMUEXT_UNPIN_TABLE, b.l4, 0, dom2.id), -EINVAL, "foreign unpin: builder's table refused");
    dom2.has_run = true;
    CHECK_EQ(fext(MMUEXT_UNPIN_TABLE, l4, 0, dom2.id), -EPERM, "foreign unpin: after the child ran");
    dom2.has_run = false;
    CHECK_EQ(fext(MMUEXT_UNPIN_TABLE, l4, 0, dom2.id), 0, "foreign unpin: child L4");
    teardown(&b, "foreign pin: counts back to zero");
}

/* A batch with two elements, the second refused: done = 1; and the build lock. */
static void test_foreign_batch_and_lock(void)
{
    struct bld b = setup();
    mfn_t f = fake_alloc(&dom2), own = fake_alloc(&dom1);

    reqs[0] = (struct mmu_update){ slot_ma(b.l1, 0), pte(f, RO_FLAGS) };
    reqs[1] = (struct mmu_update){ slot_ma(b.l1, 1), pte(own, RO_FLAGS) };
    CHECK_EQ(do_mmu_update((uint64_t)reqs, 2, (uint64_t)&done, dom2.id, 0), -EBUSY,
             "foreign batch: second element refused");
    CHECK_EQ(done, 1, "foreign batch: done = 1");
    CHECK_EQ(build_lock_acquire(), 0, "build lock: acquired");
    dom1.state = DOM_PAUSED;
    CHECK_EQ(fmmu(slot_ma(b.l1, 2), pte(f, RO_FLAGS), dom2.id), -EAGAIN,
             "build lock: a caller being paused gives up with -EAGAIN");
    dom1.state = DOM_RUNNING;
    build_lock_release();
    CHECK_EQ(fmmu(slot_ma(b.l1, 2), pte(f, RO_FLAGS), dom2.id), 0, "build lock: released again");
    CHECK(!dom1.lock.locked && !dom2.lock.locked, "foreign: domain locks released");
    teardown(&b, "foreign batch: counts back to zero");
}

void test_foreign(void)
{
    test_foreign_refusals();
    test_foreign_map();
    test_foreign_m2p_and_pages();
    test_foreign_pin();
    test_foreign_batch_and_lock();
}
