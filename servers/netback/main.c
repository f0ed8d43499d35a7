/*
 * netback, the program: a network driver domain.  It serves the vif devices
 * the toolstack puts under its backend directory in xenstore, switches their
 * frames through the VFR, and takes VFR commands (rules, add, del, default,
 * ports, counters) on its console; rule changes are saved in xenstore under
 * vfr=DIR (default /local/domain/<self>/data/vfr, a directory the domain
 * may write) and read back at start.  A
 * saved set that cannot be read back is reported and replaced by a
 * drop-everything set until the control plane installs rules (fail closed).
 * Arguments: [nic=SSSS:BB:DD.F] [queues=N] [vfr=DIR] [commands=FILE]
 * [state=D:GREF] (nic: the virtio-net function given to this domain, the
 * VFR's "nic" port; FILE's lines run as commands at the first start, when
 * no saved rule set exists; "exit" ends the program there; state: the
 * builder's state pages, which keep the counters across the domain's death,
 * nb_keep.h).  Linux's
 * /dev/xen/{evtchn,gntdev,xenbus} are its devices, so it builds and runs as
 * a Linux process too.
 */
#include "crash_cmd.h"
#include "nb_keep.h"
#include "nb_nic.h"
#include "nb_xb.h"
#include "vdev_file.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xen/sys/gntalloc.h>
#include "progver.h"

TESSERA_PROGRAM("netback");

static uint64_t now(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The time the frames of a pass are handled at (read once per pass: the
 * runtime's clock_gettime is a system call, and the VFR's rate limits need
 * no finer time than a pass). */
static uint64_t pass_ns;
static uint64_t pass_now(void *ctx)
{
    (void)ctx;
    return pass_ns;
}

static struct vfr vfr;
static struct nb nb;

/* Drops of spoofed frames go to the log at 1, 2, 4, 8 ... per port, so an
 * attack is visible without flooding the console. */
static void log_spoofing(void)
{
    static uint64_t logged[VFR_MAX_PORTS];
    for (int i = 0; i < VFR_MAX_PORTS; i++) {
        const struct vfr_port *p = &vfr.port[i];
        uint64_t n = p->used ? p->st.drop_spoof : 0;
        if (n < logged[i]) logged[i] = 0; /* a new port in this slot */
        if (n && n >= 2 * logged[i] && n != logged[i]) {
            printf("netback: %s: %llu spoofed frame%s dropped\n", p->cfg.name, (unsigned long long)n,
                   n == 1 ? "" : "s");
            logged[i] = n;
        }
    }
}
static struct xsc *xs;
static char vfr_dir[128];
static struct nb_keep keep;
static bool keeping;

/* The counters' region (nb_keep.h): pages granted to ourselves with
 * gntalloc, which the service runtime hands back, contents intact, to the
 * same ALLOC_GREF of a restarted program.  NULL when there are none. */
static void *keep_region(uint16_t self)
{
    enum { PAGES = 16 };
    if (nb_keep_size() > PAGES * 4096) return NULL;
    int fd = open("/dev/xen/gntalloc", O_RDWR);
    if (fd < 0) return NULL;
    union {
        struct ioctl_gntalloc_alloc_gref a;
        char space[sizeof(struct ioctl_gntalloc_alloc_gref) + PAGES * sizeof(uint32_t)];
    } u;
    memset(&u, 0, sizeof(u));
    u.a.domid = self;
    u.a.flags = GNTALLOC_FLAG_WRITABLE;
    u.a.count = PAGES;
    void *va = MAP_FAILED;
    if (ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, &u.a) == 0)
        va = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)u.a.index);
    return va == MAP_FAILED ? NULL : va; /* the file stays open: closing it would end the grants */
}

/* The builder's state pages (state=D:GREF, config state_pages): the first
 * lists them; the region is the pages after it.  NULL, said why, if they
 * cannot be used. */
static void *state_region(const char *arg)
{
    char *end;
    unsigned long d = strtoul(arg, &end, 10), g = *end == ':' ? strtoul(end + 1, &end, 10) : 0;
    char why[128] = "not D:GREF";
    uint32_t refs[XD_MAX_RING_PAGES];
    void *first = NULL, *va = NULL;
    int n = -EINVAL;
    if (!*end && arg[0] != ':' && d < 0x7ff0 && g && g <= UINT32_MAX) {
        snprintf(why, sizeof(why), "cannot map grant %lu of domain %lu", g, d);
        if ((first = xd_map_ring(NULL, (uint16_t)d, (uint32_t)g)))
            n = nb_keep_state_list(first, (uint32_t)g, refs, XD_MAX_RING_PAGES, why, sizeof(why));
        if (n > 0 && !(va = xd_map_rings(NULL, (uint16_t)d, refs, (unsigned)n)))
            snprintf(why, sizeof(why), "cannot map its %d pages", n);
    }
    if (!va) printf("netback: state pages '%s' refused: %s\n", arg, why);
    return va;
}

static void command(char *line)
{
    static char out[16384];
    line[strcspn(line, "\r\n")] = 0;
    if (!line[strspn(line, " \t")]) return;
    /* fault injection for the restart suites: "crash", "crash domain" */
    if (crash_command("netback", line)) return;
    if (!strcmp(line + strspn(line, " \t"), "vifs")) {
        nb_stats_text(&nb, out, sizeof(out));
        printf("%s\n", out);
        return;
    }
    int rc = vfr_command(&vfr, line, out, sizeof(out), now(NULL));
    printf("%s\n", out);
    if (rc == 1) nb_keep_rules_changed(&keep);
    if (rc == 1 && xs) {
        int s = vfr_store_save(xs, vfr_dir, vfr.rules, vfr.gw);
        if (s) printf("error: the rule set is in use but could not be saved (%s)\n", strerror(-s));
    }
}

static const char *sbdf;
static struct nb_nic nic;

/* One pass of the main loop's work (nb_round). */
static bool pass(void *ctx)
{
    pass_ns = now(NULL);
    bool busy = nbx_run(ctx);
    if (sbdf && nb_nic_poll(&nic)) busy = true;
    /* after every pass that counted: a death of the domain loses at most
     * the counts of the pass in progress (nb_keep.h); an idle pass changed
     * nothing */
    if (busy && keeping) nb_keep_sync(&keep, &nb, pass_ns);
    return busy;
}

int main(int argc, char **argv)
{
    unsigned long long t[4] = { restart_now_us() }; /* start-up phases, for a restart's downtime */
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *cmdfile = NULL, *dir = NULL, *state = NULL;
    unsigned queues = NB_MAX_QUEUES;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (!strncmp(argv[i], "queues=", 7)) {
            unsigned long q = strtoul(argv[i] + 7, &end, 10);
            if (*end || q < 1 || q > NB_MAX_QUEUES) {
                fprintf(stderr, "netback: queues=1-%u\n", NB_MAX_QUEUES);
                return 2;
            }
            queues = (unsigned)q;
        } else if (!strncmp(argv[i], "nic=", 4)) {
            sbdf = argv[i] + 4;
        } else if (!strncmp(argv[i], "state=", 6)) {
            state = argv[i] + 6;
        } else if (!strncmp(argv[i], "commands=", 9)) {
            cmdfile = argv[i] + 9;
        } else if (!strncmp(argv[i], "vfr=", 4) && argv[i][4] == '/' &&
                   strlen(argv[i] + 4) < sizeof(vfr_dir)) {
            dir = argv[i] + 4;
        } else {
            fprintf(stderr,
                    "netback: unknown argument '%s' ([nic=SBDF] [queues=N] [vfr=/PATH] [commands=FILE] "
                    "[state=D:GREF])\n",
                    argv[i]);
            return 2;
        }
    }
    const char *d = getenv("TESSERA_DOMID");
    uint16_t self = d ? (uint16_t)atoi(d) : 0;
    if (dir)
        snprintf(vfr_dir, sizeof(vfr_dir), "%s", dir);
    else
        snprintf(vfr_dir, sizeof(vfr_dir), "/local/domain/%u/data/vfr", self);

    static struct nbx nbx;
    static struct vdev_file vf = { .fd = -1 };
    int rc = xd_open();
    int xsfd = open("/dev/xen/xenbus", O_RDWR);
    if (rc || xsfd < 0) {
        fprintf(stderr, "netback: /dev/xen/{evtchn,gntdev,xenbus}: %s\n", strerror(rc ? -rc : errno));
        return 1;
    }
    xs = xsc_new_fd(xsfd);
    struct nb_env env = { xd_gcopy, xd_notify, pass_now, NULL, NULL, NULL };
    if (!xs || vfr_init(&vfr, &(struct vfr_ops){ 0 }) || nb_init(&nb, &vfr, &env)) {
        fprintf(stderr, "netback: out of memory\n");
        return 1;
    }
    if (sbdf) {
        if ((rc = vdev_file_open(&vf, sbdf))) {
            fprintf(stderr, "netback: %s: cannot open the function (%s)\n", sbdf, strerror(-rc));
            return 1;
        }
        if ((rc = nb_nic_init(&nic, &nb, &vf.vdev, now(NULL)))) {
            fprintf(stderr, "netback: %s: not a usable virtio-net device (%d)\n", sbdf, rc);
            return 1;
        }
        printf("netback: nic %s: %02x:%02x:%02x:%02x:%02x:%02x, %u vector%s\n", sbdf, nic.vn.mac[0],
               nic.vn.mac[1], nic.vn.mac[2], nic.vn.mac[3], nic.vn.mac[4], nic.vn.mac[5], nic.vn.pci.nvec,
               nic.vn.pci.nvec == 1 ? "" : "s");
    }
    t[1] = restart_now_us();
    char err[256];
    struct vfr_ruleset *saved = vfr_store_load(xs, vfr_dir, &rc, err, sizeof(err), vfr.gw);
    if (!saved && rc) {
        fprintf(stderr, "netback: saved rules unusable: %s; dropping everything until rules are installed\n",
                err);
        saved = vfr_ruleset_new(VFR_DROP, NULL, 0);
    }
    if (saved) {
        free(vfr_rules_replace(&vfr, saved, now(NULL)));
        printf("netback: %u rule%s, default %s%s%s\n", saved->n, saved->n == 1 ? "" : "s",
               saved->dflt == VFR_ACCEPT ? "accept" : "drop", rc ? "" : " from ", rc ? "" : vfr_dir);
        char routes[VFR_MAX_GW * 20];
        vfr_gw_text(vfr.gw, routes, sizeof(routes));
        if (routes[0]) printf("netback: router addresses restored: %s\n", routes);
    }
    void *region = state ? state_region(state) : NULL;
    const char *where = region ? "state pages" : "own kept pages";
    if (!region) region = keep_region(self);
    char why[160];
    int kr = region ? nb_keep_attach(&keep, region, now(NULL), why, sizeof(why)) : -ENODEV;
    keeping = kr >= 0 || kr == -EINVAL;
    if (kr == 1) {
        unsigned nr = nb_keep_rules(&keep, &vfr);
        printf("netback: counters kept from the previous instance (%u rule%s, %s)\n", nr, nr == 1 ? "" : "s",
               where);
    } else if (kr == -EINVAL)
        printf("netback: kept counters refused (%s): %s; counting from 0\n", where, why);
    else if (kr < 0)
        printf("netback: counters will not survive a restart (no kept pages: %s)\n", strerror(-kr));
    else if (!state)
        printf("netback: counters survive a crash of the program only (no state pages: state_pages in "
               "its config)\n");
    static char line[1024];
    if (cmdfile && saved && !rc) {
        /* the control plane's rules survive restarts: the start-of-day
         * file is not run over them */
        printf("netback: rules restored from %s; %s not run\n", vfr_dir, cmdfile);
        cmdfile = NULL;
    }
    if (cmdfile) {
        FILE *cf = fopen(cmdfile, "r");
        if (!cf) {
            fprintf(stderr, "netback: %s: %s\n", cmdfile, strerror(errno));
            return 1;
        }
        while (fgets(line, sizeof(line), cf)) {
            if (!strncmp(line, "exit", 4) && strspn(line + 4, " \t\r\n") == strlen(line + 4)) {
                printf("netback: exit\n");
                return 0;
            }
            command(line);
        }
        fclose(cf);
    }
    t[2] = restart_now_us();
    struct xd_host host = { xd_map_ring, xd_unmap_ring, xd_bind, xd_unbind, NULL };
    pass_ns = now(NULL);
    if ((rc = nbx_init(&nbx, xs, self, &nb, &host, queues))) {
        fprintf(stderr, "netback: cannot watch the backend directory (%s)\n", strerror(-rc));
        return 1;
    }
    t[3] = restart_now_us();
    printf("netback: started at %llu us in %llu us (devices %llu, rules %llu, xenstore %llu)\n", t[0],
           t[3] - t[0], t[1] - t[0], t[2] - t[1], t[3] - t[2]);
    printf("netback: serving /local/domain/%u/backend/vif\n", self);
    size_t have = 0;
    bool console = true, dirty = true; /* dirty: vifs or commands since the last sync */
    bool xs_in = true;                 /* xenstore's descriptor was readable */
    for (;;) {
        const char *path, *token;
        pass_ns = now(NULL); /* vifs added now start their rate limits now */
        /* watch events: only when some came (two system calls a round saved) */
        while ((xs_in || xsc_events_queued(xs)) && xsc_next_event(xs, &path, &token, 0) == 0) {
            xbe_event(&nbx.xbe, path, token);
            dirty = true;
        }
        /* a vif back gets its kept counts, a command's change is kept */
        if (dirty && keeping) nb_keep_sync(&keep, &nb, pass_ns);
        dirty = false;
        /* until a pass finds nothing to do, or xenstore's and the
         * console's turn; then sleep only if that pass was idle */
        int wait = nb_round(pass, &nbx);
        log_spoofing();
        struct pollfd pfd[4] = { { xsfd, POLLIN, 0 },
                                 { xd_evtchn_fd(), POLLIN, 0 },
                                 { console ? 0 : -1, POLLIN, 0 },
                                 { vf.fd, POLLIN, 0 } };
        int pr = poll(pfd, 4, wait);
        xs_in = pr < 0 || (pfd[0].revents & (POLLIN | POLLERR | POLLHUP));
        if (pr < 0) continue;
        if (pfd[3].revents & POLLIN) vnet_wait(&nic.vn, 0); /* acknowledges the interrupt; the loop polls */
        if (pfd[1].revents & POLLIN) {
            uint32_t ports[64];
            if (xd_pending(ports, 64) < 0) fprintf(stderr, "netback: re-arming event channels failed\n");
        }
        if (pfd[2].revents & POLLIN) {
            ssize_t n = read(0, line + have, sizeof(line) - 1 - have);
            if (n == 0) console = false; /* no console: stop asking */
            if (n > 0) {
                have += (size_t)n;
                line[have] = 0;
                char *nl;
                while ((nl = strchr(line, '\n'))) {
                    *nl = 0;
                    command(line);
                    dirty = true;
                    have -= (size_t)(nl + 1 - line);
                    memmove(line, nl + 1, have + 1);
                }
                if (have == sizeof(line) - 1) {
                    printf("error: command line too long\n");
                    have = 0;
                }
            }
        }
    }
}
