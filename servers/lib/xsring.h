/*
 * xsring: byte-stream access to the two rings of a xenstore shared page
 * (struct xenstore_domain_interface from Xen's io/xs_wire.h), usable from
 * either end: the server reads req[] and writes rsp[]; a client (a guest's
 * xenbus, or a test) does the opposite. Indices are free-running u32s; only
 * the owner of an index writes it. No notification here: callers signal the
 * event channel after producing or consuming.
 */
#ifndef TESSERA_XSRING_H
#define TESSERA_XSRING_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <xen/io/xs_wire.h>

/* One direction of the page: the ring array and its two indices. */
struct xsring_dir {
    char *ring; /* XENSTORE_RING_SIZE bytes */
    XENSTORE_RING_IDX *cons;
    XENSTORE_RING_IDX *prod;
};

/* Views of the page: the server consumes requests and produces responses. */
struct xsring_dir xsring_requests(struct xenstore_domain_interface *intf);
struct xsring_dir xsring_responses(struct xenstore_domain_interface *intf);

/* Bytes a consumer may read; -1 if the indices are inconsistent (prod-cons >
 * ring size), which means the peer corrupted the page. */
long xsring_readable(const struct xsring_dir *d);

/* Bytes a producer may write; -1 on inconsistent indices. */
long xsring_writable(const struct xsring_dir *d);

/* Copy len bytes starting `skip` bytes past the consumer index, without
 * consuming. Returns false if that many bytes are not available. */
bool xsring_peek(const struct xsring_dir *d, size_t skip, void *buf, size_t len);

/* Advance the consumer index by len (after the bytes have been used). */
void xsring_consume(struct xsring_dir *d, size_t len);

/* Copy up to len bytes into the ring and publish them; returns bytes written. */
size_t xsring_write(struct xsring_dir *d, const void *buf, size_t len);

#endif
