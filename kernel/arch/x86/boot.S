/* Boot: multiboot1 (qemu -kernel, a.out-kludge addresses) and multiboot2 (GRUB2)
 * headers, the 32-bit entry, and the switch to long mode.  Builds throwaway page
 * tables mapping low 4 GiB 1:1 and the image at 0xFFFF82D080000000 + phys, then
 * jumps to the image's virtual address and calls start_hv(magic, info). */
#define VIRT_OFFSET 0xFFFF82D080000000

    .section .multiboot, "a"
    .align 4
mb1_header:
    .long 0x1BADB002
    .long 0x00010003                  /* page-align, memory info, address fields */
    .long -(0x1BADB002 + 0x00010003)
    .long mb1_header                  /* header_addr */
    .long _image_start_phys           /* load_addr */
    .long _load_end_phys              /* load_end_addr */
    .long _end_phys                   /* bss_end_addr */
    .long _start32                    /* entry_addr */

    .align 8
mb2_header:
    .long 0xE85250D6
    .long 0
    .long mb2_header_end - mb2_header
    .long -(0xE85250D6 + (mb2_header_end - mb2_header))
    .align 8
    .word 3, 0                        /* entry address tag */
    .long 12
    .long _start32
    .align 8
    .word 0, 0                        /* end tag */
    .long 8
mb2_header_end:

    .section .boot.text, "ax"
    .code32
    .globl _start32
_start32:
    cli
    cld
    mov %eax, %edi                    /* multiboot magic */
    mov %ebx, %esi                    /* multiboot info (physical) */
    mov $boot_stack_top, %esp

    /* 4 PDs of 2 MiB pages covering 0..4 GiB. */
    mov $boot_pd, %ebx
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax                    /* P | RW | PS */
    mov %eax, (%ebx, %ecx, 8)
    mov %ecx, %eax
    shr $11, %eax                     /* bits 32+ of (ecx << 21) */
    mov %eax, 4(%ebx, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jne 1b

    /* Low PDPT: 1:1 for 0..4 GiB; high PDPT slot 322 of L4 slot 261: phys 0..1 GiB. */
    mov $boot_pdpt_lo, %ebx
    mov $boot_pd + 3, %eax
    mov %eax, 0(%ebx)
    add $4096, %eax
    mov %eax, 8(%ebx)
    add $4096, %eax
    mov %eax, 16(%ebx)
    add $4096, %eax
    mov %eax, 24(%ebx)
    movl $boot_pd + 3, boot_pdpt_hi + 322 * 8
    movl $boot_pdpt_lo + 3, boot_pml4
    movl $boot_pdpt_hi + 3, boot_pml4 + 261 * 8

    mov %cr4, %eax
    or $0x20, %eax                    /* PAE */
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx             /* EFER: LME | NXE */
    rdmsr
    or $0x900, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80010001, %eax              /* PG | WP | PE */
    mov %eax, %cr0
    lgdt boot_gdt_ptr
    ljmp $0x08, $start64

    .code64
start64:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    xor %eax, %eax
    mov %eax, %fs
    mov %eax, %gs
    movabs $start64_high, %rax
    jmp *%rax

    .section .boot.data, "aw"
    .align 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff          /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff          /* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .section .boot.bss, "aw"
    .align 4096
    .globl boot_pml4
boot_pml4:    .skip 4096
boot_pdpt_lo: .skip 4096
boot_pdpt_hi: .skip 4096
boot_pd:      .skip 4096 * 4
boot_stack:   .skip 16384
boot_stack_top:

    .text
start64_high:
    movabs $(boot_stack_top + VIRT_OFFSET), %rsp
    xor %ebp, %ebp
    call start_hv
1:  cli
    hlt
    jmp 1b
