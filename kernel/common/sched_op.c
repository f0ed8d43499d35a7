/* sched_op: yield, block, shutdown (with reason and code). */
#include "lib.h"
#include "hypercall.h"
#include "guest_access.h"
#include "domain.h"
#include "sched.h"
#include <xen/sched.h>

long do_sched_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct vcpu *v = current;
    struct domain *d = v->domain;
    switch (cmd) {
    case SCHEDOP_yield:
        schedule();
        return 0;
    case SCHEDOP_block:
        /* Unmask and sleep until an event is pending; return at once if one is. */
        v->vcpu_info->evtchn_upcall_mask = 0;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (!v->vcpu_info->evtchn_upcall_pending)
            v->blocked = true;
        return 0;
    case SCHEDOP_shutdown: {
        struct sched_shutdown s;
        if (copy_from_guest(&s, arg, sizeof(s)))
            return -EFAULT;
        domain_shutdown(d, (uint8_t)s.reason);
        return 0;
    }
    case SCHEDOP_shutdown_code: {
        struct sched_shutdown s;
        if (copy_from_guest(&s, arg, sizeof(s)))
            return -EFAULT;
        d->shutdown_code = (uint8_t)s.reason;
        return 0;
    }
    case SCHEDOP_pin_override:
        return -EPERM;
    default:
        return -ENOSYS;
    }
}
