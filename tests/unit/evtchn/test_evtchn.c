/* The event-channel state machine through the hypercall: every EVTCHNOP, its
 * errors (Xen 4.17's codes and their order), delivery into the 2-level
 * bitmaps and vcpu_info, kicks, close/reset/destroy unbinding peers. */
#include <stdio.h>
#include <string.h>
#include "evtchn_unit.h"

/* ---- helpers: the op as the current vCPU; port or -errno ---- */
long op(unsigned cmd, void *arg) { return do_event_channel_op(cmd, (uint64_t)arg, 0, 0, 0); }

long ev_alloc(domid_t dom, domid_t remote)
{
    struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote, .port = 12345 };
    long rc = op(EVTCHNOP_alloc_unbound, &a);
    return rc ? rc : (long)a.port;
}

long ev_bind(domid_t rdom, uint32_t rport)
{
    struct evtchn_bind_interdomain a = { .remote_dom = rdom, .remote_port = rport };
    long rc = op(EVTCHNOP_bind_interdomain, &a);
    return rc ? rc : (long)a.local_port;
}

long ev_virq(uint32_t virq, uint32_t vcpu)
{
    struct evtchn_bind_virq a = { .virq = virq, .vcpu = vcpu };
    long rc = op(EVTCHNOP_bind_virq, &a);
    return rc ? rc : (long)a.port;
}

long ev_ipi(uint32_t vcpu)
{
    struct evtchn_bind_ipi a = { .vcpu = vcpu };
    long rc = op(EVTCHNOP_bind_ipi, &a);
    return rc ? rc : (long)a.port;
}

long ev_close(uint32_t port)
{
    struct evtchn_close a = { port };
    return op(EVTCHNOP_close, &a);
}
long ev_send(uint32_t port)
{
    struct evtchn_send a = { port };
    return op(EVTCHNOP_send, &a);
}
long ev_unmask(uint32_t port)
{
    struct evtchn_unmask a = { port };
    return op(EVTCHNOP_unmask, &a);
}
long ev_reset(domid_t dom)
{
    struct evtchn_reset a = { dom };
    return op(EVTCHNOP_reset, &a);
}

long ev_bind_vcpu(uint32_t port, uint32_t vcpu)
{
    struct evtchn_bind_vcpu a = { .port = port, .vcpu = vcpu };
    return op(EVTCHNOP_bind_vcpu, &a);
}

long ev_status(domid_t dom, uint32_t port, struct evtchn_status *st)
{
    memset(st, 0, sizeof(*st));
    st->dom = dom;
    st->port = port;
    return op(EVTCHNOP_status, st);
}

uint32_t st_of(domid_t dom, uint32_t port)
{
    struct evtchn_status st;
    return ev_status(dom, port, &st) ? 99 : st.status;
}

/* ---- port 0, validity, fresh domain ---- */
void test_basic(void)
{
    fake_reset();
    struct fake_dom *a = fake_domain(1, 0, DOMID_INVALID, 2);
    fake_as(a, 0);
    struct evtchn_status st;
    CHECK_EQ(frames_in_use, 2, "init: header page + first bucket");
    CHECK_EQ(ev_status(DOMID_SELF, 0, &st), 0, "status of port 0 succeeds");
    CHECK_EQ(st.status, EVTCHNSTAT_closed, "port 0 reads closed (reserved)");
    CHECK_EQ(ev_close(0), -EINVAL, "close port 0: -EINVAL");
    CHECK_EQ(ev_send(0), -EINVAL, "send port 0: -EINVAL");
    CHECK_EQ(ev_bind_vcpu(0, 0), -EINVAL, "bind_vcpu port 0: -EINVAL");
    CHECK(evtchn_port_valid(&a->d, 0) && evtchn_port_valid(&a->d, 63),
          "ports 0..63 valid from the start (Xen bucket)");
    CHECK(!evtchn_port_valid(&a->d, 64), "port 64 not valid yet");
    CHECK(!evtchn_port_valid(&a->d, 5000), "port 5000 never valid");
    CHECK_EQ(ev_status(DOMID_SELF, 5, &st), 0, "status of a valid free port succeeds");
    CHECK_EQ(st.status, EVTCHNSTAT_closed, "free port reads closed");
    CHECK_EQ(ev_status(DOMID_SELF, 64, &st), -EINVAL, "status beyond valid: -EINVAL");
    CHECK_EQ(ev_close(5), -EINVAL, "close of a free port: -EINVAL");
    CHECK_EQ(ev_send(5), -EINVAL, "send on a free port: -EINVAL");
    CHECK_EQ(ev_unmask(5), 0, "unmask of a valid free port: 0 (as Xen)");
    CHECK_EQ(ev_unmask(64), -EINVAL, "unmask beyond valid: -EINVAL");
    CHECK_EQ(ev_unmask(1u << 31), -EINVAL, "unmask of a huge port: -EINVAL");

    long p = ev_alloc(DOMID_SELF, 7);
    CHECK_EQ(p, 1, "first alloc_unbound returns port 1");
    CHECK_EQ(ev_status(DOMID_SELF, 1, &st), 0, "status of unbound port");
    CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 7 && st.vcpu == 0,
          "unbound to remote 7 on vCPU 0");
    CHECK_EQ(ev_alloc(DOMID_SELF, DOMID_SELF), 2, "second alloc returns port 2");
    CHECK_EQ(ev_status(1, 2, &st), 0, "status by own domid");
    CHECK_EQ(st.u.unbound.dom, 1, "remote DOMID_SELF means the caller");
    CHECK_EQ(ev_send(1), 0, "send on unbound port: silently dropped (Xen 4.17)");
    CHECK(!pending(a, 1) && total_kicks() == 0, "dropped send raises nothing");
    CHECK_EQ(ev_close(1), 0, "close unbound port");
    CHECK_EQ(st_of(DOMID_SELF, 1), EVTCHNSTAT_closed, "closed port reads closed");
    CHECK_EQ(ev_close(1), -EINVAL, "double close: -EINVAL");
    CHECK_EQ(ev_alloc(DOMID_SELF, 0), 1, "lowest free port is reused");
    CHECK_EQ(ev_alloc(999, 0), -ESRCH, "alloc_unbound for a missing domain: -ESRCH");

    /* unknown and FIFO ops */
    struct evtchn_init_control ic = { 0 };
    CHECK_EQ(op(EVTCHNOP_init_control, &ic), -ENOSYS, "init_control: -ENOSYS (2-level only)");
    ic = (struct evtchn_init_control){ .vcpu = 4096, .offset = 5 };
    CHECK_EQ(op(EVTCHNOP_init_control, &ic), -ENOENT, "init_control: no such vCPU first: -ENOENT");
    ic = (struct evtchn_init_control){ .vcpu = 0, .offset = 4096 - 72 + 8 };
    CHECK_EQ(op(EVTCHNOP_init_control, &ic), -EINVAL, "init_control: control block past the page: -EINVAL");
    ic = (struct evtchn_init_control){ .vcpu = 0, .offset = 4 };
    CHECK_EQ(op(EVTCHNOP_init_control, &ic), -EINVAL, "init_control: offset not 8-aligned: -EINVAL");
    ic = (struct evtchn_init_control){ .vcpu = 0, .offset = 4096 - 72, .control_gfn = ~0ULL };
    CHECK_EQ(op(EVTCHNOP_init_control, &ic), -ENOSYS, "init_control: last offset in the page: -ENOSYS");
    CHECK_EQ(ic.link_bits, 0, "init_control: nothing written back on failure");
    struct evtchn_expand_array ea = { 0 };
    CHECK_EQ(op(EVTCHNOP_expand_array, &ea), -EOPNOTSUPP, "expand_array: -EOPNOTSUPP (as Xen without FIFO)");
    struct evtchn_set_priority sp = { .port = 1, .priority = 3 };
    CHECK_EQ(op(EVTCHNOP_set_priority, &sp), -ENOSYS, "set_priority on valid port: -ENOSYS");
    sp.port = 4000;
    CHECK_EQ(op(EVTCHNOP_set_priority, &sp), -EINVAL, "set_priority on invalid port: -EINVAL");
    struct evtchn_bind_pirq bp = { .pirq = 1 };
    CHECK_EQ(op(EVTCHNOP_bind_pirq, &bp), -EPERM, "bind_pirq without IRQ access: -EPERM");
    bp.pirq = 20;
    CHECK_EQ(op(EVTCHNOP_bind_pirq, &bp), 0, "bind_pirq of a pirq the domain mapped");
    CHECK_EQ(st_of(DOMID_SELF, bp.port), EVTCHNSTAT_pirq, "pirq port reads as pirq");
    evtchn_port_t pport = bp.port;
    CHECK_EQ(op(EVTCHNOP_bind_pirq, &bp), -EEXIST, "bind_pirq twice: -EEXIST");
    CHECK_EQ(ev_close(pport), 0, "close the pirq port");
    CHECK_EQ(fake_pirq_port, 0, "closing the port unbinds the pirq");
    CHECK_EQ(op(15, &sp), -ENOSYS, "unknown op 15: -ENOSYS");
    CHECK_EQ(do_event_channel_op(1ULL << 40, (uint64_t)&sp, 0, 0, 0), -ENOSYS, "huge op number: -ENOSYS");

    /* guest memory faults */
    CHECK_EQ(op(EVTCHNOP_alloc_unbound, (void *)BAD_PTR), -EFAULT, "alloc_unbound with bad pointer: -EFAULT");
    CHECK_EQ(op(EVTCHNOP_send, (void *)BAD_PTR), -EFAULT, "send with bad pointer: -EFAULT");
    CHECK_EQ(op(EVTCHNOP_status, (void *)0xFFFF800000001000UL), -EFAULT,
             "status with hypervisor pointer: -EFAULT");
    CHECK_EQ(op(EVTCHNOP_init_control, (void *)BAD_PTR), -EFAULT,
             "init_control copies its argument first: -EFAULT");
    copy_to_fail = 1;
    CHECK_EQ(ev_alloc(DOMID_SELF, 0), -EFAULT, "alloc_unbound whose result cannot be written: -EFAULT");
    copy_to_fail = 0;
    CHECK_EQ(st_of(DOMID_SELF, 3), EVTCHNSTAT_unbound, "... but the port stays allocated (as Xen)");
    CHECK_EQ(st_of(DOMID_SELF, 4), EVTCHNSTAT_closed, "... and nothing else was allocated");
    fake_reset();
    CHECK_EQ(frames_in_use, 0, "destroy returns the domain's frames");
}

/* ---- interdomain: bind, send, mask/unmask, close, loopback ---- */
static void interdomain_errors(struct fake_dom *a, struct fake_dom *b)
{
    fake_as(a, 0);
    long pa = ev_alloc(DOMID_SELF, 2);     /* a waits for b */
    long pother = ev_alloc(DOMID_SELF, 3); /* a waits for someone else */
    CHECK(pa == 1 && pother == 2, "a: unbound ports 1 (for b) and 2 (for 3)");
    fake_as(b, 0);
    CHECK_EQ(ev_bind(77, 1), -ESRCH, "bind to a missing domain: -ESRCH");
    CHECK_EQ(ev_bind(1, 63), -EINVAL, "bind to a free remote port: -EINVAL");
    CHECK_EQ(ev_bind(1, 64), -EINVAL, "bind to an invalid remote port: -EINVAL");
    CHECK_EQ(ev_bind(1, 0), -EINVAL, "bind to remote port 0: -EINVAL");
    CHECK_EQ(ev_bind(1, 2), -EINVAL, "bind to a port unbound for another domain: -EINVAL");
    CHECK_EQ(st_of(DOMID_SELF, 1), EVTCHNSTAT_closed, "failed binds leave no local port behind");
}

static void interdomain_send(struct fake_dom *a, struct fake_dom *b)
{
    fake_as(b, 0);
    long pb = ev_bind(1, 1);
    CHECK_EQ(pb, 1, "b binds a's port 1 as its port 1");
    struct evtchn_status st;
    ev_status(DOMID_SELF, 1, &st);
    CHECK(st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == 1 && st.u.interdomain.port == 1,
          "b's port: interdomain to (1, 1)");
    fake_as(a, 0);
    ev_status(DOMID_SELF, 1, &st);
    CHECK(st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == 2 && st.u.interdomain.port == 1,
          "a's port: interdomain to (2, 1)");
    CHECK(pending(b, 1), "bind raises the new local port (lost notifications, as Xen)");
    CHECK(b->s->vcpu_info[0].evtchn_upcall_pending && (b->s->vcpu_info[0].evtchn_pending_sel & 1),
          "... with upcall_pending and selector bit 0");
    CHECK_EQ(b->kicks[0], 1, "... and one kick of b's vCPU 0");
    CHECK(!pending(a, 1), "the remote end is not raised by the bind");
    clear_events(b);

    CHECK_EQ(ev_send(1), 0, "a sends on its port 1");
    CHECK(pending(b, 1) && b->kicks[0] == 1, "b's port 1 pending, b's vCPU 0 kicked");
    CHECK(!pending(a, 1) && a->kicks[0] == 0, "sender is not raised");
    CHECK_EQ(ev_send(1), 0, "second send while pending");
    CHECK_EQ(b->kicks[0], 1, "... no second kick (already pending)");
    b->s->evtchn_pending[0] = 0;
    CHECK_EQ(ev_send(1), 0, "send after guest cleared pending but not upcall_pending");
    CHECK_EQ(b->kicks[0], 1, "... no kick while upcall_pending is still set");
    clear_events(b);

    set_mask(b, 1, true);
    CHECK_EQ(ev_send(1), 0, "send to a masked port");
    CHECK(pending(b, 1), "masked port still becomes pending");
    CHECK(!b->s->vcpu_info[0].evtchn_pending_sel && !b->s->vcpu_info[0].evtchn_upcall_pending && !b->kicks[0],
          "masked: no selector, no upcall, no kick");
    fake_as(b, 0);
    CHECK_EQ(ev_unmask(1), 0, "b unmasks its port");
    CHECK(!masked(b, 1), "mask bit cleared");
    CHECK(b->s->vcpu_info[0].evtchn_upcall_pending && (b->s->vcpu_info[0].evtchn_pending_sel & 1) &&
              b->kicks[0] == 1,
          "unmask of a pending port: selector, upcall, kick");
    clear_events(b);
    CHECK_EQ(ev_unmask(1), 0, "unmask of an unmasked, non-pending port");
    CHECK_EQ(b->kicks[0], 0, "... raises nothing");

    /* SCHEDOP_poll: pollers wake for their port, masked or not */
    set_mask(b, 1, true);
    b->v[0].blocked = true;
    fake_as(a, 0);
    ev_send(1);
    CHECK_EQ(b->kicks[0], 0, "masked event: a blocked, non-polling vCPU is not kicked");
    clear_events(b);
    b->v[1].blocked = b->v[1].polling = true;
    b->v[1].poll_nr = 1;
    b->v[1].poll_list[0] = 2;
    ev_send(1);
    CHECK_EQ(b->kicks[1], 0, "single-port poller waiting for another port: no kick");
    clear_events(b);
    b->v[1].poll_list[0] = 1;
    ev_send(1);
    CHECK_EQ(b->kicks[1], 1, "single-port poller on the masked port: kicked");
    ev_send(1);
    CHECK_EQ(b->kicks[1], 1, "... once (already pending)");
    clear_events(b);
    b->v[1].poll_nr = 3;
    b->v[1].poll_list[0] = 40;
    ev_send(1);
    CHECK_EQ(b->kicks[1], 1, "multi-port poller: any port of d wakes it (as Xen)");
    clear_events(b);
    set_mask(b, 1, false);
    b->v[1].poll_nr = 1;
    b->v[1].poll_list[0] = 1;
    ev_send(1);
    CHECK(b->kicks[0] == 1 && b->kicks[1] == 1,
          "unmasked: upcall kick for vCPU 0 and poller kick for vCPU 1");
    b->v[0].blocked = b->v[1].blocked = b->v[1].polling = false;
    b->v[1].poll_nr = 0;
    clear_events(b);
}

static void interdomain_close(struct fake_dom *a, struct fake_dom *b)
{
    fake_as(b, 0);
    b->s->evtchn_pending[0] |= 2;
    CHECK_EQ(ev_close(1), 0, "b closes its end");
    CHECK(!pending(b, 1), "closing clears the port's pending bit");
    struct evtchn_status st;
    fake_as(a, 0);
    ev_status(DOMID_SELF, 1, &st);
    CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 2,
          "a's end reverts to unbound, waiting for b");
    CHECK_EQ(ev_send(1), 0, "a sends on its now-unbound port: dropped");
    CHECK(!pending(b, 1), "nothing reaches b");
    fake_as(b, 0);
    CHECK_EQ(ev_bind(1, 1), 1, "b binds a's port again");
    fake_as(a, 0);
    CHECK_EQ(ev_close(1), 0, "now a closes its end");
    fake_as(b, 0);
    ev_status(DOMID_SELF, 1, &st);
    CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 1, "b's end reverts to unbound for a");
    CHECK_EQ(ev_send(1), 0, "send on it is dropped");
}

static void loopback(struct fake_dom *a)
{
    fake_as(a, 0);
    long u = ev_alloc(DOMID_SELF, DOMID_SELF);
    long l = ev_bind(DOMID_SELF, u);
    CHECK(u > 0 && l > 0 && l != u, "loopback: bind own unbound port via DOMID_SELF");
    CHECK(pending(a, l), "loopback bind raises the new local end");
    clear_events(a);
    CHECK_EQ(ev_send(l), 0, "send on one end");
    CHECK(pending(a, u) && !pending(a, l), "... raises the other end");
    CHECK_EQ(ev_close(u), 0, "close one end");
    struct evtchn_status st;
    ev_status(DOMID_SELF, l, &st);
    CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 1, "other end unbound, waiting for us");
    CHECK_EQ(ev_close(l), 0, "close the other end");
    clear_events(a);
}

void test_interdomain(void)
{
    fake_reset();
    struct fake_dom *a = fake_domain(1, 0, DOMID_INVALID, 1);
    struct fake_dom *b = fake_domain(2, 0, DOMID_INVALID, 2);
    interdomain_errors(a, b);
    interdomain_send(a, b);
    interdomain_close(a, b);
    loopback(a);

    /* registered vcpu_info: delivery goes to the registered copy */
    struct vcpu_info reg;
    memset(&reg, 0, sizeof(reg));
    b->v[1].vcpu_info = &reg;
    fake_as(b, 0);
    long pb = ev_alloc(DOMID_SELF, 1);
    CHECK_EQ(ev_bind_vcpu(pb, 1), 0, "b moves its unbound port to vCPU 1");
    fake_as(a, 0);
    long pa = ev_bind(2, pb);
    CHECK(pa > 0, "a binds it");
    clear_events(b);
    memset(&reg, 0, sizeof(reg));
    ev_send(pa);
    CHECK(reg.evtchn_upcall_pending && reg.evtchn_pending_sel == 1 && b->kicks[1] == 1,
          "event lands in vCPU 1's registered vcpu_info, vCPU 1 kicked");
    CHECK(!b->s->vcpu_info[1].evtchn_upcall_pending && !b->s->vcpu_info[0].evtchn_upcall_pending,
          "shared_info slots untouched");
    b->v[1].vcpu_info = &b->s->vcpu_info[1];

    /* selector word follows port / 64 */
    fake_as(b, 0);
    long ports[70];
    for (unsigned i = 0; i < 70; i++)
        ports[i] = ev_alloc(DOMID_SELF, 1);
    long hi = ports[69];
    CHECK(hi >= 64, "port beyond 63 allocated (validity grew)");
    CHECK(evtchn_port_valid(&b->d, 127) && !evtchn_port_valid(&b->d, 128), "validity grows by 64");
    fake_as(a, 0);
    long ph = ev_bind(2, hi);
    clear_events(b);
    ev_send(ph);
    CHECK_EQ(b->s->vcpu_info[0].evtchn_pending_sel, 1UL << (hi / 64), "selector bit = port / 64");
    CHECK(evtchn_port_is_pending(&b->d, hi), "evtchn_port_is_pending sees it");
    CHECK(!evtchn_port_is_pending(&b->d, hi - 1), "... and not its neighbour");
    CHECK(!evtchn_port_is_pending(&b->d, 4095) && !evtchn_port_is_pending(&b->d, 100000),
          "is_pending false for invalid ports");

    /* destroy: peers go unbound */
    fake_destroy(b);
    struct evtchn_status st;
    fake_as(a, 0);
    ev_status(DOMID_SELF, ph, &st);
    CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 2,
          "peer destroyed: our port unbound, remote = its id");
    ev_status(DOMID_SELF, pa, &st);
    CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 2, "every port to it unbound");
    CHECK_EQ(ev_send(ph), 0, "send to a destroyed peer is dropped");

    /* a domain rebuilt with the dead one's id binds the same ports again (a
     * driver domain recreated under its frontends, docs/restart.md) */
    struct fake_dom *c = fake_domain(3, 0, DOMID_INVALID, 1);
    fake_as(c, 0);
    CHECK_EQ(ev_bind(1, ph), -EINVAL, "another domain cannot bind a port waiting for domain 2");
    struct fake_dom *b2 = fake_domain(2, 0, DOMID_INVALID, 1);
    fake_as(b2, 0);
    long nb = ev_bind(1, ph);
    CHECK(nb > 0, "the new domain 2 binds the same port of a again");
    CHECK(pending(b2, nb), "and finds it pending (sends while unbound were dropped)");
    fake_as(a, 0);
    ev_status(DOMID_SELF, ph, &st);
    CHECK(st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == 2 && st.u.interdomain.port == nb,
          "a's port is interdomain to the new domain's port");
    clear_events(b2);
    CHECK(ev_send(ph) == 0 && pending(b2, nb), "a's send reaches the new domain");
    fake_as(b2, 0);
    clear_events(a);
    CHECK(ev_send(nb) == 0 && pending(a, ph), "and the new domain's send reaches a");
    fake_reset();
    CHECK_EQ(frames_in_use, 0, "all frames back");
}
