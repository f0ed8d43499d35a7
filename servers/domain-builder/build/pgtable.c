/* Writes the bootstrap page tables (see pgtable.h).  Each region has its
 * L3s, then its L2s, then its L1s in consecutive frames; table k of a level
 * covers the k-th aligned block the region touches at that level.  The L4
 * is shared by both regions. */
#include "build/pgtable.h"

static uint64_t idx(uint64_t va, int shift) { return (va >> shift) & 511; }

/* The table frame of a level (39: L3, 30: L2, 21: L1) covering va. */
static uint64_t table_pfn(const struct pt_region *r, uint64_t va, int shift)
{
    uint64_t k = (va >> shift) - (r->va_start >> shift);
    uint64_t base = r->tables_pfn;
    if (shift <= 30) base += r->nl3;
    if (shift == 21) base += r->nl2;
    return base + k;
}

static void map_region(const struct layout *l, const struct pt_region *r, const uint64_t *p2m,
                       pt_frame_fn frame, void *ctx)
{
    uint64_t *l4 = frame(ctx, l->l4_pfn);
    for (uint64_t va = r->va_start; va < r->va_end; va += 4096) {
        uint64_t l3p = table_pfn(r, va, 39), l2p = table_pfn(r, va, 30);
        uint64_t l1p = table_pfn(r, va, 21);
        uint64_t pfn = r->pfn_start + ((va - r->va_start) >> 12);
        l4[idx(va, 39)] = p2m[l3p] << 12 | PTE_UPPER;
        frame(ctx, l3p)[idx(va, 30)] = p2m[l2p] << 12 | PTE_UPPER;
        frame(ctx, l2p)[idx(va, 21)] = p2m[l1p] << 12 | PTE_UPPER;
        frame(ctx, l1p)[idx(va, 12)] = p2m[pfn] << 12 | (layout_is_pt(l, pfn) ? PTE_LEAF_RO : PTE_LEAF);
    }
}

void pt_write(const struct layout *l, const uint64_t *p2m, pt_frame_fn frame, void *ctx)
{
    for (int i = 0; i < l->nregions; i++)
        map_region(l, &l->region[i], p2m, frame, ctx);
}
