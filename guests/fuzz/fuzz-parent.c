/* fuzz-parent: the first domain of a fuzzing run.  It builds fuzz-child (its
 * boot module) once per seed, `par` children at a time as each other's
 * siblings, unpauses them and waits for each to power off or crash, bounded in
 * time (a child still running at its deadline is a hang: FAIL).  After every
 * round it asks the hypervisor to audit its frame table (sysctl
 * TESSERA_SYSCTL_audit_frames) with the children shut down and again after
 * destroying them, and checks that the free-page count is back exactly to its
 * value before the first child.  Command line:
 *   seeds=N base=B iters=I secs=S par=P    (children get "seed= iters= secs= self= sibling=") */
#include "xc.h"

static struct child kids[2];

/* Where a child that overstayed is: its vCPU 0's registers (for addr2line). */
static void where(domid_t d)
{
    static struct xen_domctl dc;
    static vcpu_guest_context_t ctx;
    xc_domctl_init(&dc, XEN_DOMCTL_getvcpucontext, d);
    dc.u.vcpucontext.vcpu = 0;
    set_xen_guest_handle(dc.u.vcpucontext.ctxt, &ctx);
    long rc = HYPERVISOR_domctl(&dc);
    const struct cpu_user_regs *r = &ctx.user_regs;
    printf("# d%u: getvcpucontext %ld: rip %lx rsp %lx rax %lx rdi %lx rsi %lx rdx %lx r10 %lx r8 %lx "
           "r9 %lx rbx %lx r12 %lx r13 %lx r14 %lx r15 %lx\n",
           d, rc, (unsigned long)r->rip, (unsigned long)r->rsp, (unsigned long)r->rax, (unsigned long)r->rdi,
           (unsigned long)r->rsi, (unsigned long)r->rdx, (unsigned long)r->r10, (unsigned long)r->r8,
           (unsigned long)r->r9, (unsigned long)r->rbx, (unsigned long)r->r12, (unsigned long)r->r13,
           (unsigned long)r->r14, (unsigned long)r->r15);
}

/* The hypervisor's frame-table audit: 0 inconsistencies. */
static void audit(const char *when)
{
    static struct xen_sysctl sc;
    memset(&sc, 0, sizeof(sc));
    sc.cmd = TESSERA_SYSCTL_audit_frames;
    sc.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    long rc = HYPERVISOR_sysctl(&sc);
    struct tessera_sysctl_audit *a = tessera_sysctl_u(&sc, struct tessera_sysctl_audit);
    check_result(when, rc == 0 && a->errors == 0,
                 "rc %ld, %u inconsistencies, first at frame 0x%lx (%u domains recounted)", rc, a->errors,
                 (unsigned long)a->first_mfn, a->domains);
}

/* Wait until d shuts down or deadline (system ns) passes; its shutdown reason or -1. */
static int wait_child(domid_t d, uint64_t deadline)
{
    struct xen_domctl_getdomaininfo info;
    for (;;) {
        if (xc_getinfo(d, &info)) return -2;
        if (info.flags & XEN_DOMINF_shutdown)
            return (int)((info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask);
        if (now_ns() >= deadline) return -1;
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
}

void test_main(void)
{
    xc_init();
    unsigned seeds = (unsigned)cmdline_u("seeds", 2), par = (unsigned)cmdline_u("par", 1);
    uint64_t base = cmdline_u("base", 1), iters = cmdline_u("iters", 20000), secs = cmdline_u("secs", 20);
    const void *elf;
    size_t len;
    const char *mcmd;
    if (par < 1 || par > 2) par = 1;
    if (!module_get(0, &elf, &len, &mcmd)) {
        printf("FAIL - no fuzz-child module\n");
        checks_failed++;
        return;
    }
    printf("# fuzz-parent: %u seeds from %lu, %lu iterations or %lu s each, %u at a time\n", seeds,
           (unsigned long)base, (unsigned long)iters, (unsigned long)secs, par);
    audit("audit before any child");
    uint64_t free0 = 0, f = 0;
    if (xc_free_pages(&free0)) printf("FAIL - physinfo\n"), checks_failed++;
    unsigned crashed = 0, finished = 0;
    for (unsigned k = 0; k < seeds; k += par) {
        unsigned n = par < seeds - k ? par : seeds - k;
        domid_t ids[2] = { 0, 0 };
        /* Create first so each child knows its sibling's id, then load. */
        for (unsigned i = 0; i < n; i++) {
            const char *what = "";
            long rc = xc_build_create(&kids[i], elf, len, TESSERA_CAP_CONSOLE, 1024, 1, &what);
            if (rc) {
                printf("FAIL - seed %lu: building the child: %s: %ld\n", (unsigned long)(base + k + i), what,
                       rc);
                checks_failed++;
                return;
            }
            ids[i] = kids[i].domid;
        }
        for (unsigned i = 0; i < n; i++) {
            char cmd[160];
            snprintf(cmd, sizeof(cmd), "seed=%lu iters=%lu secs=%lu self=%u sibling=%u",
                     (unsigned long)(base + k + i), (unsigned long)iters, (unsigned long)secs, ids[i],
                     n > 1 ? ids[1 - i] : 0x7ff1);
            const char *what = "";
            long rc = xc_build_load(&kids[i], elf, cmd, &what);
            if (!rc) rc = xc_simple(XEN_DOMCTL_unpausedomain, ids[i]);
            if (rc) {
                printf("FAIL - seed %lu: loading the child: %s: %ld\n", (unsigned long)(base + k + i), what,
                       rc);
                checks_failed++;
                return;
            }
        }
        uint64_t deadline = now_ns() + (secs + 60) * 1000000000UL;
        for (unsigned i = 0; i < n; i++) {
            int why = wait_child(ids[i], deadline);
            if (why < 0) {
                printf("FAIL - seed %lu: child d%u still running %lu s after its time (hang)\n",
                       (unsigned long)(base + k + i), ids[i], (unsigned long)secs + 60);
                checks_failed++;
                xc_simple(XEN_DOMCTL_pausedomain, ids[i]);
                where(ids[i]);
            } else {
                crashed += why == SHUTDOWN_crash;
                finished += why == SHUTDOWN_poweroff;
                printf("# seed %lu: child d%u %s\n", (unsigned long)(base + k + i), ids[i],
                       why == SHUTDOWN_poweroff ? "finished"
                       : why == SHUTDOWN_crash  ? "crashed"
                                                : "shut down");
            }
        }
        char name[96];
        snprintf(name, sizeof(name), "seeds %lu-%lu: audit with the children shut down",
                 (unsigned long)(base + k), (unsigned long)(base + k + n - 1));
        audit(name);
        for (unsigned i = 0; i < n; i++) {
            long rc = xc_simple(XEN_DOMCTL_destroydomain, ids[i]);
            if (rc) printf("FAIL - destroy d%u: %ld\n", ids[i], rc), checks_failed++;
        }
        snprintf(name, sizeof(name), "seeds %lu-%lu: audit after destroying them", (unsigned long)(base + k),
                 (unsigned long)(base + k + n - 1));
        audit(name);
        xc_free_pages(&f);
        check_result("free pages back to their value before the first child", f == free0, "%lu, before %lu",
                     (unsigned long)f, (unsigned long)free0);
    }
    printf("# fuzz-parent: %u children finished, %u crashed (a crash is the child's own doing)\n", finished,
           crashed);
}
