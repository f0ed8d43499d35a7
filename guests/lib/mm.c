/* Page-table walking and small MMU helpers over the guest's own kernel mapping. */
#include "lib.h"

#ifndef ARENA_PAGES
#define ARENA_PAGES 64
#endif
static char arena[ARENA_PAGES][4096] ALIGNED_PAGE;
static unsigned arena_next;

void *alloc_page(void)
{
    if (arena_next >= ARENA_PAGES) {
        printf("FAIL - page arena exhausted\n");
        checks_failed++;
        guest_exit();
    }
    void *p = arena[arena_next++];
    memset(p, 0, 4096);
    return p;
}

bool m2p_read(uint64_t mfn, uint64_t *pfn)
{
    uint64_t v = ~0UL;
    const uint64_t *p = (const uint64_t *)HYPERVISOR_VIRT_START + mfn;
    unsigned saved = last_trap.count;
    unsigned n = TRY_ASM("mov (%1), %0", : "+r"(v) : "r"(p));
    last_trap.count = saved;
    *pfn = n ? ~0UL : v;
    return n == 0;
}

static uint64_t *table_va(uint64_t entry)
{
    uint64_t mfn = (entry & PTE_ADDR_MASK) >> PAGE_SHIFT;
    uint64_t pfn;
    if (!m2p_read(mfn, &pfn) || pfn >= start_info->nr_pages) return NULL;
    return pfn_to_va(pfn);
}

uint64_t *pte_ptr(uint64_t va)
{
    uint64_t *t = cur_l4;
    for (int level = 4; level > 1; level--) {
        unsigned idx = (va >> (12 + 9 * (level - 1))) & 511;
        uint64_t e = t[idx];
        if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE)) return NULL;
        t = table_va(e);
        if (!t) return NULL;
    }
    return &t[(va >> 12) & 511];
}

uint64_t pte_maddr(uint64_t va)
{
    uint64_t *p = pte_ptr(va);
    if (!p) return 0;
    uint64_t pfn = va_to_pfn(p);
    return (pfn_to_mfn(pfn) << PAGE_SHIFT) | ((uint64_t)p & 4095);
}

static long set_prot(void *va, uint64_t flags)
{
    uint64_t pte = (va_to_mfn(va) << PAGE_SHIFT) | flags;
    return HYPERVISOR_update_va_mapping((uint64_t)va, pte, UVMF_INVLPG);
}

long set_page_ro(void *va) { return set_prot(va, _PAGE_PRESENT | _PAGE_ACCESSED); }
long set_page_rw(void *va) { return set_prot(va, _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY); }

long mmu_update1(uint64_t ptr, uint64_t val)
{
    mmu_update_t u = { .ptr = ptr, .val = val };
    return HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
}

long mmuext1(unsigned cmd, uint64_t arg1, uint64_t arg2)
{
    struct mmuext_op op = { .cmd = cmd };
    op.arg1.mfn = arg1;
    op.arg2.src_mfn = arg2; /* all 64 bits: nr_ents, or a vcpumask pointer */
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

long mmuext_pin(unsigned level, void *va)
{
    static const unsigned cmds[] = { 0, MMUEXT_PIN_L1_TABLE, MMUEXT_PIN_L2_TABLE, MMUEXT_PIN_L3_TABLE,
                                     MMUEXT_PIN_L4_TABLE };
    return mmuext1(cmds[level], va_to_mfn(va), 0);
}

long mmuext_unpin(void *va) { return mmuext1(MMUEXT_UNPIN_TABLE, va_to_mfn(va), 0); }

void user_space_init(uint64_t *data)
{
    uint64_t *l4 = alloc_page(), *l3 = alloc_page(), *l2 = alloc_page(), *l1 = alloc_page();
    uint64_t npages = ((uint64_t)_user_end - (uint64_t)_user_start) >> 12;
    for (uint64_t i = 0; i < npages; i++)
        l1[i] = (va_to_mfn(_user_start + i * 4096) << 12) | _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
    l1[16] = (va_to_mfn(data) << 12) | 0x67;
    l2[2] = (va_to_mfn(l1) << 12) | 0x67;
    l3[0] = (va_to_mfn(l2) << 12) | 0x67;
    l4[0] = (va_to_mfn(l3) << 12) | 0x67;
    long rc = set_page_ro(l1) | set_page_ro(l2) | set_page_ro(l3) | set_page_ro(l4);
    CHECK_EQ("user page tables remapped read-only", rc, 0);
    CHECK_EQ("pin the user L4 = 0", mmuext_pin(4, l4), 0);
    CHECK_EQ("MMUEXT_NEW_USER_BASEPTR = 0", mmuext1(MMUEXT_NEW_USER_BASEPTR, va_to_mfn(l4), 0), 0);
}

void vcpu_ctx_init(struct vcpu_guest_context *c, const void *entry, void *stack_top, uint64_t l4_mfn)
{
    memset(c, 0, sizeof(*c));
    c->flags = VGCF_in_kernel;
    c->user_regs.rip = (uint64_t)entry;
    c->user_regs.rsp = (uint64_t)stack_top;
    c->user_regs.cs = FLAT_KERNEL_CS;
    c->user_regs.ss = FLAT_KERNEL_SS;
    c->user_regs.rflags = 0x2;
    c->kernel_ss = FLAT_KERNEL_SS;
    c->kernel_sp = c->user_regs.rsp;
    c->ctrlreg[3] = xen_pfn_to_cr3(l4_mfn);
}
