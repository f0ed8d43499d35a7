/* Trap table, callbacks and the dispatcher: user-mode exceptions end the program
 * (proc_crash), the syscall callback runs a system call, the event callback scans
 * the event channels; an exception in the runtime itself is fatal. */
#include "rt.h"

/* Flag 4: events masked on entry (the runtime never runs its handlers unmasked). */
static trap_info_t trap_table[] = { PV_TRAPS_STD(4), { 0, 0, 0, 0 } };
/* The kernel stack for bounces from user mode (stack_switch). */
static char trap_stack[32768] ALIGNED_PAGE;

void traps_init(void)
{
    if (HYPERVISOR_set_trap_table(trap_table)) panic("set_trap_table failed");
    long rc = pv_register_callbacks();
    if (rc) panic("callback_op register failed (%ld)", rc);
    if (HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (uint64_t)trap_stack + sizeof(trap_stack)))
        panic("stack_switch failed");
}

static const char *const vec_names[32] = {
    "divide error",
    "debug",
    "NMI",
    "breakpoint",
    "overflow",
    "bound range",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor overrun",
    "invalid TSS",
    "segment not present",
    "stack fault",
    "general protection",
    "page fault",
    "reserved",
    "x87 floating point",
    "alignment check",
    "machine check",
    "SIMD floating point",
};

/* Linux's signal for each exception taken in user mode. */
static int vec_signal(uint64_t v)
{
    switch (v) {
    case 0:
    case 16:
    case 19:
        return 8; /* SIGFPE */
    case 1:
    case 3:
        return 5; /* SIGTRAP */
    case 6:
        return 4; /* SIGILL */
    case 17:
        return 7; /* SIGBUS */
    default:
        return 11; /* SIGSEGV */
    }
}

static void kernel_fault(struct pv_regs *r)
{
    printf("runtime: PANIC: exception %lu (%s) in the runtime: rip %lx ec %lx cr2 %lx rsp %lx\n",
           (unsigned long)r->vector, r->vector < 32 && vec_names[r->vector] ? vec_names[r->vector] : "?",
           (unsigned long)*reg_rip(r), (unsigned long)reg_ec(r), (unsigned long)vcpu0->arch.cr2,
           (unsigned long)reg_rsp(r));
    pv_shutdown(SHUTDOWN_crash);
}

void trap_dispatch(struct pv_regs *r)
{
    switch (r->vector) {
    case 0x102:
        events_scan();
        return;
    case 0x101:
        panic("failsafe callback (bad segment on return), rip %lx", (unsigned long)r->frame[6]);
    case 0x100:
        syscall_entry(r);
        return;
    }
    if ((reg_cs(r) & 3) != 3) kernel_fault(r);
    if (r->vector == 14 && gntdev_fault(vcpu0->arch.cr2)) return;
    if (r->vector == 0x80) proc_crash(r, 11, "int $0x80 (no 32-bit system calls)");
    const char *name = r->vector < 32 && vec_names[r->vector] ? vec_names[r->vector] : "exception";
    proc_crash(r, vec_signal(r->vector), name);
}
