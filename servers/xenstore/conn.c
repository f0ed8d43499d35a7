/*
 * conn.c: a client connection as the core sees it: message framing for
 * stream transports, the output queue (replies and watch events), and the
 * flow control that makes a client that does not read its replies stall only
 * its own input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs.h"

struct xs_conn *xs_conn_new(struct xs_server *s, uint32_t domid, bool privileged, bool is_domain,
                            const struct xs_conn_ops *ops, void *opaque)
{
    struct xs_conn *c = calloc(1, sizeof(*c));
    if (!c) abort();
    c->srv = s;
    c->domid = domid;
    c->privileged = privileged;
    c->is_domain = is_domain;
    c->ops = ops;
    c->opaque = opaque;
    c->out_tail = &c->out;
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    return c;
}

void xs_conn_free(struct xs_conn *c)
{
    if (!c) return;
    struct xs_server *s = c->srv;
    watch_clear(c);
    while (c->txns) {
        struct xs_txn *t = c->txns;
        c->txns = t->next;
        txn_free(t);
    }
    while (c->out) {
        struct xs_outbuf *b = c->out;
        c->out = b->next;
        free(b);
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    struct xs_domain *d = domain_get(s, c->domid, false);
    if (d && d->conn == c) d->conn = NULL;
    free(c);
}

void *xs_conn_opaque(const struct xs_conn *c) { return c->opaque; }
uint32_t xs_conn_domid(const struct xs_conn *c) { return c->domid; }
bool xs_conn_dead(const struct xs_conn *c) { return c->dead; }
uint32_t xs_conn_out_total(const struct xs_conn *c) { return c->out_total; }

bool xs_conn_throttled(const struct xs_conn *c) { return c->out_bytes > c->srv->cfg.outq_limit; }

static void kick(struct xs_conn *c)
{
    if (c->ops && c->ops->kick) c->ops->kick(c->opaque);
}

static void enqueue(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *d1,
                    size_t l1, const void *d2, size_t l2, bool event)
{
    size_t total = sizeof(struct xsd_sockmsg) + l1 + l2;
    struct xs_outbuf *b = malloc(sizeof(*b) + total);
    if (!b) abort();
    struct xsd_sockmsg h = { type, req_id, tx_id, (uint32_t)(l1 + l2) };
    memcpy(b->data, &h, sizeof(h));
    if (l1) memcpy(b->data + sizeof(h), d1, l1);
    if (l2) memcpy(b->data + sizeof(h) + l1, d2, l2);
    b->len = (uint32_t)total;
    b->off = 0;
    b->event = event;
    b->next = NULL;
    *c->out_tail = b;
    c->out_tail = &b->next;
    c->out_bytes += total;
    if (event) c->out_events++;
    if (c->is_domain) journal_output(c->srv, c, b->data, total);
    c->out_total += (uint32_t)total;
    kick(c);
}

static const char *errname(int err)
{
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (xsd_errors[i].errnum == err) return xsd_errors[i].errstring;
    return "EIO";
}

void conn_error(struct xs_conn *c, const struct xsd_sockmsg *req, int err)
{
    const char *name = errname(err < 0 ? -err : err);
    c->srv->stats.errors++;
    enqueue(c, XS_ERROR, req->req_id, req->tx_id, name, strlen(name) + 1, NULL, 0, false);
}

void conn_reply(struct xs_conn *c, const struct xsd_sockmsg *req, uint32_t type, const void *data, size_t len)
{
    if (len > XENSTORE_PAYLOAD_MAX) {
        conn_error(c, req, E2BIG);
        return;
    }
    enqueue(c, type, req->req_id, req->tx_id, data, len, NULL, 0, false);
}

void conn_reply_str(struct xs_conn *c, const struct xsd_sockmsg *req, const char *s)
{
    conn_reply(c, req, req->type, s, strlen(s) + 1);
}

void conn_event(struct xs_conn *c, const char *path, const char *token)
{
    struct xs_server *s = c->srv;
    size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
    if (c->out_events >= s->cfg.outq_events || pl + tl > XENSTORE_PAYLOAD_MAX) {
        s->stats.events_dropped++;
        c->dropped_events++;
        return;
    }
    s->stats.events++;
    enqueue(c, XS_WATCH_EVENT, 0, 0, path, pl, token, tl, true);
}

size_t xs_conn_out_peek(const struct xs_conn *c, const void **data)
{
    if (!c->out) return 0;
    *data = c->out->data + c->out->off;
    return c->out->len - c->out->off;
}

void xs_conn_out_advance(struct xs_conn *c, size_t n)
{
    while (n && c->out) {
        struct xs_outbuf *b = c->out;
        size_t left = b->len - b->off;
        size_t step = n < left ? n : left;
        b->off += (uint32_t)step;
        n -= step;
        if (b->off == b->len) {
            c->out = b->next;
            if (!c->out) c->out_tail = &c->out;
            c->out_bytes -= b->len;
            if (b->event) c->out_events--;
            free(b);
        }
    }
}

void xs_conn_message(struct xs_conn *c, const struct xsd_sockmsg *hdr, const char *payload)
{
    if (c->dead) return;
    if (hdr->len > XENSTORE_PAYLOAD_MAX) {
        c->dead = true;
        kick(c);
        return;
    }
    struct xsd_sockmsg h = *hdr;
    if (payload != c->in && h.len) memcpy(c->in, payload, h.len);
    c->in[h.len] = '\0';
    c->srv->stats.requests++;
    journal_batch(c->srv, true);
    proto_dispatch(c, &h, c->in);
    journal_batch(c->srv, false);
}

size_t xs_conn_feed(struct xs_conn *c, const void *buf, size_t len)
{
    return xs_conn_feed_n(c, buf, len, ~0u);
}

size_t xs_conn_feed_n(struct xs_conn *c, const void *buf, size_t len, unsigned max_msgs)
{
    const char *p = buf;
    size_t used = 0;
    const size_t hl = sizeof(struct xsd_sockmsg);
    while (used < len && max_msgs && !c->dead && !xs_conn_throttled(c)) {
        if (c->in_have < hl) {
            size_t n = hl - c->in_have;
            if (n > len - used) n = len - used;
            memcpy(c->in_hdr.raw + c->in_have, p + used, n);
            c->in_have += (uint32_t)n;
            used += n;
            if (c->in_have < hl) break;
            if (c->in_hdr.hdr.len > XENSTORE_PAYLOAD_MAX) {
                c->dead = true;
                kick(c);
                break;
            }
        }
        size_t want = c->in_hdr.hdr.len - (c->in_have - hl);
        if (want > len - used) want = len - used;
        memcpy(c->in + (c->in_have - hl), p + used, want);
        c->in_have += (uint32_t)want;
        used += want;
        if (c->in_have - hl == c->in_hdr.hdr.len) {
            c->in_have = 0;
            max_msgs--;
            xs_conn_message(c, &c->in_hdr.hdr, c->in);
        }
    }
    return used;
}

void conn_enqueue_raw(struct xs_conn *c, const void *buf, size_t len)
{
    struct xs_outbuf *b = malloc(sizeof(*b) + len);
    if (!b) abort();
    memcpy(b->data, buf, len);
    b->len = (uint32_t)len;
    b->off = 0;
    struct xsd_sockmsg h = { XS_INVALID, 0, 0, 0 };
    if (len >= sizeof(h)) memcpy(&h, buf, sizeof(h));
    b->event = h.type == XS_WATCH_EVENT;
    b->next = NULL;
    *c->out_tail = b;
    c->out_tail = &b->next;
    c->out_bytes += len;
    if (b->event) c->out_events++;
    c->out_total += (uint32_t)len;
}

void xs_conn_set_out_total(struct xs_conn *c, uint32_t v) { c->out_total = v; }

void xs_conn_note_req_cons(struct xs_conn *c, uint32_t v)
{
    if (c->is_domain) journal_req_cons(c->srv, c, v);
}

bool xs_conn_recovered_req_cons(const struct xs_conn *c, uint32_t *v)
{
    if (c->have_req_cons) *v = c->req_cons;
    return c->have_req_cons;
}

size_t xs_conn_out_pending(const struct xs_conn *c)
{
    size_t n = 0;
    for (const struct xs_outbuf *b = c->out; b; b = b->next)
        n += b->len - b->off;
    return n;
}

struct xs_server *xs_conn_server(const struct xs_conn *c) { return c->srv; }
