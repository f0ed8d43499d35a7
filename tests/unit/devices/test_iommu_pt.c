/* DMA tables: exactly the owner's writable frames, updates, teardown. */
#include "devtest.h"

void test_iommu_pt(void)
{
    fake_reset();
    uint64_t free0 = frames_free_count();
    mfn_t a = fake_alloc(&dom1), b = fake_alloc(&dom1), t = fake_alloc(&dom1), g = fake_alloc(&dom1);
    mfn_t r = fake_alloc(&dom1), x = fake_alloc(&dom1), o = fake_alloc(&dom2);
    mfn_to_page(b)->type = PGT_writable;
    mfn_to_page(t)->type = PGT_l1;
    mfn_to_page(g)->type = PGT_seg_desc;
    mfn_to_page(r)->flags |= PGF_readonly;
    mfn_to_page(x)->flags = PGF_xenheap;

    CHECK_EQ(dma_frame_perm(mfn_to_page(a), 1), DMA_R | DMA_W, "perm: untyped own frame");
    CHECK_EQ(dma_frame_perm(mfn_to_page(b), 1), DMA_R | DMA_W, "perm: writable frame");
    CHECK_EQ(dma_frame_perm(mfn_to_page(t), 1), 0, "perm: page table not DMA-reachable");
    mfn_to_page(t)->type_count = 0;
    CHECK_EQ(dma_frame_perm(mfn_to_page(t), 1), 0, "perm: still typed L1 with no users");
    CHECK_EQ(dma_frame_perm(mfn_to_page(g), 1), 0, "perm: descriptor table");
    CHECK_EQ(dma_frame_perm(mfn_to_page(r), 1), 0, "perm: boot module (read-only)");
    CHECK_EQ(dma_frame_perm(mfn_to_page(x), 1), 0, "perm: shared hypervisor frame");
    CHECK_EQ(dma_frame_perm(mfn_to_page(o), 1), 0, "perm: another domain's frame");
    CHECK_EQ(dma_frame_perm(mfn_to_page(0), 1), 0, "perm: unowned frame");

    struct dma_pt pt;
    CHECK_EQ(dma_pt_build(&pt, &dom1, 3), 0, "build: 3 levels");
    CHECK_EQ(dma_pt_lookup(&pt, a), (a << 12) | 3, "build: frame mapped at its machine address");
    CHECK_EQ(dma_pt_lookup(&pt, b), (b << 12) | 3, "build: writable frame mapped");
    CHECK_EQ(dma_pt_lookup(&pt, t), 0, "build: page table absent");
    CHECK_EQ(dma_pt_lookup(&pt, g), 0, "build: descriptor table absent");
    CHECK_EQ(dma_pt_lookup(&pt, r), 0, "build: read-only module absent");
    CHECK_EQ(dma_pt_lookup(&pt, x), 0, "build: xenheap frame absent");
    CHECK_EQ(dma_pt_lookup(&pt, o), 0, "build: other domain's frame absent");
    CHECK_EQ(dma_pt_lookup(&pt, 1UL << 27), 0, "lookup: beyond the address width");

    /* A frame becoming a page table leaves; the old entry comes back so the
     * caller knows an IOTLB flush is due. */
    mfn_to_page(a)->type = PGT_l2;
    CHECK_EQ(dma_pt_set(&pt, a, a, dma_frame_perm(mfn_to_page(a), 1)), (long)((a << 12) | 3),
             "set: unmap returns old entry");
    CHECK_EQ(dma_pt_lookup(&pt, a), 0, "set: unmapped");
    CHECK_EQ(dma_pt_set(&pt, a, a, 0), 0, "set: unmapping an absent entry");
    CHECK_EQ(dma_pt_set(&pt, 100000, 100000, 0), 0, "set: unmap under a missing table allocates nothing");
    CHECK_EQ(dma_pt_set(&pt, 1UL << 27, 5, DMA_R), -EINVAL, "set: out of range refused");
    CHECK_EQ(dma_pt_set(&pt, 0x12345, 0x12345, DMA_R | DMA_W), 0, "set: far frame maps (new tables)");
    CHECK_EQ(dma_pt_lookup(&pt, 0x12345), (0x12345UL << 12) | 3, "set: found");
    dma_pt_destroy(&pt);
    CHECK_EQ(pt.root, INVALID_MFN, "destroy: root gone");

    struct dma_pt p4;
    CHECK_EQ(dma_pt_build(&p4, &dom1, 4), 0, "build: 4 levels");
    CHECK_EQ(dma_pt_lookup(&p4, b), (b << 12) | 3, "4 levels: mapped");
    CHECK_EQ(dma_pt_set(&p4, 1UL << 35, 7, DMA_R), 0, "4 levels: high frame");
    dma_pt_destroy(&p4);

    /* Out of memory: the build fails and frees what it took. */
    uint64_t before = frames_free_count();
    mfn_t hog[FAKE_FRAMES];
    unsigned n = 0;
    while (frames_free_count() > 2)
        hog[n++] = frame_alloc();
    CHECK_EQ(dma_pt_build(&pt, &dom1, 3), -ENOMEM, "build: out of memory");
    while (n)
        frame_free(hog[--n]);
    CHECK_EQ(frames_free_count(), before, "build: partial tables freed");
    CHECK_EQ(frames_free_count() + 7, free0, "no frame leaked by the tables");
}
