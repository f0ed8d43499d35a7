/* multi-conform: the first domain (all capabilities) builds children from boot
 * module 1 (multi-child.elf) with guests/multi/xc.c and checks, with a child that
 * has only CONSOLE and one that has BUILD|CONSOLE: the build sequence and its
 * refusals, 10,000 event-channel ping-pongs, grant map/unmap/copy and their
 * misuse, revocation while mapped, teardown when the child dies, and that
 * destroying the children returns the hypervisor's free-page count exactly. */
#include "xc.h"
#include "proto.h"

static struct child c1, c2;
static struct mbox *mb;
static evtchn_port_t pport, qport, rport, dom_exc;
static const void *child_elf;
static size_t child_len;

#define SECONDS(n) ((uint64_t)(n)*1000000000ULL)

static void __attribute__((noreturn)) fatal(const char *what, long rc)
{
    printf("FAIL - %s (%ld); stopping\n", what, rc);
    checks_failed++;
    for (unsigned i = 0; i < WIN_PAGES; i++)
        win_unmap(i);
    if (c1.domid) xc_simple(XEN_DOMCTL_destroydomain, c1.domid);
    if (c2.domid) xc_simple(XEN_DOMCTL_destroydomain, c2.domid);
    guest_exit();
}

static void parent_sync(uint32_t n)
{
    uint64_t dl = now_ns() + SECONDS(60);
    while (mb->child_at < n)
        if (evtchn_wait(pport, dl)) {
            char m[80];
            snprintf(m, sizeof(m), "timeout waiting for the child at barrier %u", n);
            fatal(m, -ETIMEDOUT);
        }
    mb->parent_at = n;
    evtchn_send(pport);
}

static int gmap(domid_t d, grant_ref_t ref, void *va, uint32_t flags, grant_handle_t *h)
{
    struct gnttab_map_grant_ref op = { .host_addr = (uint64_t)va, .flags = flags, .ref = ref, .dom = d };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);
    if (rc) return (int)rc - 1000; /* distinguishable from every GNTST_ */
    win_invlpg(va);
    if (h) *h = op.handle;
    return op.status;
}

static int gunmap(void *va, grant_handle_t h)
{
    struct gnttab_unmap_grant_ref op = { .host_addr = (uint64_t)va, .handle = h };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);
    win_invlpg(va);
    return rc ? (int)rc - 1000 : op.status;
}

static bool all(const void *p, int c, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != (uint8_t)c) return false;
    return true;
}

static uint64_t free_pages(void)
{
    uint64_t f = 0;
    long rc = xc_free_pages(&f);
    if (rc) fatal("sysctl physinfo", rc);
    return f;
}

static void wait_shutdown(domid_t d, const char *who)
{
    uint64_t dl = now_ns() + SECONDS(120);
    struct xen_domctl_getdomaininfo info;
    bool seen = false;
    for (;;) {
        long rc = xc_getinfo(d, &info);
        if (rc || info.domain != d) fatal("getdomaininfo while waiting for a shutdown", rc);
        if (info.flags & XEN_DOMINF_shutdown) break;
        long w = evtchn_wait(dom_exc, dl);
        seen |= w == 0;
        if (w) {
            char m[96];
            snprintf(m, sizeof(m), "%s did not shut down within 120 s", who);
            fatal(m, -ETIMEDOUT);
        }
    }
    if (!seen) seen = evtchn_wait(dom_exc, now_ns() + SECONDS(1)) == 0;
    char n[96];
    snprintf(n, sizeof(n), "VIRQ_DOM_EXC raised when %s shut down", who);
    CHECK(n, seen);
    snprintf(n, sizeof(n), "%s shut down with SHUTDOWN_poweroff (all its checks passed)", who);
    CHECK_EQ(n, (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask, SHUTDOWN_poweroff);
}

static int dmap(domid_t d, grant_ref_t ref, uint32_t *handle, uint64_t *bus)
{
    struct gnttab_map_grant_ref op = { .flags = GNTMAP_device_map | GNTMAP_readonly, .ref = ref, .dom = d };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);
    *handle = op.handle;
    *bus = op.dev_bus_addr;
    return rc ? (int)rc - 1000 : op.status;
}

static int dunmap(uint32_t handle, uint64_t bus)
{
    struct gnttab_unmap_grant_ref op = { .dev_bus_addr = bus, .handle = handle };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);
    return rc ? (int)rc - 1000 : op.status;
}

/* Pins per grant and kind are 8-bit counters (at most 128 at once); Tessera's
 * maptrack holds 4096 mappings per domain. Grants of our own pages, mapped by
 * domid as device mappings (no address needed). Also leaves our maptrack at its
 * full size, so later mappings allocate nothing (see the free-page checks). */
#define NPIN 33 /* grants: 33 x 128 pins > 4096 */
static void pin_and_maptrack_limits(grant_entry_v1_t *gt)
{
    section("grant pin and maptrack limits (device mappings of our own grants)");
    static uint32_t h[4100];
    static uint64_t bus[4100];
    static char pages[NPIN][4096] ALIGNED_PAGE;
    for (unsigned i = 0; i < NPIN; i++)
        gnttab_grant(gt, 20 + i, 0, va_to_mfn(pages[i]), true);
    unsigned n = 0, ok128 = 0;
    for (unsigned k = 0; k < 128; k++)
        ok128 += dmap(0, 20, &h[n], &bus[n]) == GNTST_okay ? (n++, 1) : 0;
    CHECK_EQ("128 read-only device mappings of one grant", ok128, 128);
    CHECK_EQ("bus address of a device mapping is the frame's", bus[0], va_to_mfn(pages[0]) << PAGE_SHIFT);
    uint32_t hx;
    uint64_t bx;
    CHECK_EQ("the 129th of the same kind: GNTST_general_error", dmap(0, 20, &hx, &bx), GNTST_general_error);
    if (on_tessera) {
        int st = GNTST_okay;
        for (unsigned r = 21; r < 20 + NPIN && st == GNTST_okay; r++)
            for (unsigned k = 0; k < 128 && st == GNTST_okay; k++)
                if ((st = dmap(0, r, &h[n], &bus[n])) == GNTST_okay) n++;
        CHECK_EQ("the maptrack holds 4096 mappings", n, 4096);
        CHECK_EQ("mapping 4097: GNTST_no_space", st, GNTST_no_space);
    }
    unsigned unmapped = 0;
    for (unsigned i = 0; i < n; i++)
        unmapped += dunmap(h[i], bus[i]) == GNTST_okay;
    CHECK_EQ("every device mapping unmapped", unmapped, n);
    uint16_t f = 0;
    for (unsigned i = 0; i < NPIN; i++)
        f |= gt[20 + i].flags & (GTF_reading | GTF_writing);
    CHECK_EQ("no GTF_reading/GTF_writing left on our grants", f, 0);
    for (unsigned i = 0; i < NPIN; i++)
        gnttab_end_access(gt, 20 + i);
}

static long gnt_version(uint32_t want, uint32_t *got)
{
    struct gnttab_set_version sv = { .version = want };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1);
    *got = sv.version;
    return rc;
}

/* Grant tables v2 on our own table (nothing of ours is granted yet, so both
 * switches are allowed), swap_grant_ref, and unmap_and_replace moving an
 * ordinary mapping into a grant mapping's place. */
static void grant_v2_and_replace(grant_entry_v1_t *gt)
{
    section("grant tables v2, swap_grant_ref, unmap_and_replace");
    uint32_t v = 0;
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    CHECK_EQ("get_version", HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1), 0);
    CHECK_EQ("a new domain is at version 1", gv.version, 1);
    CHECK_EQ("set_version 3: -EINVAL", gnt_version(3, &v), -EINVAL);
    CHECK_EQ("... writes back the version in force", v, 1);
    uint64_t sf[64];
    struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = DOMID_SELF };
    set_xen_guest_handle(gs.frame_list, sf);
    HYPERVISOR_grant_table_op(GNTTABOP_get_status_frames, &gs, 1);
    CHECK_EQ("get_status_frames under v1: GNTST_general_error", gs.status, GNTST_general_error);
    CHECK_EQ("set_version 2", gnt_version(2, &v), 0);
    CHECK_EQ("... reports 2", v, 2);
    gv.version = 0;
    HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1);
    CHECK_EQ("get_version: 2", gv.version, 2);
    gs.status = 99;
    sf[0] = 0;
    CHECK_EQ("get_status_frames(1)", HYPERVISOR_grant_table_op(GNTTABOP_get_status_frames, &gs, 1), 0);
    CHECK_EQ("... GNTST_okay", gs.status, GNTST_okay);
    CHECK("... names a frame", sf[0] != 0);
    gs.nr_frames = 64;
    HYPERVISOR_grant_table_op(GNTTABOP_get_status_frames, &gs, 1);
    CHECK_EQ("64 status frames of a small table: GNTST_general_error", gs.status, GNTST_general_error);
    CHECK_EQ("get_status_frames count 2: -EINVAL",
             HYPERVISOR_grant_table_op(GNTTABOP_get_status_frames, &gs, 2), -EINVAL);
    struct gnttab_swap_grant_ref sw = { .ref_a = 8, .ref_b = 9, .status = 99 };
    HYPERVISOR_grant_table_op(GNTTABOP_swap_grant_ref, &sw, 1);
    CHECK_EQ("swap_grant_ref 8, 9 under v2", sw.status, GNTST_okay);
    sw = (struct gnttab_swap_grant_ref){ .ref_a = 8, .ref_b = 100000, .status = 99 };
    HYPERVISOR_grant_table_op(GNTTABOP_swap_grant_ref, &sw, 1);
    CHECK_EQ("swap_grant_ref past the table: GNTST_bad_gntref", sw.status, GNTST_bad_gntref);
    CHECK_EQ("set_version 1", gnt_version(1, &v), 0);
    CHECK_EQ("... reports 1", v, 1);

    memset(xc_window[6], 0x5a, PAGE_SIZE);
    memset(xc_window[8], 0xa5, PAGE_SIZE);
    CHECK_EQ("window 8 noted before its PTE moves", win_unmap(8), 0); /* records its PTE */
    gnttab_grant(gt, 21, 0, va_to_mfn(xc_window[6]), false);
    grant_handle_t h = 0;
    CHECK_EQ("map a grant of our own", gmap(0, 21, xc_window[7], GNTMAP_host_map, &h), GNTST_okay);
    CHECK("... it shows the granted page", all(xc_window[7], 0x5a, PAGE_SIZE));
    struct gnttab_unmap_and_replace ur = {
        .host_addr = (uint64_t)xc_window[7], .new_addr = 0, .handle = 4000, .status = 99
    };
    HYPERVISOR_grant_table_op(GNTTABOP_unmap_and_replace, &ur, 1);
    CHECK_EQ("unmap_and_replace with a bad handle: GNTST_bad_handle", ur.status, GNTST_bad_handle);
    ur = (struct gnttab_unmap_and_replace){
        .host_addr = (uint64_t)xc_window[7], .new_addr = (uint64_t)xc_window[8], .handle = h, .status = 99
    };
    CHECK_EQ("unmap_and_replace", HYPERVISOR_grant_table_op(GNTTABOP_unmap_and_replace, &ur, 1), 0);
    CHECK_EQ("... GNTST_okay", ur.status, GNTST_okay);
    win_invlpg(xc_window[7]);
    win_invlpg(xc_window[8]);
    CHECK("the grant's address now shows new_addr's page", all(xc_window[7], 0xa5, PAGE_SIZE));
    uint64_t *pte = pte_ptr((uint64_t)xc_window[8]);
    CHECK("new_addr is no longer mapped", pte && !(*pte & 1));
    CHECK_EQ("no GTF_reading/GTF_writing left", gt[21].flags & (GTF_reading | GTF_writing), 0);
    CHECK_EQ("restore window 7", win_unmap(7), 0);
    CHECK_EQ("restore window 8", win_unmap(8), 0);
    CHECK("window 8 shows its own page again", all(xc_window[8], 0xa5, PAGE_SIZE));
    gnttab_end_access(gt, 21);
}

static void warm_up(void)
{
    /* The parent's own lazily allocated state (maptrack frame) is allocated once
     * here, so the free-page count only moves with the children. */
    grant_entry_v1_t *gt = gnttab_self();
    if (!gt) fatal("setup_table/map own grant frame", -1);
    gnttab_grant(gt, 20, 0, va_to_mfn(xc_window[6]), false);
    grant_handle_t h = 0;
    int st = gmap(0, 20, xc_window[7], GNTMAP_host_map, &h);
    CHECK_EQ("warm-up: map a grant of our own (by domid)", st, GNTST_okay);
    if (st == GNTST_okay) CHECK_EQ("warm-up: unmap it", gunmap(xc_window[7], h), GNTST_okay);
    win_unmap(7);
    gnttab_end_access(gt, 20);
    grant_v2_and_replace(gt);
    pin_and_maptrack_limits(gt);
}

static void build_checks(void)
{
    section("building child 1 (CONSOLE only) per docs/capabilities.md");
    const char *what;
    long rc = xc_build_create(&c1, child_elf, child_len, TESSERA_CAP_CONSOLE, 1024, 1, &what);
    if (rc) fatal(what, rc);
    CHECK("createdomain gave a new domain id", c1.domid != 0 && c1.domid < DOMID_FIRST_RESERVED);
    if ((rc = evtchn_alloc_unbound(DOMID_SELF, c1.domid, &pport)) ||
        (rc = evtchn_alloc_unbound(DOMID_SELF, DOMID_SELF, &qport)) ||
        (rc = evtchn_alloc_unbound(DOMID_SELF, c1.domid, &rport)))
        fatal("alloc_unbound", rc);
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "conform port=%u", pport);
    rc = xc_build_load(&c1, child_elf, cmd, &what);
    if (rc) fatal(what, rc);

    CHECK_EQ("child 1 built (map, load, pin L4, setvcpucontext)", rc, 0);

    struct xen_domctl_getdomaininfo info;
    CHECK_EQ("getdomaininfo of the new child", xc_getinfo(c1.domid, &info), 0);
    CHECK_EQ("getdomaininfo: its id", info.domain, c1.domid);
    CHECK("getdomaininfo: paused before the first unpause", info.flags & XEN_DOMINF_paused);
    CHECK_EQ("getdomaininfo: tot_pages", info.tot_pages, 1024);
    CHECK_EQ("getdomaininfo: max_pages", info.max_pages, 1024);
    CHECK_EQ("getdomaininfo: max_vcpu_id", info.max_vcpu_id, 0);
    CHECK_EQ("getdomaininfo: one online vCPU after setvcpucontext", info.nr_online_vcpus, 1);
    CHECK_EQ("getdomaininfo: shared_info_frame as start_info says", info.shared_info_frame,
             c1.shared_info_mfn);

    section("domctl refusals before the child runs");
    if (on_tessera) {
        CHECK_EQ("set_capabilities with an unknown bit is -EINVAL", xc_set_caps(c1.domid, 1u << 5), -EINVAL);
        CHECK_EQ("set_capabilities CONSOLE again before it ran", xc_set_caps(c1.domid, TESSERA_CAP_CONSOLE),
                 0);
    }
    static struct xen_domctl d;
    xc_domctl_init(&d, XEN_DOMCTL_max_vcpus, c1.domid);
    d.u.max_vcpus.max = 2;
    CHECK_EQ("max_vcpus other than the createdomain count is -EINVAL", HYPERVISOR_domctl(&d), -EINVAL);
    xc_domctl_init(&d, XEN_DOMCTL_getdomaininfo, c1.domid);
    d.interface_version = XEN_DOMCTL_INTERFACE_VERSION - 1;
    CHECK_EQ("domctl with an old interface_version is -EACCES", HYPERVISOR_domctl(&d), -EACCES);
    CHECK_EQ("domctl pausedomain of a domain id that does not exist is -ESRCH",
             xc_simple(XEN_DOMCTL_pausedomain, 900), -ESRCH);
    xc_domctl_init(&d, XEN_DOMCTL_createdomain, 0);
    d.u.createdomain.max_vcpus = 0;
    CHECK_EQ("createdomain with 0 vCPUs is -EINVAL", HYPERVISOR_domctl(&d), -EINVAL);
    xc_domctl_init(&d, XEN_DOMCTL_scheduler_op, c1.domid);
    d.u.scheduler_op.sched_id = 1;
    CHECK_EQ("scheduler_op for a scheduler other than credit is -EINVAL", HYPERVISOR_domctl(&d), -EINVAL);
    xc_domctl_init(&d, 200, c1.domid);
    CHECK_EQ("an unknown domctl (200) is -ENOSYS", HYPERVISOR_domctl(&d), -ENOSYS);

    if (!on_tessera) return; /* Xen (dom0) has no build phase: the rest is Tessera's rule */
    CHECK_EQ("foreign mapping of a child frame while building",
             win_map(1, c1.p2m[c1.free_pfn], c1.domid, true), 0);
    CHECK_EQ("unpausedomain while still mapping its frames is -EBUSY",
             xc_simple(XEN_DOMCTL_unpausedomain, c1.domid), -EBUSY);
    CHECK_EQ("destroydomain of an unrun domain whose frames we map is -EBUSY",
             xc_simple(XEN_DOMCTL_destroydomain, c1.domid), -EBUSY);
    CHECK_EQ("unmap it", win_unmap(1), 0);
    CHECK_EQ("foreign mapping of our own frame naming the child is -EBUSY",
             win_map(1, va_to_mfn(xc_window[6]), c1.domid, false), -EBUSY);
    win_unmap(1);
}

static void capcheck_child(void)
{
    if (!on_tessera) return;
    section("child 2 (BUILD|CONSOLE): capabilities never larger than the creator's");
    uint64_t before = free_pages();
    const char *what;
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "capcheck sibling=%u", c1.domid);
    long rc =
        xc_build(&c2, child_elf, child_len, TESSERA_CAP_BUILD | TESSERA_CAP_CONSOLE, 1024, 1, cmd, &what);
    if (rc) fatal(what, rc);
    CHECK_EQ("child 2 unpaused", xc_simple(XEN_DOMCTL_unpausedomain, c2.domid), 0);
    wait_shutdown(c2.domid, "child 2 (capcheck)");
    CHECK_EQ("destroydomain of child 2", xc_simple(XEN_DOMCTL_destroydomain, c2.domid), 0);
    struct xen_domctl_getdomaininfo info;
    rc = xc_getinfo(c2.domid, &info);
    CHECK("child 2 is gone (getdomaininfo -ESRCH or the next domain)",
          rc == -ESRCH || info.domain != c2.domid);
    CHECK_EQ("free pages back to their value before child 2 (and its own child)", free_pages(), before);
}

static void after_run_refusals(void)
{
    if (!on_tessera) return;
    section("after the first unpause: no more building");
    CHECK_EQ("foreign mmu_update mapping a frame of the running child is -EPERM",
             win_map(1, c1.p2m[c1.free_pfn], c1.domid, false), -EPERM);
    win_unmap(1);
    struct mmuext_op op = { .cmd = MMUEXT_PIN_L1_TABLE };
    op.arg1.mfn = c1.p2m[c1.free_pfn + 1];
    CHECK_EQ("foreign mmuext_op pin on the running child is -EPERM",
             HYPERVISOR_mmuext_op(&op, 1, NULL, c1.domid), -EPERM);
    mmu_update_t u = { .ptr = (c1.p2m[c1.free_pfn] << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, .val = c1.free_pfn };
    CHECK_EQ("foreign MMU_MACHPHYS_UPDATE on the running child is -EPERM",
             HYPERVISOR_mmu_update(&u, 1, NULL, c1.domid), -EPERM);
    static struct xen_domctl d;
    static struct vcpu_guest_context vc;
    xc_domctl_init(&d, XEN_DOMCTL_setvcpucontext, c1.domid);
    set_xen_guest_handle(d.u.vcpucontext.ctxt, &vc);
    CHECK_EQ("setvcpucontext on the running child is -EPERM", HYPERVISOR_domctl(&d), -EPERM);
    CHECK_EQ("set_capabilities on the running child is -EPERM", xc_set_caps(c1.domid, TESSERA_CAP_CONSOLE),
             -EPERM);
    CHECK_EQ("unpausedomain of a running domain is -EINVAL", xc_simple(XEN_DOMCTL_unpausedomain, c1.domid),
             -EINVAL);
}

/* 2-level delivery of an interdomain event to a masked port, then unmask. */
static void masked_delivery(void)
{
    section("interdomain delivery to a masked port (2-level ABI)");
    unsigned long bit = 1UL << (pport % 64), sel = 1UL << (pport / 64);
    __atomic_fetch_or(&shared->evtchn_mask[pport / 64], bit, __ATOMIC_SEQ_CST);
    evtchn_test_and_clear(pport);
    __atomic_fetch_and(&vcpu0->evtchn_pending_sel, ~sel, __ATOMIC_SEQ_CST);
    vcpu0->evtchn_upcall_pending = 0;
    mb->arg[2] = 1;
    evtchn_send(pport);
    uint64_t dl = now_ns() + SECONDS(60);
    while (mb->res[0] != 1 && now_ns() < dl)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    CHECK_EQ("the child sent", mb->res[0], 1);
    CHECK("the masked port is pending", shared->evtchn_pending[pport / 64] & bit);
    CHECK("masked: its selector bit is not set", !(vcpu0->evtchn_pending_sel & sel));
    CHECK_EQ("masked: evtchn_upcall_pending stays 0", vcpu0->evtchn_upcall_pending, 0);
    evtchn_unmask_t um = { .port = pport };
    CHECK_EQ("EVTCHNOP_unmask", HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &um), 0);
    CHECK("unmask cleared the mask bit", !(shared->evtchn_mask[pport / 64] & bit));
    CHECK("unmask of a pending port sets its selector bit", vcpu0->evtchn_pending_sel & sel);
    CHECK_EQ("unmask of a pending port sets evtchn_upcall_pending", vcpu0->evtchn_upcall_pending, 1);
    CHECK("the port is still pending", shared->evtchn_pending[pport / 64] & bit);
    evtchn_test_and_clear(pport);
    __atomic_fetch_and(&vcpu0->evtchn_pending_sel, ~sel, __ATOMIC_SEQ_CST);
    vcpu0->evtchn_upcall_pending = 0;
}

static void ping_pong(void)
{
    section("ping-pong: 10,000 round trips over the interdomain channel");
    uint64_t dl = now_ns() + SECONDS(300), t0 = now_ns();
    uint32_t i;
    for (i = 1; i <= PINGS; i++) {
        mb->ping = i;
        evtchn_send(pport);
        while (mb->pong != i)
            if (evtchn_wait(pport, dl)) goto out;
    }
out:
    CHECK_EQ("10,000 pings answered", i - 1, PINGS);
    printf("# %u round trips in %lu us\n", i - 1, (unsigned long)((now_ns() - t0) / 1000));
}

static uint8_t *src_page, *dst_page;

static void grant_maps(domid_t cd, grant_handle_t *hrw, grant_handle_t *hro)
{
    section("grant map: the child's pages");
    CHECK_EQ("map the rw grant writable", gmap(cd, RW_REF, xc_window[3], GNTMAP_host_map, hrw), GNTST_okay);
    CHECK("the mapped page holds the child's data", all(xc_window[3], PAT_CHILD_RW, PAGE_SIZE));
    memset(xc_window[3], PAT_PARENT_RW, PAGE_SIZE);
    CHECK_EQ("map the read-only grant read-only",
             gmap(cd, RO_REF, xc_window[4], GNTMAP_host_map | GNTMAP_readonly, hro), GNTST_okay);
    CHECK("the read-only page holds the child's data", all(xc_window[4], PAT_CHILD_RO, PAGE_SIZE));
    uint64_t *pte = pte_ptr((uint64_t)xc_window[4]);
    CHECK("the read-only mapping's PTE has no RW bit", pte && (*pte & _PAGE_PRESENT) && !(*pte & _PAGE_RW));
    unsigned n = TRY_ASM("movb $0, (%0)", ::"r"(xc_window[4]) : "memory");
    CHECK("a write through the read-only mapping faults (#PF)", n == 1 && last_trap.vector == 14);

    section("grant map misuse");
    CHECK_EQ("writable map of a read-only grant: GNTST_general_error",
             gmap(cd, RO_REF, xc_window[5], GNTMAP_host_map, NULL), GNTST_general_error);
    CHECK_EQ("map of an entry not offered: GNTST_general_error",
             gmap(cd, UNOFFERED_REF, xc_window[5], GNTMAP_host_map, NULL), GNTST_general_error);
    CHECK_EQ("map of a grant offered to another domain: GNTST_general_error",
             gmap(cd, OTHER_REF, xc_window[5], GNTMAP_host_map | GNTMAP_readonly, NULL), GNTST_general_error);
    CHECK_EQ("map of a ref beyond the table: GNTST_bad_gntref",
             gmap(cd, 100000, xc_window[5], GNTMAP_host_map, NULL), GNTST_bad_gntref);
    CHECK_EQ("map from a domain that does not exist: GNTST_bad_domain",
             gmap(999, RW_REF, xc_window[5], GNTMAP_host_map, NULL), GNTST_bad_domain);
    CHECK_EQ("map naming DOMID_SELF: GNTST_bad_domain",
             gmap(DOMID_SELF, RW_REF, xc_window[5], GNTMAP_host_map, NULL), GNTST_bad_domain);
    CHECK_EQ("map with neither host_map nor device_map: GNTST_bad_gntref",
             gmap(cd, RW_REF, xc_window[5], 0, NULL), GNTST_bad_gntref);
    uint64_t *p5 = pte_ptr((uint64_t)xc_window[5]);
    CHECK("the refused maps left the target slot alone", p5 && (*p5 & _PAGE_PRESENT) && !(*p5 & (1UL << 62)));
}

static void grant_unmaps(grant_handle_t hrw, grant_handle_t hro)
{
    section("grant unmap");
    CHECK_EQ("unmap the writable mapping", gunmap(xc_window[3], hrw), GNTST_okay);
    CHECK_EQ("unmap the read-only mapping", gunmap(xc_window[4], hro), GNTST_okay);
    uint64_t *pte = pte_ptr((uint64_t)xc_window[3]);
    CHECK_EQ("the unmapped slot is empty", pte ? *pte : 1, 0);
    CHECK_EQ("unmap of the same handle again: GNTST_bad_handle", gunmap(xc_window[3], hrw), GNTST_bad_handle);
    CHECK_EQ("unmap of a handle never used: GNTST_bad_handle", gunmap(xc_window[3], 900), GNTST_bad_handle);
    win_unmap(3);
    win_unmap(4);
}

static void grant_copies(domid_t cd)
{
    section("grant copy (one batch, per-op status)");
    CHECK_EQ("map of the revoked read-only grant: GNTST_general_error",
             gmap(cd, RO_REF, xc_window[5], GNTMAP_host_map | GNTMAP_readonly, NULL), GNTST_general_error);
    memset(src_page, PAT_COPY_IN, PAGE_SIZE);
    memset(dst_page, 0, PAGE_SIZE);
    static struct gnttab_copy ops[7];
    memset(ops, 0, sizeof(ops));
    for (unsigned i = 0; i < ARRAY_SIZE(ops); i++)
        ops[i].len = PAGE_SIZE;
    /* 0: our page -> child's rw grant */
    ops[0].source.u.gmfn = va_to_mfn(src_page);
    ops[0].source.domid = DOMID_SELF;
    ops[0].dest.u.ref = RW_REF;
    ops[0].dest.domid = cd;
    ops[0].flags = GNTCOPY_dest_gref;
    /* 1: child's read-only grant (ref 13) -> our page */
    ops[1].source.u.ref = 13;
    ops[1].source.domid = cd;
    ops[1].flags = GNTCOPY_source_gref;
    ops[1].dest.u.gmfn = va_to_mfn(dst_page);
    ops[1].dest.domid = DOMID_SELF;
    /* 2: into the read-only grant */
    ops[2].source.u.gmfn = va_to_mfn(src_page);
    ops[2].source.domid = DOMID_SELF;
    ops[2].dest.u.ref = 13;
    ops[2].dest.domid = cd;
    ops[2].flags = GNTCOPY_dest_gref;
    /* 3: offset + len beyond the page */
    ops[3] = ops[0];
    ops[3].dest.offset = 100;
    ops[3].len = 4000;
    /* 4: a frame (not a gref) of another domain */
    ops[4].source.u.gmfn = c1.p2m[c1.free_pfn];
    ops[4].source.domid = cd;
    ops[4].dest.u.gmfn = va_to_mfn(dst_page);
    ops[4].dest.domid = DOMID_SELF;
    /* 5: from an entry not offered */
    ops[5] = ops[1];
    ops[5].source.u.ref = UNOFFERED_REF;
    /* 6: from a domain that does not exist */
    ops[6] = ops[1];
    ops[6].source.domid = 999;
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, ops, ARRAY_SIZE(ops));
    CHECK_EQ("copy batch of 7: hypercall returns 0", rc, 0);
    CHECK_EQ("copy into the child's rw grant: GNTST_okay", ops[0].status, GNTST_okay);
    CHECK_EQ("copy from the child's read-only grant: GNTST_okay", ops[1].status, GNTST_okay);
    CHECK("the copied page holds the child's data", all(dst_page, PAT_CHILD_RO, PAGE_SIZE));
    CHECK_EQ("copy into a read-only grant: GNTST_general_error", ops[2].status, GNTST_general_error);
    CHECK_EQ("copy with offset+len past the page: GNTST_bad_copy_arg", ops[3].status, GNTST_bad_copy_arg);
    CHECK_EQ("copy from another domain's frame by gmfn: GNTST_permission_denied", ops[4].status,
             GNTST_permission_denied);
    CHECK_EQ("copy from an entry not offered: GNTST_general_error", ops[5].status, GNTST_general_error);
    CHECK_EQ("copy from a domain that does not exist: GNTST_bad_domain", ops[6].status, GNTST_bad_domain);
}

/* Child 3 dies while we still map its grant and hold a channel to it: the
 * hypervisor tears our mapping down and unbinds our end. Last, because a
 * hypervisor that gets it wrong may not survive it. */
static void teardown_with_mapping(uint64_t free0)
{
    if (!on_tessera) return; /* Xen keeps such mappings until unmapped (the domain lingers) */
    section("child 3 is destroyed while we map its grant");
    static struct child c3;
    const char *what;
    evtchn_port_t p3 = 0;
    long rc = xc_build_create(&c3, child_elf, child_len, TESSERA_CAP_CONSOLE, 1024, 1, &what);
    if (!rc) rc = evtchn_alloc_unbound(DOMID_SELF, c3.domid, &p3);
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "echo port=%u", p3);
    if (!rc) rc = xc_build_load(&c3, child_elf, cmd, &what);
    if (!rc) rc = xc_simple(XEN_DOMCTL_unpausedomain, c3.domid);
    if (rc) fatal(what, rc);
    CHECK_EQ("child 3 bound our port", evtchn_wait(p3, now_ns() + SECONDS(60)), 0);
    grant_handle_t h = 0;
    CHECK_EQ("map child 3's mailbox", gmap(c3.domid, MB_REF, xc_window[8], GNTMAP_host_map, &h), GNTST_okay);
    grant_handle_t h2 = 0;
    CHECK_EQ("map one of its pages read-only too",
             gmap(c3.domid, BENCH_REF0, xc_window[9], GNTMAP_host_map | GNTMAP_readonly, &h2), GNTST_okay);
    struct mbox *m3 = (struct mbox *)xc_window[8];
    CHECK_EQ("its mailbox magic", m3->magic, MB_MAGIC);
    m3->quit = 1;
    evtchn_send(p3);
    wait_shutdown(c3.domid, "child 3");
    printf("# destroying child 3 while mapping two of its grants\n");
    CHECK_EQ("destroydomain of child 3 while we map its grants",
             xc_simple(XEN_DOMCTL_destroydomain, c3.domid), 0);
    evtchn_status_t es;
    CHECK_EQ("status of our channel to child 3", evtchn_status(DOMID_SELF, p3, &es), 0);
    CHECK_EQ("the channel became unbound", es.status, EVTCHNSTAT_unbound);
    CHECK_EQ("unbound, naming the dead child", es.u.unbound.dom, c3.domid);
    uint64_t *pte = pte_ptr((uint64_t)xc_window[8]);
    CHECK_EQ("our writable grant mapping of its page is gone (PTE cleared)", pte ? *pte : 1, 0);
    pte = pte_ptr((uint64_t)xc_window[9]);
    CHECK_EQ("our read-only grant mapping of its page is gone (PTE cleared)", pte ? *pte : 1, 0);
    CHECK_EQ("the handle is released (unmap: GNTST_bad_handle)", gunmap(xc_window[8], h), GNTST_bad_handle);
    CHECK_EQ("the other handle too", gunmap(xc_window[9], h2), GNTST_bad_handle);
    win_unmap(8);
    win_unmap(9);
    evtchn_close(p3);
    CHECK_EQ("free pages back exactly to their value before the children", free_pages(), free0);
}

void test_main(void)
{
    xc_init();
    if (!on_tessera) printf("# not on Tessera: Tessera-only checks will fail\n");
    const char *cl;
    if (!module_get(0, &child_elf, &child_len, &cl))
        fatal("no child module (boot multi-child.elf as the second module)", -1);
    src_page = alloc_page();
    dst_page = alloc_page();
    long rc = evtchn_bind_virq(VIRQ_DOM_EXC, 0, &dom_exc);
    CHECK_EQ("bind VIRQ_DOM_EXC", rc, 0);
    warm_up();
    uint64_t free0 = free_pages();
    printf("# free pages before the children: %lu\n", (unsigned long)free0);

    build_checks();
    capcheck_child();

    section("child 1 runs");
    CHECK_EQ("unpausedomain of child 1", xc_simple(XEN_DOMCTL_unpausedomain, c1.domid), 0);
    after_run_refusals();
    CHECK_EQ("the child bound our port and signalled it", evtchn_wait(pport, now_ns() + SECONDS(60)), 0);
    grant_handle_t mh = 0;
    int st = gmap(c1.domid, MB_REF, xc_window[2], GNTMAP_host_map, &mh);
    CHECK_EQ("map the child's mailbox grant", st, GNTST_okay);
    if (st) fatal("no mailbox", st);
    mb = (struct mbox *)xc_window[2];
    CHECK_EQ("mailbox magic", mb->magic, MB_MAGIC);
    mb->arg[0] = qport;
    mb->arg[1] = rport;
    parent_sync(1);

    section("pause / unpause / getdomaininfo of the running child");
    struct xen_domctl_getdomaininfo info;
    CHECK_EQ("pausedomain", xc_simple(XEN_DOMCTL_pausedomain, c1.domid), 0);
    xc_getinfo(c1.domid, &info);
    CHECK("paused flag set", info.flags & XEN_DOMINF_paused);
    CHECK_EQ("unpausedomain", xc_simple(XEN_DOMCTL_unpausedomain, c1.domid), 0);
    xc_getinfo(c1.domid, &info);
    CHECK("paused flag clear", !(info.flags & XEN_DOMINF_paused));
    CHECK("not shut down", !(info.flags & XEN_DOMINF_shutdown));
    CHECK("cpu_time counts the child's running time", info.cpu_time > 0);
    parent_sync(2);

    section("event channels: the child's checks done; the far end closed");
    evtchn_status_t es;
    CHECK_EQ("status of our end after the child closed its end", evtchn_status(DOMID_SELF, rport, &es), 0);
    CHECK_EQ("our end is unbound", es.status, EVTCHNSTAT_unbound);
    CHECK_EQ("waiting for the child again", es.u.unbound.dom, c1.domid);
    CHECK_EQ("send on it is dropped (0)", evtchn_send(rport), 0);
    CHECK_EQ("close it", evtchn_close(rport), 0);
    CHECK_EQ("status of the child's port 1 (we built it)", evtchn_status(c1.domid, 1, &es), 0);
    CHECK_EQ("the child's port 1 is interdomain", es.status, EVTCHNSTAT_interdomain);
    CHECK_EQ("the child's port 1 peer is us", es.u.interdomain.dom, 0);
    CHECK_EQ("the child's port 1 peer port", es.u.interdomain.port, pport);
    masked_delivery();
    parent_sync(3);
    ping_pong();
    parent_sync(4);
    grant_handle_t hrw = 0, hro = 0;
    grant_maps(c1.domid, &hrw, &hro);
    parent_sync(5); /* the child checks GTF flags and revocation */
    parent_sync(6);
    grant_unmaps(hrw, hro);
    parent_sync(7); /* the child checks the data; revokes RO_REF */
    parent_sync(8);
    grant_copies(c1.domid);
    parent_sync(9);
    parent_sync(10);

    section("child 1 finishes; teardown");
    CHECK_EQ("the child finished its checks", mb->finished, 1);
    check_result("all of the child's checks passed", mb->failed == 0 && mb->passed > 0,
                 "%u passed, %u failed", mb->passed, mb->failed);
    for (unsigned o = 0; mb->failed && o < sizeof(mb->first_fail) && mb->first_fail[o]; o += 400)
        printf("# the child's failed checks: %.400s\n", mb->first_fail + o);
    CHECK_EQ("the child answered all pings", mb->pings_seen, PINGS);
    wait_shutdown(c1.domid, "child 1");
    CHECK_EQ("our mapping of its mailbox outlives its shutdown", mb->magic, MB_MAGIC);
    CHECK_EQ("unmap the mailbox", gunmap(xc_window[2], mh), GNTST_okay);
    win_unmap(2);
    CHECK_EQ("destroydomain of child 1", xc_simple(XEN_DOMCTL_destroydomain, c1.domid), 0);
    CHECK_EQ("status of our channel to the destroyed child", evtchn_status(DOMID_SELF, pport, &es), 0);
    CHECK_EQ("the channel became unbound", es.status, EVTCHNSTAT_unbound);
    CHECK_EQ("unbound, naming the dead child", es.u.unbound.dom, c1.domid);
    CHECK_EQ("send on it is dropped (0)", evtchn_send(pport), 0);
    rc = xc_getinfo(c1.domid, &info);
    CHECK("child 1 is gone", rc == -ESRCH || info.domain != c1.domid);
    CHECK_EQ("destroydomain of the destroyed child is -ESRCH", xc_simple(XEN_DOMCTL_destroydomain, c1.domid),
             -ESRCH);
    if (on_tessera)
        CHECK_EQ("free pages back exactly to their value before the children", free_pages(), free0);
    evtchn_close(pport);
    evtchn_close(qport);

    teardown_with_mapping(free0);
}
