/* The one hypercall table, indexed by number and bounds-checked; anything not in
 * it is -ENOSYS.  Also multicall, which runs entries of the same table. */
#include "lib.h"
#include "hypercall.h"
#include "guest_access.h"
#include "domain.h"

static hypercall_fn *const table[NR_HYPERCALLS] = {
    [__HYPERVISOR_set_trap_table]    = do_set_trap_table,
    [__HYPERVISOR_mmu_update]        = do_mmu_update,
    [__HYPERVISOR_set_gdt]           = do_set_gdt,
    [__HYPERVISOR_stack_switch]      = do_stack_switch,
    [__HYPERVISOR_set_callbacks]     = do_set_callbacks,
    [__HYPERVISOR_fpu_taskswitch]    = do_fpu_taskswitch,
    [__HYPERVISOR_set_debugreg]      = do_set_debugreg,
    [__HYPERVISOR_get_debugreg]      = do_get_debugreg,
    [__HYPERVISOR_update_descriptor] = do_update_descriptor,
    [__HYPERVISOR_memory_op]         = do_memory_op,
    [__HYPERVISOR_multicall]         = do_multicall,
    [__HYPERVISOR_update_va_mapping] = do_update_va_mapping,
    [__HYPERVISOR_xen_version]       = do_xen_version,
    [__HYPERVISOR_console_io]        = do_console_io,
    [__HYPERVISOR_vm_assist]         = do_vm_assist,
    [__HYPERVISOR_iret]              = do_iret,
    [__HYPERVISOR_set_segment_base]  = do_set_segment_base,
    [__HYPERVISOR_mmuext_op]         = do_mmuext_op,
    [__HYPERVISOR_sched_op]          = do_sched_op,
    [__HYPERVISOR_callback_op]       = do_callback_op,
    [__HYPERVISOR_physdev_op]        = do_physdev_op,
    [__HYPERVISOR_set_timer_op]      = do_set_timer_op,
    [__HYPERVISOR_vcpu_op]           = do_vcpu_op,
    [__HYPERVISOR_event_channel_op]  = do_event_channel_op,
    [__HYPERVISOR_grant_table_op]    = do_grant_table_op,
    [__HYPERVISOR_domctl]            = do_domctl,
    [__HYPERVISOR_sysctl]            = do_sysctl,
    [__HYPERVISOR_sched_op_compat]   = do_sched_op_compat,
};

long hypercall_invoke(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    if (nr >= NR_HYPERCALLS || !table[nr])
        return -ENOSYS;
    return table[nr](a1, a2, a3, a4, a5);
}

/* Entries run in order; each result goes back into its entry.  The hypercall
 * itself fails only when an entry cannot be read or written back (-EFAULT after
 * the entries before it ran, as in Xen, which has no entry limit); iret and nested
 * multicalls are refused per entry (-EINVAL). */
long do_multicall(uint64_t list, uint64_t count, uint64_t a3, uint64_t a4, uint64_t a5)
{
    for (uint64_t i = 0; i < count; i++) {
        struct multicall_entry e;
        uint64_t at = list + i * sizeof(e);
        if (copy_from_guest(&e, at, sizeof(e)))
            return -EFAULT;
        long rc;
        if (e.op == __HYPERVISOR_multicall || e.op == __HYPERVISOR_iret)
            rc = -EINVAL;
        else
            rc = hypercall_invoke((unsigned)MIN(e.op, (uint64_t)NR_HYPERCALLS), e.args[0], e.args[1],
                                  e.args[2], e.args[3], e.args[4]);
        if (copy_to_guest(at + offsetof(struct multicall_entry, result), &rc, sizeof(rc)))
            return -EFAULT;
        if (current->domain->state != DOM_RUNNING)
            break;
    }
    return 0;
}
