/* One vbd device driven by hand (see blkfront.h). */
#include "blkfront.h"

grant_entry_v1_t *fe_gt;
static unsigned rings, data_refs = FE_REF_DATA;

static void path(char *out, size_t cap, const char *dir, const char *node)
{
    snprintf(out, cap, "%s/%s", dir, node);
}

long fe_open(struct fe *f, unsigned devid)
{
    char p[96];
    uint64_t id;
    memset(f, 0, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "device/vbd/%u", devid);
    if (!fe_gt && !(fe_gt = gnttab_self())) return -XEN_EFAULT;
    path(p, sizeof(p), f->dir, "backend");
    long rc = xs_read(p, f->be, sizeof(f->be));
    path(p, sizeof(p), f->dir, "backend-id");
    if (rc || (rc = xs_read_u(p, &id))) return rc;
    f->be_id = (domid_t)id;
    if (data_refs + FE_DATA_PAGES > 256) return -XEN_ENOSPC;
    f->dref = data_refs;
    data_refs += FE_DATA_PAGES;
    for (unsigned i = 0; i < FE_DATA_PAGES; i++) {
        f->data[i] = alloc_page();
        gnttab_grant(fe_gt, f->dref + i, f->be_id, va_to_mfn(f->data[i]), false);
    }
    return 0;
}

long fe_wait_be(struct fe *f, unsigned want, unsigned ms)
{
    char p[128];
    uint64_t st = 0, deadline = now_ns() + ms * 1000000ull;
    path(p, sizeof(p), f->be, "state");
    for (;;) {
        if (!xs_read_u(p, &st) && st < 32 && (want & (1u << st))) return (long)st;
        if (now_ns() >= deadline) return -ETIMEDOUT;
        struct sched_poll sp = { .nr_ports = 0, .timeout = now_ns() + 5000000 };
        HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
    }
}

long fe_state(struct fe *f, int state)
{
    char p[96], v[4];
    path(p, sizeof(p), f->dir, "state");
    snprintf(v, sizeof(v), "%d", state);
    return xs_write(p, v);
}

long fe_new_ring(struct fe *f)
{
    unsigned n = 1u << f->order;
    if (FE_REF_RING + rings + n > FE_REF_DATA) return -XEN_ENOSPC;
    f->sring = alloc_page(); /* the arena's pages are consecutive */
    for (unsigned i = 1; i < n; i++)
        alloc_page();
    SHARED_RING_INIT(f->sring);
    FRONT_RING_INIT(&f->ring, f->sring, PAGE_SIZE << f->order);
    f->ring_ref = FE_REF_RING + rings;
    rings += n;
    for (unsigned i = 0; i < n; i++)
        gnttab_grant(fe_gt, f->ring_ref + i, f->be_id, va_to_mfn((uint8_t *)f->sring + i * PAGE_SIZE), false);
    return evtchn_alloc_unbound(DOMID_SELF, f->be_id, &f->port);
}

long fe_connect(struct fe *f)
{
    char p[96], v[16];
    long rc = fe_wait_be(f, 1u << XenbusStateInitWait, 20000);
    if (rc < 0 || (rc = fe_new_ring(f))) return rc;
    path(p, sizeof(p), f->dir, "ring-page-order");
    if (f->order) {
        snprintf(v, sizeof(v), "%u", f->order);
        if ((rc = xs_write(p, v))) return rc;
    } else {
        xs_rm(p);
    }
    for (unsigned i = 0; i < 1u << f->order; i++) {
        char node[16];
        snprintf(node, sizeof(node), f->order ? "ring-ref%u" : "ring-ref", i);
        path(p, sizeof(p), f->dir, node);
        snprintf(v, sizeof(v), "%u", f->ring_ref + i);
        if ((rc = xs_write(p, v))) return rc;
    }
    path(p, sizeof(p), f->dir, "event-channel");
    snprintf(v, sizeof(v), "%u", f->port);
    if ((rc = xs_write(p, v))) return rc;
    path(p, sizeof(p), f->dir, "protocol");
    if ((rc = xs_write(p, XEN_IO_PROTO_ABI_X86_64)) || (rc = fe_state(f, XenbusStateInitialised))) return rc;
    rc = fe_wait_be(f, 1u << XenbusStateConnected | 1u << XenbusStateClosing, 20000);
    if (rc != XenbusStateConnected) return rc < 0 ? rc : -XEN_EIO;
    char q[128];
    path(q, sizeof(q), f->be, "sectors");
    if ((rc = xs_read_u(q, &f->sectors))) return rc;
    return fe_state(f, XenbusStateConnected);
}

long fe_reset(struct fe *f)
{
    long rc = fe_state(f, XenbusStateClosing);
    if (!rc && fe_wait_be(f, 1u << XenbusStateClosing | 1u << XenbusStateClosed, 20000) < 0) rc = -ETIMEDOUT;
    if (!rc) rc = fe_state(f, XenbusStateClosed);
    if (!rc && fe_wait_be(f, 1u << XenbusStateClosed, 20000) < 0) rc = -ETIMEDOUT;
    /* The backend has let go of the ring and the port. */
    if (f->port) {
        evtchn_close(f->port);
        f->port = 0;
    }
    for (unsigned i = 0; f->sring && i < 1u << f->order; i++)
        gnttab_end_access(fe_gt, f->ring_ref + i);
    if (!rc) rc = fe_state(f, XenbusStateInitialising);
    if (!rc && fe_wait_be(f, 1u << XenbusStateInitWait, 20000) < 0) rc = -ETIMEDOUT;
    return rc;
}

void fe_put(struct fe *f, const blkif_request_t *r, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        *RING_GET_REQUEST(&f->ring, f->ring.req_prod_pvt++) = r[i];
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->ring, notify);
    if (notify) evtchn_send(f->port);
}

unsigned fe_take(struct fe *f, blkif_response_t *rsp, unsigned n, unsigned ms)
{
    uint64_t deadline = now_ns() + ms * 1000000ull;
    unsigned got = 0;
    while (got < n) {
        int more;
        RING_FINAL_CHECK_FOR_RESPONSES(&f->ring, more);
        if (more) {
            rsp[got++] = *RING_GET_RESPONSE(&f->ring, f->ring.rsp_cons);
            f->ring.rsp_cons++;
            continue;
        }
        if (evtchn_wait(f->port, deadline)) break;
    }
    return got;
}

int fe_do(struct fe *f, const blkif_request_t *r, uint8_t *op)
{
    blkif_response_t rsp;
    fe_put(f, r, 1);
    if (fe_take(f, &rsp, 1, 20000) != 1 || rsp.id != r->id) return 99;
    if (op) *op = rsp.operation;
    return rsp.status;
}

int fe_rw(struct fe *f, uint8_t op, uint64_t s, unsigned n)
{
    blkif_request_t r = {
        .operation = op, .nr_segments = (uint8_t)n, .sector_number = s, .id = 0x5eed0000 + s
    };
    for (unsigned i = 0; i < n; i++)
        r.seg[i] = (struct blkif_request_segment){ f->dref + i, 0, 7 };
    return fe_do(f, &r, NULL);
}
