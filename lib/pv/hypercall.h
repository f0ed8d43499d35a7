/* Hypercall wrappers of the PV base (included by pv.h). Built with -DHCPAGE they call
 * into the hypervisor-filled hypercall page (hypercall_page + nr*32, numbers below
 * 128); otherwise they execute a bare `syscall` with rax = number and arguments in rdi rsi rdx r10 r8 (Linux 6.1's way). */
#ifndef PV_HYPERCALL_H
#define PV_HYPERCALL_H

#include <xen/xen.h>

extern char hypercall_page[];

static inline long hypercall_raw(long nr, long a1, long a2, long a3, long a4, long a5)
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

#ifdef HCPAGE
static inline long hypercall_page_call(long nr, long a1, long a2, long a3, long a4, long a5)
{
    register long r10 asm("r10") = a4;
    register long r8 asm("r8") = a5;
    long ret = (long)(hypercall_page + nr * 32);
    /* The page's stubs preserve rcx and r11 (push/pop around the syscall). */
    asm volatile("call *%0" : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8) : : "memory");
    return ret;
}
#define USES_HCPAGE 1
#else
#define USES_HCPAGE 0
#endif

static inline long hypercall(long nr, long a1, long a2, long a3, long a4, long a5)
{
#ifdef HCPAGE
    if (nr >= 0 && nr < 128) return hypercall_page_call(nr, a1, a2, a3, a4, a5);
#endif
    return hypercall_raw(nr, a1, a2, a3, a4, a5);
}

#define HC0(nr)                hypercall(nr, 0, 0, 0, 0, 0)
#define HC1(nr, a)             hypercall(nr, (long)(a), 0, 0, 0, 0)
#define HC2(nr, a, b)          hypercall(nr, (long)(a), (long)(b), 0, 0, 0)
#define HC3(nr, a, b, c)       hypercall(nr, (long)(a), (long)(b), (long)(c), 0, 0)
#define HC4(nr, a, b, c, d)    hypercall(nr, (long)(a), (long)(b), (long)(c), (long)(d), 0)
#define HC5(nr, a, b, c, d, e) hypercall(nr, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e))

#define HYPERVISOR_set_trap_table(t)           HC1(__HYPERVISOR_set_trap_table, t)
#define HYPERVISOR_mmu_update(r, n, d, dom)    HC4(__HYPERVISOR_mmu_update, r, n, d, dom)
#define HYPERVISOR_set_gdt(f, n)               HC2(__HYPERVISOR_set_gdt, f, n)
#define HYPERVISOR_stack_switch(ss, sp)        HC2(__HYPERVISOR_stack_switch, ss, sp)
#define HYPERVISOR_set_callbacks(e, f, s)      HC3(__HYPERVISOR_set_callbacks, e, f, s)
#define HYPERVISOR_fpu_taskswitch(s)           HC1(__HYPERVISOR_fpu_taskswitch, s)
#define HYPERVISOR_set_debugreg(r, v)          HC2(__HYPERVISOR_set_debugreg, r, v)
#define HYPERVISOR_get_debugreg(r)             HC1(__HYPERVISOR_get_debugreg, r)
#define HYPERVISOR_update_descriptor(ma, d)    HC2(__HYPERVISOR_update_descriptor, ma, d)
#define HYPERVISOR_memory_op(c, a)             HC2(__HYPERVISOR_memory_op, c, a)
#define HYPERVISOR_multicall(c, n)             HC2(__HYPERVISOR_multicall, c, n)
#define HYPERVISOR_update_va_mapping(va, p, f) HC3(__HYPERVISOR_update_va_mapping, va, p, f)
#define HYPERVISOR_set_timer_op(t)             HC1(__HYPERVISOR_set_timer_op, t)
#define HYPERVISOR_xen_version(c, a)           HC2(__HYPERVISOR_xen_version, c, a)
#define HYPERVISOR_console_io(c, n, b)         HC3(__HYPERVISOR_console_io, c, n, b)
#define HYPERVISOR_vm_assist(c, t)             HC2(__HYPERVISOR_vm_assist, c, t)
#define HYPERVISOR_vcpu_op(c, v, a)            HC3(__HYPERVISOR_vcpu_op, c, v, a)
#define HYPERVISOR_set_segment_base(w, b)      HC2(__HYPERVISOR_set_segment_base, w, b)
#define HYPERVISOR_mmuext_op(o, n, d, dom)     HC4(__HYPERVISOR_mmuext_op, o, n, d, dom)
#define HYPERVISOR_sched_op(c, a)              HC2(__HYPERVISOR_sched_op, c, a)
#define HYPERVISOR_callback_op(c, a)           HC2(__HYPERVISOR_callback_op, c, a)
#define HYPERVISOR_event_channel_op(c, a)      HC2(__HYPERVISOR_event_channel_op, c, a)
#define HYPERVISOR_grant_table_op(c, a, n)     HC3(__HYPERVISOR_grant_table_op, c, a, n)
#define HYPERVISOR_physdev_op(c, a)            HC2(__HYPERVISOR_physdev_op, c, a)

#endif
