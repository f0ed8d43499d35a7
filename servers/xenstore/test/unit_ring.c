/*
 * unit_ring.c: unit tests for the domain-ring transport against a page in ordinary memory.
 */
#include "unit.h"

/* ---- ring transport against a page in memory ---- */
unsigned notifies;
static void count_notify(void *h)
{
    (void)h;
    notifies++;
}
const struct xs_ring_ops mem_ring_ops = { count_notify };

bool client_recv(struct xenstore_domain_interface *intf, char *out, size_t size)
{
    struct xsring_dir rsp = xsring_responses(intf);
    struct xsd_sockmsg h;
    if (!xsring_peek(&rsp, 0, &h, sizeof(h)) || xsring_readable(&rsp) < (long)(sizeof(h) + h.len))
        return false;
    char msg[XENSTORE_RING_SIZE];
    xsring_peek(&rsp, 0, msg, sizeof(h) + h.len);
    xsring_consume(&rsp, sizeof(h) + h.len);
    render(msg, out, size);
    return true;
}

void client_send(struct xenstore_domain_interface *intf, uint32_t type, const char *p, uint32_t len)
{
    struct xsring_dir req = xsring_requests(intf);
    struct xsd_sockmsg h = { type, 5, 0, len };
    xsring_write(&req, &h, sizeof(h));
    xsring_write(&req, p, len);
}

/* a guest that sends requests but never reads: served up to the output
 * limit, then left alone (no busy loop) until it reads */
static void test_ring_flood(void)
{
    struct xs_config cfg;
    xs_config_default(&cfg);
    cfg.outq_limit = 2048;
    xs_server_free(srv);
    srv = xs_server_new(&cfg);
    static struct xenstore_domain_interface pg;
    memset(&pg, 0, sizeof(pg));
    struct xs_conn *g = xs_conn_new(srv, 6, false, true, NULL, (void *)(uintptr_t)6);
    struct xs_ring *gr = xs_ring_new(g, &pg, &mem_ring_ops, NULL);
    struct xsring_dir req6 = xsring_requests(&pg), rsp = xsring_responses(&pg);
    int rounds = 0;
    for (; rounds < 200 && !xs_conn_throttled(g); rounds++) {
        while (xsring_writable(&req6) >= 18)
            client_send(&pg, XS_GET_DOMAIN_PATH, "6", 2);
        xs_ring_service(gr, 8);
    }
    while (xsring_writable(&req6) >= 18)
        client_send(&pg, XS_GET_DOMAIN_PATH, "6", 2);
    uint32_t cons = pg.req_cons;
    bool more = xs_ring_service(gr, 8);
    check(xs_conn_throttled(g) && !more && pg.req_cons == cons && pg.req_prod != cons,
          "flooding guest that never reads: throttled, its requests wait, no busy loop");
    for (int i = 0; i < 20 && xs_conn_throttled(g); i++) {
        xsring_consume(&rsp, (size_t)xsring_readable(&rsp));
        xs_ring_flush(gr);
    }
    xs_ring_service(gr, 8);
    check(!xs_conn_throttled(g) || pg.req_cons != cons, "once it reads, it is served again");
    xs_ring_free(gr);
}

void test_ring(void)
{
    fresh(NULL);
    struct xs_conn *p = mkconn(0, true, 0, false);
    static struct xenstore_domain_interface page;
    memset(&page, 0, sizeof(page));
    struct xs_conn *c = xs_conn_new(srv, 3, false, true, NULL, (void *)(uintptr_t)4);
    struct xs_ring *r = xs_ring_new(c, &page, &mem_ring_ops, NULL);
    char out[8192];
    client_send(&page, XS_GET_DOMAIN_PATH, "3", 2);
    notifies = 0;
    xs_ring_service(r, 8);
    check(client_recv(&page, out, sizeof(out)) && !strcmp(out, "GET_DOMAIN_PATH /local/domain/3|") &&
              notifies == 1,
          "request and reply through the ring, one notification");
    check(page.req_cons == page.req_prod, "request consumed");
    /* a 3000-byte WRITE does not fit the 1024-byte ring: it streams */
    rq(p, 0, "MKDIR", "/local/domain/3");
    rq(p, 0, "SET_PERMS", "/local/domain/3", "n3");
    char msg[3200];
    struct xsd_sockmsg h = { XS_WRITE, 6, 0, 0 };
    size_t plen = (size_t)sprintf(msg + sizeof(h), "big") + 1;
    memset(msg + sizeof(h) + plen, 'v', 2000);
    plen += 2000;
    h.len = (uint32_t)plen;
    memcpy(msg, &h, sizeof(h));
    size_t sent = 0, total = sizeof(h) + plen;
    struct xsring_dir req = xsring_requests(&page);
    int rounds = 0;
    while (sent < total && rounds++ < 10) {
        sent += xsring_write(&req, msg + sent, total - sent);
        xs_ring_service(r, 8);
    }
    check(sent == total && rounds > 1 && client_recv(&page, out, sizeof(out)) && !strcmp(out, "WRITE OK|"),
          "request larger than the ring streams through (%d rounds)", rounds);
    check_str(rq(p, 0, "READ", "/local/domain/3/big") + 2000, "vvvvv", "its value arrived whole");
    /* output larger than the ring waits for the client */
    client_send(&page, XS_READ, "big", 4);
    xs_ring_service(r, 8);
    struct xsring_dir rsp = xsring_responses(&page);
    long first = xsring_readable(&rsp);
    char got[4096];
    size_t gl = 0;
    for (int i = 0; i < 10 && gl < 16 + 2000; i++) {
        long n = xsring_readable(&rsp);
        xsring_peek(&rsp, 0, got + gl, (size_t)n);
        xsring_consume(&rsp, (size_t)n);
        gl += (size_t)n;
        xs_ring_flush(r);
    }
    check(first == XENSTORE_RING_SIZE && gl == 16 + 2000, "2016-byte reply delivered in ring-sized pieces");
    /* a watch on the ring gets events caused by others */
    client_send(&page, XS_WATCH, "dev\0tok", 8);
    xs_ring_service(r, 8);
    client_recv(&page, out, sizeof(out));
    check_str(out, "WATCH OK|", "watch over the ring");
    client_recv(&page, out, sizeof(out));
    check_str(out, "WATCH_EVENT dev|tok|", "initial event over the ring");
    rq(p, 0, "WRITE", "/local/domain/3/dev/state", "4");
    xs_ring_flush(r);
    client_recv(&page, out, sizeof(out));
    check_str(out, "WATCH_EVENT dev/state|tok|", "event from another connection's write");
    /* garbage indices: the ring is abandoned, nothing crashes */
    page.req_prod = page.req_cons + 5000;
    xs_ring_service(r, 8);
    check(page.error == XENSTORE_ERROR_RINGIDX, "corrupt indices: ring marked broken");
    xs_ring_free(r);
    /* a message longer than the payload limit on a ring */
    memset(&page, 0, sizeof(page));
    struct xs_conn *c2 = xs_conn_new(srv, 4, false, true, NULL, (void *)(uintptr_t)5);
    r = xs_ring_new(c2, &page, &mem_ring_ops, NULL);
    h = (struct xsd_sockmsg){ XS_READ, 1, 0, 5000 };
    xsring_write(&req, &h, sizeof(h));
    xs_ring_service(r, 8);
    check(page.error == XENSTORE_ERROR_PROTO && xs_conn_dead(c2),
          "oversized message on a ring: protocol error");
    xs_ring_free(r);
    test_ring_flood();
}

/* ---- persistence ---- */
