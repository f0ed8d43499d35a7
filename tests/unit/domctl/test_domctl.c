/* domctl rules: interface version, pointers, the BUILD capability, "only what
 * it created", domain ids, capability sets, getdomaininfo, lifecycle,
 * scheduler parameters.  Every refusal is checked to change nothing. */
#include "ioport.h"
#include "dtest.h"

static struct xen_domctl dc;
static struct xen_domctl ro_dc; /* mapped read-only */

static long domctl_at(struct xen_domctl *p, uint32_t cmd, domid_t dom)
{
    p->cmd = cmd;
    p->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    p->domain = dom;
    return do_domctl((uint64_t)p, 0, 0, 0, 0);
}
static long domctl(uint32_t cmd, domid_t dom) { return domctl_at(&dc, cmd, dom); }

static void reset(void)
{
    fake_reset();
    fake_guest_map(&dc, sizeof(dc), true);
    fake_guest_map(&ro_dc, sizeof(ro_dc), false);
}

/* createdomain with max_vcpus; the new id (or -errno). */
static long create(domid_t want, uint32_t vcpus)
{
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.createdomain.max_vcpus = vcpus;
    dc.u.createdomain.max_grant_frames = -1;
    long rc = domctl(XEN_DOMCTL_createdomain, want);
    return rc ? rc : dc.domain;
}

static long set_caps(domid_t d, uint32_t caps)
{
    memset(&dc.u, 0, sizeof(dc.u));
    tessera_domctl_u(&dc, struct tessera_domctl_caps)->caps = caps;
    return domctl(TESSERA_DOMCTL_set_capabilities, d);
}

static void test_args(void)
{
    reset();
    dc.interface_version = 0x14;
    dc.cmd = XEN_DOMCTL_createdomain;
    dc.u.createdomain.max_vcpus = 1;
    dc.u.createdomain.max_grant_frames = -1;
    CHECK_EQ(do_domctl((uint64_t)&dc, 0, 0, 0, 0), -EACCES, "domctl: old interface version");
    CHECK_EQ(do_domctl(0x1000, 0, 0, 0, 0), -EFAULT, "domctl: unmapped argument");
    CHECK_EQ(do_domctl(0xFFFF800000001000UL, 0, 0, 0, 0), -EFAULT, "domctl: argument in hypervisor range");
    ro_dc.u.createdomain.max_vcpus = 1;
    ro_dc.u.createdomain.max_grant_frames = -1;
    CHECK_EQ(domctl_at(&ro_dc, XEN_DOMCTL_createdomain, 0), -EFAULT, "domctl: read-only argument");
    CHECK(!domain_lookup(1), "domctl: read-only argument created nothing");
    CHECK_EQ(domctl(XEN_DOMCTL_gethvmcontext, 0), -EPERM, "domctl: gethvmcontext on the builder itself");
    CHECK_EQ(create(0, 1), 1, "createdomain: domid 0 picks 1");
    CHECK_EQ(domctl(XEN_DOMCTL_gethvmcontext, 1), -ENOSYS, "domctl: gethvmcontext -ENOSYS");
    CHECK_EQ(domctl(XEN_DOMCTL_iomem_permission, 1), -ENOSYS, "domctl: iomem_permission -ENOSYS");
    CHECK_EQ(domctl(12345, 1), -ENOSYS, "domctl: unknown sub-op");
    CHECK_EQ(domctl(XEN_DOMCTL_pausedomain, 77), -ESRCH, "domctl: unknown domain -ESRCH");
    CHECK_EQ(domctl(XEN_DOMCTL_pausedomain, DOMID_SELF), -ESRCH, "domctl: DOMID_SELF is no target");
}

static void test_no_build(void)
{
    reset();
    CHECK_EQ(create(0, 1), 1, "no BUILD: setup child");
    CHECK_EQ(set_caps(1, CAP_ALL & ~CAP_BUILD), 0, "no BUILD: child gets all but BUILD");
    fake_set_current(domain_lookup(1));
    static const uint32_t cmds[] = { XEN_DOMCTL_createdomain,  XEN_DOMCTL_destroydomain,
                                     XEN_DOMCTL_pausedomain,   XEN_DOMCTL_unpausedomain,
                                     XEN_DOMCTL_getdomaininfo, XEN_DOMCTL_max_mem,
                                     XEN_DOMCTL_max_vcpus,     XEN_DOMCTL_setvcpucontext,
                                     XEN_DOMCTL_scheduler_op,  TESSERA_DOMCTL_set_capabilities,
                                     XEN_DOMCTL_gethvmcontext };
    bool all = true;
    for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        memset(&dc.u, 0, sizeof(dc.u));
        dc.u.createdomain.max_vcpus = 1;
        dc.u.createdomain.max_grant_frames = -1;
        all &= domctl(cmds[i], 0) == -EPERM && domctl(cmds[i], 1) == -EPERM;
    }
    CHECK(all, "no BUILD: every domctl refused with -EPERM");
    CHECK(!domain_lookup(2), "no BUILD: nothing created");
    CHECK_EQ(domctl(TESSERA_DOMCTL_get_capabilities, DOMID_SELF), 0, "no BUILD: may read own caps");
    CHECK_EQ(tessera_domctl_u(&dc, struct tessera_domctl_caps)->caps, CAP_ALL & ~CAP_BUILD,
             "no BUILD: own caps reported");
    CHECK_EQ(domctl(TESSERA_DOMCTL_get_capabilities, 1), 0, "no BUILD: own caps by id");
    CHECK_EQ(domctl(TESSERA_DOMCTL_get_capabilities, 0), -EPERM, "no BUILD: others' caps refused");
}

static void test_create(void)
{
    reset();
    CHECK_EQ(create(0, 0), -EINVAL, "createdomain: 0 vCPUs");
    CHECK_EQ(create(0, MAX_VCPUS + 1), -EINVAL, "createdomain: too many vCPUs");
    dc.u.createdomain.flags = XEN_DOMCTL_CDF_hvm;
    CHECK_EQ(domctl(XEN_DOMCTL_createdomain, 0), -EINVAL, "createdomain: HVM refused");
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.createdomain.max_vcpus = 1;
    dc.u.createdomain.max_grant_frames = -1;
    dc.u.createdomain.flags = 1u << 20;
    CHECK_EQ(domctl(XEN_DOMCTL_createdomain, 0), -EINVAL, "createdomain: unknown flag");
    CHECK(!domain_lookup(1), "createdomain: refusals created nothing");
    CHECK_EQ(create(0, MAX_VCPUS), 1, "createdomain: MAX_VCPUS vCPUs, first free id");
    struct domain *d = domain_lookup(1);
    CHECK(d && d->parent == 0 && d->caps == 0 && d->state == DOM_PAUSED && d->nr_vcpus == MAX_VCPUS &&
              !d->has_run && d->max_pages == 0,
          "createdomain: paused, no caps, no memory, parent = caller");
    CHECK_EQ(create(1, 1), -EEXIST, "createdomain: requested id in use");
    CHECK_EQ(create(0, 1), 2, "createdomain: next free id");
    CHECK_EQ(create(7, 1), 7, "createdomain: requested id");
    CHECK_EQ(create(1024, 1), 1024, "createdomain: requested id 1024 (past the old table of 1024)");
    CHECK_EQ(create(0x7FEF, 1), 0x7FEF,
             "createdomain: requested id 0x7FEF, the last below DOMID_FIRST_RESERVED");
    CHECK_EQ(create(0x7FEF, 1), -EEXIST, "createdomain: 0x7FEF again: in use");
    CHECK_EQ(domctl(XEN_DOMCTL_getdomaininfo, 1025), 0, "getdomaininfo from 1025: the next domain above");
    CHECK_EQ(dc.domain, 0x7FEF, "getdomaininfo from 1025: 0x7FEF");
    CHECK_EQ(create(DOMID_SELF, 1), 3, "createdomain: reserved id picks one");
    /* An id some domain names as its creator is not reused. */
    domain_lookup(3)->parent = 4;
    CHECK_EQ(create(4, 1), -EEXIST, "createdomain: creator id of an orphan refused");
    CHECK_EQ(create(0, 1), 5, "createdomain: picking skips it too");
    CHECK_EQ(create(DOMID_FIRST_RESERVED, 1), 6,
             "createdomain: DOMID_FIRST_RESERVED (0x7FF0) picks one, as Xen");
    CHECK_EQ(create(0xFFFF, 1), 8, "createdomain: 0xFFFF picks one");
}

static void test_caps(void)
{
    reset();
    create(0, 1);
    CHECK_EQ(set_caps(1, 1u << 5), -EINVAL, "set_capabilities: unknown bit");
    tessera_domctl_u(&dc, struct tessera_domctl_caps)->pad = 1;
    CHECK_EQ(domctl(TESSERA_DOMCTL_set_capabilities, 1), -EINVAL, "set_capabilities: pad not 0");
    CHECK_EQ(set_caps(1, CAP_BUILD | CAP_CONSOLE), 0, "set_capabilities: subset of the creator's");
    CHECK_EQ(domain_lookup(1)->caps, CAP_BUILD | CAP_CONSOLE, "set_capabilities: applied");
    CHECK_EQ(domctl(TESSERA_DOMCTL_get_capabilities, 1), 0, "get_capabilities: child");
    CHECK_EQ(tessera_domctl_u(&dc, struct tessera_domctl_caps)->caps, CAP_BUILD | CAP_CONSOLE,
             "get_capabilities: value");
    /* The child builds a grandchild: never more than the child holds. */
    fake_set_current(domain_lookup(1));
    CHECK_EQ(create(0, 1), 2, "set_capabilities: child creates a grandchild");
    CHECK_EQ(set_caps(2, CAP_BUILD | CAP_SCHED), -EPERM, "set_capabilities: superset of creator's");
    CHECK_EQ(domain_lookup(2)->caps, 0, "set_capabilities: refused set changed nothing");
    CHECK_EQ(set_caps(2, CAP_CONSOLE), 0, "set_capabilities: grandchild gets CONSOLE");
    fake_set_current(builder);
    CHECK_EQ(set_caps(2, CAP_CONSOLE), -EPERM, "set_capabilities: not the creator (grandparent)");
    CHECK_EQ(domctl(TESSERA_DOMCTL_get_capabilities, 2), -EPERM, "get_capabilities: not the creator");
    CHECK_EQ(set_caps(77, 0), -ESRCH, "set_capabilities: unknown domain");
    CHECK_EQ(domctl(XEN_DOMCTL_unpausedomain, 1), 0, "set_capabilities: child runs");
    CHECK_EQ(set_caps(1, CAP_BUILD), -EPERM, "set_capabilities: fixed once run");
    CHECK_EQ(domain_lookup(1)->caps, CAP_BUILD | CAP_CONSOLE, "set_capabilities: unchanged after run");
}

static void test_info(void)
{
    reset();
    create(0, 2);
    create(5, 1);
    struct domain *d = domain_lookup(1);
    d->tot_pages = 3;
    d->max_pages = 9;
    d->vcpu[0]->online = true;
    d->vcpu[0]->sched.time[RUNSTATE_running] = 100;
    d->vcpu[1]->sched.time[RUNSTATE_running] = 23;
    CHECK_EQ(domctl(XEN_DOMCTL_getdomaininfo, 1), 0, "getdomaininfo: child");
    struct xen_domctl_getdomaininfo *i = &dc.u.getdomaininfo;
    CHECK(i->domain == 1 && dc.domain == 1 && i->tot_pages == 3 && i->max_pages == 9 &&
              i->nr_online_vcpus == 1 && i->max_vcpu_id == 1 && i->cpu_time == 123 &&
              i->shared_info_frame == d->shared_info_mfn,
          "getdomaininfo: pages, vCPUs, CPU time");
    CHECK_EQ(i->flags, XEN_DOMINF_paused | 0xffff0000u, "getdomaininfo: paused, no shutdown code");
    CHECK_EQ(domctl(XEN_DOMCTL_getdomaininfo, 2), 0, "getdomaininfo: next domain above the id");
    CHECK_EQ(dc.domain, 5, "getdomaininfo: reports domain 5");
    CHECK_EQ(domctl(XEN_DOMCTL_getdomaininfo, 6), -ESRCH, "getdomaininfo: none above");
    CHECK_EQ(domctl(XEN_DOMCTL_getdomaininfo, DOMID_SELF), -EINVAL, "getdomaininfo: reserved id");
    CHECK_EQ(domctl(XEN_DOMCTL_getdomaininfo, 0), 0, "getdomaininfo: the caller itself");
    CHECK_EQ(dc.domain, 0, "getdomaininfo: reports itself");
    d->state = DOM_SHUTDOWN;
    d->shutdown_reason = SHUTDOWN_crash;
    d->vcpu[0]->blocked = true;
    CHECK_EQ(domctl(XEN_DOMCTL_getdomaininfo, 1), 0, "getdomaininfo: shut down child");
    CHECK_EQ(dc.u.getdomaininfo.flags,
             XEN_DOMINF_shutdown | XEN_DOMINF_blocked | (SHUTDOWN_crash << XEN_DOMINF_shutdownshift),
             "getdomaininfo: shutdown reason, blocked");
    /* A grandchild is invisible: exact id -EPERM, skipped when listing. */
    domain_lookup(5)->parent = 1;
    CHECK_EQ(domctl(XEN_DOMCTL_getdomaininfo, 5), -EPERM, "getdomaininfo: another's domain");
    CHECK_EQ(domctl(XEN_DOMCTL_getdomaininfo, 2), -ESRCH, "getdomaininfo: listing skips others' domains");
}

static void test_lifecycle(void)
{
    reset();
    create(0, 2);
    struct domain *d = domain_lookup(1);
    dc.u.max_mem.max_memkb = 8192;
    CHECK_EQ(domctl(XEN_DOMCTL_max_mem, 1), 0, "max_mem: 8 MiB");
    CHECK_EQ(d->max_pages, 2048, "max_mem: max_pages from KiB");
    dc.u.max_vcpus.max = 2;
    CHECK_EQ(domctl(XEN_DOMCTL_max_vcpus, 1), 0, "max_vcpus: as created");
    dc.u.max_vcpus.max = 3;
    CHECK_EQ(domctl(XEN_DOMCTL_max_vcpus, 1), -EINVAL, "max_vcpus: different from createdomain");
    CHECK_EQ(domctl(XEN_DOMCTL_pausedomain, 1), 0, "pausedomain: already paused is fine");
    CHECK_EQ(domctl(XEN_DOMCTL_unpausedomain, 1), 0, "unpausedomain: first run");
    CHECK(d->state == DOM_RUNNING && d->has_run, "unpausedomain: running, has_run");
    CHECK_EQ(domctl(XEN_DOMCTL_unpausedomain, 1), -EINVAL, "unpausedomain: not paused");
    CHECK_EQ(domctl(XEN_DOMCTL_pausedomain, 1), 0, "pausedomain: running child");
    CHECK_EQ(d->state, DOM_PAUSED, "pausedomain: paused");
    /* Another builder's domain cannot be touched. */
    CHECK_EQ(set_caps(1, CAP_BUILD), -EPERM, "lifecycle: caps fixed after run");
    fake_set_current(d);
    d->caps = CAP_BUILD;
    CHECK_EQ(domctl(XEN_DOMCTL_pausedomain, 0), -EPERM, "pausedomain: own creator refused");
    CHECK_EQ(domctl(XEN_DOMCTL_destroydomain, 0), -EPERM, "destroydomain: own creator refused");
    CHECK_EQ(domctl(XEN_DOMCTL_destroydomain, 1), -EPERM, "destroydomain: itself refused");
    CHECK_EQ(create(0, 1), 2, "lifecycle: child creates grandchild 2");
    fake_set_current(builder);
    CHECK_EQ(domctl(XEN_DOMCTL_destroydomain, 2), -EPERM, "destroydomain: grandchild refused");
    uint64_t before = frames_free_count();
    CHECK_EQ(domctl(XEN_DOMCTL_destroydomain, 1), 0, "destroydomain: child");
    CHECK(!domain_lookup(1), "destroydomain: gone");
    CHECK(frames_free_count() > before, "destroydomain: frames returned");
    CHECK_EQ(domain_lookup(2)->parent, 0, "destroydomain: grandchild passes to the caller");
    CHECK_EQ(domctl(XEN_DOMCTL_destroydomain, 2), 0, "destroydomain: inherited grandchild");
}

static void test_sched(void)
{
    reset();
    create(0, 1);
    dc.u.scheduler_op = (struct xen_domctl_scheduler_op){ .sched_id = XEN_SCHEDULER_CREDIT,
                                                          .cmd = XEN_DOMCTL_SCHEDOP_getinfo };
    CHECK_EQ(domctl(XEN_DOMCTL_scheduler_op, 1), 0, "scheduler_op: getinfo");
    CHECK_EQ(dc.u.scheduler_op.u.credit.weight, SCHED_DEFAULT_WEIGHT, "scheduler_op: default weight");
    dc.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_putinfo;
    dc.u.scheduler_op.u.credit.weight = 512;
    dc.u.scheduler_op.u.credit.cap = 0xffff;
    CHECK_EQ(domctl(XEN_DOMCTL_scheduler_op, 1), 0, "scheduler_op: putinfo weight, cap unchanged");
    CHECK(sp_last_weight == 512 && sp_last_cap == 0, "scheduler_op: sp_set_params(512, 0)");
    dc.u.scheduler_op.u.credit.weight = 0;
    dc.u.scheduler_op.u.credit.cap = 50;
    CHECK_EQ(domctl(XEN_DOMCTL_scheduler_op, 1), 0, "scheduler_op: putinfo cap, weight unchanged");
    CHECK(sp_last_weight == 512 && sp_last_cap == 50, "scheduler_op: sp_set_params(512, 50)");
    dc.u.scheduler_op.u.credit.cap = 5000;
    CHECK_EQ(domctl(XEN_DOMCTL_scheduler_op, 1), -EINVAL, "scheduler_op: cap out of range");
    dc.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT2;
    CHECK_EQ(domctl(XEN_DOMCTL_scheduler_op, 1), -EINVAL, "scheduler_op: other scheduler");
    dc.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT;
    dc.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_putvcpuinfo;
    CHECK_EQ(domctl(XEN_DOMCTL_scheduler_op, 1), -EINVAL, "scheduler_op: putvcpuinfo");
    builder->caps = CAP_ALL & ~CAP_SCHED;
    dc.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_putinfo;
    dc.u.scheduler_op.u.credit.weight = 7;
    CHECK_EQ(domctl(XEN_DOMCTL_scheduler_op, 1), -EPERM, "scheduler_op: putinfo needs SCHED");
    CHECK_EQ(domain_lookup(1)->sched.weight, 512, "scheduler_op: refused put changed nothing");
    dc.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_getinfo;
    CHECK_EQ(domctl(XEN_DOMCTL_scheduler_op, 1), 0, "scheduler_op: getinfo without SCHED");
}

void test_domctl(void)
{
    test_args();
    test_no_build();
    test_create();
    test_caps();
    test_info();
    test_lifecycle();
    test_sched();
}

/* I/O-port delegation: only ranges the caller holds, never COM1, exact revocation. */
static long ioperm(domid_t d, uint32_t first, uint32_t n, bool allow)
{
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.ioport_permission.first_port = first;
    dc.u.ioport_permission.nr_ports = n;
    dc.u.ioport_permission.allow_access = allow;
    return domctl(XEN_DOMCTL_ioport_permission, d);
}

void test_ioports(void)
{
    reset();
    builder->nr_ioports = 0;
    CHECK_EQ(ioport_set(NULL, builder, 0x2f8, 8, true), 0, "ioport: builder gets COM2");
    long child = create(0, 1);
    CHECK(child > 0, "ioport: child created");
    CHECK_EQ(ioperm((domid_t)child, 0x2f8, 8, true), 0, "ioport: pass on a held range");
    struct domain *c = domain_lookup((domid_t)child);
    CHECK(!ioport_permitted(c, 0x2f8, 1), "ioport: no effect without CAP_IO");
    c->caps = CAP_IO;
    CHECK(ioport_permitted(c, 0x2fc, 4), "ioport: inside the range with CAP_IO");
    CHECK(!ioport_permitted(c, 0x2ff, 2), "ioport: access crossing the end refused");
    CHECK_EQ(ioperm((domid_t)child, 0x60, 5, true), -EPERM, "ioport: range the caller does not hold");
    CHECK_EQ(ioperm((domid_t)child, 0x3f8, 8, true), -EPERM, "ioport: COM1 is the hypervisor's");
    CHECK_EQ(ioport_set(NULL, builder, 0x3fc, 8, true), -EPERM, "ioport: COM1 overlap refused at boot too");
    CHECK_EQ(ioperm((domid_t)child, 0xfff0, 0x20, true), -EINVAL, "ioport: range past 0xffff");
    CHECK_EQ(ioperm((domid_t)child, 0x2f8, 0, true), -EINVAL, "ioport: empty range");
    CHECK_EQ(ioperm((domid_t)child, 0x2f8, 4, false), -ENOENT, "ioport: partial revoke refused");
    CHECK_EQ(ioperm((domid_t)child, 0x2f8, 8, false), 0, "ioport: revoke the whole range");
    CHECK(!ioport_permitted(c, 0x2f8, 1), "ioport: revoked range no longer usable");
    builder->caps &= ~CAP_IO;
    CHECK_EQ(ioperm((domid_t)child, 0x2f8, 8, true), -EPERM, "ioport: granter without CAP_IO");
    builder->caps = CAP_ALL;
}
