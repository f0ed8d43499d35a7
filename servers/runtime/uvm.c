/* The program's address space: one L3 (the first 512 GiB) shared by the user L4
 * (MMUEXT_NEW_USER_BASEPTR) and slot 0 of the kernel L4, so the kernel reaches
 * user memory at the same addresses.  L2/L1 tables are made on demand; page-table
 * frames are mapped read-only in the direct map before the hypervisor sees them.
 * A non-zero PTE without P keeps a PROT_NONE page's frame. */
#include "rt.h"

static uint64_t l3_pfn, mmap_next = USER_MMAP_BASE;

static uint64_t maddr_of(const void *p)
{
    return (p2m[va_pfn(p)] << PAGE_SHIFT) | ((uint64_t)p & (PAGE_SIZE - 1));
}

static uint64_t new_table(void)
{
    uint64_t pfn = page_alloc();
    if (page_set_ro(pfn, true)) panic("cannot make a page-table frame read-only");
    return pfn;
}

uint64_t *uvm_l3(void) { return pfn_va(l3_pfn); }

void uvm_init(void)
{
    l3_pfn = new_table();
    uint64_t l4_pfn = page_alloc();
    uint64_t l3e = (p2m[l3_pfn] << PAGE_SHIFT) | PTE_TABLE;
    ((uint64_t *)pfn_va(l4_pfn))[0] = l3e;
    if (page_set_ro(l4_pfn, true) || mmuext(MMUEXT_PIN_L4_TABLE, p2m[l4_pfn]))
        panic("cannot pin the user L4");
    if (mmuext(MMUEXT_NEW_USER_BASEPTR, p2m[l4_pfn])) panic("MMUEXT_NEW_USER_BASEPTR failed");
    pt_queue(maddr_of((void *)start_info->pt_base), l3e);
    if (pt_flush()) panic("cannot share the user L3 with the kernel L4");
}

static uint64_t *next_level(uint64_t *table, unsigned idx, bool create)
{
    uint64_t e = table[idx], pfn;
    if (!(e & _PAGE_PRESENT)) {
        if (!create) return NULL;
        pfn = new_table();
        pt_queue(maddr_of(&table[idx]), (p2m[pfn] << PAGE_SHIFT) | PTE_TABLE);
        if (pt_flush()) panic("cannot hook a user page table");
        return pfn_va(pfn);
    }
    if (!mfn_is_ours((e & PTE_ADDR_MASK) >> PAGE_SHIFT, &pfn))
        panic("user page table not ours: %lx", (unsigned long)e);
    return pfn_va(pfn);
}

/* The L1 slot for va (read-only view) and its machine address, or NULL. */
uint64_t *uvm_pte(uint64_t va, bool create, uint64_t *maddr)
{
    if (va >= USER_TOP) return NULL;
    uint64_t *t = pfn_va(l3_pfn);
    for (int level = 3; level > 1; level--) {
        t = next_level(t, (va >> (12 + 9 * (level - 1))) & 511, create);
        if (!t) return NULL;
    }
    uint64_t *pte = &t[(va >> 12) & 511];
    if (maddr) *maddr = maddr_of(pte);
    return pte;
}

uint64_t uvm_pte_flags(int prot)
{
    if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC))) return 0;
    return _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | (prot & PROT_WRITE ? _PAGE_RW | _PAGE_DIRTY : 0) |
           (prot & PROT_EXEC ? 0 : _PAGE_NX);
}

bool uvm_mfn(uint64_t va, uint64_t *mfn)
{
    uint64_t *pte = uvm_pte(va, false, NULL);
    if (!pte || !(*pte & _PAGE_PRESENT)) return false;
    *mfn = (*pte & PTE_ADDR_MASK) >> PAGE_SHIFT;
    return true;
}

uint64_t uvm_alloc_va(uint64_t len)
{
    uint64_t va = mmap_next;
    len = PAGE_ALIGN_UP(len);
    if (len > USER_STACK_TOP - USER_STACK_SIZE - PAGE_SIZE - va) return 0;
    mmap_next += len + PAGE_SIZE; /* one unmapped guard page between mappings */
    return va;
}
