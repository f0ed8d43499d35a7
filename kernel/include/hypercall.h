/* The hypercall table and the handlers it dispatches to. */
#ifndef TESSERA_HYPERCALL_H
#define TESSERA_HYPERCALL_H

#include "types.h"

typedef long hypercall_fn(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

#define NR_HYPERCALLS 64

long hypercall_invoke(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);

hypercall_fn do_set_trap_table, do_mmu_update, do_set_gdt, do_stack_switch, do_set_callbacks,
    do_fpu_taskswitch, do_set_debugreg, do_get_debugreg, do_update_descriptor, do_memory_op,
    do_multicall, do_update_va_mapping, do_set_timer_op, do_xen_version, do_console_io,
    do_vm_assist, do_iret, do_vcpu_op, do_set_segment_base, do_mmuext_op, do_sched_op,
    do_callback_op, do_event_channel_op, do_physdev_op, do_grant_table_op, do_domctl,
    do_sched_op_compat, do_sysctl;

#endif
