/* The child domain of the multi-domain guests, built by a parent from a boot
 * module with guests/multi/xc.c. What it does comes from its command line:
 *   conform port=P      the conformance partner of multi-conform (misuse of domctl,
 *                       event channels and grant tables without BUILD; ping-pong;
 *                       grant map/copy partner; revocation rules)
 *   capcheck sibling=D  holds BUILD|CONSOLE but not SCHED: capability subsets
 *   hog                 spins forever (scheduler tests)
 *   echo port=P         answers ping-pongs and offers pages (benchmarks)
 * It shuts down with SHUTDOWN_poweroff when every check passed, SHUTDOWN_crash
 * otherwise, so the parent can tell from getdomaininfo. */
#include "xc.h"
#include "proto.h"
#include <xen/physdev.h>

/* The child's checks also record the first failing name in the mailbox, so the
 * parent can print it (a child without CONSOLE, e.g. on Xen, cannot print). */
static void child_note(const char *name, bool ok, long long got);
#undef CHECK
#undef CHECK_EQ
#define CHECK(name, cond)                                                                                    \
    do {                                                                                                     \
        bool _ok = (cond);                                                                                   \
        child_note((name), _ok, _ok);                                                                        \
        check_result((name), _ok, "%s", #cond);                                                              \
    } while (0)
#define CHECK_EQ(name, got, want)                                                                            \
    do {                                                                                                     \
        long long _g = (long long)(got), _w = (long long)(want);                                             \
        child_note((name), _g == _w, _g);                                                                    \
        check_result((name), _g == _w, "got %lld (0x%llx), expected %lld (0x%llx)", _g,                      \
                     (unsigned long long)_g, _w, (unsigned long long)_w);                                    \
    } while (0)

static const char *cmdline;
static grant_entry_v1_t *gt;
static struct mbox *mb;
static evtchn_port_t lport;

static unsigned long arg_ul(const char *key, unsigned long dflt)
{
    size_t kl = strlen(key);
    for (const char *p = cmdline; *p; p++) {
        if ((p == cmdline || p[-1] == ' ') && !strncmp(p, key, kl) && p[kl] == '=') {
            unsigned long v = 0;
            for (p += kl + 1; *p >= '0' && *p <= '9'; p++)
                v = v * 10 + (unsigned long)(*p - '0');
            return v;
        }
    }
    return dflt;
}

static bool mode_is(const char *m)
{
    size_t l = strlen(m);
    return !strncmp(cmdline, m, l) && (cmdline[l] == ' ' || !cmdline[l]);
}

static void __attribute__((noreturn)) child_exit(void)
{
    printf("%u passed, %u failed\n", checks_passed, checks_failed);
    sched_shutdown_t sd = { .reason = checks_failed ? SHUTDOWN_crash : SHUTDOWN_poweroff };
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
}

static char first_fail[1500];

static void child_note(const char *name, bool ok, long long got)
{
    size_t l = strlen(first_fail);
    if (!ok && l < sizeof(first_fail) - 2)
        snprintf(first_fail + l, sizeof(first_fail) - l, "%s (got %lld); ", name, got);
}

static void note_first_fail(void)
{
    if (mb) memcpy(mb->first_fail, first_fail, sizeof(first_fail));
}

#define DEADLINE (now_ns() + 60000000000ULL)

static void child_sync(uint32_t n)
{
    note_first_fail();
    mb->child_at = n;
    evtchn_send(lport);
    uint64_t dl = DEADLINE;
    while (mb->parent_at < n) {
        if (evtchn_wait(lport, dl)) {
            printf("FAIL - child: timeout waiting for the parent at barrier %u\n", n);
            checks_failed++;
            child_exit();
        }
    }
}

static void fill(void *p, int c) { memset(p, c, PAGE_SIZE); }
static bool all(const void *p, int c, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != (uint8_t)c) return false;
    return true;
}

/* Grant table, mailbox and channel to the parent: common to conform and echo. */
static void bootstrap(void)
{
    gt = gnttab_self();
    if (!gt) {
        printf("FAIL - child: setup_table/map own grant frame\n");
        checks_failed++;
        child_exit();
    }
    mb = alloc_page();
    gnttab_grant(gt, MB_REF, 0, va_to_mfn(mb), false);
    evtchn_port_t pport = (evtchn_port_t)arg_ul("port", 0);
    long rc = evtchn_bind_interdomain(0, pport, &lport);
    CHECK_EQ("bind_interdomain to the parent's offered port", rc, 0);
    if (rc) child_exit();
    CHECK("bind_interdomain raises the new local port once", evtchn_test_and_clear(lport));
    mb->magic = MB_MAGIC;
    evtchn_send(lport);
}

/* ---- conform ---- */

static void no_build_refused(void)
{
    section("child without BUILD: every domctl refused");
    static const uint32_t cmds[] = {
        XEN_DOMCTL_createdomain,   XEN_DOMCTL_destroydomain,        XEN_DOMCTL_pausedomain,
        XEN_DOMCTL_unpausedomain,  XEN_DOMCTL_getdomaininfo,        XEN_DOMCTL_max_mem,
        XEN_DOMCTL_setvcpucontext, XEN_DOMCTL_getvcpucontext,       XEN_DOMCTL_max_vcpus,
        XEN_DOMCTL_scheduler_op,   TESSERA_DOMCTL_set_capabilities,
    };
    static const char *names[] = {
        "createdomain",   "destroydomain",  "pausedomain", "unpausedomain", "getdomaininfo",    "max_mem",
        "setvcpucontext", "getvcpucontext", "max_vcpus",   "scheduler_op",  "set_capabilities",
    };
    static struct xen_domctl d;
    for (unsigned i = 0; i < ARRAY_SIZE(cmds); i++) {
        for (unsigned t = 0; t < 2; t++) {
            domid_t target = t ? DOMID_SELF : 0;
            if (cmds[i] == XEN_DOMCTL_createdomain && t) continue;
            xc_domctl_init(&d, cmds[i], target);
            if (cmds[i] == XEN_DOMCTL_createdomain) d.u.createdomain.max_vcpus = 1;
            if (cmds[i] == XEN_DOMCTL_scheduler_op) {
                d.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT;
                d.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_putinfo;
                d.u.scheduler_op.u.credit.weight = 1000;
            }
            /* Xen 4.17 looks the target up before the permission check: DOMID_SELF
             * is no domain id (-ESRCH; getdomaininfo: reserved id, -EINVAL). */
            long want = !t ? -EPERM : cmds[i] == XEN_DOMCTL_getdomaininfo ? -EINVAL : -ESRCH;
            char name[120];
            snprintf(name, sizeof(name), "no BUILD: domctl %s on %s is %s", names[i],
                     t ? "DOMID_SELF" : "domain 0 (the parent)",
                     want == -EPERM   ? "-EPERM"
                     : want == -ESRCH ? "-ESRCH (no such id)"
                                      : "-EINVAL (reserved id)");
            CHECK_EQ(name, HYPERVISOR_domctl(&d), want);
        }
    }
    uint32_t caps = 0;
    if (on_tessera) {
        CHECK_EQ("get_capabilities on itself needs nothing", xc_get_caps(DOMID_SELF, &caps), 0);
        CHECK_EQ("its capabilities are exactly CONSOLE", caps, TESSERA_CAP_CONSOLE);
    }
    CHECK_EQ("get_capabilities on the parent is -EPERM", xc_get_caps(0, &caps), -EPERM);
    uint64_t fp;
    CHECK_EQ("sysctl physinfo without BUILD is -EPERM", xc_free_pages(&fp), -EPERM);

    section("child without BUILD: foreign memory, event and grant operations on the parent");
    mmu_update_t u = { .ptr = pte_maddr((uint64_t)xc_window[0]), .val = (p2m[0] << 12) | 1 };
    CHECK_EQ("mmu_update with foreigndom 0 is -EPERM", HYPERVISOR_mmu_update(&u, 1, NULL, 0), -EPERM);
    struct mmuext_op op = { .cmd = MMUEXT_PIN_L1_TABLE };
    op.arg1.mfn = p2m[0];
    CHECK_EQ("mmuext_op with foreigndom 0 is -EPERM", HYPERVISOR_mmuext_op(&op, 1, NULL, 0), -EPERM);
    uint64_t pfn = 0;
    struct xen_memory_reservation r = { .nr_extents = 1, .domid = 0 };
    set_xen_guest_handle(r.extent_start, (xen_pfn_t *)&pfn);
    /* Xen: a reservation op refused by the permission check returns the number of
     * extents done so far (0), not an error. */
    CHECK_EQ("populate_physmap for domain 0 does nothing (returns 0 extents)",
             HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 0);
    CHECK_EQ("machine_memory_map without BUILD is -EPERM",
             HYPERVISOR_memory_op(XENMEM_machine_memory_map, &r), -EPERM);
    sched_remote_shutdown_t rs = { .domain_id = 0, .reason = SHUTDOWN_poweroff };
    CHECK_EQ("remote_shutdown of domain 0 is -EPERM", HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs),
             -EPERM);
    struct physdev_map_pirq mp = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_GSI, .index = 3, .pirq = -1 };
    CHECK_EQ("map_pirq of ISA line 3 without IO is -EPERM", HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &mp),
             -EPERM);
    evtchn_port_t p;
    CHECK_EQ("alloc_unbound in domain 0 is -EPERM", evtchn_alloc_unbound(0, DOMID_SELF, &p), -EPERM);
    evtchn_status_t st;
    CHECK_EQ("evtchn status of a port of domain 0 is -EPERM", evtchn_status(0, 1, &st), -EPERM);
    xen_pfn_t f;
    struct gnttab_setup_table s = { .dom = 0, .nr_frames = 1 };
    set_xen_guest_handle(s.frame_list, &f);
    CHECK_EQ("setup_table of domain 0: hypercall 0", HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &s, 1),
             0);
    CHECK_EQ("setup_table of domain 0: GNTST_permission_denied", s.status, GNTST_permission_denied);
}

static void evtchn_misuse(void)
{
    section("child: event-channel misuse");
    evtchn_port_t p, q = mb->arg[0];
    CHECK_EQ("bind_interdomain to a parent port offered to someone else is -EINVAL",
             evtchn_bind_interdomain(0, q, &p), -EINVAL);
    CHECK_EQ("bind_interdomain to the already bound port is -EINVAL",
             evtchn_bind_interdomain(0, (evtchn_port_t)arg_ul("port", 0), &p), -EINVAL);
    CHECK_EQ("bind_interdomain to a port beyond the parent's valid ports is -EINVAL",
             evtchn_bind_interdomain(0, 4000, &p), -EINVAL);
    CHECK_EQ("bind_interdomain to a free valid port of the parent is -EINVAL",
             evtchn_bind_interdomain(0, 60, &p), -EINVAL);
    CHECK_EQ("bind_interdomain to a domain that does not exist is -ESRCH",
             evtchn_bind_interdomain(999, 1, &p), -ESRCH);
    evtchn_port_t u = 0;
    CHECK_EQ("alloc_unbound for the parent", evtchn_alloc_unbound(DOMID_SELF, 0, &u), 0);
    CHECK_EQ("close it", evtchn_close(u), 0);
    CHECK_EQ("send on the closed port is -EINVAL", evtchn_send(u), -EINVAL);
    CHECK_EQ("close of the closed port is -EINVAL", evtchn_close(u), -EINVAL);
    evtchn_status_t st;
    CHECK_EQ("status of the closed port", evtchn_status(DOMID_SELF, u, &st), 0);
    CHECK_EQ("status: closed", st.status, EVTCHNSTAT_closed);
    CHECK_EQ("send on port 0 (reserved) is -EINVAL", evtchn_send(0), -EINVAL);

    /* The parent offered arg[1]: bind it, close our end; the parent checks its end. */
    evtchn_port_t r = 0;
    CHECK_EQ("bind_interdomain to the second offered port", evtchn_bind_interdomain(0, mb->arg[1], &r), 0);
    evtchn_test_and_clear(r);
    CHECK_EQ("status of our end", evtchn_status(DOMID_SELF, r, &st), 0);
    CHECK_EQ("status: interdomain", st.status, EVTCHNSTAT_interdomain);
    CHECK_EQ("status: peer domain 0", st.u.interdomain.dom, 0);
    CHECK_EQ("status: peer port", st.u.interdomain.port, mb->arg[1]);
    CHECK_EQ("close our end", evtchn_close(r), 0);
}

static void ping_pong(void)
{
    section("child: ping-pong");
    uint64_t dl = DEADLINE;
    uint32_t seen = 0;
    bool in_order = true;
    while (seen < PINGS) {
        uint32_t v = mb->ping;
        if (v == seen) {
            if (evtchn_wait(lport, dl)) break;
            continue;
        }
        if (v != seen + 1) in_order = false;
        seen = v;
        mb->pong = v;
        evtchn_send(lport);
    }
    mb->pings_seen = seen;
    CHECK_EQ("child answered every ping", seen, PINGS);
    CHECK("child saw the pings in order, one at a time", in_order);
}

static uint8_t *rw_page, *ro_page;

static void grants(void)
{
    uint16_t f = gt[RW_REF].flags;
    CHECK("while mapped writable: GTF_reading and GTF_writing set",
          (f & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing));
    CHECK("revoking the writably mapped grant is refused", !gnttab_end_access(gt, RW_REF));
    f = gt[RO_REF].flags;
    CHECK("while mapped read-only: GTF_reading set, GTF_writing clear",
          (f & (GTF_reading | GTF_writing)) == GTF_reading);
    CHECK("revoking the read-only mapped grant is refused", !gnttab_end_access(gt, RO_REF));
    CHECK("the entries are unchanged by the refused revocations",
          (gt[RW_REF].flags & GTF_type_mask) == GTF_permit_access &&
              (gt[RO_REF].flags & (GTF_type_mask | GTF_readonly)) == (GTF_permit_access | GTF_readonly));
}

static void grants_after_unmap(void)
{
    CHECK("the parent's write through its mapping arrived", all(rw_page, PAT_PARENT_RW, PAGE_SIZE));
    CHECK("the read-only page is untouched", all(ro_page, PAT_CHILD_RO, PAGE_SIZE));
    CHECK_EQ("after unmap: GTF_reading/GTF_writing clear (rw)",
             gt[RW_REF].flags & (GTF_reading | GTF_writing), 0);
    CHECK_EQ("after unmap: GTF_reading/GTF_writing clear (ro)",
             gt[RO_REF].flags & (GTF_reading | GTF_writing), 0);
    CHECK("revoking the unmapped read-only grant succeeds", gnttab_end_access(gt, RO_REF));
    gnttab_grant(gt, 13, 0, va_to_mfn(ro_page), true);
}

static void conform(void)
{
    rw_page = alloc_page();
    ro_page = alloc_page();
    uint8_t *other = alloc_page();
    fill(rw_page, PAT_CHILD_RW);
    fill(ro_page, PAT_CHILD_RO);
    bootstrap();
    gnttab_grant(gt, RW_REF, 0, va_to_mfn(rw_page), false);
    gnttab_grant(gt, RO_REF, 0, va_to_mfn(ro_page), true);
    gnttab_grant(gt, OTHER_REF, OTHER_DOMID, va_to_mfn(other), false);
    child_sync(1);
    no_build_refused();
    evtchn_misuse();
    child_sync(2);
    /* One send, on request, for the parent's mask/unmask delivery checks. */
    uint64_t dl = DEADLINE;
    while (mb->arg[2] != 1)
        if (evtchn_wait(lport, dl)) break;
    CHECK_EQ("send one event to the parent's masked port", evtchn_send(lport), 0);
    mb->res[0] = 1;
    child_sync(3);
    ping_pong();
    child_sync(4); /* parent maps */
    child_sync(5);
    grants();
    child_sync(6); /* parent unmaps */
    child_sync(7);
    grants_after_unmap();
    child_sync(8); /* parent: revoked map refused; copies */
    child_sync(9);
    CHECK("grant copy into our rw page arrived", all(rw_page, PAT_COPY_IN, PAGE_SIZE));
    CHECK_EQ("after the copies: no GTF_reading/GTF_writing left (rw)",
             gt[RW_REF].flags & (GTF_reading | GTF_writing), 0);
    CHECK_EQ("after the copies: no GTF_reading/GTF_writing left (ro)",
             gt[13].flags & (GTF_reading | GTF_writing), 0);
    note_first_fail();
    mb->passed = checks_passed;
    mb->failed = checks_failed;
    mb->finished = 1;
    child_sync(10);
}

/* ---- capcheck ---- */

static void capcheck(void)
{
    domid_t sib = (domid_t)arg_ul("sibling", 0), g = 0;
    uint32_t caps = 0;
    CHECK_EQ("capcheck: get_capabilities on itself", xc_get_caps(DOMID_SELF, &caps), 0);
    CHECK_EQ("capcheck: holds BUILD|CONSOLE", caps, TESSERA_CAP_BUILD | TESSERA_CAP_CONSOLE);
    long rc = xc_create(1, &g);
    CHECK_EQ("capcheck: createdomain with BUILD", rc, 0);
    if (rc) child_exit();
    CHECK_EQ("capcheck: set_capabilities SCHED (not held) is -EPERM", xc_set_caps(g, TESSERA_CAP_SCHED),
             -EPERM);
    CHECK_EQ("capcheck: set_capabilities IO|BUILD (IO not held) is -EPERM",
             xc_set_caps(g, TESSERA_CAP_IO | TESSERA_CAP_BUILD), -EPERM);
    CHECK_EQ("capcheck: set_capabilities ALL is -EPERM", xc_set_caps(g, TESSERA_CAP_ALL), -EPERM);
    CHECK_EQ("capcheck: set_capabilities with an unknown bit is -EINVAL", xc_set_caps(g, 1u << 5), -EINVAL);
    CHECK_EQ("capcheck: set_capabilities BUILD|CONSOLE (a subset) is allowed",
             xc_set_caps(g, TESSERA_CAP_BUILD | TESSERA_CAP_CONSOLE), 0);
    CHECK_EQ("capcheck: get_capabilities on its child", xc_get_caps(g, &caps), 0);
    CHECK_EQ("capcheck: the child's set", caps, TESSERA_CAP_BUILD | TESSERA_CAP_CONSOLE);
    uint16_t w = 512, c = 0;
    CHECK_EQ("capcheck: scheduler_op putinfo without SCHED is -EPERM", xc_sched_credit(g, true, &w, &c),
             -EPERM);
    CHECK_EQ("capcheck: scheduler_op getinfo with BUILD", xc_sched_credit(g, false, &w, &c), 0);
    CHECK_EQ("capcheck: pausedomain of its creator is -EPERM", xc_simple(XEN_DOMCTL_pausedomain, 0), -EPERM);
    CHECK_EQ("capcheck: destroydomain of its sibling is -EPERM", xc_simple(XEN_DOMCTL_destroydomain, sib),
             -EPERM);
    CHECK_EQ("capcheck: set_capabilities on its sibling is -EPERM", xc_set_caps(sib, 0), -EPERM);
    struct xen_domctl_getdomaininfo info;
    CHECK_EQ("capcheck: getdomaininfo of its creator (named exactly) is -EPERM", xc_getinfo(0, &info),
             -EPERM);
    CHECK_EQ("capcheck: domctl destroydomain naming DOMID_SELF is -ESRCH (no such id)",
             xc_simple(XEN_DOMCTL_destroydomain, DOMID_SELF), -ESRCH);
    uint64_t fp;
    CHECK_EQ("capcheck: sysctl physinfo with BUILD", xc_free_pages(&fp), 0);
    CHECK_EQ("capcheck: destroydomain of its own child", xc_simple(XEN_DOMCTL_destroydomain, g), 0);
    CHECK_EQ("capcheck: the destroyed child is gone (getdomaininfo -ESRCH or another id)",
             xc_getinfo(g, &info) == -ESRCH || info.domain != g, 1);
}

/* ---- echo (benchmarks) ---- */

static void echo(void)
{
    for (unsigned i = 0; i < BENCH_NREFS; i++) {
        uint8_t *p = alloc_page();
        fill(p, i);
        gnttab_grant(gt ? gt : (gt = gnttab_self()), BENCH_REF0 + i, 0, va_to_mfn(p), false);
    }
    bootstrap();
    uint32_t last = 0;
    while (!mb->quit) {
        uint32_t v = mb->ping;
        if (v == last) {
            evtchn_wait(lport, 0);
            continue;
        }
        last = v;
        mb->pong = v;
        evtchn_send(lport);
    }
}

void test_main(void)
{
    xc_init();
    cmdline = (const char *)start_info->cmd_line;
    if (mode_is("conform"))
        conform();
    else if (mode_is("capcheck"))
        capcheck();
    else if (mode_is("hog"))
        for (volatile uint64_t n = 0;; n++)
            ;
    else if (mode_is("echo"))
        echo();
    else {
        printf("FAIL - child: unknown mode '%s'\n", cmdline);
        checks_failed++;
    }
    child_exit();
}
