/*
 * domtest.c: the xenstore-domain test program (tests/suites/23-xenstore-
 * domain.sh), run by the service runtime in two roles:
 *
 *   role=master xs=D guest=G guest_port=P   the control domain's part, as
 *       the domain builder would play it (docs/xenstore.md): grant a ring
 *       page to the xenstore domain D (gntalloc), allocate an unbound port
 *       for it, talk over that ring with servers/lib's client, introduce
 *       domain G (its store port P), watch it write, answer, crash the
 *       xenstore program (CONTROL crash) and check the state survived, then
 *       see @releaseDomain when G is gone.
 *   role=guest   an ordinary domain: its own xenstore connection
 *       (/dev/xen/xenbus), relative paths, a permission denial, a watch
 *       that lives across the server's restart.
 *
 * Every line it prints is asserted by the suite.
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntalloc.h>

#include "xsclient.h"

static const char *role = "?";

#define say(...)                                                                                             \
    do {                                                                                                     \
        printf("xs-test %s: ", role);                                                                        \
        printf(__VA_ARGS__);                                                                                 \
        printf("\n");                                                                                        \
    } while (0)
#define die(...)                                                                                             \
    do {                                                                                                     \
        say("FAIL " __VA_ARGS__);                                                                            \
        exit(1);                                                                                             \
    } while (0)

static const char *arg(int argc, char **argv, const char *key)
{
    size_t k = strlen(key);
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], key, k) && argv[i][k] == '=') return argv[i] + k + 1;
    return NULL;
}

static void pause_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

/* The ring's event channel through /dev/xen/evtchn. */
struct chan {
    int fd;
    uint32_t port;
};

static void chan_notify(void *ctx)
{
    struct chan *c = ctx;
    struct ioctl_evtchn_notify n = { c->port };
    ioctl(c->fd, IOCTL_EVTCHN_NOTIFY, &n);
}

static int chan_wait(void *ctx, int timeout_ms)
{
    struct chan *c = ctx;
    struct pollfd p = { c->fd, POLLIN, 0 };
    int r = poll(&p, 1, timeout_ms);
    if (r < 0) return -errno;
    if (!r) return -ETIMEDOUT;
    uint32_t ports[16];
    ssize_t n = read(c->fd, ports, sizeof(ports));
    if (n > 0 && write(c->fd, ports, (size_t)n) < 0) return -errno;
    return 0;
}

static const struct xsc_ring_ops chan_ops = { chan_notify, chan_wait };

/* The next watch event with this token (others are skipped, and said). */
static const char *event(struct xsc *x, const char *token, int timeout_ms)
{
    const char *path, *tok;
    for (;;) {
        int rc = xsc_next_event(x, &path, &tok, timeout_ms);
        if (rc) die("no watch event for %s (%d)", token, rc);
        if (!strcmp(tok, token)) return path;
        say("other event %s %s", path, tok);
    }
}

/* Xen's name of an errno (the ERROR reply the client got). */
static const char *errname(int e)
{
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (xsd_errors[i].errnum == e) return xsd_errors[i].errstring;
    return strerror(e);
}

static void must(int rc, const char *what)
{
    if (rc) die("%s: %s", what, errname(-rc));
}

static int master(int argc, char **argv)
{
    const char *xs_s = arg(argc, argv, "xs"), *g_s = arg(argc, argv, "guest"),
               *gp_s = arg(argc, argv, "guest_port");
    if (!xs_s || !g_s || !gp_s) die("usage: role=master xs=D guest=G guest_port=P");
    uint32_t xs = (uint32_t)atoi(xs_s), guest = (uint32_t)atoi(g_s);
    int ev = open("/dev/xen/evtchn", O_RDWR | O_NONBLOCK), ga = open("/dev/xen/gntalloc", O_RDWR);
    if (ev < 0 || ga < 0) die("cannot open the device files");
    /* the ring page and the channel, as the builder makes them */
    struct ioctl_gntalloc_alloc_gref a = { .domid = (uint16_t)xs,
                                           .flags = GNTALLOC_FLAG_WRITABLE,
                                           .count = 1 };
    if (ioctl(ga, IOCTL_GNTALLOC_ALLOC_GREF, &a)) die("gntalloc: %s", strerror(errno));
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ga, (off_t)a.index);
    if (page == MAP_FAILED) die("gntalloc mmap: %s", strerror(errno));
    struct ioctl_evtchn_bind_unbound_port u = { xs };
    int port = ioctl(ev, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &u);
    if (port < 0) die("unbound port: %s", strerror(errno));
    say("ring page grant %u, port %d for domain %u", a.gref_ids[0], port, xs);
    struct chan ch = { ev, (uint32_t)port };
    struct xsc *x = xsc_new_ring(page, &chan_ops, &ch);
    xsc_set_timeout(x, 60000); /* the xenstore domain may still boot */
    must(xsc_write(x, "/tool/test", "hello"), "write /tool/test");
    xsc_set_timeout(x, 20000);
    char *v = NULL;
    must(xsc_read(x, "/tool/test", &v), "read /tool/test");
    say("connected: /tool/test = %s", v);
    free(v);
    must(xsc_watch(x, "@introduceDomain", "intro"), "watch @introduceDomain");
    event(x, "intro", 5000);
    must(xsc_watch(x, "@releaseDomain", "release"), "watch @releaseDomain");
    event(x, "release", 5000);

    char dir[64], data[80], reply[80], ack[80];
    snprintf(dir, sizeof(dir), "/local/domain/%u", guest);
    snprintf(data, sizeof(data), "%s/data", dir);
    snprintf(reply, sizeof(reply), "%s/reply", dir);
    snprintf(ack, sizeof(ack), "%s/ack", dir);
    char owner[16];
    snprintf(owner, sizeof(owner), "n%u", guest);
    const char *perms[1] = { owner };
    must(xsc_mkdir(x, dir), "mkdir");
    must(xsc_set_perms(x, dir, perms, 1), "set_perms");
    must(xsc_watch(x, data, "data"), "watch data");
    event(x, "data", 5000);
    must(xsc_watch(x, ack, "ack"), "watch ack");
    event(x, "ack", 5000);
    int rc = -1;
    for (int i = 0; i < 150 && rc; i++) { /* the guest may not be built yet */
        rc = xsc_introduce(x, guest, 0, (uint32_t)atoi(gp_s));
        if (rc) pause_ms(200);
    }
    must(rc, "introduce");
    say("introduced domain %u", guest);
    event(x, "intro", 5000);
    say("@introduceDomain fired");
    say("is domain %u introduced: %d", guest, xsc_is_introduced(x, guest));

    const char *ev_path = event(x, "data", 30000);
    say("event %s", ev_path);
    must(xsc_read(x, data, &v), "read data");
    say("domain %u wrote: %s", guest, v);
    free(v);
    must(xsc_write(x, reply, "hi"), "write reply");
    ev_path = event(x, "ack", 30000); /* the guest has read it */
    say("event %s", ev_path);

    /* the xenstore program dies after answering; its runtime restarts it */
    must(xsc_control(x, "crash", NULL, NULL), "control crash");
    say("asked the xenstore program to crash");
    must(xsc_read(x, "/tool/test", &v), "read after the restart");
    say("after the restart: /tool/test = %s", v);
    free(v);
    must(xsc_write(x, reply, "after the restart"), "write reply again");

    ev_path = event(x, "release", 60000);
    say("event %s", ev_path);
    say("@releaseDomain fired");
    say("is domain %u introduced: %d", guest, xsc_is_introduced(x, guest));
    rc = xsc_read(x, data, &v);
    say("read %s after release: %s", data, rc ? errname(-rc) : v);
    say("done");
    for (;;)
        pause_ms(1000);
}

static int guest(void)
{
    int fd = open("/dev/xen/xenbus", O_RDWR);
    if (fd < 0) die("open /dev/xen/xenbus: %s", strerror(errno));
    struct xsc *x = xsc_new_fd(fd);
    xsc_set_timeout(x, 60000); /* until we are introduced */
    must(xsc_watch(x, "reply", "r"), "watch reply");
    xsc_set_timeout(x, 20000);
    event(x, "r", 5000);
    char *v = NULL;
    int rc = xsc_read(x, "/tool/test", &v);
    say("read /tool/test: %s", rc ? errname(-rc) : v);
    must(xsc_write(x, "data", "hello from the guest"), "write data");
    say("wrote data");
    const char *ev_path = event(x, "r", 30000);
    say("event %s", ev_path);
    must(xsc_read(x, "reply", &v), "read reply");
    say("reply: %s", v);
    free(v);
    must(xsc_write(x, "ack", "1"), "write ack");
    ev_path = event(x, "r", 60000);
    say("event %s", ev_path);
    must(xsc_read(x, "reply", &v), "read reply");
    say("reply: %s", v);
    free(v);
    say("done");
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    role = arg(argc, argv, "role");
    if (!role) role = "?";
    if (!strcmp(role, "master")) return master(argc, argv);
    if (!strcmp(role, "guest")) return guest();
    die("role=master|guest");
}
