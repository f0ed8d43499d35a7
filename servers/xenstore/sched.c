/*
 * sched.c: fair service of domain rings, so that a domain flooding xenstore
 * pays for the flood with its own time rather than its neighbours'. Two
 * rules: a pass over the busy rings gives each a turn of at most
 * XS_TURN_REQUESTS requests (a flooder cannot starve another ring: that
 * ring's request is answered within one pass), and an unprivileged
 * connection may use the server's time only at its share of the clock
 * (cfg.conn_share_permille of the clock, after a burst of cfg.conn_burst_ms):
 * the server's CPU time in each turn (its requests, their replies, the watch
 * events they fire) is charged to it, and while it is in debt its requests wait in its ring
 * and the server sleeps if nobody else needs it. Nothing is dropped and a
 * well-behaved client sees no error, only later answers once over budget.
 */
#include "xs.h"

static bool budgeted(const struct xs_conn *c)
{
    const struct xs_config *cfg = &c->srv->cfg;
    return !c->privileged && cfg->clock_ns && cfg->conn_share_permille;
}

/* Refill the credit for the time since the last refill, up to the burst. */
static void refill(struct xs_conn *c, int64_t now)
{
    const struct xs_config *cfg = &c->srv->cfg;
    int64_t burst = (int64_t)cfg->conn_burst_ms * 1000000;
    if (!c->budget_set || now < c->stamp) {
        c->budget_set = true;
        c->credit = burst;
    } else {
        /* elapsed capped so the product cannot overflow */
        int64_t dt = now - c->stamp, cap = (burst - c->credit) * 1000 / cfg->conn_share_permille + 1;
        c->credit += (dt < cap ? dt : cap) * cfg->conn_share_permille / 1000;
        if (c->credit > burst) c->credit = burst;
    }
    c->stamp = now;
}

enum xs_turn xs_ring_turn(struct xs_ring *r, int64_t *wake)
{
    struct xs_conn *c = xs_ring_conn(r);
    if (!budgeted(c)) return xs_ring_service(r, XS_TURN_REQUESTS) ? XS_TURN_MORE : XS_TURN_IDLE;
    int64_t (*clock)(void) = c->srv->cfg.clock_ns;
    int64_t t0 = clock();
    refill(c, t0);
    if (c->credit < 0) {
        /* in debt: back when the share has paid it off (rounded up) */
        unsigned share = c->srv->cfg.conn_share_permille;
        int64_t at = t0 + (-c->credit * 1000 + share - 1) / share;
        if (at < *wake) *wake = at;
        return XS_TURN_DEFERRED;
    }
    int64_t (*cpu)(void) = c->srv->cfg.cpu_ns;
    int64_t c0 = cpu ? cpu() : t0;
    bool more = xs_ring_service(r, XS_TURN_REQUESTS);
    int64_t c1 = cpu ? cpu() : clock();
    c->credit -= c1 > c0 ? c1 - c0 : 0;
    return more ? XS_TURN_MORE : XS_TURN_IDLE;
}
