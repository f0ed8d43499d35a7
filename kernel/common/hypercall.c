/* The one hypercall table, indexed by number and bounds-checked; anything not in
 * it is -ENOSYS.  Also multicall, which runs entries of the same table, and
 * continuations: the core is not preemptible, so a batching hypercall stops
 * after a bounded amount of work and is restarted by the guest re-executing
 * its `syscall` with arguments that describe the remaining work (Xen's
 * hypercall_create_continuation). */
#include "lib.h"
#include "hypercall.h"
#include "guest_access.h"
#include "domain.h"
#include "sched.h"
#include "apic.h"
#include "traps.h"

static hypercall_fn *const table[NR_HYPERCALLS] = {
    [__HYPERVISOR_set_trap_table] = do_set_trap_table,
    [__HYPERVISOR_mmu_update] = do_mmu_update,
    [__HYPERVISOR_set_gdt] = do_set_gdt,
    [__HYPERVISOR_stack_switch] = do_stack_switch,
    [__HYPERVISOR_set_callbacks] = do_set_callbacks,
    [__HYPERVISOR_fpu_taskswitch] = do_fpu_taskswitch,
    [__HYPERVISOR_set_debugreg] = do_set_debugreg,
    [__HYPERVISOR_get_debugreg] = do_get_debugreg,
    [__HYPERVISOR_update_descriptor] = do_update_descriptor,
    [__HYPERVISOR_memory_op] = do_memory_op,
    [__HYPERVISOR_multicall] = do_multicall,
    [__HYPERVISOR_update_va_mapping] = do_update_va_mapping,
    [__HYPERVISOR_xen_version] = do_xen_version,
    [__HYPERVISOR_console_io] = do_console_io,
    [__HYPERVISOR_vm_assist] = do_vm_assist,
    [__HYPERVISOR_iret] = do_iret,
    [__HYPERVISOR_set_segment_base] = do_set_segment_base,
    [__HYPERVISOR_mmuext_op] = do_mmuext_op,
    [__HYPERVISOR_sched_op] = do_sched_op,
    [__HYPERVISOR_callback_op] = do_callback_op,
    [__HYPERVISOR_physdev_op] = do_physdev_op,
    [__HYPERVISOR_set_timer_op] = do_set_timer_op,
    [__HYPERVISOR_vcpu_op] = do_vcpu_op,
    [__HYPERVISOR_event_channel_op] = do_event_channel_op,
    [__HYPERVISOR_grant_table_op] = do_grant_table_op,
    [__HYPERVISOR_domctl] = do_domctl,
    [__HYPERVISOR_sysctl] = do_sysctl,
    [__HYPERVISOR_sched_op_compat] = do_sched_op_compat,
};

/* Per pCPU: a hypercall runs to its end on the pCPU it entered on. */
HOT_DATA static struct hc_state {
    bool in_multicall;
    bool preempted;              /* a continuation was made */
    unsigned budget;             /* preemption checks left before a forced stop */
    struct multicall_entry call; /* the multicall entry running */
} hcs[NR_CPUS];

static struct hc_state *hc(void) { return &hcs[smp_processor_id()]; }

HOT_PATH long hypercall_invoke(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    if (nr >= NR_HYPERCALLS || !table[nr]) return -ENOSYS;
    return table[nr](a1, a2, a3, a4, a5);
}

/* A hypercall from guest kernel mode: run it, and when it made a continuation
 * wind RIP back over the 2-byte `syscall` so the guest issues it again. */
HOT_PATH void hypercall_dispatch(struct cpu_regs *r)
{
    struct hc_state *s = hc();
    s->preempted = false;
    s->budget = HYPERCALL_BUDGET;
    r->rax = (uint64_t)hypercall_invoke((unsigned)MIN(r->rax, (uint64_t)NR_HYPERCALLS), r->rdi, r->rsi,
                                        r->rdx, r->r10, r->r8);
    if (s->preempted) r->rip -= 2;
}

/* Xen's hypercall_preempt_check (a softirq is pending or an event is
 * deliverable) with the core's equivalents: an interrupt waiting at the LAPIC
 * (IF is clear in here), a reschedule due or this vCPU no longer runnable.
 * Also true once HYPERCALL_BUDGET checks were made since the guest entered, so
 * every entry into the hypervisor does a bounded amount of batch work.  The
 * LAPIC's IRR is seven device reads (each a trip through the device model
 * when emulated), so it is read at every 8th check only: an interrupt waits
 * for at most 7 more batch elements. */
HOT_PATH bool hypercall_preempt_check(void)
{
    struct hc_state *s = hc();
    const struct vcpu *v = current;
    if (!s->budget) return true;
    s->budget--;
    return (v->vcpu_info->evtchn_upcall_pending && !v->vcpu_info->evtchn_upcall_mask) ||
           sched_resched_pending() || (!(s->budget & 7) && lapic_irq_pending());
}

/* Make the running hypercall restart as op(args[0..n-1]); the other argument
 * registers keep their values.  Inside a multicall the entry is rewritten
 * instead (do_multicall copies it back and continues from it).  Returns op,
 * which becomes the result the guest never sees. */
long hypercall_continue(unsigned op, unsigned n, const uint64_t *args)
{
    struct hc_state *s = hc();
    s->preempted = true;
    if (s->in_multicall) {
        for (unsigned i = 0; i < n; i++)
            s->call.args[i] = args[i];
        return op;
    }
    struct cpu_regs *r = guest_regs();
    uint64_t *reg[5] = { &r->rdi, &r->rsi, &r->rdx, &r->r10, &r->r8 };
    for (unsigned i = 0; i < n && i < 5; i++)
        *reg[i] = args[i];
    r->rax = op;
    return op;
}

/* Entries run in order; each result goes back into its entry.  As in Xen: a
 * nested multicall is -EINVAL; an unreadable list or entry, or a result that
 * cannot be written back, ends the call with -EFAULT (the entries before it
 * ran); an iret entry returns to the frame it names, so it is the last entry
 * executed and the multicall returns its result (the frame's rax); when
 * preemption is due before an entry, or an entry made a continuation, the
 * multicall continues from that entry (list and count updated). */
HOT_PATH long do_multicall(uint64_t list, uint64_t count64, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct hc_state *s = hc();
    uint32_t count = (uint32_t)count64, i;
    long rc = 0;

    (void)a3, (void)a4, (void)a5;
    if (s->in_multicall) return -EINVAL;
    if (!guest_range_ok(list, 1)) return -EFAULT; /* Xen checks where the list starts, not its end */
    s->in_multicall = true;
    for (i = 0; i < count; i++, list += sizeof(s->call)) {
        if (i && hypercall_preempt_check()) goto preempted;
        if (copy_from_guest(&s->call, list, sizeof(s->call))) {
            rc = -EFAULT;
            break;
        }
        s->call.result =
            (uint64_t)hypercall_invoke((unsigned)MIN(s->call.op, (uint64_t)NR_HYPERCALLS), s->call.args[0],
                                       s->call.args[1], s->call.args[2], s->call.args[3], s->call.args[4]);
        uint64_t at = list + offsetof(struct multicall_entry, result);
        if (s->call.op == __HYPERVISOR_iret) {
            (void)copy_to_guest(at, &s->call.result, sizeof(s->call.result));
            rc = (long)s->call.result;
            break;
        }
        if (copy_to_guest(at, &s->call.result, sizeof(s->call.result))) {
            rc = -EFAULT;
            break;
        }
        if (s->preempted) {
            /* The entry now describes its own remaining work. */
            if (!copy_to_guest(list, &s->call, sizeof(s->call))) goto preempted;
            s->preempted = false;
            rc = -EFAULT;
            break;
        }
    }
    s->in_multicall = false;
    return rc;

preempted:
    s->in_multicall = false;
    return hypercall_continue(__HYPERVISOR_multicall, 2, (uint64_t[]){ list, count - i });
}
