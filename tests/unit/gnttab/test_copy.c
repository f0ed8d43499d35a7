/* GNTTABOP_copy: directions, read-only grants, bounds, per-op status, refusals
 * in Xen's order, and GTF flags set only around the copy. */
#include <string.h>
#include "gt_unit.h"

#define PA GTF_permit_access
#define SG GNTCOPY_source_gref
#define DG GNTCOPY_dest_gref

static mfn_t a, b, x; /* dom2's RW-granted a (ref 8), RO-granted b (ref 9); dom1's x */

static void copy_setup(void)
{
    fake_reset();
    a = fake_alloc(&dom2);
    b = fake_alloc(&dom2);
    x = fake_alloc(&dom1);
    grant(&dom2, 8, 1, a, PA);
    grant(&dom2, 9, 1, b, PA | GTF_readonly);
    memcpy(frame(a), "frontend data", 14);
    memcpy(frame(b), "read-only page", 15);
}

static void test_copy_directions(void)
{
    copy_setup();
    CHECK_EQ(copy1(&dom1, SG, 2, 8, 0, DOMID_SELF, x, 100, 14), GNTST_okay, "copy gref -> own frame");
    CHECK(!memcmp((char *)frame(x) + 100, "frontend data", 14), "data arrived");
    CHECK_EQ(gflags(&dom2, 8), PA, "GTF flags cleared after the copy");
    CHECK(counts_zero(NULL), "no references left after the copy");
    memcpy(frame(x), "backend reply", 14);
    CHECK_EQ(copy1(&dom1, DG, DOMID_SELF, x, 0, 2, 8, 2000, 14), GNTST_okay, "copy own frame -> gref");
    CHECK(!memcmp((char *)frame(a) + 2000, "backend reply", 14), "data written into the grant");
    CHECK_EQ(gflags(&dom2, 8), PA, "flags clear after a write copy");
    CHECK_EQ(copy1(&dom1, SG, 2, 9, 0, DOMID_SELF, x, 0, 15), GNTST_okay, "copy from a read-only grant");
    CHECK_EQ(gflags(&dom2, 9), PA | GTF_readonly, "read-only grant flags unchanged");
    CHECK_EQ(copy1(&dom1, DG, DOMID_SELF, x, 0, 2, 9, 0, 4), GNTST_general_error,
             "copy into a read-only grant refused");
    CHECK(!memcmp(frame(b), "read-only page", 15), "read-only grant untouched");
    CHECK_EQ(copy1(&dom1, SG | DG, 2, 8, 0, 2, 8, 3000, 13), GNTST_okay, "gref -> gref (same grant)");
    CHECK(!memcmp((char *)frame(a) + 3000, "frontend data", 13), "gref -> gref data");
    CHECK_EQ(copy1(&dom1, 0, DOMID_SELF, x, 0, DOMID_SELF, x, 10, 20), GNTST_okay,
             "own frame -> own frame (overlapping)");
    CHECK_EQ(copy1(&dom1, SG, 2, 8, 0, DOMID_SELF, x, 4095, 1), GNTST_okay, "last byte of the page");
    CHECK_EQ(copy1(&dom1, SG, 2, 8, 4096, DOMID_SELF, x, 0, 0), GNTST_okay, "zero length at the end");
    CHECK(counts_zero(NULL), "no references left");
}

static void test_copy_refusals(void)
{
    copy_setup();
    CHECK_EQ(copy1(&dom1, SG, 2, 8, 4000, DOMID_SELF, x, 0, 200), GNTST_bad_copy_arg,
             "source crosses the page: bad_copy_arg");
    CHECK_EQ(copy1(&dom1, SG, 2, 8, 0, DOMID_SELF, x, 4096, 1), GNTST_bad_copy_arg,
             "dest crosses the page: bad_copy_arg");
    CHECK(gflags(&dom2, 8) == PA && counts_zero(NULL), "bad_copy_arg releases everything");
    CHECK_EQ(copy1(&dom1, SG, 2, 700, 4000, DOMID_SELF, x, 0, 200), GNTST_bad_gntref,
             "bad gref reported before bad offsets (Xen's order)");
    CHECK_EQ(copy1(&dom1, 0, 2, a, 0, DOMID_SELF, x, 0, 8), GNTST_permission_denied,
             "frame of another domain: permission_denied");
    CHECK_EQ(copy1(&dom1, 0, 1, x, 0, DOMID_SELF, x, 0, 8), GNTST_permission_denied,
             "own frame named by id, not DOMID_SELF: permission_denied");
    CHECK_EQ(copy1(&dom1, DG, DOMID_SELF, x, 0, 77, 8, 0, 8), GNTST_bad_domain, "unknown domain: bad_domain");
    CHECK_EQ(copy1(&dom1, SG, 77, 8, 0, 5, 9, 0, 8), GNTST_bad_domain, "source domain checked first");
    CHECK_EQ(copy1(&dom1, SG, 2, 512, 0, DOMID_SELF, x, 0, 8), GNTST_bad_gntref,
             "ref past the table: bad_gntref");
    grant(&dom2, 10, 3, a, PA);
    CHECK_EQ(copy1(&dom1, SG, 2, 10, 0, DOMID_SELF, x, 0, 8), GNTST_general_error,
             "grant for another domain: general_error");
    grant(&dom2, 11, 1, x, PA);
    CHECK_EQ(copy1(&dom1, SG, 2, 11, 0, DOMID_SELF, x, 0, 8), GNTST_bad_page,
             "grant of a frame the granter does not own: bad_page");
    CHECK_EQ(gflags(&dom2, 11), PA, "bad_page: flags restored");
    CHECK_EQ(copy1(&dom1, SG, DOMID_SELF, 8, 0, DOMID_SELF, x, 0, 8), GNTST_general_error,
             "DOMID_SELF gref: own table (entry 8 is empty)");
    CHECK_EQ(copy1(&dom1, 0, DOMID_SELF, a, 0, DOMID_SELF, x, 0, 8), GNTST_bad_page,
             "DOMID_SELF frame not owned: bad_page");
    CHECK_EQ(copy1(&dom1, 0, DOMID_SELF, 0xfffff, 0, DOMID_SELF, x, 0, 8), GNTST_bad_page,
             "frame beyond memory: bad_page");
    mfn_t l1 = fake_page_tables(&dom1);
    CHECK_EQ(copy1(&dom1, SG, 2, 8, 0, DOMID_SELF, l1, 0, 8), GNTST_general_error,
             "copy into one's own page table: general_error");
    CHECK_EQ(copy1(&dom1, 0, DOMID_SELF, l1, 0, DOMID_SELF, x, 0, 8), GNTST_okay,
             "copy out of one's own page table is fine");
    CHECK(gflags(&dom2, 8) == PA && counts_zero(&dom2), "refusals leave nothing behind");
}

static void test_copy_with_mappings(void)
{
    copy_setup();
    fake_page_tables(&dom1);
    grant_handle_t h;
    map1(&dom1, 2, 8, GNTMAP_host_map, gva(0), &h, NULL);
    CHECK_EQ(copy1(&dom1, DG, DOMID_SELF, x, 0, 2, 8, 0, 8), GNTST_okay, "copy into a mapped grant");
    CHECK_EQ(gflags(&dom2, 8), PA | GTF_reading | GTF_writing, "mapping's flags survive the copy");
    CHECK_EQ(copy1(&dom3, SG, 2, 8, 0, DOMID_SELF, fake_alloc(&dom3), 0, 8), GNTST_general_error,
             "another domain cannot use an entry pinned by dom1");
    unmap1(&dom1, h, gva(0), 0);
    CHECK(gflags(&dom2, 8) == PA && counts_zero(&dom2), "after unmap all clear");
}

static void test_copy_batch(void)
{
    copy_setup();
    struct gnttab_copy ops[4];
    memset(ops, 0, sizeof(ops));
    for (unsigned i = 0; i < 4; i++) {
        ops[i].flags = SG;
        ops[i].source.u.ref = 8;
        ops[i].source.domid = 2;
        ops[i].dest.u.gmfn = x;
        ops[i].dest.domid = DOMID_SELF;
        ops[i].dest.offset = (uint16_t)(i * 16);
        ops[i].len = 14;
        ops[i].status = 99;
    }
    ops[1].source.u.ref = 9999;
    ops[2].dest.offset = 4090;
    CHECK_EQ(hc(&dom1, GNTTABOP_copy, ops, 4), 0, "batch of 4 copies returns 0");
    CHECK(ops[0].status == GNTST_okay && ops[1].status == GNTST_bad_gntref &&
              ops[2].status == GNTST_bad_copy_arg && ops[3].status == GNTST_okay,
          "per-op copy status");
    CHECK(!memcmp((char *)frame(x) + 48, "frontend data", 14), "later ops still run");
    fake_bad_guest_lo = (uint64_t)&ops[1];
    fake_bad_guest_hi = (uint64_t)&ops[2];
    CHECK_EQ(hc(&dom1, GNTTABOP_copy, ops, 4), -EFAULT, "unreadable op: -EFAULT");
    fake_bad_guest_lo = fake_bad_guest_hi = 0;
    CHECK(gflags(&dom2, 8) == PA && counts_zero(NULL), "nothing left pinned");
}

void test_copy(void)
{
    test_copy_directions();
    test_copy_refusals();
    test_copy_with_mappings();
    test_copy_batch();
}
