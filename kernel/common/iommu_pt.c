/* DMA translation tables of a domain with devices (VT-d second-level format:
 * 512 entries per level, bit 0 read, bit 1 write) and the rule for what they
 * map: bus address = machine address, exactly the domain's own frames that it
 * may write.  Like Xen for PV, a frame typed as a page table or descriptor
 * table is not mapped (a device could otherwise rewrite validated tables), nor
 * are boot modules (read-only) and hypervisor frames shared with the domain. */
#include "lib.h"
#include "mm.h"
#include "domain.h"
#include "iommu.h"

#define DPTE_ADDR 0x000ffffffffff000ull

unsigned dma_frame_perm(const struct page_info *pg, domid_t owner)
{
    if (pg->owner != owner || !(pg->flags & PGF_allocated) ||
        (pg->flags & (PGF_readonly | PGF_free | PGF_xenheap)))
        return 0;
    return pg->type == PGT_none || pg->type == PGT_writable ? DMA_R | DMA_W : 0;
}

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
