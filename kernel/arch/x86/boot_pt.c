/* A PV domain's bootstrap page tables, as Xen's toolstack builds them: the L4,
 * then the L3s, L2s and L1s in consecutive frames, mapping [v_start, v_end) with
 * 4 KiB pages (dom_build.c lays the domain out and decides each page's rights). */
#include "mm.h"
#include "pt.h"

static unsigned span_count(uint64_t s, uint64_t e, unsigned shift)
{
    return (unsigned)(((e - 1) >> shift) - (s >> shift) + 1);
}

unsigned arch_boot_pt_frames(uint64_t v_start, uint64_t v_end)
{
    return 1 + span_count(v_start, v_end, 39) + span_count(v_start, v_end, 30) +
           span_count(v_start, v_end, 21);
}

void arch_boot_pt_build(uint64_t v_start, uint64_t v_end, uint64_t pt_pfn, const mfn_t *p2m,
                        unsigned (*rights)(uint64_t pfn, void *ctx), void *ctx)
{
    const uint64_t upper = PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D;
    uint64_t l4 = pt_pfn, l3 = l4 + 1, l2 = l3 + span_count(v_start, v_end, 39);
    uint64_t l1 = l2 + span_count(v_start, v_end, 30);
    uint64_t base3 = ALIGN_DOWN(v_start, 1UL << 39), base2 = ALIGN_DOWN(v_start, 1UL << 30);
    uint64_t base1 = ALIGN_DOWN(v_start, 1UL << 21);
    for (uint64_t va = v_start; va < v_end; va += PAGE_SIZE) {
        uint64_t pfn = (va - v_start) >> PAGE_SHIFT;
        uint64_t i3 = l3 + ((va - base3) >> 39), i2 = l2 + ((va - base2) >> 30);
        uint64_t i1 = l1 + ((va - base1) >> 21);
        unsigned r = rights(pfn, ctx);
        ((uint64_t *)mfn_to_virt(p2m[l4]))[pt_index(va, 4)] = (p2m[i3] << PAGE_SHIFT) | upper;
        ((uint64_t *)mfn_to_virt(p2m[i3]))[pt_index(va, 3)] = (p2m[i2] << PAGE_SHIFT) | upper;
        ((uint64_t *)mfn_to_virt(p2m[i2]))[pt_index(va, 2)] = (p2m[i1] << PAGE_SHIFT) | upper;
        ((uint64_t *)mfn_to_virt(p2m[i1]))[pt_index(va, 1)] = (p2m[pfn] << PAGE_SHIFT) | PTE_P | PTE_A |
                                                              (r & BOOT_PT_RO ? 0 : PTE_RW) |
                                                              (r & BOOT_PT_NX ? PTE_NX : 0);
    }
}
