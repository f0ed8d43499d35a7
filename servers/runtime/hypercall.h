/* Hypercall wrappers: a bare `syscall` with rax = number and arguments in
 * rdi rsi rdx r10 r8 (the convention of a 64-bit PV kernel without a hypercall page). */
#ifndef RT_HYPERCALL_H
#define RT_HYPERCALL_H

static inline long hypercall(long nr, long a1, long a2, long a3, long a4, long a5)
{
    register long r10 asm("r10") = a4;
    register long r8 asm("r8") = a5;
    long ret;
    asm volatile("syscall"
                 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                 : "0"(nr)
                 : "rcx", "r11", "memory");
    return ret;
}

#define HC1(nr, a)                hypercall(nr, (long)(a), 0, 0, 0, 0)
#define HC2(nr, a, b)             hypercall(nr, (long)(a), (long)(b), 0, 0, 0)
#define HC3(nr, a, b, c)          hypercall(nr, (long)(a), (long)(b), (long)(c), 0, 0)
#define HC4(nr, a, b, c, d)       hypercall(nr, (long)(a), (long)(b), (long)(c), (long)(d), 0)

#define HYPERVISOR_set_trap_table(t)          HC1(__HYPERVISOR_set_trap_table, t)
#define HYPERVISOR_mmu_update(r, n, d, dom)   HC4(__HYPERVISOR_mmu_update, r, n, d, dom)
#define HYPERVISOR_stack_switch(ss, sp)       HC2(__HYPERVISOR_stack_switch, ss, sp)
#define HYPERVISOR_update_va_mapping(va, p, f) HC3(__HYPERVISOR_update_va_mapping, va, p, f)
#define HYPERVISOR_set_timer_op(t)            HC1(__HYPERVISOR_set_timer_op, t)
#define HYPERVISOR_console_io(c, n, b)        HC3(__HYPERVISOR_console_io, c, n, b)
#define HYPERVISOR_vcpu_op(c, v, a)           HC3(__HYPERVISOR_vcpu_op, c, v, a)
#define HYPERVISOR_set_segment_base(w, b)     HC2(__HYPERVISOR_set_segment_base, w, b)
#define HYPERVISOR_mmuext_op(o, n, d, dom)    HC4(__HYPERVISOR_mmuext_op, o, n, d, dom)
#define HYPERVISOR_sched_op(c, a)             HC2(__HYPERVISOR_sched_op, c, a)
#define HYPERVISOR_callback_op(c, a)          HC2(__HYPERVISOR_callback_op, c, a)
#define HYPERVISOR_event_channel_op(c, a)     HC2(__HYPERVISOR_event_channel_op, c, a)
#define HYPERVISOR_grant_table_op(c, a, n)    HC3(__HYPERVISOR_grant_table_op, c, a, n)
#define HYPERVISOR_xen_version(c, a)          HC2(__HYPERVISOR_xen_version, c, a)
#define HYPERVISOR_physdev_op(c, a)           HC2(__HYPERVISOR_physdev_op, c, a)

#endif
