/*
 * unit_limits.c: unit tests for quotas, malformed input and flow control.
 */
#include "unit.h"

void test_quotas(void)
{
    struct xs_config cfg;
    xs_config_default(&cfg);
    cfg.quota_nodes = 5;
    fresh(&cfg);
    struct xs_conn *p = mkconn(0, true, 0, false);
    struct xs_conn *d5 = mkconn(5, false, 1, false);
    rq(p, 0, "MKDIR", "/d");
    rq(p, 0, "SET_PERMS", "/d", "n0", "b5");
    char big[2100];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    check_str(rq(d5, 0, "WRITE", "/d/big", big), "ERROR ENOSPC|", "value over entry-size quota: ENOSPC");
    check_str(rq(p, 0, "WRITE", "/d/big", big), "WRITE OK|", "privileged callers are exempt");
    check_str(rq(d5, 0, "WRITE", "/d/a/b/c", "1"), "WRITE OK|", "3 nodes for domain 5");
    check_str(rq(d5, 0, "WRITE", "/d/e/f/g", "1"), "ERROR ENOSPC|", "3 more would exceed 5: ENOSPC");
    check_str(rq(d5, 0, "READ", "/d/e"), "ERROR ENOENT|", "quota failure created nothing");
    check_str(rq(d5, 0, "WRITE", "/d/e/f", "1"), "WRITE OK|", "2 more fit exactly");
    check_str(rq(d5, 0, "WRITE", "/d/h", "1"), "ERROR ENOSPC|", "6th node: ENOSPC");
    rq(d5, 0, "RM", "/d/a");
    check_str(rq(d5, 0, "WRITE", "/d/h", "1"), "WRITE OK|", "removing nodes frees quota");
    check_str(rq(d5, 0, "SET_PERMS", "/d/h", "n5", "r1", "r2", "r3", "r4", "r6"), "ERROR ENOSPC|",
              "too many permission entries: ENOSPC");
}

void test_malformed(void)
{
    fresh(NULL);
    struct xs_conn *p = mkconn(0, true, 0, false);
    char reply[256];
    struct xsd_sockmsg h = { 999, 77, 0, 0 };
    xs_conn_message(p, &h, "");
    drain(p, reply, sizeof(reply));
    check(!strcmp(reply, "ERROR ENOSYS|") && last_reply.req_id == 77,
          "unknown type: ENOSYS (as Xen), req_id echoed");
    h = (struct xsd_sockmsg){ XS_WATCH_EVENT, 78, 0, 2 };
    xs_conn_message(p, &h, "a");
    drain(p, reply, sizeof(reply));
    check_str(reply, "ERROR ENOSYS|", "client-sent WATCH_EVENT: ENOSYS");
    h = (struct xsd_sockmsg){ XS_READ, 79, 0, 3 };
    xs_conn_message(p, &h, "/ab");
    drain(p, reply, sizeof(reply));
    check_str(reply, "ERROR EINVAL|", "READ without NUL: EINVAL");
    h = (struct xsd_sockmsg){ XS_READ, 80, 0, 0 };
    xs_conn_message(p, &h, "");
    drain(p, reply, sizeof(reply));
    check_str(reply, "ERROR EINVAL|", "empty READ: EINVAL");
    h = (struct xsd_sockmsg){ XS_WATCH, 81, 0, 3 };
    xs_conn_message(p, &h, "/a\0");
    drain(p, reply, sizeof(reply));
    check_str(reply, "ERROR EINVAL|", "WATCH without token: EINVAL");
    h = (struct xsd_sockmsg){ XS_WRITE, 82, 0, 2 };
    xs_conn_message(p, &h, "/a");
    drain(p, reply, sizeof(reply));
    check_str(reply, "ERROR EINVAL|", "WRITE without NUL after path: EINVAL");
    /* split feeding: a header in pieces, then the payload */
    char msg[64];
    struct xsd_sockmsg w = { XS_WRITE, 90, 0, 6 };
    memcpy(msg, &w, sizeof(w));
    memcpy(msg + sizeof(w), "/s\0abc", 6);
    size_t used = xs_conn_feed(p, msg, 5);
    used += xs_conn_feed(p, msg + 5, 12);
    used += xs_conn_feed(p, msg + 17, 5);
    drain(p, reply, sizeof(reply));
    check(used == 22 && !strcmp(reply, "WRITE OK|") && last_reply.req_id == 90,
          "message fed in pieces is processed once complete");
    /* length past the payload limit: the connection is closed, no reply */
    struct xsd_sockmsg big = { XS_READ, 91, 0, XENSTORE_PAYLOAD_MAX + 1 };
    xs_conn_feed(p, &big, sizeof(big));
    drain(p, reply, sizeof(reply));
    check(xs_conn_dead(p) && !reply[0], "len > XENSTORE_PAYLOAD_MAX: connection closed without reply");
    check_str(rq(mkconn(0, true, 3, false), 0, "READ", "/s"), "READ abc", "server still serves others");
}

void test_flow(void)
{
    struct xs_config cfg;
    xs_config_default(&cfg);
    cfg.outq_limit = 1024;
    cfg.outq_events = 10;
    fresh(&cfg);
    struct xs_conn *p = mkconn(0, true, 0, false);
    struct xs_conn *lazy = mkconn(5, false, 1, false);
    struct xs_conn *w = mkconn(0, true, 2, false);
    /* a client that never reads: its input stops being consumed */
    char stream[64 * 100];
    size_t len = 0;
    for (int i = 0; i < 100; i++) {
        struct xsd_sockmsg h = { XS_GET_DOMAIN_PATH, (uint32_t)i, 0, 2 };
        memcpy(stream + len, &h, sizeof(h));
        memcpy(stream + len + sizeof(h), "5", 2);
        len += sizeof(h) + 2;
    }
    size_t used = xs_conn_feed(lazy, stream, len);
    check(used < len && xs_conn_throttled(lazy), "non-reading client is throttled (%zu of %zu bytes taken)",
          used, len);
    check_str(rq(p, 0, "WRITE", "/x", "1"), "WRITE OK|", "others are still served");
    drain(lazy, NULL, 0);
    check(!xs_conn_throttled(lazy) && xs_conn_feed(lazy, stream + used, len - used) > 0,
          "draining its replies unthrottles it");
    /* events to a non-reading watcher are capped; other watchers get all */
    struct xs_conn *deaf = mkconn(0, true, 3, false);
    rq(deaf, 0, "WATCH", "/", "t");
    rq(w, 0, "WATCH", "/", "t");
    events(w);
    int n = 0;
    for (int i = 0; i < 30; i++) {
        rq(p, 0, "WRITE", "/x", "1");
        const char *ev = events(w);
        for (const char *q = ev; (q = strchr(q, ';')); q++)
            n++;
    }
    check(n == 30, "reading watcher got all 30 events (%d)", n);
    check(deaf->dropped_events == 20 && deaf->out_events == 10,
          "non-reading watcher's queue is capped (%u queued, %lu dropped)", deaf->out_events,
          deaf->dropped_events);
}
