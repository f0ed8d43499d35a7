/* conform-ldt: the LDT and the faults a guest may give the hypervisor to return.
 * Selectors with TI=1 (mov to %ds/%fs, far call, far jmp, far return, iret, the
 * SEGBASE_GS_USER_SEL load the hypervisor does itself) with no LDT, with an LDT
 * whose pages cannot be used (writable, a bad descriptor, unmapped, running into
 * the non-canonical hole), with a valid LDT (data, 64-bit code, call gates, a
 * not-present entry, the limit), from guest kernel and user mode; MMUEXT_SET_LDT
 * argument checks; update_descriptor in a live LDT; type references dropped when
 * the LDT is replaced; the iret hypercall to a non-canonical RIP or RSP; `int $n`
 * from user mode through DPL-0 and DPL-3 trap-table entries.  Run with
 * dom0_max_vcpus=2: two vCPUs update their trap tables and load their own LDTs at
 * once (2 pCPUs) or in turn (1 pCPU, LDTR reloaded at every switch).
 * Reference: Xen 4.17 arch/x86/mm.c (MMUEXT_SET_LDT), pv/mm.c
 * (pv_map_ldt_shadow_page), traps.c (handle_ldt_mapping_fault, do_general_protection),
 * pv/descriptor-tables.c, x86_64/mm.c (check_descriptor), pv/iret.c, x86_64/entry.S. */
#include "lib.h"

#define NONCANON_VA        0x0000800000000000UL
#define MSR_SHADOW_GS_BASE 0xc0000102

#define DESC_DATA(dpl)   (0x00cf92000000ffffUL | ((uint64_t)(dpl) << 45)) /* P S RW data */
#define DESC_DATA_BASE   0x00cff2345000ffffUL                             /* base 0x345000 */
#define DESC_CODE64(dpl) (0x00209a0000000000UL | ((uint64_t)(dpl) << 45)) /* P S code L */
#define DESC_ACCESSED    (1UL << 40)
#define DESC_TSS64       0x0000890000000067UL
/* A 64-bit call gate (DPL 3) to FLAT_KERNEL_CS:0x1000; the entry after it is its
 * upper half (zero).  Stored with DPL 0 and the DPL in the selector's RPL. */
#define GATE(sel)   (((uint64_t)(sel) << 16) | 0x1000 | ((uint64_t)0xec00 << 32))
#define GATE_STORED ((0xe033UL << 16) | 0x1000 | ((uint64_t)0x8c00 << 32))

/* LDT selectors (TI=1, RPL 3) of the test LDT. */
#define SEL_DATA  0x0f /* 1: data */
#define SEL_CODE  0x17 /* 2: 64-bit code */
#define SEL_GATE  0x1f /* 3: call gate (4: its upper half) */
#define SEL_BASE  0x2f /* 5: data, base 0x345000 */
#define SEL_NP    0x37 /* 6: data, not present */
#define SEL_UPD   0x3f /* 7: written by update_descriptor */
#define SEL_LIMIT 0x47 /* 8: past an 8-entry LDT */

static uint64_t *ldt, *ldt_bad, *udata;
static char kstack[8192] __attribute__((aligned(16)));

static long set_ldt(uint64_t base, uint64_t ents) { return mmuext1(MMUEXT_SET_LDT, base, ents); }
static void null_segs(void) { asm volatile("mov %0, %%ds\n\tmov %0, %%es\n\tmov %0, %%fs" ::"r"(0)); }

/* Load sel into %ds from guest kernel mode: traps taken (last_trap), *rb = %ds after. */
static unsigned load_ds(uint16_t sel, uint16_t *rb)
{
    *rb = 0xffff;
    unsigned n = TRY_ASM("mov %1, %%ds\n\tmov %%ds, %0", : "+r"(*rb) : "r"((uint32_t)sel));
    null_segs();
    return n;
}

struct farptr64 {
    uint64_t off;
    uint16_t sel;
} __attribute__((packed));
static struct farptr64 kfar;

static unsigned kernel_lcall(uint16_t sel)
{
    kfar = (struct farptr64){ 0, sel };
    return TRY_ASM("rex64 lcall *(%0)", : : "r"(&kfar) : "memory");
}

static unsigned kernel_ljmp(uint16_t sel)
{
    kfar = (struct farptr64){ 0, sel };
    return TRY_ASM("rex64 ljmp *(%0)", : : "r"(&kfar) : "memory");
}

/* Far jump (64-bit offset) to sel:here, read %cs there, far-return to FLAT_KERNEL_CS. */
static unsigned kernel_ljmp_code(uint16_t sel, uint16_t *cs)
{
    *cs = 0;
    return TRY_ASM("lea 1f(%%rip), %%rcx\n\tmov %%rcx, (%1)\n\tmovw %2, 8(%1)\n\t"
                   "rex64 ljmp *(%1)\n"
                   "1:\tmov %%cs, %%ecx\n\tmov %%cx, %0\n\t"
                   "lea 2f(%%rip), %%rcx\n\tpushq $0xe033\n\tpush %%rcx\n\tlretq\n2:",
                   : "=m"(*cs)
                   : "r"(&kfar), "r"(sel)
                   : "rcx", "memory");
}

/* ---- entering a context through the iret hypercall and catching its first trap ---- */
extern char u_load_ds[], u_load_fs[], u_lcall[], u_ljmp[], u_cs[], u_push[], u_int85[], u_int81[], u_int86[],
    k_cs[];
asm(".section .text.user, \"ax\"\n"
    "u_load_ds:\n\tmov $0x0f, %eax\n\tmov %eax, %ds\n\tmov %ds, %eax\n\tud2\n"
    "u_load_fs:\n\tmov $0x2f, %eax\n\tmov %eax, %fs\n\tmov %fs, %eax\n\tud2\n"
    "u_lcall:\n\tlcall *0x410100\n\tud2\n"
    "u_ljmp:\n\tljmp *0x410108\n\tud2\n"
    "u_cs:\n\tmov %cs, %eax\n\tud2\n"
    "u_push:\n\tpush %rax\n\tud2\n"
    "u_int85:\n\tint $0x85\n\tud2\n"
    "u_int81:\n\tint $0x81\n\tud2\n"
    "u_int86:\n\tint $0x86\n\tud2\n"
    ".previous\n"
    ".text\n"
    "k_cs:\n\tmov %cs, %eax\n\tud2\n");
#define UVA(sym) (USER_CODE_VA + ((uint64_t)(sym) - (uint64_t)_user_start))

static struct kjmp catch_jmp;
static struct {
    uint64_t vector, ec, rip, cs, rsp, ss, cr2, rax;
    unsigned n;
} got;

static bool catch_hook(struct pv_regs *r)
{
    got.n = last_trap.count;
    got.vector = last_trap.vector;
    got.ec = last_trap.ec;
    got.rip = last_trap.rip;
    got.cs = last_trap.cs & 0xffff;
    got.rsp = last_trap.rsp;
    got.ss = last_trap.ss;
    got.cr2 = last_trap.cr2;
    got.rax = r->rax;
    vcpu0->evtchn_upcall_mask = 1;
    klongjmp(&catch_jmp, 1);
}

/* iret to {rip, cs, rsp, ss}; returns after the first trap there (in `got`). */
static void run_at(uint64_t rip, uint64_t cs, uint64_t rsp, uint64_t ss)
{
    uint64_t frame[9] = { 0, 0, 0, 0, rip, cs, 0x202, rsp, ss };
    memset(&got, 0, sizeof(got));
    got.vector = ~0UL;
    last_trap.count = 0;
    trap_hook = catch_hook;
    if (ksetjmp(&catch_jmp) == 0) iret_to(frame);
    trap_hook = NULL;
    null_segs();
}
static void run_user(void *sym) { run_at(UVA(sym), FLAT_USER_CS, USER_DATA_VA + 0x800, FLAT_USER_SS); }
/* A guest-kernel frame names its CS with RPL 0 (RPL 3 means a return to user mode). */
static void run_kernel(uint64_t rip, uint64_t cs)
{
    run_at(rip, cs & ~3UL, (uint64_t)kstack + sizeof(kstack), FLAT_KERNEL_SS);
}

static void expect(const char *what, uint64_t vector, uint64_t ec, uint64_t rip)
{
    char b[160];
    snprintf(b, sizeof(b), "%s: vector %lu error 0x%lx at 0x%lx", what, (unsigned long)vector,
             (unsigned long)ec, (unsigned long)rip);
    check_result(b, got.vector == vector && got.ec == ec && got.rip == rip,
                 "got vector %lu error 0x%lx rip 0x%lx", (unsigned long)got.vector, (unsigned long)got.ec,
                 (unsigned long)got.rip);
}

static void user_init(void)
{
    udata = alloc_page();
    user_space_init(udata);
    CHECK_EQ("stack_switch to the trap stack = 0",
             HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (uint64_t)trap_stack + sizeof(trap_stack)), 0);
}

/* Far pointers the user code reads (m16:32 at data+0x100 for lcall, +0x108 for ljmp). */
static void user_farptrs(uint32_t call_off, uint16_t call_sel, uint32_t jmp_off, uint16_t jmp_sel)
{
    *(uint32_t *)((char *)udata + 0x100) = call_off;
    *(uint16_t *)((char *)udata + 0x104) = call_sel;
    *(uint32_t *)((char *)udata + 0x108) = jmp_off;
    *(uint16_t *)((char *)udata + 0x10c) = jmp_sel;
}

/* ------------------------------------------------------------------------------ */
static void test_no_ldt(void)
{
    section("LDT selectors with no LDT: #GP(selector) to the guest");
    uint16_t rb;
    unsigned n = load_ds(SEL_DATA, &rb);
    CHECK("kernel mov 0x0f -> %ds: #GP(0xc)", n == 1 && last_trap.vector == 13 && last_trap.ec == 0xc);
    n = kernel_lcall(SEL_GATE);
    CHECK("kernel lcall 0x1f:0: #GP(0x1c)", n == 1 && last_trap.vector == 13 && last_trap.ec == 0x1c);
    n = kernel_ljmp(SEL_CODE);
    CHECK("kernel ljmp 0x17:0: #GP(0x14)", n == 1 && last_trap.vector == 13 && last_trap.ec == 0x14);
    CHECK_EQ("SEGBASE_GS_USER_SEL 0x0f (the load fails: null) = 0",
             HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, SEL_DATA), 0);
    run_kernel((uint64_t)k_cs, SEL_CODE);
    expect("iret to kernel CS 0x17", 13, 0x14, (uint64_t)k_cs);

    user_farptrs(0, SEL_GATE, 0, SEL_CODE);
    run_user(u_load_ds);
    expect("user mov 0x0f -> %ds", 13, 0xc, UVA(u_load_ds) + 5);
    CHECK_EQ("user #GP: CS slot 0xe033", got.cs, FLAT_USER_CS);
    run_user(u_lcall);
    expect("user lcall 0x1f:0", 13, 0x1c, UVA(u_lcall));
    run_user(u_ljmp);
    expect("user ljmp 0x17:0", 13, 0x14, UVA(u_ljmp));
    run_at(UVA(u_cs), SEL_CODE, USER_DATA_VA + 0x800, FLAT_USER_SS);
    expect("iret to user CS 0x17", 13, 0x14, UVA(u_cs));
}

static void test_set_ldt_args(void)
{
    section("MMUEXT_SET_LDT arguments and unusable LDT pages");
    CHECK_EQ("SET_LDT misaligned base = -EINVAL", set_ldt((uint64_t)ldt + 8, 8), -XEN_EINVAL);
    CHECK_EQ("SET_LDT 8193 entries = -EINVAL", set_ldt((uint64_t)ldt, 8193), -XEN_EINVAL);
    CHECK_EQ("SET_LDT non-canonical base = -EINVAL", set_ldt(NONCANON_VA, 1), -XEN_EINVAL);
    CHECK_EQ("SET_LDT base in the hypervisor range = -EINVAL", set_ldt(0xffff830000000000UL, 1), -XEN_EINVAL);
    CHECK_EQ("SET_LDT 0 entries, junk base = 0", set_ldt(NONCANON_VA + 4, 0), 0);
    CHECK_EQ("SET_LDT just above the hypervisor range = 0", set_ldt(0xffff880000000000UL, 1), 0);

    /* Base accepted by its start alone: the entries past 2^47 are non-canonical. */
    CHECK_EQ("SET_LDT 0x7ffffffff000 x 8192 (runs into the hole) = 0", set_ldt(0x00007ffffffff000UL, 8192),
             0);
    uint16_t rb;
    unsigned n = load_ds(0x1007, &rb);
    CHECK("selector 0x1007 (linear 0x800000000000): #GP(0x1004)",
          n == 1 && last_trap.vector == 13 && last_trap.ec == 0x1004);
    n = load_ds(0x0007, &rb);
    CHECK("selector 0x7 (unmapped page): #PF error 0 at the LDT's address",
          n == 1 && last_trap.vector == 14 && last_trap.ec == 0 && last_trap.cr2 == 0x00007ffffffff000UL);
    run_user(u_load_ds);
    expect("user selector 0xf, unmapped LDT page: #PF", 14, 4, UVA(u_load_ds) + 5);
    CHECK_EQ("user #PF: cr2 = LDT base + 8", got.cr2, 0x00007ffffffff008UL);

    /* A page still mapped writable cannot become a descriptor page. */
    CHECK_EQ("SET_LDT of a page mapped writable = 0 (used lazily)", set_ldt((uint64_t)ldt, 8), 0);
    n = load_ds(SEL_DATA, &rb);
    CHECK("writable LDT page: #PF error 0, cr2 = LDT + 8",
          n == 1 && last_trap.vector == 14 && last_trap.ec == 0 && last_trap.cr2 == (uint64_t)ldt + 8);
    /* A page holding a call gate to selector 0 is refused as a descriptor page. */
    CHECK_EQ("SET_LDT of a page with a bad call gate = 0", set_ldt((uint64_t)ldt_bad, 8), 0);
    n = load_ds(SEL_DATA, &rb);
    CHECK("bad descriptor page: #PF error 0, cr2 = LDT + 8",
          n == 1 && last_trap.vector == 14 && last_trap.ec == 0 && last_trap.cr2 == (uint64_t)ldt_bad + 8);
    CHECK_EQ("the bad page stays writable (never typed) = 0", set_page_rw(ldt_bad), 0);
    CHECK_EQ("SET_LDT(0, 0) = 0", set_ldt(0, 0), 0);
}

static void test_valid_ldt(void)
{
    section("a valid LDT: data and code segments work, call gates #GP");
    uint64_t lma = va_to_mfn(ldt) << 12;
    CHECK_EQ("make the LDT page read-only = 0", set_page_ro(ldt), 0);
    CHECK_EQ("SET_LDT(ldt, 8) = 0", set_ldt((uint64_t)ldt, 8), 0);
    /* First use of the LDT by the hypervisor itself (it loads the selector). */
    CHECK_EQ("SEGBASE_GS_USER_SEL 0x2f (LDT data, base 0x345000) = 0",
             HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, SEL_BASE), 0);
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_SHADOW_GS_BASE));
    CHECK_EQ("user GS base = the LDT descriptor's base", ((uint64_t)hi << 32) | lo, 0x345000);
    HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0);
    uint16_t rb, cs;
    unsigned n = load_ds(SEL_DATA, &rb);
    CHECK_EQ("kernel mov 0x0f -> %ds: no trap", n, 0);
    CHECK_EQ("%ds reads back 0x0f", rb, SEL_DATA);
    CHECK_EQ("LDT data descriptor: DPL raised to 3, accessed bit set by the load", ldt[1],
             DESC_DATA(3) | DESC_ACCESSED);
    CHECK_EQ("LDT code descriptor: DPL raised to 3", ldt[2], DESC_CODE64(3));
    CHECK_EQ("LDT call gate: DPL 0, old DPL in the selector RPL", ldt[3], GATE_STORED);
    n = kernel_ljmp_code(SEL_CODE, &cs);
    CHECK_EQ("kernel ljmp to the LDT code segment: no trap", n, 0);
    CHECK_EQ("%cs there = 0x17", cs, SEL_CODE);
    n = kernel_lcall(SEL_GATE);
    CHECK("kernel lcall through the LDT call gate: #GP(0x1c)",
          n == 1 && last_trap.vector == 13 && last_trap.ec == 0x1c);
    n = kernel_ljmp(SEL_GATE);
    CHECK("kernel ljmp through the LDT call gate: #GP(0x1c)",
          n == 1 && last_trap.vector == 13 && last_trap.ec == 0x1c);
    n = load_ds(SEL_NP, &rb);
    CHECK("not-present LDT entry: #NP(0x34)", n == 1 && last_trap.vector == 11 && last_trap.ec == 0x34);
    n = load_ds(SEL_LIMIT, &rb);
    CHECK("selector past the 8 entries: #GP(0x44)", n == 1 && last_trap.vector == 13 && last_trap.ec == 0x44);
    n = load_ds(SEL_GATE, &rb);
    CHECK("call gate loaded into %ds: #GP(0x1c)", n == 1 && last_trap.vector == 13 && last_trap.ec == 0x1c);
    CHECK_EQ("make the in-use LDT page writable = -EBUSY", set_page_rw(ldt), -XEN_EBUSY);

    CHECK_EQ("update_descriptor in the live LDT, DPL-0 data = 0",
             HYPERVISOR_update_descriptor(lma + 7 * 8, DESC_DATA(0)), 0);
    CHECK_EQ("stored with DPL 3", ldt[7], DESC_DATA(3));
    n = load_ds(SEL_UPD, &rb);
    CHECK("the updated entry loads (0x3f)", n == 0 && rb == SEL_UPD);
    CHECK_EQ("update_descriptor TSS descriptor in the LDT = -EINVAL",
             HYPERVISOR_update_descriptor(lma + 7 * 8, DESC_TSS64), -XEN_EINVAL);
    CHECK_EQ("update_descriptor call gate to the hypervisor's CS 0xe008 = -EINVAL",
             HYPERVISOR_update_descriptor(lma + 3 * 8, GATE(0xe008)), -XEN_EINVAL);
    CHECK_EQ("update_descriptor call gate to 0xe023 (not the 64-bit FLAT_KERNEL_CS) = -EINVAL",
             HYPERVISOR_update_descriptor(lma + 3 * 8, GATE(0xe023)), -XEN_EINVAL);
    CHECK_EQ("rejected gates not stored", ldt[3], GATE_STORED);
    CHECK_EQ("update_descriptor call gate to an LDT selector in the reserved range (0xe03f) = 0",
             HYPERVISOR_update_descriptor(lma + 3 * 8, GATE(0xe03f)), 0);
    CHECK_EQ("update_descriptor call gate to selector 0 = 0 (Xen accepts any guest GDT index)",
             HYPERVISOR_update_descriptor(lma + 3 * 8, GATE(0)), 0);
    CHECK_EQ("gate to selector 0 stored with DPL 0, RPL 3", ldt[3],
             (3UL << 16) | 0x1000 | ((uint64_t)0x8c00 << 32));
    n = kernel_lcall(SEL_GATE);
    CHECK("kernel lcall through it: #GP(0x1c)", n == 1 && last_trap.vector == 13 && last_trap.ec == 0x1c);
    CHECK_EQ("put the first gate back = 0", HYPERVISOR_update_descriptor(lma + 3 * 8, GATE(0xe033)), 0);
    CHECK_EQ("rejected TSS descriptor not stored", ldt[7], DESC_DATA(3) | DESC_ACCESSED);


    run_kernel((uint64_t)k_cs, SEL_CODE);
    expect("iret to kernel CS 0x17 runs there (ud2)", 6, 0, (uint64_t)k_cs + 2);
    CHECK_EQ("%cs there = 0x17", got.rax & 0xffff, SEL_CODE);

    user_farptrs(0, SEL_GATE, (uint32_t)UVA(u_cs), SEL_CODE);
    run_user(u_load_ds);
    expect("user mov 0x0f -> %ds runs on (ud2)", 6, 0, UVA(u_load_ds) + 9);
    CHECK_EQ("user %ds = 0x0f", got.rax & 0xffff, SEL_DATA);
    run_user(u_load_fs);
    expect("user mov 0x2f -> %fs runs on (ud2)", 6, 0, UVA(u_load_fs) + 9);
    CHECK_EQ("user %fs = 0x2f", got.rax & 0xffff, SEL_BASE);
    run_user(u_lcall);
    expect("user lcall through the LDT call gate", 13, 0x1c, UVA(u_lcall));
    run_user(u_ljmp);
    expect("user ljmp to the LDT code segment runs there (ud2)", 6, 0, UVA(u_cs) + 2);
    CHECK_EQ("user %cs there = 0x17", got.rax & 0xffff, SEL_CODE);
    CHECK_EQ("bounce frame CS slot = 0x17", got.cs, SEL_CODE);
    run_at(UVA(u_cs), SEL_CODE, USER_DATA_VA + 0x800, SEL_DATA);
    expect("iret to user CS 0x17, SS 0x0f runs there (ud2)", 6, 0, UVA(u_cs) + 2);
    CHECK("bounce frame: CS 0x17, SS 0x0f", got.cs == SEL_CODE && got.ss == SEL_DATA);

    /* The exit iretq maps the LDT page (fault, retry) and then refuses SS. */
    CHECK_EQ("SET_LDT again (pages unmapped) = 0", set_ldt(0, 0) | set_ldt((uint64_t)ldt, 8), 0);
    run_at(UVA(u_cs), SEL_CODE, USER_DATA_VA + 0x800, SEL_CODE);
    expect("iret to user CS 0x17, SS 0x17 (code): the retried iretq faults", 13, 0x14, UVA(u_cs));

    CHECK_EQ("SET_LDT(0, 0) = 0", set_ldt(0, 0), 0);
    uint16_t rb2;
    n = load_ds(SEL_DATA, &rb2);
    CHECK("after SET_LDT(0, 0): mov 0x0f -> %ds #GP(0xc)",
          n == 1 && last_trap.vector == 13 && last_trap.ec == 0xc);
    CHECK_EQ("the old LDT page can be made writable again (type dropped)", set_page_rw(ldt), 0);
}

static void test_iret_noncanonical(void)
{
    section("iret hypercall to a non-canonical RIP or RSP: #GP in the guest");
    run_kernel(NONCANON_VA, FLAT_KERNEL_CS);
    expect("kernel iret to RIP 0x800000000000", 13, 0, NONCANON_VA);
    run_at(NONCANON_VA, FLAT_USER_CS, USER_DATA_VA + 0x800, FLAT_USER_SS);
    expect("user iret to RIP 0x800000000000", 13, 0, NONCANON_VA);
    CHECK_EQ("user #GP: CS slot 0xe033", got.cs, FLAT_USER_CS);
    CHECK_EQ("user #GP: RSP slot = the user RSP", got.rsp, USER_DATA_VA + 0x800);
    run_at(UVA(u_push), FLAT_USER_CS, NONCANON_VA + 0x100, FLAT_USER_SS);
    /* Hardware raises #SS(0) for the stack access, QEMU's TCG #GP(0). */
    CHECK("user iret to RSP 0x800000000100, push: #SS(0) (TCG: #GP(0)) at the push",
          (got.vector == 12 || got.vector == 13) && got.ec == 0 && got.rip == UVA(u_push));
    CHECK_EQ("user stack fault: RSP slot = the bad RSP", got.rsp, NONCANON_VA + 0x100);
    run_user(u_cs);
    expect("the domain lives on: user mode still works", 6, 0, UVA(u_cs) + 2);
}

static void test_int_n(void)
{
    section("int $n through the trap table from user and kernel mode");
    /* QEMU's TCG reports a DPL-0 gate as #GP(n*16+2); Xen trusts it (so these
     * differ on the oracle), Tessera reads the vector from the instruction. */
    bool tcg_xen = xen_dom0_oracle;
    run_user(u_int85);
    if (tcg_xen)
        skip_check("user int $0x85 (DPL 3): delivered as 0x85 (Xen under TCG: #GP(0x852))");
    else
        expect("user int $0x85 (DPL 3): delivered as 0x85 after the instruction", 0x85, 0, UVA(u_int85) + 2);
    run_user(u_int81);
    if (tcg_xen)
        skip_check("user int $0x81 (DPL 0): #GP(0x40a) (Xen under TCG: #GP(0x812))");
    else
        expect("user int $0x81 (DPL 0): #GP(0x40a) at the instruction", 13, 0x40a, UVA(u_int81));
    run_user(u_int86);
    if (tcg_xen)
        skip_check("user int $0x86 (no handler): #GP(0x432) (Xen under TCG: #GP(0x862))");
    else
        expect("user int $0x86 (no handler): #GP(0x432) at the instruction", 13, 0x432, UVA(u_int86));
    unsigned n = TRY_ASM("int $0x85");
    if (tcg_xen)
        skip_check("kernel int $0x85: delivered as 0x85");
    else
        CHECK("kernel int $0x85 (DPL 3): delivered as 0x85",
              n == 1 && last_trap.vector == 0x85 && last_trap.rip == last_trap.ex_end);
    n = TRY_ASM("int $0x81");
    if (tcg_xen)
        skip_check("kernel int $0x81 (DPL 0): #GP(0x40a)");
    else
        CHECK("kernel int $0x81 (DPL 0): #GP(0x40a)",
              n == 1 && last_trap.vector == 13 && last_trap.ec == 0x40a);
}

/* ---- two vCPUs ---- */
#define SMP_ROUNDS 1000
static volatile uint64_t smp_hits[2][2]; /* [vCPU][handler], counted through %gs */
static volatile unsigned smp_errors[2], smp_verr_bad[2], smp_done;
static uint64_t vcpu1_stack[1024] __attribute__((aligned(16)));
static struct vcpu_guest_context smp_ctx;
/* int $0 handlers: count on the running vCPU's %gs block, return with iret.  (Vector 0
 * because QEMU's TCG error code n*16+2 names it correctly too, so Xen agrees there.) */
extern char h_owner0[], h_owner1[], vcpu1_entry[];
asm(".text\n"
    "h_owner0:\n\tlock incq %gs:0\n\tjmp 1f\n"
    "h_owner1:\n\tlock incq %gs:8\n"
    "1:\tmov (%rsp), %rcx\n\tmov 8(%rsp), %r11\n\tadd $16, %rsp\n\t"
    "pushq $0\n\tpush %rcx\n\tpush %r11\n\tpush %rax\n\t"
    "mov $23, %eax\n\tsyscall\n\tud2\n" /* __HYPERVISOR_iret */
    "vcpu1_entry:\n\tcall vcpu1_main\n\tud2\n");

/* Each vCPU: install its own int $0 handler, take it, and check what selector 0x17
 * means in its own LDT (2 entries on vCPU 0: beyond the limit; 8 on vCPU 1). */
static void smp_loop(unsigned v)
{
    trap_info_t t[2] = { { 0, 3, FLAT_KERNEL_CS, (unsigned long)(v ? h_owner1 : h_owner0) }, { 0, 0, 0, 0 } };
    for (unsigned i = 0; i < SMP_ROUNDS; i++) {
        if (HYPERVISOR_set_trap_table(t)) smp_errors[v]++;
        asm volatile("int $0" ::: "memory");
        uint8_t ok;
        asm volatile("verr %w1\n\tsetz %0" : "=q"(ok) : "r"(SEL_CODE) : "cc");
        if (ok != v) smp_verr_bad[v]++;
        if (i % 8 == 0) HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
}

void vcpu1_main(void);
void vcpu1_main(void)
{
    if (HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, (uint64_t)&smp_hits[1][0]) ||
        set_ldt((uint64_t)ldt, 8))
        smp_errors[1]++;
    smp_loop(1);
    __atomic_store_n(&smp_done, 1, __ATOMIC_SEQ_CST);
    for (;;)
        HYPERVISOR_vcpu_op(VCPUOP_down, 1, NULL);
}

static void test_smp(void)
{
    section("two vCPUs: trap tables and LDTs are each vCPU's own");
    long up = HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL);
    CHECK_EQ("vCPU 1 exists and is down (dom0_max_vcpus=2)", up, 0);
    if (up != 0) return;
    CHECK_EQ("make the LDT page read-only = 0", set_page_ro(ldt), 0);
    vcpu_ctx_init(&smp_ctx, vcpu1_entry, &vcpu1_stack[1022], va_to_mfn(cur_l4));
    /* The context's LDT, checked as Xen's arch_set_info_guest does (__addr_ok on
     * the base alone, even with no entries); vCPU 1 then sets its own. */
    smp_ctx.ldt_base = 0xffff830000000000UL;
    CHECK_EQ("VCPUOP_initialise, LDT base in the hypervisor range, 0 entries = -EINVAL",
             HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &smp_ctx), -XEN_EINVAL);
    smp_ctx.ldt_base = (uint64_t)ldt + 8;
    smp_ctx.ldt_ents = 1;
    CHECK_EQ("VCPUOP_initialise, misaligned LDT base = -EINVAL",
             HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &smp_ctx), -XEN_EINVAL);
    smp_ctx.ldt_base = (uint64_t)ldt;
    smp_ctx.ldt_ents = 8193;
    CHECK_EQ("VCPUOP_initialise, 8193 LDT entries = -EINVAL",
             HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &smp_ctx), -XEN_EINVAL);
    smp_ctx.ldt_base = 0x00007ffffffff000UL;
    smp_ctx.ldt_ents = 8192;
    CHECK_EQ("VCPUOP_initialise with an LDT running into the hole (start checked) = 0",
             HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &smp_ctx), 0);
    CHECK_EQ("SEGBASE_GS_KERNEL (vCPU 0's counters) = 0",
             HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, (uint64_t)&smp_hits[0][0]), 0);
    CHECK_EQ("SET_LDT(ldt, 2) on vCPU 0 = 0", set_ldt((uint64_t)ldt, 2), 0);
    CHECK_EQ("VCPUOP_up(1) = 0", HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), 0);
    smp_loop(0);
    for (unsigned i = 0; i < 10000000 && !__atomic_load_n(&smp_done, __ATOMIC_SEQ_CST); i++)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    CHECK_EQ("vCPU 1 finished its rounds", smp_done, 1);
    CHECK_EQ("vCPU 0: every set_trap_table = 0", smp_errors[0], 0);
    CHECK_EQ("vCPU 1: set_segment_base, SET_LDT, every set_trap_table = 0", smp_errors[1], 0);
    CHECK_EQ("vCPU 0: int $0 reached its own handler every time", smp_hits[0][0], SMP_ROUNDS);
    CHECK_EQ("vCPU 0: never vCPU 1's handler", smp_hits[0][1], 0);
    CHECK_EQ("vCPU 1: int $0 reached its own handler every time", smp_hits[1][1], SMP_ROUNDS);
    CHECK_EQ("vCPU 1: never vCPU 0's handler", smp_hits[1][0], 0);
    CHECK_EQ("vCPU 0: selector 0x17 never valid (its LDT has 2 entries)", smp_verr_bad[0], 0);
    CHECK_EQ("vCPU 1: selector 0x17 always valid (its LDT has 8 entries)", smp_verr_bad[1], 0);
    CHECK_EQ("SET_LDT(0, 0) on vCPU 0 = 0", set_ldt(0, 0), 0);
    CHECK_EQ("vCPU 1's LDT still holds the page: making it writable = -EBUSY", set_page_rw(ldt), -XEN_EBUSY);
    HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, 0);
    CHECK_EQ("vCPU 0's trap table back to the runtime's = 0", HYPERVISOR_set_trap_table(trap_table), 0);
}

void test_main(void)
{
    ldt = alloc_page();
    ldt[1] = DESC_DATA(0);
    ldt[2] = DESC_CODE64(0);
    ldt[3] = GATE(0xe033);
    ldt[5] = DESC_DATA_BASE;
    ldt[6] = DESC_DATA(3) & ~(1UL << 47);
    ldt_bad = alloc_page();
    ldt_bad[1] = DESC_DATA(3);
    ldt_bad[3] = GATE(0xe008);
    set_page_ro(ldt_bad);
    user_init();
    test_no_ldt();
    test_set_ldt_args();
    test_valid_ldt();
    test_iret_noncanonical();
    test_int_n();
    test_smp(); /* last: vCPU 1 keeps its LDT until the domain is destroyed */
}
