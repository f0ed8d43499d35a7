/* setup_table, query_size, get/set_version and the dispatcher's argument checks. */
#include <string.h>
#include "gt_unit.h"
#include "fake_continuation.h"

static void test_query_size(void)
{
    fake_reset();
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    CHECK_EQ(hc(&dom1, GNTTABOP_query_size, &q, 1), 0, "query_size DOMID_SELF returns 0");
    CHECK_EQ(q.status, GNTST_okay, "query_size status okay");
    CHECK_EQ(q.nr_frames, 1, "a new table has one frame");
    CHECK_EQ(q.max_nr_frames, 32, "max_nr_frames is 32");
    q = (struct gnttab_query_size){ .dom = 2 };
    hc(&dom1, GNTTABOP_query_size, &q, 1);
    CHECK_EQ(q.status, GNTST_okay, "query_size of a child by its builder");
    q = (struct gnttab_query_size){ .dom = 2 };
    hc(&dom3, GNTTABOP_query_size, &q, 1);
    CHECK_EQ(q.status, GNTST_permission_denied, "query_size of a stranger refused");
    q = (struct gnttab_query_size){ .dom = 1 };
    hc(&dom2, GNTTABOP_query_size, &q, 1);
    CHECK_EQ(q.status, GNTST_permission_denied, "query_size of the parent (no CAP_BUILD) refused");
    dom3.caps = CAP_BUILD;
    q = (struct gnttab_query_size){ .dom = 2 };
    hc(&dom3, GNTTABOP_query_size, &q, 1);
    CHECK_EQ(q.status, GNTST_permission_denied, "CAP_BUILD over a domain one did not build refused");
    dom3.caps = 0;
    q = (struct gnttab_query_size){ .dom = 77 };
    hc(&dom1, GNTTABOP_query_size, &q, 1);
    CHECK_EQ(q.status, GNTST_bad_domain, "query_size of an unknown domain: bad_domain");
    q = (struct gnttab_query_size){ .dom = 1 };
    hc(&dom1, GNTTABOP_query_size, &q, 1);
    CHECK_EQ(q.status, GNTST_okay, "query_size naming oneself by id");
    CHECK_EQ(hc(&dom1, GNTTABOP_query_size, &q, 2), -EINVAL, "query_size count 2: -EINVAL");
    /* createdomain's max_grant_frames */
    static xen_pfn_t l[8];
    fake_guest_map(l, sizeof(l), true);
    gnttab_set_max_frames(&dom2, 4, MAPTRACK_XEN_MAX);
    q = (struct gnttab_query_size){ .dom = 2 };
    hc(&dom1, GNTTABOP_query_size, &q, 1);
    CHECK_EQ(q.max_nr_frames, 4, "query_size: max_grant_frames 4");
    struct gnttab_setup_table st = { .dom = 2, .nr_frames = 5 };
    set_xen_guest_handle(st.frame_list, l);
    CHECK(hc(&dom1, GNTTABOP_setup_table, &st, 1) == 0 && st.status == GNTST_general_error,
          "setup_table beyond max_grant_frames: general_error");
    st = (struct gnttab_setup_table){ .dom = 2, .nr_frames = 4 };
    set_xen_guest_handle(st.frame_list, l);
    CHECK(hc(&dom1, GNTTABOP_setup_table, &st, 1) == 0 && st.status == GNTST_okay,
          "setup_table up to the limit");
    CHECK_EQ(hc(&dom1, GNTTABOP_query_size, (void *)0x1000, 1), -EFAULT, "query_size bad pointer: -EFAULT");
}

static void test_versions(void)
{
    fake_reset();
    struct gnttab_get_version g = { .dom = DOMID_SELF, .version = 7 };
    CHECK_EQ(hc(&dom1, GNTTABOP_get_version, &g, 1), 0, "get_version self");
    CHECK_EQ(g.version, 1, "version is 1");
    g = (struct gnttab_get_version){ .dom = 2 };
    CHECK_EQ(hc(&dom1, GNTTABOP_get_version, &g, 1), 0, "get_version of a child");
    g = (struct gnttab_get_version){ .dom = 77 };
    CHECK_EQ(hc(&dom1, GNTTABOP_get_version, &g, 1), -ESRCH, "get_version unknown domain: -ESRCH");
    g = (struct gnttab_get_version){ .dom = 2 };
    CHECK_EQ(hc(&dom3, GNTTABOP_get_version, &g, 1), -EPERM, "get_version of a stranger: -EPERM");
    CHECK_EQ(hc(&dom1, GNTTABOP_get_version, (void *)0x1000, 1), -EFAULT, "get_version bad pointer");

    struct gnttab_set_version s = { .version = 1 };
    CHECK_EQ(hc(&dom1, GNTTABOP_set_version, &s, 1), 0, "set_version 1 accepted");
    s.version = 2;
    CHECK_EQ(hc(&dom1, GNTTABOP_set_version, &s, 1), 0, "set_version 2 accepted (test_v2.c)");
    CHECK_EQ(s.version, 2, "set_version 2 reports version 2");
    s.version = 1;
    CHECK_EQ(hc(&dom1, GNTTABOP_set_version, &s, 1), 0, "set_version 1 again");
    s.version = 0;
    CHECK_EQ(hc(&dom1, GNTTABOP_set_version, &s, 1), -EINVAL, "set_version 0: -EINVAL");
    s.version = 3;
    CHECK_EQ(hc(&dom1, GNTTABOP_set_version, &s, 1), -EINVAL, "set_version 3: -EINVAL");
    CHECK_EQ(hc(&dom1, GNTTABOP_set_version, (void *)0x1000, 1), -EFAULT, "set_version bad pointer");
}

static int setup(struct domain *caller, domid_t dom, uint32_t n, xen_pfn_t *list)
{
    struct gnttab_setup_table op = { .dom = dom, .nr_frames = n, .status = 99 };
    set_xen_guest_handle(op.frame_list, list);
    long rc = hc(caller, GNTTABOP_setup_table, &op, 1);
    return rc ? 1000 + (int)rc : op.status;
}

static void test_setup_table(void)
{
    fake_reset();
    xen_pfn_t list[40];
    memset(list, 0xff, sizeof(list));
    CHECK_EQ(setup(&dom1, DOMID_SELF, 1, list), GNTST_okay, "setup_table 1 frame");
    mfn_t f0 = list[0];
    CHECK_EQ(f0, dom1.gnttab->frames[0], "setup_table returns the frame's MFN");
    CHECK(pg(f0)->owner == 1 && pg(f0)->flags == PGF_xenheap, "grant frame shared with its owner (xenheap)");
    CHECK(list[1] == (xen_pfn_t)~0UL, "only nr_frames entries written");
    memcpy(frame(f0), "keep me", 8);
    CHECK_EQ(setup(&dom1, DOMID_SELF, 4, list), GNTST_okay, "setup_table grows to 4");
    CHECK(list[0] == f0 && !memcmp(frame(f0), "keep me", 8), "growing keeps frame 0 and its contents");
    CHECK(list[1] != list[2] && list[2] != list[3] && list[3] != f0, "4 distinct frames");
    CHECK(pg(list[3])->owner == 1 && pg(list[3])->flags == PGF_xenheap, "new frames shared too");
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    hc(&dom1, GNTTABOP_query_size, &q, 1);
    CHECK_EQ(q.nr_frames, 4, "query_size sees 4 frames");
    CHECK_EQ(setup(&dom1, DOMID_SELF, 2, list), GNTST_okay, "setup_table with fewer frames");
    CHECK_EQ(dom1.gnttab->nr_frames, 4, "table never shrinks");
    CHECK_EQ(setup(&dom1, DOMID_SELF, 0, list), GNTST_okay, "setup_table 0 frames");
    CHECK_EQ(setup(&dom1, DOMID_SELF, 33, list), GNTST_general_error, "33 frames: general_error");
    CHECK_EQ(setup(&dom1, DOMID_SELF, 32, list), GNTST_okay, "32 frames allowed");
    CHECK_EQ(gnttab_nr_entries(dom1.gnttab), 32 * 512, "16384 entries");
    CHECK_EQ(setup(&dom1, 2, 2, list), GNTST_okay, "builder sets up its child's table");
    CHECK(pg(list[1])->owner == 2, "child's frames owned by the child");
    CHECK_EQ(setup(&dom3, 2, 1, list), GNTST_permission_denied, "stranger refused");
    CHECK_EQ(setup(&dom2, 1, 1, list), GNTST_permission_denied, "child cannot set up parent's table");
    CHECK_EQ(setup(&dom1, 77, 1, list), GNTST_bad_domain, "unknown domain: bad_domain");
    CHECK_EQ(setup(&dom1, DOMID_SELF, 2, (xen_pfn_t *)0xFFFF800000000000UL), 1000 - EFAULT,
             "frame_list outside guest space: -EFAULT");
    CHECK_EQ(setup(&dom1, DOMID_SELF, 2, (xen_pfn_t *)0x1000), GNTST_bad_virt_addr,
             "unmapped frame_list: bad_virt_addr");
    struct gnttab_setup_table op = { .dom = DOMID_SELF, .nr_frames = 1 };
    set_xen_guest_handle(op.frame_list, list);
    CHECK_EQ(hc(&dom1, GNTTABOP_setup_table, &op, 0), -EINVAL, "setup_table count 0: -EINVAL");
    CHECK_EQ(hc(&dom1, GNTTABOP_setup_table, (void *)0x1000, 1), -EFAULT, "setup_table bad uop: -EFAULT");
    /* Frame list inside the faulting range after the range check passed. */
    fake_bad_guest_lo = (uint64_t)&list[0];
    fake_bad_guest_hi = (uint64_t)&list[1];
    CHECK_EQ(setup(&dom1, DOMID_SELF, 1, list), GNTST_bad_virt_addr, "unwritable frame_list: bad_virt_addr");
    fake_bad_guest_lo = fake_bad_guest_hi = 0;

    /* The owner may map grant frames writable, never use them as tables. */
    spin_lock(&dom1.lock);
    CHECK_EQ(get_page_and_type(f0, &dom1, PGT_writable), 0, "owner may map a grant frame writable");
    put_page_and_type(pg(f0));
    CHECK(get_page_and_type(f0, &dom1, PGT_l1) != 0, "grant frame never becomes a page table");
    CHECK(get_page(pg(f0), &dom2) != 0, "another domain cannot reference a grant frame");
    spin_unlock(&dom1.lock);
}

static void test_dispatch(void)
{
    fake_reset();
    char buf[64] = { 0 };
    CHECK_EQ(hc(&dom1, GNTTABOP_dump_table, buf, 1), -ENOSYS, "dump_table: -ENOSYS (as Xen)");
    CHECK_EQ(hc(&dom1, GNTTABOP_transfer, buf, 1), -ENOSYS, "transfer: -ENOSYS");
    CHECK_EQ(hc(&dom1, 99, buf, 1), -ENOSYS, "unknown op: -ENOSYS");
    CHECK_EQ(hc(&dom1, GNTTABOP_query_size | (1u << 12), buf, 1), -EINVAL,
             "continuation bits in cmd: -EINVAL");
    CHECK_EQ(hc(&dom1, GNTTABOP_cache_flush | (1u << 12), buf, 1), -ENOSYS,
             "cache_flush may carry continuation bits (-ENOSYS here)");
    CHECK_EQ(hc(&dom1, GNTTABOP_unmap_and_replace, (void *)0x1000, 1), -EFAULT,
             "unmap_and_replace bad uop: -EFAULT");
    CHECK_EQ(hc(&dom1, GNTTABOP_swap_grant_ref, (void *)0x1000, 1), -EFAULT, "swap bad uop: -EFAULT");
    CHECK_EQ(hc(&dom1, GNTTABOP_map_grant_ref, buf, 0x80000000u), -EINVAL, "negative count: -EINVAL");
    CHECK_EQ(hc(&dom1, GNTTABOP_map_grant_ref, buf, 0), 0, "empty map batch: 0");
    CHECK_EQ(hc(&dom1, GNTTABOP_map_grant_ref, (void *)0x1000, 2), -EFAULT, "map bad uop: -EFAULT");
    CHECK_EQ(hc(&dom1, GNTTABOP_unmap_grant_ref, (void *)0x1000, 2), -EFAULT, "unmap bad uop: -EFAULT");
    CHECK_EQ(hc(&dom1, GNTTABOP_copy, (void *)0x1000, 2), -EFAULT, "copy bad uop: -EFAULT");
    CHECK_EQ(hc(&dom1, GNTTABOP_map_grant_ref, (void *)0xFFFF800000000000UL, 1), -EFAULT,
             "map uop in the hypervisor range: -EFAULT");
}

/* Batches have no count limit: when preemption is due before an op (never the
 * first of an invocation; for unmaps, between chunks of 32) the call continues
 * as Xen's does ("ihi"): cmd, the array at the next op, the count left. */
static void test_continuation(void)
{
    static struct gnttab_map_grant_ref maps[5];
    static struct gnttab_unmap_grant_ref unmaps[70];
    static struct gnttab_copy copies[4];

    fake_reset();
    memset(maps, 0, sizeof(maps));
    for (unsigned i = 0; i < 5; i++)
        maps[i] = (struct gnttab_map_grant_ref){
            .ref = 100000, .dom = 2, .flags = GNTMAP_host_map, .host_addr = 0x400000, .status = 99
        };
    fake_preempt(2);
    CHECK_EQ(hc(&dom1, GNTTABOP_map_grant_ref, maps, 5), __HYPERVISOR_grant_table_op,
             "continuation: map batch preempted before its fourth op");
    CHECK_EQ(maps[2].status, GNTST_bad_gntref, "continuation: ... third op done");
    CHECK_EQ(maps[3].status, 99, "continuation: ... fourth op not");
    CHECK_EQ(fake_cont.n, 3, "continuation: ... three arguments");
    CHECK_EQ(fake_cont.args[0], GNTTABOP_map_grant_ref, "continuation: ... cmd kept");
    CHECK_EQ(fake_cont.args[1], (uint64_t)&maps[3], "continuation: ... uop at the fourth op");
    CHECK_EQ(fake_cont.args[2], 2, "continuation: ... two left");
    void *rest = (void *)fake_cont.args[1];
    fake_preempt(-1);
    CHECK_EQ(hc(&dom1, GNTTABOP_map_grant_ref, rest, 2), 0, "continuation: map resumed");
    CHECK_EQ(maps[4].status, GNTST_bad_gntref, "continuation: ... last op done");

    for (unsigned i = 0; i < 70; i++)
        unmaps[i] = (struct gnttab_unmap_grant_ref){ .handle = 0xffff, .status = 99 };
    fake_preempt(0);
    CHECK_EQ(hc(&dom1, GNTTABOP_unmap_grant_ref, unmaps, 70), __HYPERVISOR_grant_table_op,
             "continuation: unmap batch preempted after its first chunk");
    CHECK_EQ(unmaps[31].status, GNTST_bad_handle, "continuation: ... chunk of 32 done");
    CHECK_EQ(unmaps[32].status, 99, "continuation: ... the next not");
    CHECK_EQ(fake_cont.args[1], (uint64_t)&unmaps[32], "continuation: ... uop at op 32");
    CHECK_EQ(fake_cont.args[2], 38, "continuation: ... 38 left");

    memset(copies, 0, sizeof(copies));
    for (unsigned i = 0; i < 4; i++) {
        copies[i].source.domid = copies[i].dest.domid = 0x7000;
        copies[i].status = 99;
    }
    fake_preempt(0);
    CHECK_EQ(hc(&dom1, GNTTABOP_copy, copies, 4), __HYPERVISOR_grant_table_op,
             "continuation: copy batch preempted after its first op");
    CHECK(copies[0].status != 99 && copies[1].status == 99, "continuation: ... exactly one copy done");
    CHECK_EQ(fake_cont.args[1], (uint64_t)&copies[1], "continuation: ... uop at the second copy");
    CHECK_EQ(fake_cont.args[2], 3, "continuation: ... three left");

    static struct gnttab_swap_grant_ref swaps[3];
    for (unsigned i = 0; i < 3; i++)
        swaps[i] = (struct gnttab_swap_grant_ref){ .ref_a = 1, .ref_b = 2, .status = 99 };
    fake_preempt(0);
    CHECK_EQ(hc(&dom1, GNTTABOP_swap_grant_ref, swaps, 3), __HYPERVISOR_grant_table_op,
             "continuation: swap batch preempted after its first op");
    CHECK(swaps[0].status == GNTST_okay && swaps[1].status == 99, "continuation: ... exactly one swap done");
    CHECK_EQ(fake_cont.args[1], (uint64_t)&swaps[1], "continuation: ... uop at the second swap");
    CHECK_EQ(fake_cont.args[2], 2, "continuation: ... two left");
    fake_preempt(-1);
}

void test_setup(void)
{
    test_continuation();
    test_query_size();
    test_versions();
    test_setup_table();
    test_dispatch();
}
