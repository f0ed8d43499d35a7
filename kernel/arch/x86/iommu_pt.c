/* The format of a domain's DMA translation tables (VT-d second-level: 512
 * entries per level, bit 0 read, bit 1 write): setting, looking up and freeing
 * entries.  What they map is common/iommu_map.c's rule. */
#include "lib.h"
#include "mm.h"
#include "domain.h"
#include "iommu.h"

#define DPTE_ADDR 0x000ffffffffff000ull

/* Returns the previous leaf entry (0 if none), or -errno (as a negative value). */
long dma_pt_set(struct dma_pt *pt, uint64_t dfn, mfn_t mfn, unsigned perm)
{
    if (dfn >> (9 * pt->levels)) return -EINVAL;
    mfn_t t = pt->root;
    for (unsigned level = pt->levels; level > 1; level--) {
        uint64_t *e = (uint64_t *)mfn_to_virt(t) + ((dfn >> (9 * (level - 1))) & 511);
        if (!(*e & (DMA_R | DMA_W))) {
            if (!perm) return 0; /* nothing mapped below: nothing to remove */
            mfn_t n = frame_alloc();
            if (n == INVALID_MFN) return -ENOMEM;
            iommu_sync(mfn_to_virt(n), PAGE_SIZE);
            __atomic_store_n(e, (n << PAGE_SHIFT) | DMA_R | DMA_W, __ATOMIC_RELEASE);
            iommu_sync(e, sizeof(*e));
        }
        t = (*e & DPTE_ADDR) >> PAGE_SHIFT;
    }
    uint64_t *leaf = (uint64_t *)mfn_to_virt(t) + (dfn & 511);
    uint64_t val = perm ? (mfn << PAGE_SHIFT) | perm : 0;
    long old = (long)__atomic_exchange_n(leaf, val, __ATOMIC_SEQ_CST);
    iommu_sync(leaf, sizeof(*leaf));
    return old;
}

uint64_t dma_pt_lookup(const struct dma_pt *pt, uint64_t dfn)
{
    if (dfn >> (9 * pt->levels)) return 0;
    mfn_t t = pt->root;
    for (unsigned level = pt->levels; level > 1; level--) {
        uint64_t e = ((uint64_t *)mfn_to_virt(t))[(dfn >> (9 * (level - 1))) & 511];
        if (!(e & (DMA_R | DMA_W))) return 0;
        t = (e & DPTE_ADDR) >> PAGE_SHIFT;
    }
    return ((uint64_t *)mfn_to_virt(t))[dfn & 511];
}

static void free_level(mfn_t t, unsigned level)
{
    const uint64_t *e = mfn_to_virt(t);
    for (unsigned i = 0; level > 1 && i < 512; i++)
        if (e[i] & (DMA_R | DMA_W)) free_level((e[i] & DPTE_ADDR) >> PAGE_SHIFT, level - 1);
    frame_free(t);
}

void dma_pt_destroy(struct dma_pt *pt)
{
    if (pt->root != INVALID_MFN && pt->root) free_level(pt->root, pt->levels);
    pt->root = INVALID_MFN;
}
