/* The PV base's assembly, shared by every tiny PV kernel of the project (the
 * conformance guests, the service runtime): Xen ELF notes, start of day, trap entry
 * stubs, the return path through the iret hypercall and a minimal setjmp/longjmp.
 * PV_GUEST_OS (a string, from the build) names the kernel in XEN_ELFNOTE_GUEST_OS.
 * With HCPAGE defined the image carries XEN_ELFNOTE_HYPERCALL_PAGE and every
 * hypercall (iret too) goes through the page the hypervisor filled; without it
 * hypercalls are bare `syscall`s (rax = number, arguments in rdi rsi rdx r10 r8). */
#define __ASSEMBLY__ 1
#include <xen/elfnote.h>
#include <xen/xen.h>

#define NOTE(type, body)                  \
    .pushsection .note.Xen, "a", @note;   \
    .balign 4;                            \
    .long 2f - 1f;  /* namesz */          \
    .long 4f - 3f;  /* descsz */          \
    .long type;                           \
1:  .asciz "Xen";                         \
2:  .balign 4;                            \
3:  body;                                 \
4:  .balign 4;                            \
    .popsection

NOTE(XEN_ELFNOTE_GUEST_OS,      .asciz PV_GUEST_OS)
NOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz "1")
NOTE(XEN_ELFNOTE_XEN_VERSION,   .asciz "xen-3.0")
NOTE(XEN_ELFNOTE_LOADER,        .asciz "generic")
NOTE(XEN_ELFNOTE_VIRT_BASE,     .quad 0xffffffff80000000)
NOTE(XEN_ELFNOTE_PADDR_OFFSET,  .quad 0)
NOTE(XEN_ELFNOTE_ENTRY,         .quad _start)
NOTE(XEN_ELFNOTE_HV_START_LOW,  .quad 0xffff800000000000)
NOTE(XEN_ELFNOTE_FEATURES,      .asciz "!writable_page_tables|pae_pgdir_above_4gb")
NOTE(XEN_ELFNOTE_PAE_MODE,      .asciz "yes")
#ifdef HCPAGE
NOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page)
#endif

    .section .text.head, "ax"
    .globl _start
_start:
    /* Remember what the builder handed us before touching anything. */
    mov   %rsi, boot_rsi(%rip)
    mov   %rsp, boot_rsp(%rip)
    pushfq
    pop   %rax
    mov   %rax, boot_rflags(%rip)
    mov   %cs, %eax
    mov   %rax, boot_cs(%rip)
    mov   %ss, %eax
    mov   %rax, boot_ss(%rip)
    mov   %ds, %eax
    mov   %rax, boot_ds(%rip)
    /* Is .bss zero as loaded (the builder must clear memsz beyond filesz)? */
    lea   _bss_start(%rip), %rdi
    lea   _bss_end(%rip), %rcx
    sub   %rdi, %rcx
    shr   $3, %rcx
    xor   %eax, %eax
    mov   %rdi, %rdx
1:  or    (%rdx), %rax
    add   $8, %rdx
    dec   %rcx
    jnz   1b
    mov   %rax, %r8
    /* Clear .bss anyway, then record the result (boot_* live in .data). */
    lea   _bss_end(%rip), %rcx
    sub   %rdi, %rcx
    xor   %eax, %eax
    rep stosb
    mov   %r8, boot_bss_dirty(%rip)
    lea   boot_stack_top(%rip), %rsp
    mov   boot_rsi(%rip), %rdi
    call  pv_start
    ud2

/* ------------------------------------------------------------------------------ */
#ifdef HCPAGE
    .section .text.hcpage, "ax"
    .globl hypercall_page
    .balign 4096
hypercall_page:
    /* Filled by the hypervisor; int3 so that an unfilled page fails loudly. */
    .fill 4096, 1, 0xcc
#endif

/* ------------------------------------------------------------------------------ */
/* Trap entry. The hypervisor's bounce frame is, from the new RSP upwards:
 *   rcx, r11, [error code], rip, cs, rflags, rsp, ss
 * Each stub pushes the vector and whether an error code is present, then
 * trap_common saves the other GPRs and calls trap_dispatch(regs). */
    .text
.macro TRAPSTUB vec, ec
    .globl trap_entry_\vec
trap_entry_\vec:
    pushq $\ec
    pushq $\vec
    jmp   trap_common
.endm

.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
    TRAPSTUB \v, 0
.endr
.irp v, 8,10,11,12,13,14,17,21,29,30
    TRAPSTUB \v, 1
.endr
/* Software interrupts and callbacks (pseudo vectors >= 0x100). */
TRAPSTUB 0x80, 0
TRAPSTUB 0x81, 0
TRAPSTUB 0x85, 0
TRAPSTUB 0x100, 0   /* syscall callback */
TRAPSTUB 0x101, 0   /* failsafe callback (frame has ds/es/fs/gs; see traps.c) */
TRAPSTUB 0x102, 0   /* event callback */

/* struct pv_regs layout (pv.h): r15 r14 r13 r12 rbx rbp r10 r9 r8 rdi rsi rdx rax
 * vector has_ec, then the hypervisor's frame. */
trap_common:
    push  %rax
    push  %rdx
    push  %rsi
    push  %rdi
    push  %r8
    push  %r9
    push  %r10
    push  %rbp
    push  %rbx
    push  %r12
    push  %r13
    push  %r14
    push  %r15
    mov   %rsp, %rdi
    mov   %rsp, %rbx
    and   $~15, %rsp
    call  trap_dispatch
    mov   %rbx, %rdi
    /* fall through */

/* trap_return(struct pv_regs *r): resume the interrupted context described by r
 * (as possibly modified) with the iret hypercall. */
    .globl trap_return
trap_return:
    mov   %rdi, %rsp
    mov   14*8(%rsp), %r11          /* has_ec */
    pop   %r15
    pop   %r14
    pop   %r13
    pop   %r12
    pop   %rbx
    pop   %rbp
    pop   %r10
    pop   %r9
    pop   %r8
    pop   %rdi
    pop   %rsi
    pop   %rdx
    pop   %rax
    add   $16, %rsp                 /* vector, has_ec: now at the rcx slot */
    test  %r11, %r11
    mov   0(%rsp), %rcx
    mov   8(%rsp), %r11
    jnz   1f
    sub   $16, %rsp
    jmp   2f
1:  sub   $8, %rsp
2:  /* iret frame: rax r11 rcx flags rip cs rflags rsp ss */
    mov   %rax, 0(%rsp)
    mov   %r11, 8(%rsp)
    mov   %rcx, 16(%rsp)
    movq  $0, 24(%rsp)
#ifdef HCPAGE
    add   $24, %rsp                 /* the page's iret stub pushes rcx, r11, rax */
    jmp   hypercall_page + __HYPERVISOR_iret * 32
#else
    mov   $__HYPERVISOR_iret, %eax
    syscall
#endif
    ud2

/* iret_to(frame *f): f points at {rax r11 rcx flags rip cs rflags rsp ss}. Used to
 * enter user mode or to test the iret hypercall directly. iret_to_fresh(f) does the
 * same with all other general registers cleared (a fresh user context). */
    .globl iret_to, iret_to_fresh
iret_to_fresh:
    mov   %rdi, %rsp
    xor   %edi, %edi
    xor   %esi, %esi
    xor   %edx, %edx
    xor   %ebx, %ebx
    xor   %ebp, %ebp
    xor   %r8d, %r8d
    xor   %r9d, %r9d
    xor   %r10d, %r10d
    xor   %r12d, %r12d
    xor   %r13d, %r13d
    xor   %r14d, %r14d
    xor   %r15d, %r15d
    jmp   1f
iret_to:
    mov   %rdi, %rsp
1:  mov   8(%rsp), %r11
    mov   16(%rsp), %rcx
    mov   0(%rsp), %rax
#ifdef HCPAGE
    add   $24, %rsp
    jmp   hypercall_page + __HYPERVISOR_iret * 32
#else
    mov   $__HYPERVISOR_iret, %eax
    syscall
#endif
    ud2

/* Minimal setjmp/longjmp for getting back from user mode or a failed context. */
    .globl ksetjmp
ksetjmp:
    mov   %rbx, 0(%rdi)
    mov   %rbp, 8(%rdi)
    mov   %r12, 16(%rdi)
    mov   %r13, 24(%rdi)
    mov   %r14, 32(%rdi)
    mov   %r15, 40(%rdi)
    lea   8(%rsp), %rax
    mov   %rax, 48(%rdi)
    mov   (%rsp), %rax
    mov   %rax, 56(%rdi)
    xor   %eax, %eax
    ret
    .globl klongjmp
klongjmp:
    mov   0(%rdi), %rbx
    mov   8(%rdi), %rbp
    mov   16(%rdi), %r12
    mov   24(%rdi), %r13
    mov   32(%rdi), %r14
    mov   40(%rdi), %r15
    mov   48(%rdi), %rsp
    mov   %rsi, %rax
    jmp   *56(%rdi)

    .data
    .balign 8
    .globl boot_rsi, boot_rsp, boot_rflags, boot_cs, boot_ss, boot_ds, boot_bss_dirty
boot_rsi:       .quad 0
boot_rsp:       .quad 0
boot_rflags:    .quad 0
boot_cs:        .quad 0
boot_ss:        .quad 0
boot_ds:        .quad 0
boot_bss_dirty: .quad 0

    .section .bss.pages, "aw", @nobits
    .balign 4096
    .globl boot_stack_top
boot_stack:
    .skip 16384
boot_stack_top:
