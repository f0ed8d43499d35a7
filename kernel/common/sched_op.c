/* sched_op: yield, block, poll, shutdown (with reason and code), remote shutdown. */
#include "lib.h"
#include "hypercall.h"
#include "guest_access.h"
#include "domain.h"
#include "sched.h"
#include "event.h"
#include "time.h"
#include <xen/sched.h>

void vcpu_timer_changed(struct vcpu *v);

static long poll(struct vcpu *v, uint64_t arg)
{
    struct sched_poll p;
    struct domain *d = v->domain;
    if (copy_from_guest(&p, arg, sizeof(p))) return -EFAULT;
    if (p.nr_ports > ARRAY_SIZE(v->poll_list)) return -EINVAL;
    evtchn_port_t ports[ARRAY_SIZE(v->poll_list)];
    if (p.nr_ports && copy_from_guest(ports, (uint64_t)p.ports.p, p.nr_ports * sizeof(ports[0])))
        return -EFAULT;
    for (unsigned i = 0; i < p.nr_ports; i++)
        if (!evtchn_port_valid(d, ports[i])) return -EINVAL;
    /* Publish the poll set before looking at the ports (see vcpu_block_current). */
    memcpy(v->poll_list, ports, p.nr_ports * sizeof(ports[0]));
    v->poll_nr = p.nr_ports;
    v->polling = true;
    vcpu_block_current();
    /* The timeout is armed only once blocked: the timer may live on another pCPU,
     * and a deadline it saw expire before we blocked would have woken nobody
     * (found by guests/fuzz: the vCPU then slept for ever).  If an event woke us
     * meanwhile, the deadline only wakes us once more, early. */
    if (p.timeout && __atomic_load_n(&v->blocked, __ATOMIC_SEQ_CST)) {
        v->poll_deadline = p.timeout < now_ns() ? now_ns() : p.timeout;
        vcpu_timer_changed(v);
    }
    return 0;
}

long do_sched_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct vcpu *v = current;
    struct domain *d = v->domain;
    switch (cmd) {
    case SCHEDOP_yield:
        sched_yield(); /* the switch happens on the way out, after rax is set */
        return 0;
    case SCHEDOP_block:
        /* Unmask and sleep until an event is pending; return at once if one is. */
        v->vcpu_info->evtchn_upcall_mask = 0;
        vcpu_block_current();
        return 0;
    case SCHEDOP_poll:
        return poll(v, arg);
    case SCHEDOP_shutdown: {
        struct sched_shutdown s;
        if (copy_from_guest(&s, arg, sizeof(s))) return -EFAULT;
        if ((uint8_t)s.reason == SHUTDOWN_suspend)
            d->suspend_vcpu = v->id; /* whose return value a cancelled suspend sets */
        domain_shutdown(d, (uint8_t)s.reason);
        return 0;
    }
    case SCHEDOP_shutdown_code: {
        struct sched_shutdown s;
        if (copy_from_guest(&s, arg, sizeof(s))) return -EFAULT;
        d->shutdown_code = (uint8_t)s.reason;
        return 0;
    }
    case SCHEDOP_remote_shutdown: {
        struct sched_remote_shutdown s;
        if (copy_from_guest(&s, arg, sizeof(s))) return -EFAULT;
        struct domain *t = domain_lookup(s.domain_id);
        if (!t) return -ESRCH;
        if (t == d || !has_cap(d, CAP_BUILD) || t->parent != d->id) return -EPERM;
        domain_shutdown(t, (uint8_t)s.reason);
        return 0;
    }
    case SCHEDOP_pin_override:
        return -EPERM;
    default:
        return -ENOSYS;
    }
}

/* The pre-3.0 form: yield, block, or shutdown with the reason as the argument. */
long do_sched_op_compat(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    switch (cmd) {
    case SCHEDOP_yield:
    case SCHEDOP_block:
        return do_sched_op(cmd, 0, 0, 0, 0);
    case SCHEDOP_shutdown:
        domain_shutdown(current->domain, (uint8_t)arg);
        return 0;
    default:
        return -ENOSYS;
    }
}
