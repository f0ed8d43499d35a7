/* The VFR's token buckets (see vfr.h): bytes and packets, refilled from the
 * caller's clock, scaled by 1e9 so a refill of elapsed_ns * rate is exact. */
#include "vfr.h"

#define NS        1000000000ll
#define MAX_BURST (1ull << 32)

static uint64_t burst_of(uint64_t rate, uint64_t burst, uint64_t floor)
{
    if (!burst) burst = rate / 20 > floor ? rate / 20 : floor;
    return burst > MAX_BURST ? MAX_BURST : burst;
}

void vfr_tb_init(struct vfr_tb *t, const struct vfr_limit *lim, uint64_t now_ns)
{
    t->lim = *lim;
    if (t->lim.bytes_per_s > MAX_BURST) t->lim.bytes_per_s = MAX_BURST;
    if (t->lim.pkts_per_s > MAX_BURST) t->lim.pkts_per_s = MAX_BURST;
    t->lim.burst_bytes = burst_of(t->lim.bytes_per_s, lim->burst_bytes, 65536);
    t->lim.burst_pkts = burst_of(t->lim.pkts_per_s, lim->burst_pkts, 16);
    t->tok_b = (int64_t)t->lim.burst_bytes * NS;
    t->tok_p = (int64_t)t->lim.burst_pkts * NS;
    t->last_ns = now_ns;
}

/* Refill one bucket; elapsed is capped before multiplying so nothing
 * overflows (a full refill takes at most cap/rate ns). */
static void refill(int64_t *tok, uint64_t rate, uint64_t burst, uint64_t elapsed)
{
    int64_t cap = (int64_t)burst * NS;
    if (!rate || *tok >= cap) return;
    uint64_t need = (uint64_t)(cap - *tok);
    uint64_t full = need / rate + 1;
    if (elapsed >= full)
        *tok = cap;
    else
        *tok += (int64_t)(elapsed * rate);
    if (*tok > cap) *tok = cap;
}

static bool fits(int64_t tok, uint64_t burst, uint64_t want)
{
    int64_t cap = (int64_t)burst * NS;
    return tok >= (int64_t)want * NS || tok == cap;
}

bool vfr_tb_take(struct vfr_tb *t, uint64_t now_ns, size_t bytes)
{
    uint64_t el = now_ns > t->last_ns ? now_ns - t->last_ns : 0;
    t->last_ns = now_ns > t->last_ns ? now_ns : t->last_ns;
    refill(&t->tok_b, t->lim.bytes_per_s, t->lim.burst_bytes, el);
    refill(&t->tok_p, t->lim.pkts_per_s, t->lim.burst_pkts, el);
    if (bytes > MAX_BURST) bytes = MAX_BURST;
    bool ok = (!t->lim.bytes_per_s || fits(t->tok_b, t->lim.burst_bytes, bytes)) &&
              (!t->lim.pkts_per_s || fits(t->tok_p, t->lim.burst_pkts, 1));
    if (!ok) return false;
    if (t->lim.bytes_per_s) t->tok_b -= (int64_t)bytes * NS;
    if (t->lim.pkts_per_s) t->tok_p -= NS;
    return true;
}
