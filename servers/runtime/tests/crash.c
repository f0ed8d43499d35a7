/* Runtime test program: the first instance binds two event channels to each
 * other, raises one and then dies on a NULL write (SIGSEGV); the runtime restarts
 * it.  The second instance binds the same things again, gets the kept ports back
 * with the event still pending, and exits 0.  Both instances also grant a page to
 * our own domain (TESSERA_DOMID) and map that grant with
 * gntdev; the second finds both at the same addresses with the first's data.  argv[1] = "abort" makes the first
 * instance call abort() instead; "always" makes every instance die at once;
 * "late" makes instances 1-4 die after 1.5 s of life (past a 1 s
 * restart_window) and instance 5 exit 0. */
#include <fcntl.h>
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
#include <xen/sys/gntalloc.h>
#include <xen/sys/gntdev.h>

/* Our domain id, as the runtime passes it. */
static uint16_t self_id(void)
{
    const char *d = getenv("TESSERA_DOMID");
    return d ? (uint16_t)atoi(d) : 0;
}

static int bind_pair(int fd, int *a, int *b)
{
    struct ioctl_evtchn_bind_unbound_port u = { .remote_domain = DOMID_SELF };
    *a = ioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &u);
    struct ioctl_evtchn_bind_interdomain i = { .remote_domain = DOMID_SELF, .remote_port = *a };
    *b = ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &i);
    printf("crash: ports %d and %d\n", *a, *b);
    return *a > 0 && *b > 0;
}

/* Grant a page to ourselves and map the grant; returns the grantee's view. */
static char *grant_pair(char **granted)
{
    int ga = open("/dev/xen/gntalloc", O_RDWR), gd = open("/dev/xen/gntdev", O_RDWR);
    struct ioctl_gntalloc_alloc_gref ar = { .domid = self_id(), .flags = GNTALLOC_FLAG_WRITABLE, .count = 1 };
    if (ga < 0 || gd < 0 || ioctl(ga, IOCTL_GNTALLOC_ALLOC_GREF, &ar)) return NULL;
    *granted = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ga, ar.index);
    struct ioctl_gntdev_map_grant_ref mr = { .count = 1,
                                             .refs = { { .domid = self_id(), .ref = ar.gref_ids[0] } } };
    if (*granted == MAP_FAILED || ioctl(gd, IOCTL_GNTDEV_MAP_GRANT_REF, &mr)) return NULL;
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, gd, mr.index);
    printf("crash: grant %u: page at %p, mapped at %p\n", ar.gref_ids[0], (void *)*granted, (void *)m);
    return m == MAP_FAILED ? NULL : m;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *inst = getenv("TESSERA_INSTANCE");
    int n = inst ? atoi(inst) : 0;
    printf("crash: instance %d\n", n);
    if (argc > 1 && !strcmp(argv[1], "late")) {
        if (n >= 5) return 0;
        struct timespec ts = { 1, 500000000 };
        nanosleep(&ts, NULL);
        printf("crash: instance %d dies after 1.5 s\n", n);
        *(volatile int *)0 = n;
    }
    if (argc > 1 && !strcmp(argv[1], "always")) {
        int *volatile bad = (int *)8;
        *bad = n;
    }
    int fd = open("/dev/xen/evtchn", O_RDWR), a, b;
    if (fd < 0 || !bind_pair(fd, &a, &b)) return 2;
    char *granted, *shared = grant_pair(&granted);
    if (!shared) return 4;
    if (n == 1) {
        strcpy(granted, "written by instance 1");
        /* Drain the events the binding raised, then raise a: it stays pending. */
        uint32_t p[8];
        int got = read(fd, p, sizeof(p));
        for (int k = 0; k < got / 4; k++)
            write(fd, &p[k], 4);
        struct ioctl_evtchn_notify nt = { .port = b };
        ioctl(fd, IOCTL_EVTCHN_NOTIFY, &nt);
        printf("crash: raised port %d, crashing now\n", a);
        if (argc > 1 && !strcmp(argv[1], "abort")) abort();
        *(volatile int *)0 = 1;
        return 3;
    }
    uint32_t p;
    int got = read(fd, &p, sizeof(p));
    printf("crash: instance %d read %d bytes: port %u\n", n, got, got == 4 ? p : 0);
    printf("crash: instance %d sees \"%s\" through the kept grant mapping\n", n, shared);
    return got == 4 && (int)p == a ? 0 : 1;
}
