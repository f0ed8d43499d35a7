/* The hypercall table and the handlers it dispatches to. */
#ifndef TESSERA_HYPERCALL_H
#define TESSERA_HYPERCALL_H

#include "types.h"

typedef long hypercall_fn(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

#define NR_HYPERCALLS 64

long hypercall_invoke(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);

struct cpu_regs;
/* Run the hypercall the guest kernel's `syscall` asked for (rax and arguments in r). */
void hypercall_dispatch(struct cpu_regs *r);

/* Continuations (hypercall.c).  A batching handler calls hypercall_preempt_check()
 * before each element but the first of this invocation; when it says yes, the
 * handler returns hypercall_continue(op, n, args), which makes the guest re-issue
 * op with args[0..n-1] describing the remaining work. */
#define HYPERCALL_BUDGET 1024 /* preemption checks per entry into the hypervisor */
bool hypercall_preempt_check(void);
long hypercall_continue(unsigned op, unsigned n, const uint64_t *args);

hypercall_fn do_set_trap_table, do_mmu_update, do_set_gdt, do_stack_switch, do_set_callbacks,
    do_fpu_taskswitch, do_set_debugreg, do_get_debugreg, do_update_descriptor, do_memory_op, do_multicall,
    do_update_va_mapping, do_set_timer_op, do_xen_version, do_console_io, do_vm_assist, do_iret, do_vcpu_op,
    do_set_segment_base, do_mmuext_op, do_sched_op, do_callback_op, do_event_channel_op, do_physdev_op,
    do_grant_table_op, do_domctl, do_sched_op_compat, do_sysctl;

#endif
