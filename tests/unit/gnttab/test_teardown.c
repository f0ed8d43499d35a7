/* Teardown: every mapping goes when either side dies, references are dropped
 * so the frames can be freed, and no frame leaks (free count returns). */
#include <string.h>
#include "gt_unit.h"

#define PA GTF_permit_access

static void test_granter_dies(void)
{
    fake_reset();
    mfn_t l1 = fake_page_tables(&dom1);
    mfn_t f[3] = { fake_alloc(&dom2), fake_alloc(&dom2), fake_alloc(&dom2) };
    mfn_t own = fake_alloc(&dom1);
    grant(&dom2, 8, 1, f[0], PA);
    grant(&dom2, 9, 1, f[1], PA | GTF_readonly);
    grant(&dom2, 10, 1, f[2], PA);
    grant(&dom1, 8, 1, own, PA);
    grant_handle_t h[4];
    CHECK(map1(&dom1, 2, 8, GNTMAP_host_map, gva(0), &h[0], NULL) == GNTST_okay &&
              map1(&dom1, 2, 9, GNTMAP_host_map | GNTMAP_readonly, gva(1), &h[1], NULL) == GNTST_okay &&
              map1(&dom1, 2, 10, GNTMAP_device_map | GNTMAP_host_map, gva(2), &h[2], NULL) == GNTST_okay &&
              map1(&dom1, 1, 8, GNTMAP_host_map, gva(3), &h[3], NULL) == GNTST_okay,
          "backend maps three frontend grants and one of its own");
    int fl = n_flush[1];
    dom2.state = DOM_DYING;
    gnttab_domain_destroy(&dom2);
    CHECK(counts_zero(&dom2), "dead domain's frames unreferenced before they are freed");
    CHECK(dom2.gnttab == NULL, "dead domain's table gone");
    fake_destroy(&dom2);
    CHECK(l1e(l1, 0) == 0 && l1e(l1, 1) == 0 && l1e(l1, 2) == 0,
          "survivor's PTEs of the dead domain's grants cleared");
    CHECK_EQ(l1e(l1, 3), gpte(own, true), "survivor's mapping of its own grant stays");
    CHECK(n_flush[1] > fl, "survivor's TLBs flushed");
    CHECK(pg(f[0])->flags & PGF_free && pg(f[1])->flags & PGF_free && pg(f[2])->flags & PGF_free,
          "dead domain's granted frames freed");
    CHECK_EQ(dom1.gnttab->maptrack_used, 1, "survivor's maptrack holds only its own mapping");
    CHECK_EQ(unmap1(&dom1, h[0], gva(0), 0), GNTST_bad_handle,
             "handles of the dead domain's grants are gone");
    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_host_map, gva(0), NULL, NULL), GNTST_bad_domain,
             "dead domain: bad_domain");
    CHECK_EQ(unmap1(&dom1, h[3], gva(3), 0), GNTST_okay, "own mapping unmaps normally");
    CHECK(gflags(&dom1, 8) == PA && pg(own)->count == 0, "own grant released");
}

static void test_grantee_dies(void)
{
    fake_reset();
    uint64_t base = frames_free_count();
    mfn_t l1 = fake_page_tables(&dom1);
    mfn_t f = fake_alloc(&dom2), g = fake_alloc(&dom2);
    grant(&dom2, 8, 1, f, PA);
    grant(&dom2, 9, 1, g, PA);
    CHECK(map1(&dom1, 2, 8, GNTMAP_host_map, gva(0), NULL, NULL) == GNTST_okay &&
              map1(&dom1, 2, 9, GNTMAP_device_map, 0, NULL, NULL) == GNTST_okay &&
              map1(&dom1, 2, 8, GNTMAP_host_map | GNTMAP_readonly, gva(1), NULL, NULL) == GNTST_okay,
          "backend maps the frontend's grants");
    /* The backend also maps its own grant frame (as Linux does) and wrote a PTE over one
     * of its mappings, whose references pagetype then dropped. */
    spin_lock(&dom1.lock);
    CHECK_EQ(pt_update_entry(&dom1, l1, 10, (dom1.gnttab->frames[0] << PAGE_SHIFT) | PTE_P | PTE_RW, false),
             0, "backend maps its grant frame writable");
    CHECK_EQ(pt_update_entry(&dom1, l1, 1, 0, false), 0, "backend clears one mapping itself");
    spin_unlock(&dom1.lock);
    fake_destroy(&dom1);
    CHECK_EQ(gflags(&dom2, 8), PA, "granter's flags cleared when the grantee dies");
    CHECK_EQ(gflags(&dom2, 9), PA, "device pin released too");
    CHECK(counts_zero(&dom2), "granter's frames unreferenced");
    CHECK_EQ(dom2.gnttab->nr_pinned, 0, "no active entries left");
    grant_entry_v1_t e = *gent(&dom2, 8);
    CHECK(e.flags == PA && e.domid == 1, "granter may now revoke (Linux cmpxchg succeeds)");
    /* The frontend's 2 frames stay allocated; the backend's 4 table frames
     * (allocated before base) come back with everything it allocated since. */
    CHECK_EQ(frames_free_count(), base - 2 + 4, "grantee's frames, tables and grant frames all freed");
    /* the backend rebuilt with the same id maps the same grants again (a
     * driver domain recreated under its frontends, docs/restart.md) */
    fake_rebuild_dom1();
    l1 = fake_page_tables(&dom1);
    CHECK_EQ(map1(&dom1, 2, 8, GNTMAP_host_map, gva(0), NULL, NULL), GNTST_okay,
             "the backend rebuilt with its id maps the frontend's grant again");
    CHECK(l1e(l1, 0) == gpte(f, true) && (gflags(&dom2, 8) & GTF_reading) && (gflags(&dom2, 8) & GTF_writing),
          "mapped writable, the granter's entry in use again");
}

static void test_no_leak(void)
{
    fake_reset();
    uint64_t all = FAKE_FRAMES - 1;
    fake_page_tables(&dom1);
    fake_page_tables(&dom2);
    xen_pfn_t list[8];
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 8 };
    set_xen_guest_handle(st.frame_list, list);
    hc(&dom2, GNTTABOP_setup_table, &st, 1);
    for (unsigned i = 0; i < 300; i++) {
        mfn_t m = fake_alloc(&dom2);
        grant(&dom2, 8 + i, 1, m, PA);
        map1(&dom1, 2, 8 + i, i & 1 ? GNTMAP_device_map : GNTMAP_host_map, gva(i), NULL, NULL);
    }
    for (unsigned i = 0; i < 200; i++)
        map1(&dom2, 1, 8, GNTMAP_device_map, 0, NULL, NULL); /* bad grants: refused */
    CHECK_EQ(dom1.gnttab->maptrack_used, 300, "300 mappings held");
    fake_destroy(&dom1);
    fake_destroy(&dom2);
    fake_destroy(&dom3);
    CHECK_EQ(frames_free_count(), all, "every frame back after all domains died");
}

/* Out of memory: growing or creating a table fails cleanly. */
static void test_out_of_memory(void)
{
    fake_reset();
    uint64_t base = frames_free_count();
    mfn_t hoard = ~0u, m;
    while ((m = frame_alloc()) != INVALID_MFN) { /* take all but 5 frames */
        pg(m)->next = (uint32_t)hoard;
        hoard = m;
        if (frames_free_count() == 5) break;
    }
    xen_pfn_t list[4];
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 4 };
    set_xen_guest_handle(st.frame_list, list);
    hc(&dom1, GNTTABOP_setup_table, &st, 1);
    CHECK_EQ(st.status, GNTST_general_error, "no memory to grow: general_error");
    CHECK(dom1.gnttab->nr_frames == 1 && frames_free_count() == 5, "failed growth leaves no trace");
    st.nr_frames = 2;
    hc(&dom1, GNTTABOP_setup_table, &st, 1);
    CHECK(st.status == GNTST_okay && frames_free_count() == 2, "growth by one frame fits (3 frames)");
    struct domain extra;
    memset(&extra, 0, sizeof(extra));
    extra.id = 9;
    extra.page_list = ~0u;
    CHECK_EQ(gnttab_domain_init(&extra), -ENOMEM, "init without memory: -ENOMEM");
    CHECK(extra.gnttab == NULL && frames_free_count() == 2, "failed init leaves no trace");
    while (hoard != ~0u) {
        m = hoard;
        hoard = pg(m)->next;
        frame_free(m);
    }
    CHECK_EQ(frames_free_count(), base - 3, "hoard returned");
}

void test_teardown(void)
{
    test_out_of_memory();
    test_granter_dies();
    test_grantee_dies();
    test_no_leak();
}
