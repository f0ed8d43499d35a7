/*
 * unit_sched.c: unit tests for fair service (sched.c): a flooding ring gets
 * XS_TURN_REQUESTS requests a pass and cannot delay another ring's request
 * past one pass; an unprivileged connection over its share of the server's
 * time waits (its requests stay in its ring, none refused or dropped) until
 * the share has paid its debt; privileged and well-behaved connections are
 * never deferred; every answer the flooder gets is the right one, in order.
 */
#include "unit.h"

/* The clock moves `step` ns at each reading: each turn of a budgeted
 * connection reads it twice, so the turn costs exactly `step`. */
static int64_t fake_now, fake_step;
static int64_t fake_clock(void)
{
    int64_t t = fake_now;
    fake_now += fake_step;
    return t;
}

struct tring {
    struct xenstore_domain_interface page;
    struct xs_ring *r;
};

static void tring_init(struct tring *t, uint32_t domid, bool priv, uintptr_t slot)
{
    memset(&t->page, 0, sizeof(t->page));
    t->r = xs_ring_new(mkconn(domid, priv, slot, true), &t->page, &mem_ring_ops, NULL);
}

static bool send_id(struct tring *t, uint32_t type, uint32_t id, const char *p, uint32_t len)
{
    struct xsring_dir req = xsring_requests(&t->page);
    struct xsd_sockmsg h = { type, id, 0, len };
    if (xsring_writable(&req) < (long)(sizeof(h) + len)) return false;
    xsring_write(&req, &h, sizeof(h));
    xsring_write(&req, p, len);
    return true;
}

/* Replies waiting in the ring; each must be `type` with req_id first..,
 * rendered as fmt with its index (e.g. "READ v%u"). Returns how many. */
static unsigned take_replies(struct tring *t, uint32_t first, const char *fmt, unsigned *bad)
{
    struct xsring_dir rsp = xsring_responses(&t->page);
    struct xsd_sockmsg h;
    unsigned n = 0;
    char out[256], want[256];
    while (xsring_peek(&rsp, 0, &h, sizeof(h))) {
        uint32_t id = h.req_id;
        if (!client_recv(&t->page, out, sizeof(out))) break;
        snprintf(want, sizeof(want), fmt, first + n - 100);
        if (id != first + n || strcmp(out, want)) {
            printf("#   reply %u: id %u '%s', want id %u '%s'\n", n, id, out, first + n, want);
            (*bad)++;
        }
        n++;
    }
    return n;
}

static unsigned in_ring(struct tring *t) { return t->page.req_prod - t->page.req_cons; }

static void test_pass(void)
{
    struct xs_config cfg;
    xs_config_default(&cfg);
    cfg.clock_ns = fake_clock;
    fresh(&cfg);
    fake_now = 1000000000;
    fake_step = 1000; /* 1 us a turn: far inside the budget */
    struct xs_conn *p = mkconn(0, true, 0, false);
    rq(p, 0, "MKDIR", "/local/domain/7");
    rq(p, 0, "SET_PERMS", "/local/domain/7", "n7");
    static struct tring f, o;
    tring_init(&f, 7, false, 1);
    tring_init(&o, 8, false, 2);
    char body[32];
    unsigned queued = 0, bad = 0;
    for (;; queued++) {
        int len = snprintf(body, sizeof(body), "k%u", queued) + 1;
        len += snprintf(body + len, sizeof(body) - (size_t)len, "v%u", queued);
        if (!send_id(&f, XS_WRITE, 100 + queued, body, (uint32_t)len)) break;
    }
    send_id(&o, XS_GET_DOMAIN_PATH, 77, "8", 2);
    int64_t wake = INT64_MAX;
    enum xs_turn tf = xs_ring_turn(f.r, &wake), to = xs_ring_turn(o.r, &wake);
    char out[128];
    check(client_recv(&o.page, out, sizeof(out)) && !strcmp(out, "GET_DOMAIN_PATH /local/domain/8|") &&
              to == XS_TURN_IDLE,
          "a ring behind a flooder (%u requests queued) is answered in the first pass", queued);
    unsigned got = take_replies(&f, 100, "WRITE OK|", &bad);
    check(got == XS_TURN_REQUESTS && tf == XS_TURN_MORE && wake == INT64_MAX && bad == 0,
          "the flooder got exactly %u answers in that pass (got %u), the rest wait in its ring",
          XS_TURN_REQUESTS, got);
    unsigned passes = 1;
    while (tf == XS_TURN_MORE && passes < 100) {
        send_id(&o, XS_GET_DOMAIN_PATH, 78 + passes, "8", 2);
        tf = xs_ring_turn(f.r, &wake);
        to = xs_ring_turn(o.r, &wake);
        bool answered = client_recv(&o.page, out, sizeof(out));
        if (!answered || to != XS_TURN_IDLE) bad++;
        got += take_replies(&f, 100 + got, "WRITE OK|", &bad);
        passes++;
    }
    check(got == queued && passes == (queued + XS_TURN_REQUESTS - 1) / XS_TURN_REQUESTS && bad == 0 &&
              in_ring(&f) == 0,
          "all %u of the flooder's writes answered OK in order in %u passes, the other ring each pass",
          queued, passes);
    check_str(rq(p, 0, "READ", "/local/domain/7/k5"), "READ v5", "the flooder's writes took effect");
    xs_ring_free(f.r);
    xs_ring_free(o.r);
}

static void test_budget(void)
{
    struct xs_config cfg;
    xs_config_default(&cfg);
    cfg.clock_ns = fake_clock;
    cfg.conn_share_permille = 20;
    cfg.conn_burst_ms = 10;
    fresh(&cfg);
    struct xs_conn *p = mkconn(0, true, 0, false);
    rq(p, 0, "MKDIR", "/local/domain/7");
    rq(p, 0, "SET_PERMS", "/local/domain/7", "n7");
    char path[32], val[16];
    for (unsigned i = 0; i < 40; i++) {
        snprintf(path, sizeof(path), "/local/domain/7/k%u", i);
        snprintf(val, sizeof(val), "v%u", i);
        rq(p, 0, "WRITE", path, val);
    }
    static struct tring f, w, pr;
    tring_init(&f, 7, false, 1);
    tring_init(&w, 9, false, 3);
    tring_init(&pr, 0, true, 4);
    char body[16];
    unsigned queued = 0, bad = 0;
    for (; queued < 40; queued++) {
        int len = snprintf(body, sizeof(body), "k%u", queued) + 1;
        send_id(&f, XS_READ, 100 + queued, body, (uint32_t)len);
    }
    fake_now = 5000000000;
    fake_step = 4000000; /* every turn costs 4 ms; the burst is 10 ms */
    int64_t wake = INT64_MAX;
    enum xs_turn t[3];
    for (int i = 0; i < 3; i++)
        t[i] = xs_ring_turn(f.r, &wake);
    unsigned got = take_replies(&f, 100, "READ v%u", &bad);
    check(t[0] == XS_TURN_MORE && t[1] == XS_TURN_MORE && t[2] == XS_TURN_MORE && got == 24 && bad == 0,
          "flooder: three turns of 8 while in credit (10 ms burst, 4 ms a turn)");
    /* credit 10 - 3 x 4 ms + 2% of the 24 ms since = -1.52 ms at 5.024 s:
     * paid off at 2% in 76 ms */
    enum xs_turn d = xs_ring_turn(f.r, &wake);
    check(d == XS_TURN_DEFERRED && wake == 5100000000 && in_ring(&f) == 16 * (16 + 4) &&
              take_replies(&f, 124, "READ v%u", &bad) == 0,
          "then deferred until 5.100 s (wake %lld): its 16 requests wait in its ring, no answer, no error",
          (long long)wake);
    /* a well-behaved domain and a privileged one meanwhile: served at once */
    send_id(&w, XS_GET_DOMAIN_PATH, 50, "9", 2);
    enum xs_turn tw = xs_ring_turn(w.r, &wake);
    char out[128];
    check(tw == XS_TURN_IDLE && client_recv(&w.page, out, sizeof(out)) &&
              !strcmp(out, "GET_DOMAIN_PATH /local/domain/9|"),
          "another domain's request is answered while the flooder waits");
    unsigned pturns = 0, pgot = 0;
    bool pdeferred = false;
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned i = 0; i < 30; i++)
            send_id(&pr, XS_GET_DOMAIN_PATH, 100 + i, "3", 2);
        enum xs_turn tp;
        do {
            int64_t pw = INT64_MAX;
            tp = xs_ring_turn(pr.r, &pw);
            pdeferred |= tp == XS_TURN_DEFERRED || pw != INT64_MAX;
            pturns++;
        } while (tp == XS_TURN_MORE && pturns < 100);
        pgot += take_replies(&pr, 100, "GET_DOMAIN_PATH /local/domain/3|", &bad);
    }
    check(!pdeferred && pgot == 90 && pturns == 12 && bad == 0,
          "a privileged connection is never deferred (90 requests in %u turns of 8)", pturns);
    fake_step = 0;
    fake_now = 5099000000; /* 1 ms early: 0.02 ms still owed */
    wake = INT64_MAX;
    d = xs_ring_turn(f.r, &wake);
    check(d == XS_TURN_DEFERRED && wake == 5100000000 && in_ring(&f) == 16 * 20,
          "1 ms before: still deferred, to the same time");
    fake_now = 5100000000;
    fake_step = 4000000;
    wake = INT64_MAX;
    d = xs_ring_turn(f.r, &wake);
    got = take_replies(&f, 124, "READ v%u", &bad);
    check(d == XS_TURN_MORE && got == 8 && wake == INT64_MAX && bad == 0,
          "at 5.100 s: served again, 8 answers");
    /* the last 8: deferred once (4 ms owed: 200 ms at 2%), then served */
    unsigned turns = 0, deferrals = 0;
    int64_t deferred_to = 0;
    while (got < 16 && turns++ < 20) {
        wake = INT64_MAX;
        d = xs_ring_turn(f.r, &wake);
        if (d == XS_TURN_DEFERRED) {
            deferrals++;
            fake_now = deferred_to = wake;
        }
        got += take_replies(&f, 124 + got, "READ v%u", &bad);
    }
    check(got == 16 && bad == 0 && in_ring(&f) == 0 && deferrals == 1 && deferred_to == 5300000000,
          "the last 8 after one more deferral, to 5.300 s: all 40 reads answered right, in order");
    /* a domain asking once a second for 4 ms of work: never deferred */
    bool wdeferred = false;
    unsigned wgot = 0;
    for (unsigned i = 0; i < 20; i++) {
        fake_now += 1000000000;
        send_id(&w, XS_GET_DOMAIN_PATH, 100, "9", 2);
        int64_t ww = INT64_MAX;
        wdeferred |= xs_ring_turn(w.r, &ww) != XS_TURN_IDLE;
        wgot += take_replies(&w, 100, "GET_DOMAIN_PATH /local/domain/9|", &bad);
    }
    check(!wdeferred && wgot == 20 && bad == 0, "a domain using 0.4%% of the time is never deferred");
    xs_ring_free(f.r);
    xs_ring_free(w.r);
    xs_ring_free(pr.r);
}

/* With a CPU clock, a turn costs the server's CPU time, not the wall time
 * it took (other domains ran while the server was preempted in it). */
static int64_t fake_cpu;
static int64_t fake_cpu_clock(void) { return fake_cpu += 1000000; }

static void test_cpu_charge(void)
{
    struct xs_config cfg;
    xs_config_default(&cfg);
    cfg.clock_ns = fake_clock;
    cfg.cpu_ns = fake_cpu_clock;
    cfg.conn_share_permille = 20;
    cfg.conn_burst_ms = 10;
    fresh(&cfg);
    static struct tring f;
    tring_init(&f, 7, false, 1);
    unsigned bad = 0, turns = 0, deferred = 0;
    for (unsigned i = 0; i < 40; i++)
        send_id(&f, XS_GET_DOMAIN_PATH, 100 + i, "7", 2);
    fake_now = 1000000000;
    fake_step = 50000000; /* 50 ms of wall time a reading: a preempted server */
    enum xs_turn t;
    unsigned got = 0;
    do {
        int64_t wake = INT64_MAX;
        t = xs_ring_turn(f.r, &wake);
        deferred += t == XS_TURN_DEFERRED;
        got += take_replies(&f, 100 + got, "GET_DOMAIN_PATH /local/domain/7|", &bad);
    } while (t != XS_TURN_IDLE && ++turns < 20);
    check(got == 40 && bad == 0 && deferred == 0 && turns == 4,
          "turns cost the server's CPU time (1 ms each), not the wall time (50 ms): 40 requests, never "
          "deferred");
    xs_ring_free(f.r);
}

void test_sched(void)
{
    test_pass();
    test_budget();
    test_cpu_charge();
}
