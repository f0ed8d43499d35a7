/* Per-pCPU data, reached through %gs while in the hypervisor.  entry.S knows the
 * offsets of the first fields. */
#ifndef TESSERA_PERCPU_H
#define TESSERA_PERCPU_H

#include "types.h"

struct vcpu;

struct percpu {
    uint64_t scratch_rsp; /* 0: guest RSP during syscall entry */
    uint64_t stack_top;   /* 8: top of this pCPU's hypervisor stack */
    struct vcpu *curr;    /* 16: running vCPU (NULL when idle) */
    struct percpu *self;  /* 24 */
    unsigned cpu_id;
    bool dr7_live;              /* a vCPU's breakpoints are loaded (debugreg.c) */
    uint64_t exit_fault_vector; /* the fault the exit iretq took (entry.S iret_fixup) */
    uint64_t exit_fault_error;
    uint64_t tss[13] __attribute__((aligned(16)));         /* 104-byte 64-bit TSS */
    uint64_t gdt_page[512] __attribute__((aligned(4096))); /* entries 7168.. */
};

#define PERCPU_SCRATCH   0
#define PERCPU_STACK_TOP 8

static inline struct percpu *this_cpu(void)
{
    struct percpu *p;
    __asm__ volatile("mov %%gs:24, %0" : "=r"(p));
    return p;
}

void cpu_init(unsigned id);
void gdt_window_set(unsigned cpu, unsigned page, mfn_t mfn);
void load_guest_gdt(struct vcpu *v);
void load_guest_ldt(struct vcpu *v);

#endif
