/* Mapping, unmapping and protecting user pages: anonymous memory (the program's
 * own frames), foreign frames (privcmd) and grant mappings (gntdev).  Frames are
 * freed only after their PTEs are gone and the TLB is flushed. */
#include "rt.h"

static uint64_t to_free[128];
static unsigned nfree;

static void flush_and_free(void)
{
    if (pt_flush()) panic("user page-table update failed");
    tlb_flush();
    for (unsigned i = 0; i < nfree; i++) {
        page_free(to_free[i]);
    }
    nfree = 0;
}

long uvm_map_anon(uint64_t va, uint64_t len, int prot)
{
    uint64_t flags = uvm_pte_flags(prot);
    for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
        uint64_t maddr, pfn;
        uint64_t *pte = uvm_pte(va + off, true, &maddr);
        if (!pte || *pte) panic("mapping over a mapped page %lx", (unsigned long)(va + off));
        if (page_alloc_try(&pfn)) {
            pt_flush();
            uvm_unmap(va, off);
            return -ENOMEM;
        }
        pt_queue(maddr, (p2m[pfn] << PAGE_SHIFT) | flags);
    }
    return pt_flush() ? -ENOMEM : 0;
}

long uvm_map_frame(uint64_t va, uint64_t mfn, int prot, domid_t foreign)
{
    uint64_t maddr;
    uint64_t *pte = uvm_pte(va, true, &maddr);
    if (!pte) return -EINVAL;
    mmu_update_t u = { .ptr = maddr | MMU_NORMAL_PT_UPDATE,
                       .val = (mfn << PAGE_SHIFT) | uvm_pte_flags(prot) };
    return HYPERVISOR_mmu_update(&u, 1, NULL, foreign);
}

/* Remove one mapped page (pte non-zero). */
static void unmap_one(uint64_t va, uint64_t pte, uint64_t maddr)
{
    uint64_t mfn = (pte & PTE_ADDR_MASK) >> PAGE_SHIFT, pfn;
    if (gntdev_owns(va, mfn)) {
        gntdev_unmap_va(va);
        return;
    }
    pt_queue(maddr, 0);
    if (gntalloc_owns(va)) {
        gntalloc_unmapped(va); /* the page stays granted */
        return;
    }
    if (mfn_is_ours(mfn, &pfn) && !page_is_boot(pfn)) {
        to_free[nfree++] = pfn;
        if (nfree == ARRAY_SIZE(to_free)) flush_and_free();
    }
}

long uvm_unmap(uint64_t va, uint64_t len)
{
    for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
        uint64_t maddr;
        uint64_t *pte = uvm_pte(va + off, false, &maddr);
        if (pte && *pte) unmap_one(va + off, *pte, maddr);
    }
    flush_and_free();
    return 0;
}

long uvm_protect(uint64_t va, uint64_t len, int prot)
{
    for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
        uint64_t maddr;
        uint64_t *pte = uvm_pte(va + off, false, &maddr);
        if (!pte || !*pte) return -ENOMEM;
        uint64_t mfn = (*pte & PTE_ADDR_MASK) >> PAGE_SHIFT, pfn;
        if (!mfn_is_ours(mfn, &pfn)) continue;
        if (page_is_boot(pfn) && (prot & PROT_WRITE)) {
            flush_and_free();
            return -EACCES; /* a read-only boot file mapping */
        }
        pt_queue(maddr, (mfn << PAGE_SHIFT) | uvm_pte_flags(prot));
    }
    flush_and_free();
    return 0;
}

/* The table an upper-level entry points to (NULL if none). */
static uint64_t *table(uint64_t e)
{
    uint64_t pfn;
    if (!(e & _PAGE_PRESENT) || !mfn_is_ours((e & PTE_ADDR_MASK) >> PAGE_SHIFT, &pfn)) return NULL;
    return pfn_va(pfn);
}

/* Before a new instance: unmap everything except the grant mappings and granted
 * pages kept for it.  Walks the present tables only. */
void uvm_reset(void)
{
    uint64_t *l3 = uvm_l3();
    for (unsigned i3 = 0; i3 < 512; i3++) {
        uint64_t *l2 = table(l3[i3]);
        for (unsigned i2 = 0; l2 && i2 < 512; i2++) {
            uint64_t *l1 = table(l2[i2]);
            for (unsigned i1 = 0; l1 && i1 < 512; i1++) {
                uint64_t va = ((uint64_t)i3 << 30) | ((uint64_t)i2 << 21) | ((uint64_t)i1 << 12);
                if (l1[i1] && !gntdev_kept_va(va) && !gntalloc_owns(va))
                    unmap_one(va, l1[i1], (p2m[va_pfn(l1)] << PAGE_SHIFT) + i1 * 8);
            }
        }
    }
    flush_and_free();
}
