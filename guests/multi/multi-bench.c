/* multi-bench: micro-benchmarks of the core's multi-domain paths, run as the
 * first domain of Tessera or as dom0 of Xen 4.17 (bench/core.sh boots both under
 * the same QEMU). Prints raw totals, one line each, for the script to turn into
 * rates:
 *   BENCH null_hypercall <iters> <ns> <tsc cycles>     xen_version(0) in a loop
 *   BENCH evtchn_rtt <iters> <ns> <tsc cycles>         ping-pong with a child domain
 *   BENCH grant_map_unmap <iters> <ns> <tsc cycles>    map + unmap of one grant (host mapping)
 *   BENCH grant_copy <calls> <ns> <bytes>              16 x 4 KiB GNTTABOP_copy ops per call
 *   BENCH done
 * The child (boot module 1, multi-child.elf "echo") is built with guests/multi/xc.c. */
#include "xc.h"
#include "proto.h"

#define SECONDS(n) ((uint64_t)(n)*1000000000ULL)

static struct child c;
static const void *child_elf;
static size_t child_len;

static void __attribute__((noreturn)) fatal(const char *what, long rc)
{
    printf("FAIL - %s (%ld); stopping\n", what, rc);
    printf("BENCH done\n");
    checks_failed++;
    if (c.domid) xc_simple(XEN_DOMCTL_destroydomain, c.domid);
    guest_exit();
}

static unsigned iters(const char *key, unsigned dflt)
{
    const char *cl = (const char *)start_info->cmd_line;
    size_t kl = strlen(key);
    for (const char *p = cl; *p; p++)
        if ((p == cl || p[-1] == ' ') && !strncmp(p, key, kl) && p[kl] == '=') {
            unsigned v = 0;
            for (p += kl + 1; *p >= '0' && *p <= '9'; p++)
                v = v * 10 + (unsigned)(*p - '0');
            return v ? v : dflt;
        }
    return dflt;
}

static void report(const char *name, uint64_t n, uint64_t t0, uint64_t t1, uint64_t c0, uint64_t c1)
{
    printf("BENCH %s %lu %lu %lu\n", name, (unsigned long)n, (unsigned long)(t1 - t0),
           (unsigned long)(c1 - c0));
}

static void null_hypercall(unsigned n)
{
    uint64_t t0 = now_ns(), c0 = rdtsc();
    for (unsigned i = 0; i < n; i++)
        HYPERVISOR_xen_version(XENVER_version, NULL);
    uint64_t c1 = rdtsc(), t1 = now_ns();
    report("null_hypercall", n, t0, t1, c0, c1);
}

void test_main(void)
{
    xc_init();
    printf("# multi-bench on %s\n", on_tessera ? "Tessera" : "Xen");
    const char *cl;
    if (!module_get(0, &child_elf, &child_len, &cl)) fatal("no child module", -1);
    unsigned n_null = iters("null", 200000), n_rtt = iters("rtt", 20000);
    unsigned n_map = iters("map", 10000), n_copy = iters("copy", 2000);

    null_hypercall(n_null / 10); /* warm-up */
    null_hypercall(n_null);

    const char *what;
    long rc = xc_build_create(&c, child_elf, child_len, 0, 1024, 1, &what);
    evtchn_port_t p = 0;
    if (!rc) rc = evtchn_alloc_unbound(DOMID_SELF, c.domid, &p);
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "echo port=%u", p);
    if (!rc) rc = xc_build_load(&c, child_elf, cmd, &what);
    if (!rc) rc = xc_simple(XEN_DOMCTL_unpausedomain, c.domid);
    if (rc) fatal(what, rc);
    if (evtchn_wait(p, now_ns() + SECONDS(120))) fatal("the child did not bind our port", -ETIMEDOUT);
    struct gnttab_map_grant_ref m = {
        .host_addr = (uint64_t)xc_window[2], .flags = GNTMAP_host_map, .ref = MB_REF, .dom = c.domid
    };
    rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
    if (rc || m.status) fatal("map the child's mailbox", rc ? rc : m.status);
    win_invlpg(xc_window[2]);
    struct mbox *mb = (struct mbox *)xc_window[2];
    if (mb->magic != MB_MAGIC) fatal("mailbox magic", mb->magic);

    /* Event-channel round trips. */
    uint64_t dl = now_ns() + SECONDS(600);
    uint32_t seq = 0;
    for (unsigned pass = 0; pass < 2; pass++) {
        unsigned n = pass ? n_rtt : n_rtt / 10;
        uint64_t t0 = now_ns(), c0 = rdtsc();
        for (unsigned i = 0; i < n; i++) {
            mb->ping = ++seq;
            evtchn_send(p);
            while (mb->pong != seq)
                if (evtchn_wait(p, dl)) fatal("ping-pong timeout", -ETIMEDOUT);
        }
        uint64_t c1 = rdtsc(), t1 = now_ns();
        if (pass) report("evtchn_rtt", n, t0, t1, c0, c1);
    }

    /* Grant map + unmap of one page. */
    for (unsigned pass = 0; pass < 2; pass++) {
        unsigned n = pass ? n_map : n_map / 10;
        uint64_t t0 = now_ns(), c0 = rdtsc();
        for (unsigned i = 0; i < n; i++) {
            struct gnttab_map_grant_ref mo = { .host_addr = (uint64_t)xc_window[3],
                                               .flags = GNTMAP_host_map,
                                               .ref = BENCH_REF0,
                                               .dom = c.domid };
            if (HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &mo, 1) || mo.status)
                fatal("grant map", mo.status);
            struct gnttab_unmap_grant_ref uo = { .host_addr = (uint64_t)xc_window[3], .handle = mo.handle };
            if (HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &uo, 1) || uo.status)
                fatal("grant unmap", uo.status);
        }
        uint64_t c1 = rdtsc(), t1 = now_ns();
        if (pass) report("grant_map_unmap", n, t0, t1, c0, c1);
    }
    win_unmap(3);

    /* Grant copy: 16 x 4 KiB per call, from our pages into the child's grants. */
    static struct gnttab_copy ops[BENCH_NREFS];
    static uint8_t *src[BENCH_NREFS];
    for (unsigned i = 0; i < BENCH_NREFS; i++) {
        src[i] = alloc_page();
        memset(src[i], 0x5a + i, PAGE_SIZE);
    }
    for (unsigned pass = 0; pass < 2; pass++) {
        unsigned n = pass ? n_copy : n_copy / 10;
        uint64_t t0 = now_ns();
        for (unsigned k = 0; k < n; k++) {
            for (unsigned i = 0; i < BENCH_NREFS; i++) {
                ops[i] = (struct gnttab_copy){ .len = PAGE_SIZE, .flags = GNTCOPY_dest_gref };
                ops[i].source.u.gmfn = va_to_mfn(src[i]);
                ops[i].source.domid = DOMID_SELF;
                ops[i].dest.u.ref = BENCH_REF0 + i;
                ops[i].dest.domid = c.domid;
            }
            rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, ops, BENCH_NREFS);
            if (rc || ops[0].status || ops[BENCH_NREFS - 1].status)
                fatal("grant copy", rc ? rc : ops[0].status);
        }
        uint64_t t1 = now_ns();
        if (pass)
            printf("BENCH grant_copy %u %lu %lu\n", n, (unsigned long)(t1 - t0),
                   (unsigned long)n * BENCH_NREFS * PAGE_SIZE);
    }

    /* Stop the child and reap it. */
    mb->quit = 1;
    evtchn_send(p);
    struct gnttab_unmap_grant_ref uo = { .host_addr = (uint64_t)xc_window[2], .handle = m.handle };
    HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &uo, 1);
    win_unmap(2);
    struct xen_domctl_getdomaininfo info;
    uint64_t until = now_ns() + SECONDS(60);
    while (now_ns() < until && !xc_getinfo(c.domid, &info) && !(info.flags & XEN_DOMINF_shutdown))
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    CHECK_EQ("destroy the child", xc_simple(XEN_DOMCTL_destroydomain, c.domid), 0);
    printf("BENCH done\n");
}
