/* Layout rules: the worked example of docs/domain-builder.md (Linux-like
 * kernel, 512 MiB, 40 MiB ramdisk as a pfn, p2m at INIT_P2M), the layout
 * without INIT_P2M, a mapped ramdisk, and refusals. */
#include "unit.h"
#include "build/layout.h"

static struct xenelf linux_like(void)
{
    struct xenelf e;
    memset(&e, 0, sizeof(e));
    e.virt_base = 0xffffffff80000000ull;
    e.vstart = 0xffffffff81000000ull;
    e.vend = 0xffffffff83e00000ull;
    e.entry = 0xffffffff8304e1c0ull;
    e.init_p2m = 0x8000000000ull;
    e.mod_start_pfn = 1;
    return e;
}

static void test_worked_example(void)
{
    struct xenelf e = linux_like();
    struct pv_layout l;
    char err[256] = "";
    CHECK(layout_compute(&e, 131072, 40 << 20, &l, err, sizeof(err)) == 0, "layout: %s", err);
    CHECK(l.kern_pfn == 0x1000 && l.kern_end_pfn == 0x3e00, "kernel pfns");
    CHECK(l.start_info_pfn == 0x3e00 && l.store_pfn == 0x3e01 && l.console_pfn == 0x3e02,
          "special pages %#llx %#llx %#llx", (unsigned long long)l.start_info_pfn,
          (unsigned long long)l.store_pfn, (unsigned long long)l.console_pfn);
    CHECK(l.l4_pfn == 0x3e03 && l.nr_pt == 35, "35 page tables from 0x3e03 (got %llu)",
          (unsigned long long)l.nr_pt);
    CHECK(l.region[0].nl3 == 1 && l.region[0].nl2 == 1 && l.region[0].nl1 == 32, "1+1+32 tables");
    CHECK(l.stack_pfn == 0x3e26, "boot stack at 0x3e26");
    CHECK(l.map_end_pfn == 0x4000, "mapping ends at 64 MiB");
    CHECK(l.mod_pfn == 0x4000 && !l.mod_mapped && l.mod_pages == 0x2800, "ramdisk at pfn 0x4000");
    CHECK(l.p2m_pfn == 0x6800 && l.p2m_pages == 256, "p2m at 0x6800, 256 pages");
    CHECK(l.first_p2m_pfn == 0x6800 && l.nr_p2m_frames == 259, "259 p2m frames (got %llu)",
          (unsigned long long)l.nr_p2m_frames);
    CHECK(l.p2m_va == 0x8000000000ull && l.nregions == 2, "mfn_list at INIT_P2M");
    CHECK(l.region[1].tables_pfn == 0x6900, "p2m tables after the p2m");
    CHECK(pv_layout_is_pt(&l, 0x3e03) && pv_layout_is_pt(&l, 0x3e25) && !pv_layout_is_pt(&l, 0x3e26) &&
              pv_layout_is_pt(&l, 0x6900) && pv_layout_is_pt(&l, 0x6902) && !pv_layout_is_pt(&l, 0x6903) &&
              !pv_layout_is_pt(&l, 0x68ff),
          "page-table frames");
    /* mapped range leaves >= 512 KiB after the boot stack and ends on 4 MiB */
    CHECK((l.map_end_pfn - l.stack_pfn - 1) >= 128 && (l.map_end_pfn % 1024) == 0, "slack");
}

static void test_no_init_p2m(void)
{
    struct xenelf e = linux_like();
    struct pv_layout l;
    char err[256] = "";
    e.init_p2m = 0;
    e.mod_start_pfn = 0;
    CHECK(layout_compute(&e, 32768, 5000, &l, err, sizeof(err)) == 0, "layout: %s", err);
    CHECK(l.mod_mapped && l.mod_pfn == 0x3e00 && l.mod_pages == 2, "ramdisk mapped after the kernel");
    CHECK(l.p2m_pfn == 0x3e02 && l.p2m_pages == 64, "p2m mapped after the ramdisk");
    CHECK(l.p2m_va == e.virt_base + (0x3e02ull << 12), "mfn_list is its virtual address");
    CHECK(l.start_info_pfn == 0x3e42 && l.l4_pfn == 0x3e45, "start_info after the p2m");
    CHECK(l.nregions == 1 && l.first_p2m_pfn == 0 && l.nr_p2m_frames == 0, "no p2m region");
    CHECK(l.used_pages == l.map_end_pfn, "nothing beyond the mapping");
    /* a mapping that crosses into a second L2's worth needs another L1 only */
    CHECK(l.region[0].nl2 == 1 && l.region[0].nl1 == l.map_end_pfn / 512, "L1 count");
}

static void test_refusals(void)
{
    struct xenelf e = linux_like();
    struct pv_layout l;
    char err[256];
    CHECK(layout_compute(&e, 0x3000, 0, &l, err, sizeof(err)) == -1, "too small refused");
    CHECK_STR(err, "memory too small: the layout needs 16411 pages, the domain has 12288", "too small");
    e.init_p2m = 0xffff808000000000ull;
    CHECK(layout_compute(&e, 131072, 0, &l, err, sizeof(err)) == -1, "upper-half p2m refused");
    CHECK_STR(err, "INIT_P2M 0xffff808000000000 not in the lower half", "upper half");
    e = linux_like();
    e.virt_base = 0;
    e.vstart = 0x400000;
    e.vend = 0x800000;
    e.init_p2m = 0;
    CHECK(layout_compute(&e, 8192, 0, &l, err, sizeof(err)) == 0, "low kernel: %s", err);
    CHECK(l.kern_pfn == 0x400 && l.map_end_pfn == 0xc00, "low kernel layout");
    struct xenelf e2 = e;
    e2.virt_base = 0x8000000000ull;
    e2.vstart = e2.virt_base + 0x400000;
    e2.vend = e2.virt_base + 0x800000;
    e2.init_p2m = 0x8000000000ull;
    CHECK(layout_compute(&e2, 8192, 0, &l, err, sizeof(err)) == -1, "shared slot refused");
    CHECK_STR(err, "INIT_P2M region shares an L4 slot with the kernel", "shared slot");
}

void test_layout(void)
{
    test_worked_example();
    test_no_init_p2m();
    test_refusals();
}
