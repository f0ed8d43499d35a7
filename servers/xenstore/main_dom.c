/*
 * main_dom.c: xenstored as the xenstore service domain (the program the
 * service runtime runs; see docs/xenstore.md, "The xenstore domain"). No
 * sockets: every client is a domain ring. The control domain (the one that
 * built us) is named on the command line with the grant of its ring page and
 * its event-channel port for us, as Xen's xenstore stubdom gets dom0's
 * (--master-domid/--event); it introduces every other domain with
 * INTRODUCE. State lives in pages the runtime keeps across restarts, or,
 * with --state-gref, in the control domain's pages granted to us, which
 * outlive this domain (servers/lib/xsstate.h).
 *
 *   xenstored [--master-domid D --event PORT [--master-gref REF] [--state-gref REF]]
 *             [--priv-domid D]... [--state-pages N] [--allow-crash] [-V]
 *             [-E N -S N -W N -t N -A N]
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <xen/grant_table.h>
#include <xen/vcpu.h>
#include <xen/sys/privcmd.h>

#include "xsdom.h"
#include "progver.h"

TESSERA_PROGRAM("xenstored");

/* The master retry, and the dead-domain check while VIRQ_DOM_EXC is not bound;
 * with the control domain up and the VIRQ bound (the core raises it on every
 * shutdown and destruction) the loop blocks until an event: an idle system
 * has no periodic wake-ups (issue 18). */
#define TICK_MS 250

struct xsdom_dev xsdom_dev = { -1, -1, -1, -1, 0 };
struct xsdom_opts xsdom_opts = { .master_gref = GNTTAB_RESERVED_XENSTORE };

void xsdom_log(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printf("xenstored: %s\n", buf);
}

long xsdom_hypercall(unsigned op, uint64_t a0, uint64_t a1)
{
    privcmd_hypercall_t h = { op, { a0, a1, 0, 0, 0 } };
    long rc = ioctl(xsdom_dev.privcmd, IOCTL_PRIVCMD_HYPERCALL, &h);
    return rc < 0 ? -errno : rc;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long now_ms(void) { return (long)(now_ns() / 1000000); }

/* Our own CPU time, from our vCPU's runstate (the time it ran before, plus
 * the current run): a ring's turn is charged what it cost us, not the time
 * other domains ran while we were preempted in it. Same base as now_ns (the
 * hypervisor's system time). */
static int64_t cpu_ns(void)
{
    struct vcpu_runstate_info r;
    privcmd_hypercall_t h = { __HYPERVISOR_vcpu_op,
                              { VCPUOP_get_runstate_info, 0, (uint64_t)(uintptr_t)&r } };
    int64_t now = now_ns();
    if (ioctl(xsdom_dev.privcmd, IOCTL_PRIVCMD_HYPERCALL, &h) < 0) return -1;
    int64_t run = r.state == RUNSTATE_running && now > (int64_t)r.state_entry_time
                      ? now - (int64_t)r.state_entry_time
                      : 0;
    return (int64_t)r.time[RUNSTATE_running] + run;
}

static int open_dev(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0) xsdom_log("cannot open %s (errno %d)", path, errno);
    return fd;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: xenstored [--master-domid D --event PORT [--master-gref REF] [--state-gref REF]]\n"
            "                 [--priv-domid D]... [--state-pages N] [--allow-crash] [-V]\n"
            "                 [-E nodes] [-S entry-size] [-W watches] [-t transactions] [-A perms]\n");
}

/* Events: mark rings busy; true if VIRQ_DOM_EXC fired. */
static bool drain_events(void)
{
    uint32_t ports[64];
    bool exc = false;
    for (;;) {
        ssize_t n = read(xsdom_dev.evtchn, ports, sizeof(ports));
        if (n <= 0) return exc;
        size_t k = (size_t)n / sizeof(ports[0]);
        for (size_t i = 0; i < k; i++) {
            if (xsdom_death_event(ports[i]))
                exc = true;
            else
                xsdom_ring_event(ports[i]);
        }
        if (write(xsdom_dev.evtchn, ports, k * sizeof(ports[0])) < 0)
            xsdom_log("cannot unmask ports (errno %d)", errno);
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct xs_config cfg;
    xs_config_default(&cfg);
    unsigned state_pages = 480; /* snapshot slots of 476 KiB: ~1,400 domains (of 512 grant refs) */
    static const struct option opts[] = {
        { "master-domid", 1, NULL, 'm' }, { "master-gref", 1, NULL, 'g' }, { "event", 1, NULL, 'e' },
        { "priv-domid", 1, NULL, 'p' },   { "state-pages", 1, NULL, 'P' }, { "allow-crash", 0, NULL, 'C' },
        { "entry-nb", 1, NULL, 'E' },     { "entry-size", 1, NULL, 'S' },  { "watch-nb", 1, NULL, 'W' },
        { "transaction", 1, NULL, 't' },  { "perm-nb", 1, NULL, 'A' },     { "verbose", 0, NULL, 'V' },
        { "state-gref", 1, NULL, 'G' },   { "help", 0, NULL, 'h' },        { NULL, 0, NULL, 0 },
    };
    bool have_port = false;
    int o, rc;
    while ((o = getopt_long(argc, argv, "E:S:W:t:A:Vh", opts, NULL)) != -1) {
        switch (o) {
        case 'm':
            xsdom_opts.have_master = true;
            xsdom_opts.master_domid = (uint32_t)atoi(optarg);
            break;
        case 'g':
            xsdom_opts.master_gref = (uint32_t)atoi(optarg);
            break;
        case 'e':
            xsdom_opts.master_port = (uint32_t)atoi(optarg);
            have_port = true;
            break;
        case 'p':
            if (xsdom_opts.npriv < XSDOM_MAX_PRIV)
                xsdom_opts.priv[xsdom_opts.npriv++] = (uint32_t)atoi(optarg);
            break;
        case 'P':
            state_pages = (unsigned)atoi(optarg);
            break;
        case 'G':
            xsdom_opts.state_gref = (uint32_t)atoi(optarg);
            break;
        case 'C':
            cfg.allow_crash = true;
            break;
        default:
            if ((rc = xs_config_option(&cfg, o, optarg, usage)) >= 0) return rc;
        }
    }
    /* Words that are not options are ignored: a module line made by the
     * domain builder starts with the program's file name. */
    if (xsdom_opts.have_master != have_port || state_pages < 16 ||
        (xsdom_opts.state_gref && !xsdom_opts.have_master)) {
        usage();
        return 2;
    }
    const char *self = getenv("TESSERA_DOMID"), *inst = getenv("TESSERA_INSTANCE");
    xsdom_dev.self = self ? (uint32_t)atoi(self) : 0;
    xsdom_dev.evtchn = open_dev("/dev/xen/evtchn", O_RDWR | O_NONBLOCK);
    xsdom_dev.gntdev = open_dev("/dev/xen/gntdev", O_RDWR);
    xsdom_dev.gntalloc = open_dev("/dev/xen/gntalloc", O_RDWR);
    xsdom_dev.privcmd = open_dev("/dev/xen/privcmd", O_RDWR);
    if (xsdom_dev.evtchn < 0 || xsdom_dev.gntdev < 0 || xsdom_dev.gntalloc < 0 || xsdom_dev.privcmd < 0)
        return 1;
    xsdom_log("xenstore domain %u, instance %s", xsdom_dev.self, inst ? inst : "?");

    int err = 0;
    cfg.state = &xsdom_state_ops;
    cfg.state_ctx = xsdom_state_open(state_pages, &err);
    if (!cfg.state_ctx) {
        xsdom_log("cannot allocate the state pages (%d)", err);
        return 1;
    }
    cfg.journal_limit = xsdom_state_journal_cap(cfg.state_ctx) / 2;
    cfg.log = stdout;
    /* each domain's share of our time (sched.c): turns cost our CPU time
     * if the hypervisor tells it (else the time they took) */
    cfg.clock_ns = now_ns;
    if (cpu_ns() >= 0) cfg.cpu_ns = cpu_ns;
    struct xs_server *s = xs_server_new(&cfg);
    rc = xs_server_recover(s, &xsdom_hooks);
    if (rc) {
        xsdom_log("cannot recover the state (%d)", rc);
        return 1;
    }
    xsdom_ring_resync_all();
    xsdom_death_init();

    bool master_up = !xsdom_opts.have_master;
    long next_tick = 0;
    xsdom_log("ready");
    for (;;) {
        long now = now_ms();
        bool tick = now >= next_tick;
        if (tick) next_tick = now + TICK_MS;
        if (!master_up && tick) {
            /* the control domain may not have set up its ring yet */
            rc = xs_server_introduce(s, xsdom_opts.master_domid, 0, xsdom_opts.master_port);
            xsdom_opts.quiet = true; /* said why once */
            if (!rc) {
                master_up = true;
                xsdom_opts.quiet = false;
                xsdom_log("control domain %u connected", xsdom_opts.master_domid);
            }
        }
        bool exc = drain_events();
        if (exc || tick) xsdom_death_check(s);
        int64_t wake = INT64_MAX;
        bool more = xsdom_ring_serve(&wake);
        if (xs_server_crash_pending(s)) {
            xsdom_log("crashing on request (CONTROL crash)");
            abort();
        }
        xs_server_maybe_compact(s);
        if (more) continue;
        int wait = master_up && xsdom_death_bound() ? -1 : (int)(next_tick - now_ms());
        if (wake != INT64_MAX) {
            /* a ring over its share waits (rounded up to whole ms) */
            int64_t w = (wake - now_ns() + 999999) / 1000000;
            if (w > 60000) w = 60000;
            if (wait == -1 || w < wait) wait = w > 0 ? (int)w : 0;
        }
        struct pollfd p = { xsdom_dev.evtchn, POLLIN, 0 };
        poll(&p, 1, wait > 0 || wait == -1 ? wait : 0);
    }
}
