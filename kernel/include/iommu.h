/* DMA translation tables: what they map (common/iommu_map.c) and their format
 * (arch/x86/iommu_pt.c), used by the VT-d driver (arch/x86/iommu_vtd.c). */
#ifndef TESSERA_IOMMU_H
#define TESSERA_IOMMU_H

#include "types.h"

struct domain;
struct page_info;

#define DMA_R 1u
#define DMA_W 2u

struct dma_pt {
    mfn_t root;
    unsigned levels;
};

/* Make CPU writes to translation structures visible to a non-coherent unit. */
void iommu_sync(const void *p, size_t n);
/* DMA_R|DMA_W if a device of `owner` may read and write frame pg, else 0. */
unsigned dma_frame_perm(const struct page_info *pg, domid_t owner);
/* Map (perm != 0) or unmap bus frame dfn; the old leaf entry, or -errno. */
long dma_pt_set(struct dma_pt *pt, uint64_t dfn, mfn_t mfn, unsigned perm);
uint64_t dma_pt_lookup(const struct dma_pt *pt, uint64_t dfn);
int dma_pt_build(struct dma_pt *pt, const struct domain *d, unsigned levels);
void dma_pt_destroy(struct dma_pt *pt);

#endif
