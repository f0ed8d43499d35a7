/* blkback's xenbus side against our host xenstored (a Unix socket): the
 * toolstack's backend and frontend nodes, the XenbusState handshake, the
 * feature nodes blkfront reads, hotplug-status, multi-queue ring setup,
 * refusals, close and reopen, removal. */
#include "t.h"
#include "fake_vblk.h"
#include "disk_io.h"
#include "xb.h"
#include "ctl.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xen/io/xenbus.h>

static struct xsc *conn(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
        if (fd >= 0) close(fd);
        return NULL;
    }
    return xsc_new_fd(fd);
}

/* Fake rings and event channels. */
static blkif_sring_t *rings[16];
static int mapped, binds;
static void *map_ring(void *ctx, uint16_t domid, uint32_t gref)
{
    (void)ctx;
    if (domid != 5 || gref >= 16 || !rings[gref]) return NULL;
    mapped++;
    return rings[gref];
}
static void unmap_ring(void *ctx, void *r)
{
    (void)ctx;
    (void)r;
    mapped--;
}
static int fbind(void *ctx, uint16_t domid, uint32_t port)
{
    (void)ctx;
    (void)domid;
    binds++;
    return (int)port + 100;
}
static void funbind(void *ctx, unsigned port)
{
    (void)ctx;
    (void)port;
    binds--;
}
static unsigned notified;
static int gcopy(void *ctx, struct xd_copy *c, unsigned n)
{
    (void)ctx;
    for (unsigned i = 0; i < n; i++)
        c[i].status = GNTST_bad_gntref;
    return 0;
}
static void notify(void *ctx, unsigned port)
{
    (void)ctx;
    (void)port;
    notified++;
}

static struct xb B;
static struct bb_ctl C;

/* Hand every queued watch event to the backend (its control node first). */
static void settle(struct xsc *bx)
{
    const char *p, *t;
    while (xsc_next_event(bx, &p, &t, 200) == 0)
        if (!bb_ctl_event(&C, p, t)) xbe_event(&B.xbe, p, t);
}

static bool is(struct xsc *x, const char *path, const char *want)
{
    char *v = NULL;
    bool ok = xsc_read(x, path, &v) == 0 && !strcmp(v, want);
    if (!ok) printf("# %s = '%s', want '%s'\n", path, v ? v : "(none)", want);
    free(v);
    return ok;
}

/* The toolstack's request "SEQ CMD" to the control node; true when the
 * result is want ("SEQ RC LINES") and its lines line0, line1 (NULL: no
 * such line). */
static bool ctl(struct xsc *ts, struct xsc *bx, const char *req, const char *want, const char *line0,
                const char *line1)
{
    xsc_write(ts, "/local/domain/0/control/vbd-request", req);
    settle(bx);
    bool ok = is(ts, "/local/domain/0/control/vbd-result", want);
    if (line0) ok &= is(ts, "/local/domain/0/control/vbd-result/0", line0);
    if (line1) ok &= is(ts, "/local/domain/0/control/vbd-result/1", line1);
    return ok;
}


#define BE "/local/domain/0/backend/vbd"
static void toolstack(struct xsc *ts, unsigned fe, const char *params, const char *mode)
{
    char p[160], v[64];
#define W(node, val) (snprintf(p, sizeof(p), BE "/%u/51712/%s", fe, node), xsc_write(ts, p, val))
    snprintf(v, sizeof(v), "/local/domain/%u/device/vbd/51712", fe);
    snprintf(p, sizeof(p), "/local/domain/%u/device/vbd/51712/state", fe);
    xsc_write(ts, p, "1");
    W("frontend", v);
    snprintf(v, sizeof(v), "%u", fe);
    W("params", params);
    W("mode", mode);
    W("dev", "xvda");
    W("type", "phy");
    W("online", "1");
    W("state", "1");
    W("frontend-id", v); /* last: the device is complete */
#undef W
}

void test_xenbus(void)
{
    const char *xsd = getenv("BB_XENSTORED");
    char dir[] = "/tmp/bb-xs-XXXXXX", sock[64], pidf[64];
    CHECK(xsd && access(xsd, X_OK) == 0 && mkdtemp(dir), "host xenstored available (BB_XENSTORED)");
    if (!xsd || access(xsd, X_OK)) return;
    snprintf(sock, sizeof(sock), "%s/sock", dir);
    snprintf(pidf, sizeof(pidf), "%s/pid", dir);
    pid_t pid = fork();
    if (pid == 0) {
        execl(xsd, "xenstored", "-s", sock, "-F", pidf, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 1000 && access(pidf, F_OK); i++)
        usleep(10000);
    struct xsc *bx = conn(sock), *ts = conn(sock);
    CHECK(bx && ts, "two connections to xenstored");
    if (!bx || !ts) goto out;

    struct fvb *f = fvb_new(32 * 2048);
    static struct vblk blk;
    static struct disk_io dio;
    static struct vbd_map m;
    static struct bb bb;
    vblk_init(&blk, fvb_vdev(f), 64);
    disk_io_init(&dio, &blk, 0);
    struct vbd_io io = disk_io_ops(&dio);
    vbd_load(&m, &io, blk.capacity);
    char out[128];
    vbd_command(&m, &io, "create a 4M", out, sizeof(out));
    struct bb_env env = { gcopy, notify, NULL, NULL, NULL, 0, 0 };
    bb_init(&bb, &blk, &env, 256);
    struct xd_host host = { map_ring, unmap_ring, fbind, funbind, NULL };
    CHECK(xb_init(&B, bx, 0, &bb, &m, &host, 2) == 0, "xb_init watches " BE);
    settle(bx);

    toolstack(ts, 5, "a", "w");
    settle(bx);
    const char *d5 = BE "/5/51712";
    char p[200];
#define N(node) (snprintf(p, sizeof(p), "%s/%s", d5, node), p)
    CHECK(is(ts, N("state"), "2") && is(ts, N("hotplug-status"), "connected"),
          "a complete device: hotplug-status connected, state InitWait");
    CHECK(is(ts, N("feature-flush-cache"), "1") && is(ts, N("feature-max-indirect-segments"), "256") &&
              is(ts, N("multi-queue-max-queues"), "2"),
          "features: flush-cache, 256 indirect segments, 2 queues");
    CHECK(is(ts, N("sectors"), "8192") && is(ts, N("info"), "0") && is(ts, N("sector-size"), "512") &&
              is(ts, N("physical-sector-size"), "512"),
          "sectors 8192, info 0, sector-size and physical-sector-size 512");
    CHECK(m.vbd[0].rw_dom == 5, "vbd a attached rw to d5");

    /* Another guest asking for a (rw) and one for a vbd that does not exist. */
    toolstack(ts, 6, "a", "w");
    toolstack(ts, 7, "nosuch", "r");
    toolstack(ts, 8, "a", "x");
    settle(bx);
    CHECK(is(ts, BE "/6/51712/hotplug-status", "error") && is(ts, BE "/6/51712/state", "6") &&
              is(ts, BE "/6/51712/hotplug-error", "vbd attached elsewhere (rw to one guest, ro to many)"),
          "a second rw attach: hotplug-status error, the reason, state Closed");
    CHECK(is(ts, BE "/7/51712/hotplug-error", "no such vbd") && is(ts, BE "/7/51712/state", "6"),
          "an unknown vbd: refused");
    CHECK(is(ts, BE "/8/51712/hotplug-error", "mode is neither w nor r"), "mode 'x': refused");

    /* The frontend: two queues. */
    for (int i = 0; i < 4; i++) {
        rings[i] = aligned_alloc(4096, 4096);
        memset(rings[i], 0, 4096);
        SHARED_RING_INIT(rings[i]);
    }
    const char *fe = "/local/domain/5/device/vbd/51712";
#define F(node, val) (snprintf(p, sizeof(p), "%s/%s", fe, node), xsc_write(ts, p, val))
    F("multi-queue-num-queues", "2");
    F("queue-0/ring-ref", "1");
    F("queue-0/event-channel", "9");
    F("queue-1/ring-ref", "2");
    F("queue-1/event-channel", "10");
    F("protocol", "x86_64-abi");
    F("state", "3");
    settle(bx);
    CHECK(is(ts, N("state"), "4") && mapped == 2 && binds == 2,
          "frontend Initialised with 2 queues: rings mapped, ports bound, Connected");
    struct bb_queue *q1 = xb_queue_of_port(&B, 110);
    CHECK(q1 && q1 == &((struct bb_dev *)B.xbe.dev[0].priv)->q[1], "queue 1 is bound to local port 110");

    /* The toolstack's VBD commands through the control node (xl vbd-*). */
    CHECK(bb_ctl_init(&C, bx, 0, &B, &m, &io) == 0, "bb_ctl_init watches control/vbd-request");
    settle(bx);
    CHECK(ctl(ts, bx, "1 create b 2M", "1 0 1", "ok b 2 MiB, 1 extent, detached", NULL), "1 create b 2M");
    CHECK(ctl(ts, bx, "2 list", "2 0 3", "ok 2 vbds", "a 4 MiB, 1 extent, rw d5") &&
              is(ts, "/local/domain/0/control/vbd-result/2", "b 2 MiB, 1 extent, detached"),
          "2 list: a summary and a line per vbd");
    CHECK(ctl(ts, bx, "3 create b 1M", "3 -17 1", "error: vbd 'b' exists", NULL),
          "an existing name: -EEXIST");
    CHECK(
        ctl(ts, bx, "4 create b/c 1M", "4 -22 1", "error: bad name 'b/c' (1-31 of A-Z a-z 0-9 . _ -)", NULL),
        "a bad name: -EINVAL");
    CHECK(ctl(ts, bx, "5 create c 0", "5 -22 1", "error: bad size '0' (bytes, with K, M, G or T)", NULL),
          "size 0: -EINVAL");
    CHECK(
        ctl(ts, bx, "6 create c 64M", "6 -28 1", "error: not enough free space on the disk for 64 MiB", NULL),
        "past the disk (32 MiB): -ENOSPC");
    CHECK(ctl(ts, bx, "7 grow a 64M", "7 -28 1", "error: not enough free space on the disk for 64 MiB", NULL),
          "a grow that cannot fit: -ENOSPC");
    CHECK(ctl(ts, bx, "8 grow a 2M", "8 -22 1", "error: 'a' is already 4 MiB", NULL), "a shrink: -EINVAL");
    CHECK(ctl(ts, bx, "9 delete nosuch", "9 -2 1", "error: no vbd 'nosuch'", NULL),
          "an unknown vbd: -ENOENT");
    CHECK(ctl(ts, bx, "10 delete a", "10 -16 1", "error: vbd 'a' is attached", NULL),
          "an attached vbd: -EBUSY");
    CHECK(ctl(ts, bx, "11 dma-probe own", "11 -22 1",
              "error: unknown command 'dma-probe' (create, ensure, grow, delete, list)", NULL),
          "only VBD commands (not the console's dma-probe, crash)");
    CHECK(ctl(ts, bx, "x list", "0 -22 1", "error: malformed request (want 'SEQ COMMAND')", NULL) &&
              ctl(ts, bx, "99999999999 list", "0 -22 1", NULL, NULL) &&
              ctl(ts, bx, "0 list", "0 -22 1", NULL, NULL),
          "a request without a sequence number (or 0, or past 2^32-1): malformed");
    char big[400];
    snprintf(big, sizeof(big), "12 create %0300d 1M", 1);
    CHECK(ctl(ts, bx, big, "12 -22 1", "error: a command is one line of at most 256 characters", NULL),
          "a request over 256 characters: refused");
    CHECK(ctl(ts, bx, "13 create d 1M", "13 0 1", NULL, NULL) &&
              ctl(ts, bx, "13 create d 1M", "13 0 1", "ok d 1 MiB, 1 extent, detached", NULL),
          "a request answered already (written again, or found after a restart) is not run again");
    CHECK(ctl(ts, bx, "14 delete d", "14 0 1", "ok deleted d", NULL) && !vbd_find(&m, "d"), "14 delete d");
    CHECK(ctl(ts, bx, "15 grow a 6M", "15 0 1", "ok a 6 MiB, 2 extents, rw d5", NULL) &&
              is(ts, N("sectors"), "12288") && is(ts, N("state"), "4"),
          "grow of an attached vbd: its device's sectors = 12288, state Connected written again");
    CHECK(ctl(ts, bx, "16 list", "16 0 3", "ok 2 vbds", "a 6 MiB, 2 extents, rw d5"),
          "a shorter answer after a longer one: only its lines");

    /* A request through the xenbus-made queue (bad grant: an error answer). */
    blkif_front_ring_t fr;
    FRONT_RING_INIT(&fr, rings[2], 4096);
    blkif_request_t *rq = RING_GET_REQUEST(&fr, fr.req_prod_pvt++);
    *rq = (blkif_request_t){ .operation = BLKIF_OP_READ, .nr_segments = 1, .id = 42 };
    rq->seg[0] = (struct blkif_request_segment){ .gref = 3, .first_sect = 0, .last_sect = 7 };
    int nt;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&fr, nt);
    (void)nt;
    bool took = xb_run(&B);
    for (int i = 0; i < 10; i++) {
        vblk_wait(&blk, 0);
        bb_poll(&bb);
    }
    CHECK(took && rings[2]->rsp_prod == 1 && RING_GET_RESPONSE(&fr, 0)->id == 42 &&
              RING_GET_RESPONSE(&fr, 0)->status == BLKIF_RSP_ERROR && notified == 1,
          "xb_run serves queue 1; the answer is notified");
    /* blkback restarted under the connected frontend (a new program on
     * its own connection): the device is connected again from the nodes
     * as they are, and the new instance writes nothing (a feature node
     * changed meanwhile stays as it is, state stays Connected) */
    {
        static struct xb B2;
        static struct vbd_map m2; /* the new instance's, read from the disk */
        struct xsc *bx2 = conn(sock);
        F("state", "4"); /* the frontend saw Connected */
        settle(bx);
        xsc_write(ts, N("feature-flush-cache"), "kept");
        vbd_load(&m2, &io, blk.capacity);
        CHECK(bx2 && xb_init(&B2, bx2, 0, &bb, &m2, &host, 2) == 0, "a second instance watches " BE);
        const char *ep, *et;
        while (bx2 && xsc_next_event(bx2, &ep, &et, 200) == 0)
            xbe_event(&B2.xbe, ep, et);
        struct xbe_dev *d2 = &B2.xbe.dev[0];
        CHECK(d2->used && d2->connected && d2->fe_domid == 5 && mapped == 4 && binds == 4,
              "the second instance connected d5's two queues again without a handshake");
        CHECK(is(ts, N("feature-flush-cache"), "kept") && is(ts, N("state"), "4") &&
                  is(ts, N("hotplug-status"), "connected"),
              "... and wrote no node: the probe's writes are dropped when it resumes");
        mapped -= 2; /* B2 is left as it is: the first instance goes on */
        binds -= 2;
        xsc_free(bx2);
    }
    /* The ring broken by the frontend: the backend closes. */
    rings[1]->req_prod = 1000;
    xb_run(&B);
    CHECK(is(ts, N("state"), "5"), "a ring with impossible indices: the backend goes Closing");
    F("state", "5");
    settle(bx);
    CHECK(mapped == 0 && binds == 0, "frontend Closing: rings unmapped, ports unbound");
    F("state", "6");
    settle(bx);
    CHECK(is(ts, N("state"), "6"), "frontend Closed: backend Closed");
    F("state", "1");
    settle(bx);
    CHECK(is(ts, N("state"), "2"), "frontend Initialising again: backend InitWait again");

    /* Hostile frontend nodes. */
    rings[1]->req_prod = 0;
    F("protocol", "x86_32-abi");
    F("state", "3");
    settle(bx);
    CHECK(is(ts, N("state"), "5") && mapped == 0, "protocol x86_32-abi: refused (Closing), nothing mapped");
    F("state", "6");
    settle(bx);
    F("state", "1");
    settle(bx);
    F("protocol", "x86_64-abi");
    F("multi-queue-num-queues", "9");
    F("state", "3");
    settle(bx);
    CHECK(is(ts, N("state"), "5") && mapped == 0, "multi-queue-num-queues 9 (over 2): refused");
    F("state", "6");
    settle(bx);
    F("state", "1");
    settle(bx);
    F("multi-queue-num-queues", "1");
    F("ring-ref", "15"); /* nothing granted there */
    F("event-channel", "4");
    F("state", "3");
    settle(bx);
    CHECK(is(ts, N("state"), "5") && mapped == 0 && binds == 0,
          "a ring-ref that cannot be mapped: refused, nothing left bound");

    /* The toolstack removes the device: the vbd is free again. */
    snprintf(p, sizeof(p), "%s", BE "/5");
    xsc_rm(ts, p);
    settle(bx);
    CHECK(m.vbd[0].rw_dom == -1 && !B.xbe.dev[0].used, "backend directory removed: vbd a detached");
    toolstack(ts, 6, "a", "r");
    xsc_rm(ts, BE "/6/51712/state"); /* make it new again */
    snprintf(p, sizeof(p), "%s", BE "/6");
    xsc_rm(ts, p);
    settle(bx);
    toolstack(ts, 6, "a", "r");
    settle(bx);
    CHECK(is(ts, BE "/6/51712/state", "2") && is(ts, BE "/6/51712/info", "4") && m.vbd[0].nro == 1,
          "then d6 gets it read-only (info 4 = VDISK_READONLY)");
#undef F
#undef N
    for (int i = 0; i < 4; i++)
        free(rings[i]);
    fvb_free(f);
out:
    xsc_free(bx);
    xsc_free(ts);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    unlink(sock);
    unlink(pidf);
    rmdir(dir);
}
