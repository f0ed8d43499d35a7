/* Event channels of the PV base (2-level ABI): a handler per port, the scan of
 * the pending bitmap that both the event upcall and the wait loop run (clear
 * what is found, call the port's handler), and the wait loop itself.  A kernel
 * on it runs with events masked and sleeps only in SCHEDOP_block (which
 * unmasks and returns once an event is pending); its handlers run from the
 * scan, so they only record what happened. */
#include "pv.h"

static struct {
    port_handler_t h;
    void *arg;
} handlers[NR_PORTS];

long evtchn_op(int cmd, void *arg) { return HYPERVISOR_event_channel_op(cmd, arg); }

long notify_port(evtchn_port_t port)
{
    struct evtchn_send s = { .port = port };
    return evtchn_op(EVTCHNOP_send, &s);
}

void port_set_handler(evtchn_port_t port, port_handler_t h, void *arg)
{
    if (port < NR_PORTS) {
        handlers[port].h = h;
        handlers[port].arg = arg;
    }
}

void port_mask(evtchn_port_t port)
{
    asm volatile("lock btsq %1, %0"
                 : "+m"(shared->evtchn_mask[port / 64])
                 : "r"((uint64_t)port % 64)
                 : "memory");
}

void port_unmask(evtchn_port_t port)
{
    struct evtchn_unmask u = { .port = port };
    evtchn_op(EVTCHNOP_unmask, &u); /* the hypervisor re-raises a pending port */
}

void events_scan(void)
{
    vcpu0->evtchn_upcall_pending = 0;
    barrier();
    uint64_t sel = __atomic_exchange_n(&vcpu0->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned w = (unsigned)__builtin_ctzl(sel);
        sel &= sel - 1;
        uint64_t bits;
        while ((bits = shared->evtchn_pending[w] & ~shared->evtchn_mask[w])) {
            unsigned b = (unsigned)__builtin_ctzl(bits);
            evtchn_port_t port = w * 64 + b;
            asm volatile("lock btrq %1, %0" : "+m"(shared->evtchn_pending[w]) : "r"((uint64_t)b) : "memory");
            if (port < NR_PORTS && handlers[port].h) handlers[port].h(port, handlers[port].arg);
        }
    }
}

bool wait_until(bool (*cond)(void *), void *arg, uint64_t deadline)
{
    for (;;) {
        events_scan();
        if (cond && cond(arg)) return true;
        if (deadline && now_ns() >= deadline) return false;
        if (deadline) HYPERVISOR_set_timer_op(deadline);
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
        vcpu0->evtchn_upcall_mask = 1;
        barrier();
    }
}

static void timer_fired(evtchn_port_t port, void *arg)
{
    (void)port;
    (void)arg;
}

long events_bind_timer(void)
{
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    long rc = evtchn_op(EVTCHNOP_bind_virq, &bv);
    if (rc) return rc;
    port_set_handler(bv.port, timer_fired, NULL);
    HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    return 0;
}

domid_t pv_self_domid(void)
{
    /* The far end of an unbound port allocated for DOMID_SELF is reported by
     * EVTCHNOP_status as the real id. */
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
    domid_t id = DOMID_SELF;
    if (evtchn_op(EVTCHNOP_alloc_unbound, &a)) return id;
    struct evtchn_status st = { .dom = DOMID_SELF, .port = a.port };
    if (!evtchn_op(EVTCHNOP_status, &st) && st.status == EVTCHNSTAT_unbound) id = st.u.unbound.dom;
    struct evtchn_close c = { .port = a.port };
    evtchn_op(EVTCHNOP_close, &c);
    return id;
}
