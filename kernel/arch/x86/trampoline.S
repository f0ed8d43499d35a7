/* Application-processor start: real mode at TRAMPOLINE_PHYS (copied there by
 * smpboot.c), protected mode, long mode on the boot page tables, then the image. */
#define TRAMPOLINE_PHYS 0x8000
#define R(x) ((x) - trampoline_start + TRAMPOLINE_PHYS)

    .section .rodata
    .globl trampoline_start, trampoline_end
    .code16
trampoline_start:
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    lgdtl R(tgdt_ptr)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $R(t32)
    .code32
t32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov %cr4, %eax
    or $0x20, %eax
    mov %eax, %cr4
    mov R(t_cr3), %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx
    rdmsr
    or $0x901, %eax                 /* LME | NXE | SCE */
    wrmsr
    mov %cr0, %eax
    or $0x80010001, %eax
    mov %eax, %cr0
    ljmpl $0x18, $R(t64)
    .code64
t64:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %ss
    mov R(t_stack), %rsp
    mov R(t_cpu), %edi
    mov R(t_entry), %rax
    jmp *%rax

    .align 16
tgdt:
    .quad 0
    .quad 0x00cf9a000000ffff        /* 0x08 32-bit code */
    .quad 0x00cf92000000ffff        /* 0x10 data */
    .quad 0x00af9a000000ffff        /* 0x18 64-bit code */
tgdt_ptr:
    .word tgdt_ptr - tgdt - 1
    .long R(tgdt)
    .align 8
    .globl t_cr3, t_stack, t_cpu, t_entry
t_cr3:   .quad 0
t_stack: .quad 0
t_entry: .quad 0
t_cpu:   .quad 0
trampoline_end:
