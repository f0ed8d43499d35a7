/* VIRQ and IPI ports, bind_vcpu, status/alloc/reset across domains (who may
 * act on whom), limits and allocation failures, the core's entry points. */
#include <stdio.h>
#include <string.h>
#include "evtchn_unit.h"

static void virq_errors(void)
{
    CHECK_EQ(ev_virq(NR_VIRQS, 0), -EINVAL, "bind_virq NR_VIRQS: -EINVAL");
    CHECK_EQ(ev_virq(0xffffffff, 0), -EINVAL, "bind_virq huge virq: -EINVAL");
    CHECK_EQ(ev_virq(VIRQ_DOM_EXC, 1), -EINVAL, "global VIRQ on vCPU 1: -EINVAL");
    CHECK_EQ(ev_virq(VIRQ_CONSOLE, 7), -EINVAL, "global VIRQ on missing vCPU: -EINVAL (before -ENOENT)");
    CHECK_EQ(ev_virq(VIRQ_TIMER, 2), -ENOENT, "per-vCPU VIRQ on missing vCPU: -ENOENT");
    CHECK_EQ(ev_virq(VIRQ_TIMER, 0xffffffff), -ENOENT, "per-vCPU VIRQ on vCPU ~0: -ENOENT");
}

static void virq_delivery(struct fake_dom *a)
{
    long t0 = ev_virq(VIRQ_TIMER, 0), t1 = ev_virq(VIRQ_TIMER, 1);
    CHECK(t0 > 0 && t1 > 0 && t0 != t1, "VIRQ_TIMER bound on vCPU 0 and 1");
    CHECK_EQ(ev_virq(VIRQ_TIMER, 0), -EEXIST, "VIRQ_TIMER again on vCPU 0: -EEXIST");
    long dbg = ev_virq(VIRQ_DEBUG, 1);
    CHECK(dbg > 0, "VIRQ_DEBUG on vCPU 1");
    long exc = ev_virq(VIRQ_DOM_EXC, 0), con = ev_virq(VIRQ_CONSOLE, 0);
    CHECK(exc > 0 && con > 0, "global VIRQs DOM_EXC and CONSOLE on vCPU 0");
    CHECK_EQ(ev_virq(VIRQ_DOM_EXC, 0), -EEXIST, "DOM_EXC again: -EEXIST");
    struct evtchn_status st;
    ev_status(DOMID_SELF, t1, &st);
    CHECK(st.status == EVTCHNSTAT_virq && st.u.virq == VIRQ_TIMER && st.vcpu == 1,
          "status: virq TIMER on vCPU 1");

    clear_events(a);
    send_guest_vcpu_virq(&a->v[1], VIRQ_TIMER);
    CHECK(pending(a, t1) && !pending(a, t0), "timer VIRQ of vCPU 1 raises its port only");
    CHECK(a->kicks[1] == 1 && a->kicks[0] == 0, "... and kicks vCPU 1");
    CHECK(a->s->vcpu_info[1].evtchn_upcall_pending && !a->s->vcpu_info[0].evtchn_upcall_pending,
          "... upcall pending on vCPU 1 only");
    send_guest_vcpu_virq(&a->v[0], VIRQ_DEBUG);
    CHECK(!pending(a, dbg), "DEBUG not bound on vCPU 0: nothing");
    send_guest_global_virq(&a->d, VIRQ_DOM_EXC);
    CHECK(pending(a, exc) && a->kicks[0] == 1, "global VIRQ raises on vCPU 0");
    send_guest_global_virq(&a->d, VIRQ_ARGO);
    send_guest_vcpu_virq(&a->v[0], NR_VIRQS + 3);
    CHECK_EQ(total_kicks(), 2, "unbound and out-of-range VIRQs raise nothing");
    CHECK_EQ(ev_send(t0), -EINVAL, "EVTCHNOP_send on a VIRQ port: -EINVAL");

    CHECK_EQ(ev_bind_vcpu(t0, 1), -EINVAL, "bind_vcpu of a per-vCPU VIRQ: -EINVAL");
    CHECK_EQ(ev_bind_vcpu(exc, 1), 0, "bind_vcpu of a global VIRQ to vCPU 1");
    clear_events(a);
    send_guest_global_virq(&a->d, VIRQ_DOM_EXC);
    CHECK(pending(a, exc) && a->kicks[1] == 1 && a->kicks[0] == 0, "moved global VIRQ raises on vCPU 1");
    CHECK_EQ(ev_virq(VIRQ_DOM_EXC, 0), -EEXIST, "moved global VIRQ is still bound: -EEXIST");

    a->s->evtchn_pending[0] |= 1UL << t0;
    CHECK_EQ(ev_close(t0), 0, "close VIRQ_TIMER port of vCPU 0");
    CHECK(!pending(a, t0), "its pending bit is cleared");
    clear_events(a);
    send_guest_vcpu_virq(&a->v[0], VIRQ_TIMER);
    CHECK_EQ(total_kicks(), 0, "closed VIRQ no longer fires");
    long t0b = ev_virq(VIRQ_TIMER, 0);
    CHECK_EQ(t0b, t0, "VIRQ_TIMER rebinds on vCPU 0 (reusing the lowest port)");
    CHECK_EQ(ev_close(exc), 0, "close the moved global VIRQ");
    CHECK(ev_virq(VIRQ_DOM_EXC, 0) > 0, "and bind it again");
}

static void ipi(struct fake_dom *a)
{
    CHECK_EQ(ev_ipi(2), -ENOENT, "bind_ipi to a missing vCPU: -ENOENT");
    CHECK_EQ(ev_ipi(0xffffffff), -ENOENT, "bind_ipi to vCPU ~0: -ENOENT");
    long i0 = ev_ipi(0), i0b = ev_ipi(0), i1 = ev_ipi(1);
    CHECK(i0 > 0 && i0b > 0 && i1 > 0 && i0 != i0b, "several IPI ports, also per vCPU 0");
    struct evtchn_status st;
    ev_status(DOMID_SELF, i1, &st);
    CHECK(st.status == EVTCHNSTAT_ipi && st.vcpu == 1, "status: ipi on vCPU 1");
    clear_events(a);
    CHECK_EQ(ev_send(i1), 0, "send on IPI port of vCPU 1");
    CHECK(pending(a, i1) && a->kicks[1] == 1 && a->kicks[0] == 0, "raises on vCPU 1");
    CHECK_EQ(ev_bind_vcpu(i1, 0), -EINVAL, "bind_vcpu of an IPI port: -EINVAL");
    CHECK_EQ(ev_bind_vcpu(i1, 5), -ENOENT, "bind_vcpu to a missing vCPU: -ENOENT (before the port check)");
    CHECK_EQ(ev_bind_vcpu(4000, 0), -EINVAL, "bind_vcpu of an invalid port: -EINVAL");
    CHECK_EQ(ev_close(i1), 0, "close IPI port");

    /* a single-vCPU domain (Linux binds IPIs even then) */
    struct fake_dom *u = fake_domain(9, 0, DOMID_INVALID, 1);
    fake_as(u, 0);
    long p = ev_ipi(0);
    CHECK(p > 0, "bind_ipi on a single-vCPU domain");
    CHECK_EQ(ev_ipi(1), -ENOENT, "... vCPU 1 does not exist: -ENOENT");
    CHECK_EQ(ev_send(p), 0, "self-IPI");
    CHECK(pending(u, p) && u->kicks[0] == 1, "self-IPI raises and kicks vCPU 0");
    fake_destroy(u);
    fake_as(a, 0);
}

void test_virq_ipi(void)
{
    fake_reset();
    struct fake_dom *a = fake_domain(1, 0, DOMID_INVALID, 2);
    fake_as(a, 0);
    virq_errors();
    virq_delivery(a);
    ipi(a);
    fake_reset();
}

/* ---- who may act on whom ---- */
static void cross_domain(struct fake_dom *builder, struct fake_dom *child, struct fake_dom *other)
{
    struct evtchn_status st;
    fake_as(other, 0);
    CHECK_EQ(ev_alloc(1, 3), -EPERM, "alloc_unbound in another domain without BUILD: -EPERM");
    CHECK_EQ(ev_alloc(2, 3), -EPERM, "... nor in a domain it did not build (no BUILD): -EPERM");
    CHECK_EQ(ev_status(2, 0, &st), -EPERM, "status of another domain's port: -EPERM");
    CHECK_EQ(ev_status(2, 64, &st), -EINVAL, "... an invalid port is -EINVAL first (as Xen)");
    CHECK_EQ(ev_status(77, 1, &st), -ESRCH, "status of a missing domain: -ESRCH");
    CHECK_EQ(ev_reset(2), -EPERM, "reset of another domain without BUILD: -EPERM");
    CHECK_EQ(ev_reset(77), -ESRCH, "reset of a missing domain: -ESRCH");

    fake_as(builder, 0);
    CHECK_EQ(ev_alloc(3, 3), -EPERM, "BUILD over a domain it did not create: -EPERM");
    long cp = ev_alloc(2, DOMID_SELF);
    CHECK(cp > 0, "builder allocates an unbound port in its child");
    CHECK_EQ(ev_status(2, cp, &st), 0, "builder reads the child's port status");
    CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 1,
          "child's port waits for the builder (DOMID_SELF = caller)");
    long bp = ev_bind(2, cp);
    CHECK(bp > 0, "builder binds the child's port (start_info console/xenstore style)");
    fake_as(child, 0);
    ev_status(DOMID_SELF, cp, &st);
    CHECK(st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == 1 && st.u.interdomain.port == bp,
          "child sees the interdomain binding without any hypercall of its own");
    CHECK_EQ(ev_alloc(1, 1), -EPERM, "child cannot allocate in its builder");
    CHECK_EQ(ev_status(1, bp, &st), -EPERM, "child cannot read its builder's ports");
    clear_events(builder);
    CHECK_EQ(ev_send(cp), 0, "child notifies the builder");
    CHECK(pending(builder, bp) && builder->kicks[0] == 1, "builder's port raised");
}

static void reset_ops(struct fake_dom *builder, struct fake_dom *child)
{
    struct evtchn_status st;
    fake_as(builder, 0);
    child->d.state = DOM_RUNNING;
    CHECK_EQ(ev_reset(2), -EINVAL, "reset of a running child: -EINVAL (must be paused)");
    struct evtchn_reset r = { DOMID_SELF };
    CHECK_EQ(op(14 /* EVTCHNOP_reset_cont */, &r), -EBUSY, "reset_cont with no reset in progress: -EBUSY");
    child->d.state = DOM_PAUSED;
    fake_as(child, 0);
    long v = ev_virq(VIRQ_TIMER, 0);
    long i = ev_ipi(0);
    CHECK(v > 0 && i > 0, "child binds a VIRQ and an IPI");
    fake_as(builder, 0);
    CHECK_EQ(ev_reset(2), 0, "builder resets its paused child");
    fake_as(child, 0);
    for (unsigned p = 1; p < 64; p++)
        if (st_of(DOMID_SELF, p) != EVTCHNSTAT_closed) {
            CHECK(false, "reset closes every port of the child");
            break;
        }
    CHECK(ev_virq(VIRQ_TIMER, 0) > 0, "VIRQ binding gone: VIRQ_TIMER binds again");
    fake_as(builder, 0);
    ev_status(DOMID_SELF, 1, &st);
    CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 2,
          "builder's end of the child's channel: unbound");
    long own = ev_alloc(DOMID_SELF, 0);
    CHECK_EQ(ev_reset(DOMID_SELF), 0, "reset of itself");
    CHECK_EQ(st_of(DOMID_SELF, own), EVTCHNSTAT_closed, "... closes its own ports");
    CHECK_EQ(ev_reset(1), 0, "reset of itself by domid (running is fine)");
}

void test_control(void)
{
    fake_reset();
    struct fake_dom *builder = fake_domain(1, CAP_BUILD, DOMID_INVALID, 1);
    struct fake_dom *child = fake_domain(2, 0, 1, 1);
    struct fake_dom *other = fake_domain(3, 0, DOMID_INVALID, 1);
    cross_domain(builder, child, other);
    reset_ops(builder, child);

    /* dying domains take no new ports */
    child->d.state = DOM_DYING;
    fake_as(builder, 0);
    CHECK_EQ(ev_alloc(2, 1), -EINVAL, "alloc_unbound in a dying domain: -EINVAL");
    child->d.state = DOM_PAUSED;

    /* evtchn_send_from: the hypervisor raises a port of d */
    fake_as(child, 0);
    long p = ev_alloc(DOMID_SELF, 0);
    clear_events(child);
    CHECK_EQ(evtchn_send_from(&child->d, p), 0, "send_from on an unbound port");
    CHECK(pending(child, p) && child->kicks[0] == 1, "... raises it in d");
    CHECK_EQ(evtchn_send_from(&child->d, 0), -EINVAL, "send_from port 0: -EINVAL");
    CHECK_EQ(evtchn_send_from(&child->d, 60), -EINVAL, "send_from a free port: -EINVAL");
    CHECK_EQ(evtchn_send_from(&child->d, 9999), -EINVAL, "send_from an invalid port: -EINVAL");
    fake_reset();
}

/* ---- limits and allocation failure ---- */
void test_limits(void)
{
    fake_reset();
    long base = frames_in_use;
    struct fake_dom *a = fake_domain(1, 0, DOMID_INVALID, 1);
    fake_as(a, 0);
    long last = 0, n = 0;
    for (;;) {
        long p = ev_alloc(DOMID_SELF, 0);
        if (p < 0) {
            CHECK_EQ(p, -ENOSPC, "port 4096 does not exist: -ENOSPC");
            break;
        }
        if (p != last + 1) break;
        last = p;
        n++;
    }
    CHECK_EQ(n, 4095, "4095 ports (1..4095) allocated in order");
    CHECK_EQ(frames_in_use - base, 1 + EVTCHN_2L_NR_PORTS / 512, "header + 8 buckets of 512 ports");
    CHECK_EQ(ev_ipi(0), -ENOSPC, "bind_ipi when full: -ENOSPC");
    CHECK_EQ(ev_virq(VIRQ_TIMER, 0), -ENOSPC, "bind_virq when full: -ENOSPC");
    CHECK_EQ(ev_close(4095), 0, "close port 4095");
    CHECK_EQ(ev_ipi(0), 4095, "and get it back");
    clear_events(a);
    CHECK_EQ(ev_send(4095), 0, "send on port 4095");
    CHECK(pending(a, 4095) && a->s->vcpu_info[0].evtchn_pending_sel == 1UL << 63, "selector bit 63");
    fake_destroy(a);
    CHECK_EQ(frames_in_use, base, "destroy frees every bucket");

    /* createdomain's max_evtchn_port: nothing above it (Xen: -ENOSPC) */
    a = fake_domain(1, 0, DOMID_INVALID, 1);
    fake_as(a, 0);
    evtchn_set_max_port(&a->d, 5);
    for (long want = 1; want <= 5; want++)
        CHECK_EQ(ev_alloc(DOMID_SELF, 0), want, "max_evtchn_port 5: ports up to 5");
    CHECK_EQ(ev_alloc(DOMID_SELF, 0), -ENOSPC, "max_evtchn_port 5: port 6 is -ENOSPC");
    CHECK_EQ(ev_ipi(0), -ENOSPC, "max_evtchn_port 5: bind_ipi -ENOSPC");
    CHECK_EQ(ev_close(3), 0, "close port 3");
    CHECK_EQ(ev_alloc(DOMID_SELF, 0), 3, "a freed port below the limit is handed out again");
    evtchn_set_max_port(&a->d, 2);
    CHECK_EQ(ev_close(1), 0, "close port 1");
    CHECK_EQ(ev_close(4), 0, "close port 4");
    CHECK_EQ(ev_alloc(DOMID_SELF, 0), 1, "limit lowered to 2: port 1 again");
    CHECK_EQ(ev_alloc(DOMID_SELF, 0), -ENOSPC, "limit lowered to 2: free port 4 is above it");
    fake_destroy(a);

    a = fake_domain(1, 0, DOMID_INVALID, 1);
    fake_as(a, 0);
    for (unsigned i = 1; i < 511; i++)
        ev_alloc(DOMID_SELF, 0);
    CHECK_EQ(ev_alloc(DOMID_SELF, 0), 511, "ports up to 511 in the first bucket");
    frame_fail_after = 0;
    CHECK_EQ(ev_alloc(DOMID_SELF, 0), -ENOMEM, "no frame for the second bucket: -ENOMEM");
    CHECK(!evtchn_port_valid(&a->d, 512), "failed growth leaves validity unchanged");
    frame_fail_after = -1;
    CHECK_EQ(ev_alloc(DOMID_SELF, 0), 512, "allocation works again afterwards");
    fake_destroy(a);

    struct domain d;
    memset(&d, 0, sizeof(d));
    frame_fail_after = 0;
    CHECK_EQ(evtchn_domain_init(&d), -ENOMEM, "init without frames: -ENOMEM");
    frame_fail_after = 1;
    CHECK_EQ(evtchn_domain_init(&d), -ENOMEM, "init with one frame: -ENOMEM");
    frame_fail_after = -1;
    CHECK(d.evtchn == NULL && frames_in_use == base, "failed init leaks nothing");
    evtchn_domain_destroy(&d);
    CHECK(!evtchn_port_valid(&d, 1) && !evtchn_port_is_pending(&d, 1),
          "a domain without event state has no valid port");
    CHECK_EQ(evtchn_send_from(&d, 1), -EINVAL, "send_from without event state: -EINVAL");
    fake_reset();
}
