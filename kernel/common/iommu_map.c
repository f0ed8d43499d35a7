/* What a domain's DMA translation tables map: bus address = machine address,
 * exactly the domain's own frames that it may write.  Like Xen for PV, a frame
 * typed as a page table or descriptor table is not mapped (a device could
 * otherwise rewrite validated tables), nor are boot modules (read-only) and
 * hypervisor frames shared with the domain.  The table format is the arch's
 * (arch/x86/iommu_pt.c). */
#include "lib.h"
#include "mm.h"
#include "domain.h"
#include "iommu.h"

unsigned dma_frame_perm(const struct page_info *pg, domid_t owner)
{
    if (pg->owner != owner || !(pg->flags & PGF_allocated) ||
        (pg->flags & (PGF_readonly | PGF_free | PGF_xenheap)))
        return 0;
    return pg->type == PGT_none || pg->type == PGT_writable ? DMA_R | DMA_W : 0;
}

/* A fresh table holding every frame of d that dma_frame_perm allows. */
int dma_pt_build(struct dma_pt *pt, const struct domain *d, unsigned levels)
{
    pt->levels = levels;
    pt->root = frame_alloc();
    if (pt->root == INVALID_MFN) return -ENOMEM;
    iommu_sync(mfn_to_virt(pt->root), PAGE_SIZE);
    for (uint32_t m = d->page_list; m != ~0u; m = frame_table[m].next) {
        unsigned perm = dma_frame_perm(mfn_to_page(m), d->id);
        long rc = perm ? dma_pt_set(pt, m, m, perm) : 0;
        if (rc < 0) {
            dma_pt_destroy(pt);
            return (int)rc;
        }
    }
    return 0;
}
