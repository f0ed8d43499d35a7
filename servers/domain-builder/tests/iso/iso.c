/* iso: the performance isolation experiment's guests (issue 19; bench/isolation.sh
 * measures, tests/suites/64-density.sh checks the refusals).  Run by the service
 * runtime in a domain of its own.  Arguments (key=value):
 *   name=N       what it calls itself in its lines ("iso N: ...")
 *   role=victim  the measured workload: rounds of integer work, a 64 KiB memset
 *                and one hypercall; every window=MS (default 2000) of its own
 *                clock it prints "iso N: window K: R rounds in M ms"
 *   role=cpu     spins (the fork bomb's effect on a one-process guest)
 *   role=mem     allocates and touches all the memory the runtime gives it, then
 *                asks the hypervisor for more (increase_reservation, one extent
 *                at a time) until refused at its maximum, then keeps touching its
 *                memory and asking again (a memory and hypercall flood)
 *   role=evtchn  allocates unbound event channels until the hypervisor refuses,
 *                then sends events on a channel bound to itself, forever
 *   role=grant   offers pages to domain 0 (gntalloc) until refused, then floods
 *                grant table hypercalls (setup_table, query_size) forever
 *   role=xs      writes xenstore nodes under its home (data/) until xenstored refuses,
 *                then reads its directory of them, forever (xenstored defers it once
 *                over its share of xenstored's time); after 100 reads it says
 *                whether every answer was the first one
 *   role=dirty   fills all the memory the runtime gives it with a marker (the
 *                quadword "SCRUBDAT"), says how much, and sleeps: a domain whose
 *                data must not reach the next one (64-density destroys it)
 *   role=look    takes all the memory the runtime gives it and counts the pages
 *                holding a dirty domain's marker ("iso N: scanned K KiB, P pages
 *                with a dead domain's data"), then sleeps
 * Each flood prints one line saying where it was refused and with what, then
 * "iso N: flooding" and nothing more. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/version.h>
#include <xen/io/xs_wire.h>
#include <xen/sys/privcmd.h>
#include <xen/sys/gntalloc.h>

static const char *name = "?";
static char role[16];
static long window_ms = 2000;
static int privcmd = -1;

/* A hypercall through privcmd: its result, or -errno. */
static long hcall(unsigned op, uint64_t a0, uint64_t a1, uint64_t a2)
{
    privcmd_hypercall_t h = { op, { a0, a1, a2, 0, 0 } };
    long rc = ioctl(privcmd, IOCTL_PRIVCMD_HYPERCALL, &h);
    return rc < 0 ? -errno : rc;
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("iso %s: ", name);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
}

static volatile uint64_t sink;
static void work(unsigned n)
{
    uint64_t x = sink;
    for (unsigned i = 0; i < n; i++)
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    sink = x;
}

static void victim(void)
{
    static char buf[65536];
    long start = now_ms();
    for (long k = 1;; k++) {
        long rounds = 0, end = start + window_ms, t;
        do {
            work(20000);
            memset(buf, (int)rounds, sizeof(buf));
            hcall(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
            rounds++;
        } while ((t = now_ms()) < end);
        say("window %ld: %ld rounds in %ld ms", k, rounds, t - start);
        start = t;
    }
}

static long reservation(unsigned cmd)
{
    domid_t self = DOMID_SELF;
    return hcall(__HYPERVISOR_memory_op, cmd, (uint64_t)(uintptr_t)&self, 0);
}

/* One page more from the hypervisor: 1 extent, or 0 when refused. */
static long one_more(void)
{
    static xen_pfn_t pfn;
    struct xen_memory_reservation r = { .nr_extents = 1, .extent_order = 0, .domid = DOMID_SELF };
    set_xen_guest_handle(r.extent_start, &pfn);
    return hcall(__HYPERVISOR_memory_op, XENMEM_increase_reservation, (uint64_t)(uintptr_t)&r, 0);
}

static void mem(void)
{
    enum { CHUNK = 256 << 10 };
    char *chunks[4096];
    long n = 0;
    while (n < 4096 && (chunks[n] = malloc(CHUNK)) != NULL)
        memset(chunks[n++], 1, CHUNK);
    say("memory hog: %ld KiB allocated and touched, then malloc failed", n * (CHUNK >> 10));
    long got = 0, rc;
    while ((rc = one_more()) == 1)
        got++;
    long cur = reservation(XENMEM_current_reservation), max = reservation(XENMEM_maximum_reservation);
    say("increase_reservation: %ld pages more, then %ld extents; %s", got, rc,
        cur == max ? "current = maximum" : "current below the maximum");
    say("flooding");
    for (unsigned i = 0;; i++) {
        if (n) memset(chunks[i % n], (int)i, CHUNK);
        one_more();
    }
}

static void evtchn(void)
{
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 0 };
    long rc, n = 0;
    evtchn_port_t last = 0;
    while ((rc = hcall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (uint64_t)(uintptr_t)&a, 0)) ==
           0)
        last = a.port, n++;
    say("event channels: %ld allocated, the last port %u, then %ld", n, last, rc);
    /* a channel to ourselves: close one port, offer it to ourselves, bind it */
    struct evtchn_close c = { last };
    hcall(__HYPERVISOR_event_channel_op, EVTCHNOP_close, (uint64_t)(uintptr_t)&c, 0);
    a = (struct evtchn_alloc_unbound){ .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
    hcall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (uint64_t)(uintptr_t)&a, 0);
    struct evtchn_bind_interdomain b = { .remote_dom = DOMID_SELF, .remote_port = a.port };
    rc = hcall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_interdomain, (uint64_t)(uintptr_t)&b, 0);
    say("flooding");
    struct evtchn_send s = { rc ? a.port : b.local_port };
    for (;;)
        hcall(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (uint64_t)(uintptr_t)&s, 0);
}

/* Pages offered to domain 0 until the runtime refuses (its own table of
 * offers: the guest's business), then the hypervisor's part: the grant table
 * grown to its maximum, one frame more refused, and those two calls forever. */
static void grant(void)
{
    int ga = open("/dev/xen/gntalloc", O_RDWR);
    long n = 0, rc = 0;
    for (;;) {
        struct ioctl_gntalloc_alloc_gref g = { 0, GNTALLOC_FLAG_WRITABLE, 1, 0, { 0 } };
        if ((rc = ioctl(ga, IOCTL_GNTALLOC_ALLOC_GREF, &g) < 0 ? -errno : 0)) break;
        n++;
    }
    say("grants: %ld pages offered to domain 0, then %ld", n, rc);
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    hcall(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, (uint64_t)(uintptr_t)&q, 1);
    static xen_pfn_t frames[1024];
    uint32_t max = q.max_nr_frames < 1023 ? q.max_nr_frames : 1023;
    struct gnttab_setup_table full = { .dom = DOMID_SELF, .nr_frames = max }, more = full;
    set_xen_guest_handle(full.frame_list, frames);
    more = full;
    more.nr_frames = max + 1;
    hcall(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, (uint64_t)(uintptr_t)&full, 1);
    hcall(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, (uint64_t)(uintptr_t)&more, 1);
    say("setup_table of %u frames (the maximum): status %d; of %u: status %d", max, full.status, max + 1,
        more.status);
    say("flooding");
    for (;;) {
        hcall(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, (uint64_t)(uintptr_t)&q, 1);
        hcall(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, (uint64_t)(uintptr_t)&full, 1);
    }
}

static size_t xs_len; /* the last reply's payload length */

/* One xenstore request; the reply's type, its payload in out (NUL-ended). */
static int xs_req(int fd, uint32_t type, const char *body, size_t blen, char *out, size_t cap)
{
    struct xsd_sockmsg h = { type, 1, 0, (uint32_t)blen };
    char msg[sizeof(h) + 256];
    memcpy(msg, &h, sizeof(h));
    memcpy(msg + sizeof(h), body, blen);
    if (write(fd, msg, sizeof(h) + blen) != (ssize_t)(sizeof(h) + blen)) return -1;
    size_t got = 0, want = sizeof(h);
    static char in[sizeof(h) + XENSTORE_PAYLOAD_MAX];
    while (got < want) {
        ssize_t r = read(fd, in + got, want - got);
        if (r <= 0) return -1;
        got += (size_t)r;
        if (got == sizeof(h)) {
            memcpy(&h, in, sizeof(h));
            want += h.len;
        }
    }
    size_t n = h.len < cap ? h.len : cap - 1;
    xs_len = h.len;
    memcpy(out, in + sizeof(h), n);
    out[n] = 0;
    return (int)h.type;
}

static void xs(void)
{
    int fd = open("/dev/xen/xenbus", O_RDWR);
    char body[128], reply[64];
    long n = 0;
    int t;
    for (;;) { /* 20 a directory: the node quota refuses, not the entry size */
        int len = snprintf(body, sizeof(body), "data/d%ld/n%ld", n / 20, n % 20);
        memcpy(body + len + 1, "x", 1);
        if ((t = xs_req(fd, XS_WRITE, body, (size_t)len + 2, reply, sizeof(reply))) != XS_WRITE) break;
        n++;
    }
    say("xenstore: %ld nodes written, then %s", n, t == XS_ERROR ? reply : "no answer");
    say("flooding");
    static char dir[XENSTORE_PAYLOAD_MAX + 1], first[XENSTORE_PAYLOAD_MAX + 1];
    size_t flen = 0, entries = 0;
    long same = 0;
    for (long reads = 0;; reads++) {
        t = xs_req(fd, XS_DIRECTORY, "data", 5, dir, sizeof(dir));
        if (!reads) {
            flen = xs_len;
            memcpy(first, dir, sizeof(first));
            for (size_t i = 0; i < flen; i++)
                entries += !dir[i];
        }
        same += t == XS_DIRECTORY && xs_len == flen && !memcmp(dir, first, flen);
        if (reads == 99)
            say("xenstore: %ld of 100 directory reads answered alike (%zu entries)", same, entries);
    }
}

/* dirty and look: every chunk the runtime's malloc gives (fresh pages of ours) */
#define MARKER 0x5441444255524353ull /* "SCRUBDAT" */
static void dirty_or_look(int look)
{
    enum { CHUNK = 64 << 10 };
    long n = 0, pages = 0;
    uint64_t *c;
    while (n < 4096 && (c = malloc(CHUNK)) != NULL) {
        n++;
        for (size_t pg = 0; pg < CHUNK / 8; pg += 512) {
            int hit = 0;
            for (size_t i = pg; i < pg + 512; i++) {
                hit |= c[i] == MARKER;
                if (!look) c[i] = MARKER;
            }
            pages += hit;
        }
    }
    if (look)
        say("scanned %ld KiB, %ld pages with a dead domain's data", n * (CHUNK >> 10), pages);
    else
        say("filled %ld KiB with its marker", n * (CHUNK >> 10));
    for (;;) {
        struct timespec t = { 1000, 0 };
        nanosleep(&t, NULL);
    }
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strncmp(a, "name=", 5))
            name = a + 5;
        else if (!strncmp(a, "role=", 5))
            snprintf(role, sizeof(role), "%s", a + 5);
        else if (!strncmp(a, "window=", 7))
            window_ms = atol(a + 7);
    }
    privcmd = open("/dev/xen/privcmd", O_RDWR);
    const char *inst = getenv("TESSERA_INSTANCE");
    say("%s, instance %ld", role, inst ? atol(inst) : 1);
    if (!strcmp(role, "victim")) victim();
    if (!strcmp(role, "mem")) mem();
    if (!strcmp(role, "evtchn")) evtchn();
    if (!strcmp(role, "grant")) grant();
    if (!strcmp(role, "xs")) xs();
    if (!strcmp(role, "dirty") || !strcmp(role, "look")) dirty_or_look(!strcmp(role, "look"));
    for (;;)
        work(1 << 20);
}
