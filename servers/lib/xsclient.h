/*
 * xsclient: a small synchronous xenstore client for service programs (the
 * domain builder's connection to the xenstore domain, tests). Two transports:
 *  - a byte stream: a file descriptor that carries xsd_sockmsg messages both
 *    ways (/dev/xen/xenbus in the service runtime or Linux, a Unix socket to
 *    a host xenstored);
 *  - the client end of a shared ring page (struct xenstore_domain_interface)
 *    whose event channel the caller drives through struct xsc_ring_ops: this
 *    is how the domain that built the xenstore domain talks to it (a page it
 *    granted, an unbound port it allocated; docs/xenstore.md, "The builder
 *    and the xenstore domain").
 * One request at a time; watch events that arrive meanwhile are queued and
 * handed out by xsc_next_event. Errors are -errno: an ERROR reply maps Xen's
 * name (EACCES, ENOENT, …) back to its number; -ETIMEDOUT when no reply came
 * in time; -EIO when the transport failed or the peer broke the protocol.
 */
#ifndef TESSERA_XSCLIENT_H
#define TESSERA_XSCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

struct xsc;

struct xsc_ring_ops {
    void (*notify)(void *ctx); /* signal the ring's event channel */
    /* Block until the channel fires or timeout_ms passes (<0: forever);
     * consume (and unmask) the event. 0, or -errno. */
    int (*wait)(void *ctx, int timeout_ms);
};

struct xsc *xsc_new_fd(int fd);
struct xsc *xsc_new_ring(struct xenstore_domain_interface *intf, const struct xsc_ring_ops *ops, void *ctx);
void xsc_free(struct xsc *x); /* does not close the fd or unmap the ring */

/* Default timeout of the helpers below, in ms (10000). */
void xsc_set_timeout(struct xsc *x, int ms);

/* One request: payload of n bytes; *reply (malloc'd, NUL-terminated, may be
 * NULL if not wanted) and *rlen get the reply payload. */
int xsc_request(struct xsc *x, uint32_t type, uint32_t tx, const void *payload, size_t n, char **reply,
                size_t *rlen);

int xsc_read(struct xsc *x, const char *path, char **val);
int xsc_write(struct xsc *x, const char *path, const char *val);
int xsc_mkdir(struct xsc *x, const char *path);
int xsc_rm(struct xsc *x, const char *path);
/* perms: Xen's strings, e.g. { "n3", "r0" } (the first names the owner). */
int xsc_set_perms(struct xsc *x, const char *path, const char *const *perms, unsigned n);
int xsc_watch(struct xsc *x, const char *path, const char *token);
int xsc_unwatch(struct xsc *x, const char *path, const char *token);
int xsc_introduce(struct xsc *x, uint32_t domid, uint64_t mfn, uint32_t port);
int xsc_release(struct xsc *x, uint32_t domid);
/* 1 introduced, 0 not, or -errno. */
int xsc_is_introduced(struct xsc *x, uint32_t domid);
int xsc_control(struct xsc *x, const char *cmd, const char *arg, char **reply);

/* The next watch event (queued or arriving within timeout_ms, <0 forever):
 * *path and *token stay valid until the next call. 0 or -ETIMEDOUT/-EIO. */
int xsc_next_event(struct xsc *x, const char **path, const char **token, int timeout_ms);
/* Whether watch events wait in the queue (they came while a request waited
 * for its reply): a caller that looks for events only when its descriptor
 * is readable must also look when this is true. */
bool xsc_events_queued(const struct xsc *x);

/* A batch: the requests go out back to back and their replies are collected
 * after, so n requests cost about one round trip instead of n (a restarted
 * backend reads its devices' nodes so; docs/restart.md).  Payload: path, its
 * NUL, then vlen bytes of val (XS_WRITE: the value; XS_SET_PERMS: the
 * permission strings, each with its NUL).  Each op gets its own rc (0 or
 * -errno) and, if want_reply, *reply (malloc'd, NUL-terminated) and len.  At
 * most a ring's worth of requests is in flight, so neither side's ring
 * fills while the other waits.  Returns 0, or -errno when the transport
 * failed (the ops not answered then have rc -EIO). */
struct xsc_op {
    uint32_t type;
    const char *path, *val;
    size_t vlen;
    bool want_reply;
    int rc;
    char *reply;
    size_t len;
};
int xsc_batch(struct xsc *x, struct xsc_op *op, unsigned n);

/* Requests sent on this connection so far (a restart's cost, docs/restart.md). */
uint32_t xsc_requests(const struct xsc *x);

/* Xen's error name to errno (EINVAL for an unknown name). */
int xsc_errno(const char *name);

#endif
