/* Trap table, callbacks and the dispatcher: user-mode exceptions end the program
 * (proc_crash), the syscall callback runs a system call, the event callback scans
 * the event channels; an exception in the runtime itself is fatal. */
#include "rt.h"

extern char trap_entry_0[], trap_entry_1[], trap_entry_2[], trap_entry_3[], trap_entry_4[],
    trap_entry_5[], trap_entry_6[], trap_entry_7[], trap_entry_8[], trap_entry_9[],
    trap_entry_10[], trap_entry_11[], trap_entry_12[], trap_entry_13[], trap_entry_14[],
    trap_entry_15[], trap_entry_16[], trap_entry_17[], trap_entry_18[], trap_entry_19[],
    trap_entry_20[], trap_entry_21[], trap_entry_22[], trap_entry_23[], trap_entry_24[],
    trap_entry_25[], trap_entry_26[], trap_entry_27[], trap_entry_28[], trap_entry_29[],
    trap_entry_30[], trap_entry_31[], trap_entry_0x80[], trap_entry_0x100[],
    trap_entry_0x101[], trap_entry_0x102[];

/* Flag 4: events masked on entry (the runtime never runs its handlers unmasked). */
#define ENT(v, dpl) { (v), (dpl) | 4, FLAT_KERNEL_CS, (unsigned long)trap_entry_##v }
static trap_info_t trap_table[] = {
    ENT(0, 0),  ENT(1, 0),  ENT(2, 0),  ENT(3, 3),  ENT(4, 3),  ENT(5, 0),  ENT(6, 0),
    ENT(7, 0),  ENT(8, 0),  ENT(9, 0),  ENT(10, 0), ENT(11, 0), ENT(12, 0), ENT(13, 0),
    ENT(14, 0), ENT(15, 0), ENT(16, 0), ENT(17, 0), ENT(18, 0), ENT(19, 0), ENT(20, 0),
    ENT(21, 0), ENT(22, 0), ENT(23, 0), ENT(24, 0), ENT(25, 0), ENT(26, 0), ENT(27, 0),
    ENT(28, 0), ENT(29, 0), ENT(30, 0), ENT(31, 0), ENT(0x80, 3),
    { 0, 0, 0, 0 },
};

static void callback(unsigned type, void *addr, unsigned flags)
{
    struct callback_register cb = { .type = type, .flags = flags, .address = (unsigned long)addr };
    if (HYPERVISOR_callback_op(CALLBACKOP_register, &cb))
        panic("callback_op register type %u failed", type);
}

void traps_init(void)
{
    if (HYPERVISOR_set_trap_table(trap_table))
        panic("set_trap_table failed");
    callback(CALLBACKTYPE_syscall, trap_entry_0x100, CALLBACKF_mask_events);
    callback(CALLBACKTYPE_failsafe, trap_entry_0x101, 0);
    callback(CALLBACKTYPE_event, trap_entry_0x102, 0);
    if (HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (uint64_t)trap_stack_top))
        panic("stack_switch failed");
}

static const char *const vec_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
    "device not available", "double fault", "coprocessor overrun", "invalid TSS",
    "segment not present", "stack fault", "general protection", "page fault", "reserved",
    "x87 floating point", "alignment check", "machine check", "SIMD floating point",
};

/* Linux's signal for each exception taken in user mode. */
static int vec_signal(uint64_t v)
{
    switch (v) {
    case 0: case 16: case 19: return 8;     /* SIGFPE */
    case 1: case 3: return 5;               /* SIGTRAP */
    case 6: return 4;                       /* SIGILL */
    case 17: return 7;                      /* SIGBUS */
    default: return 11;                     /* SIGSEGV */
    }
}

static void kernel_fault(struct regs *r)
{
    printk("runtime: PANIC: exception %lu (%s) in the runtime: rip %lx ec %lx cr2 %lx rsp %lx\n",
           (unsigned long)r->vector, r->vector < 32 && vec_names[r->vector] ? vec_names[r->vector] : "?",
           (unsigned long)*reg_rip(r), (unsigned long)reg_ec(r),
           (unsigned long)vcpu0->arch.cr2, (unsigned long)reg_rsp(r));
    rt_shutdown(SHUTDOWN_crash);
}

void trap_dispatch(struct regs *r)
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
    if ((reg_cs(r) & 3) != 3)
        kernel_fault(r);
    if (r->vector == 0x80)
        proc_crash(r, 11, "int $0x80 (no 32-bit system calls)");
    const char *name = r->vector < 32 && vec_names[r->vector] ? vec_names[r->vector] : "exception";
    proc_crash(r, vec_signal(r->vector), name);
}
