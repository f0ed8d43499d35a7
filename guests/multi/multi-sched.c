/* multi-sched: scheduler acceptance with children built from boot module 1.
 * 1. Two CPU-bound children with credit weights 1:2 (XEN_DOMCTL_scheduler_op
 *    putinfo, needs SCHED) run for 10 s of guest time while we sleep; their
 *    cpu_time from getdomaininfo must split within 5% of 1/3 and 2/3.
 * 2. Beside one spinning child, our own timer-driven wake-ups
 *    (VCPUOP_set_singleshot_timer + VIRQ_TIMER + SCHEDOP_block) are late by at
 *    most one scheduling quantum (10 ms), measured against the pvclock.
 * Run with one pCPU (--smp 1), so the domains really compete. */
#include "xc.h"
#include "proto.h"

#define MS(n)      ((uint64_t)(n)*1000000ULL)
#define QUANTUM_NS MS(10)

static const void *child_elf;
static size_t child_len;
static struct child hog[2];

static void __attribute__((noreturn)) fatal(const char *what, long rc)
{
    printf("FAIL - %s (%ld); stopping\n", what, rc);
    checks_failed++;
    for (unsigned i = 0; i < 2; i++)
        if (hog[i].domid) xc_simple(XEN_DOMCTL_destroydomain, hog[i].domid);
    guest_exit();
}

static uint64_t cpu_time(domid_t d)
{
    struct xen_domctl_getdomaininfo info;
    long rc = xc_getinfo(d, &info);
    if (rc || info.domain != d) fatal("getdomaininfo", rc ? rc : -ESRCH);
    return info.cpu_time;
}

static void sleep_until(uint64_t t, evtchn_port_t idle_port)
{
    while (now_ns() < t)
        evtchn_wait(idle_port, t);
}

static void build_hog(unsigned i)
{
    const char *what;
    long rc = xc_build(&hog[i], child_elf, child_len, 0, 1024, 1, "hog", &what);
    if (rc) fatal(what, rc);
}

static void fairness(evtchn_port_t idle_port)
{
    section("fairness: weights 1:2 on one pCPU for 10 s");
    build_hog(0);
    build_hog(1);
    uint16_t w[2] = { 128, 256 }, cap = 0;
    for (unsigned i = 0; i < 2; i++) {
        char n[80];
        snprintf(n, sizeof(n), "scheduler_op putinfo weight %u on hog %u", w[i], i);
        CHECK_EQ(n, xc_sched_credit(hog[i].domid, true, &w[i], &cap), 0);
        uint16_t gw = 0, gc = 1;
        snprintf(n, sizeof(n), "scheduler_op getinfo on hog %u", i);
        CHECK_EQ(n, xc_sched_credit(hog[i].domid, false, &gw, &gc), 0);
        snprintf(n, sizeof(n), "hog %u: weight reads back", i);
        CHECK_EQ(n, gw, w[i]);
        snprintf(n, sizeof(n), "hog %u: no cap", i);
        CHECK_EQ(n, gc, 0);
    }
    uint16_t bad = 0, c0 = 0;
    CHECK_EQ("putinfo weight 0 means unchanged (0)", xc_sched_credit(hog[0].domid, true, &bad, &c0), 0);
    for (unsigned i = 0; i < 2; i++)
        CHECK_EQ("unpause hog", xc_simple(XEN_DOMCTL_unpausedomain, hog[i].domid), 0);
    /* Let both start, then measure over 10 s of system (guest) time. */
    sleep_until(now_ns() + MS(200), idle_port);
    uint64_t t0 = now_ns(), a0 = cpu_time(hog[0].domid), b0 = cpu_time(hog[1].domid);
    sleep_until(t0 + MS(10000), idle_port);
    uint64_t t1 = now_ns(), a1 = cpu_time(hog[0].domid), b1 = cpu_time(hog[1].domid);
    uint64_t da = a1 - a0, db = b1 - b0, tot = da + db;
    /* share in parts per 100,000 */
    uint64_t sa = tot ? da * 100000 / tot : 0, sb = tot ? db * 100000 / tot : 0;
    printf("# over %lu ms: weight %u got %lu ms, weight %u got %lu ms (shares %lu.%03lu%% / %lu.%03lu%%)\n",
           (unsigned long)((t1 - t0) / 1000000), w[0], (unsigned long)(da / 1000000), w[1],
           (unsigned long)(db / 1000000), (unsigned long)(sa / 1000), (unsigned long)(sa % 1000),
           (unsigned long)(sb / 1000), (unsigned long)(sb % 1000));
    /* Within 5% (relative) of 1/3 and 2/3: [31,667, 35,000] and [63,333, 70,000]. */
    check_result("weight-1 domain's share within 5% of 1/3", sa >= 31667 && sa <= 35000, "share %lu/100000",
                 (unsigned long)sa);
    check_result("weight-2 domain's share within 5% of 2/3", sb >= 63333 && sb <= 70000, "share %lu/100000",
                 (unsigned long)sb);
    CHECK("the hogs ran (cpu_time advanced)", da > 0 && db > 0);
    CHECK_EQ("destroy the weight-2 hog", xc_simple(XEN_DOMCTL_destroydomain, hog[1].domid), 0);
    hog[1].domid = 0;
}

static void timer_latency(evtchn_port_t tport, bool with_hog)
{
    uint64_t max = 0, sum = 0, n = 0, early = 0;
    unsigned rounds = 200;
    for (unsigned i = 0; i < rounds; i++) {
        uint64_t deadline = now_ns() + MS(1) + (i % 7) * MS(1) + (i % 3) * 300000;
        vcpu_set_singleshot_timer_t t = { .timeout_abs_ns = deadline, .flags = 0 };
        long rc = HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
        if (rc) fatal("VCPUOP_set_singleshot_timer", rc);
        uint64_t guard = deadline + MS(2000);
        for (;;) {
            HYPERVISOR_sched_op(SCHEDOP_block, NULL);
            /* 2-level delivery: clear the selector as the upcall handler of a
             * real kernel does, or the next raise will not set upcall_pending. */
            __atomic_exchange_n(&vcpu0->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
            if (evtchn_test_and_clear(tport)) break;
            if (now_ns() > guard) fatal("no VIRQ_TIMER within 2 s of the deadline", -ETIMEDOUT);
        }
        uint64_t now = now_ns();
        if (now < deadline) {
            early++;
            continue;
        }
        uint64_t late = now - deadline;
        max = late > max ? late : max;
        sum += late;
        n++;
    }
    printf("# %s: %lu timer wake-ups, lateness mean %lu us, max %lu us (%lu woke before the deadline)\n",
           with_hog ? "beside a spinning domain" : "alone", (unsigned long)n,
           (unsigned long)(n ? sum / n / 1000 : 0), (unsigned long)(max / 1000), (unsigned long)early);
    if (with_hog)
        check_result("timer wake-ups beside a spinning domain are late by at most one quantum (10 ms)",
                     max <= QUANTUM_NS, "max lateness %lu us", (unsigned long)(max / 1000));
}

static bool has_word(const char *w)
{
    const char *cl = (const char *)start_info->cmd_line;
    size_t l = strlen(w);
    for (const char *p = cl; *p; p++)
        if ((p == cl || p[-1] == ' ') && !strncmp(p, w, l) && (p[l] == ' ' || !p[l])) return true;
    return false;
}

void test_main(void)
{
    xc_init();
    const char *cl;
    if (!module_get(0, &child_elf, &child_len, &cl))
        fatal("no child module (boot multi-child.elf as the second module)", -1);
    CHECK_EQ("stop our periodic timer", HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
    evtchn_port_t idle_port = 0, tport = 0;
    if (evtchn_alloc_unbound(DOMID_SELF, DOMID_SELF, &idle_port)) fatal("alloc_unbound", -1);
    /* Command line (the module's arguments): "fair" or "timer" runs only that part. */
    bool want_fair = !has_word("timer"), want_timer = !has_word("fair");
    if (want_fair) fairness(idle_port);
    if (!want_timer) {
        CHECK_EQ("destroy the weight-1 hog", xc_simple(XEN_DOMCTL_destroydomain, hog[0].domid), 0);
        return;
    }
    if (!want_fair) build_hog(0);
    CHECK_EQ("unpause the spinning domain", want_fair ? 0 : xc_simple(XEN_DOMCTL_unpausedomain, hog[0].domid),
             0);

    section("timer wake-ups beside a spinning domain");
    CHECK_EQ("bind VIRQ_TIMER", evtchn_bind_virq(VIRQ_TIMER, 0, &tport), 0);
    hog[0].domid = hog[0].domid; /* the weight-1 hog keeps spinning */
    uint16_t w = 256, cap = 0;
    CHECK_EQ("the spinning domain gets our weight (256)", xc_sched_credit(hog[0].domid, true, &w, &cap), 0);
    vcpu0->evtchn_upcall_mask = 0; /* SCHEDOP_block wakes on an event delivered to us */
    timer_latency(tport, true);
    CHECK_EQ("destroy the spinning domain", xc_simple(XEN_DOMCTL_destroydomain, hog[0].domid), 0);
    hog[0].domid = 0;
    timer_latency(tport, false);
    vcpu0->evtchn_upcall_mask = 1;
}
