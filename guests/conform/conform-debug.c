/* conform-debug: debug registers and #DB as a hostile or careful PV kernel meets
 * them. set_debugreg/get_debugreg and mov %drN with Xen's refusals and masks; DR6
 * exactly after an instruction breakpoint, a data watchpoint, single steps from
 * kernel and user mode and over emulated instructions, and emulated I/O
 * breakpoints (CR4.DE); watchpoints on memory the hypervisor itself copies, and
 * MOV SS (POP SS does not exist in 64-bit mode) followed by syscall/int (the #DB arrives inside the hypervisor on
 * hardware, right after the SS load under QEMU's TCG: the guest gets one sane #DB
 * or none). Then vm_assist for every type, the virtual IOPL with and without
 * architectural_iopl (bounce frames, iret, cli/out from kernel and user mode), and
 * runstate_update_flag. Reference: Xen 4.17 traps.c do_debug,
 * pv/misc-hypercalls.c set_debugreg, pv/emul-priv-op.c, pv/iret.c, common/domain.c
 * do_vm_assist and update_runstate_area. */
#include "lib.h"

#define DR6_DEFAULT 0xffff0ff0UL
#define DR6_BS      0x4000UL
#define DR7_ONE     0x400UL
#define NONCANON_VA 0x0000800000000000UL
#define TF          0x100UL
#define RF          0x10000UL

static uint64_t get_dr(unsigned r) { return (uint64_t)HYPERVISOR_get_debugreg(r); }
static void dr_reset(void)
{
    HYPERVISOR_set_debugreg(7, 0);
    HYPERVISOR_set_debugreg(6, 0);
    for (unsigned i = 0; i < 4; i++)
        HYPERVISOR_set_debugreg(i, 0);
}

/* #DB records: what the handler saw, including DR6 read in the handler. */
struct dbrec {
    uint64_t rip, cs, rflags, dr6;
};
static struct dbrec dbs[8];
static volatile unsigned ndb;
static enum { DB_CLEAR_TF, DB_DISABLE, DB_SET_RF } db_mode;
static volatile unsigned nbp; /* #BP taken while accept_bp is set */
static bool accept_bp;

static bool db_hook(struct pv_regs *r)
{
    if (r->vector == 3 && accept_bp) {
        nbp++;
        return true; /* resume after the int3 */
    }
    if (r->vector != 1) return false;
    uint64_t *f = r->frame; /* rcx r11 rip cs rflags rsp ss */
    if (ndb < ARRAY_SIZE(dbs)) dbs[ndb] = (struct dbrec){ f[2], f[3], f[4], get_dr(6) };
    ndb++;
    HYPERVISOR_set_debugreg(6, 0);
    if (db_mode == DB_DISABLE)
        HYPERVISOR_set_debugreg(7, 0);
    else if (db_mode == DB_SET_RF)
        f[4] |= RF;
    f[4] &= ~TF;
    return true;
}

static void db_begin(int mode)
{
    ndb = 0;
    memset(dbs, 0, sizeof(dbs));
    db_mode = mode;
    trap_hook = db_hook;
}

static void db_end(void)
{
    trap_hook = NULL;
    dr_reset();
}

/* ------------------------------------------------------------------------------ */
static void test_set_get(void)
{
    section("set_debugreg/get_debugreg: Xen's checks and masks");
    CHECK_EQ("DR6 at start 0xffff0ff0", get_dr(6), DR6_DEFAULT);
    CHECK_EQ("DR7 at start 0x400", get_dr(7), DR7_ONE);
    CHECK_EQ("DR0 = top of the lower half (0x7fffffffffff) = 0", HYPERVISOR_set_debugreg(0, 0x7fffffffffffUL),
             0);
    CHECK_EQ("DR0 reads back", get_dr(0), 0x7fffffffffffUL);
    CHECK_EQ("DR0 = first non-canonical address = -EPERM", HYPERVISOR_set_debugreg(0, NONCANON_VA),
             -XEN_EPERM);
    CHECK_EQ("DR0 unchanged after the refusal", get_dr(0), 0x7fffffffffffUL);
    CHECK_EQ("DR1 = 0xffff800000000000 (hypervisor) = -EPERM",
             HYPERVISOR_set_debugreg(1, 0xffff800000000000UL), -XEN_EPERM);
    CHECK_EQ("DR2 = 0xffff87ffffffffff (last hypervisor byte) = -EPERM",
             HYPERVISOR_set_debugreg(2, 0xffff87ffffffffffUL), -XEN_EPERM);
    CHECK_EQ("DR3 = 0xffff880000000000 (first guest byte above) = 0",
             HYPERVISOR_set_debugreg(3, 0xffff880000000000UL), 0);
    CHECK_EQ("DR3 = 0xffffffffffffffff = 0", HYPERVISOR_set_debugreg(3, ~0UL), 0);
    CHECK_EQ("DR6 with bit 32 = -EINVAL", HYPERVISOR_set_debugreg(6, 1UL << 32), -XEN_EINVAL);
    CHECK_EQ("DR6 = 0xffffffff = 0", HYPERVISOR_set_debugreg(6, 0xffffffffUL), 0);
    CHECK_EQ("DR6 reads 0xffffefff (bit 12 reserved zero)", get_dr(6), 0xffffefffUL);
    CHECK_EQ("DR6 = 0x400f = 0", HYPERVISOR_set_debugreg(6, 0x400f), 0);
    CHECK_EQ("DR6 reads 0xffff4fff (reserved ones forced)", get_dr(6), 0xffff4fffUL);
    HYPERVISOR_set_debugreg(6, 0);
    CHECK_EQ("DR7 with bit 32 = -EINVAL", HYPERVISOR_set_debugreg(7, 1UL << 32), -XEN_EINVAL);
    CHECK_EQ("DR7 with GD (bit 13) = -EPERM", HYPERVISOR_set_debugreg(7, 0x2000), -XEN_EPERM);
    CHECK_EQ("DR7 = 0xd800 (reserved bits 11,12,14,15) = 0", HYPERVISOR_set_debugreg(7, 0xd800), 0);
    CHECK_EQ("DR7 reads 0x400 (reserved bits cleared, bit 10 set)", get_dr(7), DR7_ONE);
    CHECK_EQ("DR7 with an I/O breakpoint not enabled (RW0=10) = 0", HYPERVISOR_set_debugreg(7, 0x20000), 0);
    CHECK_EQ("DR7 reads 0x20400", get_dr(7), 0x20400);
    CHECK_EQ("DR7 with an enabled I/O breakpoint, CR4.DE clear = -EPERM", HYPERVISOR_set_debugreg(7, 0x20001),
             -XEN_EPERM);
    CHECK_EQ("DR7 with I/O on DR1 and G1, CR4.DE clear = -EPERM", HYPERVISOR_set_debugreg(7, 0x200008),
             -XEN_EPERM);
    CHECK_EQ("DR7 unchanged after the refusals", get_dr(7), 0x20400);
    CHECK_EQ("DR4 (CR4.DE clear) aliases DR6: set_debugreg(4, 1) = 0", HYPERVISOR_set_debugreg(4, 1), 0);
    CHECK_EQ("... DR6 reads 0xffff0ff1", get_dr(6), 0xffff0ff1UL);
    CHECK_EQ("get_debugreg(4) = DR6", get_dr(4), 0xffff0ff1UL);
    CHECK_EQ("DR5 aliases DR7: set_debugreg(5, 0x30000) = 0", HYPERVISOR_set_debugreg(5, 0x30000), 0);
    CHECK_EQ("... DR7 reads 0x30400", get_dr(7), 0x30400);
    CHECK_EQ("get_debugreg(5) = DR7", get_dr(5), 0x30400);
    CHECK_EQ("set_debugreg(8) = -ENODEV", HYPERVISOR_set_debugreg(8, 0), -XEN_ENODEV);
    CHECK_EQ("get_debugreg(-1) = -ENODEV", HYPERVISOR_get_debugreg(-1L), -XEN_ENODEV);
    dr_reset();

    section("mov to/from %drN (emulated)");
    uint64_t v = 0;
    unsigned n = TRY_ASM("mov %%dr7, %0", : "=r"(v));
    CHECK("mov %dr7, %reg: no trap, reads 0x400", n == 0 && v == DR7_ONE);
    n = TRY_ASM("mov %0, %%dr1", : : "r"(0x7000UL));
    CHECK("mov 0x7000 to %dr1: no trap", n == 0 && get_dr(1) == 0x7000);
    n = TRY_ASM("mov %0, %%dr1", : : "r"(0xffff830000000000UL));
    CHECK("mov a hypervisor address to %dr1: #GP(0)", n == 1 && last_trap.vector == 13 && last_trap.ec == 0);
    CHECK_EQ("... %dr1 unchanged", get_dr(1), 0x7000);
    n = TRY_ASM("mov %0, %%dr7", : : "r"(0x2000UL));
    CHECK("mov GD to %dr7: #GP(0)", n == 1 && last_trap.vector == 13 && last_trap.ec == 0);
    n = TRY_ASM("mov %0, %%dr6", : : "r"(0UL));
    CHECK("mov 0 to %dr6: no trap", n == 0 && get_dr(6) == DR6_DEFAULT);
    n = TRY_ASM("mov %%dr4, %0", : "=r"(v));
    CHECK("mov %dr4 with CR4.DE clear reads DR6", n == 0 && v == DR6_DEFAULT);
    uint64_t cr4 = 0;
    TRY_ASM("mov %%cr4, %0", : "=r"(cr4));
    n = TRY_ASM("mov %0, %%cr4", : : "r"(cr4 | 8));
    CHECK("mov to %cr4 setting DE: no trap", n == 0);
    n = TRY_ASM("mov %%dr4, %0", : "=r"(v));
    CHECK("mov %dr4 with CR4.DE set: #UD", n == 1 && last_trap.vector == 6);
    n = TRY_ASM("mov %0, %%dr5", : : "r"(0UL));
    CHECK("mov to %dr5 with CR4.DE set: #UD", n == 1 && last_trap.vector == 6);
    CHECK_EQ("get_debugreg(4) with CR4.DE set = -ENODEV", HYPERVISOR_get_debugreg(4), -XEN_ENODEV);
    CHECK_EQ("set_debugreg(5) with CR4.DE set = -ENODEV", HYPERVISOR_set_debugreg(5, 0), -XEN_ENODEV);
    CHECK_EQ("enabled I/O breakpoint with CR4.DE set = 0", HYPERVISOR_set_debugreg(7, 0x20001), 0);
    CHECK_EQ("... DR7 reads it back with its enable bit (0x20401)", get_dr(7), 0x20401);
    dr_reset();
    TRY_ASM("mov %0, %%cr4", : : "r"(cr4 & ~8UL));
}

/* ------------------------------------------------------------------------------ */
extern char bp_func[], wp_store_after[], wp_load_after[], ss_step_after[], ss_emul_after[], ss_cr2_after[],
    ss_ptwr_after[], io80_after[], io7f_after[];
asm(".text\nbp_func:\n\tnop\n\tret\n");
#define CALL_BP_FUNC() asm volatile("call bp_func" ::: "memory")

static void test_breakpoints(void)
{
    section("instruction breakpoint (DR0, execute)");
    CHECK_EQ("DR0 = bp_func", HYPERVISOR_set_debugreg(0, bp_func), 0);
    db_begin(DB_DISABLE);
    CHECK_EQ("DR7 = L0 execute (0x401)", HYPERVISOR_set_debugreg(7, 0x1), 0);
    CALL_BP_FUNC();
    db_end();
    CHECK_EQ("one #DB", ndb, 1);
    CHECK_EQ("#DB RIP = the breakpoint (a fault)", dbs[0].rip, (uint64_t)bp_func);
    CHECK_EQ("guest-visible DR6 = 0xffff0ff1 (B0)", dbs[0].dr6, 0xffff0ff1UL);
    CHECK_EQ("#DB CS = 0xe030 | saved mask 1 (from kernel mode)", dbs[0].cs, (1UL << 32) | 0xe030);
    CHECK_EQ("DR6 back to 0xffff0ff0 after the handler cleared it", get_dr(6), DR6_DEFAULT);

    section("instruction breakpoint resumed with RFLAGS.RF");
    HYPERVISOR_set_debugreg(2, bp_func);
    db_begin(DB_SET_RF);
    HYPERVISOR_set_debugreg(7, 0x10); /* L2 */
    CALL_BP_FUNC();
    unsigned first = ndb;
    CALL_BP_FUNC();
    db_end();
    CHECK_EQ("one #DB per pass through the breakpoint (RF skips it once)", first, 1);
    CHECK_EQ("two passes, two #DBs", ndb, 2);
    CHECK_EQ("DR6 = 0xffff0ff4 (B2)", dbs[1].dr6, 0xffff0ff4UL);

    section("data watchpoints (DR1 write, DR3 read/write)");
    static volatile uint64_t watched[2];
    HYPERVISOR_set_debugreg(1, &watched[0]);
    db_begin(DB_CLEAR_TF);
    CHECK_EQ("DR7 = L1 write len 8 (0x900004)", HYPERVISOR_set_debugreg(7, 0x4 | (1 << 20) | (2 << 22)), 0);
    asm volatile("movq $5, %0\n\twp_store_after: nop" : "=m"(watched[0])::"memory");
    uint64_t x;
    asm volatile("mov %1, %0" : "=r"(x) : "m"(watched[0]));
    asm volatile("movq $6, %0" : "=m"(watched[1])::"memory");
    db_end();
    CHECK_EQ("only the store to the watched word traps (not the load, not the next word)", ndb, 1);
    CHECK_EQ("#DB RIP after the store (a trap)", dbs[0].rip, (uint64_t)wp_store_after);
    CHECK_EQ("DR6 = 0xffff0ff2 (B1)", dbs[0].dr6, 0xffff0ff2UL);
    CHECK_EQ("the store happened", watched[0], 5);
    HYPERVISOR_set_debugreg(3, &watched[1]);
    db_begin(DB_CLEAR_TF);
    HYPERVISOR_set_debugreg(7, 0x40 | (3u << 28) | (3u << 30)); /* L3 rw len 4 */
    asm volatile("mov %1, %0\n\twp_load_after: nop" : "=r"(x) : "m"(watched[1]));
    db_end();
    CHECK_EQ("a read of a read/write watchpoint traps once", ndb, 1);
    CHECK_EQ("RIP after the load", dbs[0].rip, (uint64_t)wp_load_after);
    CHECK_EQ("DR6 = 0xffff0ff8 (B3)", dbs[0].dr6, 0xffff0ff8UL);

    section("watchpoints on memory the hypervisor copies (no #DB for the guest)");
    static char buf[XEN_EXTRAVERSION_LEN] __attribute__((aligned(16)));
    static struct vcpu_runstate_info rs __attribute__((aligned(64)));
    HYPERVISOR_set_debugreg(0, buf);
    HYPERVISOR_set_debugreg(1, &rs.state_entry_time);
    db_begin(DB_CLEAR_TF);
    HYPERVISOR_set_debugreg(7, 0x5 | (3 << 16) | (2 << 18) | (3 << 20) | (2 << 22)); /* L0 L1 rw len 8 */
    long rc = HYPERVISOR_xen_version(XENVER_extraversion, buf);
    long rc2 = HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, &rs);
    static const char msg[] __attribute__((aligned(8))) = "# console write from a watched buffer\n";
    HYPERVISOR_set_debugreg(2, msg);
    HYPERVISOR_set_debugreg(7, 0x15 | (3 << 16) | (2 << 18) | (3 << 20) | (2 << 22) | (3 << 24) | (2 << 26));
    long rc3 = HYPERVISOR_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg);
    db_end();
    CHECK_EQ("xen_version(extraversion) into a watched buffer = 0", rc, 0);
    CHECK_EQ("vcpu_op(get_runstate_info) into a watched buffer = 0", rc2, 0);
    CHECK_EQ("console_io(write) from a watched buffer = 0", rc3, 0);
    CHECK_EQ("no #DB delivered for the hypervisor's own accesses", ndb, 0);
    CHECK_EQ("the copy happened (runstate: running)", rs.state, RUNSTATE_running);
    CHECK_EQ("DR6 untouched (0xffff0ff0)", get_dr(6), DR6_DEFAULT);
}

/* ------------------------------------------------------------------------------ */
static void test_single_step(void)
{
    section("single step (RFLAGS.TF) in guest kernel mode");
    db_begin(DB_CLEAR_TF);
    asm volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\tnop\n\tss_step_after: nop" ::: "memory", "cc");
    db_end();
    CHECK_EQ("one #DB", ndb, 1);
    CHECK_EQ("#DB RIP after the first instruction that ran with TF", dbs[0].rip, (uint64_t)ss_step_after);
    CHECK_EQ("DR6 = 0xffff4ff0 (BS)", dbs[0].dr6, 0xffff0ff0UL | DR6_BS);
    CHECK_EQ("frame RFLAGS has TF", dbs[0].rflags & TF, TF);

    section("single step over emulated instructions");
    uint32_t a = 0, b, c = 0, d;
    db_begin(DB_CLEAR_TF);
    asm volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\t"
                 "ud2\n\t.ascii \"xen\"\n\tcpuid\n\tss_emul_after: nop"
                 : "+a"(a), "=b"(b), "+c"(c), "=d"(d)::"memory", "cc");
    db_end();
    CHECK_EQ("forced-emulation CPUID with TF: one #DB", ndb, 1);
    CHECK_EQ("... RIP after the emulated CPUID", dbs[0].rip, (uint64_t)ss_emul_after);
    CHECK_EQ("... DR6 = 0xffff4ff0", dbs[0].dr6, 0xffff0ff0UL | DR6_BS);
    CHECK("... CPUID still answered (leaf 0 max leaf > 0)", a > 0);
    uint64_t cr2 = 0;
    db_begin(DB_CLEAR_TF);
    asm volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\tmov %%cr2, %0\n\tss_cr2_after: nop"
                 : "=r"(cr2)
                 :
                 : "memory", "cc");
    db_end();
    CHECK("emulated mov %cr2 with TF: one #DB after it, DR6 0xffff4ff0",
          ndb == 1 && dbs[0].rip == (uint64_t)ss_cr2_after && dbs[0].dr6 == (DR6_DEFAULT | DR6_BS));
    uint64_t *l1 = alloc_page();
    CHECK_EQ("a pinned L1 (for writable page-table emulation)", set_page_ro(l1) | mmuext_pin(1, l1), 0);
    db_begin(DB_CLEAR_TF);
    asm volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\tmovq $0, 8(%0)\n\tss_ptwr_after: nop"
                 :
                 : "r"(l1)
                 : "memory", "cc");
    db_end();
    CHECK("emulated page-table write with TF: one #DB after it, DR6 left at 0xffff0ff0 (Xen)",
          ndb == 1 && dbs[0].rip == (uint64_t)ss_ptwr_after && dbs[0].dr6 == DR6_DEFAULT);
    mmuext_unpin(l1);
    set_page_rw(l1);
}

/* ------------------------------------------------------------------------------ */
static void test_io_breakpoints(void)
{
    section("I/O breakpoints (CR4.DE, emulated port I/O)");
    uint64_t cr4 = 0;
    TRY_ASM("mov %%cr4, %0", : "=r"(cr4));
    TRY_ASM("mov %0, %%cr4", : : "r"(cr4 | 8));
    struct physdev_set_iopl io = { .iopl = 1 };
    CHECK_EQ("PHYSDEVOP_set_iopl(1) = 0", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &io), 0);
    HYPERVISOR_set_debugreg(0, 0x80);
    CHECK_EQ("DR7 = L0 I/O len 1 on port 0x80 = 0", HYPERVISOR_set_debugreg(7, 0x20001), 0);
    db_begin(DB_CLEAR_TF);
    asm volatile("outb %%al, $0x80\n\tio80_after: nop" : : "a"(0) : "memory");
    CHECK("outb to port 0x80: one #DB after the instruction", ndb == 1 && dbs[0].rip == (uint64_t)io80_after);
    CHECK_EQ("... DR6 = 0xffff0ff1", dbs[0].dr6, 0xffff0ff1UL);
    asm volatile("outb %%al, $0x81" : : "a"(0) : "memory");
    CHECK_EQ("outb to port 0x81: no #DB", ndb, 1);
    asm volatile("outw %%ax, %%dx\n\tio7f_after: nop" : : "a"(0), "d"(0x7f) : "memory");
    CHECK("outw to 0x7f (covers 0x80): one #DB",
          ndb == 2 && dbs[1].rip == (uint64_t)io7f_after && dbs[1].dr6 == 0xffff0ff1UL);
    db_end();
    TRY_ASM("mov %0, %%cr4", : : "r"(cr4 & ~8UL));
    io.iopl = 0;
    HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &io);
}

/* ------------------------------------------------------------------------------ */
/* MOV SS shadow: the #DB of the SS load is held back one instruction; if
 * that is syscall or int, hardware delivers it inside the hypervisor. */
static volatile uint16_t ss_word __attribute__((aligned(8))) = FLAT_KERNEL_SS;
static uint64_t popstack[1024] __attribute__((aligned(16))); /* the #BP frame and handler run on it */
extern char movss_syscall[], movss_int80[], popss_int3[], movss_int81[];

static bool sane_db(const struct dbrec *d, uint64_t rip, uint64_t dr6)
{
    return d->rip == rip && d->dr6 == dr6;
}

static long xen_version_after_movss(bool tf)
{
    long ret = __HYPERVISOR_xen_version, a1 = XENVER_version, a2 = 0;
    if (tf)
        asm volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\t"
                     "mov %[w], %%ss\n\tsyscall\n\tnop\n\tnop"
                     : "+a"(ret), "+D"(a1), "+S"(a2)
                     : [w] "m"(ss_word)
                     : "rcx", "r11", "rdx", "r10", "r8", "memory", "cc");
    else
        asm volatile("mov %[w], %%ss\n"
                     "movss_syscall: syscall"
                     : "+a"(ret), "+D"(a1), "+S"(a2)
                     : [w] "m"(ss_word)
                     : "rcx", "r11", "rdx", "r10", "r8", "memory");
    return ret;
}

#define DR7_RW2(n) ((1u << (2 * (n))) | (3u << (16 + 4 * (n))) | (1u << (18 + 4 * (n)))) /* Ln rw len 2 */

static void test_movss(void)
{
    section("MOV SS + syscall with a watchpoint on the SS load");
    HYPERVISOR_set_debugreg(0, &ss_word);
    db_begin(DB_CLEAR_TF);
    HYPERVISOR_set_debugreg(7, DR7_RW2(0));
    long ret = xen_version_after_movss(false);
    HYPERVISOR_set_debugreg(7, 0);
    db_end();
    printf("# MOV SS + syscall: %u #DB delivered to the guest\n", ndb);
    check_result("the hypercall completed: xen_version = 0x40011", ret == 0x40011, "got 0x%lx", ret);
    check_result("no #DB (hardware) or one at the syscall with DR6 0xffff0ff1 (TCG)",
                 ndb == 0 || (ndb == 1 && sane_db(&dbs[0], (uint64_t)movss_syscall, 0xffff0ff1UL)),
                 "%u #DB, rip 0x%lx dr6 0x%lx", ndb, (unsigned long)dbs[0].rip, (unsigned long)dbs[0].dr6);

    section("MOV SS + int $0x80 / int $0x81, MOV SS from the stack + int3, with watchpoints");
    HYPERVISOR_set_debugreg(0, &ss_word);
    db_begin(DB_CLEAR_TF);
    HYPERVISOR_set_debugreg(7, DR7_RW2(0));
    unsigned n = TRY_ASM("mov %[w], %%ss\n\tmovss_int80: int $0x80", : : [w] "m"(ss_word));
    CHECK("int $0x80 after MOV SS delivered as vector 0x80", n - ndb == 1 && last_trap.vector == 0x80);
    check_result("... with no #DB, or one at the int with DR6 0xffff0ff1",
                 ndb == 0 || (ndb == 1 && sane_db(&dbs[0], (uint64_t)movss_int80, 0xffff0ff1UL)),
                 "%u #DB, rip 0x%lx dr6 0x%lx", ndb, (unsigned long)dbs[0].rip, (unsigned long)dbs[0].dr6);
    ndb = 0;
    n = TRY_ASM("mov %[w], %%ss\n\tmovss_int81: int $0x81", : : [w] "m"(ss_word));
    CHECK("int $0x81 (DPL 0) after MOV SS: #GP", n - ndb == 1 && last_trap.vector == 13);
    check_result("... with no #DB, or one at the int",
                 ndb == 0 || (ndb == 1 && sane_db(&dbs[0], (uint64_t)movss_int81, 0xffff0ff1UL)),
                 "%u #DB, rip 0x%lx dr6 0x%lx", ndb, (unsigned long)dbs[0].rip, (unsigned long)dbs[0].dr6);
    HYPERVISOR_set_debugreg(7, 0);
    ndb = 0;
    nbp = 0;
    accept_bp = true;
    popstack[1000] = FLAT_KERNEL_SS;
    HYPERVISOR_set_debugreg(1, &popstack[1000]);
    HYPERVISOR_set_debugreg(7, 0x4 | (3 << 20) | (2 << 22)); /* L1 rw len 8 on the stack slot */
    asm volatile("mov %%rsp, %%rbx\n\tmov %0, %%rsp\n\tmov (%%rsp), %%ss\n\tint3\n"
                 "popss_int3:\n\tmov %%rbx, %%rsp"
                 :
                 : "r"(&popstack[1000])
                 : "rbx", "memory");
    HYPERVISOR_set_debugreg(7, 0);
    accept_bp = false;
    CHECK_EQ("int3 after MOV SS from a watched stack slot delivered as one #BP", nbp, 1);
    check_result("... with no #DB, or one at the int3 with DR6 0xffff0ff2",
                 ndb == 0 || (ndb == 1 && sane_db(&dbs[0], (uint64_t)popss_int3 - 1, 0xffff0ff2UL)),
                 "%u #DB, rip 0x%lx dr6 0x%lx", ndb, (unsigned long)dbs[0].rip, (unsigned long)dbs[0].dr6);
    db_end();

    section("MOV SS + syscall with RFLAGS.TF");
    db_begin(DB_CLEAR_TF);
    ret = xen_version_after_movss(true);
    db_end();
    check_result("the hypercall completed: xen_version = 0x40011", ret == 0x40011, "got 0x%lx", ret);
    bool all_bs = ndb >= 1 && ndb <= 2;
    for (unsigned i = 0; i < ndb && i < ARRAY_SIZE(dbs); i++)
        all_bs &= dbs[i].dr6 == (DR6_DEFAULT | DR6_BS);
    check_result("every #DB the guest got is a single step (DR6 0xffff4ff0), one or two of them", all_bs,
                 "%u #DB, first rip 0x%lx dr6 0x%lx", ndb, (unsigned long)dbs[0].rip,
                 (unsigned long)dbs[0].dr6);
}

/* ------------------------------------------------------------------------------ */
/* Guest user mode: single step, a watchpoint on user data, cli under the virtual IOPL. */
extern char user_prog[], user_step_after[], user_store_after[], user_cli[], user_exit[];
asm(".section .text.user, \"ax\"\n"
    "user_prog:\n\t"
    "pushfq\n\t"
    "orq $0x100, (%rsp)\n\t"
    "popfq\n\t"
    "nop\n"
    "user_step_after:\n\t"
    "movq $7, 0x410100\n"
    "user_store_after:\n\t"
    "nop\n"
    "user_cli:\n\t"
    "cli\n\t"
    "nop\n"
    "user_exit:\n\t"
    "ud2\n"
    ".previous\n");
#define UVA(sym) (USER_CODE_VA + ((uint64_t)(sym) - (uint64_t)_user_start))

struct uev {
    uint64_t vector, ec, rip, cs, dr6;
};
static struct uev uevs[8];
static unsigned nuev;
static struct kjmp user_jmp;

static bool user_hook(struct pv_regs *r)
{
    if ((last_trap.cs & 3) != 3) return false;
    uint64_t *rip = &r->frame[r->has_ec ? 3 : 2];
    if (nuev < ARRAY_SIZE(uevs))
        uevs[nuev++] =
            (struct uev){ r->vector, last_trap.ec, *rip, last_trap.cs, r->vector == 1 ? get_dr(6) : 0 };
    if (r->vector == 1) {
        HYPERVISOR_set_debugreg(6, 0);
        r->frame[4] &= ~TF;
        return true;
    }
    if (r->vector == 13 && *rip == UVA(user_cli)) {
        *rip += 1;
        return true;
    }
    vcpu0->evtchn_upcall_mask = 1;
    klongjmp(&user_jmp, 1);
}

static uint64_t *user_data;

static void run_user(uint64_t rflags)
{
    nuev = 0;
    memset(uevs, 0, sizeof(uevs));
    trap_hook = user_hook;
    uint64_t frame[9] = {
        0, 0, 0, 0, UVA(user_prog), FLAT_USER_CS, rflags, USER_DATA_VA + 0x800, FLAT_USER_SS
    };
    if (ksetjmp(&user_jmp) == 0) iret_to(frame);
    trap_hook = NULL;
    vcpu0->evtchn_upcall_mask = 1;
}

static bool user_setup(void)
{
    unsigned failed = checks_failed;
    user_data = alloc_page();
    user_space_init(user_data);
    CHECK_EQ("stack_switch to the trap stack",
             HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (uint64_t)trap_stack + sizeof(trap_stack)), 0);
    return checks_failed == failed;
}

static struct uev *find_uev(uint64_t vector, uint64_t rip)
{
    static struct uev none = { .vector = ~0UL };
    for (unsigned i = 0; i < nuev; i++)
        if (uevs[i].vector == vector && uevs[i].rip == rip) return &uevs[i];
    return &none;
}

static void test_user(void)
{
    section("guest user mode: single step and a data watchpoint");
    if (!user_setup()) return;
    HYPERVISOR_set_debugreg(0, USER_DATA_VA + 0x100);
    HYPERVISOR_set_debugreg(7, 0x1 | (1 << 16) | (2 << 18)); /* L0 write len 8 */
    run_user(0x202);
    dr_reset();
    for (unsigned i = 0; i < nuev; i++)
        printf("# user event %u: vector 0x%lx rip 0x%lx dr6 0x%lx\n", i, (unsigned long)uevs[i].vector,
               (unsigned long)uevs[i].rip, (unsigned long)uevs[i].dr6);
    struct uev *e = find_uev(1, UVA(user_step_after));
    CHECK_EQ("user single step: #DB after the nop", e->vector, 1);
    CHECK_EQ("... CS 0xe033 (from user mode)", e->cs, 0xe033);
    CHECK_EQ("... DR6 = 0xffff4ff0", e->dr6, DR6_DEFAULT | DR6_BS);
    e = find_uev(1, UVA(user_store_after));
    CHECK_EQ("user store to a watched user address: #DB after it", e->vector, 1);
    CHECK_EQ("... DR6 = 0xffff0ff1", e->dr6, 0xffff0ff1UL);
    CHECK_EQ("... the store happened", user_data[0x20], 7);
    e = find_uev(13, UVA(user_cli));
    CHECK("user cli with virtual IOPL 0: #GP(0)", e->vector == 13 && e->ec == 0);
    CHECK_EQ("exactly 4 user events (2 #DB, #GP, #UD at the end)", nuev, 4);
}

/* ------------------------------------------------------------------------------ */
static void test_vm_assist(void)
{
    section("vm_assist: every type");
    static const struct {
        unsigned type;
        long rc;
    } t[] = {
        { VMASST_TYPE_4gb_segments, 0 },
        { VMASST_TYPE_4gb_segments_notify, 0 },
        { VMASST_TYPE_writable_pagetables, 0 },
        { VMASST_TYPE_pae_extended_cr3, 0 },
        { VMASST_TYPE_architectural_iopl, 0 },
        { VMASST_TYPE_runstate_update_flag, 0 },
        { 6, -XEN_EINVAL },
        { 7, -XEN_EINVAL },
        { 31, -XEN_EINVAL },
        { VMASST_TYPE_m2p_strict, 0 },
        { 33, -XEN_EINVAL },
        { 63, -XEN_EINVAL },
        { 64, -XEN_EINVAL },
        { 0xffffffffu, -XEN_EINVAL },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
        char name[80];
        snprintf(name, sizeof(name), "vm_assist(enable, %u) = %ld", t[i].type, t[i].rc);
        CHECK_EQ(name, HYPERVISOR_vm_assist(VMASST_CMD_enable, t[i].type), t[i].rc);
        snprintf(name, sizeof(name), "vm_assist(disable, %u) = %ld", t[i].type, t[i].rc);
        CHECK_EQ(name, HYPERVISOR_vm_assist(VMASST_CMD_disable, t[i].type), t[i].rc);
    }
    CHECK_EQ("vm_assist(cmd 2, valid type 0) = -ENOSYS", HYPERVISOR_vm_assist(2, 0), -XEN_ENOSYS);
    CHECK_EQ("vm_assist(cmd 2, invalid type 40) = -EINVAL (type checked first)", HYPERVISOR_vm_assist(2, 40),
             -XEN_EINVAL);
}

/* The IOPL field of a bounce frame's RFLAGS (int3 from kernel mode). */
static uint64_t frame_iopl(void)
{
    TRY_ASM("int3");
    return last_trap.rflags & 0x3000;
}

static bool cli_traps(void) { return TRY_ASM("cli") != 0; }

static long set_iopl(unsigned l)
{
    struct physdev_set_iopl io = { .iopl = l };
    return HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &io);
}

/* iret to guest kernel mode (CS RPL 0) with the given RFLAGS (IOPL bits included). */
static struct kjmp iret_jmp;
static uint64_t iret_stack[512] __attribute__((aligned(16)));
static void iret_landing(void) { klongjmp(&iret_jmp, 1); }
static void iret_rflags(uint64_t rflags)
{
    uint64_t frame[9] = { 0,
                          0,
                          0,
                          0,
                          (uint64_t)iret_landing,
                          FLAT_KERNEL_CS & ~3,
                          rflags,
                          (uint64_t)&iret_stack[500],
                          FLAT_KERNEL_SS };
    if (ksetjmp(&iret_jmp) == 0) iret_to(frame);
    vcpu0->evtchn_upcall_mask = 1;
}

static void test_iopl(void)
{
    section("virtual IOPL without architectural_iopl");
    CHECK_EQ("PHYSDEVOP_set_iopl(4) = -EINVAL", set_iopl(4), -XEN_EINVAL);
    CHECK_EQ("set_iopl(0) = 0", set_iopl(0), 0);
    CHECK("kernel cli with IOPL 0: #GP", cli_traps() && last_trap.vector == 13 && last_trap.ec == 0);
    set_iopl(1);
    CHECK("kernel cli with IOPL 1 (kernel counts as ring 1): allowed", !cli_traps());
    set_iopl(3);
    CHECK_EQ("bounce frame RFLAGS.IOPL stays 0 with virtual IOPL 3", frame_iopl(), 0);
    set_iopl(0);
    iret_rflags(0x3002);
    CHECK("iret with IOPL 3 does not change the virtual IOPL (cli still #GP)", cli_traps());

    section("virtual IOPL with architectural_iopl");
    CHECK_EQ("vm_assist(enable, architectural_iopl) = 0",
             HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_architectural_iopl), 0);
    CHECK("kernel cli with IOPL 0: allowed (kernel counts as ring 0)", !cli_traps());
    CHECK_EQ("bounce frame RFLAGS.IOPL = 0", frame_iopl(), 0);
    set_iopl(2);
    CHECK_EQ("after set_iopl(2): bounce frame RFLAGS.IOPL = 2", frame_iopl(), 0x2000);
    iret_rflags(0x3002);
    CHECK_EQ("iret with IOPL 3 sets it: bounce frame RFLAGS.IOPL = 3", frame_iopl(), 0x3000);
    iret_rflags(0x1002);
    CHECK_EQ("iret with IOPL 1: bounce frame RFLAGS.IOPL = 1", frame_iopl(), 0x1000);
    if (user_data) {
        run_user(0x3202); /* to user mode with IOPL 3 */
        CHECK("user cli with IOPL 3 (from iret): allowed",
              find_uev(13, UVA(user_cli))->vector == ~0UL && find_uev(6, UVA(user_exit))->vector == 6);
        run_user(0x202);
        CHECK("user cli with IOPL 0 (from iret): #GP", find_uev(13, UVA(user_cli))->vector == 13);
        HYPERVISOR_set_debugreg(7, 0);
    }
    CHECK_EQ("vm_assist(disable, architectural_iopl) = 0",
             HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_architectural_iopl), 0);
    set_iopl(1);
    CHECK_EQ("assist off again: bounce frame RFLAGS.IOPL = 0", frame_iopl(), 0);
    CHECK("assist off, IOPL 1: kernel cli allowed", !cli_traps());
    set_iopl(0);
    CHECK("assist off, IOPL 0: kernel cli #GP", cli_traps());
}

static void test_runstate_flag(void)
{
    section("runstate_update_flag");
    static struct vcpu_runstate_info area __attribute__((aligned(64)));
    struct vcpu_register_runstate_memory_area a = { .addr.v = &area };
    CHECK_EQ("vm_assist(enable, runstate_update_flag) = 0",
             HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag), 0);
    CHECK_EQ("register_runstate_memory_area = 0",
             HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &a), 0);
    for (unsigned i = 0; i < 5; i++)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    struct vcpu_runstate_info info;
    HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, &info);
    CHECK_EQ("area: state running", area.state, RUNSTATE_running);
    CHECK_EQ("area: XEN_RUNSTATE_UPDATE clear once the update is done",
             area.state_entry_time & XEN_RUNSTATE_UPDATE, 0);
    CHECK("area: state_entry_time set and not after get_runstate_info's",
          area.state_entry_time && area.state_entry_time <= info.state_entry_time);
    a.addr.v = NULL;
    HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &a);
    CHECK_EQ("vm_assist(disable, runstate_update_flag) = 0",
             HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_runstate_update_flag), 0);
}

/* Linux's sync_core(): a native iretq to itself from guest kernel mode (ring 3); and
 * a far return (QEMU's TCG with SMAP gets both wrong, the hypervisor completes them). */
static void test_native_iretq(void)
{
    section("native iretq and lretq in guest kernel mode (Linux's sync_core)");
    uint64_t after = 0;
    unsigned n = TRY_ASM("mov %%ss, %%eax\n\tpush %%rax\n\tpush %%rsp\n\taddq $8, (%%rsp)\n\tpushfq\n\t"
                         "mov %%cs, %%eax\n\tpush %%rax\n\tlea 1f(%%rip), %%rax\n\tpush %%rax\n\tiretq\n"
                         "1:\tmov $1, %0",
                         : "=r"(after)
                         :
                         : "rax", "memory");
    CHECK("iretq to the same CS/SS returns to the next instruction, no trap", n == 0 && after == 1);
    after = 0;
    n = TRY_ASM("mov %%cs, %%eax\n\tpush %%rax\n\tlea 1f(%%rip), %%rax\n\tpush %%rax\n\tlretq\n"
                "1:\tmov $1, %0",
                : "=r"(after)
                :
                : "rax", "memory");
    CHECK("lretq to the same CS returns to the next instruction, no trap", n == 0 && after == 1);
}

void test_main(void)
{
    dr_reset();
    test_native_iretq();
    test_set_get();
    test_breakpoints();
    test_single_step();
    test_io_breakpoints();
    test_movss();
    test_user();
    test_vm_assist();
    test_iopl();
    test_runstate_flag();
    dr_reset();
}
