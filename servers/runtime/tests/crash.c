/* Runtime test program: the first instance binds two event channels to each
 * other, raises one and then dies on a NULL write (SIGSEGV); the runtime restarts
 * it.  The second instance binds the same things again, gets the kept ports back
 * with the event still pending, and exits 0.  argv[1] = "abort" makes the first
 * instance call abort() instead. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/sys/evtchn.h>

static int bind_pair(int fd, int *a, int *b)
{
    struct ioctl_evtchn_bind_unbound_port u = { .remote_domain = DOMID_SELF };
    *a = ioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &u);
    struct ioctl_evtchn_bind_interdomain i = { .remote_domain = DOMID_SELF, .remote_port = *a };
    *b = ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &i);
    printf("crash: ports %d and %d\n", *a, *b);
    return *a > 0 && *b > 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *inst = getenv("TESSERA_INSTANCE");
    int n = inst ? atoi(inst) : 0;
    printf("crash: instance %d\n", n);
    int fd = open("/dev/xen/evtchn", O_RDWR), a, b;
    if (fd < 0 || !bind_pair(fd, &a, &b))
        return 2;
    if (n == 1) {
        /* Drain the events the binding raised, then raise a: it stays pending. */
        uint32_t p[8];
        int got = read(fd, p, sizeof(p));
        for (int k = 0; k < got / 4; k++)
            write(fd, &p[k], 4);
        struct ioctl_evtchn_notify nt = { .port = b };
        ioctl(fd, IOCTL_EVTCHN_NOTIFY, &nt);
        printf("crash: raised port %d, crashing now\n", a);
        if (argc > 1 && !strcmp(argv[1], "abort"))
            abort();
        *(volatile int *)0 = 1;
        return 3;
    }
    uint32_t p;
    int got = read(fd, &p, sizeof(p));
    printf("crash: instance %d read %d bytes: port %u\n", n, got, got == 4 ? p : 0);
    return got == 4 && (int)p == a ? 0 : 1;
}
