/* The register frame saved on every entry to the hypervisor (entry.S builds it). */
#ifndef TESSERA_REGS_H
#define TESSERA_REGS_H

#include <stdint.h>

struct cpu_regs {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
    uint64_t rax, rcx, rdx, rsi, rdi;
    uint64_t vector; /* exception/IRQ vector; VEC_SYSCALL for syscall */
    uint64_t error_code;
    /* hardware iret frame */
    uint64_t rip, cs, rflags, rsp, ss;
};

#define VEC_SYSCALL 0x100

#define REGS_OFF_VECTOR (15 * 8)
#define REGS_SIZE       (22 * 8)

#define X86_EFLAGS_CF   0x00000001UL
#define X86_EFLAGS_TF   0x00000100UL
#define X86_EFLAGS_IF   0x00000200UL
#define X86_EFLAGS_DF   0x00000400UL
#define X86_EFLAGS_IOPL 0x00003000UL
#define X86_EFLAGS_NT   0x00004000UL
#define X86_EFLAGS_RF   0x00010000UL
#define X86_EFLAGS_VM   0x00020000UL
#define X86_EFLAGS_AC   0x00040000UL
#define X86_EFLAGS_MBS  0x00000002UL

#endif
