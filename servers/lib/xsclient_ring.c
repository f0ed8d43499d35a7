/* xsclient_ring.c: the shared-ring transport of the xenstore client: we are
 * the guest end of a struct xenstore_domain_interface (we produce req[] and
 * consume rsp[]), kicking and waiting through the caller's event channel. */
#include <errno.h>
#include <stdlib.h>

#include "xsclient_int.h"
#include "xsring.h"

struct ring_t {
    struct xenstore_domain_interface *intf;
    const struct xsc_ring_ops *ops;
    void *ctx;
};

/* Wait for the peer; a timed-out wait is -ETIMEDOUT. */
static int ring_wait(struct ring_t *r, int timeout_ms) { return r->ops->wait(r->ctx, timeout_ms); }

static int ring_send(void *ctx, const void *p, size_t n, int timeout_ms)
{
    struct ring_t *r = ctx;
    struct xsring_dir req = { r->intf->req, &r->intf->req_cons, &r->intf->req_prod };
    while (n) {
        long room = xsring_writable(&req);
        if (room < 0 || r->intf->error) return -EIO;
        if (!room) {
            int rc = ring_wait(r, timeout_ms);
            if (rc) return rc;
            continue;
        }
        size_t w = xsring_write(&req, p, n);
        p = (const char *)p + w;
        n -= w;
        r->ops->notify(r->ctx);
    }
    return 0;
}

static ssize_t ring_recv(void *ctx, void *p, size_t n, int timeout_ms)
{
    struct ring_t *r = ctx;
    struct xsring_dir rsp = { r->intf->rsp, &r->intf->rsp_cons, &r->intf->rsp_prod };
    for (;;) {
        long avail = xsring_readable(&rsp);
        if (avail < 0 || r->intf->error) return -EIO;
        if (avail) {
            size_t k = (size_t)avail < n ? (size_t)avail : n;
            xsring_peek(&rsp, 0, p, k);
            xsring_consume(&rsp, k);
            r->ops->notify(r->ctx);
            return (ssize_t)k;
        }
        int rc = ring_wait(r, timeout_ms);
        if (rc) return rc;
    }
}

static const struct xsc_transport ring_transport = { ring_send, ring_recv, free };

struct xsc *xsc_new_ring(struct xenstore_domain_interface *intf, const struct xsc_ring_ops *ops, void *ctx)
{
    struct ring_t *r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    *r = (struct ring_t){ intf, ops, ctx };
    struct xsc *x = xsc_new_with(&ring_transport, r);
    if (!x) free(r);
    return x;
}
