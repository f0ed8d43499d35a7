/*
 * blkback, the program: a service domain's block backend.  It drives the
 * virtio-blk function given on the command line (pci=SSSS:BB:DD.F) through
 * the runtime's PCI device file, keeps the VBD map on that disk, serves the
 * vbd devices the toolstack puts under its backend directory in xenstore, and
 * takes VBD commands (create, grow, delete, list) from the toolstack's
 * control node (ctl.h: xl vbd-create ...) and on its console.
 * Arguments: pci=SBDF [queues=N] [pages=N] [persistent=N] [commands=FILE]
 * [ensure=NAME:SIZE ...] (each runs the command "ensure NAME SIZE" at start:
 * make run's VBD, created on a blank disk and kept after);
 * (persistent: grants kept mapped per ring, 0 (the default: grant copy,
 * faster here for large requests, see docs/blkback.md) = feature-persistent
 * not offered; FILE's lines are
 * run as commands at start, e.g. a boot file /boot/NAME; a line "exit" ends
 * the program there).  Linux's
 * /dev/xen/{evtchn,gntdev,xenbus} are its other devices, so it builds and
 * runs as a Linux process too; without a xenstore connection (the first
 * domain has none) it only serves commands.
 */
#include "blkback.h"
#include "crash_cmd.h"
#include "ctl.h"
#include "disk_io.h"
#include "dma_probe.h"
#include "vdev_file.h"
#include "xb.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "progver.h"

TESSERA_PROGRAM("blkback");

static struct vdev_file vf;
static struct vblk blk;
static struct bb_ctl ctl; /* VBD commands: the console's, the boot file's, the toolstack's */

static void command(char *line)
{
    static char out[8192];
    line[strcspn(line, "\r\n")] = 0;
    if (!line[strspn(line, " \t")]) return;
    /* Fault injection for the restart suite (65-restart): "crash",
     * "crash domain". */
    if (crash_command("blkback", line)) return;
    if (!strncmp(line, "dma-probe", 9) && (!line[9] || line[9] == ' '))
        dma_probe(&blk, &vf, line + 9, out, sizeof(out));
    else
        bb_ctl_command(&ctl, line, out, sizeof(out));
    printf("%s\n", out);
}

int main(int argc, char **argv)
{
    unsigned long long t[6] = { restart_now_us() }; /* start-up phases, for a restart's downtime */
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *sbdf = NULL;
    const char *cmdfile = NULL;
    const char *ensure[8];
    unsigned nensure = 0;
    unsigned queues = BB_MAX_QUEUES, pages = 1024, pgrants = 0;
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "pci=", 4))
            sbdf = argv[i] + 4;
        else if (!strncmp(argv[i], "queues=", 7))
            queues = (unsigned)strtoul(argv[i] + 7, NULL, 10);
        else if (!strncmp(argv[i], "commands=", 9))
            cmdfile = argv[i] + 9;
        else if (!strncmp(argv[i], "pages=", 6))
            pages = (unsigned)strtoul(argv[i] + 6, NULL, 10);
        else if (!strncmp(argv[i], "persistent=", 11))
            pgrants = (unsigned)strtoul(argv[i] + 11, NULL, 10);
        else if (!strncmp(argv[i], "ensure=", 7) && strchr(argv[i], ':') && nensure < 8)
            ensure[nensure++] = argv[i] + 7;
        else {
            fprintf(stderr,
                    "blkback: unknown argument '%s' (pci=SBDF [queues=N] [pages=N] [persistent=N] "
                    "[commands=FILE] [ensure=NAME:SIZE], at most 8 ensure=)\n",
                    argv[i]);
            return 2;
        }
    }
    if (!sbdf || pages < BB_MAX_INDIRECT || pages > 65536 || pgrants > 65536) {
        fprintf(stderr,
                "blkback: usage: pci=SSSS:BB:DD.F [queues=1-%u] [pages=%u-65536] [persistent=0-65536]\n",
                BB_MAX_QUEUES, BB_MAX_INDIRECT);
        return 2;
    }
    const char *d = getenv("TESSERA_DOMID");
    uint16_t self = d ? (uint16_t)atoi(d) : 0;

    static struct disk_io dio;
    static struct vbd_map map;
    static struct bb bb;
    static struct xb xb;
    int rc = vdev_file_open(&vf, sbdf);
    if (rc) {
        fprintf(stderr, "blkback: %s: cannot open the function (%s)\n", sbdf, strerror(-rc));
        return 1;
    }
    if ((rc = vblk_init(&blk, &vf.vdev, 256))) {
        fprintf(stderr, "blkback: %s: not a usable virtio-blk device (%d)\n", sbdf, rc);
        return 1;
    }
    if (blk.blk_size != 512) {
        fprintf(stderr, "blkback: %s: logical blocks of %u bytes are not supported\n", sbdf, blk.blk_size);
        return 1;
    }
    t[1] = restart_now_us();
    disk_io_init(&dio, &blk, 30000);
    struct vbd_io io = disk_io_ops(&dio);
    if ((rc = vbd_load(&map, &io, blk.capacity))) {
        fprintf(stderr, "blkback: %s: the VBD map cannot be read (%d)%s\n", sbdf, rc,
                rc == -EIO ? ": both copies damaged, not formatting over them" : "");
        return 1;
    }
    printf("blkback: disk %s: %llu MiB, %s, %u vector%s, map generation %llu, %u vbd%s\n", sbdf,
           (unsigned long long)(blk.capacity / 2048), blk.flush ? "write cache (flush)" : "write-through",
           blk.pci.nvec, blk.pci.nvec == 1 ? "" : "s", (unsigned long long)map.generation, map.n,
           map.n == 1 ? "" : "s");
    t[2] = restart_now_us();
    static char line[512];
    bb_ctl_init(&ctl, NULL, self, NULL, &map, &io);
    for (unsigned i = 0; i < nensure; i++) {
        snprintf(line, sizeof(line), "ensure %.*s %s", (int)strcspn(ensure[i], ":"), ensure[i],
                 strchr(ensure[i], ':') + 1);
        command(line);
    }
    if (cmdfile) {
        FILE *cf = fopen(cmdfile, "r");
        if (!cf) {
            fprintf(stderr, "blkback: %s: %s\n", cmdfile, strerror(errno));
            return 1;
        }
        /* "exit" ends the program there (tests; not a console command). */
        while (fgets(line, sizeof(line), cf)) {
            if (!strncmp(line, "exit", 4) && strspn(line + 4, " \t\r\n") == strlen(line + 4)) {
                printf("blkback: exit\n");
                return 0;
            }
            command(line);
        }
        fclose(cf);
    }
    t[3] = restart_now_us();
    int xd = xd_open();
    int xsfd = open("/dev/xen/xenbus", O_RDWR), xs_err = errno;
    if (xd) {
        fprintf(stderr, "blkback: /dev/xen/{evtchn,gntdev}: %s\n", strerror(-xd));
        return 1;
    }
    struct xsc *xs = xsfd >= 0 ? xsc_new_fd(xsfd) : NULL;
    struct bb_env env = { xd_gcopy, xd_notify, NULL, xd_map_ring, xd_unmap_ring, pgrants, BB_PGRANTS_ALL };
    struct xd_host host = { xd_map_ring, xd_unmap_ring, xd_bind, xd_unbind, NULL };
    /* enough pages for the largest request now, the rest while serving */
    if ((rc = bb_init_part(&bb, &blk, &env, pages, BB_MAX_INDIRECT))) {
        fprintf(stderr, "blkback: start-up failed (%d)\n", rc);
        return 1;
    }
    t[4] = restart_now_us();
    if (xs && (rc = xb_init(&xb, xs, self, &bb, &map, &host, queues))) {
        fprintf(stderr, "blkback: start-up failed (%d)\n", rc);
        return 1;
    }
    xb.map_rings = xd_map_rings; /* before the first xenstore event is read */
    if (xs && (rc = bb_ctl_init(&ctl, xs, self, &xb, &map, &io))) {
        fprintf(stderr, "blkback: watching the control node failed (%d)\n", rc);
        return 1;
    }
    t[5] = restart_now_us();
    printf("blkback: started at %llu us in %llu us (device %llu, VBD map %llu, commands %llu, buffers %llu, "
           "xenstore %llu)\n",
           t[0], t[5] - t[0], t[1] - t[0], t[2] - t[1], t[3] - t[2], t[4] - t[3], t[5] - t[4]);
    if (xs)
        printf("blkback: serving /local/domain/%u/backend/vbd\n", self);
    else
        printf("blkback: no xenstore connection (%s): commands only\n", strerror(xs_err));
    size_t have = 0;
    for (;;) {
        const char *path, *token;
        while (xs && xsc_next_event(xs, &path, &token, 0) == 0)
            if (!bb_ctl_event(&ctl, path, token)) xbe_event(&xb.xbe, path, token);
        for (int i = 0; i < 64; i++) {
            bool any = xb_run(&xb);
            bb_poll(&bb);
            if (!any) break;
        }
        struct pollfd pfd[4] = { { xs ? xsfd : -1, POLLIN, 0 },
                                 { xd_evtchn_fd(), POLLIN, 0 },
                                 { vf.fd, POLLIN, 0 },
                                 { 0, POLLIN, 0 } };
        /* the rest of the page pool, a little at a time between passes */
        int timeout = bb_grow(&bb, bb_busy(&bb) ? 256 : 32) ? 0 : -1; /* faster while requests wait */
        if (poll(pfd, 4, timeout) < 0) continue;
        if (pfd[2].revents & POLLIN) vblk_wait(&blk, 0);
        if (pfd[1].revents & POLLIN) {
            uint32_t ports[64];
            int n = xd_pending(ports, 64);
            if (n < 0)
                fprintf(stderr, "blkback: re-arming event channels failed\n");
            else if (n > 0)
                xb_run(&xb);
        }
        if (pfd[3].revents & POLLIN) {
            ssize_t n = read(0, line + have, sizeof(line) - 1 - have);
            if (n > 0) {
                have += (size_t)n;
                line[have] = 0;
                char *nl;
                while ((nl = strchr(line, '\n'))) {
                    *nl = 0;
                    command(line);
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
