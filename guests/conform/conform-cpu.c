/* conform-cpu: the PV CPU. Exception bounce frames (layout, CS RPL and saved upcall
 * mask, RFLAGS.IF, CR2, #PF error codes), software interrupts and trap-table DPL,
 * the iret hypercall, stack_switch, set_segment_base, MSR/CR/CPUID emulation,
 * fpu_taskswitch and #NM, debug registers, callbacks, set_gdt/update_descriptor with
 * descriptor checks, and guest user mode (user L4, iret to ring 3, syscall/int 0x80
 * bounces, user #PF). Reference: Xen 4.17 x86_64/entry.S create_bounce_frame,
 * pv/traps.c, pv/iret.c, pv/misc-hypercalls.c, pv/emul-priv-op.c, pv/emul-inv-op.c,
 * pv/descriptor-tables.c, pv/callback.c, cpuid.c. */
#include "lib.h"

#define UNMAPPED_VA        0x0000100000000000UL
#define NONCANON_VA        0x0000800000000000UL
#define MSR_FS_BASE        0xc0000100
#define MSR_GS_BASE        0xc0000101
#define MSR_SHADOW_GS_BASE 0xc0000102
#define MSR_PAT            0x00000277

static char ro_page[4096] ALIGNED_PAGE;
static uint64_t fsgs_probe[4] = { 0x0123456789abcdef, 0xfedcba9876543210, 0x1122334455667788, 0 };

static void nm(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void nm(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

static uint64_t read_cr2(void)
{
    uint64_t v;
    asm volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

/* ------------------------------------------------------------------------------ */
static void test_kernel_frames(void)
{
    section("exception bounce frames from guest kernel mode");
    uint64_t rsp_at;
    unsigned n = TRY_ASM("mov %%rsp, %0\n\tmov $0x1111, %%rcx\n\tmov $0x2222, %%r11\n\tint3",
                         : "=&r"(rsp_at)
                         :
                         : "rcx", "r11", "memory");
    CHECK_EQ("int3: one trap", n, 1);
    CHECK_EQ("int3: vector 3 (#BP)", last_trap.vector, 3);
    CHECK_EQ("int3: RIP is after the instruction", last_trap.rip, last_trap.ex_end);
    CHECK_EQ("int3: CS = 0xe030 (RPL 0 for kernel) | saved mask 1 in bits 32-39", last_trap.cs,
             (1UL << 32) | 0xe030);
    CHECK_EQ("int3: RFLAGS.IF = !saved upcall mask = 0", last_trap.rflags & 0x200, 0);
    CHECK_EQ("int3: RFLAGS IOPL = 0", last_trap.rflags & 0x3000, 0);
    CHECK_EQ("int3: RSP slot = interrupted RSP", last_trap.rsp, rsp_at);
    CHECK_EQ("int3: SS slot = 0xe02b", last_trap.ss, FLAT_KERNEL_SS);
    CHECK_EQ("int3: RCX slot holds interrupted rcx", last_trap.rcx, 0x1111);
    CHECK_EQ("int3: R11 slot holds interrupted r11", last_trap.r11, 0x2222);
    CHECK_EQ("int3: frame pushed at (RSP & ~15) - 7*8", last_trap.frame_addr, (rsp_at & ~15UL) - 56);
    CHECK_EQ("int3: upcall mask still 1 in the handler", last_trap.mask_in_handler, 1);

    n = TRY_ASM("int $3");
    CHECK("int $3 (cd 03): #BP with RIP after the 2-byte instruction",
          n == 1 && last_trap.vector == 3 && last_trap.rip == last_trap.ex_end);

    n = TRY_ASM("ud2");
    CHECK("ud2: #UD (6), no error code, RIP at the instruction",
          n == 1 && last_trap.vector == 6 && !last_trap.has_ec && last_trap.rip == last_trap.ex_end - 2);
    n = TRY_ASM("ud2\n\t.ascii \"xen\"\n\tnop");
    CHECK("ud2 \"xen\" + non-CPUID: plain #UD at the ud2",
          n == 1 && last_trap.vector == 6 && last_trap.rip == last_trap.ex_start);

    n = TRY_ASM("xor %%ecx, %%ecx\n\txor %%edx, %%edx\n\tmov $1, %%eax\n\tdivq %%rcx",
                :
                :
                : "rax", "rcx", "rdx");
    CHECK("div by zero: #DE (0), RIP at the div",
          n == 1 && last_trap.vector == 0 && last_trap.rip == last_trap.ex_end - 3);

    uint64_t rsp2;
    n = TRY_ASM("mov %%rsp, %0\n\tmovabs $0x8000000000000000, %%rax\n\tmov (%%rax), %%rax",
                : "=&r"(rsp2)
                :
                : "rax");
    CHECK_EQ("non-canonical load: #GP (13)", last_trap.vector, 13);
    CHECK_EQ("#GP: error code 0", last_trap.ec, 0);
    CHECK_EQ("#GP: RIP at the faulting instruction", last_trap.rip, last_trap.ex_end - 3);
    CHECK_EQ("#GP: frame with error code at (RSP & ~15) - 8*8", last_trap.frame_addr, (rsp2 & ~15UL) - 64);
    CHECK_EQ("#GP: CS 0xe030 | mask<<32", last_trap.cs, (1UL << 32) | 0xe030);

    section("page faults from guest kernel mode");
    uint64_t addr = UNMAPPED_VA + 0x123;
    n = TRY_ASM("mov (%0), %%rax", : : "r"(addr) : "rax");
    CHECK_EQ("read of unmapped VA: #PF (14)", last_trap.vector, 14);
    CHECK_EQ("read of unmapped VA: error code 0 (kernel mode, read, not present)", last_trap.ec, 0);
    CHECK_EQ("read of unmapped VA: vcpu_info.arch.cr2 = address", last_trap.cr2, addr);
    CHECK_EQ("mov %cr2 (emulated) returns the faulting address", read_cr2(), addr);
    addr = UNMAPPED_VA + 0x2000;
    n = TRY_ASM("movq $1, (%0)", : : "r"(addr) : "memory");
    CHECK_EQ("write to unmapped VA: error code 2 (W)", last_trap.ec, 2);
    CHECK_EQ("write to unmapped VA: cr2", last_trap.cr2, addr);
    addr = (uint64_t)ro_page + 0x40;
    n = TRY_ASM("movq $1, (%0)", : : "r"(addr) : "memory");
    CHECK("write to read-only page: #PF", n == 1 && last_trap.vector == 14);
    CHECK_EQ("write to read-only page: error code 3 (P|W)", last_trap.ec, 3);
    CHECK_EQ("write to read-only page: cr2", last_trap.cr2, addr);
    addr = HYPERVISOR_VIRT_START + 0x80;
    n = TRY_ASM("movq $1, (%0)", : : "r"(addr) : "memory");
    CHECK_EQ("write to the read-only M2P: #PF error code 3", last_trap.ec, 3);
    CHECK_EQ("write to the read-only M2P: cr2", last_trap.cr2, addr);
    uint64_t v = 0;
    n = TRY_ASM("mov (%1), %0", : "=r"(v) : "r"(HYPERVISOR_VIRT_START));
    CHECK_EQ("read of the M2P works from kernel mode", n, 0);
}

/* Fetch from a no-execute page: the fault RIP is the page itself; return to the caller. */
static uint64_t nx_page_va;
static bool nx_hook(struct pv_regs *r)
{
    uint64_t *f = r->frame;
    if (r->vector == 14 && f[3] == nx_page_va) {
        uint64_t *sp = (uint64_t *)f[6];
        f[3] = sp[0]; /* rip <- return address */
        f[6] += 8;    /* pop it */
        return true;
    }
    return false;
}

static void test_nx(void)
{
    char *page = alloc_page();
    nx_page_va = (uint64_t)page;
    page[0] = (char)0xc3; /* ret */
    uint64_t pte =
        (va_to_mfn(page) << 12) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX;
    CHECK_EQ("update_va_mapping with NX = 0", HYPERVISOR_update_va_mapping(nx_page_va, pte, UVMF_INVLPG), 0);
    trap_hook = nx_hook;
    last_trap.count = 0;
    asm volatile("call *%0"
                 :
                 : "r"(nx_page_va)
                 : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
    trap_hook = NULL;
    CHECK("instruction fetch from NX page: #PF", last_trap.count == 1 && last_trap.vector == 14);
    CHECK_EQ("NX fetch: error code 0x11 (P|I, U clear in kernel mode)", last_trap.ec, 0x11);
    CHECK_EQ("NX fetch: cr2 = page address", last_trap.cr2, nx_page_va);
    set_page_rw(page);
}

static void test_soft_ints(void)
{
    section("software interrupts and trap-table DPL");
    unsigned n = TRY_ASM("int $0x80");
    CHECK("int $0x80 (DPL 3 entry): delivered as vector 0x80, RIP after",
          n == 1 && last_trap.vector == 0x80 && last_trap.rip == last_trap.ex_end && !last_trap.has_ec);
    n = TRY_ASM("int $0x81");
    CHECK_EQ("int $0x81 (DPL 0 entry) from the ring-3 kernel: #GP", last_trap.vector, 13);
    /* Hardware reports (vector << 3) | 2; QEMU's TCG reports vector * 16 + 2 (0x812), and
     * Xen passes the hardware value through. */
    check_result("int $0x81: error code (0x81<<3)|2 = 0x40a (0x812 under QEMU TCG)",
                 last_trap.ec == 0x40a || last_trap.ec == 0x812, "got 0x%lx", (unsigned long)last_trap.ec);
    CHECK_EQ("int $0x81: RIP at the int instruction", last_trap.rip, last_trap.ex_start);
    n = TRY_ASM("int $0x83");
    CHECK("int $0x83 (no entry): #GP with error code 0x41a (0x832 under QEMU TCG)",
          n == 1 && last_trap.vector == 13 && (last_trap.ec == 0x41a || last_trap.ec == 0x832));

    /* Event-mask semantics: with events enabled, an entry with flag 4 masks them. Use
     * vector 0x80, whose hypervisor IDT gate is DPL 3 (other software-interrupt vectors
     * go through #GP, whose error code QEMU's TCG reports wrongly). */
    trap_info_t m80[2] = { { 0x80, 3 | 4, FLAT_KERNEL_CS, (unsigned long)trap_entry_0x80 }, { 0, 0, 0, 0 } };
    CHECK_EQ("set_trap_table: 0x80 with the mask-events flag = 0", HYPERVISOR_set_trap_table(m80), 0);
    vcpu0->evtchn_upcall_mask = 0;
    n = TRY_ASM("int $0x80");
    uint8_t after = vcpu0->evtchn_upcall_mask;
    vcpu0->evtchn_upcall_mask = 1;
    CHECK_EQ("int $0x80 (mask flag): delivered", last_trap.vector, 0x80);
    CHECK_EQ("mask-flag entry: upcall mask set to 1 in the handler", last_trap.mask_in_handler, 1);
    CHECK_EQ("mask-flag entry: saved mask 0 in CS bits 32-39", last_trap.cs, 0xe030);
    CHECK_EQ("mask-flag entry: RFLAGS.IF = 1 (mask was 0)", last_trap.rflags & 0x200, 0x200);
    CHECK_EQ("iret with IF=1 restores upcall mask 0", after, 0);
    m80[0].flags = 3;
    HYPERVISOR_set_trap_table(m80);
    vcpu0->evtchn_upcall_mask = 0;
    n = TRY_ASM("int $0x80");
    vcpu0->evtchn_upcall_mask = 1;
    CHECK_EQ("entry without mask flag leaves the mask at 0", last_trap.mask_in_handler, 0);
    /* Reinstall everything (a hypervisor that replaces the whole table on a one-entry
     * update is caught at the end, where it can only take the last checks with it). */
    HYPERVISOR_set_trap_table(trap_table);
}

/* ------------------------------------------------------------------------------ */
/* iret hypercall probe: frame = {rax r11 rcx flags rip cs rflags rsp ss}; rip/rsp are
 * filled in here; out = {rax, rcx, r11, rflags, cs} observed at the landing point. */
extern void iret_probe(uint64_t *frame, uint64_t *out);
asm(".text\n"
    "iret_probe:\n\t"
    "push %rbx\n\t"
    "push %rbp\n\t"
    "mov %rsi, %rbx\n\t"
    "lea 1f(%rip), %rax\n\t"
    "mov %rax, 32(%rdi)\n\t"
    "mov %rsp, 56(%rdi)\n\t"
    "mov %rdi, %rsp\n\t"
    "mov 8(%rsp), %r11\n\t"
    "mov 16(%rsp), %rcx\n\t"
    "mov 0(%rsp), %rax\n\t"
#ifdef HCPAGE
    "add $24, %rsp\n\t"
    "jmp hypercall_page + 23 * 32\n"
#else
    "mov $23, %eax\n\t"
    "syscall\n"
#endif
    "1:\n\t"
    "mov %rax, 0(%rbx)\n\t"
    "mov %rcx, 8(%rbx)\n\t"
    "mov %r11, 16(%rbx)\n\t"
    "pushfq\n\t"
    "pop %rax\n\t"
    "mov %rax, 24(%rbx)\n\t"
    "mov %cs, %eax\n\t"
    "mov %rax, 32(%rbx)\n\t"
    "cld\n\t"
    "pop %rbp\n\t"
    "pop %rbx\n\t"
    "ret\n");

static void test_iret(void)
{
    section("iret hypercall");
    uint64_t f[9], out[5];
    memset(f, 0, sizeof(f));
    f[0] = 0xaaaa;
    f[1] = 0xbbbb;
    f[2] = 0xcccc;
    f[3] = 0;
    f[5] = 0xe030;
    f[6] = 0x202;
    f[8] = FLAT_KERNEL_SS;
    iret_probe(f, out);
    CHECK_EQ("iret restores rax from the frame", out[0], 0xaaaa);
    CHECK_EQ("iret restores rcx from the frame (flags 0)", out[1], 0xcccc);
    CHECK_EQ("iret restores r11 from the frame (flags 0)", out[2], 0xbbbb);
    CHECK_EQ("iret with RFLAGS.IF=1: upcall mask becomes 0", vcpu0->evtchn_upcall_mask, 0);
    CHECK_EQ("CS after iret to kernel (frame CS 0xe030) is 0xe033", out[4], FLAT_KERNEL_CS);
    vcpu0->evtchn_upcall_mask = 1;

    memset(f, 0, sizeof(f));
    f[0] = 1;
    f[5] = 0xe030;
    f[6] = 0x3002 | 0x200;
    f[8] = 0xe028;
    iret_probe(f, out);
    CHECK_EQ("iret with CS RPL 0 (0xe030) and SS RPL 0 lands in kernel with CS 0xe033", out[4], 0xe033);
    CHECK_EQ("iret clears IOPL and forces real IF", out[3] & 0x3200, 0x200);
    vcpu0->evtchn_upcall_mask = 1;

    memset(f, 0, sizeof(f));
    f[0] = 2;
    f[5] = 0xe030;
    f[6] = 0x002;
    f[8] = FLAT_KERNEL_SS;
    vcpu0->evtchn_upcall_mask = 0;
    iret_probe(f, out);
    CHECK_EQ("iret with RFLAGS.IF=0: upcall mask becomes 1", vcpu0->evtchn_upcall_mask, 1);
    CHECK_EQ("real RFLAGS.IF stays 1 after iret with IF=0", out[3] & 0x200, 0x200);

    memset(f, 0, sizeof(f));
    f[0] = 3;
    f[1] = 0x1212;
    f[2] = 0x3434;
    f[3] = VGCF_in_syscall;
    f[5] = 0xe030;
    f[6] = 0x002;
    f[8] = FLAT_KERNEL_SS;
    iret_probe(f, out);
    CHECK_EQ("iret VGCF_in_syscall: rax still restored", out[0], 3);
    CHECK("iret VGCF_in_syscall: rcx not taken from the frame", out[1] != 0x3434);
    CHECK("iret VGCF_in_syscall: r11 not taken from the frame", out[2] != 0x1212);
    vcpu0->evtchn_upcall_mask = 1;
}

/* ------------------------------------------------------------------------------ */
static inline void cpuid_forced(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    asm volatile("ud2\n\t.ascii \"xen\"\n\tcpuid"
                 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                 : "0"(leaf), "2"(sub));
}

static void test_cpuid(void)
{
    section("CPUID");
    uint32_t r[4], p[4];
    last_trap.count = 0;
    cpuid_forced(0x40000000, 0, r);
    CHECK_EQ("forced-emulation CPUID takes no guest-visible trap", last_trap.count, 0);
    CHECK_EQ("leaf 0x40000000 ebx = \"XenV\"", r[1], 0x566e6558);
    CHECK_EQ("leaf 0x40000000 ecx = \"MMXe\"", r[2], 0x65584d4d);
    CHECK_EQ("leaf 0x40000000 edx = \"nVMM\"", r[3], 0x4d4d566e);
    CHECK("leaf 0x40000000 eax (max leaf) >= 0x40000002", r[0] >= 0x40000002 && r[0] < 0x40000100);
    cpuid_forced(0x40000001, 0, r);
    CHECK_EQ("leaf 0x40000001 eax = version 4.17", r[0], 0x40011);
    cpuid_forced(0x40000002, 0, r);
    CHECK_EQ("leaf 0x40000002 eax = 1 hypercall page", r[0], 1);
    CHECK_EQ("leaf 0x40000002 ebx = MSR base 0x40000000", r[1], 0x40000000);
    cpuid_forced(1, 0, r);
    CHECK_EQ("leaf 1 ecx bit 31 (hypervisor) set", r[2] >> 31, 1);
    CHECK_EQ("leaf 1 edx PSE (3) hidden from PV", (r[3] >> 3) & 1, 0);
    CHECK_EQ("leaf 1 edx PGE (13) hidden from PV", (r[3] >> 13) & 1, 0);
    CHECK_EQ("leaf 1 ecx VMX (5) hidden", (r[2] >> 5) & 1, 0);
    CHECK_EQ("leaf 1 ecx MONITOR (3) hidden", (r[2] >> 3) & 1, 0);
    cpuid_forced(7, 0, r);
    CHECK_EQ("leaf 7 ebx SMAP (20) hidden", (r[1] >> 20) & 1, 0);
    CHECK_EQ("leaf 7 ebx SMEP (7) hidden", (r[1] >> 7) & 1, 0);
    CHECK_EQ("leaf 7 ebx INVPCID (10) hidden", (r[1] >> 10) & 1, 0);
    cpuid_forced(0, 0, r);
    asm volatile("cpuid" : "=a"(p[0]), "=b"(p[1]), "=c"(p[2]), "=d"(p[3]) : "0"(0), "2"(0));
    CHECK("plain CPUID leaf 0 vendor equals the emulated one", p[1] == r[1] && p[2] == r[2] && p[3] == r[3]);
}

static void test_msrs(void)
{
    section("MSR and control-register emulation");
    uint32_t lo, hi;
    unsigned n;
    n = TRY_ASM("rdmsr", : "=a"(lo), "=d"(hi) : "c"(MSR_PAT));
    CHECK_EQ("rdmsr PAT: no trap", n, 0);
    CHECK_EQ("rdmsr PAT = 0x0000050100070406", ((uint64_t)hi << 32) | lo, 0x0000050100070406UL);
    uint64_t base = (uint64_t)&fsgs_probe[0];
    n = TRY_ASM("wrmsr", : : "c"(MSR_FS_BASE), "a"((uint32_t)base), "d"((uint32_t)(base >> 32)));
    CHECK_EQ("wrmsr FS_BASE: no trap", n, 0);
    uint64_t got;
    asm volatile("mov %%fs:0, %0" : "=r"(got));
    CHECK_EQ("FS base from wrmsr is live (%fs:0)", got, fsgs_probe[0]);
    n = TRY_ASM("rdmsr", : "=a"(lo), "=d"(hi) : "c"(MSR_FS_BASE));
    CHECK_EQ("rdmsr FS_BASE returns it", ((uint64_t)hi << 32) | lo, base);
    base = (uint64_t)&fsgs_probe[1];
    n = TRY_ASM("wrmsr", : : "c"(MSR_GS_BASE), "a"((uint32_t)base), "d"((uint32_t)(base >> 32)));
    CHECK_EQ("wrmsr GS_BASE: no trap", n, 0);
    asm volatile("mov %%gs:0, %0" : "=r"(got));
    CHECK_EQ("kernel GS base from wrmsr is live (%gs:0)", got, fsgs_probe[1]);
    n = TRY_ASM("rdmsr", : "=a"(lo), "=d"(hi) : "c"(MSR_GS_BASE));
    CHECK_EQ("rdmsr GS_BASE returns it", ((uint64_t)hi << 32) | lo, base);
    base = (uint64_t)&fsgs_probe[2];
    n = TRY_ASM("wrmsr", : : "c"(MSR_SHADOW_GS_BASE), "a"((uint32_t)base), "d"((uint32_t)(base >> 32)));
    CHECK_EQ("wrmsr KERNEL_GS_BASE (user GS base): no trap", n, 0);
    n = TRY_ASM("rdmsr", : "=a"(lo), "=d"(hi) : "c"(MSR_SHADOW_GS_BASE));
    CHECK_EQ("rdmsr KERNEL_GS_BASE returns it", ((uint64_t)hi << 32) | lo, base);
    asm volatile("mov %%gs:0, %0" : "=r"(got));
    CHECK_EQ("kernel GS base unchanged by the shadow write", got, fsgs_probe[1]);
    n = TRY_ASM("rdmsr", : "=a"(lo), "=d"(hi) : "c"(0x12345678));
    CHECK("rdmsr of an unknown MSR (0x12345678): #GP(0)",
          n == 1 && last_trap.vector == 13 && last_trap.ec == 0 && last_trap.rip == last_trap.ex_start);
    n = TRY_ASM("wrmsr", : : "c"(0x12345678), "a"(0), "d"(0));
    CHECK("wrmsr of an unknown MSR: #GP(0)", n == 1 && last_trap.vector == 13 && last_trap.ec == 0);
    n = TRY_ASM("rdmsr", : "=a"(lo), "=d"(hi) : "c"(0x40000123));
    CHECK("rdmsr 0x40000123 (beyond the Xen MSR range): #GP(0)", n == 1 && last_trap.vector == 13);

    uint64_t cr0 = 0, cr3 = 0, cr4 = 0;
    n = TRY_ASM("mov %%cr0, %0", : "=r"(cr0));
    CHECK_EQ("mov %cr0: emulated, no trap", n, 0);
    CHECK_EQ("virtual CR0 has PE and PG", cr0 & 0x80000001, 0x80000001);
    n = TRY_ASM("mov %%cr3, %0", : "=r"(cr3));
    CHECK_EQ("mov %cr3: emulated", n, 0);
    CHECK_EQ("CR3 = machine address of the kernel L4", cr3, va_to_mfn(cur_l4) << 12);
    n = TRY_ASM("mov %%cr4, %0", : "=r"(cr4));
    CHECK_EQ("mov %cr4 read: emulated", n, 0);
    CHECK_EQ("virtual CR4 shows PAE", cr4 & 0x20, 0x20);
    n = TRY_ASM("mov %0, %%cr4", : : "r"(cr4));
    CHECK_EQ("mov to %cr4 of the same value: accepted", n, 0);
    n = TRY_ASM("wbinvd");
    CHECK_EQ("wbinvd: emulated (ignored), no trap", n, 0);
    n = TRY_ASM("cli");
    CHECK("cli with virtual IOPL 0: #GP(0)",
          n == 1 && last_trap.vector == 13 && last_trap.ec == 0 && last_trap.rip == last_trap.ex_start);
    n = TRY_ASM("lgdt (%0)", : : "r"(fsgs_probe));
    CHECK("lgdt: #GP(0)", n == 1 && last_trap.vector == 13 && last_trap.ec == 0);
    n = TRY_ASM("rdpmc", : : "c"(0x40000000) : "rax", "rdx");
    CHECK("rdpmc of a fixed counter with CR4.PCE clear: #GP", n == 1 && last_trap.vector == 13);
}

static void test_fpu(void)
{
    section("fpu_taskswitch and #NM");
    CHECK_EQ("fpu_taskswitch(1) = 0", HYPERVISOR_fpu_taskswitch(1), 0);
    uint64_t cr0;
    asm volatile("mov %%cr0, %0" : "=r"(cr0));
    CHECK_EQ("virtual CR0.TS set", (cr0 >> 3) & 1, 1);
    unsigned n = TRY_ASM("fnop");
    CHECK("FPU instruction with TS set: #NM (7) at the instruction",
          n == 1 && last_trap.vector == 7 && !last_trap.has_ec && last_trap.rip == last_trap.ex_start);
    asm volatile("mov %%cr0, %0" : "=r"(cr0));
    CHECK_EQ("delivering #NM cleared the virtual TS", (cr0 >> 3) & 1, 0);
    n = TRY_ASM("fnop");
    CHECK_EQ("FPU instruction after that: no trap", n, 0);
    HYPERVISOR_fpu_taskswitch(1);
    n = TRY_ASM("clts");
    CHECK_EQ("clts: emulated", n, 0);
    n = TRY_ASM("fnop");
    CHECK_EQ("FPU use after clts: no trap", n, 0);
    CHECK_EQ("fpu_taskswitch(0) = 0", HYPERVISOR_fpu_taskswitch(0), 0);
    n = TRY_ASM("fnop");
    CHECK_EQ("FPU use with TS clear: no trap", n, 0);
}

static void test_segbase(void)
{
    section("set_segment_base and stack_switch");
    uint64_t got;
    CHECK_EQ("SEGBASE_FS = 0", HYPERVISOR_set_segment_base(SEGBASE_FS, &fsgs_probe[2]), 0);
    asm volatile("mov %%fs:0, %0" : "=r"(got));
    CHECK_EQ("FS base live", got, fsgs_probe[2]);
    CHECK_EQ("SEGBASE_GS_KERNEL = 0", HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, &fsgs_probe[0]), 0);
    asm volatile("mov %%gs:0, %0" : "=r"(got));
    CHECK_EQ("kernel GS base live", got, fsgs_probe[0]);
    CHECK_EQ("SEGBASE_GS_USER = 0", HYPERVISOR_set_segment_base(SEGBASE_GS_USER, &fsgs_probe[1]), 0);
    uint32_t lo, hi;
    TRY_ASM("rdmsr", : "=a"(lo), "=d"(hi) : "c"(MSR_SHADOW_GS_BASE));
    CHECK_EQ("user GS base readable as KERNEL_GS_BASE", ((uint64_t)hi << 32) | lo, (uint64_t)&fsgs_probe[1]);
    asm volatile("mov %%gs:0, %0" : "=r"(got));
    CHECK_EQ("kernel GS base untouched by GS_USER", got, fsgs_probe[0]);
    CHECK_EQ("SEGBASE_FS non-canonical = -EINVAL", HYPERVISOR_set_segment_base(SEGBASE_FS, NONCANON_VA),
             -XEN_EINVAL);
    CHECK_EQ("SEGBASE_GS_KERNEL non-canonical = -EINVAL",
             HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, 0x8000000000000000UL), -XEN_EINVAL);
    CHECK_EQ("SEGBASE_GS_USER non-canonical = -EINVAL",
             HYPERVISOR_set_segment_base(SEGBASE_GS_USER, NONCANON_VA), -XEN_EINVAL);
    CHECK_EQ("SEGBASE_GS_USER_SEL 0 = 0", HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0), 0);
    CHECK_EQ("set_segment_base which=4 = -EINVAL", HYPERVISOR_set_segment_base(4, 0), -XEN_EINVAL);
    CHECK_EQ("set_segment_base which=0x100 = -EINVAL", HYPERVISOR_set_segment_base(0x100, 0), -XEN_EINVAL);
    asm volatile("mov %%gs:0, %0" : "=r"(got));
    CHECK_EQ("kernel GS base survives GS_USER_SEL", got, fsgs_probe[0]);
    CHECK_EQ("stack_switch = 0",
             HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (uint64_t)trap_stack + sizeof(trap_stack)), 0);
}

static bool db_hook(struct pv_regs *r)
{
    if (r->vector != 1) return false;
    r->frame[4] &= ~0x100UL; /* clear TF in the interrupted RFLAGS */
    return true;
}

static void test_debugreg(void)
{
    section("debug exceptions");
    /* (icebp is not tested: QEMU's TCG does not raise #DB for it.) */
    trap_hook = db_hook;
    last_trap.count = 0;
    asm volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\tnop\n\tnop" ::: "memory", "cc");
    trap_hook = NULL;
    CHECK("single step (RFLAGS.TF): one #DB", last_trap.count == 1 && last_trap.vector == 1);
    CHECK_EQ("DR6.BS (bit 14) reported by get_debugreg(6)", (HYPERVISOR_get_debugreg(6) >> 14) & 1, 1);
    HYPERVISOR_set_debugreg(6, 0);
    section("debug registers");
    CHECK_EQ("get_debugreg(6) default 0xffff0ff0", HYPERVISOR_get_debugreg(6), 0xffff0ff0);
    CHECK_EQ("get_debugreg(7) default 0x400", HYPERVISOR_get_debugreg(7), 0x400);
    CHECK_EQ("set_debugreg(0, kernel address) = 0", HYPERVISOR_set_debugreg(0, 0xffffffff80001000UL), 0);
    CHECK_EQ("get_debugreg(0) reads it back", HYPERVISOR_get_debugreg(0), (long)0xffffffff80001000UL);
    CHECK_EQ("set_debugreg(1, hypervisor address) = -EPERM", HYPERVISOR_set_debugreg(1, 0xffff830000000000UL),
             -XEN_EPERM);
    CHECK_EQ("set_debugreg(2, non-canonical) = -EPERM", HYPERVISOR_set_debugreg(2, NONCANON_VA), -XEN_EPERM);
    CHECK_EQ("set_debugreg(6, upper bits) = -EINVAL", HYPERVISOR_set_debugreg(6, 1UL << 32), -XEN_EINVAL);
    CHECK_EQ("set_debugreg(6, 0) = 0", HYPERVISOR_set_debugreg(6, 0), 0);
    CHECK_EQ("DR6 reserved bits forced: get_debugreg(6) = 0xffff0ff0", HYPERVISOR_get_debugreg(6),
             0xffff0ff0);
    CHECK_EQ("set_debugreg(7, GD bit 13) = -EPERM", HYPERVISOR_set_debugreg(7, 1UL << 13), -XEN_EPERM);
    CHECK_EQ("set_debugreg(7, upper bits) = -EINVAL", HYPERVISOR_set_debugreg(7, 1UL << 32), -XEN_EINVAL);
    CHECK_EQ("set_debugreg(7, 0) = 0", HYPERVISOR_set_debugreg(7, 0), 0);
    CHECK_EQ("DR7 reserved bit 10 forced: get_debugreg(7) = 0x400", HYPERVISOR_get_debugreg(7), 0x400);
    CHECK_EQ("set_debugreg(8) = -ENODEV", HYPERVISOR_set_debugreg(8, 0), -XEN_ENODEV);
    CHECK_EQ("get_debugreg(8) = -ENODEV", HYPERVISOR_get_debugreg(8), -XEN_ENODEV);
    CHECK_EQ("get_debugreg(4) aliases DR6 (CR4.DE clear)", HYPERVISOR_get_debugreg(4), 0xffff0ff0);
    HYPERVISOR_set_debugreg(0, 0);
}

static void test_callbacks(void)
{
    section("callbacks");
    struct callback_register cb = { .type = CALLBACKTYPE_syscall,
                                    .flags = CALLBACKF_mask_events,
                                    .address = (unsigned long)trap_entry_0x100 };
    CHECK_EQ("CALLBACKOP_register syscall = 0", HYPERVISOR_callback_op(CALLBACKOP_register, &cb), 0);
    cb.address = NONCANON_VA;
    CHECK_EQ("CALLBACKOP_register non-canonical address = -EINVAL",
             HYPERVISOR_callback_op(CALLBACKOP_register, &cb), -XEN_EINVAL);
    cb.address = (unsigned long)trap_entry_0x100;
    cb.type = 100;
    CHECK_EQ("CALLBACKOP_register unknown type 100 = -ENOSYS",
             HYPERVISOR_callback_op(CALLBACKOP_register, &cb), -XEN_ENOSYS);
    CHECK_EQ("CALLBACKOP_register(NULL) = -EFAULT", HYPERVISOR_callback_op(CALLBACKOP_register, NULL),
             -XEN_EFAULT);
    CHECK_EQ("CALLBACKOP_register(unmapped) = -EFAULT",
             HYPERVISOR_callback_op(CALLBACKOP_register, UNMAPPED_VA), -XEN_EFAULT);
    struct callback_unregister un = { .type = CALLBACKTYPE_event };
    CHECK_EQ("CALLBACKOP_unregister event = -EINVAL", HYPERVISOR_callback_op(CALLBACKOP_unregister, &un),
             -XEN_EINVAL);
    CHECK_EQ("callback_op cmd 7 = -ENOSYS", HYPERVISOR_callback_op(7, &un), -XEN_ENOSYS);
    CHECK_EQ("set_callbacks(event, failsafe, syscall) = 0",
             HYPERVISOR_set_callbacks(trap_entry_0x102, trap_entry_0x101, trap_entry_0x100), 0);
    /* set_callbacks registers the syscall callback without CALLBACKF_mask_events; put the
     * masking one back for the user-mode tests. */
    cb.type = CALLBACKTYPE_syscall;
    cb.flags = CALLBACKF_mask_events;
    CHECK_EQ("re-register syscall with CALLBACKF_mask_events = 0",
             HYPERVISOR_callback_op(CALLBACKOP_register, &cb), 0);
}

/* ------------------------------------------------------------------------------ */
#define DESC_CODE64(dpl) (0x00209a0000000000UL | ((uint64_t)(dpl) << 45)) /* P S code L */
#define DESC_DATA(dpl)   (0x00cf92000000ffffUL | ((uint64_t)(dpl) << 45)) /* P S data G D/B */
#define DESC_TSS64       0x0000890000000067UL                             /* P type 9 */

static void test_descriptors(void)
{
    section("set_gdt and update_descriptor");
    uint64_t *gdt = alloc_page();
    gdt[1] = DESC_CODE64(0);
    gdt[2] = DESC_DATA(0);
    gdt[3] = DESC_DATA(3);
    gdt[4] = 0x0000100000000000UL; /* not present, junk: accepted as is */
    unsigned long frames[1] = { va_to_mfn(gdt) };
    CHECK_EQ("set_gdt of a page still mapped writable = -EINVAL", HYPERVISOR_set_gdt(frames, 16),
             -XEN_EINVAL);
    CHECK_EQ("make the GDT page read-only = 0", set_page_ro(gdt), 0);
    CHECK_EQ("set_gdt entries 7169 (> 14 pages) = -EINVAL", HYPERVISOR_set_gdt(frames, 7169), -XEN_EINVAL);
    CHECK_EQ("set_gdt(NULL frame list) = -EFAULT", HYPERVISOR_set_gdt(NULL, 16), -XEN_EFAULT);
    CHECK_EQ("set_gdt(unmapped frame list) = -EFAULT", HYPERVISOR_set_gdt(UNMAPPED_VA, 16), -XEN_EFAULT);
    CHECK_EQ("set_gdt(hypervisor address) = -EFAULT", HYPERVISOR_set_gdt(0xffff830000000000UL, 16),
             -XEN_EFAULT);
    unsigned long badf[1] = { 0x7fffffffUL };
    CHECK_EQ("set_gdt of a frame not owned = -EINVAL", HYPERVISOR_set_gdt(badf, 16), -XEN_EINVAL);
    unsigned long ptf[1] = { va_to_mfn((void *)start_info->pt_base) };
    CHECK_EQ("set_gdt of a page-table frame = -EINVAL", HYPERVISOR_set_gdt(ptf, 16), -XEN_EINVAL);
    CHECK_EQ("set_gdt of a valid read-only page = 0", HYPERVISOR_set_gdt(frames, 16), 0);
    CHECK_EQ("DPL-0 code descriptor fixed up to DPL 3", gdt[1], DESC_CODE64(3));
    CHECK_EQ("DPL-0 data descriptor fixed up to DPL 3", gdt[2], DESC_DATA(3));
    CHECK_EQ("not-present descriptor kept as is", gdt[4], 0x0000100000000000UL);
    uint16_t sel = 0;
    unsigned n = TRY_ASM("mov $0x1b, %%eax\n\tmov %%eax, %%ds\n\tmov %%ds, %%eax\n\tmov %%ax, %0\n\t"
                         "xor %%eax, %%eax\n\tmov %%eax, %%ds",
                         : "=m"(sel)
                         :
                         : "rax");
    CHECK_EQ("loading a selector from the guest GDT works", n, 0);
    CHECK_EQ("DS read back = 0x1b", sel, 0x1b);
    CHECK_EQ("make the in-use GDT page writable = -EBUSY", set_page_rw(gdt), -XEN_EBUSY);
    uint64_t gma = va_to_mfn(gdt) << 12;
    CHECK_EQ("update_descriptor in the live GDT, DPL-0 data = 0",
             HYPERVISOR_update_descriptor(gma + 5 * 8, DESC_DATA(0)), 0);
    CHECK_EQ("stored with DPL 3", gdt[5], DESC_DATA(3));
    CHECK_EQ("update_descriptor TSS descriptor = -EINVAL",
             HYPERVISOR_update_descriptor(gma + 6 * 8, DESC_TSS64), -XEN_EINVAL);
    CHECK_EQ("rejected descriptor not stored", gdt[6], 0);
    CHECK_EQ("update_descriptor LDT descriptor (type 2) = -EINVAL",
             HYPERVISOR_update_descriptor(gma + 6 * 8, 0x0000820000000000UL), -XEN_EINVAL);
    CHECK_EQ("update_descriptor misaligned address = -EINVAL",
             HYPERVISOR_update_descriptor(gma + 6 * 8 + 4, DESC_DATA(3)), -XEN_EINVAL);
    CHECK_EQ("update_descriptor type-0 system descriptor (present) = 0",
             HYPERVISOR_update_descriptor(gma + 7 * 8, 0x0000800000000000UL), 0);
    CHECK_EQ("update_descriptor on a page-table frame = -EINVAL",
             HYPERVISOR_update_descriptor(va_to_mfn((void *)start_info->pt_base) << 12, DESC_DATA(3)),
             -XEN_EINVAL);
    CHECK_EQ("update_descriptor on a frame not owned = -EINVAL",
             HYPERVISOR_update_descriptor(0x7fffffffUL << 12, DESC_DATA(3)), -XEN_EINVAL);
    /* A call gate to FLAT_KERNEL_CS with DPL 3: kept, with DPL forced to 0 and the
     * original DPL stored in the target selector's RPL (so using it #GPs for emulation). */
    uint64_t gate = (0xe033UL << 16) | 0x1000 | ((uint64_t)0xec00 << 32);
    CHECK_EQ("update_descriptor call gate (DPL 3 -> FLAT_KERNEL_CS) = 0",
             HYPERVISOR_update_descriptor(gma + 8 * 8, gate), 0);
    CHECK_EQ("call gate stored with DPL 0, selector RPL = old DPL", gdt[8],
             (0xe033UL << 16) | 0x1000 | ((uint64_t)0x8c00 << 32));
    CHECK_EQ("update_descriptor call gate with reserved bits = -EINVAL",
             HYPERVISOR_update_descriptor(gma + 8 * 8, gate | (1UL << 32)), -XEN_EINVAL);
    uint64_t *plain = alloc_page();
    CHECK_EQ("update_descriptor on an ordinary writable page = 0",
             HYPERVISOR_update_descriptor((va_to_mfn(plain) << 12) + 8, DESC_CODE64(0)), 0);
    CHECK_EQ("ordinary page gets the fixed-up descriptor", plain[1], DESC_CODE64(3));

    uint64_t *gdt2 = alloc_page();
    gdt2[1] = DESC_TSS64;
    set_page_ro(gdt2);
    unsigned long frames2[1] = { va_to_mfn(gdt2) };
    CHECK_EQ("set_gdt of a page holding a TSS descriptor = -EINVAL", HYPERVISOR_set_gdt(frames2, 16),
             -XEN_EINVAL);
    set_page_rw(gdt2);
    gdt2[1] = DESC_CODE64(3);
    set_page_ro(gdt2);
    CHECK_EQ("set_gdt switching to a second GDT = 0", HYPERVISOR_set_gdt(frames2, 16), 0);
    CHECK_EQ("the old GDT page can be made writable again", set_page_rw(gdt), 0);
}

/* ------------------------------------------------------------------------------ */
/* Guest user mode. The code below runs in ring 3 on its own L4 at USER_CODE_VA; it
 * stores what it observes in the data page at USER_DATA_VA. */
extern char user_prog[], user_m2p[], user_after_syscall[], user_after_int80[], user_pf_read[],
    user_pf_write[], user_int81[], user_cli[], user_after_int3[], user_exit[];
asm(".section .text.user, \"ax\"\n"
    "user_prog:\n\t"
    "mov %gs:0, %rax\n\t" /* user GS base -> data page */
    "mov %rax, 0x410010\n\t"
    "movabs $0xffff800000000000, %rax\n" /* the M2P is not in a user L4 (Xen 4.17) */
    "user_m2p:\n\t"
    "mov (%rax), %rax\n\t"
    "mov $0x5a5a, %eax\n\t"
    "syscall\n"
    "user_after_syscall:\n\t"
    "mov %rax, 0x410020\n\t"
    "int $0x80\n"
    "user_after_int80:\n"
    "user_pf_read:\n\t"
    "mov 0x10, %rax\n\t"
    "nop\n"
    "user_pf_write:\n\t"
    "movabs $0xffffffff80000000, %rcx\n\t"
    "movq $1, (%rcx)\n\t"
    "nop\n"
    "user_int81:\n\t"
    "int $0x81\n\t"
    "nop\n"
    "user_cli:\n\t"
    "cli\n\t"
    "nop\n\t"
    "int3\n"
    "user_after_int3:\n\t"
    "pushfq\n\t"
    "pop %rax\n\t"
    "mov %rax, 0x410028\n"
    "user_exit:\n\t"
    "ud2\n"
    ".previous\n");

#define UOFF(sym) ((uint64_t)(sym) - (uint64_t)_user_start)
#define UVA(sym)  (USER_CODE_VA + UOFF(sym))

struct uevent {
    uint64_t vector, ec, rip, cs, rflags, rsp, ss, rcx, r11, cr2, frame, mask, rax;
};
static struct uevent uev[16];
static unsigned nuev;
static struct kjmp user_jmp;

static bool user_hook(struct pv_regs *r)
{
    if ((last_trap.cs & 3) != 3) return false; /* kernel-mode trap: normal handling */
    if (nuev < ARRAY_SIZE(uev)) {
        struct uevent *e = &uev[nuev++];
        e->vector = last_trap.vector;
        e->ec = last_trap.ec;
        e->rip = last_trap.rip;
        e->cs = last_trap.cs;
        e->rflags = last_trap.rflags;
        e->rsp = last_trap.rsp;
        e->ss = last_trap.ss;
        e->rcx = last_trap.rcx;
        e->r11 = last_trap.r11;
        e->cr2 = last_trap.cr2;
        e->frame = last_trap.frame_addr;
        e->mask = last_trap.mask_in_handler;
        e->rax = r->rax;
    }
    uint64_t *rip = &r->frame[r->has_ec ? 3 : 2];
    /* Faulting instructions resume at the nop that follows each one. */
    if (r->vector == 0x100 || r->vector == 0x80 || r->vector == 3)
        ; /* traps: RIP is already past */
    else if (*rip == UVA(user_m2p))
        *rip += 3; /* mov (%rax),%rax */
    else if (*rip == UVA(user_pf_read))
        *rip += 8; /* mov 0x10,%rax = 8 bytes */
    else if (*rip == UVA(user_pf_write) + 10)
        *rip += 7; /* movq $1,(%rcx) = 7 bytes */
    else if (*rip == UVA(user_int81))
        *rip += 2;
    else if (*rip == UVA(user_cli))
        *rip += 1;
    else if (*rip == UVA(user_exit) || (r->vector != 0x100 && r->vector != 0x80 && r->vector != 3)) {
        /* The end, or an unexpected trap: leave user mode for good. */
        vcpu0->evtchn_upcall_mask = 1;
        klongjmp(&user_jmp, 1);
    }
    return true;
}

static void test_user_mode(void)
{
    section("guest user mode");
    uint64_t *data = alloc_page();
    data[0x100] = 0x600df00d; /* read through the user GS base */
    user_space_init(data);
    CHECK_EQ("user GS base = data+0x800", HYPERVISOR_set_segment_base(SEGBASE_GS_USER, USER_DATA_VA + 0x800),
             0);
    CHECK_EQ("kernel GS base", HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, &fsgs_probe[0]), 0);
    uint64_t ksp = (uint64_t)trap_stack + sizeof(trap_stack) - 0x48; /* deliberately unaligned */
    CHECK_EQ("stack_switch to the trap stack", HYPERVISOR_stack_switch(FLAT_KERNEL_SS, ksp), 0);

    nuev = 0;
    trap_hook = user_hook;
    uint64_t frame[9] = {
        0, 0, 0, 0, UVA(user_prog), FLAT_USER_CS, 0x202, USER_DATA_VA + 0x400, FLAT_USER_SS
    };
    if (ksetjmp(&user_jmp) == 0) iret_to(frame);
    trap_hook = NULL;
    vcpu0->evtchn_upcall_mask = 1;
    printf("# back from user mode after %u events\n", nuev);
    CHECK_EQ("user mode produced 9 bounces", nuev, 9);
    uint64_t got;
    asm volatile("mov %%gs:0, %0" : "=r"(got));
    CHECK_EQ("kernel GS base active again after returning from user mode", got, fsgs_probe[0]);
    CHECK_EQ("user saw its GS base (%gs:0 in user mode)", data[2], 0x600df00d);

    for (unsigned i = 0; i < nuev; i++)
        printf("# user event %u: vector 0x%lx ec 0x%lx rip 0x%lx cs 0x%lx cr2 0x%lx\n", i,
               (unsigned long)uev[i].vector, (unsigned long)uev[i].ec, (unsigned long)uev[i].rip,
               (unsigned long)uev[i].cs, (unsigned long)uev[i].cr2);
    struct uevent none = { .vector = ~0UL };
    struct uevent *e;
#define FIND(cond)                                                                                           \
    ({                                                                                                       \
        e = &none;                                                                                           \
        for (unsigned i = 0; i < nuev; i++)                                                                  \
            if (uev[i].cond) {                                                                               \
                e = &uev[i];                                                                                 \
                break;                                                                                       \
            }                                                                                                \
        e;                                                                                                   \
    })
    char b[96];
    FIND(vector == 14 && uev[i].cr2 == HYPERVISOR_VIRT_START);
    CHECK_EQ("user read of the M2P: #PF (slot 256 is not in a guest-pinned user L4)", e->vector, 14);
    CHECK_EQ("user M2P read: error code 4 (U, not present)", e->ec, 4);
    FIND(vector == 0x100);
    CHECK_EQ("user syscall: delivered to the syscall callback", e->vector, 0x100);
    CHECK_EQ("user syscall: RIP slot = return address", e->rip, UVA(user_after_syscall));
    CHECK_EQ("user syscall: RCX slot = return address", e->rcx, UVA(user_after_syscall));
    CHECK_EQ("user syscall: R11 slot = user RFLAGS", e->r11 & ~0x10000UL, e->rflags & ~0x10000UL);
    CHECK_EQ("user syscall: CS slot = 0xe033 with saved mask 0", e->cs, 0xe033);
    CHECK_EQ("user syscall: SS slot = 0xe02b", e->ss, FLAT_USER_SS);
    CHECK_EQ("user syscall: RSP slot = user RSP", e->rsp, USER_DATA_VA + 0x400);
    CHECK_EQ("user syscall: RFLAGS.IF = 1 (user ran unmasked)", e->rflags & 0x200, 0x200);
    CHECK_EQ("user syscall: frame at (kernel_sp & ~15) - 7*8", e->frame, (ksp & ~15UL) - 56);
    CHECK_EQ("user syscall: CALLBACKF_mask_events masked events", e->mask, 1);
    CHECK_EQ("user syscall: rax reaches the kernel unchanged", e->rax, 0x5a5a);
    CHECK_EQ("user syscall: iret back to user resumed after it (rax kept)", data[4], 0x5a5a);
    FIND(vector == 0x80);
    CHECK("user int $0x80: vector 0x80, RIP after, CS 0xe033 (RPL 3)",
          e->vector == 0x80 && e->rip == UVA(user_after_int80) && e->cs == 0xe033);
    CHECK_EQ("user int $0x80: entry without mask flag leaves events unmasked", e->mask, 0);
    FIND(vector == 14 && uev[i].rip == UVA(user_pf_read));
    CHECK_EQ("user read of unmapped 0x10: #PF", e->vector, 14);
    CHECK_EQ("user read fault: error code 4 (U)", e->ec, 4);
    CHECK_EQ("user read fault: cr2 0x10", e->cr2, 0x10);
    CHECK_EQ("user read fault: CS RPL 3 kept", e->cs & 0xffff, 0xe033);
    FIND(rip == UVA(user_pf_write) + 10);
    CHECK_EQ("user write to a kernel address (absent in the user L4): #PF", e->vector, 14);
    CHECK_EQ("user write fault: error code 6 (U|W)", e->ec, 6);
    CHECK_EQ("user write fault: cr2", e->cr2, 0xffffffff80000000UL);
    FIND(rip == UVA(user_int81));
    nm(b, sizeof(b), "user int $0x81 (DPL 0): #GP error 0x40a (TCG: 0x812) at the instruction");
    CHECK(b, e->vector == 13 && (e->ec == 0x40a || e->ec == 0x812));
    FIND(rip == UVA(user_cli));
    CHECK("user cli: #GP(0) at the instruction", e->vector == 13 && e->ec == 0);
    FIND(vector == 3);
    CHECK("user int3: #BP after the instruction", e->vector == 3 && e->rip == UVA(user_after_int3));
    FIND(rip == UVA(user_exit));
    CHECK("user ud2: #UD", e->vector == 6);
    CHECK_EQ("user RFLAGS seen in ring 3: IF set, IOPL 0", data[5] & 0x3200, 0x200);
}

/* Last, because a hypervisor that trusts QEMU's wrong #GP error code may crash us. */
static void test_soft_int_dpl3(void)
{
    section("rejected trap-table updates; software interrupt through a DPL-3 entry");
    unsigned n;
    n = TRY_ASM("wrmsr", : : "c"(MSR_GS_BASE), "a"(0), "d"(0x8000));
    CHECK("wrmsr GS_BASE non-canonical: #GP(0)", n == 1 && last_trap.vector == 13 && last_trap.ec == 0);
    trap_info_t bad[2] = { { 0x81, 3, FLAT_KERNEL_CS, NONCANON_VA }, { 0, 0, 0, 0 } };
    CHECK_EQ("set_trap_table with a non-canonical handler = -EINVAL", HYPERVISOR_set_trap_table(bad),
             -XEN_EINVAL);
    CHECK_EQ("set_trap_table(unmapped) = -EFAULT", HYPERVISOR_set_trap_table(UNMAPPED_VA), -XEN_EFAULT);
    CHECK_EQ("set_trap_table(hypervisor address) = -EFAULT", HYPERVISOR_set_trap_table(0xffff830000000000UL),
             -XEN_EFAULT);
    n = TRY_ASM("int $0x81");
    CHECK("trap table intact after the rejected updates (0x81 back to DPL 0 -> #GP)",
          n == 1 && last_trap.vector == 13 && (last_trap.ec == 0x40a || last_trap.ec == 0x812));
    /* Updating a single entry: make 0x81 DPL 3. */
    /* The whole table again, with 0x81 at DPL 3 (a one-entry update is checked last). */
    static trap_info_t full[64];
    unsigned k;
    for (k = 0; trap_table[k].address; k++) {
        full[k] = trap_table[k];
        if (full[k].vector == 0x81) full[k].flags = 3;
    }
    full[k] = trap_table[k];
    CHECK_EQ("set_trap_table making 0x81 DPL 3 = 0", HYPERVISOR_set_trap_table(full), 0);
    n = TRY_ASM("int $0x81");
    /* On hardware this is delivered as vector 0x81; under QEMU's TCG the #GP error code
     * names vector 0x102, so Xen (which trusts it) forwards #GP(0x812). Either way the
     * domain must survive. */
    check_result("after making 0x81 DPL 3: int $0x81 delivered as vector 0x81 (TCG: #GP 0x812)",
                 n == 1 && ((last_trap.vector == 0x81 && last_trap.rip == last_trap.ex_end) ||
                            (last_trap.vector == 13 && last_trap.ec == 0x812)),
                 "n %u vector 0x%lx ec 0x%lx", n, (unsigned long)last_trap.vector,
                 (unsigned long)last_trap.ec);
    HYPERVISOR_set_trap_table(trap_table);
}

void test_main(void)
{
    set_page_ro(ro_page);
    test_kernel_frames();
    test_nx();
    test_soft_ints();
    test_iret();
    test_cpuid();
    test_msrs();
    test_fpu();
    test_segbase();
    test_debugreg();
    test_callbacks();
    test_descriptors();
    test_user_mode();
    test_soft_int_dpl3();
    /* Near the end: a hypervisor that blocks on hlt instead of raising #GP hangs here. */
    section("hlt");
    unsigned n;
    n = TRY_ASM("hlt");
    CHECK("hlt: #GP(0)", n == 1 && last_trap.vector == 13 && last_trap.ec == 0);
    /* Last: a hypervisor that replaces the whole table on a one-entry update loses the
     * #UD handler and crashes the domain here. */
    section("one-entry trap-table update");
    trap_info_t only80[2] = { { 0x80, 3, FLAT_KERNEL_CS, (unsigned long)trap_entry_0x80 }, { 0, 0, 0, 0 } };
    CHECK_EQ("set_trap_table with only vector 0x80 = 0", HYPERVISOR_set_trap_table(only80), 0);
    n = TRY_ASM("ud2");
    CHECK("a one-entry update keeps the other vectors (#UD still delivered)",
          n == 1 && last_trap.vector == 6);
}
