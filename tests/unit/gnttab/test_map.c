/* map_grant_ref: the PTE and references a host mapping holds, GTF_reading /
 * GTF_writing, device mappings, the maptrack limit and every refusal. */
#include <string.h>
#include "gt_unit.h"

#define PA GTF_permit_access

static void test_map_basic(void)
{
    fake_reset();
    mfn_t l1 = fake_page_tables(&dom1);
    mfn_t data = fake_alloc(&dom2);
    grant(&dom2, 8, 1, data, PA);
    grant_handle_t h = 77;
    uint64_t bus = 0;
    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_host_map, gva(0), &h, &bus), GNTST_okay, "RW host map");
    CHECK_EQ(h, 0, "first handle is 0");
    CHECK_EQ(bus, data << PAGE_SHIFT, "dev_bus_addr = frame's machine address");
    CHECK_EQ(l1e(l1, 0), gpte(data, true), "PTE: frame | P A D NX US RW, bit 52, bit 62");
    CHECK_EQ(gflags(&dom2, 8), PA | GTF_reading | GTF_writing, "GTF_reading|GTF_writing set");
    CHECK(pg(data)->count == 1 && pg(data)->type == PGT_writable && pg(data)->type_count == 1,
          "RW mapping holds a general and a writable type reference");
    CHECK_EQ(get_page_type(pg(data), PGT_l1), -EINVAL, "granter cannot make a mapped frame a table");

    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_host_map | GNTMAP_readonly, gva(1), &h, NULL), GNTST_okay,
             "RO map of a RW grant");
    CHECK_EQ(h, 1, "second handle is 1");
    CHECK_EQ(l1e(l1, 1), gpte(data, false), "RO PTE has no RW");
    CHECK(pg(data)->count == 2 && pg(data)->type_count == 1, "RO mapping: general reference only");

    mfn_t ro = fake_alloc(&dom2);
    grant(&dom2, 9, 1, ro, PA | GTF_readonly);
    CHECK_EQ(map1(&dom1, 2, 9, GNTMAP_host_map, gva(2), NULL, NULL), GNTST_general_error,
             "RW map of a read-only grant refused");
    CHECK_EQ(gflags(&dom2, 9), PA | GTF_readonly, "refused map leaves flags alone");
    CHECK(l1e(l1, 2) == 0 && pg(ro)->count == 0, "refused map leaves PTE and counts alone");
    CHECK_EQ(map1(&dom1, 2, 9, GNTMAP_host_map | GNTMAP_readonly, gva(2), NULL, NULL), GNTST_okay,
             "RO map of a read-only grant");
    CHECK_EQ(gflags(&dom2, 9), PA | GTF_readonly | GTF_reading, "read-only pin: GTF_reading only");

    mfn_t app = fake_alloc(&dom2);
    grant(&dom2, 10, 1, app, PA);
    CHECK_EQ(map1(&dom1, 2, 10, GNTMAP_host_map | GNTMAP_application_map | (5u << 16), gva(3), NULL, NULL),
             GNTST_okay, "application map with avail bits");
    CHECK_EQ(l1e(l1, 3), (gpte(app, true) & ~PTE_GUEST_KERNEL) | (5UL << 9),
             "application map: no bit 52; guest avail bits in 9-11");

    mfn_t dev = fake_alloc(&dom2);
    grant(&dom2, 11, 1, dev, PA);
    CHECK_EQ(map1(&dom1, 2, 11, GNTMAP_device_map, 0, &h, &bus), GNTST_okay, "device-only map");
    CHECK_EQ(bus, dev << PAGE_SHIFT, "device map returns the bus address");
    CHECK(pg(dev)->count == 1 && pg(dev)->type_count == 1, "RW device map: general + writable type");
    CHECK_EQ(gflags(&dom2, 11), PA | GTF_reading | GTF_writing, "device map pins the entry too");
    CHECK_EQ(map1(&dom1, 2, 11, GNTMAP_device_map | GNTMAP_host_map, gva(4), NULL, NULL), GNTST_okay,
             "device+host map");
    CHECK(pg(dev)->count == 3 && pg(dev)->type_count == 3, "device+host map: two more refs of each");

    /* Mapping one's own grant. */
    mfn_t own = fake_alloc(&dom1);
    grant(&dom1, 8, 1, own, PA);
    CHECK_EQ(map1(&dom1, 1, 8, GNTMAP_host_map, gva(5), NULL, NULL), GNTST_okay, "map of one's own grant");
}

static void test_map_refusals(void)
{
    fake_reset();
    mfn_t l1 = fake_page_tables(&dom1);
    mfn_t data = fake_alloc(&dom2);
    grant(&dom2, 8, 1, data, PA);
    uint64_t a = gva(0);
    CHECK_EQ(map1(&dom1, 2, 8, 0, a, NULL, NULL), GNTST_bad_gntref, "no host/device flag: bad_gntref");
    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_readonly, a, NULL, NULL), GNTST_bad_gntref,
             "readonly alone: bad_gntref");
    CHECK_EQ(map1(&dom1, 77, 8, GNTMAP_host_map, a, NULL, NULL), GNTST_bad_domain,
             "unknown domain: bad_domain");
    CHECK_EQ(map1(&dom1, DOMID_SELF, 8, GNTMAP_host_map, a, NULL, NULL), GNTST_bad_domain,
             "DOMID_SELF: bad_domain (Xen looks up by id)");
    CHECK_EQ(map1(&dom1, 2, 512, GNTMAP_host_map, a, NULL, NULL), GNTST_bad_gntref,
             "ref past the table: bad_gntref");
    CHECK_EQ(map1(&dom1, 2, 0xffffffffu, GNTMAP_host_map, a, NULL, NULL), GNTST_bad_gntref,
             "ref ~0: bad_gntref");
    grant(&dom2, 12, 1, data, 0);
    CHECK_EQ(map1(&dom1, 2, 12, GNTMAP_host_map, a, NULL, NULL), GNTST_general_error,
             "invalid entry refused");
    grant(&dom2, 12, 1, data, GTF_accept_transfer);
    CHECK_EQ(map1(&dom1, 2, 12, GNTMAP_host_map, a, NULL, NULL), GNTST_general_error,
             "transfer entry refused");
    grant(&dom2, 12, 3, data, PA);
    CHECK_EQ(map1(&dom1, 2, 12, GNTMAP_host_map, a, NULL, NULL), GNTST_general_error,
             "grant offered to another domain refused");
    CHECK_EQ(gflags(&dom2, 12), PA, "refused: flags untouched");
    grant(&dom2, 12, 1, data, PA | GTF_sub_page);
    CHECK_EQ(map1(&dom1, 2, 12, GNTMAP_host_map, a, NULL, NULL), GNTST_general_error,
             "sub-page grant cannot be mapped");
    mfn_t mine = fake_alloc(&dom1);
    grant(&dom2, 12, 1, mine, PA);
    CHECK_EQ(map1(&dom1, 2, 12, GNTMAP_host_map, a, NULL, NULL), GNTST_bad_page,
             "frame the granter does not own: bad_page");
    CHECK_EQ(gflags(&dom2, 12), PA, "bad_page: GTF_reading cleared again");
    grant(&dom2, 12, 1, 0xfffff, PA);
    CHECK_EQ(map1(&dom1, 2, 12, GNTMAP_host_map, a, NULL, NULL), GNTST_bad_page,
             "frame beyond memory: bad_page");
    mfn_t l1b = fake_page_tables(&dom2); /* dom2's L1 is a page table now */
    grant(&dom2, 13, 1, l1b, PA);
    CHECK_EQ(map1(&dom1, 2, 13, GNTMAP_host_map, a, NULL, NULL), GNTST_general_error,
             "RW map of the granter's page table refused");
    CHECK_EQ(gflags(&dom2, 13), PA, "refused RW map of a table: flags cleared");
    CHECK_EQ(map1(&dom1, 2, 13, GNTMAP_host_map | GNTMAP_readonly, a, NULL, NULL), GNTST_okay,
             "RO map of the granter's page table allowed");

    uint32_t before = pg(data)->count;
    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_host_map, GVA + (1UL << 30), NULL, NULL), GNTST_general_error,
             "host_addr without an L1: general_error");
    CHECK(gflags(&dom2, 8) == PA && pg(data)->count == before && pg(data)->type_count == 0,
          "bad host_addr: flags and references restored");
    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_host_map, 0xFFFF800000001000UL, NULL, NULL), GNTST_general_error,
             "host_addr in the hypervisor range: general_error");
    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_host_map, 0x0000900000000000UL, NULL, NULL), GNTST_general_error,
             "non-canonical host_addr: general_error");
    CHECK_EQ(map1(&dom3, 2, 8, GNTMAP_host_map, a, NULL, NULL), GNTST_general_error,
             "grant for dom1 mapped by dom3: general_error");
    grant(&dom3, 8, 3, fake_alloc(&dom3), PA);
    CHECK_EQ(map1(&dom3, 3, 8, GNTMAP_host_map, a, NULL, NULL), GNTST_general_error,
             "caller without page tables: general_error");
    CHECK_EQ(map1(&dom3, 3, 8, GNTMAP_device_map, 0, NULL, NULL), GNTST_okay,
             "device map needs no page tables");

    /* GNTMAP_contains_pte: host_addr is the machine address of the entry. */
    uint64_t pte_ma = (l1 << PAGE_SHIFT) + 7 * 8;
    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_host_map | GNTMAP_contains_pte, pte_ma + 4, NULL, NULL),
             GNTST_general_error, "contains_pte misaligned: general_error");
    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_host_map | GNTMAP_contains_pte, mine << PAGE_SHIFT, NULL, NULL),
             GNTST_general_error, "contains_pte on a non-L1: general_error");
    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_host_map | GNTMAP_contains_pte, (l1b << PAGE_SHIFT), NULL, NULL),
             GNTST_general_error, "contains_pte on another domain's L1: general_error");
    grant_handle_t h;
    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_host_map | GNTMAP_contains_pte, pte_ma, &h, NULL), GNTST_okay,
             "contains_pte map");
    CHECK_EQ(l1e(l1, 7), gpte(data, true), "contains_pte: entry written at that address");
    CHECK_EQ(unmap1(&dom1, h, pte_ma, 0), GNTST_okay, "contains_pte unmap");
    CHECK_EQ(l1e(l1, 7), 0, "contains_pte unmap clears the entry");

    /* Once pinned by dom1, nobody else may pin it, whatever the entry says now. */
    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_host_map, a, NULL, NULL), GNTST_okay, "map for the pin test");
    gent(&dom2, 8)->domid = 3;
    CHECK_EQ(map1(&dom3, 2, 8, GNTMAP_device_map, 0, NULL, NULL), GNTST_general_error,
             "entry pinned by another domain: general_error");
}

static void test_map_replace(void)
{
    fake_reset();
    mfn_t l1 = fake_page_tables(&dom1);
    mfn_t own = fake_alloc(&dom1), data = fake_alloc(&dom2);
    spin_lock(&dom1.lock);
    CHECK_EQ(pt_update_entry(&dom1, l1, 0, (own << PAGE_SHIFT) | PTE_P | PTE_RW, false), 0,
             "guest maps its own frame at the slot");
    spin_unlock(&dom1.lock);
    CHECK(pg(own)->count == 1 && pg(own)->type_count == 1, "own frame referenced by the slot");
    grant(&dom2, 8, 1, data, PA);
    int f = n_flush[1];
    flush_watch = own;
    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_host_map, gva(0), NULL, NULL), GNTST_okay,
             "map over a present entry replaces it (as Xen)");
    CHECK(pg(own)->count == 0 && pg(own)->type_count == 0, "replaced entry's references dropped");
    CHECK(n_flush[1] == f + 1 && flush_watch_count == 1, "flushed before the old frame was released");
    CHECK_EQ(l1e(l1, 0), gpte(data, true), "slot holds the grant mapping");
}

/* Xen's pin counters are 8 bits wide and refuse a pin once bit 7 is set:
 * 128 mappings of one kind per grant entry. */
static void test_pin_limit(void)
{
    fake_reset();
    mfn_t data = fake_alloc(&dom2);
    grant(&dom2, 8, 1, data, PA);
    unsigned ok = 0;
    for (unsigned i = 0; i < 128; i++)
        ok += map1(&dom1, 2, 8, GNTMAP_device_map | GNTMAP_readonly, 0, NULL, NULL) == GNTST_okay;
    CHECK_EQ(ok, 128, "128 read-only device maps of one entry");
    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_device_map | GNTMAP_readonly, 0, NULL, NULL), GNTST_general_error,
             "129th of the same kind: general_error (pin counter full)");
    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_device_map, 0, NULL, NULL), GNTST_okay,
             "another kind of pin still fits");
    mfn_t x = fake_alloc(&dom1);
    CHECK_EQ(copy1(&dom1, GNTCOPY_source_gref, 2, 8, 0, DOMID_SELF, x, 0, 8), GNTST_okay,
             "copies use host pins, unaffected");
    CHECK_EQ(pg(data)->count, 129, "one reference per mapping");
}

static void test_maptrack_limit(void)
{
    /* MAPTRACK_MAX mappings of NR entries (GNTTAB_PIN_MAX pins each), then one more */
    enum { NR = MAPTRACK_MAX / GNTTAB_PIN_MAX, EXTRA = 8 + NR };
    fake_reset();
    mfn_t data = fake_alloc(&dom2);
    for (unsigned r = 0; r < NR; r++)
        grant(&dom2, 8 + r, 1, data, PA | GTF_readonly);
    unsigned ok = 0;
    grant_handle_t h = 0, maxh = 0;
    for (unsigned i = 0; i < MAPTRACK_MAX; i++) {
        ok += map1(&dom1, 2, 8 + i / GNTTAB_PIN_MAX, GNTMAP_device_map | GNTMAP_readonly, 0, &h, NULL) ==
              GNTST_okay;
        maxh = h > maxh ? h : maxh;
    }
    CHECK_EQ(ok, MAPTRACK_MAX, "MAPTRACK_MAX mappings fit");
    CHECK_EQ(maxh, MAPTRACK_MAX - 1, "handles 0..MAPTRACK_MAX-1");
    grant(&dom2, EXTRA, 1, data, PA | GTF_readonly);
    CHECK_EQ(map1(&dom1, 2, EXTRA, GNTMAP_device_map | GNTMAP_readonly, 0, NULL, NULL), GNTST_no_space,
             "one more mapping: no_space");
    CHECK_EQ(gflags(&dom2, EXTRA), PA | GTF_readonly, "no_space leaves the entry alone");
    CHECK_EQ(pg(data)->count, MAPTRACK_MAX, "one reference per mapping");
    CHECK_EQ(unmap1(&dom1, 500, 0, data << PAGE_SHIFT), GNTST_okay, "unmap one");
    CHECK_EQ(map1(&dom1, 2, EXTRA, GNTMAP_device_map | GNTMAP_readonly, 0, &h, NULL), GNTST_okay,
             "a freed handle is reused");
    CHECK_EQ(h, 500, "the freed handle");
    for (unsigned i = 0; i < MAPTRACK_MAX; i++)
        unmap1(&dom1, i, 0, data << PAGE_SHIFT);
    CHECK(pg(data)->count == 0 && gflags(&dom2, 8) == (PA | GTF_readonly) &&
              gflags(&dom2, EXTRA) == (PA | GTF_readonly),
          "all unmapped: counts and flags clear");
    CHECK_EQ(dom1.gnttab->maptrack_used, 0, "maptrack empty");
}

/* Maptrack frames past the first go back once their handles are all free and
 * the rest is under half a frame short of full (hysteresis). */
static void test_maptrack_shrink(void)
{
    enum { N = 300, PER = MAPTRACK_PER_FRAME };
    fake_reset();
    mfn_t data = fake_alloc(&dom2);
    for (unsigned r = 0; r < N / GNTTAB_PIN_MAX + 1; r++)
        grant(&dom2, 8 + r, 1, data, PA | GTF_readonly);
    uint64_t before = frames_free_count();
    grant_handle_t h;
    unsigned ok = 0;
    for (unsigned i = 0; i < N; i++)
        ok += map1(&dom1, 2, 8 + i / GNTTAB_PIN_MAX, GNTMAP_device_map | GNTMAP_readonly, 0, &h, NULL) ==
              GNTST_okay;
    CHECK(ok == N && dom1.gnttab->maptrack_limit == 3 * PER && frames_free_count() == before - 3,
          "300 mappings: 3 maptrack frames");
    for (unsigned i = 0; i < 100; i++)
        unmap1(&dom1, i, 0, data << PAGE_SHIFT);
    CHECK_EQ(dom1.gnttab->maptrack_limit, 3 * PER, "200 in use: all 3 frames kept (slack)");
    for (unsigned i = 100; i < N - 1; i++)
        unmap1(&dom1, i, 0, data << PAGE_SHIFT);
    CHECK_EQ(dom1.gnttab->maptrack_limit, 3 * PER, "one live handle in the last frame keeps it");
    CHECK_EQ(unmap1(&dom1, N - 1, 0, data << PAGE_SHIFT), GNTST_okay, "unmap the last one");
    CHECK(dom1.gnttab->maptrack_limit == PER && frames_free_count() == before - 1,
          "all free: back to one frame, two frames freed");
    CHECK_EQ(unmap1(&dom1, N - 1, 0, data << PAGE_SHIFT), GNTST_bad_handle,
             "a handle past the limit: bad_handle");
    grant_handle_t maxh = 0;
    ok = 0;
    for (unsigned i = 0; i < 200; i++) {
        ok += map1(&dom1, 2, 8 + i / GNTTAB_PIN_MAX, GNTMAP_device_map | GNTMAP_readonly, 0, &h, NULL) ==
              GNTST_okay;
        maxh = h > maxh ? h : maxh;
    }
    CHECK(ok == 200 && maxh == 199 && dom1.gnttab->maptrack_limit == 2 * PER,
          "200 mappings again: handles 0..199, the free list intact");
}

/* createdomain's max_maptrack_frames: Xen's frames of 256 handles, 0 none;
 * past the limit a map is GNTST_no_space (Xen: get_maptrack_handle failed)
 * and the granter's entry is left alone. */
static void test_maptrack_frames(void)
{
    fake_reset();
    mfn_t data = fake_alloc(&dom2);
    for (unsigned r = 0; r < 3; r++)
        grant(&dom2, 8 + r, 1, data, PA | GTF_readonly);
    gnttab_set_max_frames(&dom1, GNTTAB_MAX_FRAMES, 1);
    unsigned ok = 0;
    grant_handle_t h = 0, maxh = 0;
    for (unsigned i = 0; i < 256; i++) {
        ok += map1(&dom1, 2, 8 + i / GNTTAB_PIN_MAX, GNTMAP_device_map | GNTMAP_readonly, 0, &h, NULL) ==
              GNTST_okay;
        maxh = h > maxh ? h : maxh;
    }
    CHECK(ok == 256 && maxh == 255, "max_maptrack_frames 1: 256 mappings, handles 0..255");
    CHECK_EQ(map1(&dom1, 2, 10, GNTMAP_device_map | GNTMAP_readonly, 0, NULL, NULL), GNTST_no_space,
             "max_maptrack_frames 1: the 257th mapping is no_space");
    CHECK(gflags(&dom2, 10) == (PA | GTF_readonly) && pg(data)->count == 256 &&
              dom1.gnttab->maptrack_limit == 256,
          "no_space: entry, references and maptrack unchanged");
    fake_reset(); /* a new domain with 0 */
    data = fake_alloc(&dom2);
    grant(&dom2, 8, 1, data, PA | GTF_readonly);
    gnttab_set_max_frames(&dom1, GNTTAB_MAX_FRAMES, 0);
    CHECK(map1(&dom1, 2, 8, GNTMAP_device_map | GNTMAP_readonly, 0, NULL, NULL) == GNTST_no_space &&
              dom1.gnttab->maptrack_used == 0 && pg(data)->count == 0,
          "max_maptrack_frames 0: no mapping at all (no_space)");
    gnttab_set_max_frames(&dom1, GNTTAB_MAX_FRAMES, MAPTRACK_XEN_MAX);
    CHECK_EQ(dom1.gnttab->maptrack_max, MAPTRACK_MAX,
             "max_maptrack_frames 1024 (Xen's default): MAPTRACK_MAX");
}

static void test_map_batch(void)
{
    fake_reset();
    mfn_t l1 = fake_page_tables(&dom1);
    mfn_t data = fake_alloc(&dom2);
    grant(&dom2, 8, 1, data, PA);
    struct gnttab_map_grant_ref ops[3] = {
        { .host_addr = gva(0), .flags = GNTMAP_host_map, .ref = 8, .dom = 2 },
        { .host_addr = gva(1), .flags = GNTMAP_host_map, .ref = 600, .dom = 2 },
        { .host_addr = gva(2), .flags = GNTMAP_host_map | GNTMAP_readonly, .ref = 8, .dom = 2 },
    };
    CHECK_EQ(hc(&dom1, GNTTABOP_map_grant_ref, ops, 3), 0, "batch of 3 maps returns 0");
    CHECK(ops[0].status == GNTST_okay && ops[1].status == GNTST_bad_gntref && ops[2].status == GNTST_okay,
          "per-op status in a batch");
    CHECK(ops[0].handle == 0 && ops[2].handle == 1, "handles per op");
    CHECK(l1e(l1, 0) && !l1e(l1, 1) && l1e(l1, 2), "only the good ops mapped");
    struct gnttab_map_grant_ref two[2] = {
        { .host_addr = gva(3), .flags = GNTMAP_host_map, .ref = 8, .dom = 2 },
        { .host_addr = gva(4), .flags = GNTMAP_host_map, .ref = 8, .dom = 2 },
    };
    fake_bad_guest_lo = (uint64_t)&two[1];
    fake_bad_guest_hi = (uint64_t)(&two[1] + 1);
    CHECK_EQ(hc(&dom1, GNTTABOP_map_grant_ref, two, 2), -EFAULT, "unreadable second op: -EFAULT");
    fake_bad_guest_lo = fake_bad_guest_hi = 0;
    CHECK(two[0].status == GNTST_okay && l1e(l1, 3) && !l1e(l1, 4), "ops before the fault are done");
}

void test_map(void)
{
    test_map_basic();
    test_map_refusals();
    test_map_replace();
    test_pin_limit();
    test_maptrack_limit();
    test_maptrack_shrink();
    test_maptrack_frames();
    test_map_batch();
}
