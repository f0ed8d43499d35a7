/* conform-cont: hypercall continuations.  Long batches (100000-entry multicall,
 * mmu_update, mmuext_op; memory_op reservations; grant copy/unmap batches) are
 * restarted by the hypervisor with the remaining work when preemption is due,
 * and complete with every element done exactly once; events made pending
 * before the call are delivered in the middle of it (the upcall frame's RIP is
 * the `syscall` itself, wound back); a sub-call's continuation inside a
 * multicall continues the multicall from that entry; an iret entry ends the
 * multicall.  Reference: Xen 4.17 common/multicall.c, arch/x86/hypercall.c
 * (hypercall_create_continuation), arch/x86/pv/hypercall.c, arch/x86/mm.c
 * (do_mmu_update/do_mmuext_op), common/memory.c, common/grant_table.c. */
#include "lib.h"
#include <xen/grant_table.h>
#include <xen/vcpu.h>

#define N_BIG     100000u
#define PREEMPTED 0x80000000u

/* One big array, reused by each test (6.4 MB of .bss). */
static union {
    multicall_entry_t mc[N_BIG];
    struct mmu_update mu[N_BIG];
    struct mmuext_op mx[N_BIG];
    struct gnttab_copy gc[N_BIG / 4];
    struct gnttab_unmap_grant_ref gu[N_BIG / 4];
} big __attribute__((aligned(4096)));

/* Pages given back and taken again by the reservation tests (never touched). */
#define N_RES 256
static char res_pages[N_RES][4096] ALIGNED_PAGE;

/* ---- a hypercall whose `syscall` has a known address ---- */

/* Without a hypercall page, the long calls' own `syscall` (long_syscall); with
 * one (conform-cont-hcp), the stub for nr: a continuation re-runs its
 * `syscall` there. */
extern char long_syscall[];
static long long_nr;
__attribute__((noinline)) static long long_call(long nr, long a1, long a2, long a3, long a4)
{
    long_nr = nr;
#ifdef HCPAGE
    return hypercall_page_call(nr, a1, a2, a3, a4, 0);
#else
    register long r10 asm("r10") = a4;
    long ret;
    asm volatile(".globl long_syscall\nlong_syscall: syscall"
                 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10)
                 : "0"(nr)
                 : "rcx", "r11", "r8", "memory");
    return ret;
#endif
}

/* Was the interrupted RIP the long call's `syscall`, i.e. was it continued? */
static bool rip_in_long_call(uint64_t rip)
{
#ifdef HCPAGE
    uint64_t stub = (uint64_t)hypercall_page + (uint64_t)long_nr * 32;
    return rip >= stub && rip < stub + 32 && ((const uint8_t *)rip)[0] == 0x0f &&
           ((const uint8_t *)rip)[1] == 0x05;
#else
    return rip == (uint64_t)long_syscall;
#endif
}

/* ---- events during a call ---- */

static evtchn_port_t ipi_port, timer_port;
static volatile unsigned during, timer_during, resends;

static void clear_port(evtchn_port_t p)
{
    __atomic_and_fetch(&shared->evtchn_pending[p / 64], ~(1UL << (p % 64)), __ATOMIC_SEQ_CST);
}

static long send_port(evtchn_port_t p)
{
    struct evtchn_send s = { .port = p };
    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

/* Counts upcalls whose interrupted RIP is long_syscall (the call was continued);
 * while resends last, makes the IPI pending again at once. */
static void upcall(struct pv_regs *r)
{
    (void)r;
    bool in_call = rip_in_long_call(last_trap.rip);
    bool ipi = shared->evtchn_pending[ipi_port / 64] & (1UL << (ipi_port % 64));
    bool tmr = timer_port && (shared->evtchn_pending[timer_port / 64] & (1UL << (timer_port % 64)));
    vcpu0->evtchn_pending_sel = 0;
    if (ipi) clear_port(ipi_port);
    if (tmr) clear_port(timer_port);
    if (in_call && ipi) {
        during++;
        if (resends) {
            resends--;
            send_port(ipi_port);
        }
    }
    if (in_call && tmr) timer_during++;
}

/* Make the IPI pending with events masked, then unmask with a plain store: the
 * next hypercall finds an event to deliver at its first preemption check.  In
 * all, 1 + n upcalls interrupt the call. */
static void arm(unsigned n)
{
    vcpu0->evtchn_upcall_mask = 1;
    barrier();
    during = 0;
    resends = n;
    send_port(ipi_port);
    barrier();
    vcpu0->evtchn_upcall_mask = 0;
    barrier();
}

static void quiet(void)
{
    vcpu0->evtchn_upcall_mask = 1;
    barrier();
}

static long reservation(domid_t dom) { return HYPERVISOR_memory_op(XENMEM_current_reservation, &dom); }

/* ---- tests ---- */

static void test_multicall(void)
{
    section("multicall: 100000 entries, each done exactly once");
    /* Entry 2k gives a page back, entry 2k+1 takes one again into the same slot:
     * an entry run twice would fail (a page freed twice) or leak a page. */
    static xen_pfn_t slot;
    static struct xen_memory_reservation dec = { .nr_extents = 1, .domid = DOMID_SELF };
    static struct xen_memory_reservation inc = { .nr_extents = 1, .domid = DOMID_SELF };
    set_xen_guest_handle(dec.extent_start, &slot);
    set_xen_guest_handle(inc.extent_start, &slot);
    slot = va_to_mfn(res_pages[0]);
    CHECK_EQ("unmap the page to give back",
             HYPERVISOR_update_va_mapping((uint64_t)res_pages[0], 0, UVMF_INVLPG), 0);
    long before = reservation(DOMID_SELF);
    for (unsigned i = 0; i < N_BIG; i++) {
        big.mc[i] =
            (multicall_entry_t){ .op = __HYPERVISOR_memory_op,
                                 .result = 0x5a5a,
                                 .args = { i & 1 ? XENMEM_increase_reservation : XENMEM_decrease_reservation,
                                           (uint64_t)(i & 1 ? &inc : &dec) } };
    }
    arm(4);
    long rc = long_call(__HYPERVISOR_multicall, (long)big.mc, N_BIG, 0, 0);
    quiet();
    CHECK_EQ("multicall of 100000 = 0", rc, 0);
    unsigned bad = 0, first_bad = 0;
    for (unsigned i = 0; i < N_BIG; i++)
        if (big.mc[i].result != 1 && !bad++) first_bad = i;
    check_result("every entry's result is 1 (one extent)", bad == 0, "%u bad, first at %u (result %ld)", bad,
                 first_bad, (long)big.mc[first_bad].result);
    CHECK_EQ("reservation unchanged: no entry ran twice", reservation(DOMID_SELF), before);
    CHECK_EQ("5 upcalls interrupted the multicall (1 + 4 re-sent)", during, 5);
    /* Put a page back under res_pages[0] (slot holds the last frame taken). */
    struct mmu_update m2 = { (slot << 12) | MMU_MACHPHYS_UPDATE, va_to_pfn(res_pages[0]) };
    CHECK_EQ("M2P of the frame taken last", HYPERVISOR_mmu_update(&m2, 1, NULL, DOMID_SELF), 0);
    p2m[va_to_pfn(res_pages[0])] = slot;
    CHECK_EQ("map it back",
             HYPERVISOR_update_va_mapping(
                 (uint64_t)res_pages[0],
                 (slot << 12) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY, UVMF_INVLPG),
             0);
    res_pages[0][0] = 1;
    CHECK_EQ("... and it is writable", res_pages[0][0], 1);
}

static void test_multicall_subcall(void)
{
    section("multicall: a sub-call's continuation continues the multicall from that entry");
    static uint32_t pdone;
    static uint64_t word;
    uint64_t pa = (va_to_mfn(&word) << 12) | ((uint64_t)&word & 4095);
    for (unsigned i = 0; i < 1000; i++)
        big.mu[i] = (struct mmu_update){ pa | MMU_NORMAL_PT_UPDATE, i + 1 };
    static multicall_entry_t mc[2];
    mc[0] = (multicall_entry_t){ .op = __HYPERVISOR_mmu_update,
                                 .result = 0x5a5a,
                                 .args = { (uint64_t)big.mu, 1000, (uint64_t)&pdone, DOMID_SELF } };
    mc[1] =
        (multicall_entry_t){ .op = __HYPERVISOR_xen_version, .result = 0x5a5a, .args = { XENVER_version } };
    pdone = 0;
    word = 0;
    arm(0);
    long rc = long_call(__HYPERVISOR_multicall, (long)mc, 2, 0, 0);
    quiet();
    CHECK_EQ("multicall = 0", rc, 0);
    CHECK_EQ("mmu_update entry result 0", (long)mc[0].result, 0);
    CHECK_EQ("pdone = 1000: each request counted once", pdone, 1000);
    CHECK_EQ("last request applied", word, 1000);
    CHECK_EQ("one upcall during the call", during, 1);
    uint64_t left = mc[0].args[1];
    CHECK("the entry holds its continuation: count | MMU_UPDATE_PREEMPTED", (left & PREEMPTED) != 0);
    CHECK_EQ("... and the array advanced by what was done before it", mc[0].args[0],
             (uint64_t)&big.mu[1000 - (left & ~(uint64_t)PREEMPTED)]);
    CHECK_EQ("... pdone and foreigndom kept",
             mc[0].args[2] == (uint64_t)&pdone && mc[0].args[3] == DOMID_SELF, 1);
    CHECK_EQ("the entry after it ran once (xen_version)", mc[1].result, 0x40011);
    CHECK_EQ("multicall(hypervisor address, 0) = -EFAULT: where the list starts is checked",
             HYPERVISOR_multicall(0xffff830000000000UL, 0), -XEN_EFAULT);
    CHECK_EQ("multicall(NULL, 0) = 0", HYPERVISOR_multicall(NULL, 0), 0);
}

/* Xen: the iret entry returns to the frame at the caller's RSP; it is the last
 * entry run, its result (the frame's rax) is the multicall's return value. */
static uint64_t iret_stack[64] __attribute__((aligned(16)));
static volatile uint64_t landed_rax, landed_rcx, landed_r11, landed_rsp;
static volatile uint64_t saved_rsp __attribute__((used));
extern char iret_landing[];

static void test_multicall_iret(void)
{
    section("multicall: an iret entry is the last one run");
    static multicall_entry_t mc[3];
    mc[0] =
        (multicall_entry_t){ .op = __HYPERVISOR_xen_version, .result = 0x5a5a, .args = { XENVER_version } };
    mc[1] = (multicall_entry_t){ .op = __HYPERVISOR_iret, .result = 0x5a5a };
    mc[2] =
        (multicall_entry_t){ .op = __HYPERVISOR_xen_version, .result = 0x5a5a, .args = { XENVER_version } };
    uint64_t *f = &iret_stack[32]; /* rax r11 rcx flags rip cs rflags rsp ss */
    f[0] = 0x1234abcd;
    f[1] = 0x11;
    f[2] = 0x22;
    f[3] = 0;
    f[4] = (uint64_t)iret_landing;
    f[5] = FLAT_KERNEL_CS & ~3; /* RPL 0: back to guest kernel mode */
    f[6] = 0x2;                 /* IF clear: events stay masked */
    f[7] = (uint64_t)&iret_stack[8];
    f[8] = FLAT_KERNEL_SS & ~3;
    quiet();
    asm volatile("mov %%rsp, saved_rsp(%%rip)\n\t"
                 "mov %0, %%rsp\n\t"
                 "mov %1, %%rdi\n\t"
                 "mov $3, %%esi\n\t"
                 "mov %2, %%eax\n\t"
                 "syscall\n\t"
                 "ud2\n"
                 ".globl iret_landing\n"
                 "iret_landing:\n\t"
                 "mov %%rax, landed_rax(%%rip)\n\t"
                 "mov %%rcx, landed_rcx(%%rip)\n\t"
                 "mov %%r11, landed_r11(%%rip)\n\t"
                 "mov %%rsp, landed_rsp(%%rip)\n\t"
                 "mov saved_rsp(%%rip), %%rsp"
                 :
                 : "r"(f), "r"(mc), "i"(__HYPERVISOR_multicall)
                 : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
    CHECK_EQ("landed with the frame's rax (the multicall's result)", landed_rax, 0x1234abcd);
    CHECK_EQ("... rcx from the frame", landed_rcx, 0x22);
    CHECK_EQ("... r11 from the frame", landed_r11, 0x11);
    CHECK_EQ("... rsp from the frame", landed_rsp, (uint64_t)&iret_stack[8]);
    CHECK_EQ("entry 0 ran", mc[0].result, 0x40011);
    CHECK_EQ("the iret entry's result is the frame's rax", mc[1].result, 0x1234abcd);
    CHECK_EQ("entry 2 never ran", mc[2].result, 0x5a5a);
}

static void test_mmu_update(void)
{
    section("mmu_update: 100000 requests");
    uint64_t mfn = va_to_mfn(res_pages[1]), pfn = va_to_pfn(res_pages[1]);
    for (unsigned i = 0; i < N_BIG; i++)
        big.mu[i] = (struct mmu_update){ (mfn << 12) | MMU_MACHPHYS_UPDATE, i == N_BIG - 1 ? pfn : i };
    static uint32_t pdone;
    pdone = 0;
    arm(4);
    long rc = long_call(__HYPERVISOR_mmu_update, (long)big.mu, N_BIG, (long)&pdone, DOMID_SELF);
    quiet();
    CHECK_EQ("mmu_update of 100000 = 0", rc, 0);
    CHECK_EQ("pdone = 100000", pdone, N_BIG);
    CHECK_EQ("the last request is the one in force", m2p(mfn), pfn);
    CHECK_EQ("5 upcalls interrupted it", during, 5);

    big.mu[70000].ptr = (0xfffffffffUL << 12) | MMU_MACHPHYS_UPDATE; /* no such frame */
    pdone = 0;
    arm(2);
    rc = long_call(__HYPERVISOR_mmu_update, (long)big.mu, N_BIG, (long)&pdone, DOMID_SELF);
    quiet();
    CHECK_EQ("a bad request at 70000: -EINVAL", rc, -XEN_EINVAL);
    CHECK_EQ("... pdone = 70000 across the continuations", pdone, 70000);
    CHECK_EQ("... 3 upcalls interrupted it", during, 3);
    CHECK_EQ("... the request before it is in force", m2p(mfn), 69999);
    struct mmu_update fix = { (mfn << 12) | MMU_MACHPHYS_UPDATE, pfn };
    CHECK_EQ("restore the M2P entry", HYPERVISOR_mmu_update(&fix, 1, NULL, DOMID_SELF), 0);

    /* A guest may resume a batch itself: count | MMU_UPDATE_PREEMPTED adds to *pdone. */
    pdone = 5;
    CHECK_EQ("resumed form: 10 more requests",
             HYPERVISOR_mmu_update(&big.mu[10], 10 | PREEMPTED, &pdone, DOMID_SELF), 0);
    CHECK_EQ("... pdone = 5 + 10", pdone, 15);
    CHECK_EQ("restore the M2P entry again", HYPERVISOR_mmu_update(&fix, 1, NULL, DOMID_SELF), 0);
    CHECK_EQ("mmu_update(NULL, MMU_UPDATE_PREEMPTED, -, 7) = 7 (Xen's finishing form)",
             HYPERVISOR_mmu_update(NULL, PREEMPTED, NULL, 7), 7);
}

static void test_mmuext_op(void)
{
    section("mmuext_op: 100000 operations");
    for (unsigned i = 0; i < N_BIG; i++)
        big.mx[i] = (struct mmuext_op){ .cmd = MMUEXT_TLB_FLUSH_LOCAL };
    static uint32_t pdone;
    pdone = 0;
    arm(4);
    long rc = long_call(__HYPERVISOR_mmuext_op, (long)big.mx, N_BIG, (long)&pdone, DOMID_SELF);
    quiet();
    CHECK_EQ("mmuext_op of 100000 = 0", rc, 0);
    CHECK_EQ("pdone = 100000", pdone, N_BIG);
    CHECK_EQ("5 upcalls interrupted it", during, 5);
    big.mx[99999].cmd = 14; /* unused number */
    pdone = 0;
    rc = long_call(__HYPERVISOR_mmuext_op, (long)big.mx, N_BIG, (long)&pdone, DOMID_SELF);
    CHECK_EQ("an unknown command at 99999: -ENOSYS", rc, -XEN_ENOSYS);
    CHECK_EQ("... pdone = 99999", pdone, 99999);
}

static void test_memory_op(void)
{
    section("memory_op: reservations continue with the next extent in cmd");
    static xen_pfn_t ext[N_RES];
    for (unsigned i = 1; i < N_RES; i++) {
        ext[i] = va_to_mfn(res_pages[i]);
        HYPERVISOR_update_va_mapping((uint64_t)res_pages[i], 0, UVMF_INVLPG);
    }
    long before = reservation(DOMID_SELF);
    struct xen_memory_reservation r = { .nr_extents = N_RES, .domid = DOMID_SELF };
    set_xen_guest_handle(r.extent_start, ext);
    arm(3);
    long rc = long_call(__HYPERVISOR_memory_op, XENMEM_decrease_reservation | (1 << 6), (long)&r, 0, 0);
    quiet();
    CHECK_EQ("decrease_reservation from extent 1 of 256 = 256", rc, N_RES);
    CHECK_EQ("4 upcalls interrupted it", during, 4);
    CHECK_EQ("255 pages fewer", reservation(DOMID_SELF), before - (N_RES - 1));
    for (unsigned i = 1; i < N_RES; i++)
        ext[i] = va_to_pfn(res_pages[i]);
    arm(2);
    rc = long_call(__HYPERVISOR_memory_op, XENMEM_populate_physmap | (1 << 6), (long)&r, 0, 0);
    quiet();
    CHECK_EQ("populate_physmap from extent 1 = 256", rc, N_RES);
    CHECK_EQ("3 upcalls interrupted it", during, 3);
    CHECK_EQ("reservation back", reservation(DOMID_SELF), before);
    unsigned ok = 0;
    for (unsigned i = 1; i < N_RES; i++)
        ok += m2p(ext[i]) == va_to_pfn(res_pages[i]);
    CHECK_EQ("each new frame's M2P entry names its pfn", ok, N_RES - 1);
    CHECK_EQ("start extent = nr_extents: nothing, returns it",
             HYPERVISOR_memory_op(XENMEM_increase_reservation | (N_RES << 6), &r), N_RES);
    CHECK_EQ("start extent past nr_extents: returns it",
             HYPERVISOR_memory_op(XENMEM_increase_reservation | ((N_RES + 5) << 6), &r), N_RES + 5);
    r.nr_extents = (0xffffffffu >> 6) + 1;
    CHECK_EQ("nr_extents too big to continue: 0 done", HYPERVISOR_memory_op(XENMEM_increase_reservation, &r),
             0);
    /* Map the new frames back so the pages are usable again. */
    for (unsigned i = 1; i < N_RES; i++) {
        p2m[va_to_pfn(res_pages[i])] = ext[i];
        HYPERVISOR_update_va_mapping((uint64_t)res_pages[i],
                                     (ext[i] << 12) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY,
                                     UVMF_INVLPG);
    }
    res_pages[N_RES - 1][7] = 9;
    CHECK_EQ("the last page is usable again", res_pages[N_RES - 1][7], 9);
}

static void test_trap_table(void)
{
    section("set_trap_table: a 20000-entry list is continued");
    trap_info_t *t = (trap_info_t *)big.mc;
    for (unsigned i = 0; i < 20000; i++)
        t[i] = (trap_info_t){ .vector = 200,
                              .flags = 0,
                              .cs = FLAT_KERNEL_CS,
                              .address = (unsigned long)trap_entry_0x85 + (i % 16) };
    t[20000] = (trap_info_t){ 0 };
    arm(2);
    long rc = long_call(__HYPERVISOR_set_trap_table, (long)t, 0, 0, 0);
    quiet();
    CHECK_EQ("set_trap_table of 20000 entries = 0", rc, 0);
    CHECK_EQ("3 upcalls interrupted it", during, 3);
    CHECK_EQ("clear the table", HYPERVISOR_set_trap_table(NULL), 0);
    traps_init();
}

static void test_grant_ops(void)
{
    section("grant_table_op: long copy and unmap batches");
    const unsigned n = 20000;
    char *src = res_pages[2], *dst = res_pages[3];
    for (unsigned i = 0; i < 4096; i++)
        src[i] = (char)(i * 7 + 1), dst[i] = 0;
    for (unsigned i = 0; i < n; i++) {
        struct gnttab_copy *c = &big.gc[i];
        memset(c, 0, sizeof(*c));
        c->source.domid = DOMID_SELF;
        c->source.u.gmfn = va_to_mfn(src);
        c->source.offset = (uint16_t)(i % 4096);
        c->dest.domid = DOMID_SELF;
        c->dest.u.gmfn = va_to_mfn(dst);
        c->dest.offset = (uint16_t)(i % 4096);
        c->len = 1;
        c->status = 0x55;
    }
    arm(2);
    long rc = long_call(__HYPERVISOR_grant_table_op, GNTTABOP_copy, (long)big.gc, n, 0);
    quiet();
    CHECK_EQ("copy batch of 20000 = 0", rc, 0);
    unsigned bad = 0;
    for (unsigned i = 0; i < n; i++)
        bad += big.gc[i].status != GNTST_okay;
    CHECK_EQ("every copy's status is okay", bad, 0);
    CHECK_EQ("the data arrived", memcmp(src, dst, 4096), 0);
    CHECK_EQ("3 upcalls interrupted it", during, 3);

    for (unsigned i = 0; i < n; i++)
        big.gu[i] = (struct gnttab_unmap_grant_ref){ .handle = 0xfffff, .status = 0x55 };
    arm(1);
    rc = long_call(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, (long)big.gu, n, 0);
    quiet();
    CHECK_EQ("unmap batch of 20000 bad handles = 0", rc, 0);
    bad = 0;
    for (unsigned i = 0; i < n; i++)
        bad += big.gu[i].status != GNTST_bad_handle;
    CHECK_EQ("every unmap's status is bad_handle", bad, 0);
    CHECK_EQ("2 upcalls interrupted it", during, 2);
}

static void test_timer(void)
{
    section("a timer interrupt ends a long call early and its event is delivered in it");
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    CHECK_EQ("bind VIRQ_TIMER", HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv), 0);
    timer_port = bv.port;
    for (unsigned i = 0; i < N_BIG; i++)
        big.mc[i] = (multicall_entry_t){ .op = __HYPERVISOR_xen_version, .args = { XENVER_version } };
    unsigned tries = 0;
    timer_during = 0;
    while (!timer_during && tries++ < 20) {
        HYPERVISOR_set_timer_op(now_ns() + 2000000);
        vcpu0->evtchn_upcall_mask = 0;
        barrier();
        long rc = long_call(__HYPERVISOR_multicall, (long)big.mc, N_BIG, 0, 0);
        quiet();
        if (rc) {
            CHECK_EQ("multicall of 100000 xen_version = 0", rc, 0);
            break;
        }
    }
    check_result("a VIRQ_TIMER upcall interrupted a 100000-entry multicall", timer_during > 0,
                 "none in %u tries", tries);
    HYPERVISOR_set_timer_op(0);
    /* Periods past STIME_DELTA_MAX (2^62 - 1 ns) are refused: a longer one wrapped
     * the deadline and the hypervisor's timer interrupt looped on it. */
    struct vcpu_set_periodic_timer pt = { .period_ns = ~0ULL };
    CHECK_EQ("set_periodic_timer(~0 ns) = -EINVAL", HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &pt),
             -XEN_EINVAL);
    pt.period_ns = 1ULL << 62;
    CHECK_EQ("set_periodic_timer(2^62 ns) = -EINVAL", HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &pt),
             -XEN_EINVAL);
    pt.period_ns = (1ULL << 62) - 1;
    CHECK_EQ("set_periodic_timer(2^62 - 1 ns) = 0", HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &pt), 0);
    pt.period_ns = 10000000;
    CHECK_EQ("set_periodic_timer(10 ms) = 0", HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &pt), 0);
    struct evtchn_close cl = { .port = timer_port };
    CHECK_EQ("close the VIRQ_TIMER port", HYPERVISOR_event_channel_op(EVTCHNOP_close, &cl), 0);
    timer_port = 0;
}

void test_main(void)
{
    struct evtchn_bind_ipi bi = { .vcpu = 0 };
    quiet();
    CHECK_EQ("bind an IPI port to ourselves", HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &bi), 0);
    ipi_port = bi.port;
    upcall_hook = upcall;
    test_multicall_iret();
    test_multicall_subcall();
    test_mmu_update();
    test_mmuext_op();
    test_memory_op();
    test_grant_ops();
    test_trap_table();
    test_multicall();
    test_timer();
    upcall_hook = NULL;
}
