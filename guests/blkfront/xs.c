/* A synchronous xenstore client on the guest's own store ring (start_info's
 * store page and event channel), through servers/lib/xsring.c: one request
 * at a time, its answer awaited with SCHEDOP_poll.  No watches: callers poll. */
#include "xsring.h" /* first: xs_wire.h's error table wants the host's E* names, not xc.h's */
#include "blkfront.h"

#define XS_WAIT_NS 10000000000ull /* 10 s for an answer */

static uint32_t next_id;

static struct xenstore_domain_interface *intf(void) { return mfn_to_va(start_info->store_mfn); }

static long put_all(const void *buf, size_t len, uint64_t deadline)
{
    struct xsring_dir d = xsring_requests(intf());
    const char *p = buf;
    while (len) {
        size_t n = xsring_write(&d, p, len);
        evtchn_send(start_info->store_evtchn);
        p += n;
        len -= n;
        if (len && evtchn_wait(start_info->store_evtchn, deadline)) return -ETIMEDOUT;
    }
    return 0;
}

static long get_all(void *buf, size_t len, uint64_t deadline)
{
    struct xsring_dir d = xsring_responses(intf());
    while (!xsring_peek(&d, 0, buf, len))
        if (evtchn_wait(start_info->store_evtchn, deadline)) return -ETIMEDOUT;
    xsring_consume(&d, len);
    evtchn_send(start_info->store_evtchn);
    return 0;
}

static long xs_error(const char *name)
{
    static const struct {
        const char *n;
        long e;
    } map[] = {
        { "ENOENT", -XEN_ENOENT }, { "EACCES", -XEN_EACCES }, { "EINVAL", -XEN_EINVAL },
        { "EEXIST", -XEN_EEXIST }, { "E2BIG", -XEN_E2BIG },
    };
    for (size_t i = 0; i < ARRAY_SIZE(map); i++)
        if (!strcmp(name, map[i].n)) return map[i].e;
    return -XEN_EIO;
}

/* One request: payload a (with its NUL) then b (without); the answer's
 * payload into out (NUL-terminated, cut to cap). */
static long request(uint32_t type, const char *a, const char *b, char *out, size_t cap)
{
    struct xsd_sockmsg m = { .type = type, .req_id = ++next_id, .tx_id = 0 };
    size_t la = strlen(a) + 1, lb = b ? strlen(b) : 0;
    m.len = (uint32_t)(la + lb);
    if (m.len > XENSTORE_PAYLOAD_MAX) return -XEN_E2BIG;
    uint64_t deadline = now_ns() + XS_WAIT_NS;
    long rc = put_all(&m, sizeof(m), deadline);
    if (!rc) rc = put_all(a, la, deadline);
    if (!rc && lb) rc = put_all(b, lb, deadline);
    if (rc) return rc;
    for (;;) {
        struct xsd_sockmsg r;
        static char payload[XENSTORE_PAYLOAD_MAX + 1];
        if ((rc = get_all(&r, sizeof(r), deadline))) return rc;
        if (r.len > XENSTORE_PAYLOAD_MAX) return -XEN_EIO;
        if ((rc = get_all(payload, r.len, deadline))) return rc;
        payload[r.len] = 0;
        if (r.type == XS_WATCH_EVENT || r.req_id != m.req_id) continue; /* not ours (we set no watches) */
        if (r.type == XS_ERROR) return xs_error(payload);
        if (out && cap) {
            size_t n = r.len < cap - 1 ? r.len : cap - 1;
            memcpy(out, payload, n);
            out[n] = 0;
        }
        return 0;
    }
}

long xs_read(const char *path, char *val, size_t cap) { return request(XS_READ, path, NULL, val, cap); }

long xs_write(const char *path, const char *val) { return request(XS_WRITE, path, val, NULL, 0); }

long xs_rm(const char *path) { return request(XS_RM, path, NULL, NULL, 0); }

long xs_read_u(const char *path, uint64_t *v)
{
    char buf[32];
    const char *end;
    long rc = xs_read(path, buf, sizeof(buf));
    if (rc) return rc;
    if (buf[0] < '0' || buf[0] > '9') return -XEN_EINVAL;
    *v = strtoul(buf, &end, 10);
    return *end ? -XEN_EINVAL : 0;
}
