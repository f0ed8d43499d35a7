/* svc: a small service program for the builder's integration tests
 * (tests/suites/46-builder-*.sh), run by the service runtime in a domain the
 * builder created.  Arguments (key=value):
 *   name=N        what it calls itself in its lines ("svc N: ...")
 *   peer=D        the other test domain
 *   role=offer    grant a page to the peer, put a message in it, and offer an
 *                 unbound event channel to it; answer each event with one
 *   role=take     find the peer's channel and grant (by trying, as nothing
 *                 tells us their numbers), read the message, send an event,
 *                 wait for the answer
 *   role=pair     many of these from one config (tests/suites/64-density.sh):
 *                 the peer is our neighbour by domain id; an odd id offers to
 *                 id-1 (which exists already), an even id takes from id+1
 *                 (created next), waiting up to 2 minutes for it; the name
 *                 defaults to dID
 *   crash=S       crash (SIGSEGV) S seconds into instance 1 (the runtime
 *                 restarts the program)
 *   crash_always=S  crash S seconds into every instance
 * Then it idles, printing nothing more. */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntdev.h>
#include <xen/sys/gntalloc.h>

static const char *name = "?";
static int peer = -1, crash_after = -1, crash_always, find_tries = 100;
static char role[16];

static void arg(const char *a)
{
    if (!strncmp(a, "name=", 5))
        name = a + 5;
    else if (!strncmp(a, "peer=", 5))
        peer = atoi(a + 5);
    else if (!strncmp(a, "role=", 5))
        snprintf(role, sizeof(role), "%s", a + 5);
    else if (!strncmp(a, "crash=", 6))
        crash_after = atoi(a + 6);
    else if (!strncmp(a, "crash_always=", 13))
        crash_after = atoi(a + 13), crash_always = 1;
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };
    nanosleep(&t, NULL);
}

/* Waits up to ms for an event on the evtchn file; unmasks it again. */
static int wait_event(int fd, int ms)
{
    struct pollfd p = { fd, POLLIN, 0 };
    uint32_t port;
    if (poll(&p, 1, ms) != 1 || read(fd, &port, 4) != 4) return -1;
    write(fd, &port, 4);
    return (int)port;
}

static void offer(int ev)
{
    int ga = open("/dev/xen/gntalloc", O_RDWR);
    struct ioctl_gntalloc_alloc_gref g = { (uint16_t)peer, GNTALLOC_FLAG_WRITABLE, 1, 0, { 0 } };
    if (ga < 0 || ioctl(ga, IOCTL_GNTALLOC_ALLOC_GREF, &g)) {
        printf("svc %s: FAIL - cannot grant a page\n", name);
        return;
    }
    char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ga, (off_t)g.index);
    if (page == MAP_FAILED) {
        printf("svc %s: FAIL - cannot map the granted page\n", name);
        return;
    }
    snprintf(page, 4096, "hello from %s", name);
    struct ioctl_evtchn_bind_unbound_port u = { (unsigned)peer };
    int port = ioctl(ev, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &u);
    printf("svc %s: offered grant %u and port %d to domain %d\n", name, g.gref_ids[0], port, peer);
    fflush(stdout);
    for (int n = 0; n < 3; n++) {
        int p = wait_event(ev, 60000);
        if (p < 0) return;
        printf("svc %s: event %d from the peer, page now says: %s\n", name, n + 1, page);
        fflush(stdout);
        struct ioctl_evtchn_notify nt = { (unsigned)p };
        ioctl(ev, IOCTL_EVTCHN_NOTIFY, &nt);
    }
}

/* The peer's port offered to us: the one bind_interdomain accepts. */
static int find_port(int ev)
{
    for (int tries = 0; tries < find_tries; tries++, sleep_ms(200))
        for (unsigned p = 1; p < 64; p++) {
            struct ioctl_evtchn_bind_interdomain b = { (unsigned)peer, p };
            int lp = ioctl(ev, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
            if (lp > 0) return lp;
        }
    return -1;
}

/* The peer's grant to us: the first reference that maps. */
static char *find_grant(void)
{
    int gd = open("/dev/xen/gntdev", O_RDWR);
    for (uint32_t ref = 8; gd >= 0 && ref < 256; ref++) {
        struct ioctl_gntdev_map_grant_ref m = { 1, 0, 0, { { (uint32_t)peer, ref } } };
        if (ioctl(gd, IOCTL_GNTDEV_MAP_GRANT_REF, &m)) continue;
        char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, gd, (off_t)m.index);
        if (p != MAP_FAILED) return p;
        struct ioctl_gntdev_unmap_grant_ref u = { m.index, 1, 0 };
        ioctl(gd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
    }
    return NULL;
}

static void take(int ev)
{
    int lp = find_port(ev);
    char *page = lp > 0 ? find_grant() : NULL;
    if (!page) {
        printf("svc %s: FAIL - no channel or grant from domain %d\n", name, peer);
        return;
    }
    printf("svc %s: the granted page says: %s\n", name, page);
    snprintf(page, 4096, "%s was here", name);
    struct ioctl_evtchn_notify nt = { (unsigned)lp };
    ioctl(ev, IOCTL_EVTCHN_NOTIFY, &nt);
    printf("svc %s: %s\n", name, wait_event(ev, 10000) == lp ? "answer received" : "FAIL - no answer");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        arg(argv[i]);
    const char *inst = getenv("TESSERA_INSTANCE"), *dom = getenv("TESSERA_DOMID");
    int instance = inst ? atoi(inst) : 1;
    char own[16];
    if (!strcmp(role, "pair") && dom) {
        int id = atoi(dom);
        if (!strcmp(name, "?")) snprintf(own, sizeof(own), "d%d", id), name = own;
        snprintf(role, sizeof(role), "%s", id & 1 ? "offer" : "take");
        peer = id & 1 ? id - 1 : id + 1;
        find_tries = 600;
    }
    printf("svc %s: instance %d on domain %s\n", name, instance, dom ? dom : "?");
    fflush(stdout);
    if (crash_after >= 0 && (instance == 1 || crash_always)) {
        sleep_ms(crash_after * 1000L);
        printf("svc %s: crashing on purpose\n", name);
        fflush(stdout);
        volatile uintptr_t bad = 8;
        *(volatile int *)bad = 1;
    }
    int ev = open("/dev/xen/evtchn", O_RDWR);
    if (ev >= 0 && peer >= 0 && !strcmp(role, "offer") && instance == 1)
        offer(ev);
    else if (ev >= 0 && peer >= 0 && !strcmp(role, "take") && instance == 1)
        take(ev);
    for (;;)
        sleep_ms(1000);
}
