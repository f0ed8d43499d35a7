/* Per-vCPU x86 PV state: the virtual CPU a PV guest kernel sees. */
#ifndef TESSERA_VCPU_ARCH_H
#define TESSERA_VCPU_ARCH_H

#include "types.h"
#include "regs.h"

#define MAX_GDT_FRAMES 14 /* 14 * 512 = 7168 guest entries */
#define LDT_PAGES      16 /* 16 * 512 = 8192 entries, Xen's limit */

struct trap_bounce_entry {
    uint64_t address;
    uint16_t cs;
    uint8_t flags; /* TI_* from trap_info: DPL bits 0-1, bit 2 = mask events */
};

struct arch_vcpu {
    struct cpu_regs regs;          /* guest registers while not running */
    bool kernel_mode;              /* guest kernel (true) or guest user mode */
    mfn_t guest_table;             /* kernel L4 (holds a type ref), INVALID_MFN = none */
    mfn_t guest_table_user;        /* user L4 (holds a type ref), INVALID_MFN = none */
    uint64_t kernel_ss, kernel_sp; /* stack_switch */
    uint64_t fs_base, gs_base_kernel, gs_base_user;
    uint16_t ds, es, fs, gs;         /* guest data selectors */
    struct trap_bounce_entry *traps; /* 256 entries, one page of its own */
    uint64_t event_callback, failsafe_callback, syscall_callback;
    uint64_t syscall32_callback, sysenter_callback;
    uint8_t syscall_mask_events, syscall32_mask_events, sysenter_mask_events;
    mfn_t gdt_frames[MAX_GDT_FRAMES];
    unsigned gdt_ents; /* 0 = none: the flat hypervisor selectors only */
    uint64_t ldt_base;
    unsigned ldt_ents;                                  /* MMUEXT_SET_LDT */
    mfn_t ldt_frames[LDT_PAGES];                        /* pages mapped so far (bit i of ldt_mapped), */
    uint16_t ldt_mapped;                                /*   each holding a seg_desc type reference */
    bool fpu_ts;                                        /* virtual CR0.TS */
    uint64_t vcr4;                                      /* virtual CR4 the guest reads back */
    uint64_t cr2;                                       /* last #PF address bounced */
    uint64_t debugreg[8];                               /* DR6/DR7 as the guest reads them, less dr7_emul */
    uint32_t dr7_emul;                                  /* enable bits of emulated I/O breakpoints */
    unsigned iopl;                                      /* virtual IOPL (PHYSDEVOP_set_iopl) */
    uint8_t fpu_area[512] __attribute__((aligned(16))); /* FXSAVE image */
};

#endif
