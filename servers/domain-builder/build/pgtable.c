/* Writes the bootstrap page tables (see pgtable.h), one frame at a time. */
#include "build/pgtable.h"

void pt_write(const struct pv_layout *l, const uint64_t *p2m, pt_frame_fn frame, void *ctx)
{
    uint64_t pfn;
    for (uint64_t i = 0; (pfn = pv_pt_frame(l, i)) != ~0ull; i++)
        pv_pt_fill(l, pfn, frame(ctx, pfn), p2m, NULL, NULL);
}
