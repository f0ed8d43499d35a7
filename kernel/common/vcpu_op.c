/* vcpu_op and set_timer_op: vCPU info and runstate registration, timers, is_up. */
#include "lib.h"
#include "hypercall.h"
#include "guest_access.h"
#include "domain.h"
#include "sched.h"
#include "time.h"
#include "mm.h"
#include "flush.h"
#include <xen/vcpu.h>

void vcpu_timer_changed(struct vcpu *v);
void runstate_publish(struct vcpu *v);

static long register_vcpu_info(struct vcpu *v, uint64_t arg)
{
    struct vcpu_register_vcpu_info info;
    struct domain *d = v->domain;
    if (copy_from_guest(&info, arg, sizeof(info))) return -EFAULT;
    if (info.offset > PAGE_SIZE - sizeof(struct vcpu_info) || info.rsvd) return -EINVAL;
    if (v->vcpu_info_mfn != INVALID_MFN) return -EINVAL; /* once per vCPU, as Xen */
    spin_lock(&d->lock);
    int rc = get_page_and_type(info.mfn, d, PGT_writable);
    spin_unlock(&d->lock);
    if (rc) return -EINVAL;
    struct vcpu_info *n = (struct vcpu_info *)((char *)mfn_to_virt(info.mfn) + info.offset);
    memcpy(n, v->vcpu_info, sizeof(*n));
    v->vcpu_info = n;
    v->vcpu_info_mfn = info.mfn;
    /* The guest rescans everything: events may have arrived at the old place. */
    n->evtchn_upcall_pending = 1;
    n->evtchn_pending_sel = ~0UL;
    update_vcpu_time(v);
    return 0;
}

static long register_runstate(struct vcpu *v, uint64_t arg)
{
    struct vcpu_register_runstate_memory_area a;
    if (copy_from_guest(&a, arg, sizeof(a))) return -EFAULT;
    uint64_t va = (uint64_t)a.addr.v;
    if (va && !guest_range_ok(va, sizeof(struct vcpu_runstate_info))) return -EINVAL;
    v->runstate_guest = va;
    runstate_publish(v);
    return 0;
}

static long singleshot(struct vcpu *v, uint64_t arg)
{
    struct vcpu_set_singleshot_timer t;
    if (copy_from_guest(&t, arg, sizeof(t))) return -EFAULT;
    uint64_t now = now_ns();
    if ((t.flags & VCPU_SSHOTTMR_future) && t.timeout_abs_ns < now) return -XEN_ETIME;
    v->singleshot_deadline = t.timeout_abs_ns < now ? now : t.timeout_abs_ns;
    if (!v->singleshot_deadline) v->singleshot_deadline = 1;
    vcpu_timer_changed(v);
    return 0;
}

static long periodic(struct vcpu *v, uint64_t arg)
{
    struct vcpu_set_periodic_timer t;
    if (copy_from_guest(&t, arg, sizeof(t))) return -EFAULT;
    if (t.period_ns < 1000000ULL || t.period_ns > (~0ULL >> 2))
        return -EINVAL; /* Xen: 1 ms to STIME_DELTA_MAX (a longer one wrapped the deadline) */
    v->periodic_period = t.period_ns;
    v->periodic_next = now_ns() + t.period_ns;
    vcpu_timer_changed(v);
    return 0;
}

long do_vcpu_op(uint64_t cmd, uint64_t vcpuid, uint64_t arg, uint64_t a4, uint64_t a5)
{
    struct domain *d = current->domain;
    if (vcpuid >= d->nr_vcpus || !d->vcpu[vcpuid]) return -ENOENT;
    struct vcpu *v = d->vcpu[vcpuid];
    switch (cmd) {
    case VCPUOP_is_up:
        return v->online;
    case VCPUOP_initialise:
        return vcpu_initialise(d, v, arg); /* secondary vCPUs: then VCPUOP_up */
    case VCPUOP_up:
        if (!v->initialised) return -EINVAL;
        if (!v->online) {
            v->online = true;
            sched_update_vcpu(v);
        }
        return 0;
    case VCPUOP_down:
        if (v->online) {
            v->online = false;
            sched_update_vcpu(v); /* if it is the caller, it stops on the way out */
        }
        return 0;
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(v, arg);
    case VCPUOP_register_runstate_memory_area:
        return register_runstate(v, arg);
    case VCPUOP_get_runstate_info: {
        struct vcpu_runstate_info r = { .state = v->sched.runstate,
                                        .state_entry_time = v->sched.state_entry_time };
        memcpy(r.time, v->sched.time, sizeof(r.time));
        return copy_to_guest(arg, &r, sizeof(r)) ? -EFAULT : 0;
    }
    case VCPUOP_set_singleshot_timer:
        if (v != current) return -EINVAL;
        return singleshot(v, arg);
    case VCPUOP_stop_singleshot_timer:
        if (v != current) return -EINVAL;
        v->singleshot_deadline = 0;
        return 0;
    case VCPUOP_set_periodic_timer:
        return periodic(v, arg);
    case VCPUOP_stop_periodic_timer:
        v->periodic_period = 0;
        return 0;
    default:
        return -ENOSYS;
    }
}

long do_set_timer_op(uint64_t timeout, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct vcpu *v = current;
    if (!timeout) {
        v->singleshot_deadline = 0;
        return 0;
    }
    uint64_t now = now_ns();
    v->singleshot_deadline = timeout < now ? now : timeout;
    vcpu_timer_changed(v);
    return 0;
}
