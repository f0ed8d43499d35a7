/* The simulator the scheduler tests run on: pCPUs in simulated time, driven
 * like sched.c drives the policy -- sp_pick at slice ends and blocks, sp_wake
 * (placed by sp_choose_cpu) plus sp_should_preempt at wakes -- and it measures
 * who ran and how long wakers waited, independently of the policy's books. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sched_test.h"

void check_ppm(uint64_t got, uint64_t lo, uint64_t hi, const char *name)
{
    CHECK_MSG(got >= lo && got <= hi, name, "got %lu ppm, want %lu..%lu", got, lo, hi);
}

uint64_t ppm(uint64_t part, uint64_t total) { return total ? part * 1000000 / total : 0; }

void sim_init(struct sim *s, unsigned ncpu)
{
    memset(s, 0, sizeof(*s));
    s->ncpu = ncpu;
    s->now = 1000 * SEC; /* system time is far from 0 in real life */
    s->use_preempt = true;
    sp_init(ncpu);
    for (unsigned c = 0; c < ncpu; c++)
        sim_pick(s, c); /* every pCPU enters the scheduler at boot */
}

void dom_init(struct domain *d, domid_t id, uint32_t weight, uint32_t cap)
{
    memset(d, 0, sizeof(*d));
    d->id = id;
    d->state = DOM_RUNNING;
    if (weight && sp_set_params(d, weight, cap)) {
        fprintf(stderr, "dom_init: bad params %u %u\n", weight, cap);
        abort();
    }
}

void sim_pick(struct sim *s, unsigned c)
{
    uint64_t slice;
    struct vcpu *stolen = s->steal ? sp_steal(c, s->now) : NULL;
    if (stolen) stolen->processor = c;
    struct vcpu *next = sp_pick(c, s->curr[c], s->now, &slice);
    s->curr[c] = next;
    s->slice_end[c] = slice ? s->now + slice : 0;
    s->n_picks++;
    if (!next) return;
    struct simv *sv = (struct simv *)next;
    if (sv->waiting) {
        uint64_t lat = s->now - sv->woke_at;
        sv->max_lat = lat > sv->max_lat ? lat : sv->max_lat;
        sv->n_immediate += lat == 0;
        sv->waiting = false;
    }
}

void sim_wake(struct sim *s, struct simv *sv, int cpu, bool woken)
{
    sv->v.blocked = false;
    unsigned c = cpu >= 0 ? (unsigned)cpu : sp_choose_cpu(&sv->v, sv->v.processor);
    sv->v.processor = c;
    sp_wake(&sv->v, c, s->now, woken);
    sv->woke_at = s->now;
    sv->waiting = woken; /* latency is promised for event wakes */
    sv->n_wakes += woken;
    sv->burst_left = sv->burst;
    if (!s->curr[c] || (s->use_preempt && sp_should_preempt(c, s->curr[c], s->now))) sim_pick(s, c);
}

void sim_block(struct sim *s, struct simv *sv)
{
    sv->v.blocked = true;
    sp_sleep(&sv->v, s->now);
    for (unsigned c = 0; c < s->ncpu; c++)
        if (s->curr[c] == &sv->v) sim_pick(s, c);
}

struct simv *sim_add(struct sim *s, struct simv *sv, struct domain *d, unsigned id, enum sim_kind kind,
                     int cpu)
{
    memset(sv, 0, sizeof(*sv));
    sv->v.domain = d;
    sv->v.id = id;
    sv->v.online = true;
    sv->v.blocked = true;
    sv->kind = kind;
    sv->t0 = s->now;
    sp_vcpu_init(&sv->v, s->now);
    s->v[s->nv++] = sv;
    if (kind != SIM_SLEEPER) sim_wake(s, sv, cpu, false);
    return sv;
}

static bool sleeping_periodic(const struct simv *sv) { return sv->kind == SIM_PERIODIC && sv->v.blocked; }

static uint64_t next_event(const struct sim *s, uint64_t until)
{
    uint64_t t = until;
    for (unsigned c = 0; c < s->ncpu; c++) {
        if (s->slice_end[c] && s->slice_end[c] < t) t = s->slice_end[c];
        const struct simv *sv = (const struct simv *)s->curr[c];
        if (sv && sv->kind == SIM_PERIODIC && s->now + sv->burst_left < t) t = s->now + sv->burst_left;
    }
    for (unsigned i = 0; i < s->nv; i++)
        if (sleeping_periodic(s->v[i]) && s->v[i]->next_wake < t) t = s->v[i]->next_wake;
    return t < s->now ? s->now : t;
}

static void advance(struct sim *s, uint64_t t)
{
    uint64_t dt = t - s->now;
    for (unsigned c = 0; c < s->ncpu; c++) {
        struct simv *sv = (struct simv *)s->curr[c];
        if (!sv) {
            s->idle[c] += dt;
            continue;
        }
        sv->ran += dt;
        if (sv->kind == SIM_PERIODIC) sv->burst_left -= dt;
    }
    s->now = t;
}

/* Events due now: bursts that end, slices that end, timers that fire. */
static void handle_events(struct sim *s)
{
    for (unsigned c = 0; c < s->ncpu; c++) {
        struct simv *sv = (struct simv *)s->curr[c];
        if (sv && sv->kind == SIM_PERIODIC && !sv->burst_left) {
            sv->next_wake = sv->woke_at + sv->period;
            if (sv->next_wake < s->now) sv->next_wake = s->now;
            sim_block(s, sv);
        }
    }
    for (unsigned c = 0; c < s->ncpu; c++)
        if (s->slice_end[c] && s->slice_end[c] <= s->now) sim_pick(s, c);
    for (unsigned i = 0; i < s->nv; i++)
        if (sleeping_periodic(s->v[i]) && s->v[i]->next_wake <= s->now) sim_wake(s, s->v[i], -1, true);
}

void sim_run(struct sim *s, uint64_t until)
{
    for (unsigned long guard = 0; s->now < until; guard++) {
        if (guard > 100000000UL) {
            fprintf(stderr, "sim_run: no progress at %lu\n", s->now);
            abort();
        }
        advance(s, next_event(s, until));
        handle_events(s);
    }
}

int main(void)
{
    unit_begin();
    test_api();
    test_fairness();
    test_latency();
    test_caps();
    test_accounting();
    test_random();
    return unit_end();
}
