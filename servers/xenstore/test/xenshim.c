/*
 * xenshim.so: LD_PRELOAD shim that lets Debian's Xen xenstored (C) and
 * oxenstored start on a host without a hypervisor, so the benchmark can
 * compare against them on the same machine. It stubs the privileged
 * interfaces they open at start-up (libxenctrl, libxenevtchn, libxengnttab),
 * lets oxenstored's setrlimit succeed in a container, and redirects
 * /proc/xen/xsd_port and /proc/xen/xsd_kva (dom0's own ring) to files in
 * $XS_SHIM_DIR.
 *
 * With $XS_SHIM_RINGS set, one introduced domain's ring also works, in the
 * layout of ring_host.h: the grant mapping of its xenstore page maps
 * RINGS/domD.ring, binding its event channel makes the daemon's event fd read
 * RINGS/domD.up, and notifications write RINGS/domD.down. That lets tests
 * compare the C daemon's answers to an unprivileged domain with ours.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenctrl.h>

static char dummy_handle[4096];
static int never_ready[2] = { -1, -1 };

int setrlimit(__rlimit_resource_t r, const struct rlimit *l)
{
    (void)r;
    (void)l;
    return 0;
}

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger, unsigned flags)
{
    (void)logger;
    (void)dombuild_logger;
    (void)flags;
    return (xc_interface *)dummy_handle;
}

void *xenevtchn_open(void *logger, unsigned flags)
{
    (void)logger;
    (void)flags;
    if (never_ready[0] < 0 && pipe(never_ready)) return NULL;
    return dummy_handle;
}

/* Local ports: 2 for dom0's (unused) ring, 100 + domid for introduced ones. */
#define PORT_BASE 100
static int down_fd = -1, bound_port = -1;

static int ring_fifo(unsigned domid, const char *suffix)
{
    const char *dir = getenv("XS_SHIM_RINGS");
    char path[4096];
    if (!dir) return -1;
    snprintf(path, sizeof(path), "%s/dom%u.%s", dir, domid, suffix);
    if (mkfifo(path, 0600) && errno != EEXIST) return -1;
    return open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
}

int xenevtchn_fd(void *h)
{
    (void)h;
    return never_ready[0];
}
int xenevtchn_bind_virq(void *h, unsigned virq)
{
    (void)h;
    (void)virq;
    return 1;
}

int xenevtchn_bind_interdomain(void *h, unsigned dom, unsigned port)
{
    (void)h;
    (void)port;
    int up = ring_fifo(dom, "up");
    if (up < 0) return 2;
    /* the daemon polls the fd it got from xenevtchn_fd(): make it the FIFO */
    dup2(up, never_ready[0]);
    close(up);
    if (down_fd >= 0) close(down_fd);
    down_fd = ring_fifo(dom, "down");
    bound_port = PORT_BASE + (int)dom;
    return bound_port;
}

int xenevtchn_pending(void *h)
{
    (void)h;
    char buf[256];
    while (read(never_ready[0], buf, sizeof(buf)) > 0)
        ;
    return bound_port;
}

int xenevtchn_unmask(void *h, int port)
{
    (void)h;
    (void)port;
    return 0;
}

int xenevtchn_notify(void *h, int port)
{
    (void)h;
    char b = 1;
    if (port >= PORT_BASE && down_fd >= 0 && write(down_fd, &b, 1) < 0) {
        /* FIFO full: the domain has notifications pending */
    }
    return 0;
}

int xenevtchn_unbind(void *h, int port)
{
    (void)h;
    (void)port;
    return 0;
}
int xenevtchn_close(void *h)
{
    (void)h;
    return 0;
}
void *xengnttab_open(void *logger, unsigned flags)
{
    (void)logger;
    (void)flags;
    return dummy_handle;
}
int xengnttab_set_max_grants(void *h, uint32_t n)
{
    (void)h;
    (void)n;
    return 0;
}

void *xengnttab_map_grant_ref(void *h, uint32_t domid, uint32_t ref, int prot)
{
    (void)h;
    (void)ref;
    const char *dir = getenv("XS_SHIM_RINGS");
    char path[4096];
    if (!dir) return NULL;
    snprintf(path, sizeof(path), "%s/dom%u.ring", dir, domid);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || ftruncate(fd, 4096)) {
        if (fd >= 0) close(fd);
        return NULL;
    }
    void *p = mmap(NULL, 4096, prot, MAP_SHARED, fd, 0);
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

int xengnttab_unmap(void *h, void *addr, uint32_t count)
{
    (void)h;
    return munmap(addr, 4096 * (size_t)count);
}

/* Every domain asked about exists and is running. */
int xc_domain_getinfo(xc_interface *xch, uint32_t first, unsigned int max, xc_dominfo_t *info)
{
    (void)xch;
    if (!max) return 0;
    memset(info, 0, sizeof(*info));
    info->domid = first;
    return 1;
}

static const char *redirect(const char *p, char *buf, size_t n)
{
    const char *dir = getenv("XS_SHIM_DIR");
    if (dir && (!strcmp(p, "/proc/xen/xsd_port") || !strcmp(p, "/proc/xen/xsd_kva"))) {
        snprintf(buf, n, "%s/%s", dir, strrchr(p, '/') + 1);
        return buf;
    }
    return p;
}

#define WRAP_OPEN(name)                                                                                      \
    int name(const char *p, int f, ...)                                                                      \
    {                                                                                                        \
        static int (*real)(const char *, int, ...);                                                          \
        char buf[4096];                                                                                      \
        va_list ap;                                                                                          \
        va_start(ap, f);                                                                                     \
        int mode = va_arg(ap, int);                                                                          \
        va_end(ap);                                                                                          \
        if (!real) real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #name);                          \
        return real(redirect(p, buf, sizeof(buf)), f, mode);                                                 \
    }
WRAP_OPEN(open)
WRAP_OPEN(open64)
