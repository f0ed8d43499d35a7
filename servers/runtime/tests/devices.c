/* Runtime test program: each device file.  /dev/xen/evtchn: bind an unbound port
 * and a channel to it, notify, poll, read, unmask, unbind, errors; privcmd: the
 * xen_version hypercall and a refused one; gntdev: map/mmap/unmap and grant-copy
 * error paths; gntalloc + gntdev: grant a page to ourselves (TESSERA_DOMID), map it,
 * grant-copy to and from it; ioperm and a port read.  Prints "devices: ok - ..." or "devices: FAIL - ..." per check. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/version.h>
#include <xen/grant_table.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/privcmd.h>
#include <xen/sys/gntdev.h>
#include <xen/sys/gntalloc.h>

/* Our domain id, as the runtime passes it. */
static uint16_t self_id(void)
{
    const char *d = getenv("TESSERA_DOMID");
    return d ? (uint16_t)atoi(d) : 0;
}

static int failed;

static void check(const char *name, int ok)
{
    printf("devices: %s - %s\n", ok ? "ok" : "FAIL", name);
    failed += !ok;
}

static long ms_since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

static void drain(int fd)
{
    struct pollfd pf = { .fd = fd, .events = POLLIN };
    uint32_t p[16];
    while (poll(&pf, 1, 0) == 1) {
        int got = read(fd, p, sizeof(p));
        for (int k = 0; k < got / 4; k++)
            write(fd, &p[k], 4);
    }
}

static void evtchn(void)
{
    int fd = open("/dev/xen/evtchn", O_RDWR);
    check("open /dev/xen/evtchn", fd >= 0);
    struct ioctl_evtchn_bind_unbound_port u = { .remote_domain = DOMID_SELF };
    int a = ioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &u);
    check("BIND_UNBOUND_PORT returns a port", a > 0);
    struct ioctl_evtchn_bind_interdomain i = { .remote_domain = DOMID_SELF, .remote_port = a };
    int b = ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &i);
    check("BIND_INTERDOMAIN to our own unbound port", b > 0 && b != a);
    drain(fd);
    struct pollfd pf = { .fd = fd, .events = POLLIN };
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    check("poll with nothing pending times out (0)", poll(&pf, 1, 100) == 0);
    check("poll waited at least 100 ms", ms_since(&t0) >= 100);
    struct ioctl_evtchn_notify nt = { .port = b };
    check("NOTIFY", ioctl(fd, IOCTL_EVTCHN_NOTIFY, &nt) == 0);
    check("poll: readable after notify", poll(&pf, 1, 1000) == 1 && (pf.revents & POLLIN));
    uint32_t p = 0;
    check("read returns the far end's port", read(fd, &p, 4) == 4 && p == (uint32_t)a);
    check("write unmasks it", write(fd, &p, 4) == 4);
    nt.port = a;
    ioctl(fd, IOCTL_EVTCHN_NOTIFY, &nt);
    check("notify back: read returns the other port", read(fd, &p, 4) == 4 && p == (uint32_t)b);
    write(fd, &p, 4);
    struct ioctl_evtchn_bind_virq v = { .virq = VIRQ_TIMER };
    check("BIND_VIRQ(VIRQ_TIMER) fails: the runtime owns it",
          ioctl(fd, IOCTL_EVTCHN_BIND_VIRQ, &v) == -1 && errno == EEXIST);
    v.virq = VIRQ_DOM_EXC;
    check("BIND_VIRQ(VIRQ_DOM_EXC)", ioctl(fd, IOCTL_EVTCHN_BIND_VIRQ, &v) > 0);
    nt.port = 4000;
    check("NOTIFY on a port not bound here fails (ENOTCONN)",
          ioctl(fd, IOCTL_EVTCHN_NOTIFY, &nt) == -1 && errno == ENOTCONN);
    struct ioctl_evtchn_unbind ub = { .port = b };
    check("UNBIND", ioctl(fd, IOCTL_EVTCHN_UNBIND, &ub) == 0);
    check("read with O_NONBLOCK and nothing queued: EAGAIN",
          fcntl(fd, F_SETFL, O_NONBLOCK) == 0 && read(fd, &p, 4) == -1 && errno == EAGAIN);
    check("close", close(fd) == 0);
}

static void privcmd(void)
{
    int fd = open("/dev/xen/privcmd", O_RDWR);
    check("open /dev/xen/privcmd", fd >= 0);
    privcmd_hypercall_t h = { .op = __HYPERVISOR_xen_version, .arg = { XENVER_version, 0 } };
    long v = ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h);
    printf("devices: xen_version %ld.%ld\n", v >> 16, v & 0xffff);
    check("IOCTL_PRIVCMD_HYPERCALL xen_version = 4.17", v == 0x40011);
    xen_extraversion_t extra = { 0 };
    h.arg[0] = XENVER_extraversion;
    h.arg[1] = (unsigned long)extra;
    check("xen_version(XENVER_extraversion) into program memory",
          ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h) == 0);
    h.op = __HYPERVISOR_set_trap_table;
    h.arg[0] = 0;
    check("set_trap_table refused (EPERM)", ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h) == -1 && errno == EPERM);
    void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check("mmap of privcmd reserves addresses", m != MAP_FAILED);
    xen_pfn_t mfn = 1;
    int err = 0;
    struct privcmd_mmapbatch_v2 b = {
        .num = 1, .dom = DOMID_SELF, .addr = (unsigned long)m, .arr = &mfn, .err = &err
    };
    ioctl(fd, IOCTL_PRIVCMD_MMAPBATCH_V2, &b);
    printf("devices: MMAPBATCH_V2 of our own domain: err %d\n", err);
    check("MMAPBATCH_V2 naming ourselves is refused per frame", err < 0);
    close(fd);
}

static void gntdev(void)
{
    int fd = open("/dev/xen/gntdev", O_RDWR);
    check("open /dev/xen/gntdev", fd >= 0);
    struct ioctl_gntdev_map_grant_ref mr = { .count = 1, .refs = { { .domid = self_id(), .ref = 8 } } };
    check("MAP_GRANT_REF records a reference", ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &mr) == 0);
    void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, mr.index);
    check("mmap of an empty grant entry fails", m == MAP_FAILED);
    struct ioctl_gntdev_unmap_grant_ref ur = { .index = mr.index, .count = 1 };
    check("UNMAP_GRANT_REF", ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &ur) == 0);
    static char buf[64];
    struct ioctl_gntdev_grant_copy_segment seg = {
        .source.foreign = { .ref = 8, .offset = 0, .domid = self_id() },
        .dest.virt = buf,
        .len = sizeof(buf),
        .flags = GNTCOPY_source_gref
    };
    struct ioctl_gntdev_grant_copy gc = { .count = 1, .segments = &seg };
    check("GRANT_COPY runs", ioctl(fd, IOCTL_GNTDEV_GRANT_COPY, &gc) == 0);
    printf("devices: grant copy from an empty entry: status %d\n", seg.status);
    check("GRANT_COPY from an empty entry reports a failing status", seg.status < 0);
    close(fd);
}

static void grants(void)
{
    int ga = open("/dev/xen/gntalloc", O_RDWR), gd = open("/dev/xen/gntdev", O_RDWR);
    check("open /dev/xen/gntalloc", ga >= 0);
    struct ioctl_gntalloc_alloc_gref ar = { .domid = self_id(), .flags = GNTALLOC_FLAG_WRITABLE, .count = 1 };
    check("ALLOC_GREF grants a page to domain 0 (ourselves)",
          ioctl(ga, IOCTL_GNTALLOC_ALLOC_GREF, &ar) == 0 && ar.gref_ids[0] >= 8);
    char *src = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ga, ar.index);
    check("mmap of the granted page", src != MAP_FAILED);
    if (src == MAP_FAILED) return;
    strcpy(src, "shared through a grant");
    struct ioctl_gntdev_map_grant_ref mr = { .count = 1,
                                             .refs = { { .domid = self_id(), .ref = ar.gref_ids[0] } } };
    check("gntdev MAP_GRANT_REF of that grant", ioctl(gd, IOCTL_GNTDEV_MAP_GRANT_REF, &mr) == 0);
    char *dst = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, gd, mr.index);
    check("gntdev mmap maps the grant", dst != MAP_FAILED);
    if (dst == MAP_FAILED) return;
    check("the mapping shows the granted page", !strcmp(dst, "shared through a grant"));
    dst[100] = 'x';
    check("a write through the mapping reaches the page", src[100] == 'x');
    char buf[32] = { 0 };
    struct ioctl_gntdev_grant_copy_segment seg[2] = {
        { .source.foreign = { .ref = ar.gref_ids[0], .offset = 0, .domid = self_id() },
          .dest.virt = buf,
          .len = 22,
          .flags = GNTCOPY_source_gref },
        { .source.virt = "copied in",
          .dest.foreign = { .ref = ar.gref_ids[0], .offset = 200, .domid = self_id() },
          .len = 10,
          .flags = GNTCOPY_dest_gref },
    };
    struct ioctl_gntdev_grant_copy gc = { .count = 2, .segments = seg };
    check("GRANT_COPY of two segments", ioctl(gd, IOCTL_GNTDEV_GRANT_COPY, &gc) == 0 &&
                                            seg[0].status == GNTST_okay && seg[1].status == GNTST_okay);
    check("grant copy out of the grant", !strcmp(buf, "shared through a grant"));
    check("grant copy into the grant", !strcmp(src + 200, "copied in"));
    check("munmap of the grant mapping", munmap(dst, 4096) == 0);
    struct ioctl_gntdev_unmap_grant_ref ur = { .index = mr.index, .count = 1 };
    check("UNMAP_GRANT_REF", ioctl(gd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &ur) == 0);
    check("munmap of the granted page", munmap(src, 4096) == 0);
    struct ioctl_gntalloc_dealloc_gref dr = { .index = ar.index, .count = 1 };
    check("DEALLOC_GREF", ioctl(ga, IOCTL_GNTALLOC_DEALLOC_GREF, &dr) == 0);
    close(gd);
    close(ga);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    evtchn();
    privcmd();
    gntdev();
    grants();
    check("ioperm(COM2)", ioperm(0x2f8, 8, 1) == 0);
    printf("devices: COM2 line status %#x\n", inb(0x2fd));
    check("inb from user mode after ioperm", 1);
    check("/dev/xen/xenbus without a store channel: ENODEV",
          open("/dev/xen/xenbus", O_RDWR) == -1 && errno == ENODEV);
    check("open of an unknown device fails (ENOENT)",
          open("/dev/xen/nothing", O_RDWR) == -1 && errno == ENOENT);
    check("stdout is not a terminal", !isatty(1));
    printf("devices: done, %d failed\n", failed);
    return failed ? 1 : 0;
}
