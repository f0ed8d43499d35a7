/* unmap_grant_ref: handles, address checks, partial unmaps, GTF flags as the
 * last mapping of a kind goes, flush before release, and mappings the guest
 * destroyed behind our back (no double release). */
#include <string.h>
#include "gt_unit.h"

#define PA GTF_permit_access

static void test_unmap_basic(void)
{
    fake_reset();
    mfn_t l1 = fake_page_tables(&dom1);
    mfn_t data = fake_alloc(&dom2);
    grant(&dom2, 8, 1, data, PA);
    grant_handle_t h;
    map1(&dom1, 2, 8, GNTMAP_host_map, gva(0), &h, NULL);
    CHECK_EQ(unmap1(&dom1, 5000, gva(0), 0), GNTST_bad_handle, "handle past the maptrack: bad_handle");
    CHECK_EQ(unmap1(&dom1, 7, gva(0), 0), GNTST_bad_handle, "free handle: bad_handle");
    CHECK_EQ(unmap1(&dom1, h, gva(3), 0), GNTST_general_error, "wrong host_addr: general_error");
    CHECK_EQ(l1e(l1, 0), gpte(data, true), "wrong host_addr leaves the mapping");
    CHECK_EQ(unmap1(&dom1, h, 0, 0), GNTST_okay, "host_addr 0 and bus 0: nothing to do, okay");
    CHECK_EQ(l1e(l1, 0), gpte(data, true), "... and the mapping stays");
    CHECK_EQ(unmap1(&dom1, h, 0, data << PAGE_SHIFT), GNTST_okay,
             "bus address on a host-only mapping: ignored");
    CHECK_EQ(l1e(l1, 0), gpte(data, true), "... mapping still there");
    int f = n_flush[1];
    flush_watch = data;
    CHECK_EQ(unmap1(&dom1, h, gva(0) + 123, 0), GNTST_okay, "unmap (offset within the page is fine)");
    CHECK_EQ(l1e(l1, 0), 0, "PTE cleared");
    CHECK(n_flush[1] == f + 1, "unmap flushes the domain's TLBs");
    CHECK_EQ(flush_watch_count, 1, "references still held at flush time");
    CHECK(pg(data)->count == 0 && pg(data)->type_count == 0, "references dropped after the flush");
    CHECK_EQ(gflags(&dom2, 8), PA, "GTF_reading/GTF_writing cleared");
    CHECK_EQ(unmap1(&dom1, h, gva(0), 0), GNTST_bad_handle, "second unmap: bad_handle");
    CHECK(counts_zero(&dom2), "no references left on the granter's frames");
}

static void test_unmap_kinds(void)
{
    fake_reset();
    fake_page_tables(&dom1);
    mfn_t data = fake_alloc(&dom2);
    grant(&dom2, 8, 1, data, PA);
    grant_handle_t rw, ro, both;
    map1(&dom1, 2, 8, GNTMAP_host_map, gva(0), &rw, NULL);
    map1(&dom1, 2, 8, GNTMAP_host_map | GNTMAP_readonly, gva(1), &ro, NULL);
    CHECK_EQ(unmap1(&dom1, rw, gva(0), 0), GNTST_okay, "unmap the RW mapping");
    CHECK_EQ(gflags(&dom2, 8), PA | GTF_reading, "last writer gone: GTF_writing cleared, reading stays");
    CHECK(pg(data)->count == 1 && pg(data)->type_count == 0, "RO mapping's reference remains");
    /* Linux's revoke: cmpxchg flags to 0 only if not reading/writing. */
    CHECK(gflags(&dom2, 8) & (GTF_reading | GTF_writing), "granter sees the frame in use");
    CHECK_EQ(unmap1(&dom1, ro, gva(1), 0), GNTST_okay, "unmap the RO mapping");
    CHECK_EQ(gflags(&dom2, 8), PA, "last mapping gone: flags clear, granter may revoke");

    map1(&dom1, 2, 8, GNTMAP_host_map | GNTMAP_device_map, gva(2), &both, NULL);
    CHECK_EQ(unmap1(&dom1, both, 0, 0x1000), GNTST_bad_dev_addr, "wrong bus address: bad_dev_addr");
    CHECK_EQ(unmap1(&dom1, both, gva(2), 0), GNTST_okay, "unmap the host part only");
    CHECK_EQ(gflags(&dom2, 8), PA | GTF_reading | GTF_writing, "device part keeps the entry pinned");
    CHECK(pg(data)->count == 1 && pg(data)->type_count == 1, "device part's references remain");
    CHECK_EQ(unmap1(&dom1, both, gva(2), 0), GNTST_okay, "host part again: nothing left to do");
    CHECK_EQ(unmap1(&dom1, both, 0, data << PAGE_SHIFT), GNTST_okay, "unmap the device part");
    CHECK(gflags(&dom2, 8) == PA && counts_zero(&dom2), "everything released");
    CHECK_EQ(unmap1(&dom1, both, 0, data << PAGE_SHIFT), GNTST_bad_handle, "handle freed with its last part");
}

/* The guest replaces or loses the PTE itself: pagetype.c drops the references.
 * As in Xen, unmap then fails (general_error) and the grant stays pinned until
 * the guest dies; nothing is released twice. */
static void test_unmap_behind_our_back(void)
{
    fake_reset();
    mfn_t l1 = fake_page_tables(&dom1);
    mfn_t data = fake_alloc(&dom2), own = fake_alloc(&dom1);
    grant(&dom2, 8, 1, data, PA);
    grant_handle_t h0, h1, h3;
    map1(&dom1, 2, 8, GNTMAP_host_map, gva(0), &h0, NULL);
    spin_lock(&dom1.lock);
    CHECK_EQ(pt_update_entry(&dom1, l1, 0, 0, false), 0, "guest clears the grant PTE by mmu_update");
    spin_unlock(&dom1.lock);
    CHECK(pg(data)->count == 0 && pg(data)->type_count == 0, "pagetype dropped the mapping's references");
    CHECK_EQ(unmap1(&dom1, h0, gva(0), 0), GNTST_general_error,
             "unmap after the guest cleared it: general_error (Xen)");
    CHECK(pg(data)->count == 0 && gflags(&dom2, 8) == (PA | GTF_reading | GTF_writing),
          "no double release; the grant stays pinned");

    map1(&dom1, 2, 8, GNTMAP_host_map | GNTMAP_readonly, gva(1), &h1, NULL);
    spin_lock(&dom1.lock);
    CHECK_EQ(pt_update_entry(&dom1, l1, 1, (own << PAGE_SHIFT) | PTE_P, false), 0,
             "guest overwrites the grant PTE with its own frame");
    spin_unlock(&dom1.lock);
    CHECK_EQ(unmap1(&dom1, h1, gva(1), 0), GNTST_general_error, "unmap after the overwrite: general_error");
    CHECK_EQ(l1e(l1, 1), (own << PAGE_SHIFT) | PTE_P | PTE_US | PTE_GUEST_KERNEL,
             "the guest's own entry is left alone");
    CHECK(pg(data)->count == 0 && pg(own)->count == 1, "references as the entries say");

    /* The guest cannot forge a grant PTE (bit 62, foreign frame). */
    spin_lock(&dom1.lock);
    CHECK(pt_update_entry(&dom1, l1, 2, gpte(data, true), false) != 0, "guest cannot write a grant PTE");
    spin_unlock(&dom1.lock);

    /* The L1 loses its type (address space torn down): references go with it. */
    map1(&dom1, 2, 8, GNTMAP_host_map, gva(3), &h3, NULL);
    mfn_t l4 = dom1.vcpu[0]->arch.guest_table;
    dom1.vcpu[0]->arch.guest_table = INVALID_MFN;
    spin_lock(&dom1.lock);
    put_page_and_type(pg(l4));
    spin_unlock(&dom1.lock);
    CHECK(pg(data)->count == 0 && pg(data)->type_count == 0, "devalidated L1 released the grant PTE");
    CHECK_EQ(unmap1(&dom1, h3, gva(3), 0), GNTST_general_error, "unmap after the L1 was devalidated");
    CHECK_EQ(dom1.gnttab->maptrack_used, 3, "the three stale mappings stay tracked");

    /* The grantee's death releases the pins without touching the references. */
    fake_destroy(&dom1);
    CHECK(counts_zero(&dom2) && gflags(&dom2, 8) == PA && dom2.gnttab->nr_pinned == 0,
          "grantee's death releases stale mappings, no double release");
}

/* When the guest drops a grant PTE itself (mmu_update, ptwr's compare-exchange,
 * or its L1 losing its type), the mapping domain's TLBs are flushed before the
 * references go, as for any foreign mapping: the granter may reuse the frame
 * (e.g. as a page table) as soon as they are gone. */
static void test_guest_drop_flushes(void)
{
    fake_reset();
    mfn_t l1 = fake_page_tables(&dom1);
    mfn_t data = fake_alloc(&dom2), own = fake_alloc(&dom1);
    grant(&dom2, 8, 1, data, PA);
    grant_handle_t h0, h1, h2, h3;
    flush_watch = data;

    map1(&dom1, 2, 8, GNTMAP_host_map, gva(0), &h0, NULL);
    int f = n_flush[1];
    flush_watch_count = 99;
    spin_lock(&dom1.lock);
    CHECK_EQ(pt_update_entry(&dom1, l1, 0, 0, false), 0, "flush: guest clears the grant PTE");
    spin_unlock(&dom1.lock);
    CHECK(n_flush[1] == f + 1, "flush: clearing a grant PTE flushes the mapping domain");
    CHECK_EQ(flush_watch_count, 1, "flush: ... while its reference was still held");
    CHECK(pg(data)->count == 0 && pg(data)->type_count == 0, "flush: then the references went");

    map1(&dom1, 2, 8, GNTMAP_host_map | GNTMAP_readonly, gva(1), &h1, NULL);
    f = n_flush[1];
    flush_watch_count = 99;
    spin_lock(&dom1.lock);
    CHECK_EQ(pt_update_entry(&dom1, l1, 1, (own << PAGE_SHIFT) | PTE_P, true), 0,
             "flush: guest overwrites a read-only grant PTE (preserve A/D)");
    spin_unlock(&dom1.lock);
    CHECK(n_flush[1] == f + 1 && flush_watch_count == 1, "flush: overwrite flushed before the release");
    CHECK_EQ(pg(data)->count, 0, "flush: overwrite released the grant's reference");

    map1(&dom1, 2, 8, GNTMAP_host_map, gva(2), &h2, NULL);
    uint64_t old = l1e(l1, 2);
    f = n_flush[1];
    flush_watch_count = 99;
    spin_lock(&dom1.lock);
    CHECK_EQ(pt_cmpxchg_entry(&dom1, l1, 2, &old, 0), 0, "flush: ptwr-style compare-exchange clears it");
    spin_unlock(&dom1.lock);
    CHECK(n_flush[1] == f + 1 && flush_watch_count == 1,
          "flush: compare-exchange flushed before the release");

    /* Own frames mapped normally: no flush on overwrite (as before). */
    spin_lock(&dom1.lock);
    f = n_flush[1];
    CHECK_EQ(pt_update_entry(&dom1, l1, 1, 0, false), 0, "flush: clearing an ordinary own entry");
    spin_unlock(&dom1.lock);
    CHECK_EQ(n_flush[1], f, "flush: ... needs no flush");

    map1(&dom1, 2, 8, GNTMAP_host_map, gva(3), &h3, NULL);
    mfn_t l4 = dom1.vcpu[0]->arch.guest_table;
    dom1.vcpu[0]->arch.guest_table = INVALID_MFN;
    f = n_flush[1];
    flush_watch_count = 99;
    spin_lock(&dom1.lock);
    put_page_and_type(pg(l4));
    spin_unlock(&dom1.lock);
    CHECK(n_flush[1] == f + 1 && flush_watch_count == 1,
          "flush: devalidating an L1 with a grant PTE flushes once, before the release");
    CHECK(pg(data)->count == 0 && pg(data)->type_count == 0, "flush: devalidation released it");

    fake_destroy(&dom1);
    CHECK(counts_zero(&dom2) && dom2.gnttab->nr_pinned == 0, "flush: nothing leaks, nothing released twice");
}

static void test_unmap_batch(void)
{
    fake_reset();
    mfn_t l1 = fake_page_tables(&dom1);
    mfn_t data = fake_alloc(&dom2);
    grant(&dom2, 8, 1, data, PA);
    enum { N = 40 }; /* host pins of one kind: at most 128 */
    struct gnttab_unmap_grant_ref ops[N];
    for (unsigned i = 0; i < N; i++) {
        grant_handle_t h;
        map1(&dom1, 2, 8, GNTMAP_host_map, gva(i), &h, NULL);
        ops[i] = (struct gnttab_unmap_grant_ref){ .host_addr = gva(i), .handle = h, .status = 99 };
    }
    CHECK_EQ(pg(data)->count, N, "40 mappings of one grant");
    ops[5].handle = 3000;
    int f = n_flush[1];
    CHECK_EQ(hc(&dom1, GNTTABOP_unmap_grant_ref, ops, N), 0, "batch of 40 unmaps returns 0");
    unsigned ok = 0;
    for (unsigned i = 0; i < N; i++)
        ok += ops[i].status == GNTST_okay;
    CHECK(ok == N - 1 && ops[5].status == GNTST_bad_handle, "per-op status in an unmap batch");
    CHECK_EQ(n_flush[1] - f, 2, "one flush per 32 unmaps");
    CHECK(l1e(l1, 5) != 0 && pg(data)->count == 1, "the bad op's mapping remains");
    CHECK_EQ(gflags(&dom2, 8), PA | GTF_reading | GTF_writing, "still pinned by it");

    struct gnttab_unmap_grant_ref two[2] = { { .host_addr = gva(5), .handle = 5 },
                                             { .host_addr = gva(6), .handle = 6 } };
    fake_bad_guest_lo = (uint64_t)&two[1];
    fake_bad_guest_hi = (uint64_t)(&two[1] + 1);
    CHECK_EQ(hc(&dom1, GNTTABOP_unmap_grant_ref, two, 2), -EFAULT, "unreadable op: -EFAULT");
    fake_bad_guest_lo = fake_bad_guest_hi = 0;
    CHECK(two[0].status == GNTST_okay && l1e(l1, 5) == 0 && counts_zero(&dom2) && gflags(&dom2, 8) == PA,
          "ops before the fault are completed");
}

void test_unmap(void)
{
    test_unmap_basic();
    test_unmap_kinds();
    test_unmap_behind_our_back();
    test_guest_drop_flushes();
    test_unmap_batch();
}
