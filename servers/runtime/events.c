/* Event channels (2-level ABI): the upcall and the wait loop both scan the pending
 * bitmap, clear what they find and call the port's handler; the runtime runs with
 * events masked and only sleeps in SCHEDOP_block (which unmasks and returns once
 * an event is pending). */
#include "rt.h"

static struct {
    port_handler_t h;
    void *arg;
} handlers[NR_PORTS];
static evtchn_port_t timer_port;

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

static void timer_fired(evtchn_port_t port, void *arg)
{
    (void)port;
    (void)arg;
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

/* Sleep until cond(arg) holds (checked after every scan) or system time reaches
 * deadline (0: none).  Returns whether cond held. */
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

void events_init(void)
{
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    if (evtchn_op(EVTCHNOP_bind_virq, &bv)) panic("cannot bind VIRQ_TIMER");
    timer_port = bv.port;
    port_set_handler(timer_port, timer_fired, NULL);
    HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
}
