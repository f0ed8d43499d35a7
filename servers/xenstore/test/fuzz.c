/*
 * fuzz.c: libFuzzer target for the message parser. The input is a byte
 * stream split between a privileged and an unprivileged connection (first
 * byte of each chunk picks one and its length) and fed through the same
 * framing and dispatch as a socket or ring. A small tree exists beforehand.
 * Inputs starting with 0xAA instead fill a domain ring page (indices and
 * request bytes chosen by the input) served by the ring transport; inputs
 * starting with 0xBB are replayed as a (corrupt) journal file.
 */
#include <stdint.h>
#include <string.h>

#include "journal.h"

static void drain(struct xs_conn *c)
{
    const void *d;
    size_t n;
    while ((n = xs_conn_out_peek(c, &d)))
        xs_conn_out_advance(c, n);
}

static void feed_msg(struct xs_conn *c, uint32_t type, const char *p, uint32_t len)
{
    struct xsd_sockmsg h = { type, 1, 0, len };
    xs_conn_message(c, &h, p);
}

static void fuzz_ring(struct xs_server *s, const uint8_t *data, size_t size)
{
    static struct xenstore_domain_interface page;
    memset(&page, 0, sizeof(page));
    uint32_t idx[4] = { 0, 0, 0, 0 };
    memcpy(idx, data, size < sizeof(idx) ? size : sizeof(idx));
    data += size < sizeof(idx) ? size : sizeof(idx);
    size -= size < sizeof(idx) ? size : sizeof(idx);
    page.req_cons = idx[0];
    page.req_prod = idx[1];
    page.rsp_cons = idx[2];
    page.rsp_prod = idx[3];
    memcpy(page.req, data, size < sizeof(page.req) ? size : sizeof(page.req));
    struct xs_conn *c = xs_conn_new(s, 5, false, true, NULL, NULL);
    struct xs_ring *r = xs_ring_new(c, &page, NULL, NULL);
    for (int i = 0; i < 4; i++) {
        xs_ring_service(r, 4);
        page.rsp_cons = page.rsp_prod; /* the guest reads everything */
        xs_ring_flush(r);
    }
    xs_ring_free(r);
    xs_conn_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xs_config cfg;
    xs_config_default(&cfg);
    cfg.quota_nodes = 50;
    struct xs_server *s = xs_server_new(&cfg);
    struct xs_conn *conns[2] = {
        xs_conn_new(s, 0, true, false, NULL, NULL),
        xs_conn_new(s, 5, false, false, NULL, NULL),
    };
    feed_msg(conns[0], XS_WRITE, "/local/domain/5/a\0v", 19);
    feed_msg(conns[0], XS_SET_PERMS, "/local/domain/5\0n5\0", 19);
    feed_msg(conns[0], XS_WATCH, "/\0w\0", 4);
    drain(conns[0]);
    size_t off = 0;
    if (size && data[0] == 0xBB) {
        uint64_t epoch = 0;
        journal_replay(s, (const char *)data + 1, size - 1, &epoch, NULL);
        off = size;
    }
    if (size && data[0] == 0xAA) {
        fuzz_ring(s, data + 1, size - 1);
        off = size;
    }
    while (off < size) {
        uint8_t sel = data[off++];
        size_t len = (size_t)(sel >> 1) * 4 + 1;
        if (len > size - off) len = size - off;
        struct xs_conn *c = conns[sel & 1];
        if (!xs_conn_dead(c)) xs_conn_feed(c, data + off, len);
        off += len;
        drain(conns[0]);
        drain(conns[1]);
    }
#ifdef XS_FUZZ_CANARY
    /* self-test build: crash if the input managed to create /canary */
    feed_msg(conns[0], XS_READ, "/canary", 8);
    const void *d;
    struct xsd_sockmsg h;
    if (xs_conn_out_peek(conns[0], &d) >= sizeof(h)) {
        memcpy(&h, d, sizeof(h));
        if (h.type == XS_READ) __builtin_trap();
    }
#endif
    xs_server_free(s);
    return 0;
}
