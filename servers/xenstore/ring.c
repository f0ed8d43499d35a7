/*
 * ring.c: the domain-ring transport: serve one domain's
 * struct xenstore_domain_interface. Requests are copied out of req[] into the
 * connection's framing buffer (a request may be larger than the ring), and
 * req_cons is advanced only after the bytes are processed and the journal
 * batch for them (including the new index and any partial request) is
 * written. Replies and watch events are copied into rsp[] as space allows;
 * the event channel is signalled whenever either index moved.
 */
#include <stdlib.h>
#include <string.h>

#include "xenstored.h"
#include "../lib/xsring.h"

struct xs_ring {
    struct xs_conn *c;
    struct xs_server *s;
    struct xenstore_domain_interface *intf;
    const struct xs_ring_ops *ops;
    void *handle;
    bool broken;
};

struct xs_server *xs_conn_server(const struct xs_conn *c);

struct xs_ring *xs_ring_new(struct xs_conn *c, struct xenstore_domain_interface *intf,
                            const struct xs_ring_ops *ops, void *handle)
{
    struct xs_ring *r = calloc(1, sizeof(*r));
    if (!r) abort();
    r->c = c;
    r->s = xs_conn_server(c);
    r->intf = intf;
    r->ops = ops;
    r->handle = handle;
    return r;
}

void xs_ring_free(struct xs_ring *r) { free(r); }

static void notify(struct xs_ring *r)
{
    if (r->ops && r->ops->notify) r->ops->notify(r->handle);
}

static void mark_broken(struct xs_ring *r, uint32_t why)
{
    r->broken = true;
    __atomic_store_n(&r->intf->error, why, __ATOMIC_RELEASE);
}

static bool flush_out(struct xs_ring *r)
{
    struct xsring_dir rsp = xsring_responses(r->intf);
    bool moved = false;
    for (;;) {
        const void *data;
        size_t n = xs_conn_out_peek(r->c, &data);
        if (!n) break;
        size_t w = xsring_write(&rsp, data, n);
        if (w) moved = true;
        xs_conn_out_advance(r->c, w);
        if (w < n) break;
    }
    if (xsring_writable(&rsp) < 0) mark_broken(r, XENSTORE_ERROR_RINGIDX);
    return moved;
}

void xs_ring_flush(struct xs_ring *r)
{
    if (r->broken) return;
    if (flush_out(r)) notify(r);
}

bool xs_ring_service(struct xs_ring *r, unsigned budget)
{
    struct xsring_dir req = xsring_requests(r->intf);
    const struct xs_stats *st = xs_server_stats(r->s);
    bool moved = false, more = false;
    char buf[XENSTORE_RING_SIZE];
    /* budget counts requests: the ring may hold many small ones */
    while (!r->broken && budget) {
        if (xs_conn_dead(r->c)) {
            mark_broken(r, XENSTORE_ERROR_PROTO);
            break;
        }
        if (xs_conn_throttled(r->c)) {
            /* the guest is not reading its replies: wait for it to
             * consume some (it signals us when it does), don't spin */
            break;
        }
        long avail = xsring_readable(&req);
        if (avail < 0) {
            mark_broken(r, XENSTORE_ERROR_RINGIDX);
            break;
        }
        if (!avail) break;
        xsring_peek(&req, 0, buf, (size_t)avail);
        unsigned long before = st->requests;
        xs_server_batch(r->s, true);
        size_t used = xs_conn_feed_n(r->c, buf, (size_t)avail, budget);
        xs_conn_note_req_cons(r->c, *req.cons + (XENSTORE_RING_IDX)used);
        xs_server_batch(r->s, false);
        xsring_consume(&req, used);
        unsigned long done = st->requests - before;
        budget -= done < budget ? (unsigned)done : budget;
        if (used) moved = true;
        if (xs_conn_dead(r->c)) mark_broken(r, XENSTORE_ERROR_PROTO);
        flush_out(r);
        if (!budget) more = xsring_readable(&req) > 0;
    }
    if (!r->broken && flush_out(r)) moved = true;
    if (moved) notify(r);
    return more && !r->broken;
}

struct xs_conn *xs_ring_conn(const struct xs_ring *r) { return r->c; }

void xs_ring_resync(struct xs_ring *r)
{
    uint32_t v;
    if (xs_conn_recovered_req_cons(r->c, &v)) {
        uint32_t ahead = v - r->intf->req_cons;
        if (ahead && ahead <= XENSTORE_RING_SIZE) __atomic_store_n(&r->intf->req_cons, v, __ATOMIC_RELEASE);
    }
    uint32_t pending = (uint32_t)xs_conn_out_pending(r->c);
    uint32_t first = xs_conn_out_total(r->c) - pending;
    uint32_t written = r->intf->rsp_prod - first;
    if ((int32_t)written > 0) xs_conn_out_advance(r->c, written < pending ? written : pending);
    xs_ring_flush(r);
}
