/* conform-mm: the PV MMU. mmu_update (normal, preserve-A/D, machphys), mmuext_op
 * (pins, unpin, new baseptr, TLB ops, LDT), update_va_mapping, multicall, writable
 * page-table emulation, and every rejection: frames not owned, writable mappings of
 * page tables, bad entries in pinned tables, hypervisor L4 slots, bad pointers, huge
 * counts. Reference: Xen 4.17 arch/x86/mm.c, pv/mm.c, pv/ro-page-fault.c,
 * common/multicall.c. */
#include "lib.h"

#define UNMAPPED_VA  0x0000100000000000UL
#define HV_DIRECTMAP 0xffff830000000000UL
#define PTE_RW       (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_RO       (_PAGE_PRESENT | _PAGE_ACCESSED)
#define BAD_MFN      0x7ffffffUL /* far beyond RAM */

static uint64_t mfn_of(void *va) { return va_to_mfn(va); }
static uint64_t l1_slot(void *va) { return pte_maddr((uint64_t)va); }

/* A page whose successor is unmapped, for "huge count" tests that run off the end. */
static char *edge_page(void)
{
    char *p = alloc_page();
    char *next = alloc_page();
    HYPERVISOR_update_va_mapping((uint64_t)next, 0, UVMF_INVLPG);
    return p;
}

static void test_mmu_update(void)
{
    section("mmu_update");
    uint64_t *a = alloc_page(), *b = alloc_page();
    a[0] = 0xaaaa;
    b[0] = 0xbbbb;
    CHECK_EQ("NORMAL_PT_UPDATE remapping page A to B's frame = 0",
             mmu_update1(l1_slot(a), (mfn_of(b) << 12) | PTE_RW), 0);
    mmuext1(MMUEXT_INVLPG_LOCAL, (uint64_t)a, 0); /* mmu_update does not flush */
    CHECK_EQ("A now shows B's contents", *(volatile uint64_t *)a, 0xbbbb);
    CHECK_EQ("restore A = 0", mmu_update1(l1_slot(a), (va_to_mfn(a) << 12) | PTE_RW), 0);
    /* va_to_mfn uses the p2m, which still says A's own frame. */
    mmuext1(MMUEXT_INVLPG_LOCAL, (uint64_t)a, 0);
    CHECK_EQ("A shows its own contents again", *(volatile uint64_t *)a, 0xaaaa);
    CHECK_EQ("MMU_PT_UPDATE_PRESERVE_AD = 0",
             mmu_update1(l1_slot(a) | MMU_PT_UPDATE_PRESERVE_AD, (mfn_of(a) << 12) | PTE_RW), 0);
    uint64_t pfn = va_to_pfn(b), mfn = mfn_of(b);
    CHECK_EQ("MMU_MACHPHYS_UPDATE to another pfn = 0",
             mmu_update1((mfn << 12) | MMU_MACHPHYS_UPDATE, pfn + 1), 0);
    CHECK_EQ("M2P shows it", m2p_safe(mfn), pfn + 1);
    CHECK_EQ("MMU_MACHPHYS_UPDATE back = 0", mmu_update1((mfn << 12) | MMU_MACHPHYS_UPDATE, pfn), 0);
    CHECK_EQ("M2P restored", m2p_safe(mfn), pfn);
    CHECK_EQ("MMU_MACHPHYS_UPDATE of a frame not owned = -EINVAL",
             mmu_update1((BAD_MFN << 12) | MMU_MACHPHYS_UPDATE, 0), -XEN_EINVAL);

    section("mmu_update rejections");
    DOMU_ONLY(CHECK_EQ("map a frame beyond RAM (not owned) = -EPERM",
                       mmu_update1(l1_slot(a), (BAD_MFN << 12) | PTE_RW), -XEN_EPERM));
    uint64_t *l4 = cur_l4;
    DOMU_ONLY(CHECK_EQ("map a RAM frame the hypervisor owns (MFN 0x200) = -EBUSY",
                       mmu_update1(l1_slot(a), (0x200UL << 12) | PTE_RO), -XEN_EBUSY));
    CHECK_EQ("writable mapping of the (pinned) L4 = -EBUSY",
             mmu_update1(l1_slot(a), (mfn_of(l4) << 12) | PTE_RW), -XEN_EBUSY);
    CHECK_EQ("A unchanged after the rejections", *(volatile uint64_t *)a, 0xaaaa);
    CHECK_EQ("read-only mapping of the L4 = 0", mmu_update1(l1_slot(a), (mfn_of(l4) << 12) | PTE_RO), 0);
    mmuext1(MMUEXT_INVLPG_LOCAL, (uint64_t)a, 0);
    CHECK_EQ("it reads as the L4 (slot 511 present)", ((volatile uint64_t *)a)[511] & 1, 1);
    CHECK_EQ("restore A", mmu_update1(l1_slot(a), (mfn_of(a) << 12) | PTE_RW), 0);
    mmuext1(MMUEXT_INVLPG_LOCAL, (uint64_t)a, 0);
    uint64_t l4ma = mfn_of(l4) << 12;
    uint64_t l3e = l4[511];
    CHECK_EQ("L4 slot 256 (M2P) write = -EINVAL", mmu_update1(l4ma + 256 * 8, l3e), -XEN_EINVAL);
    CHECK_EQ("L4 slot 262 (hypervisor) write = -EINVAL", mmu_update1(l4ma + 262 * 8, l3e), -XEN_EINVAL);
    CHECK_EQ("L4 slot 271 write = -EINVAL", mmu_update1(l4ma + 271 * 8, 0), -XEN_EINVAL);
    CHECK_EQ("L4 slot 272 (guest) write of the same L3 = 0", mmu_update1(l4ma + 272 * 8, l3e), 0);
    CHECK_EQ("L4 slot 272 cleared again = 0", mmu_update1(l4ma + 272 * 8, 0), 0);
    CHECK_EQ("PT update into a frame not owned = -EINVAL", mmu_update1(BAD_MFN << 12, 0), -XEN_EINVAL);
    CHECK_EQ("mmu_update(NULL, 1) = -EFAULT", HYPERVISOR_mmu_update(NULL, 1, NULL, DOMID_SELF), -XEN_EFAULT);
    CHECK_EQ("mmu_update(unmapped, 1) = -EFAULT", HYPERVISOR_mmu_update(UNMAPPED_VA, 1, NULL, DOMID_SELF),
             -XEN_EFAULT);
    CHECK_EQ("mmu_update(hypervisor address, 1) = -EFAULT",
             HYPERVISOR_mmu_update(HV_DIRECTMAP, 1, NULL, DOMID_SELF), -XEN_EFAULT);
    CHECK_EQ("mmu_update count 0 = 0", HYPERVISOR_mmu_update(NULL, 0, NULL, DOMID_SELF), 0);
    {
        mmu_update_t one = { .ptr = (mfn << 12) | MMU_MACHPHYS_UPDATE, .val = pfn };
        unsigned int d1 = 0;
        CHECK_EQ("mmu_update count with the continuation bit (0x80000001) acts as 1 = 0",
                 HYPERVISOR_mmu_update(&one, 0x80000001UL, NULL, DOMID_SELF), 0);
        CHECK_EQ("mmu_update done pointer gets the count", HYPERVISOR_mmu_update(&one, 1, &d1, DOMID_SELF),
                 0);
        CHECK_EQ("... done = 1", d1, 1);
    }
    CHECK_EQ("mmu_update for a non-existent domain (1000) = -ESRCH",
             HYPERVISOR_mmu_update(NULL, 0, NULL, 1000), -XEN_ESRCH);

    /* Huge count: two valid requests at the end of a page followed by an unmapped page. */
    char *edge = edge_page();
    mmu_update_t *req = (mmu_update_t *)(edge + 4096 - 2 * sizeof(mmu_update_t));
    for (int i = 0; i < 2; i++) {
        req[i].ptr = (mfn << 12) | MMU_MACHPHYS_UPDATE;
        req[i].val = pfn;
    }
    unsigned int done = 0xdead;
    CHECK_EQ("mmu_update huge count running off the array = -EFAULT",
             HYPERVISOR_mmu_update(req, 0x7fffffff, &done, DOMID_SELF), -XEN_EFAULT);
    CHECK_EQ("... having done the 2 valid requests (done = 2)", done, 2);
    /* Xen writes `done` last and ignores a failure to do so. */
    CHECK_EQ("mmu_update count 1 with an unmapped done pointer = 0 (request done)",
             HYPERVISOR_mmu_update(req, 1, UNMAPPED_VA, DOMID_SELF), 0);
}

static void test_update_va_mapping(void)
{
    section("update_va_mapping");
    uint64_t *a = alloc_page();
    uint64_t me = (mfn_of(a) << 12);
    CHECK_EQ("UVMF_NONE = 0", HYPERVISOR_update_va_mapping((uint64_t)a, me | PTE_RW, UVMF_NONE), 0);
    CHECK_EQ("UVMF_INVLPG|UVMF_LOCAL = 0",
             HYPERVISOR_update_va_mapping((uint64_t)a, me | PTE_RW, UVMF_INVLPG), 0);
    CHECK_EQ("UVMF_TLB_FLUSH|UVMF_ALL = 0",
             HYPERVISOR_update_va_mapping((uint64_t)a, me | PTE_RW, UVMF_TLB_FLUSH | UVMF_ALL), 0);
    CHECK_EQ("UVMF_INVLPG|UVMF_ALL = 0",
             HYPERVISOR_update_va_mapping((uint64_t)a, me | PTE_RW, UVMF_INVLPG | UVMF_ALL), 0);
    unsigned long vmask = 1;
    CHECK_EQ(
        "UVMF_INVLPG|UVMF_MULTI with a vCPU mask = 0",
        HYPERVISOR_update_va_mapping((uint64_t)a, me | PTE_RW, UVMF_INVLPG | UVMF_MULTI | (uint64_t)&vmask),
        0);
    CHECK_EQ("UVMF_MULTI with an unmapped vCPU mask = -EFAULT",
             HYPERVISOR_update_va_mapping((uint64_t)a, me | PTE_RW, UVMF_INVLPG | UVMF_MULTI | UNMAPPED_VA),
             -XEN_EFAULT);
    CHECK_EQ("VA with no L1 table = -EINVAL",
             HYPERVISOR_update_va_mapping(UNMAPPED_VA, me | PTE_RW, UVMF_INVLPG), -XEN_EINVAL);
    CHECK_EQ("hypervisor VA = -EINVAL", HYPERVISOR_update_va_mapping(HV_DIRECTMAP, me | PTE_RW, UVMF_INVLPG),
             -XEN_EINVAL);
    CHECK_EQ("M2P VA = -EINVAL",
             HYPERVISOR_update_va_mapping(HYPERVISOR_VIRT_START, me | PTE_RW, UVMF_INVLPG), -XEN_EINVAL);
    DOMU_ONLY(CHECK_EQ("frame not owned = -EPERM",
                       HYPERVISOR_update_va_mapping((uint64_t)a, (BAD_MFN << 12) | PTE_RW, UVMF_INVLPG),
                       -XEN_EPERM));
    CHECK_EQ("writable mapping of a page-table frame (L4) = -EBUSY",
             HYPERVISOR_update_va_mapping((uint64_t)a, (mfn_of(cur_l4) << 12) | PTE_RW, UVMF_INVLPG),
             -XEN_EBUSY);
    CHECK_EQ("L1 entry with the PAT bit (7) = 0 (allowed in L1)",
             HYPERVISOR_update_va_mapping((uint64_t)a, me | PTE_RW | _PAGE_PSE, UVMF_INVLPG), 0);
    CHECK_EQ("non-present entry with junk bits = 0",
             HYPERVISOR_update_va_mapping((uint64_t)a, 0x7ffffffffff000UL, UVMF_INVLPG), 0);
    CHECK_EQ("map it back = 0", HYPERVISOR_update_va_mapping((uint64_t)a, me | PTE_RW, UVMF_INVLPG), 0);
    a[1] = 5;
    CHECK_EQ("page usable again", a[1], 5);
}

static void test_pins(void)
{
    section("mmuext_op pins and page-table rules");
    uint64_t *l1 = alloc_page();
    uint64_t *data = alloc_page();
    l1[0] = (mfn_of(data) << 12) | PTE_RW;
    CHECK_EQ("PIN_L1 of a page still mapped writable = -EINVAL", mmuext_pin(1, l1), -XEN_EINVAL);
    CHECK_EQ("make it read-only = 0", set_page_ro(l1), 0);
    CHECK_EQ("PIN_L1 = 0", mmuext_pin(1, l1), 0);
    CHECK_EQ("PIN_L1 again (already pinned) = -EINVAL", mmuext_pin(1, l1), -XEN_EINVAL);
    CHECK_EQ("writable mapping of the pinned L1 = -EBUSY", set_page_rw(l1), -XEN_EBUSY);
    CHECK_EQ("mmu_update on the pinned L1: valid entry = 0",
             mmu_update1((mfn_of(l1) << 12) + 8, (mfn_of(data) << 12) | PTE_RO), 0);
    CHECK_EQ("entry stored", l1[1] & ~0xfffUL & PTE_ADDR_MASK, mfn_of(data) << 12);
    DOMU_ONLY(CHECK_EQ("mmu_update on the pinned L1: frame not owned = -EPERM",
                       mmu_update1((mfn_of(l1) << 12) + 16, (BAD_MFN << 12) | PTE_RW), -XEN_EPERM));
    CHECK_EQ("mmu_update on the pinned L1: writable map of itself = -EBUSY",
             mmu_update1((mfn_of(l1) << 12) + 16, (mfn_of(l1) << 12) | PTE_RW), -XEN_EBUSY);
    DOMU_ONLY(CHECK_EQ("rejected entry not stored", l1[2], 0));
    if (l1[2]) mmu_update1((mfn_of(l1) << 12) + 16, 0);
    CHECK_EQ("PIN_L2 of a pinned L1 frame (type conflict) = -EINVAL", mmuext_pin(2, l1), -XEN_EINVAL);
    CHECK_EQ("UNPIN = 0", mmuext_unpin(l1), 0);
    CHECK_EQ("UNPIN again = -EINVAL", mmuext_unpin(l1), -XEN_EINVAL);
    CHECK_EQ("after unpin the page can be mapped writable = 0", set_page_rw(l1), 0);

    uint64_t *bad = alloc_page();
    bad[7] = (BAD_MFN << 12) | PTE_RW;
    set_page_ro(bad);
    long prc = mmuext_pin(1, bad);
    /* promote_l1_table passes get_page_from_l1e's -EPERM (I/O space) through. */
    DOMU_ONLY(CHECK_EQ("PIN_L1 of a table mapping a frame beyond RAM = -EPERM", prc, -XEN_EPERM));
    if (prc == 0) mmuext_unpin(bad);
    set_page_rw(bad);
    bad[7] = (mfn_of(cur_l4) << 12) | PTE_RW;
    set_page_ro(bad);
    CHECK_EQ("PIN_L1 of a table with a writable mapping of the L4 = -EBUSY", mmuext_pin(1, bad), -XEN_EBUSY);
    set_page_rw(bad);
    bad[7] = (mfn_of(data) << 12) | PTE_RW | _PAGE_PSE;
    set_page_ro(bad);
    CHECK_EQ("PIN_L1 of a table with the PAT bit in an entry = 0", mmuext_pin(1, bad), 0);
    mmuext_unpin(bad);
    set_page_rw(bad);
    bad[7] = 0;
    uint64_t *l2 = alloc_page();
    l2[3] = (mfn_of(data) << 12) | PTE_RW | _PAGE_PSE;
    set_page_ro(l2);
    CHECK_EQ("PIN_L2 of a table with a superpage (PSE) entry = -EINVAL", mmuext_pin(2, l2), -XEN_EINVAL);
    set_page_rw(l2);
    l2[3] = (mfn_of(l2) << 12) | _PAGE_PRESENT;
    set_page_ro(l2);
    /* Read-only linear (self) mappings are allowed by default (Xen's pv-linear-pt). */
    CHECK_EQ("PIN_L2 with a read-only entry pointing at itself = 0", mmuext_pin(2, l2), 0);
    mmuext_unpin(l2);
    set_page_rw(l2);
    l2[3] = 0;
    CHECK_EQ("PIN of a frame not owned = -EINVAL", mmuext1(MMUEXT_PIN_L1_TABLE, BAD_MFN, 0), -XEN_EINVAL);
    CHECK_EQ("UNPIN of a frame not owned = -EINVAL", mmuext1(MMUEXT_UNPIN_TABLE, BAD_MFN, 0), -XEN_EINVAL);
    CHECK_EQ("mmuext cmd 100 = -ENOSYS", mmuext1(100, 0, 0), -XEN_ENOSYS);

    section("mmuext_op TLB, LDT, baseptr");
    CHECK_EQ("TLB_FLUSH_LOCAL = 0", mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);
    CHECK_EQ("INVLPG_LOCAL = 0", mmuext1(MMUEXT_INVLPG_LOCAL, (uint64_t)data, 0), 0);
    CHECK_EQ("TLB_FLUSH_ALL = 0", mmuext1(MMUEXT_TLB_FLUSH_ALL, 0, 0), 0);
    CHECK_EQ("INVLPG_ALL = 0", mmuext1(MMUEXT_INVLPG_ALL, (uint64_t)data, 0), 0);
    unsigned long mask = 1;
    CHECK_EQ("TLB_FLUSH_MULTI = 0", mmuext1(MMUEXT_TLB_FLUSH_MULTI, 0, (uint64_t)&mask), 0);
    /* Xen maps any failure to read the vCPU mask to -EINVAL. */
    CHECK_EQ("TLB_FLUSH_MULTI with an unmapped mask = -EINVAL",
             mmuext1(MMUEXT_TLB_FLUSH_MULTI, 0, UNMAPPED_VA), -XEN_EINVAL);
    CHECK_EQ("SET_LDT(0, 0) = 0", mmuext1(MMUEXT_SET_LDT, 0, 0), 0);
    CHECK_EQ("SET_LDT misaligned base = -EINVAL", mmuext1(MMUEXT_SET_LDT, (uint64_t)data + 4, 1),
             -XEN_EINVAL);
    CHECK_EQ("SET_LDT with 8193 entries = -EINVAL", mmuext1(MMUEXT_SET_LDT, (uint64_t)data, 8193),
             -XEN_EINVAL);
    CHECK_EQ("NEW_USER_BASEPTR 0 = 0", mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0), 0);
    CHECK_EQ("NEW_BASEPTR of an ordinary writable page = -EINVAL",
             mmuext1(MMUEXT_NEW_BASEPTR, mfn_of(data), 0), -XEN_EINVAL);

    /* A second kernel L4: copy the guest slots of the current one, pin it, switch. */
    uint64_t *nl4 = alloc_page();
    for (int i = 0; i < 512; i++)
        if (i < 256 || i > 271) nl4[i] = cur_l4[i];
    /* Junk in a hypervisor slot is ignored by validation and replaced. */
    uint64_t junk = (mfn_of(data) << 12) | 0x67;
    nl4[260] = junk;
    CHECK_EQ("new L4 read-only = 0", set_page_ro(nl4), 0);
    CHECK_EQ("PIN_L4 of the copy (junk in hypervisor slot 260) = 0", mmuext_pin(4, nl4), 0);
    CHECK("the junk in slot 260 was replaced", nl4[260] != junk);
    uint64_t *old = cur_l4;
    CHECK_EQ("NEW_BASEPTR to it = 0", mmuext1(MMUEXT_NEW_BASEPTR, mfn_of(nl4), 0), 0);
    uint64_t cr3;
    asm volatile("mov %%cr3, %0" : "=r"(cr3));
    CHECK_EQ("CR3 reads the new L4", cr3, mfn_of(nl4) << 12);
    cur_l4 = nl4;
    CHECK_EQ("still running, data reachable", data[0], 0);
    CHECK_EQ("NEW_BASEPTR back = 0", mmuext1(MMUEXT_NEW_BASEPTR, mfn_of(old), 0), 0);
    cur_l4 = old;
    CHECK_EQ("UNPIN the copy = 0", mmuext_unpin(nl4), 0);
    CHECK_EQ("the copy is an ordinary page again (writable mapping = 0)", set_page_rw(nl4), 0);

    /* Huge count running off the end of a page. */
    char *edge = edge_page();
    struct mmuext_op *ops = (struct mmuext_op *)(edge + 4096 - 2 * sizeof(struct mmuext_op));
    memset(ops, 0, 2 * sizeof(*ops));
    ops[0].cmd = ops[1].cmd = MMUEXT_TLB_FLUSH_LOCAL;
    unsigned int done = 0xdead;
    CHECK_EQ("mmuext_op huge count running off the array = -EFAULT",
             HYPERVISOR_mmuext_op(ops, 0x7fffffff, &done, DOMID_SELF), -XEN_EFAULT);
    CHECK_EQ("... done = 2", done, 2);
    CHECK_EQ("mmuext_op(NULL, 1) = -EFAULT", HYPERVISOR_mmuext_op(NULL, 1, NULL, DOMID_SELF), -XEN_EFAULT);
    CHECK_EQ("mmuext_op(hypervisor address, 1) = -EFAULT",
             HYPERVISOR_mmuext_op(HV_DIRECTMAP, 1, NULL, DOMID_SELF), -XEN_EFAULT);
    CHECK_EQ("mmuext_op count 1 with an unmapped done pointer = 0 (op done)",
             HYPERVISOR_mmuext_op(ops, 1, UNMAPPED_VA, DOMID_SELF), 0);
    CHECK_EQ("mmuext_op for a non-existent domain (1000) = -ESRCH", HYPERVISOR_mmuext_op(ops, 1, NULL, 1000),
             -XEN_ESRCH);
}

/* Type lifetime: references held by higher tables, pins and CR3; devalidation on the
 * last release (Linux pins its own L4, unpins the builder's while it is still in CR3,
 * switches, then makes the builder's tables writable again). */
static void test_type_lifetime(void)
{
    section("page-type references and devalidation");
    uint64_t *data = alloc_page();
    uint64_t *l1 = alloc_page(), *l2 = alloc_page(), *l3 = alloc_page();
    l1[0] = (mfn_of(data) << 12) | PTE_RW;
    l2[0] = (mfn_of(l1) << 12) | 0x67;
    l3[0] = (mfn_of(l2) << 12) | 0x67;
    set_page_ro(l1);
    set_page_ro(l3);
    CHECK_EQ("PIN_L3 whose L2 is still mapped writable = -EINVAL", mmuext_pin(3, l3), -XEN_EINVAL);
    set_page_ro(l2);
    CHECK_EQ("PIN_L3 of a read-only L3 -> L2 -> L1 chain = 0", mmuext_pin(3, l3), 0);
    CHECK_EQ("the L1 below is now typed: writable mapping = -EBUSY", set_page_rw(l1), -XEN_EBUSY);
    CHECK_EQ("the L2 below too = -EBUSY", set_page_rw(l2), -XEN_EBUSY);
    CHECK_EQ("PIN_L1 of the L1 in the chain = 0 (already an L1)", mmuext_pin(1, l1), 0);
    CHECK_EQ("UNPIN the L1 = 0", mmuext_unpin(l1), 0);
    CHECK_EQ("PIN_L2 of that L1 frame (type conflict) = -EINVAL", mmuext_pin(2, l1), -XEN_EINVAL);
    CHECK_EQ("UNPIN the L3 = 0", mmuext_unpin(l3), 0);
    CHECK_EQ("after the last reference the L1 is ordinary again (RW = 0)", set_page_rw(l1), 0);
    CHECK_EQ("... and the L2", set_page_rw(l2), 0);
    CHECK_EQ("... and the L3", set_page_rw(l3), 0);
    l2[1] = (mfn_of(data) << 12) | 0x67 | _PAGE_PSE;
    set_page_ro(l1);
    set_page_ro(l2);
    CHECK_EQ("PIN_L2 with a 2 MiB superpage entry = -EINVAL", mmuext_pin(2, l2), -XEN_EINVAL);
    set_page_rw(l2);
    l2[1] = 0;
    l3[1] = (mfn_of(data) << 12) | 0x67 | _PAGE_PSE;
    set_page_ro(l2);
    set_page_ro(l3);
    CHECK_EQ("PIN_L3 with a 1 GiB superpage entry = -EINVAL", mmuext_pin(3, l3), -XEN_EINVAL);
    set_page_rw(l3);
    set_page_rw(l2);
    set_page_rw(l1);

    /* Linux's boot sequence on the real tables. */
    uint64_t *old = cur_l4;
    uint64_t *nl4 = alloc_page();
    for (int i = 0; i < 512; i++)
        if (i < 256 || i > 271) nl4[i] = old[i];
    set_page_ro(nl4);
    CHECK_EQ("PIN_L4 of a copy of the kernel L4 = 0", mmuext_pin(4, nl4), 0);
    CHECK_EQ("UNPIN the builder's L4 while it is in CR3 = 0", mmuext_unpin(old), 0);
    CHECK_EQ("it is still in use by CR3: writable mapping = -EBUSY", set_page_rw(old), -XEN_EBUSY);
    CHECK_EQ("NEW_BASEPTR to the copy = 0", mmuext1(MMUEXT_NEW_BASEPTR, mfn_of(nl4), 0), 0);
    cur_l4 = nl4;
    CHECK_EQ("the old L4, now unreferenced, can be mapped writable = 0", set_page_rw(old), 0);
    uint64_t *l3k = pfn_to_va(m2p_safe((old[511] & PTE_ADDR_MASK) >> 12));
    CHECK_EQ("the shared L3 is still referenced by the new L4: RW = -EBUSY", set_page_rw(l3k), -XEN_EBUSY);
    CHECK_EQ("old L4 read-only again = 0", set_page_ro(old), 0);
    CHECK_EQ("re-pin the old L4 (revalidated) = 0", mmuext_pin(4, old), 0);
    CHECK_EQ("NEW_BASEPTR back to it = 0", mmuext1(MMUEXT_NEW_BASEPTR, mfn_of(old), 0), 0);
    cur_l4 = old;
    CHECK_EQ("UNPIN the copy = 0", mmuext_unpin(nl4), 0);
    CHECK_EQ("the copy is ordinary again = 0", set_page_rw(nl4), 0);
    data[1] = 7;
    CHECK_EQ("still running on the original tables", data[1], 7);
}

static void test_ptwr(void)
{
    section("writable page-table emulation");
    CHECK_EQ("enable VMASST_TYPE_writable_pagetables = 0",
             HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0);
    uint64_t *l1 = alloc_page();
    uint64_t *data = alloc_page();
    set_page_ro(l1);
    CHECK_EQ("PIN_L1 = 0", mmuext_pin(1, l1), 0);
    uint64_t good = (mfn_of(data) << 12) | PTE_RW;
    unsigned n = TRY_ASM("movq %1, (%0)", : : "r"(&l1[3]), "r"(good) : "memory");
    CHECK_EQ("mov of a valid PTE into the pinned L1: emulated, no trap", n, 0);
    CHECK_EQ("entry stored (frame)", l1[3] & PTE_ADDR_MASK, mfn_of(data) << 12);
    uint64_t oldv = 0;
    n = TRY_ASM("xchg %1, (%0)", : : "r"(&l1[3]), "r"(oldv) : "memory");
    CHECK_EQ("xchg clearing it: emulated", n, 0);
    CHECK_EQ("entry cleared", l1[3], 0);
    /* The read-modify-write forms Linux uses on live PTEs. */
    l1[6] = 0;
    n = TRY_ASM("movq %1, (%0)", : : "r"(&l1[6]), "r"(good) : "memory");
    uint64_t base = l1[6];
    n += TRY_ASM("lock andb $0xfd, (%0)", : : "r"(&l1[6]) : "memory");
    CHECK_EQ("lock and (clear RW, 1 byte): emulated", n, 0);
    CHECK_EQ("... entry = previous & ~RW", l1[6], base & ~_PAGE_RW);
    n = TRY_ASM("lock btsq $1, (%0)", : : "r"(&l1[6]) : "memory");
    CHECK_EQ("lock bts (set RW): emulated", n, 0);
    CHECK_EQ("... entry = previous again", l1[6], base);
    n = TRY_ASM("lock btrq $5, (%0)", : : "r"(&l1[6]) : "memory");
    CHECK_EQ("lock btr (clear Accessed): emulated", n, 0);
    CHECK_EQ("... entry without A", l1[6], base & ~_PAGE_ACCESSED);
    uint64_t cur6 = l1[6], wrong = cur6 ^ 0x1000, newv = base;
    uint8_t zf;
    n = TRY_ASM("lock cmpxchgq %3, (%2)\n\tsetz %1",
                : "+a"(wrong), "=q"(zf)
                : "r"(&l1[6]), "r"(newv)
                : "memory", "cc");
    CHECK("lock cmpxchg with a stale compare value: no store, ZF=0, rax = current",
          n == 0 && zf == 0 && l1[6] == cur6 && wrong == cur6);
    uint64_t expect6 = cur6;
    n = TRY_ASM("lock cmpxchgq %3, (%2)\n\tsetz %1",
                : "+a"(expect6), "=q"(zf)
                : "r"(&l1[6]), "r"(newv)
                : "memory", "cc");
    CHECK("lock cmpxchg with the right value: stored, ZF=1", n == 0 && zf == 1 && l1[6] == base);
    uint64_t bad = (BAD_MFN << 12) | PTE_RW;
    if (!xen_dom0_oracle) { /* dom0 may map I/O space */
        n = TRY_ASM("movq %1, (%0)", : : "r"(&l1[4]), "r"(bad) : "memory");
        CHECK("mov of a PTE mapping a frame beyond RAM: #PF delivered", n == 1 && last_trap.vector == 14);
        CHECK_EQ("... with error code 3 (P|W, kernel)", last_trap.ec, 3);
        CHECK_EQ("... cr2 = the PTE address", last_trap.cr2, (uint64_t)&l1[4]);
        CHECK_EQ("... entry not stored", l1[4], 0);
    }
    uint64_t selfw = (mfn_of(l1) << 12) | PTE_RW;
    n = TRY_ASM("movq %1, (%0)", : : "r"(&l1[5]), "r"(selfw) : "memory");
    CHECK("mov of a writable self-mapping: #PF", n == 1 && last_trap.vector == 14 && l1[5] == 0);
    n = TRY_ASM("movq %1, (%0)", : : "r"(cur_l4 + 300), "r"(0UL) : "memory");
    CHECK("direct write into the pinned L4: #PF (no emulation for L4)",
          n == 1 && last_trap.vector == 14 && last_trap.ec == 3);
    mmuext_unpin(l1);
    set_page_rw(l1);
}

static void test_multicall(void)
{
    section("multicall");
    multicall_entry_t mc[4];
    memset(mc, 0, sizeof(mc));
    mc[0].op = __HYPERVISOR_xen_version;
    mc[0].args[0] = XENVER_version;
    mc[1].op = __HYPERVISOR_mmu_update;
    mc[1].args[0] = 0;
    mc[1].args[1] = 1;
    mc[1].args[3] = DOMID_SELF;
    mc[2].op = 63;
    mc[3].op = __HYPERVISOR_multicall;
    mc[3].args[0] = (uint64_t)mc;
    mc[3].args[1] = 1;
    for (int i = 0; i < 4; i++)
        mc[i].result = 0x1234;
    CHECK_EQ("multicall of 4 = 0", HYPERVISOR_multicall(mc, 4), 0);
    CHECK_EQ("entry 0 (xen_version) result 0x40011", mc[0].result, 0x40011);
    CHECK_EQ("entry 1 (mmu_update NULL) result -EFAULT", (long)mc[1].result, -XEN_EFAULT);
    CHECK_EQ("entry 2 (hypercall 63) result -ENOSYS", (long)mc[2].result, -XEN_ENOSYS);
    CHECK_EQ("entry 3 (nested multicall) result -EINVAL", (long)mc[3].result, -XEN_EINVAL);
    CHECK_EQ("multicall count 0 = 0", HYPERVISOR_multicall(mc, 0), 0);
    CHECK_EQ("multicall(NULL, 1) = -EFAULT", HYPERVISOR_multicall(NULL, 1), -XEN_EFAULT);
    CHECK_EQ("multicall(hypervisor address, 1) = -EFAULT", HYPERVISOR_multicall(HV_DIRECTMAP, 1),
             -XEN_EFAULT);
    char *edge = edge_page();
    multicall_entry_t *e = (multicall_entry_t *)(edge + 4096 - 2 * sizeof(multicall_entry_t));
    memset(e, 0, 2 * sizeof(*e));
    e[0].op = e[1].op = __HYPERVISOR_xen_version;
    CHECK_EQ("multicall huge count running off the array = -EFAULT", HYPERVISOR_multicall(e, 0xffffffff),
             -XEN_EFAULT);
    CHECK("... after running the 2 valid entries", e[0].result == 0x40011 && e[1].result == 0x40011);
    /* A read-only call list: the first entry runs, writing its result back fails. */
    multicall_entry_t *rol = alloc_page();
    rol[0].op = __HYPERVISOR_xen_version;
    rol[1].op = __HYPERVISOR_xen_version;
    set_page_ro(rol);
    CHECK_EQ("multicall on a read-only list = -EFAULT", HYPERVISOR_multicall(rol, 2), -XEN_EFAULT);
    mc[0].op = __HYPERVISOR_update_va_mapping;
    mc[0].args[0] = UNMAPPED_VA;
    mc[0].args[1] = 0;
    mc[0].args[2] = 0;
    CHECK_EQ("multicall whose entry fails still returns 0", HYPERVISOR_multicall(mc, 1), 0);
    CHECK_EQ("... with the entry's -EINVAL in result", (long)mc[0].result, -XEN_EINVAL);
}

void test_main(void)
{
    test_mmu_update();
    test_update_va_mapping();
    test_pins();
    test_multicall();
    test_ptwr();
    test_type_lifetime();
}
