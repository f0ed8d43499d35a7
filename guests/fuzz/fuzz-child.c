/* fuzz-child: an unprivileged PV kernel that attacks the hypervisor with random
 * input, seeded and bounded ("seed=S iters=N secs=T sibling=D" on its command
 * line): hypercalls of every number and sub-op with random counts, lengths and
 * pointers (its own scratch memory, a read-only page, unmapped and
 * non-canonical addresses, the hypervisor's range), random page-table writes
 * (mmu_update, update_va_mapping, writes trapped by writable page tables),
 * event-channel and grant operations against itself and a sibling, privileged
 * instructions and exceptions from kernel mode.  State the runtime depends on
 * (trap table, callbacks, kernel stack, its own mappings) is kept out of reach
 * or put back after each call, so a run lasts; the hypervisor must survive
 * whatever happens.  At the end it prints what it ran:
 *   fuzz: seed S execs N ms T
 *   fuzz-hc: seed S nr:calls/answered ...   (answered: a result other than -ENOSYS)
 * and powers off. */
#include "lib.h"
#include <xen/grant_table.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/callback.h>
#include <xen/physdev.h>

#define NR_HC       64
#define UNMAPPED_VA 0x0000100000000000UL
#define HV_VA       0xffff830000000000UL
#define NONCANON_VA 0x0000800000000000UL
#define N_SCRATCH   24
#define N_VICTIM    8
#define N_PT        4

/* Hypercall buffers (anything goes), then a page left unmapped: what runs off
 * the end faults instead of reaching the runtime's variables. */
static struct {
    char page[N_SCRATCH][4096];
    char guard[4096];
} arena ALIGNED_PAGE;
#define scratch arena.page
static char victim[N_VICTIM][4096] ALIGNED_PAGE; /* mappings the fuzzer changes; never read directly */
static char ptpages[N_PT][4096] ALIGNED_PAGE;    /* read-only: candidates for page tables */
static char ro_page[4096] ALIGNED_PAGE;
static char text_buf[80];

static uint64_t rng;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }
static bool chance(unsigned pct) { return below(100) < pct; }

static uint64_t pool[N_SCRATCH + N_VICTIM + N_PT + 1]; /* frames it may name */
static unsigned n_pool;
static uint64_t victim_pte_ma[N_VICTIM]; /* L1 slots mapping the victims */
static uint64_t victim_mfn[N_VICTIM];
static domid_t self_id, sibling;
static uint64_t calls[NR_HC], served[NR_HC];
static uint64_t execs;

/* A frame of ours outside the pool: its code, data, stack or page tables. */
static bool ours_unsafe(uint64_t mfn)
{
    uint64_t pfn;
    if (!m2p_read(mfn, &pfn) || pfn >= start_info->nr_pages || p2m[pfn] != mfn) return false;
    for (unsigned i = 0; i < n_pool; i++)
        if (pool[i] == mfn) return false;
    return true;
}

/* Frames: mostly the pool, else anybody's but never our own others. */
static uint64_t any_mfn(void)
{
    if (chance(85)) return pool[below(n_pool)];
    uint64_t m = chance(50) ? below(1UL << 20) : rnd();
    return ours_unsafe(m & ((1UL << 40) - 1)) ? pool[0] : m;
}

static uint64_t any_int(void)
{
    static const uint64_t v[] = {
        0,      1,        2,        3,      4,          7,          8,          16,
        31,     32,       63,       64,     255,        256,        511,        512,
        1023,   4095,     4096,     4097,   0x7fff,     0x8000,     0xffff,     0x7ff0,
        0x7ff1, 0x7ff2,   0x7ff4,   0x7ffe, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000UL,
        ~0UL,   ~0UL - 1, 1UL << 63
    };
    switch (below(6)) {
    case 0:
        return v[below(ARRAY_SIZE(v))];
    case 1:
        return below(16);
    case 2:
        return below(4096);
    case 3:
        return any_mfn();
    case 4:
        return (uint32_t)rnd();
    default:
        return rnd();
    }
}

/* A pointer for an argument or a field: mostly into scratch (at any offset,
 * including the last bytes of a page), else somewhere that must be refused. */
static uint64_t any_ptr(void)
{
    switch (below(12)) {
    case 0:
        return 0;
    case 1:
        return (uint64_t)ro_page + below(4096);
    case 2:
        return UNMAPPED_VA + below(1UL << 30);
    case 3:
        return HV_VA + (below(1UL << 32) & ~7UL);
    case 4:
        return NONCANON_VA + below(1UL << 40);
    case 5:
        return (uint64_t)victim[below(N_VICTIM)] + below(4096);
    case 6:
        return 0xffff800000000000UL + below(1UL << 30); /* the read-only M2P */
    case 7:
        return (uint64_t)arena.guard - below(64);
    default:
        return (uint64_t)scratch[below(N_SCRATCH)] + (chance(50) ? 0 : below(4096));
    }
}

static uint64_t any_value(void)
{
    switch (below(4)) {
    case 0:
        return any_ptr();
    case 1:
        return (any_mfn() << 12) | below(4) | (chance(50) ? below(1UL << 12) & ~3UL : 0);
    case 2:
        return (any_mfn() << 12) | (rnd() & 0x8000000000000fffUL); /* a PTE */
    default:
        return any_int();
    }
}

/* Fill scratch with values the handlers will take for counts, frames, PTEs and
 * pointers. */
static void fill_scratch(unsigned pages)
{
    for (unsigned p = 0; p < pages; p++) {
        unsigned page = below(N_SCRATCH);
        uint64_t *q = (uint64_t *)scratch[page];
        for (unsigned i = 0; i < 512; i++)
            q[i] = chance(70) ? any_value() : rnd();
    }
}

/* The L1 slots of the victims: what page-table writes aim at, besides frames
 * that are not page tables of ours. */
static uint64_t any_pt_target(void)
{
    if (chance(40)) return victim_pte_ma[below(N_VICTIM)];
    return (any_mfn() << 12) | (below(512) << 3) | (chance(10) ? below(8) : 0);
}

/* ---- hypercalls ---- */

static volatile unsigned last_kind, last_case;
static volatile uint64_t last_nr, last_a0, last_a1, last_a2;

static uint64_t cur_l4_mfn;

/* An address whose mapping nothing of ours depends on. */
static bool harmless_va(uint64_t va)
{
    return va == 0 || (va >= 0xffff800000000000UL && va < 0xffff880000000000UL) ||
           (va >= 0x0000800000000000UL && va < 0xffff800000000000UL) ||
           (va >= UNMAPPED_VA && va < UNMAPPED_VA + (1UL << 40)) ||
           (va >= (uint64_t)victim[0] && va < (uint64_t)victim[N_VICTIM]);
}

/* Keep the fuzzer alive: no call may take away what the runtime stands on. */
static void sanitize(long nr, uint64_t *a)
{
    switch (nr) {
    case __HYPERVISOR_sched_op:
        a[0] = (uint32_t)a[0]; /* int cmd */
        if (a[0] == SCHEDOP_shutdown || a[0] == SCHEDOP_block || a[0] == SCHEDOP_watchdog)
            a[0] = SCHEDOP_yield;
        if (a[0] == SCHEDOP_poll && a[1] >= (uint64_t)scratch[0] && a[1] < (uint64_t)scratch[N_SCRATCH]) {
            struct sched_poll *p = (struct sched_poll *)a[1];
            if ((uint64_t)(p + 1) <= (uint64_t)scratch[N_SCRATCH])
                p->timeout = 1; /* in the past: returns at once */
        } else if (a[0] == SCHEDOP_poll) {
            a[1] = UNMAPPED_VA;
        }
        break;
    case __HYPERVISOR_sched_op_compat:
        if (a[0] != SCHEDOP_yield) a[0] = 99;
        break;
    case __HYPERVISOR_vcpu_op:
        if (((uint32_t)a[0] == VCPUOP_down && (uint32_t)a[1] == 0) ||
            (uint32_t)a[0] == VCPUOP_register_vcpu_info) /* both are unsigned int */
            a[0] = VCPUOP_is_up;
        break;
    case __HYPERVISOR_update_va_mapping:
        if (!harmless_va(a[0])) a[0] = (uint64_t)victim[below(N_VICTIM)] + (chance(5) ? below(4096) : 0);
        break;
    case __HYPERVISOR_console_io:
        /* Our memory holds binary garbage: print text only, a line at most. */
        if (a[1] > sizeof(text_buf)) a[1] = below(sizeof(text_buf));
        if (chance(50))
            a[2] = (uint64_t)text_buf;
        else if (!harmless_va(a[2]) || (a[2] >= (uint64_t)victim[0] && a[2] < (uint64_t)victim[N_VICTIM]))
            a[2] = UNMAPPED_VA;
        break;
    case __HYPERVISOR_iret:
        a[5] = 1; /* never: it would return to garbage */
        break;
    }
}

/* Fix the fields of a buffer that would hit the runtime's own state. */
static void sanitize_buffer(long nr, uint64_t cmd, uint64_t buf, uint64_t count)
{
    if (buf < (uint64_t)scratch[0] || buf >= (uint64_t)scratch[N_SCRATCH]) return;
    uint64_t end = (uint64_t)scratch[N_SCRATCH];
    if (nr == __HYPERVISOR_mmuext_op) {
        for (struct mmuext_op *o = (void *)buf; (uint64_t)(o + 1) <= end && count--; o++)
            if (o->cmd == MMUEXT_NEW_BASEPTR || o->cmd == MMUEXT_NEW_USER_BASEPTR || o->cmd == MMUEXT_SET_LDT)
                o->arg1.mfn = o->cmd == MMUEXT_NEW_BASEPTR ? cur_l4_mfn : chance(50) ? 0 : o->arg1.mfn;
    } else if (nr == __HYPERVISOR_mmu_update) {
        for (struct mmu_update *u = (void *)buf; (uint64_t)(u + 1) <= end && count--; u++)
            if ((u->ptr & 3) != MMU_MACHPHYS_UPDATE && chance(80)) u->ptr = any_pt_target() | (u->ptr & 3);
    } else if (nr == __HYPERVISOR_grant_table_op &&
               (cmd == GNTTABOP_map_grant_ref || cmd == GNTTABOP_unmap_and_replace)) {
        for (struct gnttab_map_grant_ref *m = (void *)buf; (uint64_t)(m + 1) <= end && count--; m++)
            if (!harmless_va(m->host_addr)) m->host_addr = (uint64_t)victim[below(N_VICTIM)];
    } else if (nr == __HYPERVISOR_event_channel_op || nr == __HYPERVISOR_grant_table_op) {
        /* Aim domain ids at ourselves, the sibling, the parent or nobody. */
        uint16_t *w = (uint16_t *)buf;
        static const domid_t ids[] = { DOMID_SELF, 0, 0x7ff1, 0x7fff, 1000 };
        for (unsigned i = 0; i < 8 && (uint64_t)(w + i + 1) <= end; i++)
            if (chance(30))
                w[i] = chance(50) ? (chance(50) ? self_id : sibling) : ids[below(ARRAY_SIZE(ids))];
    }
}

static long sub_op(long nr)
{
    switch (nr) {
    case __HYPERVISOR_memory_op:
        return below(32) | (chance(10) ? below(64) << 6 : 0);
    case __HYPERVISOR_event_channel_op:
    case __HYPERVISOR_grant_table_op:
    case __HYPERVISOR_vcpu_op:
    case __HYPERVISOR_sched_op:
    case __HYPERVISOR_xen_version:
    case __HYPERVISOR_physdev_op:
    case __HYPERVISOR_callback_op:
    case __HYPERVISOR_vm_assist:
    case __HYPERVISOR_console_io:
    case __HYPERVISOR_set_segment_base:
    case __HYPERVISOR_set_debugreg:
    case __HYPERVISOR_get_debugreg:
        return chance(95) ? below(24) : any_int();
    default:
        return any_value();
    }
}

static void gen_call(long *nr, uint64_t *a)
{
    *nr = chance(95) ? (long)below(40) : chance(50) ? (long)below(NR_HC) : (long)any_int();
    a[0] = sub_op(*nr);
    for (unsigned i = 1; i < 6; i++)
        a[i] = chance(60) ? any_ptr() : any_int();
    if (*nr == __HYPERVISOR_mmu_update || *nr == __HYPERVISOR_mmuext_op) {
        a[0] = any_ptr();
        a[1] = chance(80) ? below(64) : any_int();
        a[3] = chance(80) ? DOMID_SELF : any_int();
    } else if (*nr == __HYPERVISOR_grant_table_op || *nr == __HYPERVISOR_multicall) {
        a[2] = chance(80) ? below(64) : any_int();
    } else if (*nr == __HYPERVISOR_update_va_mapping) {
        a[0] = (uint64_t)victim[below(N_VICTIM)];
        a[1] = chance(70) ? ((any_mfn() << 12) | (rnd() & 0x8000000000000fffUL)) : any_value();
        a[2] = chance(50) ? below(4) : any_value();
    }
    sanitize(*nr, a);
}

/* The runtime's trap table: a random one leaves entries for vectors the
 * runtime does not name (set_trap_table installs entry by entry), so clear
 * the table first. */
static void traps_reset(void)
{
    HYPERVISOR_set_trap_table(NULL);
    traps_init();
}

static void restore_runtime(long nr)
{
    switch (nr) {
    case __HYPERVISOR_multicall:
        traps_reset();
        HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (uint64_t)trap_stack + sizeof(trap_stack));
        HYPERVISOR_set_debugreg(7, 0x400);
        HYPERVISOR_fpu_taskswitch(0);
        break;
    case __HYPERVISOR_set_trap_table:
    case __HYPERVISOR_set_callbacks:
    case __HYPERVISOR_callback_op:
        traps_reset();
        break;
    case __HYPERVISOR_stack_switch:
        HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (uint64_t)trap_stack + sizeof(trap_stack));
        break;
    case __HYPERVISOR_set_debugreg:
        HYPERVISOR_set_debugreg(7, 0x400);
        break;
    case __HYPERVISOR_fpu_taskswitch:
        HYPERVISOR_fpu_taskswitch(0);
        break;
    }
}

static void count_call(long nr, long rc)
{
    if (nr >= 0 && nr < NR_HC) {
        calls[nr]++;
        served[nr] += rc != -XEN_ENOSYS;
    }
}

static void one_hypercall(void)
{
    long nr;
    uint64_t a[6];
    gen_call(&nr, a);
    if (nr == __HYPERVISOR_multicall && a[0] >= (uint64_t)scratch[0] && a[0] < (uint64_t)scratch[N_SCRATCH]) {
        /* A list of sanitized calls (a random one could hold an iret). */
        multicall_entry_t *mc = (multicall_entry_t *)((a[0] & ~4095UL));
        unsigned n = (unsigned)below(12);
        for (unsigned i = 0; i < n; i++) {
            long enr;
            gen_call(&enr, mc[i].args);
            if (enr == __HYPERVISOR_iret || enr == __HYPERVISOR_set_trap_table ||
                enr == __HYPERVISOR_callback_op || enr == __HYPERVISOR_set_callbacks ||
                enr == __HYPERVISOR_stack_switch)
                enr = __HYPERVISOR_xen_version;
            mc[i].op = (uint64_t)enr;
            mc[i].result = 0;
            sanitize_buffer(enr, mc[i].args[0], mc[i].args[1], mc[i].args[2]);
            sanitize_buffer(enr, mc[i].args[0], mc[i].args[0], mc[i].args[1]);
        }
        a[0] = (uint64_t)mc;
        a[1] = n;
    }
    sanitize_buffer(nr, a[0], a[1], a[2]);
    sanitize_buffer(nr, a[0], a[0], a[1]);
    if (nr == __HYPERVISOR_iret) return;
    last_nr = (uint64_t)nr, last_a0 = a[0], last_a1 = a[1], last_a2 = a[2];
    if (nr == __HYPERVISOR_set_callbacks || nr == __HYPERVISOR_callback_op || nr == __HYPERVISOR_multicall ||
        nr == __HYPERVISOR_set_trap_table || nr == __HYPERVISOR_stack_switch)
        vcpu0->evtchn_upcall_mask = 1; /* no upcall to a random callback before restore_runtime() */
    long rc = hypercall(nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4]);
    count_call(nr, rc);
    restore_runtime(nr);
}

/* ---- page-table writes through the writable-page-table trap ---- */

static void pt_write(void)
{
    uint64_t val = chance(60) ? ((any_mfn() << 12) | (rnd() & 0x8000000000000fffUL)) : any_value();
    unsigned i = (unsigned)below(N_VICTIM);
    uint64_t *slot = pte_ptr((uint64_t)victim[i]);
    if (chance(30)) slot = (uint64_t *)ptpages[below(N_PT)] + below(512); /* maybe a table, maybe not */
    if (!slot) return;
    switch (below(4)) {
    case 0:
        TRY_ASM("movq %1, (%0)", : : "r"(slot), "r"(val) : "memory");
        break;
    case 1:
        TRY_ASM("xchg %1, (%0)", : : "r"(slot), "r"(val) : "memory");
        break;
    case 2:
        TRY_ASM("lock cmpxchg %1, (%0)", : : "r"(slot), "r"(val), "a"(*slot) : "memory");
        break;
    default:
        TRY_ASM("movl %k1, (%0)", : : "r"(slot), "r"(val) : "memory");
        break;
    }
}

/* ---- privileged instructions and exceptions ---- */

extern char far_target[], far_target2[];
/* Far transfers go only where 64-bit kernel code (or a fault) follows: the
 * flat kernel CS, hypervisor and data selectors, LDT selectors (no LDT). */
static uint16_t far_selector(uint64_t x)
{
    static const uint16_t sel[] = { FLAT_KERNEL_CS, FLAT_KERNEL_SS, 0xe008, 0xe010, 0, 3 };
    return chance(50) ? sel[below(ARRAY_SIZE(sel))] : (uint16_t)(x | 4);
}

static bool debug_hook(struct pv_regs *r)
{
    if (last_trap.rip < 0xffffffff80000000UL)
        printf("\n# debug: wild rip %lx after kind %u case %u nr %lu %lx %lx %lx\n",
               (unsigned long)last_trap.rip, last_kind, last_case, (unsigned long)last_nr,
               (unsigned long)last_a0, (unsigned long)last_a1, (unsigned long)last_a2);
    (void)r;
    return false;
}

__attribute__((noinline)) static void one_instruction(void)
{
    uint64_t x = any_int(), y = any_int();
    uint32_t msr =
        (uint32_t)(chance(50)
                       ? (uint64_t[]){ 0x10,       0x1b,       0x8b,       0x174,      0x175,      0x176,
                                       0x277,      0x1a0,      0xc0000080, 0xc0000081, 0xc0000082, 0xc0000084,
                                       0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103, 0x3a,       0x48,
                                       0x49,       0xe7,       0xe8,       0x6e0,      0x38f }[below(23)]
                       : rnd());
    char *p = (char *)any_ptr();
    struct {
        uint64_t off;
        uint16_t sel;
    } __attribute__((packed)) far = { (uint64_t)far_target, far_selector(x) };
    last_case = (unsigned)below(41);
    switch (last_case) {
    case 0:
        TRY_ASM("cli");
        break;
    case 1:
        TRY_ASM("sti");
        break;
    case 2:
        TRY_ASM("hlt");
        break;
    case 3:
        TRY_ASM("inb %%dx, %%al", : : "d"(x) : "rax");
        break;
    case 4:
        TRY_ASM("outb %%al, %%dx", : : "d"(x), "a"(y));
        break;
    case 5:
        TRY_ASM("inl %%dx, %%eax", : : "d"(x) : "rax");
        break;
    case 6:
        TRY_ASM("rdmsr", : : "c"(msr) : "rax", "rdx");
        break;
    case 7:
        if (msr != 0xc0000100 && msr != 0xc0000101 && msr != 0xc0000102 && msr != 0x10)
            TRY_ASM("wrmsr", : : "c"(msr), "a"(x), "d"(y));
        break;
    case 8:
        TRY_ASM("mov %%cr0, %%rax", : : : "rax");
        break;
    case 9:
        TRY_ASM("mov %%cr2, %%rax; mov %%cr3, %%rax; mov %%cr4, %%rax", : : : "rax");
        break;
    case 10:
        TRY_ASM("mov %%cr4, %%rax; xor %0, %%rax; mov %%rax, %%cr4", : : "r"(x & 0x7ff) : "rax");
        break;
    case 11:
        TRY_ASM("mov %%cr0, %%rax; xor %0, %%rax; mov %%rax, %%cr0", : : "r"(x & 0xe) : "rax");
        break;
    case 12:
        TRY_ASM("clts; wbinvd; invd");
        break;
    case 13:
        TRY_ASM("invlpg (%0)", : : "r"(p));
        break;
    case 14:
        TRY_ASM("mov %%dr7, %%rax; mov %%dr6, %%rax; mov %%dr0, %%rax", : : : "rax");
        break;
    case 15:
        TRY_ASM("mov %0, %%dr0", : : "r"(x));
        break;
    case 16:
        TRY_ASM("lgdt (%0)", : : "r"(p));
        break;
    case 17:
        TRY_ASM("lidt (%0)", : : "r"(p));
        break;
    case 18:
        TRY_ASM("lldt %w0", : : "r"(x));
        break;
    case 19:
        TRY_ASM("ltr %w0", : : "r"(x));
        break;
    case 20:
        TRY_ASM("sgdt (%0); sidt (%0); sldt %%ax; str %%ax", : : "r"(scratch[0]) : "rax", "memory");
        break;
    case 21:
        TRY_ASM("mov %w0, %%ds; mov %w0, %%es; xor %%eax, %%eax; mov %%eax, %%ds; mov %%eax, %%es",
                :
                : "r"(x)
                : "rax");
        break;
    case 22:
        TRY_ASM("mov %w0, %%fs; xor %%eax, %%eax; mov %%eax, %%fs", : : "r"(x) : "rax");
        break;
    case 23:
        TRY_ASM("lar %w0, %%eax; lsl %w0, %%eax; verr %w0; verw %w0", : : "r"(x) : "rax");
        break;
    case 24:
        TRY_ASM("mov %%rsp, %%r12; rex64 lcall *(%0)\n.globl far_target\nfar_target: mov %%r12, %%rsp",
                :
                : "r"(&far)
                : "r12", "memory");
        break;
    case 25:
        far.off = (uint64_t)far_target2;
        TRY_ASM("mov %%rsp, %%r12; rex64 ljmp *(%0)\n.globl far_target2\nfar_target2: mov %%r12, %%rsp",
                :
                : "r"(&far)
                : "r12", "memory");
        break;
    case 26:
        TRY_ASM("int3");
        break;
    case 27:
        TRY_ASM("ud2");
        break;
    case 28:
        TRY_ASM("xor %%edx, %%edx; divq %0", : : "r"(0UL), "a"(x) : "rdx");
        break;
    case 29:
        TRY_ASM("movb (%0), %%al", : : "r"(p) : "rax");
        break;
    case 30:
        TRY_ASM("movb %%al, (%0)",
                :
                : "r"(chance(50) ? p : (char *)victim[below(N_VICTIM)])
                : "rax", "memory");
        break;
    case 31:
        switch (below(8)) {
        case 0:
            TRY_ASM("int $0x0");
            break;
        case 1:
            TRY_ASM("int $0x1");
            break;
        case 2:
            TRY_ASM("int $0x3");
            break;
        case 3:
            TRY_ASM("int $0xd");
            break;
        case 4:
            TRY_ASM("int $0xe");
            break;
        case 5:
            TRY_ASM("int $0x20");
            break;
        case 6:
            TRY_ASM("int $0x82");
            break;
        default:
            TRY_ASM("int $0xff");
            break;
        }
        break;
    case 32:
        TRY_ASM("rdpmc; rdtscp", : : "c"(x) : "rax", "rdx");
        break;
    case 33:
        TRY_ASM("swapgs");
        break;
    case 34:
        TRY_ASM("xsetbv", : : "c"(0), "a"(x & 3), "d"(0));
        break;
    case 35:
        TRY_ASM("pushfq; orl $0x3000, (%%rsp); popfq; pushfq; popq %%rax", : : : "rax", "memory");
        break;
    case 36:
        TRY_ASM("movq $0, (%0)", : : "r"(ro_page + (x & 4088)) : "memory");
        break;
    case 37:
        TRY_ASM("mov %w0, %%ss", : : "r"(x));
        break;
    case 38:
        TRY_ASM("mov %%ss, %%eax; mov %%eax, %%ss; int3", : : : "rax");
        break;
    case 39: {
        /* The iret hypercall back to the next instruction, with random
         * arithmetic flags, IF and VGCF_in_syscall. */
        static uint64_t frame[9] __attribute__((aligned(16)));
        frame[0] = x;
        frame[1] = y;
        frame[2] = rnd();
        frame[3] = chance(50) ? VGCF_in_syscall : 0;
        frame[5] = FLAT_KERNEL_CS & ~3;
        frame[6] = 0x2 | (x & 0x8d5) | (chance(50) ? 0x200 : 0);
        frame[8] = FLAT_KERNEL_SS & ~3;
        asm volatile("lea 1f(%%rip), %%rax\n\t"
                     "mov %%rax, 32(%0)\n\t"
                     "mov %%rsp, 56(%0)\n\t"
                     "mov %%rsp, %%r12\n\t"
                     "mov %0, %%rsp\n\t"
                     "mov %1, %%eax\n\t"
                     "syscall\n"
                     "1: mov %%r12, %%rsp"
                     :
                     : "r"(frame), "i"(__HYPERVISOR_iret)
                     : "rax", "rcx", "r11", "r12", "memory", "cc");
        calls[__HYPERVISOR_iret]++;
        served[__HYPERVISOR_iret]++;
        break;
    }
    default:
        TRY_ASM("cpuid", : "+a"(x), "+c"(y) : : "rbx", "rdx");
        break;
    }
}

/* ---- setup ---- */

static uint64_t now_ms(void)
{
    volatile struct vcpu_time_info *t = &vcpu0->time;
    uint32_t ver;
    uint64_t st, ts, mul;
    int8_t shift;
    do {
        ver = t->version;
        barrier();
        st = t->system_time, ts = t->tsc_timestamp, mul = t->tsc_to_system_mul, shift = t->tsc_shift;
        barrier();
    } while ((ver & 1) || ver != t->version);
    uint64_t d = rdtsc() - ts;
    d = shift < 0 ? d >> -shift : d << shift;
    return (st + (uint64_t)(((unsigned __int128)d * mul) >> 32)) / 1000000;
}

void test_main(void)
{
    rng = cmdline_u("seed", 1) * 0x9e3779b97f4a7c15UL + 1;
    uint64_t iters = cmdline_u("iters", 100000), secs = cmdline_u("secs", 60);
    sibling = (domid_t)cmdline_u("sibling", 0x7ff1);
    self_id = (domid_t)cmdline_u("self", DOMID_SELF);
    for (unsigned i = 0; i < sizeof(text_buf); i++)
        text_buf[i] = (char)(' ' + i % 90);
    for (unsigned i = 0; i < N_SCRATCH; i++)
        pool[n_pool++] = va_to_mfn(scratch[i]);
    for (unsigned i = 0; i < N_VICTIM; i++) {
        victim_mfn[i] = va_to_mfn(victim[i]);
        victim_pte_ma[i] = pte_maddr((uint64_t)victim[i]);
        pool[n_pool++] = victim_mfn[i];
    }
    for (unsigned i = 0; i < N_PT; i++) {
        set_page_ro(ptpages[i]);
        pool[n_pool++] = va_to_mfn(ptpages[i]);
    }
    set_page_ro(ro_page);
    trap_hook = debug_hook;
    HYPERVISOR_update_va_mapping((uint64_t)arena.guard, 0, UVMF_INVLPG);
    pool[n_pool++] = va_to_mfn(ro_page);
    cur_l4_mfn = va_to_mfn(cur_l4);
    /* Events are unmasked now and then: the runtime's upcall handler only clears
     * evtchn_upcall_pending, so port bits are cleared here every 64 rounds. */
    uint64_t t0 = now_ms(), deadline = t0 + secs * 1000;
    printf("# fuzz: seed %lu iters %lu secs %lu\n", (unsigned long)cmdline_u("seed", 1), (unsigned long)iters,
           (unsigned long)secs);
    for (execs = 0; execs < iters; execs++) {
        if ((execs & 63) == 0) {
            if (now_ms() >= deadline) break;
            fill_scratch(4);
        }
        if ((execs & 63) == 1) {
            memset((void *)shared->evtchn_pending, 0, sizeof(shared->evtchn_pending));
            vcpu0->evtchn_pending_sel = 0;
        }
        vcpu0->evtchn_upcall_mask = !chance(20);
        unsigned what = (unsigned)below(100);
        last_kind = what;
        if (what < 70)
            one_hypercall();
        else if (what < 85)
            one_instruction();
        else
            pt_write();
    }
    uint64_t ms = now_ms() - t0;
    unsigned long seed = (unsigned long)cmdline_u("seed", 1);
    /* Short lines (the console wraps long ones), after a newline of our own:
     * the fuzzer's console writes end without one. */
    printf("\nfuzz: seed %lu execs %lu ms %lu\n", seed, (unsigned long)execs, (unsigned long)ms);
    for (unsigned i = 0; i < NR_HC; i += 8) {
        char line[200];
        int n = snprintf(line, sizeof(line), "fuzz-hc: seed %lu", seed);
        for (unsigned j = i; j < i + 8; j++)
            if (calls[j])
                n += snprintf(line + n, sizeof(line) - (size_t)n, " %u:%lu/%lu", j, (unsigned long)calls[j],
                              (unsigned long)served[j]);
        printf("%s\n", line);
    }
}
