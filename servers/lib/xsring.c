/*
 * xsring: copy bytes in and out of the xenstore shared page's rings with the
 * memory ordering both ends rely on (read the peer's index with acquire,
 * publish our own index with release).
 */
#include "xsring.h"

#include <string.h>

struct xsring_dir xsring_requests(struct xenstore_domain_interface *intf)
{
    struct xsring_dir d = { intf->req, &intf->req_cons, &intf->req_prod };
    return d;
}

struct xsring_dir xsring_responses(struct xenstore_domain_interface *intf)
{
    struct xsring_dir d = { intf->rsp, &intf->rsp_cons, &intf->rsp_prod };
    return d;
}

long xsring_readable(const struct xsring_dir *d)
{
    XENSTORE_RING_IDX prod = __atomic_load_n(d->prod, __ATOMIC_ACQUIRE);
    XENSTORE_RING_IDX cons = __atomic_load_n(d->cons, __ATOMIC_RELAXED);
    XENSTORE_RING_IDX n = prod - cons;
    if (n > XENSTORE_RING_SIZE) return -1;
    return (long)n;
}

long xsring_writable(const struct xsring_dir *d)
{
    XENSTORE_RING_IDX cons = __atomic_load_n(d->cons, __ATOMIC_ACQUIRE);
    XENSTORE_RING_IDX prod = __atomic_load_n(d->prod, __ATOMIC_RELAXED);
    XENSTORE_RING_IDX n = prod - cons;
    if (n > XENSTORE_RING_SIZE) return -1;
    return (long)(XENSTORE_RING_SIZE - n);
}

bool xsring_peek(const struct xsring_dir *d, size_t skip, void *buf, size_t len)
{
    long avail = xsring_readable(d);
    if (avail < 0 || (size_t)avail < skip + len) return false;
    XENSTORE_RING_IDX idx = *d->cons + (XENSTORE_RING_IDX)skip;
    char *out = buf;
    while (len) {
        size_t off = MASK_XENSTORE_IDX(idx);
        size_t chunk = XENSTORE_RING_SIZE - off;
        if (chunk > len) chunk = len;
        memcpy(out, d->ring + off, chunk);
        out += chunk;
        idx += (XENSTORE_RING_IDX)chunk;
        len -= chunk;
    }
    return true;
}

void xsring_consume(struct xsring_dir *d, size_t len)
{
    XENSTORE_RING_IDX cons = *d->cons + (XENSTORE_RING_IDX)len;
    __atomic_store_n(d->cons, cons, __ATOMIC_RELEASE);
}

size_t xsring_write(struct xsring_dir *d, const void *buf, size_t len)
{
    long room = xsring_writable(d);
    if (room <= 0) return 0;
    if (len > (size_t)room) len = (size_t)room;
    XENSTORE_RING_IDX idx = *d->prod;
    const char *in = buf;
    size_t left = len;
    while (left) {
        size_t off = MASK_XENSTORE_IDX(idx);
        size_t chunk = XENSTORE_RING_SIZE - off;
        if (chunk > left) chunk = left;
        memcpy(d->ring + off, in, chunk);
        in += chunk;
        idx += (XENSTORE_RING_IDX)chunk;
        left -= chunk;
    }
    __atomic_store_n(d->prod, idx, __ATOMIC_RELEASE);
    return len;
}
