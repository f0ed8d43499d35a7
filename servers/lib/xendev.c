/* Backends' calls to /dev/xen/{gntdev,evtchn} (see xendev.h). */
#include "xendev.h"
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntdev.h>

static int evfd = -1, gntfd = -1;
static struct {
    void *va;
    uint64_t index;
    unsigned count;
} maps[XD_MAX_MAPS];

int xd_open(void)
{
    evfd = open("/dev/xen/evtchn", O_RDWR | O_NONBLOCK);
    if (evfd < 0) return -errno;
    gntfd = open("/dev/xen/gntdev", O_RDWR);
    return gntfd < 0 ? -errno : 0;
}

int xd_evtchn_fd(void) { return evfd; }

int xd_gcopy(void *ctx, struct xd_copy *c, unsigned n)
{
    (void)ctx;
    struct ioctl_gntdev_grant_copy_segment seg[XD_MAX_COPY];
    while (n) {
        unsigned k = n < XD_MAX_COPY ? n : XD_MAX_COPY;
        for (unsigned i = 0; i < k; i++) {
            memset(&seg[i], 0, sizeof(seg[i]));
            seg[i].len = c[i].len;
            if (c[i].to_guest) {
                seg[i].source.virt = c[i].local;
                seg[i].dest.foreign.ref = c[i].gref;
                seg[i].dest.foreign.offset = c[i].goff;
                seg[i].dest.foreign.domid = c[i].domid;
                seg[i].flags = GNTCOPY_dest_gref;
            } else {
                seg[i].dest.virt = c[i].local;
                seg[i].source.foreign.ref = c[i].gref;
                seg[i].source.foreign.offset = c[i].goff;
                seg[i].source.foreign.domid = c[i].domid;
                seg[i].flags = GNTCOPY_source_gref;
            }
        }
        struct ioctl_gntdev_grant_copy g = { k, seg };
        if (ioctl(gntfd, IOCTL_GNTDEV_GRANT_COPY, &g)) return -errno;
        for (unsigned i = 0; i < k; i++)
            c[i].status = seg[i].status;
        c += k;
        n -= k;
    }
    return 0;
}

void *xd_map_rings(void *ctx, uint16_t domid, const uint32_t *grefs, unsigned n)
{
    (void)ctx;
    unsigned slot = XD_MAX_MAPS;
    for (unsigned i = 0; i < XD_MAX_MAPS && slot == XD_MAX_MAPS; i++)
        if (!maps[i].va) slot = i;
    if (slot == XD_MAX_MAPS || !n || n > XD_MAX_RING_PAGES) return NULL;
    /* Linux's refs[1] runs on for count entries: fill them as bytes. */
    union {
        struct ioctl_gntdev_map_grant_ref m;
        uint8_t raw[sizeof(struct ioctl_gntdev_map_grant_ref) +
                    (XD_MAX_RING_PAGES - 1) * sizeof(struct ioctl_gntdev_grant_ref)];
    } req;
    memset(&req, 0, sizeof(req));
    req.m.count = n;
    for (unsigned i = 0; i < n; i++) {
        struct ioctl_gntdev_grant_ref g = { domid, grefs[i] };
        memcpy(req.raw + offsetof(struct ioctl_gntdev_map_grant_ref, refs) + i * sizeof(g), &g, sizeof(g));
    }
    if (ioctl(gntfd, IOCTL_GNTDEV_MAP_GRANT_REF, &req)) return NULL;
    void *va = mmap(NULL, 4096ul * n, PROT_READ | PROT_WRITE, MAP_SHARED, gntfd, (off_t)req.m.index);
    if (va == MAP_FAILED) {
        struct ioctl_gntdev_unmap_grant_ref u = { req.m.index, n, 0 };
        ioctl(gntfd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
        return NULL;
    }
    maps[slot].va = va;
    maps[slot].index = req.m.index;
    maps[slot].count = n;
    return va;
}

void *xd_map_ring(void *ctx, uint16_t domid, uint32_t gref) { return xd_map_rings(ctx, domid, &gref, 1); }

void xd_unmap_ring(void *ctx, void *va)
{
    (void)ctx;
    for (unsigned i = 0; i < XD_MAX_MAPS; i++)
        if (maps[i].va == va) {
            munmap(va, 4096ul * maps[i].count);
            struct ioctl_gntdev_unmap_grant_ref u = { maps[i].index, maps[i].count, 0 };
            ioctl(gntfd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
            maps[i].va = NULL;
        }
}

int xd_bind(void *ctx, uint16_t domid, uint32_t remote_port)
{
    (void)ctx;
    struct ioctl_evtchn_bind_interdomain b = { domid, remote_port };
    int lp = ioctl(evfd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
    return lp < 0 ? -errno : lp;
}

void xd_unbind(void *ctx, unsigned port)
{
    (void)ctx;
    struct ioctl_evtchn_unbind u = { port };
    ioctl(evfd, IOCTL_EVTCHN_UNBIND, &u);
}

void xd_notify(void *ctx, unsigned port)
{
    (void)ctx;
    struct ioctl_evtchn_notify nt = { port };
    ioctl(evfd, IOCTL_EVTCHN_NOTIFY, &nt);
}

int xd_pending(uint32_t *ports, unsigned max)
{
    ssize_t n = read(evfd, ports, max * sizeof(uint32_t));
    if (n < 0) return errno == EAGAIN ? 0 : -errno;
    /* writing the ports back unmasks them */
    if (n > 0 && write(evfd, ports, (size_t)n) != n) return -EIO;
    return (int)(n / (ssize_t)sizeof(uint32_t));
}
