/* Page-type transitions, reference counting and PTE flag checks, driven
 * directly through the frame-table API of pagetype.c. */
#include "unit.h"
#include "flush.h"

static struct page_info *pg(mfn_t m) { return mfn_to_page(m); }

static int pin(mfn_t m, enum page_type t)
{
    int rc = get_page_and_type(m, &dom1, t);
    if (!rc) pg(m)->flags |= PGF_pinned;
    return rc;
}

static void unpin(mfn_t m)
{
    pg(m)->flags &= ~PGF_pinned;
    put_page_and_type(pg(m));
}

static void test_l1_basics(void)
{
    fake_reset();
    mfn_t l1 = fake_alloc(&dom1), data = fake_alloc(&dom1), ro = fake_alloc(&dom1);
    CHECK(fake_table(l1)[0] == 0, "frame_alloc zeroes frames");
    fake_table(l1)[0] = pte(data, RW_FLAGS);
    fake_table(l1)[1] = pte(ro, RO_FLAGS | PTE_US);
    fake_table(l1)[2] = 0x1234560; /* not present: swap entry */
    CHECK_EQ(pin(l1, PGT_l1), 0, "pin L1 with RW, RO and swap entries");
    CHECK(pg(l1)->type == PGT_l1 && pg(l1)->type_count == 1 && (pg(l1)->flags & PGF_validated),
          "L1 typed, counted and validated");
    CHECK(pg(data)->type == PGT_writable && pg(data)->type_count == 1 && pg(data)->count == 1,
          "RW entry holds writable type ref + general ref");
    CHECK(pg(ro)->type_count == 0 && pg(ro)->count == 1, "RO entry holds a general ref only");
    CHECK_EQ(fake_table(l1)[0], pte(data, RW_FLAGS | PTE_US | PTE_GUEST_KERNEL),
             "kernel L1 entry gets U and bit 52");
    CHECK_EQ(fake_table(l1)[1], pte(ro, RO_FLAGS | PTE_US), "user L1 entry unchanged");
    CHECK_EQ(fake_table(l1)[2], 0x1234560, "non-present entry kept as is");
    CHECK_EQ(get_page_type(pg(data), PGT_l1), -EINVAL, "writable frame refuses L1 type while mapped");
    CHECK_EQ(pin(data, PGT_l1), -EINVAL, "pin of a writably mapped frame refused");
    CHECK_EQ(get_page_type(pg(l1), PGT_writable), -EINVAL, "in-use L1 refuses writable type");
    CHECK_EQ(get_page_type(pg(l1), PGT_l2), -EINVAL, "in-use L1 refuses L2 type");
    unpin(l1);
    CHECK(pg(data)->type_count == 0 && pg(data)->count == 0 && pg(ro)->count == 0,
          "unpin drops the entries' references");
    CHECK(pg(l1)->type_count == 0 && !(pg(l1)->flags & PGF_validated), "unpinned L1 devalidated");
    int before = n_flush_domain;
    CHECK_EQ(get_page_type(pg(l1), PGT_writable), 0, "devalidated L1 may become writable");
    CHECK(n_flush_domain == before, "leaving L1 type after the unpin: no flush (no entry removed since one)");
    put_page_type(pg(l1));
    before = n_flush_domain;
    CHECK_EQ(pin(l1, PGT_l1), 0, "frame may become L1 again");
    CHECK(n_flush_domain == before, "leaving writable type, no entry removed: no flush");
    unpin(l1);
    CHECK(fake_all_counts_zero(), "all counts zero after L1 round trips");
}

static void test_l1_flags(void)
{
    fake_reset();
    mfn_t l1 = fake_alloc(&dom1), data = fake_alloc(&dom1);
    static const struct {
        uint64_t flags;
        const char *name;
    } bad[] = {
        { RW_FLAGS | PTE_PWT, "L1 entry with PWT refused" },
        { RW_FLAGS | PTE_PCD, "L1 entry with PCD refused" },
        { RW_FLAGS | PTE_PAT, "L1 entry with PAT refused" },
        { RW_FLAGS | PTE_GNTTAB, "L1 entry with bit 62 refused" },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        fake_table(l1)[7] = pte(data, bad[i].flags);
        CHECK_EQ(pin(l1, PGT_l1), -EINVAL, bad[i].name);
    }
    fake_table(l1)[7] = pte(data, RW_FLAGS | PTE_G | PTE_NX | PTE_AVAIL | (0x3FFUL << 52));
    CHECK_EQ(pin(l1, PGT_l1), 0, "L1 entry with G, NX, bits 9-11 and 52-61 accepted");
    unpin(l1);

    dom1.caps = CAP_IO;
    fake_table(l1)[7] = pte(data, RW_FLAGS | PTE_PCD | PTE_PWT);
    CHECK_EQ(pin(l1, PGT_l1), 0, "cache attributes allowed with the IO capability");
    unpin(l1);
    dom1.caps = 0;
    CHECK(fake_all_counts_zero(), "flag checks leak no references");
}

static void test_l1_targets(void)
{
    fake_reset();
    mfn_t l1 = fake_alloc(&dom1), data = fake_alloc(&dom1);
    mfn_t foreign = fake_alloc(&dom2), hv = fake_hv_frame();
    mfn_t shinfo = fake_alloc_flags(&dom1, PGF_xenheap);
    mfn_t module = fake_alloc_flags(&dom1, PGF_allocated | PGF_readonly);

    fake_table(l1)[0] = pte(data, RW_FLAGS);
    fake_table(l1)[9] = pte(foreign, RO_FLAGS);
    CHECK_EQ(pin(l1, PGT_l1), -EBUSY, "L1 entry mapping a foreign frame refused");
    CHECK(pg(data)->count == 0 && pg(data)->type_count == 0, "failed validation undoes earlier entries");
    CHECK(pg(l1)->type_count == 0, "failed validation leaves the frame untyped");
    fake_table(l1)[9] = pte(hv, RO_FLAGS);
    CHECK_EQ(pin(l1, PGT_l1), -EBUSY, "L1 entry mapping a hypervisor frame refused");
    fake_table(l1)[9] = pte(0, RO_FLAGS);
    CHECK_EQ(pin(l1, PGT_l1), -EBUSY, "L1 entry mapping frame 0 (hypervisor) refused");
    fake_table(l1)[9] = pte(FAKE_FRAMES + 5, RO_FLAGS);
    CHECK_EQ(pin(l1, PGT_l1), -EPERM, "L1 entry mapping non-RAM (MMIO) refused with -EPERM");
    fake_table(l1)[9] = pte(shinfo, RW_FLAGS);
    fake_table(l1)[10] = pte(module, RO_FLAGS);
    CHECK_EQ(pin(l1, PGT_l1), 0, "xenheap frame writable and boot module read-only accepted");
    CHECK(pg(shinfo)->type == PGT_writable && pg(shinfo)->type_count == 1, "xenheap frame writable ref");
    unpin(l1);
    fake_table(l1)[10] = pte(module, RW_FLAGS);
    CHECK_EQ(pin(l1, PGT_l1), -EBUSY, "writable mapping of a read-only boot module refused");
    fake_table(l1)[10] = 0;
    fake_table(l1)[9] = pte(shinfo, RW_FLAGS | PTE_PCD);
    dom1.caps = CAP_IO;
    CHECK_EQ(pin(l1, PGT_l1), -EACCES, "cache attributes on a xenheap frame refused");
    dom1.caps = 0;
    fake_table(l1)[9] = 0;
    CHECK_EQ(pin(shinfo, PGT_l1), -EINVAL, "xenheap frame can never become a page table");
    CHECK_EQ(get_page_type(pg(shinfo), PGT_seg_desc), -EINVAL, "xenheap frame can never become a GDT");
    CHECK_EQ(pin(module, PGT_l1), -EINVAL, "boot module can never become a page table");
    CHECK_EQ(get_page(pg(foreign), &dom1), -EINVAL, "get_page of a foreign frame refused");
    CHECK_EQ(get_page(pg(hv), &dom1), -EINVAL, "get_page of a hypervisor frame refused");
    CHECK(fake_all_counts_zero(), "target checks leak no references");
}


static void test_hierarchy(void)
{
    fake_reset();
    struct tree t = build_tree();
    for (unsigned s = 256; s <= 271; s++)
        fake_table(t.l4)[s] = pte(t.data, RW_FLAGS); /* guest garbage in Xen slots */
    fake_table(t.l4)[300] = pte(t.l3, PTE_P);        /* same L3 twice */
    CHECK_EQ(pin(t.l4, PGT_l4), 0, "pin L4 validates the whole tree");
    CHECK(pg(t.l3)->type == PGT_l3 && pg(t.l3)->type_count == 2, "L3 referenced twice");
    CHECK(pg(t.l2)->type == PGT_l2 && pg(t.l1)->type == PGT_l1, "L2/L1 typed by the cascade");
    CHECK(pg(t.data)->type == PGT_writable && pg(t.data)->type_count == 1, "leaf writable");
    bool slots_ok = fake_table(t.l4)[256] == 0;
    for (unsigned s = 257; s <= 271; s++)
        slots_ok &= fake_table(t.l4)[s] == HV_L4E(s);
    CHECK(slots_ok, "L4 slots 257-271 replaced with the hypervisor's entries, no M2P (no m2p_strict)");
    CHECK(pg(t.data)->count == 1, "guest values in hypervisor slots take no references");
    CHECK_EQ(fake_table(t.l4)[0], pte(t.l3, PTE_P | PTE_RW | PTE_US | PTE_A), "L4 entry gets U and A");
    CHECK_EQ(fake_table(t.l3)[0], pte(t.l2, PTE_P | PTE_RW | PTE_US), "L3 entry gets U");
    CHECK_EQ(fake_table(t.l2)[0], pte(t.l1, PTE_P | PTE_RW | PTE_US), "L2 entry gets U");
    CHECK_EQ(pin(t.l2, PGT_l2), 0, "an L2 in use may be pinned too");
    unpin(t.l4);
    CHECK(pg(t.l3)->type_count == 0 && pg(t.l2)->type_count == 1 && pg(t.data)->type_count == 1,
          "unpin L4 devalidates L3, pinned L2 stays");
    unpin(t.l2);
    CHECK(fake_all_counts_zero(), "devalidation cascades down to the leaves");
}

static void test_bad_tables(void)
{
    fake_reset();
    struct tree t = build_tree();
    fake_table(t.l2)[1] = pte(t.data, PTE_P | PTE_RW | PTE_PSE);
    CHECK_EQ(pin(t.l2, PGT_l2), -EINVAL, "L2 superpage (PSE) refused");
    fake_table(t.l2)[1] = 0;
    fake_table(t.l3)[1] = pte(t.data, PTE_P | PTE_RW | PTE_PSE);
    CHECK_EQ(pin(t.l3, PGT_l3), -EINVAL, "L3 1 GiB page (PSE) refused");
    fake_table(t.l3)[1] = 0;
    fake_table(t.l2)[1] = pte(t.l1, PTE_P | PTE_RW | PTE_PCD);
    CHECK_EQ(pin(t.l2, PGT_l2), -EINVAL, "L2 entry with PCD refused");
    fake_table(t.l2)[1] = pte(t.l1, PTE_P | PTE_RW | PTE_G);
    CHECK_EQ(pin(t.l2, PGT_l2), -EINVAL, "L2 entry with G refused");
    fake_table(t.l2)[1] = 0;
    fake_table(t.l4)[5] = pte(t.l4, PTE_P | PTE_RW);
    CHECK_EQ(pin(t.l4, PGT_l4), -EINVAL, "L4 self-map (linear page table) refused");
    fake_table(t.l4)[5] = 0;
    fake_table(t.l2)[5] = pte(t.l2, PTE_P | PTE_RW);
    CHECK_EQ(pin(t.l2, PGT_l2), -EINVAL, "L2 writable self-map refused");
    fake_table(t.l2)[5] = pte(t.l2, PTE_P);
    uint32_t l2count = pg(t.l2)->count;
    CHECK_EQ(pin(t.l2, PGT_l2), 0, "L2 read-only self-map accepted (Xen's pv-linear-pt)");
    CHECK_EQ(pg(t.l2)->count, l2count + 1, "L2 self-map holds no reference of its own (only the pin's)");
    unpin(t.l2);
    CHECK(pg(t.l2)->count == l2count && pg(t.l2)->type_count == 0, "L2 self-map: unpin drops all");
    mfn_t other_l2 = fake_alloc(&dom1);
    CHECK_EQ(pin(other_l2, PGT_l2), 0, "another L2 pinned");
    fake_table(t.l2)[5] = pte(other_l2, PTE_P);
    CHECK_EQ(pin(t.l2, PGT_l2), -EINVAL, "L2 linear entry to another L2 refused");
    fake_table(t.l2)[5] = 0;
    unpin(other_l2);
    fake_table(t.l1)[5] = pte(t.l1, RW_FLAGS);
    CHECK_EQ(pin(t.l2, PGT_l2), -EBUSY, "L1 mapping itself writable refused (through L2)");
    fake_table(t.l1)[5] = pte(t.l1, RO_FLAGS);
    CHECK_EQ(pin(t.l2, PGT_l2), 0, "L1 mapping itself read-only accepted");
    unpin(t.l2);
    fake_table(t.l1)[5] = 0;
    fake_table(t.l3)[2] = pte(fake_alloc(&dom2), PTE_P);
    CHECK_EQ(pin(t.l3, PGT_l3), -EINVAL, "L3 entry pointing at a foreign frame refused");
    fake_table(t.l3)[2] = pte(FAKE_FRAMES + 1, PTE_P);
    CHECK_EQ(pin(t.l3, PGT_l3), -EINVAL, "L3 entry pointing outside RAM refused");
    fake_table(t.l3)[2] = 0;
    fake_table(t.l1)[0] = pte(t.data, RO_FLAGS);
    CHECK_EQ(pin(t.data, PGT_l1), 0, "data frame pinned as L1");
    fake_table(t.l2)[3] = pte(t.data, PTE_P);
    CHECK_EQ(pin(t.l3, PGT_l3), 0, "L2 may reference an already pinned L1");
    unpin(t.l3);
    fake_table(t.l2)[3] = 0;
    fake_table(t.l1)[0] = pte(t.data, RW_FLAGS);
    CHECK_EQ(pin(t.l1, PGT_l1), -EBUSY, "L1 mapping a pinned L1 writable refused");
    unpin(t.data);
    CHECK(fake_all_counts_zero(), "bad tables leak no references");
}

static void test_seg_desc(void)
{
    fake_reset();
    mfn_t gdt = fake_alloc(&dom1), l1 = fake_alloc(&dom1);
    fake_table(gdt)[3] = 0xBAD;
    CHECK_EQ(get_page_and_type(gdt, &dom1, PGT_seg_desc), -EINVAL,
             "descriptor page with a bad entry refused");
    fake_table(gdt)[3] = 0x00cffa000000ffffUL;
    CHECK_EQ(get_page_and_type(gdt, &dom1, PGT_seg_desc), 0, "descriptor page validated");
    fake_table(l1)[0] = pte(gdt, RW_FLAGS);
    CHECK_EQ(pin(l1, PGT_l1), -EBUSY, "writable mapping of a GDT frame refused");
    fake_table(l1)[0] = pte(gdt, RO_FLAGS);
    CHECK_EQ(pin(l1, PGT_l1), 0, "read-only mapping of a GDT frame accepted");
    unpin(l1);
    put_page_and_type(pg(gdt));
    CHECK(fake_all_counts_zero(), "descriptor page refs dropped");
}

/* The flush clock (flush.h): between writable and page-table types, a type
 * change flushes only if a writable mapping or a table entry was removed from
 * a live table of the domain after its TLBs were last flushed. */
static void test_flush_clock(void)
{
    fake_reset();
    struct tree t = build_tree();
    mfn_t f = fake_alloc(&dom1), l1b = fake_alloc(&dom1), gdt = fake_alloc(&dom1);
    CHECK_EQ(pin(t.l4, PGT_l4), 0, "tree pinned");
    CHECK_EQ(pt_update_entry(&dom1, t.l1, 1, pte(f, RW_FLAGS), false), 0, "map f writable");
    int before = n_flush_domain;
    CHECK_EQ(pt_update_entry(&dom1, t.l1, 1, pte(f, RO_FLAGS), false), 0, "RW -> RO");
    CHECK_EQ(n_flush_domain, before, "removing the writable mapping flushes nothing by itself");
    CHECK_EQ(pin(f, PGT_l1), 0, "f becomes an L1");
    CHECK_EQ(n_flush_domain, before + 1, "writable -> L1 after an unflushed writable removal flushes");
    unpin(f);
    before = n_flush_domain;
    CHECK_EQ(get_page_type(pg(f), PGT_writable), 0, "f writable again");
    CHECK_EQ(n_flush_domain, before, "L1 -> writable, nothing removed since the last flush: no flush");
    put_page_type(pg(f));
    CHECK_EQ(pt_update_entry(&dom1, t.l1, 2, pte(f, RW_FLAGS), false), 0, "map f writable at a second slot");
    CHECK_EQ(pt_update_entry(&dom1, t.l1, 2, 0, false), 0, "and remove it");
    flush_tlb_local(); /* the guest's own flush, as Linux does before pinning */
    before = n_flush_domain;
    CHECK_EQ(pin(f, PGT_l1), 0, "f an L1 again");
    CHECK_EQ(n_flush_domain, before, "a flush after the removal: the type change needs none");
    unpin(f);
    CHECK_EQ(pt_update_entry(&dom1, t.l2, 5, pte(l1b, PTE_P | PTE_RW), false), 0, "link a second L1");
    CHECK_EQ(pt_update_entry(&dom1, t.l2, 5, 0, false), 0, "unlink it (devalidated)");
    before = n_flush_domain;
    CHECK_EQ(get_page_type(pg(l1b), PGT_writable), 0, "the unlinked L1 becomes writable");
    CHECK_EQ(n_flush_domain, before + 1, "L1 -> writable after an unflushed unlink flushes");
    put_page_type(pg(l1b));
    CHECK_EQ(get_page_type(pg(f), PGT_writable), 0, "f writable");
    put_page_type(pg(f));
    CHECK_EQ(pt_update_entry(&dom1, t.l1, 1, 0, false), 0, "remove f's read-only mapping");
    before = n_flush_domain;
    CHECK_EQ(pin(f, PGT_l1), 0, "f an L1");
    CHECK_EQ(n_flush_domain, before, "a removed read-only mapping needs no flush");
    unpin(f);
    CHECK_EQ(get_page_and_type(gdt, &dom1, PGT_seg_desc), 0, "a descriptor page");
    put_page_and_type(pg(gdt));
    before = n_flush_domain;
    CHECK_EQ(get_page_type(pg(gdt), PGT_writable), 0, "the descriptor page becomes writable");
    CHECK_EQ(n_flush_domain, before + 1, "leaving the descriptor type always flushes");
    put_page_type(pg(gdt));
    unpin(t.l4);
    CHECK(fake_all_counts_zero(), "flush-clock checks leak no references");
}

static void test_update_entry(void)
{
    fake_reset();
    struct tree t = build_tree();
    mfn_t other = fake_alloc(&dom1);
    CHECK_EQ(pin(t.l4, PGT_l4), 0, "tree pinned");
    CHECK_EQ(pt_update_entry(&dom1, t.l1, 1, pte(other, RW_FLAGS), false), 0, "install L1 entry");
    CHECK(pg(other)->type_count == 1 && pg(other)->count == 1, "new entry took its references");
    CHECK_EQ(pt_update_entry(&dom1, t.l1, 1, pte(other, RO_FLAGS), false), 0, "RW -> RO");
    CHECK(pg(other)->type_count == 0 && pg(other)->count == 1, "RW -> RO drops the writable ref");
    CHECK_EQ(pt_update_entry(&dom1, t.l1, 1, pte(t.l2, RW_FLAGS), false), -EBUSY,
             "writable mapping of an in-use L2 refused");
    CHECK_EQ(fake_table(t.l1)[1], pte(other, RO_FLAGS | PTE_US | PTE_GUEST_KERNEL),
             "failed update leaves the entry alone");
    fake_table(t.l1)[1] |= PTE_A | PTE_D; /* as if the CPU set them */
    CHECK_EQ(pt_update_entry(&dom1, t.l1, 1, pte(other, PTE_P | PTE_US), true), 0, "preserve-A/D update");
    CHECK_EQ(fake_table(t.l1)[1], pte(other, PTE_P | PTE_US | PTE_A | PTE_D), "A/D preserved");
    CHECK_EQ(pt_update_entry(&dom1, t.l1, 1, 0, false), 0, "clear L1 entry");
    CHECK(pg(other)->count == 0, "cleared entry dropped its ref");
    CHECK_EQ(pt_update_entry(&dom1, t.l4, 256, 0, false), -EINVAL, "L4 hypervisor slot update refused");
    CHECK_EQ(pt_update_entry(&dom1, t.l4, 271, 0, false), -EINVAL, "L4 slot 271 update refused");
    CHECK_EQ(pt_update_entry(&dom1, other, 0, 0, false), -EINVAL, "update of a non-table refused");
    /* Replace the L2's L1 with a fresh one: the old L1 is devalidated. */
    mfn_t l1b = fake_alloc(&dom1);
    CHECK_EQ(pt_update_entry(&dom1, t.l2, 0, pte(l1b, PTE_P | PTE_RW), false), 0, "swap L2 entry to new L1");
    CHECK(pg(t.l1)->type_count == 0 && pg(t.data)->type_count == 0, "old L1 devalidated at once");
    CHECK(pg(l1b)->type == PGT_l1 && pg(l1b)->type_count == 1, "new L1 validated");
    CHECK_EQ(pt_update_entry(&dom1, t.l3, 0, pte(t.l3, PTE_P | PTE_RW), false), -EINVAL,
             "L3 writable self-map via update refused");
    uint64_t keep = fake_table(t.l3)[0];
    uint32_t l3count = pg(t.l3)->count;
    CHECK_EQ(pt_update_entry(&dom1, t.l3, 7, pte(t.l3, PTE_P), false), 0, "L3 read-only self-map via update");
    CHECK_EQ(pg(t.l3)->count, l3count, "L3 self-map via update takes no reference");
    CHECK_EQ(pt_update_entry(&dom1, t.l3, 7, 0, false), 0, "L3 self-map removed");
    CHECK(pg(t.l3)->count == l3count && fake_table(t.l3)[0] == keep, "L3 self-map removal drops nothing");
    uint64_t old = 12345;
    CHECK_EQ(pt_cmpxchg_entry(&dom1, l1b, 0, &old, pte(other, RO_FLAGS)), -EAGAIN, "cmpxchg mismatch");
    CHECK(old == 0 && pg(other)->count == 0, "cmpxchg mismatch reports current value, takes no refs");
    CHECK_EQ(pt_cmpxchg_entry(&dom1, l1b, 0, &old, pte(other, RO_FLAGS)), 0, "cmpxchg match installs");
    unpin(t.l4);
    CHECK(fake_all_counts_zero(), "updates leak no references");
}

static void test_relinquish(void)
{
    fake_reset();
    struct tree t = build_tree();
    mfn_t ul4 = fake_alloc(&dom1), l1 = fake_alloc(&dom1);
    fake_table(ul4)[0] = pte(t.l3, PTE_P | PTE_RW);
    CHECK_EQ(pin(t.l4, PGT_l4), 0, "pin kernel L4");
    CHECK_EQ(get_root_table(&dom1, t.l4), 0, "kernel L4 as CR3");
    vcpu0.arch.guest_table = t.l4;
    CHECK_EQ(get_root_table(&dom1, ul4), 0, "user L4 as CR3 (unpinned)");
    vcpu0.arch.guest_table_user = ul4;
    CHECK_EQ(pin(l1, PGT_l1), 0, "a stray pinned L1");
    mm_relinquish(&dom1);
    CHECK(vcpu0.arch.guest_table == INVALID_MFN && vcpu0.arch.guest_table_user == INVALID_MFN,
          "relinquish clears CR3 references");
    CHECK(fake_all_counts_zero(), "refcounts return to zero after teardown");
}

void test_pagetype(void)
{
    test_l1_basics();
    test_l1_flags();
    test_l1_targets();
    test_hierarchy();
    test_bad_tables();
    test_seg_desc();
    test_update_entry();
    test_flush_clock();
    test_relinquish();
}
