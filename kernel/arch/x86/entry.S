/* Entry and exit: the 256 IDT stubs, the syscall entry (hypercalls from the guest
 * kernel, system calls from guest user mode), the return to the guest, and the
 * fault-tolerant guest-memory copy primitives with their exception-table entries.
 * Every entry builds a struct cpu_regs (regs.h); from guest mode it is the one at
 * the top of the pCPU stack. */
#include "layout.h"
#include <xen/xen.h>        /* FLAT_KERNEL_CS/SS, FLAT_USER_CS32 */

.macro SAVE_GPRS
    push %rdi
    push %rsi
    push %rdx
    push %rcx
    push %rax
    push %r8
    push %r9
    push %r10
    push %r11
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
.endm

.macro RESTORE_GPRS
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rax
    pop %rcx
    pop %rdx
    pop %rsi
    pop %rdi
.endm

/* A guest can enter with RFLAGS.AC set (and the hypervisor can be interrupted inside
 * a copy helper's stac window): clear it so SMAP guards every entry path. */
.macro CLAC_IF_SMAP
    testb $1, smap_active(%rip)
    jz 88f
    clac
88:
.endm

    .section .text.hot, "ax"  /* HOT_PATH (types.h) */
common_entry:
    testb $3, 24(%rsp)            /* CS of the interrupted context */
    jnz 0f
    /* A fault on the exit iretq itself runs with the guest's GS base loaded. */
    push %rax
    leaq guest_iretq(%rip), %rax
    cmpq %rax, 24(%rsp)
    pop %rax
    jne 1f
0:  swapgs
1:  cld
    CLAC_IF_SMAP
    SAVE_GPRS
    mov %rsp, %rdi
    call trap_dispatch
    .globl return_to_guest
return_to_guest:
    RESTORE_GPRS
    testb $3, 24(%rsp)
    jz 2f
    swapgs
2:  add $16, %rsp
    .globl guest_iretq, guest_iretq_retry
guest_iretq:
    iretq
/* The exit iretq faulted on an LDT page that is now mapped (traps.c ldt_fault):
 * the fault entry switched to our GS base, so switch back and retry at the same
 * iretq (whose exception-table entry and GS handling cover a second fault). */
guest_iretq_retry:
    swapgs
    jmp guest_iretq

/* The CPU refused the guest frame (bad selector or address): rebuild a register
 * frame from the live registers and let iret_fault() give the fault to the guest. */
iret_fixup:
    pushq $0
    pushq $0x102
    SAVE_GPRS
    cld
    mov %rsp, %rdi
    call iret_fault
    jmp return_to_guest

/* void enter_frame(struct cpu_regs *frame): leave the hypervisor through frame. */
    .globl enter_frame
enter_frame:
    mov %rdi, %rsp
    jmp return_to_guest

    .globl syscall_entry
syscall_entry:
    swapgs
    mov %rsp, %gs:0
    mov %gs:8, %rsp
    pushq $FLAT_KERNEL_SS
    pushq %gs:0
    pushq %r11
    pushq $FLAT_KERNEL_CS
    pushq %rcx
    pushq $0
    pushq $0x100
    SAVE_GPRS
    mov %rsp, %rdi
    call syscall_dispatch
    jmp return_to_guest

    .globl syscall32_entry
syscall32_entry:
    swapgs
    mov %rsp, %gs:0
    mov %gs:8, %rsp
    pushq $FLAT_KERNEL_SS
    pushq %gs:0
    pushq %r11
    pushq $FLAT_USER_CS32
    pushq %rcx
    pushq $0
    pushq $0x101
    SAVE_GPRS
    mov %rsp, %rdi
    call syscall_dispatch
    jmp return_to_guest

/* #DB has its own IST stack: a #DB delayed by MOV SS/POP SS arrives on the first
 * instruction of syscall_entry (guest RSP, guest GS base) or of an interrupt stub.
 * From the guest, the frame moves to the top of the pCPU stack like every guest
 * entry (so a watchpoint hit while bouncing it cannot reuse the IST frame); in
 * the hypervisor, debug_in_hypervisor() runs without per-CPU data and returns. */
    .text
    .globl debug_entry
debug_entry:
    testb $3, 8(%rsp)             /* CS */
    jz 1f
    swapgs
    mov %rax, %gs:0               /* scratch_rsp is free: no syscall entry is in flight */
    mov %rsp, %rax
    mov %gs:8, %rsp
    pushq 32(%rax)                /* ss, rsp, rflags, cs, rip */
    pushq 24(%rax)
    pushq 16(%rax)
    pushq 8(%rax)
    pushq (%rax)
    pushq $0
    pushq $1
    mov %gs:0, %rax
    cld
    CLAC_IF_SMAP
    SAVE_GPRS
    mov %rsp, %rdi
    call trap_dispatch
    jmp return_to_guest
1:  pushq $0
    pushq $1
    cld
    CLAC_IF_SMAP
    SAVE_GPRS
    mov %rsp, %rdi
    call debug_in_hypervisor
    RESTORE_GPRS
    add $16, %rsp
    iretq

/* The IDT stubs: push a zero error code where the CPU pushes none, then the vector. */
.macro STUB vec
    .align 16
stub_\vec:
    .if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
    .else
    pushq $0
    .endif
    pushq $\vec
    jmp common_entry
.endm

.altmacro
.macro STUBS from, to
    STUB \from
    .if \to - \from
    STUBS %(\from + 1), \to
    .endif
.endm
    .section .text.hot, "ax"  /* the exceptions (#PF on every guest fault) */
    STUBS 0, 31
    .text
    STUBS 32, 63
    STUBS 64, 127
    STUBS 128, 191
    STUBS 192, 255

.macro STUBADDR vec
    .quad stub_\vec
.endm
.macro STUBADDRS from, to
    STUBADDR \from
    .if \to - \from
    STUBADDRS %(\from + 1), \to
    .endif
.endm
    .section .rodata
    .align 8
    .globl entry_stubs
entry_stubs:
    STUBADDRS 0, 63
    STUBADDRS 64, 127
    STUBADDRS 128, 191
    STUBADDRS 192, 255
.noaltmacro

    .section .text.hot, "ax"
/* size_t raw_copy(void *dst, const void *src, size_t n): bytes NOT copied. */
    .globl raw_copy
raw_copy:
    mov %rdx, %rcx
    shr $3, %rcx
10: rep movsq                     /* quadwords: emulators run movsb a byte at a time */
    mov %rdx, %rcx
    and $7, %rcx
14: rep movsb
    xor %eax, %eax
    ret
11: shl $3, %rcx                  /* fault in the quadword part */
    and $7, %edx
    lea (%rcx, %rdx), %rax
    ret
15: mov %rcx, %rax
    ret

/* int raw_cmpxchg8(uint64_t *p, uint64_t *old, uint64_t new): 0 or -EFAULT(-14). */
    .globl raw_cmpxchg8
raw_cmpxchg8:
    mov (%rsi), %rax
12: lock cmpxchg %rdx, (%rdi)
    mov %rax, (%rsi)
    xor %eax, %eax
    ret
13: mov $-14, %eax
    ret

    .section __ex_table, "a"
    .quad guest_iretq, iret_fixup
    .quad 10b, 11b
    .quad 14b, 15b
    .quad 12b, 13b
    .previous
