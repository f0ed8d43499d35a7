/* The real back end's device side (see backend_privcmd.c): foreign mappings
 * in our window, event channels, grant mappings, and opening it all. */
#include "backend/backend_privcmd.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xen/sys/privcmd.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntdev.h>
#include <xen/sys/gntalloc.h>

extern const struct backend_ops privcmd_ops;

/* A window of addresses: the read-write one, or the read-only one of a save. */
struct win {
    uint8_t *base, *used;
    size_t pages;
};

static struct win win_of(struct pc *p, int ro)
{
    return ro ? (struct win){ p->ro_window, p->ro_used, PC_RO_PAGES }
              : (struct win){ p->window, p->used, PC_WINDOW_PAGES };
}

/* First fit of n free pages in the window; -1 if none. */
static long window_alloc(struct win w, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < w.pages; i++) {
        run = w.used[i] ? 0 : run + 1;
        if (run == n) {
            memset(w.used + i + 1 - n, 1, n);
            return (long)(i + 1 - n);
        }
    }
    return -1;
}

static void *map_in(struct backend *b, int ro, uint32_t domid, const uint64_t *mfns, size_t n)
{
    struct pc *p = pc_of(b);
    long first = n ? window_alloc(win_of(p, ro), n) : -1;
    int *errs = calloc(n ? n : 1, sizeof(int));
    if (first < 0 || !errs) {
        free(errs);
        return NULL;
    }
    uint8_t *va = win_of(p, ro).base + (size_t)first * 4096;
    struct privcmd_mmapbatch_v2 m = { (unsigned)n, (domid_t)domid, (uint64_t)(uintptr_t)va,
                                      (const xen_pfn_t *)mfns, errs };
    int rc = ioctl(p->privcmd, IOCTL_PRIVCMD_MMAPBATCH_V2, &m);
    for (size_t i = 0; !rc && i < n; i++)
        rc = errs[i];
    free(errs);
    if (rc) {
        pc_unmap(b, va, n); /* whatever did get mapped */
        return NULL;
    }
    return va;
}

void *pc_map(struct backend *b, uint32_t domid, const uint64_t *mfns, size_t n)
{
    return map_in(b, 0, domid, mfns, n);
}

void *pc_map_ro(struct backend *b, uint32_t domid, const uint64_t *mfns, size_t n)
{
    return map_in(b, 1, domid, mfns, n);
}

int pc_unmap(struct backend *b, void *va, size_t n)
{
    struct pc *p = pc_of(b);
    struct win w =
        win_of(p, (uint8_t *)va >= p->ro_window && (uint8_t *)va < p->ro_window + PC_RO_PAGES * 4096ul);
    size_t first = (size_t)((uint8_t *)va - w.base) / 4096;
    if ((uint8_t *)va < w.base || first + n > w.pages) return -EINVAL;
    /* MAP_FIXED anonymous-free replacement: munmap clears the foreign PTEs;
     * the window stays ours (the device region keeps the addresses). */
    if (munmap(va, n * 4096)) return -errno;
    memset(w.used + first, 0, n);
    return 0;
}

int pc_bind_interdomain(struct backend *b, uint32_t domid, uint32_t rport, uint32_t *lport)
{
    struct ioctl_evtchn_bind_interdomain a = { domid, rport };
    int rc = ioctl(pc_of(b)->evtchn, IOCTL_EVTCHN_BIND_INTERDOMAIN, &a);
    if (rc < 0) return -errno;
    *lport = (uint32_t)rc;
    return 0;
}

int pc_bind_virq(struct backend *b, uint32_t virq, uint32_t *lport)
{
    struct ioctl_evtchn_bind_virq a = { virq };
    int rc = ioctl(pc_of(b)->evtchn, IOCTL_EVTCHN_BIND_VIRQ, &a);
    if (rc < 0) return -errno;
    *lport = (uint32_t)rc;
    return 0;
}

int pc_unbind(struct backend *b, uint32_t lport)
{
    struct ioctl_evtchn_unbind a = { lport };
    return ioctl(pc_of(b)->evtchn, IOCTL_EVTCHN_UNBIND, &a) < 0 ? -errno : 0;
}

int pc_notify(struct backend *b, uint32_t lport)
{
    struct ioctl_evtchn_notify a = { lport };
    return ioctl(pc_of(b)->evtchn, IOCTL_EVTCHN_NOTIFY, &a) < 0 ? -errno : 0;
}

int pc_pending(struct backend *b, uint32_t *lport)
{
    uint32_t port;
    ssize_t n = read(pc_of(b)->evtchn, &port, sizeof(port));
    if (n != sizeof(port)) return n < 0 && errno != EAGAIN ? -errno : -EAGAIN;
    if (write(pc_of(b)->evtchn, &port, sizeof(port)) != sizeof(port)) return -errno; /* unmask it again */
    *lport = port;
    return 0;
}

int pc_event_fd(struct backend *b) { return pc_of(b)->evtchn; }

int pc_bind_unbound(struct backend *b, uint32_t remote, uint32_t *lport)
{
    struct ioctl_evtchn_bind_unbound_port a = { remote };
    int rc = ioctl(pc_of(b)->evtchn, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &a);
    if (rc < 0) return -errno;
    *lport = (uint32_t)rc;
    return 0;
}

void *pc_grant_pages(struct backend *b, uint32_t domid, uint32_t n, uint32_t *grefs)
{
    struct pc *p = pc_of(b);
    union { /* gref_ids[] goes on past its one element */
        struct ioctl_gntalloc_alloc_gref g;
        uint8_t raw[offsetof(struct ioctl_gntalloc_alloc_gref, gref_ids) + 4 * 32];
    } a;
    if (n < 1 || n > 32) return NULL;
    memset(&a, 0, sizeof(a));
    a.g.domid = (uint16_t)domid;
    a.g.flags = GNTALLOC_FLAG_WRITABLE;
    a.g.count = n;
    if (p->gntalloc < 0) p->gntalloc = open("/dev/xen/gntalloc", O_RDWR | O_CLOEXEC);
    if (p->gntalloc < 0 || ioctl(p->gntalloc, IOCTL_GNTALLOC_ALLOC_GREF, &a.g)) return NULL;
    void *va = mmap(NULL, 4096ul * n, PROT_READ | PROT_WRITE, MAP_SHARED, p->gntalloc, (off_t)a.g.index);
    if (va == MAP_FAILED) return NULL;
    memcpy(grefs, a.raw + offsetof(struct ioctl_gntalloc_alloc_gref, gref_ids), n * sizeof(*grefs));
    return va;
}

void *pc_grant_page(struct backend *b, uint32_t domid, uint32_t *gref)
{
    return pc_grant_pages(b, domid, 1, gref);
}

void *pc_map_grant(struct backend *b, uint32_t domid, uint32_t ref)
{
    struct pc *p = pc_of(b);
    struct ioctl_gntdev_map_grant_ref m = { 1, 0, 0, { { domid, ref } } };
    int slot = -1;
    for (int i = 0; i < PC_MAX_GRANTS && slot < 0; i++)
        if (!p->grants[i].va) slot = i;
    if (slot < 0 || ioctl(p->gntdev, IOCTL_GNTDEV_MAP_GRANT_REF, &m) < 0) return NULL;
    void *va = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, p->gntdev, (off_t)m.index);
    if (va == MAP_FAILED) {
        struct ioctl_gntdev_unmap_grant_ref u = { m.index, 1, 0 };
        ioctl(p->gntdev, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
        return NULL;
    }
    p->grants[slot].va = va;
    p->grants[slot].index = m.index;
    return va;
}

int pc_unmap_grant(struct backend *b, void *va)
{
    struct pc *p = pc_of(b);
    for (int i = 0; i < PC_MAX_GRANTS; i++)
        if (p->grants[i].va == va) {
            struct ioctl_gntdev_unmap_grant_ref u = { p->grants[i].index, 1, 0 };
            munmap(va, 4096);
            ioctl(p->gntdev, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
            p->grants[i].va = NULL;
            return 0;
        }
    return -EINVAL;
}

static int open_dev(const char *path, int flags, char *err, size_t errlen)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0) db_errf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return fd;
}

struct backend *backend_privcmd_open(char *err, size_t errlen)
{
    struct backend *b = calloc(1, sizeof(*b));
    struct pc *p = calloc(1, sizeof(*p));
    if (!b || !p) goto fail;
    b->ops = &privcmd_ops;
    b->priv = p;
    p->gntalloc = -1;
    if ((p->privcmd = open_dev("/dev/xen/privcmd", O_RDWR, err, errlen)) < 0 ||
        (p->evtchn = open_dev("/dev/xen/evtchn", O_RDWR | O_NONBLOCK, err, errlen)) < 0 ||
        (p->gntdev = open_dev("/dev/xen/gntdev", O_RDWR, err, errlen)) < 0)
        goto fail;
    p->window = mmap(NULL, PC_WINDOW_PAGES * 4096ul, PROT_READ | PROT_WRITE, MAP_SHARED, p->privcmd, 0);
    p->ro_window = mmap(NULL, PC_RO_PAGES * 4096ul, PROT_READ, MAP_SHARED, p->privcmd, 0);
    if (p->window == MAP_FAILED || p->ro_window == MAP_FAILED) {
        db_errf(err, errlen, "cannot reserve the mapping window: %s", strerror(errno));
        goto fail;
    }
    db_dominfo self; /* the lowest domain we can see is ourselves */
    if (b->ops->getinfo(b, 0, &self)) {
        db_errf(err, errlen, "getdomaininfo of ourselves failed");
        goto fail;
    }
    b->self = self.domain;
    return b;
fail:
    free(p);
    free(b);
    return NULL;
}
