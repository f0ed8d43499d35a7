/* The xenstore side of a split-driver backend (see xenbus_be.h). */
#include "xenbus_be.h"
#include "crash_cmd.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xenbus.h>

#define TOKEN_DIR "be-dir"
#define TOKEN_FE  "be-fe:"

/*
 * A device's writes while it is probed are queued and sent together at the
 * end (one batch, in order).  When the device turns out to be resumed
 * (Connected at both ends: see probe) they are dropped instead: the nodes
 * are there with the values the previous incarnation wrote (the builder
 * keeps a dead backend's nodes), and every xenstore request costs a
 * restarted backend about 0.7 ms of instructions under TCG before it serves
 * again (docs/restart.md).
 */
#define XBE_WQ_MAX 32

struct xbe_wq {
    unsigned n;
    struct xsc_op op[XBE_WQ_MAX];
    char *buf[XBE_WQ_MAX]; /* path\0value */
};

static void wq_end(struct xbe *x, bool send)
{
    struct xbe_wq *q = x->wq;
    if (!q || !q->n) return;
    if (send) xsc_batch(x->xs, q->op, q->n); /* each write's own result is not looked at (as before) */
    for (unsigned k = 0; k < q->n; k++)
        free(q->buf[k]);
    q->n = 0;
}

/* Start (on) or end (off: what is queued is sent, unless drop) a batch of
 * writes. */
static void batch(struct xbe *x, bool on, bool drop)
{
    if (on && !x->wq) x->wq = calloc(1, sizeof(*x->wq)); /* none: writes go one by one */
    if (on) return;
    wq_end(x, !drop);
    free(x->wq);
    x->wq = NULL;
}

int xbe_read(struct xbe *x, const char *dir, const char *node, char **val)
{
    size_t dl = strlen(dir);
    for (unsigned k = 0; x->wq && k < x->wq->n; k++)
        if (!strncmp(x->wq->op[k].path, dir, dl) && x->wq->op[k].path[dl] == '/') {
            wq_end(x, true); /* a read sees the writes to its directory before it */
            break;
        }
    char p[XBE_PATH + 64];
    if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, node) >= sizeof(p)) return -ENAMETOOLONG;
    return xsc_read(x->xs, p, val);
}

int xbe_read_uint(struct xbe *x, const char *dir, const char *node, unsigned long max, unsigned long *out)
{
    char *v = NULL, *end;
    int rc = xbe_read(x, dir, node, &v);
    if (rc) return rc;
    errno = 0;
    unsigned long n = (v[0] >= '0' && v[0] <= '9') ? strtoul(v, &end, 10) : (end = v, 0);
    rc = (end == v || *end || errno || n > max) ? -EINVAL : 0;
    free(v);
    if (!rc) *out = n;
    return rc;
}

int xbe_printf(struct xbe *x, const char *dir, const char *node, const char *fmt, ...)
{
    char p[XBE_PATH + 64], v[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(v, sizeof(v), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(v) || (size_t)snprintf(p, sizeof(p), "%s/%s", dir, node) >= sizeof(p))
        return -ENAMETOOLONG;
    struct xbe_wq *q = x->wq;
    if (!q) return xsc_write(x->xs, p, v);
    if (q->n == XBE_WQ_MAX) wq_end(x, true);
    size_t pl = strlen(p) + 1;
    char *b = malloc(pl + (size_t)n);
    if (!b) return -ENOMEM;
    memcpy(b, p, pl);
    memcpy(b + pl, v, (size_t)n);
    q->buf[q->n] = b;
    q->op[q->n++] = (struct xsc_op){ .type = XS_WRITE, .path = b, .val = b + pl, .vlen = (size_t)n };
    return 0;
}

int xbe_switch(struct xbe *x, struct xbe_dev *d, int state)
{
    int rc = xbe_printf(x, d->be, "state", "%d", state);
    if (!rc) d->state = state;
    return rc;
}

/* Entries of a directory: NUL-separated in *list (malloc'd), count in *n. */
static int directory(struct xbe *x, const char *path, char **list, size_t *len)
{
    return xsc_request(x->xs, XS_DIRECTORY, 0, path, strlen(path) + 1, list, len);
}

static bool parse_id(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (!*s || *s < '0' || *s > '9' || (s[0] == '0' && s[1])) return false;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || errno || v > max) return false;
    *out = v;
    return true;
}

static void fe_token(const struct xbe *x, const struct xbe_dev *d, char *tok, size_t n)
{
    snprintf(tok, n, TOKEN_FE "%u", (unsigned)(d - x->dev));
}

static void drop(struct xbe *x, struct xbe_dev *d)
{
    if (d->connected && x->ops->disconnect) x->ops->disconnect(x, d);
    d->connected = false;
    if (d->probed && x->ops->remove) x->ops->remove(x, d);
    if (d->fe[0]) {
        char tok[32], p[XBE_PATH + 8];
        fe_token(x, d, tok, sizeof(tok));
        snprintf(p, sizeof(p), "%s/state", d->fe);
        xsc_unwatch(x->xs, p, tok);
    }
    memset(d, 0, sizeof(*d));
}

/* The frontend's state moved (or we just learned it). */
static void fe_changed(struct xbe *x, struct xbe_dev *d)
{
    unsigned long st = XenbusStateUnknown;
    if (xbe_read_uint(x, d->fe, "state", XenbusStateReconfigured, &st))
        st = XenbusStateUnknown; /* gone or garbage: treat as gone */
    d->fe_state = (int)st;
    if (!d->probed) return;
    switch (st) {
    case XenbusStateInitialising:
        if (d->state == XenbusStateClosed) xbe_switch(x, d, XenbusStateInitWait);
        break;
    case XenbusStateInitialised:
    case XenbusStateConnected:
        if (d->connected || d->state != XenbusStateInitWait) break;
        if (x->ops->connect(x, d) == 0) {
            d->connected = true;
            xbe_switch(x, d, XenbusStateConnected);
        } else {
            xbe_switch(x, d, XenbusStateClosing);
        }
        break;
    case XenbusStateClosing:
    case XenbusStateClosed:
    case XenbusStateUnknown:
        if (d->connected && x->ops->disconnect) x->ops->disconnect(x, d);
        d->connected = false;
        if (d->state != XenbusStateClosed)
            xbe_switch(x, d, st == XenbusStateClosing ? XenbusStateClosing : XenbusStateClosed);
        break;
    default:
        break;
    }
}

/* Unwatch (one a previous instance left, see xbe_init) and watch, in one
 * batch: the watch fires at once. */
static int rewatch(struct xbe *x, const char *path, const char *tok)
{
    struct xsc_op op[2] = { { .type = XS_UNWATCH, .path = path, .val = tok, .vlen = strlen(tok) + 1 },
                            { .type = XS_WATCH, .path = path, .val = tok, .vlen = strlen(tok) + 1 } };
    int rc = xsc_batch(x->xs, op, 2);
    return rc ? rc : op[1].rc;
}

/* probe's work, its writes queued (see batch); true if it resumed the
 * device (the queued writes are dropped then). */
static bool probe_queued(struct xbe *x, struct xbe_dev *d)
{
    char *fe = NULL;
    unsigned long feid, bst = 0, fst = 0;
    if (xbe_read(x, d->be, "frontend", &fe) || xbe_read_uint(x, d->be, "frontend-id", 0x7fef, &feid) ||
        feid != d->fe_domid || strlen(fe) >= sizeof(d->fe) || fe[0] != '/') {
        free(fe);
        return false; /* not written completely yet: the next event retries */
    }
    strcpy(d->fe, fe);
    free(fe);
    /* (read before the driver's writes: a read of their directory would
     * send them first) */
    bool be_connected = x->resume && !xbe_read_uint(x, d->be, "state", XenbusStateReconfigured, &bst) &&
                        bst == XenbusStateConnected;
    const char *why = "refused";
    int rc = x->ops->probe(x, d, &why);
    if (rc) {
        xbe_printf(x, d->be, "hotplug-error", "%s", why);
        xbe_printf(x, d->be, "hotplug-status", "error");
        xbe_switch(x, d, XenbusStateClosed);
        d->fe[0] = 0;
        return false;
    }
    d->probed = true;
    /* Both ends Connected: this backend was restarted under a frontend that
     * stayed connected.  Connect to its rings again without a handshake and
     * without touching state (a frontend that saw the backend leave
     * Connected would treat it as a new connection or give up). */
    if (be_connected && !xbe_read_uint(x, d->fe, "state", XenbusStateReconfigured, &fst) &&
        fst == XenbusStateConnected) {
        d->state = XenbusStateConnected;
        if (x->ops->connect(x, d) == 0) {
            d->connected = true;
            /* where a restart's time goes (docs/restart.md) */
            printf("xenbus_be: %s: resumed at %llu us, %u xenstore requests since the start\n", d->be,
                   restart_now_us(), (unsigned)xsc_requests(x->xs));
            return true;
        }
        xbe_switch(x, d, XenbusStateClosing);
    } else {
        xbe_printf(x, d->be, "hotplug-status", "connected");
        xbe_switch(x, d, XenbusStateInitWait);
    }
    return false;
}

static void probe(struct xbe *x, struct xbe_dev *d)
{
    batch(x, true, false);
    bool resumed = probe_queued(x, d);
    batch(x, false, resumed); /* the writes go out before the watch fires */
    if (!d->probed) return;
    char tok[32], p[XBE_PATH + 8];
    fe_token(x, d, tok, sizeof(tok));
    snprintf(p, sizeof(p), "%s/state", d->fe);
    rewatch(x, p, tok); /* fires at once: fe_changed runs then */
}

void xbe_scan(struct xbe *x)
{
    bool seen[XBE_MAX_DEVS] = { false };
    char *doms = NULL;
    size_t dlen = 0;
    if (directory(x, x->base, &doms, &dlen) == 0) {
        for (size_t i = 0; i < dlen; i += strlen(doms + i) + 1) {
            unsigned long fe;
            if (!parse_id(doms + i, 0x7fef, &fe)) continue;
            char path[XBE_PATH], *devs = NULL;
            size_t len = 0;
            if ((size_t)snprintf(path, sizeof(path), "%s/%lu", x->base, fe) >= sizeof(path) ||
                directory(x, path, &devs, &len))
                continue;
            for (size_t j = 0; j < len; j += strlen(devs + j) + 1) {
                unsigned long devid;
                char be[XBE_PATH];
                if (!parse_id(devs + j, 0xffffffffu, &devid) ||
                    (size_t)snprintf(be, sizeof(be), "%s/%lu", path, devid) >= sizeof(be))
                    continue;
                struct xbe_dev *d = NULL, *freed = NULL;
                for (unsigned k = 0; k < XBE_MAX_DEVS; k++) {
                    if (x->dev[k].used && x->dev[k].fe_domid == fe && x->dev[k].devid == devid)
                        d = &x->dev[k];
                    else if (!x->dev[k].used && !freed)
                        freed = &x->dev[k];
                }
                if (!d && freed) {
                    d = freed;
                    memset(d, 0, sizeof(*d));
                    d->used = true;
                    d->fe_domid = (uint16_t)fe;
                    d->devid = (uint32_t)devid;
                    d->state = XenbusStateInitialising;
                    memcpy(d->be, be, sizeof(be));
                }
                if (!d) continue; /* more devices than we serve */
                seen[d - x->dev] = true;
                if (!d->probed && d->state != XenbusStateClosed) probe(x, d);
            }
            free(devs);
        }
    }
    free(doms);
    for (unsigned k = 0; k < XBE_MAX_DEVS; k++)
        if (x->dev[k].used && !seen[k]) drop(x, &x->dev[k]);
}

bool xbe_event(struct xbe *x, const char *path, const char *token)
{
    (void)path;
    if (!strcmp(token, TOKEN_DIR)) {
        xbe_scan(x);
        return true;
    }
    if (!strncmp(token, TOKEN_FE, strlen(TOKEN_FE))) {
        unsigned long k;
        if (parse_id(token + strlen(TOKEN_FE), XBE_MAX_DEVS - 1, &k) && x->dev[k].used && x->dev[k].probed)
            fe_changed(x, &x->dev[k]);
        return true;
    }
    return false;
}

int xbe_init(struct xbe *x, struct xsc *xs, uint16_t self, const char *type, const struct xbe_ops *ops,
             void *ctx)
{
    memset(x, 0, sizeof(*x));
    x->xs = xs;
    x->self = self;
    x->ops = ops;
    x->ctx = ctx;
    if ((size_t)snprintf(x->base, sizeof(x->base), "/local/domain/%u/backend/%s", self, type) >=
        sizeof(x->base))
        return -ENAMETOOLONG;
    /* A restarted program on a kept xenstore connection: the old
     * instance's watch is still there and would not fire again. */
    return rewatch(x, x->base, TOKEN_DIR);
}
