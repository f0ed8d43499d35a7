/*
 * xsclient.c: requests, replies and the watch-event queue of the xenstore
 * client (see xsclient.h). The transport is a pair of functions: send bytes,
 * and receive whatever bytes arrive within a timeout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

#include "xsclient.h"
#include "xsclient_int.h"

struct xsc_event {
    struct xsc_event *next;
    char *path, *token;
};

static struct xsc *xsc_alloc(void)
{
    struct xsc *x = calloc(1, sizeof(*x));
    if (x) x->timeout_ms = 10000;
    return x;
}

struct xsc *xsc_new_with(const struct xsc_transport *t, void *tctx)
{
    struct xsc *x = xsc_alloc();
    if (x) {
        x->t = t;
        x->tctx = tctx;
    }
    return x;
}

void xsc_free(struct xsc *x)
{
    if (!x) return;
    while (x->events) {
        struct xsc_event *e = x->events;
        x->events = e->next;
        free(e->path);
        free(e);
    }
    if (x->t->free) x->t->free(x->tctx);
    free(x->last_path);
    free(x);
}

void xsc_set_timeout(struct xsc *x, int ms) { x->timeout_ms = ms; }

uint32_t xsc_requests(const struct xsc *x) { return x->req_id; }

int xsc_errno(const char *name)
{
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (!strcmp(xsd_errors[i].errstring, name)) return xsd_errors[i].errnum;
    return EINVAL;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static int left(long deadline)
{
    if (deadline < 0) return -1;
    long l = deadline - now_ms();
    return l > 0 ? (int)l : 0;
}

static void queue_event(struct xsc *x, const char *p, size_t n)
{
    /* payload: path\0token\0 */
    const char *z = memchr(p, 0, n);
    if (!z) return;
    struct xsc_event *e = calloc(1, sizeof(*e));
    if (!e || !(e->path = malloc(n + 1))) {
        free(e);
        return;
    }
    memcpy(e->path, p, n);
    e->path[n] = 0;
    e->token = e->path + (z - p) + 1;
    struct xsc_event **pp = &x->events;
    while (*pp)
        pp = &(*pp)->next;
    *pp = e;
}

/* Receive one whole message into x->msg (header + payload) by the deadline:
 * 0, -ETIMEDOUT, -EIO. */
static int recv_msg(struct xsc *x, long deadline)
{
    size_t want = sizeof(struct xsd_sockmsg);
    for (;;) {
        if (x->have >= sizeof(struct xsd_sockmsg)) {
            struct xsd_sockmsg h;
            memcpy(&h, x->buf, sizeof(h));
            if (h.len > XENSTORE_PAYLOAD_MAX) return -EIO;
            want = sizeof(h) + h.len;
            if (x->have >= want) return 0;
        }
        ssize_t r = x->t->recv(x->tctx, x->buf + x->have, want - x->have, left(deadline));
        if (r < 0) return (int)r;
        x->have += (size_t)r;
    }
}

static void drop_msg(struct xsc *x)
{
    struct xsd_sockmsg h;
    memcpy(&h, x->buf, sizeof(h));
    size_t n = sizeof(h) + h.len;
    memmove(x->buf, x->buf + n, x->have - n);
    x->have -= n;
}

int xsc_request(struct xsc *x, uint32_t type, uint32_t tx, const void *payload, size_t n, char **reply,
                size_t *rlen)
{
    if (n > XENSTORE_PAYLOAD_MAX) return -E2BIG;
    long deadline = x->timeout_ms < 0 ? -1 : now_ms() + x->timeout_ms;
    struct xsd_sockmsg h = { type, ++x->req_id, tx, (uint32_t)n };
    char out[sizeof(h) + XENSTORE_PAYLOAD_MAX];
    memcpy(out, &h, sizeof(h));
    memcpy(out + sizeof(h), payload, n);
    int rc = x->t->send(x->tctx, out, sizeof(h) + n, left(deadline));
    if (rc) return rc;
    for (;;) {
        if ((rc = recv_msg(x, deadline))) return rc;
        struct xsd_sockmsg r;
        memcpy(&r, x->buf, sizeof(r));
        const char *p = x->buf + sizeof(r);
        if (r.type == XS_WATCH_EVENT) {
            queue_event(x, p, r.len);
            drop_msg(x);
            continue;
        }
        if (r.req_id != h.req_id) {
            drop_msg(x); /* a stale reply (timed-out request) */
            continue;
        }
        if (r.type == XS_ERROR) {
            char name[32];
            size_t k = r.len < sizeof(name) - 1 ? r.len : sizeof(name) - 1;
            memcpy(name, p, k);
            name[k] = 0;
            drop_msg(x);
            return -xsc_errno(name);
        }
        if (r.type != type) {
            drop_msg(x);
            return -EIO;
        }
        if (reply) {
            *reply = malloc(r.len + 1);
            if (!*reply) {
                drop_msg(x);
                return -ENOMEM;
            }
            memcpy(*reply, p, r.len);
            (*reply)[r.len] = 0;
        }
        if (rlen) *rlen = r.len;
        drop_msg(x);
        return 0;
    }
}

/* One reply (already in x->buf, not an event) into op: 0, or -EIO when it
 * is not an answer to a request of op's type. */
static void take_reply(struct xsc *x, struct xsc_op *op)
{
    struct xsd_sockmsg r;
    memcpy(&r, x->buf, sizeof(r));
    const char *p = x->buf + sizeof(r);
    op->rc = 0;
    if (r.type == XS_ERROR) {
        char name[32];
        size_t k = r.len < sizeof(name) - 1 ? r.len : sizeof(name) - 1;
        memcpy(name, p, k);
        name[k] = 0;
        op->rc = -xsc_errno(name);
    } else if (r.type != op->type) {
        op->rc = -EIO;
    } else if (op->want_reply) {
        if (!(op->reply = malloc(r.len + 1))) {
            op->rc = -ENOMEM;
        } else {
            memcpy(op->reply, p, r.len);
            op->reply[r.len] = 0;
            op->len = r.len;
        }
    }
}

static size_t op_size(const struct xsc_op *op)
{
    return sizeof(struct xsd_sockmsg) + strlen(op->path) + 1 + op->vlen;
}

int xsc_batch(struct xsc *x, struct xsc_op *op, unsigned n)
{
    long deadline = x->timeout_ms < 0 ? -1 : now_ms() + x->timeout_ms;
    for (unsigned i = 0; i < n; i++) {
        op[i].rc = -EIO;
        op[i].reply = NULL;
        op[i].len = 0;
    }
    for (unsigned i = 0; i < n; i++)
        if (op_size(&op[i]) - sizeof(struct xsd_sockmsg) > XENSTORE_PAYLOAD_MAX) return -E2BIG;
    uint32_t first = x->req_id + 1;
    unsigned sent = 0, done = 0;
    size_t inflight = 0;
    while (done < n) {
        /* more requests while they fit in the daemon's ring unread */
        while (sent < n && (sent == done || inflight + op_size(&op[sent]) <= XENSTORE_RING_SIZE)) {
            const struct xsc_op *o = &op[sent];
            size_t pl = strlen(o->path) + 1;
            struct xsd_sockmsg h = { o->type, ++x->req_id, 0, (uint32_t)(pl + o->vlen) };
            char out[sizeof(h) + XENSTORE_PAYLOAD_MAX];
            memcpy(out, &h, sizeof(h));
            memcpy(out + sizeof(h), o->path, pl);
            if (o->vlen) memcpy(out + sizeof(h) + pl, o->val, o->vlen);
            int rc = x->t->send(x->tctx, out, sizeof(h) + h.len, left(deadline));
            if (rc) return rc;
            inflight += op_size(o);
            sent++;
        }
        int rc = recv_msg(x, deadline);
        if (rc) return rc;
        struct xsd_sockmsg r;
        memcpy(&r, x->buf, sizeof(r));
        if (r.type == XS_WATCH_EVENT) {
            queue_event(x, x->buf + sizeof(r), r.len);
        } else if (r.req_id >= first + done && r.req_id < first + sent) {
            /* replies come in order: one for a later request means the
             * ones before it got none (they stay -EIO) */
            for (; first + done < r.req_id; done++)
                inflight -= op_size(&op[done]);
            take_reply(x, &op[done]);
            inflight -= op_size(&op[done]);
            done++;
        } /* else a stale reply (a timed-out request): dropped */
        drop_msg(x);
    }
    return 0;
}

/* The strings of args, each with its NUL, as one payload. */
static int request_strs(struct xsc *x, uint32_t type, const char *const *args, unsigned nargs, bool last_nul,
                        char **reply)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t n = 0;
    for (unsigned i = 0; i < nargs; i++) {
        size_t k = strlen(args[i]) + (i + 1 < nargs || last_nul ? 1 : 0);
        if (n + k > sizeof(buf)) return -E2BIG;
        memcpy(buf + n, args[i], k);
        n += k;
    }
    return xsc_request(x, type, 0, buf, n, reply, NULL);
}

int xsc_read(struct xsc *x, const char *path, char **val)
{
    return request_strs(x, XS_READ, &path, 1, true, val);
}

int xsc_write(struct xsc *x, const char *path, const char *val)
{
    const char *a[2] = { path, val };
    return request_strs(x, XS_WRITE, a, 2, false, NULL);
}

int xsc_mkdir(struct xsc *x, const char *path) { return request_strs(x, XS_MKDIR, &path, 1, true, NULL); }

int xsc_rm(struct xsc *x, const char *path) { return request_strs(x, XS_RM, &path, 1, true, NULL); }

int xsc_set_perms(struct xsc *x, const char *path, const char *const *perms, unsigned n)
{
    const char *a[16];
    if (n + 1 > 16) return -E2BIG;
    a[0] = path;
    memcpy(a + 1, perms, n * sizeof(*perms));
    return request_strs(x, XS_SET_PERMS, a, n + 1, true, NULL);
}

int xsc_watch(struct xsc *x, const char *path, const char *token)
{
    const char *a[2] = { path, token };
    return request_strs(x, XS_WATCH, a, 2, true, NULL);
}

int xsc_unwatch(struct xsc *x, const char *path, const char *token)
{
    const char *a[2] = { path, token };
    return request_strs(x, XS_UNWATCH, a, 2, true, NULL);
}

int xsc_introduce(struct xsc *x, uint32_t domid, uint64_t mfn, uint32_t port)
{
    char d[16], m[24], p[16];
    snprintf(d, sizeof(d), "%u", domid);
    snprintf(m, sizeof(m), "%llu", (unsigned long long)mfn);
    snprintf(p, sizeof(p), "%u", port);
    const char *a[3] = { d, m, p };
    return request_strs(x, XS_INTRODUCE, a, 3, true, NULL);
}

int xsc_release(struct xsc *x, uint32_t domid)
{
    char d[16];
    snprintf(d, sizeof(d), "%u", domid);
    const char *a[1] = { d };
    return request_strs(x, XS_RELEASE, a, 1, true, NULL);
}

int xsc_is_introduced(struct xsc *x, uint32_t domid)
{
    char d[16], *r = NULL;
    snprintf(d, sizeof(d), "%u", domid);
    const char *a[1] = { d };
    int rc = request_strs(x, XS_IS_DOMAIN_INTRODUCED, a, 1, true, &r);
    if (!rc) rc = r[0] == 'T';
    free(r);
    return rc;
}

int xsc_control(struct xsc *x, const char *cmd, const char *arg, char **reply)
{
    const char *a[2] = { cmd, arg };
    return request_strs(x, XS_CONTROL, a, arg ? 2 : 1, true, reply);
}

bool xsc_events_queued(const struct xsc *x) { return x->events != NULL; }

int xsc_next_event(struct xsc *x, const char **path, const char **token, int timeout_ms)
{
    long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    while (!x->events) {
        int rc = recv_msg(x, deadline);
        if (rc) return rc;
        struct xsd_sockmsg r;
        memcpy(&r, x->buf, sizeof(r));
        if (r.type == XS_WATCH_EVENT) queue_event(x, x->buf + sizeof(r), r.len);
        drop_msg(x); /* anything else: a stale reply */
    }
    struct xsc_event *e = x->events;
    x->events = e->next;
    free(x->last_path);
    x->last_path = e->path;
    *path = e->path;
    *token = e->token;
    free(e);
    return 0;
}
