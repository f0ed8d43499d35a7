/* Grant tables v2 (set_version both ways, status frames, v2 entries for map
 * and copy, sub-page and transitive grants), swap_grant_ref and
 * unmap_and_replace: results and refusals in Xen 4.17's order. */
#include <string.h>
#include "gt_unit.h"

#define PA GTF_permit_access

static grant_entry_v2_t *gent2(struct domain *d, grant_ref_t ref)
{
    return gnttab_shared_entry_v2(d->gnttab, ref);
}

static uint16_t status2(struct domain *d, grant_ref_t ref)
{
    grant_status_t *s = frame(d->gnttab->status[ref / 2048]);
    return s[ref % 2048];
}

static long set_ver(struct domain *d, uint32_t v, uint32_t *back)
{
    struct gnttab_set_version op = { .version = v };
    long rc = hc(d, GNTTABOP_set_version, &op, 1);
    if (back) *back = op.version;
    return rc;
}

static int status_frames(struct domain *d, domid_t dom, uint32_t n, uint64_t *list, unsigned count)
{
    struct gnttab_get_status_frames op = { .nr_frames = n, .dom = dom, .status = 99 };
    set_xen_guest_handle(op.frame_list, list);
    long rc = hc(d, GNTTABOP_get_status_frames, &op, count);
    return rc ? 1000 + (int)rc : op.status;
}

static void grant2(struct domain *d, grant_ref_t ref, domid_t to, mfn_t m, uint16_t flags)
{
    grant_entry_v2_t *e = gent2(d, ref);
    e->full_page.frame = m;
    e->hdr.domid = to;
    e->hdr.flags = flags;
}

static void test_switch(void)
{
    fake_reset();
    uint32_t v;
    mfn_t m = fake_alloc(&dom2);
    grant(&dom2, 1, 1, m, PA); /* reserved: the xenstore grant */
    grant(&dom2, 8, 1, m, PA);
    CHECK_EQ(set_ver(&dom2, 2, &v), 0, "set_version 2: 0");
    CHECK_EQ(v, 2, "... reports 2");
    struct gnttab_get_version g = { .dom = DOMID_SELF };
    hc(&dom2, GNTTABOP_get_version, &g, 1);
    CHECK_EQ(g.version, 2, "get_version: 2");
    CHECK_EQ(dom2.gnttab->nr_status, 1, "one status frame for one grant frame");
    CHECK_EQ(gent2(&dom2, 1)->hdr.flags, PA, "reserved entry 1 kept (flags)");
    CHECK_EQ(gent2(&dom2, 1)->hdr.domid, 1, "reserved entry 1 kept (domid)");
    CHECK_EQ(gent2(&dom2, 1)->full_page.frame, m, "reserved entry 1 kept (frame)");
    CHECK_EQ(gent2(&dom2, 8)->hdr.flags, 0, "entry 8 cleared by the switch");
    CHECK_EQ(set_ver(&dom2, 2, &v), 0, "set_version 2 again: 0, nothing changes");
    CHECK_EQ(gent2(&dom2, 1)->full_page.frame, m, "... entry 1 intact");
    uint64_t list[4] = { 0 };
    CHECK_EQ(status_frames(&dom2, DOMID_SELF, 1, list, 1), GNTST_okay, "get_status_frames 1");
    CHECK_EQ(list[0], dom2.gnttab->status[0], "... names the status frame");
    CHECK_EQ(pg(list[0])->owner, 2, "status frame owned by the domain (shared)");
    CHECK_EQ(status_frames(&dom2, DOMID_SELF, 2, list, 1), GNTST_general_error,
             "more status frames than exist: general_error");
    CHECK_EQ(status_frames(&dom2, DOMID_SELF, 1, list, 2), 1000 - EINVAL, "count 2: -EINVAL");
    CHECK_EQ(status_frames(&dom2, 77, 1, list, 1), GNTST_bad_domain, "unknown domain: bad_domain");
    CHECK_EQ(status_frames(&dom3, 2, 1, list, 1), GNTST_permission_denied,
             "a stranger's status frames: permission_denied");
    CHECK_EQ(status_frames(&dom1, 2, 1, list, 1), GNTST_okay, "the builder may ask for its child's");
    CHECK_EQ(status_frames(&dom2, DOMID_SELF, 1, (uint64_t *)0xFFFF800000000000UL, 1), 1000 - EFAULT,
             "frame_list in hypervisor space: -EFAULT");
    CHECK_EQ(status_frames(&dom1, DOMID_SELF, 1, list, 1), GNTST_general_error,
             "a v1 domain has no status frames: general_error");

    /* Growing a v2 table grows the status frames with it. */
    xen_pfn_t fl[16];
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 9 };
    set_xen_guest_handle(st.frame_list, fl);
    CHECK_EQ(hc(&dom2, GNTTABOP_setup_table, &st, 1), 0, "setup_table 9 frames under v2");
    CHECK_EQ(dom2.gnttab->nr_status, 2, "9 v2 frames (2304 entries) need 2 status frames");

    /* Back to v1: refusals first. */
    gent2(&dom2, 2)->hdr.flags = GTF_transitive;
    CHECK_EQ(set_ver(&dom2, 1, &v), -ERANGE, "v1 cannot express a transitive reserved entry: -ERANGE");
    CHECK_EQ(v, 2, "... version stays 2");
    gent2(&dom2, 2)->hdr.flags = PA;
    gent2(&dom2, 2)->full_page.frame = 1ull << 32;
    CHECK_EQ(set_ver(&dom2, 1, NULL), -ERANGE, "frame above 32 bits in a reserved entry: -ERANGE");
    gent2(&dom2, 2)->hdr.flags = 0;
    get_page(pg(dom2.gnttab->status[0]), &dom2); /* the guest maps its status frame */
    CHECK_EQ(set_ver(&dom2, 1, &v), -EBUSY, "a mapped status frame: -EBUSY");
    CHECK_EQ(v, 2, "... still v2");
    CHECK_EQ(gent2(&dom2, 1)->full_page.frame, m, "... and nothing cleared");
    put_page(pg(dom2.gnttab->status[0]));
    CHECK_EQ(set_ver(&dom2, 1, &v), 0, "back to v1");
    CHECK_EQ(v, 1, "... reports 1");
    CHECK_EQ(dom2.gnttab->nr_status, 0, "status frames gone");
    CHECK_EQ(gent(&dom2, 1)->frame, m, "reserved entry 1 survives the round trip");
    CHECK_EQ(gent(&dom2, 1)->flags, PA, "... with its flags");
    CHECK_EQ(status_frames(&dom2, DOMID_SELF, 1, list, 1), GNTST_general_error, "no status frames under v1");
}

static void test_switch_busy(void)
{
    fake_reset();
    mfn_t l1 = fake_page_tables(&dom1);
    mfn_t m = fake_alloc(&dom2);
    grant(&dom2, 3, 1, m, PA);
    grant(&dom2, 9, 1, m, PA);
    grant_handle_t h3, h9;
    CHECK_EQ(map1(&dom1, 2, 3, GNTMAP_host_map, gva(0), &h3, NULL), GNTST_okay, "map reserved entry 3");
    CHECK_EQ(set_ver(&dom2, 2, NULL), 0, "reserved entries may stay mapped across a switch");
    CHECK_EQ(status2(&dom2, 3), GTF_reading | GTF_writing, "... their status moves to the status frame");
    CHECK_EQ(unmap1(&dom1, h3, gva(0), 0), GNTST_okay, "unmap it under v2");
    CHECK_EQ(status2(&dom2, 3), 0, "status cleared");
    CHECK_EQ(l1e(l1, 0), 0, "PTE cleared");
    CHECK_EQ(set_ver(&dom2, 1, NULL), 0, "back to v1");
    grant(&dom2, 9, 1, m, PA);
    CHECK_EQ(map1(&dom1, 2, 9, GNTMAP_host_map, gva(1), &h9, NULL), GNTST_okay, "map entry 9");
    uint32_t v;
    CHECK_EQ(set_ver(&dom2, 2, &v), -EBUSY, "entry 9 in use: -EBUSY");
    CHECK_EQ(v, 1, "... stays v1");
    CHECK_EQ(gent(&dom2, 9)->frame, m, "... entry 9 intact");
    CHECK_EQ(unmap1(&dom1, h9, gva(1), 0), GNTST_okay, "unmap 9");
    CHECK(counts_zero(&dom2), "no references left");
}

static void test_v2_map_copy(void)
{
    fake_reset();
    mfn_t l1 = fake_page_tables(&dom1);
    mfn_t a = fake_alloc(&dom2), x = fake_alloc(&dom1);
    set_ver(&dom2, 2, NULL);
    grant2(&dom2, 300, 1, a, PA); /* 300 > 255: needs a second v2 frame */
    CHECK_EQ(map1(&dom1, 2, 300, GNTMAP_host_map, gva(0), NULL, NULL), GNTST_bad_gntref,
             "v2 ref 300 in a one-frame table (256 entries): bad_gntref");
    grant2(&dom2, 200, 1, a, PA);
    grant_handle_t h;
    CHECK_EQ(map1(&dom1, 2, 200, GNTMAP_host_map, gva(0), &h, NULL), GNTST_okay, "map a v2 grant");
    CHECK_EQ(l1e(l1, 0), gpte(a, true), "PTE maps the v2 entry's frame");
    CHECK_EQ(status2(&dom2, 200), GTF_reading | GTF_writing, "status frame: reading|writing");
    CHECK_EQ(gent2(&dom2, 200)->hdr.flags, PA, "the v2 header is not written");
    CHECK_EQ(unmap1(&dom1, h, gva(0), 0), GNTST_okay, "unmap");
    CHECK_EQ(status2(&dom2, 200), 0, "status cleared");

    grant2(&dom2, 201, 1, a, PA | GTF_readonly);
    CHECK_EQ(map1(&dom1, 2, 201, GNTMAP_host_map, gva(1), NULL, NULL), GNTST_general_error,
             "writable map of a read-only v2 grant: general_error");
    CHECK_EQ(status2(&dom2, 201), 0, "... no status left behind");
    grant2(&dom2, 202, 3, a, PA);
    CHECK_EQ(map1(&dom1, 2, 202, GNTMAP_host_map, gva(1), NULL, NULL), GNTST_general_error,
             "v2 grant to another domain: general_error");

    /* sub-page: copies only, inside [page_off, page_off + length) */
    grant_entry_v2_t *e = gent2(&dom2, 203);
    e->sub_page.frame = a;
    e->sub_page.page_off = 1000;
    e->sub_page.length = 100;
    e->hdr.domid = 1;
    e->hdr.flags = PA | GTF_sub_page;
    memcpy((char *)frame(a) + 1000, "sub-page bytes", 15);
    CHECK_EQ(map1(&dom1, 2, 203, GNTMAP_host_map, gva(1), NULL, NULL), GNTST_general_error,
             "mapping a sub-page grant: general_error");
    CHECK_EQ(copy1(&dom1, GNTCOPY_source_gref, 2, 203, 1000, DOMID_SELF, x, 0, 15), GNTST_okay,
             "copy from inside the sub-page");
    CHECK(!memcmp(frame(x), "sub-page bytes", 15), "... data arrived");
    CHECK_EQ(copy1(&dom1, GNTCOPY_source_gref, 2, 203, 999, DOMID_SELF, x, 0, 15), GNTST_general_error,
             "copy starting before the sub-page: general_error");
    CHECK_EQ(copy1(&dom1, GNTCOPY_dest_gref, DOMID_SELF, x, 0, 2, 203, 1090, 11), GNTST_general_error,
             "copy running past the sub-page: general_error");
    CHECK_EQ(copy1(&dom1, GNTCOPY_dest_gref, DOMID_SELF, x, 0, 2, 203, 1090, 10), GNTST_okay,
             "copy ending exactly at the sub-page's end");
    CHECK_EQ(copy1(&dom1, GNTCOPY_source_gref, 2, 203, 4000, DOMID_SELF, x, 0, 200), GNTST_bad_copy_arg,
             "past the page is bad_copy_arg before the sub-page check");
    CHECK_EQ(status2(&dom2, 203), 0, "status clear after the copies");
    CHECK(counts_zero(&dom2), "no references left");
}

static void test_transitive(void)
{
    fake_reset();
    mfn_t t = fake_alloc(&dom3), x = fake_alloc(&dom1);
    set_ver(&dom2, 2, NULL);
    set_ver(&dom3, 2, NULL);
    /* dom3 grants dom2 bytes 100..199 of t; dom2 passes them on to dom1. */
    grant_entry_v2_t *e3 = gent2(&dom3, 20);
    e3->sub_page.frame = t;
    e3->sub_page.page_off = 100;
    e3->sub_page.length = 100;
    e3->hdr.domid = 2;
    e3->hdr.flags = PA | GTF_sub_page;
    grant_entry_v2_t *e2 = gent2(&dom2, 30);
    e2->transitive.trans_domid = 3;
    e2->transitive.gref = 20;
    e2->hdr.domid = 1;
    e2->hdr.flags = GTF_transitive;
    memcpy((char *)frame(t) + 100, "passed along", 13);
    CHECK_EQ(copy1(&dom1, GNTCOPY_source_gref, 2, 30, 100, DOMID_SELF, x, 0, 13), GNTST_okay,
             "copy through a transitive grant");
    CHECK(!memcmp(frame(x), "passed along", 13), "... reads the original granter's frame");
    CHECK_EQ(copy1(&dom1, GNTCOPY_source_gref, 2, 30, 0, DOMID_SELF, x, 0, 13), GNTST_general_error,
             "the transitive grant carries the sub-page bounds");
    CHECK_EQ(status2(&dom2, 30), 0, "status of the transitive entry clear afterwards");
    CHECK_EQ(status2(&dom3, 20), 0, "status of the original entry clear afterwards");
    CHECK_EQ(map1(&dom1, 2, 30, GNTMAP_host_map, gva(0), NULL, NULL), GNTST_general_error,
             "mapping a transitive grant: general_error");
    e2->transitive.trans_domid = 2;
    CHECK_EQ(copy1(&dom1, GNTCOPY_source_gref, 2, 30, 100, DOMID_SELF, x, 0, 1), GNTST_general_error,
             "self-referential transitive grant: general_error");
    e2->transitive.trans_domid = 77;
    CHECK_EQ(copy1(&dom1, GNTCOPY_source_gref, 2, 30, 100, DOMID_SELF, x, 0, 1), GNTST_general_error,
             "transitive grant naming no domain: general_error");
    e2->transitive.trans_domid = 3;
    e3->hdr.flags = GTF_transitive; /* a chain: Xen follows one level */
    CHECK_EQ(copy1(&dom1, GNTCOPY_source_gref, 2, 30, 100, DOMID_SELF, x, 0, 1), GNTST_general_error,
             "transitive to transitive: general_error");
    e3->hdr.flags = PA | GTF_sub_page;
    e3->hdr.domid = 1;
    CHECK_EQ(copy1(&dom1, GNTCOPY_source_gref, 2, 30, 100, DOMID_SELF, x, 0, 1), GNTST_general_error,
             "original entry granted to someone else: general_error");
    CHECK_EQ(status2(&dom2, 30), 0, "refusals leave no status");
    CHECK(counts_zero(NULL), "no references left");
}

static int swap1(struct domain *d, grant_ref_t a, grant_ref_t b)
{
    struct gnttab_swap_grant_ref op = { .ref_a = a, .ref_b = b, .status = 99 };
    long rc = hc(d, GNTTABOP_swap_grant_ref, &op, 1);
    return rc ? 1000 + (int)rc : op.status;
}

static void test_swap(void)
{
    fake_reset();
    fake_page_tables(&dom1);
    mfn_t m = fake_alloc(&dom2), n = fake_alloc(&dom2);
    grant(&dom2, 10, 1, m, PA);
    grant(&dom2, 11, 3, n, PA | GTF_readonly);
    CHECK_EQ(swap1(&dom2, 10, 11), GNTST_okay, "swap two v1 entries");
    CHECK(gent(&dom2, 10)->frame == n && gent(&dom2, 10)->domid == 3, "entry 10 now holds 11's");
    CHECK(gent(&dom2, 11)->frame == m && gent(&dom2, 11)->flags == PA, "entry 11 now holds 10's");
    CHECK_EQ(swap1(&dom2, 10, 10), GNTST_okay, "swap with itself: okay");
    CHECK_EQ(swap1(&dom2, 10, 512), GNTST_bad_gntref, "ref_b beyond the table: bad_gntref");
    CHECK_EQ(swap1(&dom2, 600, 10), GNTST_bad_gntref, "ref_a beyond the table: bad_gntref");
    grant_handle_t h;
    map1(&dom1, 2, 11, GNTMAP_host_map, gva(0), &h, NULL);
    CHECK_EQ(swap1(&dom2, 10, 11), GNTST_eagain, "a mapped entry cannot move: eagain");
    CHECK_EQ(gent(&dom2, 11)->frame, m, "... nothing moved");
    unmap1(&dom1, h, gva(0), 0);
    set_ver(&dom2, 2, NULL);
    grant2(&dom2, 12, 1, m, PA);
    CHECK_EQ(swap1(&dom2, 12, 13), GNTST_okay, "swap two v2 entries");
    CHECK(gent2(&dom2, 13)->full_page.frame == m && gent2(&dom2, 12)->hdr.flags == 0, "v2 entries swapped");
    CHECK_EQ(swap1(&dom2, 12, 256), GNTST_bad_gntref, "v2: 256 entries per frame");
    CHECK(counts_zero(&dom2), "no references left");
}

static int replace1(struct domain *d, uint64_t host, uint64_t new_addr, grant_handle_t h)
{
    struct gnttab_unmap_and_replace op = {
        .host_addr = host, .new_addr = new_addr, .handle = h, .status = 99
    };
    long rc = hc(d, GNTTABOP_unmap_and_replace, &op, 1);
    return rc ? 1000 + (int)rc : op.status;
}

static void test_unmap_and_replace(void)
{
    fake_reset();
    mfn_t l1 = fake_page_tables(&dom1);
    mfn_t data = fake_alloc(&dom2), own = fake_alloc(&dom1);
    grant(&dom2, 8, 1, data, PA);
    grant_handle_t h;
    map1(&dom1, 2, 8, GNTMAP_host_map, gva(0), &h, NULL);
    /* An ordinary writable mapping of dom1's own frame at gva(1). */
    uint64_t own_pte = (own << PAGE_SHIFT) | PTE_P | PTE_RW | PTE_US;
    CHECK_EQ(get_page_and_type(own, &dom1, PGT_writable), 0, "references for the own mapping");
    ((uint64_t *)frame(l1))[1] = own_pte;

    CHECK_EQ(replace1(&dom1, gva(0), gva(1), 4000), GNTST_bad_handle, "bad handle: bad_handle");
    CHECK_EQ(l1e(l1, 1), own_pte, "... new_addr's PTE untouched");
    CHECK_EQ(replace1(&dom1, gva(0), 0x800000000000ull, h), GNTST_general_error,
             "new_addr with no L1: general_error");
    CHECK_EQ(l1e(l1, 0), gpte(data, true), "... grant mapping still there");
    int f = n_flush[1];
    CHECK_EQ(replace1(&dom1, gva(0), gva(1), h), GNTST_okay, "unmap_and_replace");
    CHECK_EQ(l1e(l1, 0), own_pte, "the grant's slot now holds new_addr's PTE");
    CHECK_EQ(l1e(l1, 1), 0, "new_addr's slot is empty");
    CHECK(n_flush[1] > f, "TLBs flushed");
    CHECK_EQ(gflags(&dom2, 8), PA, "grant released");
    CHECK(pg(data)->count == 0, "granted frame's references dropped");
    CHECK(pg(own)->count == 1 && pg(own)->type_count == 1, "moved PTE keeps its references");
    CHECK_EQ(replace1(&dom1, gva(0), gva(1), h), GNTST_bad_handle, "second time: bad_handle");

    /* A failed replace still consumes new_addr's mapping, as Xen does. */
    map1(&dom1, 2, 8, GNTMAP_host_map, gva(2), &h, NULL);
    CHECK_EQ(replace1(&dom1, gva(3), gva(0), h), GNTST_general_error,
             "host_addr not the mapping's: general_error");
    CHECK_EQ(l1e(l1, 0), 0, "... the stolen PTE is dropped");
    CHECK(pg(own)->count == 0 && pg(own)->type_count == 0, "... with its references");
    CHECK_EQ(unmap1(&dom1, h, gva(2), 0), GNTST_okay, "the grant mapping is still there to unmap");

    /* GNTMAP_contains_pte mappings cannot be replaced. */
    uint64_t maddr = (l1 << PAGE_SHIFT) + 5 * 8;
    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_host_map | GNTMAP_contains_pte, maddr, &h, NULL), GNTST_okay,
             "map by PTE address");
    CHECK_EQ(replace1(&dom1, maddr, gva(1), h), GNTST_general_error,
             "replace of a contains_pte mapping: general_error");
    CHECK_EQ(replace1(&dom1, maddr, 0, h), GNTST_okay, "new_addr 0: a plain unmap");
    CHECK_EQ(l1e(l1, 5), 0, "PTE cleared");
    CHECK(counts_zero(&dom2), "no references left on the granter's frames");
}

void test_v2(void)
{
    test_switch();
    test_switch_busy();
    test_v2_map_copy();
    test_transitive();
    test_swap();
    test_unmap_and_replace();
}
