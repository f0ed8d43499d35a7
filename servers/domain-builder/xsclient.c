/* xenstore requests over the builder's ring (see xsclient.h), using the
 * shared ring code of servers/lib/xsring.c. */
#include "xsclient.h"
#include "xsring.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void pause_ms(struct xsc *c, int ms)
{
    if (c->poke)
        c->poke(c->poke_ctx);
    if (c->sleep_ms) {
        c->sleep_ms(ms);
        return;
    }
    struct timespec t = { 0, ms * 1000000L };
    nanosleep(&t, NULL);
}

static int send_all(struct xsc *c, const void *buf, size_t len)
{
    struct xsring_dir req = xsring_requests(c->intf);
    const char *p = buf;
    for (int waited = 0; len; ) {
        long room = xsring_writable(&req);
        if (room < 0)
            return -1;
        size_t k = xsring_write(&req, p, len);
        p += k;
        len -= k;
        c->b->ops->notify(c->b, c->lport);
        if (len && (waited += 1) > c->timeout_ms)
            return -1;
        if (len)
            pause_ms(c, 1);
    }
    return 0;
}

/* Waits for a whole answer with our request id; copies its payload. */
static int receive(struct xsc *c, struct xsd_sockmsg *h, char *reply, size_t rmax)
{
    struct xsring_dir rsp = xsring_responses(c->intf);
    for (int waited = 0; waited <= c->timeout_ms; ) {
        long n = xsring_readable(&rsp);
        if (n < 0)
            return -1;
        if ((size_t)n >= sizeof(*h) && xsring_peek(&rsp, 0, h, sizeof(*h))) {
            if (h->len > XENSTORE_PAYLOAD_MAX)
                return -1;
            if ((size_t)n >= sizeof(*h) + h->len) {
                size_t k = h->len < rmax - 1 ? h->len : rmax - 1;
                xsring_peek(&rsp, sizeof(*h), reply, k);
                reply[k] = 0;
                xsring_consume(&rsp, sizeof(*h) + h->len);
                c->b->ops->notify(c->b, c->lport);
                if (h->type == XS_WATCH_EVENT || h->req_id != c->req_id) {
                    waited++;       /* not ours: skipped, but it costs time */
                    continue;
                }
                return 0;
            }
        }
        pause_ms(c, 1);
        waited++;
    }
    return -1;
}

int xsc_request(struct xsc *c, enum xsd_sockmsg_type type, const char *payload, size_t len,
                char *reply, size_t rmax)
{
    struct xsd_sockmsg h = { type, ++c->req_id, 0, (uint32_t)len };
    char buf[sizeof(h) + XENSTORE_PAYLOAD_MAX];
    if (!c->intf || len > XENSTORE_PAYLOAD_MAX || rmax < 2)
        return -1;
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), payload, len);
    if (send_all(c, buf, sizeof(h) + len) || receive(c, &h, reply, rmax))
        return -1;
    return h.type == XS_ERROR || h.type != type ? -1 : 0;
}

/* "a\0b\0..." payloads */
static size_t join(char *buf, size_t size, const char *const *parts, int n, int last_nul)
{
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        size_t k = strlen(parts[i]) + (i < n - 1 || last_nul);
        if (len + k > size)
            return (size_t)-1;
        memcpy(buf + len, parts[i], k);
        len += k;
    }
    return len;
}

int xsc_write(struct xsc *c, const char *path, const char *value)
{
    char buf[XENSTORE_PAYLOAD_MAX], r[64];
    const char *parts[] = { path, value };
    size_t len = join(buf, sizeof(buf), parts, 2, 0);
    return len == (size_t)-1 ? -1 : xsc_request(c, XS_WRITE, buf, len, r, sizeof(r));
}

int xsc_read(struct xsc *c, const char *path, char *out, size_t size)
{
    return xsc_request(c, XS_READ, path, strlen(path) + 1, out, size);
}

int xsc_mkdir(struct xsc *c, const char *path)
{
    char r[64];
    return xsc_request(c, XS_MKDIR, path, strlen(path) + 1, r, sizeof(r));
}

int xsc_rm(struct xsc *c, const char *path)
{
    char r[64];
    return xsc_request(c, XS_RM, path, strlen(path) + 1, r, sizeof(r));
}

int xsc_set_perms(struct xsc *c, const char *path, const char *const *perms, int n)
{
    char buf[XENSTORE_PAYLOAD_MAX], r[64];
    const char *parts[9] = { path };
    if (n > 8)
        return -1;
    for (int i = 0; i < n; i++)
        parts[i + 1] = perms[i];
    size_t len = join(buf, sizeof(buf), parts, n + 1, 1);
    return len == (size_t)-1 ? -1 : xsc_request(c, XS_SET_PERMS, buf, len, r, sizeof(r));
}

int xsc_introduce(struct xsc *c, uint32_t domid, uint64_t mfn, uint32_t port)
{
    char a[3][24], buf[80], r[64];
    snprintf(a[0], sizeof(a[0]), "%u", domid);
    snprintf(a[1], sizeof(a[1]), "%llu", (unsigned long long)mfn);
    snprintf(a[2], sizeof(a[2]), "%u", port);
    const char *parts[] = { a[0], a[1], a[2] };
    size_t len = join(buf, sizeof(buf), parts, 3, 1);
    return xsc_request(c, XS_INTRODUCE, buf, len, r, sizeof(r));
}
