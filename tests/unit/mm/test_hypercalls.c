/* mmu_update, mmuext_op, update_va_mapping and vm_assist: argument checking,
 * batch/done semantics, and the page-table sequences Linux performs. */
#include <string.h>
#include "unit.h"
#include "fake_continuation.h"

static struct page_info *pg(mfn_t m) { return mfn_to_page(m); }

static struct mmu_update reqs[8];
static struct mmuext_op ops[8];
static uint32_t done;
static uint64_t vmask;
#define BAD_PTR 0x1000UL             /* never mapped in the fake guest */
#define HV_PTR  0xFFFF800000001000UL /* inside the hypervisor's range */

static void map_args(void)
{
    fake_guest_map(reqs, sizeof(reqs), false);
    fake_guest_map(ops, sizeof(ops), false);
    fake_guest_map(&done, sizeof(done), true);
    fake_guest_map(&vmask, sizeof(vmask), false);
}

static long mmu(unsigned n)
{
    done = 99;
    return do_mmu_update((uint64_t)reqs, n, (uint64_t)&done, DOMID_SELF, 0);
}
static long ext(unsigned n)
{
    done = 99;
    return do_mmuext_op((uint64_t)ops, n, (uint64_t)&done, DOMID_SELF, 0);
}
static long ext1(unsigned cmd, uint64_t a1, uint64_t a2)
{
    ops[0] = (struct mmuext_op){ .cmd = cmd };
    ops[0].arg1.mfn = a1;
    ops[0].arg2.src_mfn = a2;
    return ext(1);
}
static uint64_t slot_ma(mfn_t m, unsigned idx) { return (m << PAGE_SHIFT) + idx * 8; }


static void test_mmu_update_args(void)
{
    fake_reset();
    map_args();
    struct tree t = build_tree();
    mfn_t f = fake_alloc(&dom1);
    CHECK_EQ(ext1(MMUEXT_PIN_L4_TABLE, t.l4, 0), 0, "setup: pin L4");

    reqs[0] = (struct mmu_update){ slot_ma(f, 3), 0x1234 };
    CHECK_EQ(do_mmu_update(BAD_PTR, 1, 0, DOMID_SELF, 0), -EFAULT, "mmu_update: unmapped request array");
    CHECK_EQ(do_mmu_update(HV_PTR, 1, 0, DOMID_SELF, 0), -EFAULT,
             "mmu_update: request array in hypervisor range");
    CHECK(fake_table(f)[3] == 0, "mmu_update: nothing applied on bad pointers");
    for (unsigned i = 0; i < 8; i++) /* 8 harmless requests, then unmapped memory */
        reqs[i] = (struct mmu_update){ slot_ma(f, 0) | MMU_MACHPHYS_UPDATE, 7 };
    done = 99;
    CHECK_EQ(do_mmu_update((uint64_t)reqs, ~0UL, (uint64_t)&done, DOMID_SELF, 0), -EFAULT,
             "mmu_update: count ~0 (continuation bit masked) runs off the array");
    CHECK_EQ(done, 99 + 8, "mmu_update: ... after the 8 mapped requests (resumed from done)");
    memset(reqs, 0, sizeof(reqs));
    reqs[0] = (struct mmu_update){ slot_ma(f, 3), 0x1234 };
    CHECK_EQ(do_mmu_update(BAD_PTR, 0x80000000u, 0, DOMID_SELF, 0), 0,
             "mmu_update: continuation bit alone is count 0");
    CHECK_EQ(do_mmu_update((uint64_t)reqs, 1, 0, dom1.id, 0), -ESRCH, "mmu_update: own domid by number");
    CHECK_EQ(do_mmu_update((uint64_t)reqs, 1, 0, dom2.id, 0), -EPERM, "mmu_update: foreign domain");
    CHECK_EQ(do_mmu_update((uint64_t)reqs, 1, 0, 77, 0), -ESRCH, "mmu_update: unknown domain");
    CHECK_EQ(do_mmu_update((uint64_t)reqs, 1, 0, DOMID_IO, 0), -EPERM, "mmu_update: DOMID_IO");
    CHECK_EQ(do_mmu_update((uint64_t)reqs, 1, 0, DOMID_SELF | ((dom2.id + 1u) << 16), 0), -EPERM,
             "mmu_update: foreign page-table owner");
    CHECK(fake_table(f)[3] == 0, "mmu_update: nothing applied on bad domids");
    CHECK_EQ(do_mmu_update((uint64_t)reqs, 1, 0, DOMID_SELF | ((dom1.id + 1u) << 16), 0), 0,
             "mmu_update: self as page-table owner");
    CHECK_EQ(fake_table(f)[3], 0x1234, "mmu_update: plain store into an untyped frame");
    /* Xen writes `done` last and ignores a failure to write it. */
    reqs[0].val = 0x5678;
    CHECK_EQ(do_mmu_update((uint64_t)reqs, 1, BAD_PTR, DOMID_SELF, 0), 0,
             "mmu_update: bad done pointer ignored");
    CHECK_EQ(fake_table(f)[3], 0x5678, "mmu_update: ... the request was applied");
    reqs[0].val = 0x1234;
    CHECK_EQ(do_mmu_update((uint64_t)reqs, 1, HV_PTR, DOMID_SELF, 0), 0,
             "mmu_update: done in hypervisor range ignored");
    done = 5;
    CHECK_EQ(do_mmu_update((uint64_t)reqs, 0x80000001u, (uint64_t)&done, DOMID_SELF, 0), 0,
             "mmu_update: continuation bit: resumed batch of 1");
    CHECK_EQ(done, 6, "mmu_update: resumed batch adds to the done count it was given");
    CHECK(pg(f)->type_count == 0 && pg(f)->count == 0, "mmu_update: plain store keeps no refs");
    CHECK_EQ(do_mmu_update((uint64_t)reqs, 0, (uint64_t)&done, DOMID_SELF, 0), 0, "mmu_update: count 0");
    CHECK_EQ(done, 0, "mmu_update: count 0 reports done 0");

    /* Batch: good, bad, good -> stops at the bad one. */
    reqs[0] = (struct mmu_update){ slot_ma(t.l1, 1), pte(f, RO_FLAGS) };
    reqs[1] = (struct mmu_update){ slot_ma(t.l1, 2), pte(t.l1, RW_FLAGS) };
    reqs[2] = (struct mmu_update){ slot_ma(t.l1, 3), pte(f, RO_FLAGS) };
    CHECK_EQ(mmu(3), -EBUSY, "mmu_update: writable map of an in-use L1 refused");
    CHECK_EQ(done, 1, "mmu_update: done counts completed requests");
    CHECK(fake_table(t.l1)[1] != 0 && fake_table(t.l1)[2] == 0 && fake_table(t.l1)[3] == 0,
          "mmu_update: batch stops at the failing request");
    CHECK_EQ(do_mmu_update((uint64_t)reqs, 1, 0, DOMID_SELF, 0), 0, "mmu_update: NULL done is fine");

    reqs[0] = (struct mmu_update){ slot_ma(t.l1, 1) + 4, 0 };
    CHECK_EQ(mmu(1), -EINVAL, "mmu_update: misaligned slot refused");
    reqs[0] = (struct mmu_update){ slot_ma(fake_alloc(&dom2), 1), 0 };
    CHECK_EQ(mmu(1), -EINVAL, "mmu_update: foreign table frame refused");
    reqs[0] = (struct mmu_update){ slot_ma(FAKE_FRAMES + 3, 1), 0 };
    CHECK_EQ(mmu(1), -EINVAL, "mmu_update: frame outside RAM refused");
    reqs[0] = (struct mmu_update){ slot_ma(fake_hv_frame(), 1), 0 };
    CHECK_EQ(mmu(1), -EINVAL, "mmu_update: hypervisor frame refused");
    reqs[0] = (struct mmu_update){ slot_ma(t.l4, 260), 0 };
    CHECK_EQ(mmu(1), -EINVAL, "mmu_update: write to L4 hypervisor slot refused");
    reqs[0] = (struct mmu_update){ slot_ma(t.l2, 1), pte(t.data, PTE_P | PTE_PSE) };
    CHECK_EQ(mmu(1), -EINVAL, "mmu_update: L2 superpage refused");
    reqs[0] = (struct mmu_update){ slot_ma(t.l1, 4), pte(f, RW_FLAGS | PTE_PCD) };
    CHECK_EQ(mmu(1), -EINVAL, "mmu_update: PCD refused");
    reqs[0] = (struct mmu_update){ slot_ma(t.l1, 4), pte(FAKE_FRAMES + 9, RO_FLAGS) };
    CHECK_EQ(mmu(1), -EPERM, "mmu_update: MMIO frame refused");

    /* Preserve A/D. */
    fake_table(t.l1)[1] |= PTE_D;
    reqs[0] = (struct mmu_update){ slot_ma(t.l1, 1) | MMU_PT_UPDATE_PRESERVE_AD, pte(f, PTE_P | PTE_US) };
    CHECK_EQ(mmu(1), 0, "mmu_update: PRESERVE_AD");
    CHECK_EQ(fake_table(t.l1)[1], pte(f, PTE_P | PTE_US | PTE_A | PTE_D), "mmu_update: A/D kept");

    /* Machphys. */
    reqs[0] = (struct mmu_update){ slot_ma(f, 0) | MMU_MACHPHYS_UPDATE, 42 };
    CHECK_EQ(mmu(1), 0, "mmu_update: MACHPHYS_UPDATE");
    CHECK_EQ(m2p_table[f], 42, "mmu_update: M2P entry set");
    reqs[0] = (struct mmu_update){ slot_ma(fake_alloc(&dom2), 0) | MMU_MACHPHYS_UPDATE, 42 };
    CHECK_EQ(mmu(1), -EINVAL, "mmu_update: MACHPHYS of a foreign frame refused");

    /* A request array ending in unmapped memory. */
    fake_guest_unmap_all();
    fake_guest_map(reqs, 2 * sizeof(reqs[0]), false);
    fake_guest_map(&done, sizeof(done), true);
    reqs[0] = (struct mmu_update){ slot_ma(f, 5), 5 };
    reqs[1] = (struct mmu_update){ slot_ma(f, 6), 6 };
    CHECK_EQ(mmu(1000), -EFAULT, "mmu_update: array runs into unmapped memory");
    CHECK(done == 2 && fake_table(f)[6] == 6, "mmu_update: requests before the fault applied");
    CHECK(!dom1.lock.locked, "mmu_update: lock released");
}

static void test_mmuext(void)
{
    fake_reset();
    map_args();
    struct tree t = build_tree();
    mfn_t f = fake_alloc(&dom1);

    CHECK_EQ(do_mmuext_op(BAD_PTR, 1, 0, DOMID_SELF, 0), -EFAULT, "mmuext: unmapped op array");
    for (unsigned i = 0; i < 8; i++)
        ops[i] = (struct mmuext_op){ .cmd = MMUEXT_TLB_FLUSH_LOCAL };
    CHECK_EQ(do_mmuext_op((uint64_t)ops, 1, BAD_PTR, DOMID_SELF, 0), 0, "mmuext: bad done pointer ignored");
    CHECK_EQ(do_mmuext_op((uint64_t)ops, 0x7fffffff, (uint64_t)&done, DOMID_SELF, 0), -EFAULT,
             "mmuext: huge count runs off the array");
    CHECK_EQ(done, 8, "mmuext: ... done = the 8 mapped ops");
    ops[0] = (struct mmuext_op){ .cmd = MMUEXT_PIN_L1_TABLE, .arg1.mfn = t.l1 };
    CHECK_EQ(do_mmuext_op((uint64_t)ops, 1, 0, dom2.id, 0), -EPERM, "mmuext: foreign domain");
    CHECK_EQ(do_mmuext_op((uint64_t)ops, 1, 0, 77, 0), -ESRCH, "mmuext: unknown domain");
    CHECK_EQ(ext1(99, 0, 0), -ENOSYS, "mmuext: unknown command");
    CHECK_EQ(done, 0, "mmuext: done 0 after failing first op");

    CHECK_EQ(ext1(MMUEXT_PIN_L1_TABLE, t.l1, 0), 0, "mmuext: PIN_L1");
    CHECK_EQ(ext1(MMUEXT_PIN_L1_TABLE, t.l1, 0), -EINVAL, "mmuext: double pin refused");
    CHECK_EQ(ext1(MMUEXT_PIN_L2_TABLE, t.l1, 0), -EINVAL, "mmuext: pin L1 frame as L2 refused");
    CHECK_EQ(pg(t.l1)->type_count, 1, "mmuext: failed pins leave the type count alone");
    CHECK_EQ(ext1(MMUEXT_PIN_L2_TABLE, t.data, 0), -EINVAL, "mmuext: pin writably mapped frame refused");
    CHECK_EQ(ext1(MMUEXT_PIN_L1_TABLE, FAKE_FRAMES + 1, 0), -EINVAL, "mmuext: pin outside RAM refused");
    CHECK_EQ(ext1(MMUEXT_PIN_L1_TABLE, fake_alloc(&dom2), 0), -EINVAL, "mmuext: pin foreign frame refused");
    CHECK_EQ(ext1(MMUEXT_UNPIN_TABLE, f, 0), -EINVAL, "mmuext: unpin of unpinned frame refused");
    CHECK_EQ(ext1(MMUEXT_UNPIN_TABLE, t.l1, 0), 0, "mmuext: UNPIN");
    CHECK(pg(t.l1)->type_count == 0 && pg(t.data)->type_count == 0, "mmuext: unpin drops refs");

    /* Linux's boot dance: pin new L4, unpin the builder's L4 while it is in
     * CR3, switch, then map the old L4 writable. */
    CHECK_EQ(ext1(MMUEXT_PIN_L4_TABLE, t.l4, 0), 0, "boot: pin builder L4");
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, t.l4, 0), 0, "boot: builder L4 in CR3");
    CHECK(vcpu0.arch.guest_table == t.l4 && n_load_cr3 == 1, "boot: NEW_BASEPTR loads CR3");
    mfn_t l4b = fake_alloc(&dom1), l3b = fake_alloc(&dom1);
    fake_table(l4b)[511] = pte(l3b, PTE_P | PTE_RW);
    fake_table(l3b)[0] = pte(t.l2, PTE_P | PTE_RW); /* share the L2 */
    ops[0] = (struct mmuext_op){ .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = l4b };
    ops[1] = (struct mmuext_op){ .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = t.l4 };
    CHECK_EQ(ext(2), 0, "boot: pin new L4 and unpin old in one batch");
    CHECK_EQ(done, 2, "boot: done = 2");
    CHECK(pg(t.l4)->type == PGT_l4 && pg(t.l4)->type_count == 1, "boot: old L4 kept alive by CR3");
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, l4b, 0), 0, "boot: NEW_BASEPTR to new L4");
    CHECK(pg(t.l4)->type_count == 0 && pg(t.l3)->type_count == 0, "boot: old L4 and L3 devalidated at once");
    CHECK_EQ(pg(t.l2)->type_count, 1, "boot: shared L2 still referenced by new L3");
    reqs[0] = (struct mmu_update){ slot_ma(t.l1, 5), pte(t.l4, RW_FLAGS) };
    reqs[1] = (struct mmu_update){ slot_ma(t.l1, 6), pte(t.l3, RW_FLAGS) };
    CHECK_EQ(mmu(2), 0, "boot: old L4/L3 mapped writable again");
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, t.l4, 0), -EINVAL, "NEW_BASEPTR to a writably mapped frame refused");
    CHECK_EQ(vcpu0.arch.guest_table, l4b, "failed NEW_BASEPTR keeps the old one");
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, INVALID_MFN, 0), -EINVAL, "NEW_BASEPTR to INVALID_MFN refused");

    CHECK_EQ(ext1(MMUEXT_NEW_USER_BASEPTR, t.l3, 0), -EINVAL, "NEW_USER_BASEPTR to an L3 refused");
    mfn_t ul4 = fake_alloc(&dom1);
    CHECK_EQ(ext1(MMUEXT_NEW_USER_BASEPTR, ul4, 0), 0, "NEW_USER_BASEPTR");
    CHECK(vcpu0.arch.guest_table_user == ul4 && pg(ul4)->type == PGT_l4 && pg(ul4)->type_count == 1,
          "user L4 typed and referenced");
    CHECK_EQ(ext1(MMUEXT_NEW_USER_BASEPTR, 0, 0), 0, "NEW_USER_BASEPTR 0 = none");
    CHECK(vcpu0.arch.guest_table_user == INVALID_MFN && pg(ul4)->type_count == 0, "user L4 released");

    /* Flushes. */
    int l = n_flush_local, o = n_flush_one, dd = n_flush_domain;
    CHECK_EQ(ext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0, "TLB_FLUSH_LOCAL");
    CHECK_EQ(ext1(MMUEXT_INVLPG_LOCAL, 0x5000, 0), 0, "INVLPG_LOCAL");
    CHECK_EQ(ext1(MMUEXT_INVLPG_LOCAL, HV_PTR, 0), 0, "INVLPG_LOCAL of a hypervisor address ignored");
    CHECK(n_flush_local == l + 1 && n_flush_one == o + 1 && last_flush_va == 0x5000, "local flushes done");
    vmask = 1;
    CHECK_EQ(ext1(MMUEXT_TLB_FLUSH_MULTI, 0, (uint64_t)&vmask), 0, "TLB_FLUSH_MULTI self");
    CHECK_EQ(n_flush_local, l + 2, "FLUSH_MULTI of self flushes locally");
    vmask = 3;
    CHECK_EQ(ext1(MMUEXT_INVLPG_MULTI, 0x6000, (uint64_t)&vmask), 0, "INVLPG_MULTI two vCPUs");
    CHECK_EQ(n_flush_domain, dd + 1, "INVLPG_MULTI of others flushes the domain");
    CHECK_EQ(ext1(MMUEXT_TLB_FLUSH_MULTI, 0, BAD_PTR), -EINVAL, "FLUSH_MULTI with bad mask pointer");
    CHECK_EQ(ext1(MMUEXT_TLB_FLUSH_ALL, 0, 0), 0, "TLB_FLUSH_ALL");
    CHECK_EQ(ext1(MMUEXT_INVLPG_ALL, 0x6000, 0), 0, "INVLPG_ALL");
    CHECK_EQ(n_flush_domain, dd + 3, "ALL flushes reach the domain");
    CHECK_EQ(ext1(MMUEXT_FLUSH_CACHE, 0, 0), -EACCES, "FLUSH_CACHE refused");
    CHECK_EQ(ext1(MMUEXT_MARK_SUPER, f, 0), -EOPNOTSUPP, "MARK_SUPER unsupported");

    /* SET_LDT. */
    CHECK_EQ(ext1(MMUEXT_SET_LDT, 0, 0), 0, "SET_LDT(0,0)");
    CHECK_EQ(ext1(MMUEXT_SET_LDT, 0x10000, 16), 0, "SET_LDT page-aligned");
    CHECK(vcpu0.arch.ldt_base == 0x10000 && vcpu0.arch.ldt_ents == 16, "SET_LDT stored");
    CHECK_EQ(ext1(MMUEXT_SET_LDT, 0x10008, 16), -EINVAL, "SET_LDT unaligned refused");
    CHECK_EQ(ext1(MMUEXT_SET_LDT, 0x10000, 8193), -EINVAL, "SET_LDT > 8192 entries refused");
    CHECK_EQ(ext1(MMUEXT_SET_LDT, HYPERVISOR_VIRT_START, 1), -EINVAL, "SET_LDT in hypervisor range refused");
    CHECK_EQ(ext1(MMUEXT_SET_LDT, 0x800000000000UL, 1), -EINVAL, "SET_LDT at a non-canonical base refused");
    CHECK(vcpu0.arch.ldt_base == 0x10000 && vcpu0.arch.ldt_ents == 16, "failed SET_LDT changes nothing");
    CHECK_EQ(ext1(MMUEXT_SET_LDT, 0x7FFFFFFFF000UL, 1024), 0,
             "SET_LDT running into the canonical hole accepted (Xen: start checked)");
    CHECK_EQ(ext1(MMUEXT_SET_LDT, 0xFFFF880000000000UL, 8192), 0,
             "SET_LDT just above the hypervisor range accepted");
    CHECK_EQ(ext1(MMUEXT_SET_LDT, 0x12345, 0), 0, "SET_LDT with 0 entries ignores the address");
    CHECK(vcpu0.arch.ldt_base == 0 && vcpu0.arch.ldt_ents == 0, "SET_LDT cleared");

    /* CLEAR_PAGE / COPY_PAGE. */
    fake_table(f)[0] = 77;
    CHECK_EQ(ext1(MMUEXT_COPY_PAGE, ul4, f), 0, "COPY_PAGE");
    CHECK_EQ(fake_table(ul4)[0], 77, "COPY_PAGE copied");
    CHECK_EQ(ext1(MMUEXT_CLEAR_PAGE, f, 0), 0, "CLEAR_PAGE");
    CHECK_EQ(fake_table(f)[0], 0, "CLEAR_PAGE cleared");
    CHECK_EQ(ext1(MMUEXT_CLEAR_PAGE, l4b, 0), -EINVAL, "CLEAR_PAGE of an in-use L4 refused");

    /* Teardown. */
    reqs[0] = (struct mmu_update){ slot_ma(t.l1, 5), 0 };
    reqs[1] = (struct mmu_update){ slot_ma(t.l1, 6), 0 };
    CHECK_EQ(mmu(2), 0, "unmap old L4/L3");
    mm_relinquish(&dom1);
    CHECK(fake_all_counts_zero(), "mmuext: refcounts zero after teardown");
}

static void test_update_va_mapping(void)
{
    fake_reset();
    map_args();
    struct tree t = build_tree();
    mfn_t f = fake_alloc(&dom1);
    CHECK_EQ(ext1(MMUEXT_PIN_L4_TABLE, t.l4, 0), 0, "uvm setup: pin L4");
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, t.l4, 0), 0, "uvm setup: load L4");

    CHECK_EQ(do_update_va_mapping(0x1000, pte(f, RW_FLAGS), UVMF_NONE, 0, 0), 0,
             "update_va_mapping: map page");
    CHECK_EQ(fake_table(t.l1)[1], pte(f, RW_FLAGS | PTE_US | PTE_GUEST_KERNEL),
             "update_va_mapping: entry installed");
    CHECK(pg(f)->type == PGT_writable && pg(f)->type_count == 1, "update_va_mapping: writable ref taken");
    int o = n_flush_one, l = n_flush_local, dd = n_flush_domain;
    CHECK_EQ(do_update_va_mapping(0x1000, pte(f, RO_FLAGS), UVMF_INVLPG, 0, 0), 0,
             "update_va_mapping: make RO + invlpg");
    CHECK(n_flush_one == o + 1 && last_flush_va == 0x1000, "update_va_mapping: local invlpg");
    CHECK_EQ(do_update_va_mapping(0x1000, pte(f, RO_FLAGS), UVMF_TLB_FLUSH | UVMF_ALL, 0, 0), 0,
             "update_va_mapping: flush all");
    CHECK_EQ(n_flush_domain, dd + 1, "update_va_mapping: UVMF_ALL flushes the domain");
    CHECK_EQ(do_update_va_mapping(0x1000, pte(f, RO_FLAGS), UVMF_TLB_FLUSH, 0, 0), 0,
             "update_va_mapping: local flush");
    CHECK_EQ(n_flush_local, l + 1, "update_va_mapping: local TLB flush");
    vmask = 2;
    CHECK_EQ(do_update_va_mapping(0x1000, pte(f, RO_FLAGS), UVMF_INVLPG | (uint64_t)&vmask, 0, 0), 0,
             "update_va_mapping: vCPU bitmap");
    CHECK_EQ(n_flush_domain, dd + 2, "update_va_mapping: bitmap naming another vCPU flushes the domain");
    CHECK_EQ(do_update_va_mapping(0x1000, 0, UVMF_INVLPG | BAD_PTR, 0, 0), -EFAULT,
             "update_va_mapping: bad bitmap pointer");
    CHECK(pte_present(fake_table(t.l1)[1]), "update_va_mapping: nothing changed on bad bitmap");
    CHECK_EQ(ext1(MMUEXT_PIN_L1_TABLE, f, 0), 0, "f pinned as L1 (mapped RO)");
    CHECK_EQ(do_update_va_mapping(0x1000, pte(f, RW_FLAGS), 0, 0, 0), -EBUSY,
             "update_va_mapping: writable map of a pinned L1 refused");
    CHECK_EQ(do_update_va_mapping(0x200000, pte(f, RO_FLAGS), 0, 0, 0), -EINVAL,
             "update_va_mapping: no L1 -> -EINVAL");
    CHECK_EQ(do_update_va_mapping(HYPERVISOR_VIRT_START, 0, 0, 0, 0), -EINVAL,
             "update_va_mapping: hypervisor VA refused");
    CHECK_EQ(do_update_va_mapping(0x0000800000000000UL, 0, 0, 0, 0), -EINVAL,
             "update_va_mapping: non-canonical VA refused");
    CHECK_EQ(do_update_va_mapping(0x2000, pte(fake_alloc(&dom2), RO_FLAGS), 0, 0, 0), -EBUSY,
             "update_va_mapping: foreign frame refused");
    CHECK_EQ(do_update_va_mapping(0x2000, pte(f, RO_FLAGS | PTE_PWT), 0, 0, 0), -EINVAL,
             "update_va_mapping: PWT refused");
    CHECK_EQ(do_update_va_mapping(0x2000, 0xdead0000UL, 0, 0, 0), 0, "update_va_mapping: non-present entry");
    CHECK_EQ(fake_table(t.l1)[2], 0xdead0000UL, "update_va_mapping: non-present stored as is");
    vcpu0.arch.guest_table = INVALID_MFN;
    CHECK_EQ(do_update_va_mapping(0x1000, 0, 0, 0, 0), -EINVAL, "update_va_mapping: no CR3 -> -EINVAL");
    vcpu0.arch.guest_table = t.l4;
    CHECK(!dom1.lock.locked, "update_va_mapping: lock released");
    CHECK_EQ(do_update_va_mapping(0x1000, 0, 0, 0, 0), 0, "unmap");
    CHECK_EQ(ext1(MMUEXT_UNPIN_TABLE, f, 0), 0, "unpin f");
    CHECK_EQ(ext1(MMUEXT_UNPIN_TABLE, t.l4, 0), 0, "unpin L4 (still CR3)");
    mm_relinquish(&dom1);
    CHECK(fake_all_counts_zero(), "update_va_mapping: refcounts zero after teardown");
}

static void test_vm_assist(void)
{
    fake_reset();
    CHECK_EQ(do_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables, 0, 0, 0), 0,
             "vm_assist: enable writable_pagetables");
    CHECK(dom1.vm_assist & (1UL << VMASST_TYPE_writable_pagetables), "vm_assist: bit set");
    CHECK_EQ(do_vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag, 0, 0, 0), 0,
             "vm_assist: enable runstate_update_flag");
    CHECK_EQ(do_vm_assist(VMASST_CMD_enable, VMASST_TYPE_4gb_segments, 0, 0, 0), 0,
             "vm_assist: enable 4gb_segments");
    CHECK_EQ(do_vm_assist(VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3, 0, 0, 0), 0,
             "vm_assist: enable pae_extended_cr3");
    CHECK_EQ(do_vm_assist(VMASST_CMD_disable, VMASST_TYPE_writable_pagetables, 0, 0, 0), 0,
             "vm_assist: disable");
    CHECK(!(dom1.vm_assist & (1UL << VMASST_TYPE_writable_pagetables)), "vm_assist: bit cleared");
    CHECK_EQ(do_vm_assist(VMASST_CMD_enable, 6, 0, 0, 0), -EINVAL, "vm_assist: unknown type");
    CHECK_EQ(do_vm_assist(VMASST_CMD_enable, 31, 0, 0, 0), -EINVAL, "vm_assist: type 31");
    CHECK_EQ(do_vm_assist(2, 6, 0, 0, 0), -EINVAL, "vm_assist: type checked before command");
    CHECK_EQ(do_vm_assist(VMASST_CMD_enable, VMASST_TYPE_architectural_iopl, 0, 0, 0), 0,
             "vm_assist: architectural_iopl");
    CHECK_EQ(do_vm_assist(VMASST_CMD_enable, VMASST_TYPE_4gb_segments_notify, 0, 0, 0), 0,
             "vm_assist: 4gb_segments_notify");

    /* m2p_strict: user L4s lose the read-only M2P slot, kernel L4s keep it. */
    map_args();
    mfn_t kl4 = fake_alloc(&dom1), ul4 = fake_alloc(&dom1);
    CHECK_EQ(do_vm_assist(VMASST_CMD_enable, VMASST_TYPE_m2p_strict, 0, 0, 0), 0,
             "vm_assist: enable m2p_strict");
    CHECK_EQ(ext1(MMUEXT_NEW_USER_BASEPTR, ul4, 0), 0, "m2p_strict: NEW_USER_BASEPTR");
    CHECK_EQ(fake_table(ul4)[256], 0, "m2p_strict: user L4 has no M2P");
    CHECK_EQ(do_vm_assist(VMASST_CMD_disable, VMASST_TYPE_m2p_strict, 0, 0, 0), 0,
             "vm_assist: disable m2p_strict");
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, ul4, 0), 0, "m2p_strict off: same L4 as kernel L4");
    CHECK_EQ(fake_table(ul4)[256], HV_L4E(256), "m2p_strict off: kernel L4 gets the M2P back");
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, kl4, 0), 0, "another kernel L4");
    CHECK_EQ(fake_table(kl4)[256], HV_L4E(256), "kernel L4 has the M2P");
    mm_relinquish(&dom1);
    CHECK(fake_all_counts_zero(), "vm_assist: refcounts zero after teardown");
    CHECK_EQ(do_vm_assist(VMASST_CMD_enable, 64, 0, 0, 0), -EINVAL, "vm_assist: type 64");
    CHECK_EQ(do_vm_assist(7, VMASST_TYPE_writable_pagetables, 0, 0, 0), -ENOSYS,
             "vm_assist: unknown command");
}

/* The read-only M2P slot (L4 slot 256) as Xen 4.17 handles it for a 64-bit PV
 * guest: validation gives it to an L4 only with m2p_strict; without it the slot
 * is filled when the L4 becomes the kernel CR3, so a user L4 the guest pins
 * itself never shows the M2P to user mode; with it, NEW_USER_BASEPTR zaps it. */
static void test_ro_mpt(void)
{
    fake_reset();
    map_args();
    struct tree t = build_tree();
    mfn_t ul4 = fake_alloc(&dom1), kl4 = fake_alloc(&dom1);
    fake_table(t.l4)[256] = pte(t.data, RW_FLAGS); /* guest garbage there */
    fake_table(ul4)[0] = pte(t.l3, PTE_P | PTE_RW);
    fake_table(ul4)[256] = HV_L4E(256); /* copied from its kernel L4 */
    fake_table(kl4)[0] = pte(t.l3, PTE_P | PTE_RW);

    /* m2p_strict off (the default). */
    CHECK_EQ(ext1(MMUEXT_PIN_L4_TABLE, t.l4, 0), 0, "ro_mpt: pin an L4");
    CHECK_EQ(fake_table(t.l4)[256], 0, "ro_mpt: no M2P in a validated L4 without m2p_strict");
    CHECK_EQ(fake_table(t.l4)[257], HV_L4E(257), "ro_mpt: other hypervisor slots filled");
    CHECK_EQ(ext1(MMUEXT_PIN_L4_TABLE, ul4, 0), 0, "ro_mpt: pin a user L4");
    CHECK_EQ(fake_table(ul4)[256], 0, "ro_mpt: the guest's copy of the M2P entry is dropped");
    CHECK_EQ(ext1(MMUEXT_NEW_USER_BASEPTR, ul4, 0), 0, "ro_mpt: NEW_USER_BASEPTR");
    CHECK_EQ(fake_table(ul4)[256], 0, "ro_mpt: user L4 still without the M2P (user read: #PF ec 4)");
    reqs[0] = (struct mmu_update){ .ptr = slot_ma(ul4, 256), .val = HV_L4E(256) };
    CHECK_EQ(mmu(1), -EINVAL, "ro_mpt: the guest cannot write slot 256 itself");
    CHECK_EQ(fake_table(ul4)[256], 0, "ro_mpt: ... and it stays empty");
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, t.l4, 0), 0, "ro_mpt: NEW_BASEPTR");
    CHECK_EQ(fake_table(t.l4)[256], HV_L4E(256), "ro_mpt: the kernel L4 gets the M2P at NEW_BASEPTR");
    CHECK_EQ(fake_table(ul4)[256], 0, "ro_mpt: the user L4 does not");
    fake_table(t.l4)[256] = 0; /* as if zapped meanwhile */
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, t.l4, 0), 0, "ro_mpt: NEW_BASEPTR of the current L4");
    CHECK_EQ(fake_table(t.l4)[256], 0, "ro_mpt: reloading the current L4 fills nothing (Xen)");
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, ul4, 0), 0, "ro_mpt: the user L4 as kernel L4");
    CHECK_EQ(fake_table(ul4)[256], HV_L4E(256), "ro_mpt: ... gets the M2P");
    CHECK_EQ(ext1(MMUEXT_NEW_USER_BASEPTR, 0, 0), 0, "ro_mpt: no user L4");

    /* m2p_strict on: validation fills, NEW_USER_BASEPTR zaps, NEW_BASEPTR leaves alone. */
    CHECK_EQ(do_vm_assist(VMASST_CMD_enable, VMASST_TYPE_m2p_strict, 0, 0, 0), 0, "ro_mpt: m2p_strict on");
    CHECK_EQ(ext1(MMUEXT_PIN_L4_TABLE, kl4, 0), 0, "ro_mpt: pin an L4 under m2p_strict");
    CHECK_EQ(fake_table(kl4)[256], HV_L4E(256), "ro_mpt: m2p_strict: validation gives the M2P");
    CHECK_EQ(ext1(MMUEXT_NEW_USER_BASEPTR, kl4, 0), 0, "ro_mpt: m2p_strict: NEW_USER_BASEPTR");
    CHECK_EQ(fake_table(kl4)[256], 0, "ro_mpt: m2p_strict: the user L4 loses it");
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, kl4, 0), 0, "ro_mpt: m2p_strict: NEW_BASEPTR");
    CHECK_EQ(fake_table(kl4)[256], 0, "ro_mpt: m2p_strict: NEW_BASEPTR does not fill");
    CHECK_EQ(ext1(MMUEXT_NEW_USER_BASEPTR, 0, 0), 0, "ro_mpt: m2p_strict: no user L4");
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, t.l4, 0), 0, "ro_mpt: m2p_strict: back to the first L4");
    CHECK_EQ(ext1(MMUEXT_UNPIN_TABLE, kl4, 0), 0, "ro_mpt: unpin (devalidates)");
    CHECK_EQ(ext1(MMUEXT_PIN_L4_TABLE, kl4, 0), 0, "ro_mpt: pin again (revalidates)");
    CHECK_EQ(fake_table(kl4)[256], HV_L4E(256), "ro_mpt: m2p_strict: revalidation gives it back");
    CHECK_EQ(do_vm_assist(VMASST_CMD_disable, VMASST_TYPE_m2p_strict, 0, 0, 0), 0, "ro_mpt: m2p_strict off");
    CHECK_EQ(ext1(MMUEXT_UNPIN_TABLE, kl4, 0), 0, "ro_mpt: unpin");
    CHECK_EQ(ext1(MMUEXT_PIN_L4_TABLE, kl4, 0), 0, "ro_mpt: pin without m2p_strict");
    CHECK_EQ(fake_table(kl4)[256], 0, "ro_mpt: revalidation without m2p_strict: no M2P");
    mm_relinquish(&dom1);
    CHECK(fake_all_counts_zero(), "ro_mpt: refcounts zero after teardown");
}

/* Continuations as Xen makes them: when preemption is due before element i,
 * the batch stops, `done` holds the total so far and the call is re-issued
 * with the array advanced to i, count (rest | MMU_UPDATE_PREEMPTED), pdone and
 * the domain id as 32-bit values; the re-issued call adds to `done`. */
static void test_continuation(void)
{
    static struct mmu_update big[10];
    static struct mmuext_op bigx[10];

    fake_reset();
    map_args();
    fake_guest_map(big, sizeof(big), false);
    fake_guest_map(bigx, sizeof(bigx), false);
    mfn_t f = fake_alloc(&dom1);
    for (unsigned i = 0; i < 10; i++) {
        big[i] = (struct mmu_update){ slot_ma(f, 0) | MMU_MACHPHYS_UPDATE, i };
        bigx[i] = (struct mmuext_op){ .cmd = MMUEXT_TLB_FLUSH_LOCAL };
    }
    done = 0;
    fake_preempt(3);
    CHECK_EQ(do_mmu_update((uint64_t)big, 10, (uint64_t)&done, 0xabcd000000000000UL | DOMID_SELF, 0),
             __HYPERVISOR_mmu_update, "continuation: mmu_update preempted returns its number");
    CHECK_EQ(fake_cont.made, 1, "continuation: ... one continuation made");
    CHECK_EQ(done, 4, "continuation: ... done = elements before the preemption point");
    CHECK_EQ(m2p_table[f], 3, "continuation: ... and none after it");
    CHECK_EQ(fake_cont.n, 4, "continuation: ... four arguments (hihi)");
    CHECK_EQ(fake_cont.args[0], (uint64_t)&big[4], "continuation: ... array at the next element");
    CHECK_EQ(fake_cont.args[1], 6 | 0x80000000UL, "continuation: ... count = rest | MMU_UPDATE_PREEMPTED");
    CHECK_EQ(fake_cont.args[2], (uint64_t)&done, "continuation: ... pdone kept");
    CHECK_EQ(fake_cont.args[3], DOMID_SELF, "continuation: ... foreigndom kept (32 bits)");
    uint64_t rest = fake_cont.args[0];
    fake_preempt(-1);
    CHECK_EQ(do_mmu_update(rest, 6 | 0x80000000UL, (uint64_t)&done, DOMID_SELF, 0), 0,
             "continuation: mmu_update resumed");
    CHECK_EQ(done, 10, "continuation: ... done = all ten");
    CHECK_EQ(m2p_table[f], 9, "continuation: ... last element applied");

    done = 0;
    fake_preempt(0);
    CHECK_EQ(do_mmuext_op((uint64_t)bigx, 10, (uint64_t)&done, DOMID_SELF, 0), __HYPERVISOR_mmuext_op,
             "continuation: mmuext_op preempted after its first element");
    CHECK_EQ(done, 1, "continuation: ... done = 1");
    CHECK_EQ(fake_cont.args[0], (uint64_t)&bigx[1], "continuation: ... ops at the second element");
    CHECK_EQ(fake_cont.args[1], 9 | 0x80000000UL, "continuation: ... nine left");
    uint64_t rest_ops = fake_cont.args[0], rest_count = fake_cont.args[1];
    fake_preempt(-1);
    CHECK_EQ(do_mmuext_op(rest_ops, rest_count, (uint64_t)&done, DOMID_SELF, 0), 0,
             "continuation: mmuext_op resumed");
    CHECK_EQ(done, 10, "continuation: ... done = all ten");
    /* Xen's own "finish" form of a continuation returns its last argument. */
    CHECK_EQ(do_mmu_update(0, 0x80000000UL, 0, 0x1234, 0), 0x1234,
             "continuation: mmu_update(NULL, MMU_UPDATE_PREEMPTED) returns foreigndom");
    CHECK_EQ(do_mmuext_op(0, 0x80000000UL, 0, 0xfffffff2UL, 0), -14,
             "continuation: mmuext_op(NULL, MMU_UPDATE_PREEMPTED) returns (int)foreigndom");
}

void test_hypercalls(void)
{
    test_continuation();
    test_mmu_update_args();
    test_mmuext();
    test_update_va_mapping();
    test_vm_assist();
    test_ro_mpt();
}
