/* The scheduling policy: which runnable vCPU a pCPU runs next and for how long.
 * Owns the per-pCPU run queues, virtual time (BVT-style, with a latency warp
 * for event-woken vCPUs), caps, load hints for wake placement and runstate
 * accounting.  No timers, locks or context switches here: sched.c calls in
 * with the run-queue lock of the pCPU concerned held (docs/scheduler.md).
 *
 * Virtual time: a running vCPU's vtime advances by
 *     ran_ns * SCHED_DEFAULT_WEIGHT * nr_active / weight
 * where weight is its domain's and nr_active the domain's runnable vCPUs, so a
 * domain's weight is split evenly over its runnable vCPUs (more vCPUs do not
 * buy more CPU).  The queue runs the smallest key, key = vtime + SCHED_WARP_NS
 * for everyone except warped vCPUs (key = vtime): comparing keys instead of
 * subtracting keeps everything unsigned; comparisons are wrap-safe.
 *
 * Freestanding: 64-bit integer maths only; domain-wide fields touched from
 * several pCPUs (nr_active, cap budget) use atomics. */
#include "lib.h"
#include "domain.h"
#include "sched_policy.h"
#include <xen/vcpu.h>

struct sp_rq {
    struct vcpu *head;   /* runnable vCPUs here, the running one included */
    struct vcpu *curr;   /* running since curr->sched.run_start; NULL = idle */
    struct vcpu *loaded; /* last returned by sp_pick: its state may still be
                                 * on this pCPU even after sp_sleep (compare only) */
    uint64_t min_vtime;  /* monotonic floor: min vtime of eligible members */
    uint64_t min_svc;    /* the same for svc */
    unsigned nr;         /* members; read lock-free by sp_choose_cpu */
    bool alive;          /* sp_pick has run here: this pCPU schedules */
} __attribute__((aligned(64)));

static struct sp_rq rqs[SCHED_MAX_CPUS];
static unsigned sp_nr_cpus = 1;

#define RELAXED __ATOMIC_RELAXED

/* ---- virtual time ---- */

static inline bool vt_before(uint64_t a, uint64_t b) { return (int64_t)(a - b) < 0; }

static uint32_t dom_weight(const struct domain *d)
{
    uint32_t w = __atomic_load_n(&d->sched.weight, RELAXED);
    return w ? w : SCHED_DEFAULT_WEIGHT; /* 0 = not set yet */
}

/* Virtual time for running `ran` ns; *rem carries the division's remainder so
 * that short runs of heavy-weight vCPUs are not systematically undercharged. */
static uint64_t vt_delta(const struct vcpu *v, uint64_t ran, uint64_t *rem)
{
    uint32_t n = __atomic_load_n(&v->domain->sched.nr_active, RELAXED);
    uint32_t w = dom_weight(v->domain);
    if (ran > (1ULL << 40)) /* ~18 min: keeps the product below 2^64 */
        ran = 1ULL << 40;
    uint64_t num = ran * SCHED_DEFAULT_WEIGHT * (n ? n : 1) + (rem ? *rem : 0);
    if (rem) *rem = num % w;
    return num / w;
}

static bool warped(const struct vcpu *v, uint64_t now) { return now < v->sched.warp_until; }

static uint64_t key_of(const struct vcpu *v, uint64_t vtime, uint64_t now)
{
    return warped(v, now) ? vtime : vtime + SCHED_WARP_NS;
}

/* ---- caps: a per-domain budget of cap% of a period, refilled lazily ---- */

static uint64_t cap_quota(uint32_t cap) { return (uint64_t)cap * SCHED_CAP_PERIOD_NS / 100; }

static void cap_refill(struct domain *d, uint64_t now)
{
    uint32_t cap = __atomic_load_n(&d->sched.cap, RELAXED);
    uint64_t idx = now / SCHED_CAP_PERIOD_NS;
    uint64_t old = __atomic_load_n(&d->sched.period_idx, RELAXED);
    if (!cap || idx <= old) return;
    /* One pCPU wins the refill of a period; the others see the new index. */
    if (!__atomic_compare_exchange_n(&d->sched.period_idx, &old, idx, false, __ATOMIC_ACQ_REL, RELAXED))
        return;
    int64_t quota = (int64_t)cap_quota(cap);
    int64_t add = quota * (int64_t)MIN(idx - old, 1000ULL);
    int64_t b = __atomic_load_n(&d->sched.budget, RELAXED), nb;
    do /* debt is repaid; unused budget is not banked beyond one period */
        nb = MIN(b + add, quota);
    while (!__atomic_compare_exchange_n(&d->sched.budget, &b, nb, false, __ATOMIC_ACQ_REL, RELAXED));
}

static bool capped(const struct vcpu *v) { return __atomic_load_n(&v->domain->sched.cap, RELAXED); }

static int64_t budget_of_domain(const struct domain *d) { return __atomic_load_n(&d->sched.budget, RELAXED); }

static int64_t budget_of(const struct vcpu *v) { return budget_of_domain(v->domain); }

static bool cap_exhausted(const struct vcpu *v) { return capped(v) && budget_of(v) <= 0; }

/* ---- runstate ---- */

void sp_vcpu_init(struct vcpu *v, uint64_t now)
{
    memset(&v->sched, 0, sizeof(v->sched));
    v->sched.runstate = RUNSTATE_offline;
    v->sched.state_entry_time = now;
    v->sched.inited = true;
}

static void lazy_init(struct vcpu *v, uint64_t now)
{
    if (!v->sched.inited) sp_vcpu_init(v, now);
}

void sp_set_runstate(struct vcpu *v, int state, uint64_t now)
{
    lazy_init(v, now);
    if (state < RUNSTATE_running || state > RUNSTATE_offline) return;
    struct sched_vcpu *s = &v->sched;
    if (now < s->state_entry_time) /* time never runs backwards in the record */
        now = s->state_entry_time;
    s->time[s->runstate] += now - s->state_entry_time;
    s->runstate = state;
    s->state_entry_time = now;
}

void sp_get_runstate(const struct vcpu *v, struct vcpu_runstate_info *out)
{
    out->state = v->sched.runstate;
    out->state_entry_time = v->sched.state_entry_time;
    for (unsigned i = 0; i < 4; i++)
        out->time[i] = v->sched.time[i];
}

/* ---- run queues ---- */

void sp_init(unsigned nr_cpus)
{
    memset(rqs, 0, sizeof(rqs));
    sp_nr_cpus = MIN(MAX(nr_cpus, 1u), (unsigned)SCHED_MAX_CPUS);
}

static void rq_append(struct sp_rq *rq, struct vcpu *v)
{
    struct vcpu **pp = &rq->head;
    while (*pp)
        pp = &(*pp)->sched.next;
    v->sched.next = NULL;
    *pp = v;
    __atomic_store_n(&rq->nr, rq->nr + 1, RELAXED);
}

static void rq_remove(struct sp_rq *rq, struct vcpu *v)
{
    for (struct vcpu **pp = &rq->head; *pp; pp = &(*pp)->sched.next)
        if (*pp == v) {
            *pp = v->sched.next;
            v->sched.next = NULL;
            __atomic_store_n(&rq->nr, rq->nr - 1, RELAXED);
            return;
        }
}

/* Bring the running vCPU's vtime and its domain's cap budget up to now. */
static void charge(struct sp_rq *rq, uint64_t now)
{
    struct vcpu *v = rq->curr;
    if (!v || now <= v->sched.run_start) return;
    uint64_t ran = now - v->sched.run_start;
    v->sched.run_start = now;
    uint64_t d = vt_delta(v, ran, &v->sched.vtime_rem);
    v->sched.vtime += d;
    v->sched.svc += d;
    if (capped(v)) __atomic_fetch_sub(&v->domain->sched.budget, (int64_t)ran, __ATOMIC_ACQ_REL);
}

/* Raise the queue's floors to the smallest vtime and svc among members that
 * may run (throttled ones would drag them down and hand credit to wakers). */
static void update_min(struct sp_rq *rq)
{
    bool any = false;
    uint64_t m = 0, ms = 0;
    for (struct vcpu *v = rq->head; v; v = v->sched.next) {
        if (v->sched.throttled) continue;
        if (!any || vt_before(v->sched.vtime, m)) m = v->sched.vtime;
        if (!any || vt_before(v->sched.svc, ms)) ms = v->sched.svc;
        any = true;
    }
    if (any && vt_before(rq->min_vtime, m)) rq->min_vtime = m;
    if (any && vt_before(rq->min_svc, ms)) rq->min_svc = ms;
}

/* Sleeping (or sitting out a cap) must not bank credit: at most one quantum
 * of virtual time behind the queue's floor. */
static void clamp_to_floor(struct sp_rq *rq, struct vcpu *v)
{
    uint64_t floor = rq->min_vtime - SCHED_QUANTUM_NS;
    if (vt_before(v->sched.vtime, floor)) v->sched.vtime = floor;
    floor = rq->min_svc - SCHED_QUANTUM_NS;
    if (vt_before(v->sched.svc, floor)) v->sched.svc = floor;
}

/* ---- wake and sleep ---- */

/* A vCPU arriving from another queue keeps its lag relative to that queue's
 * floor; svc, being global, stays as it is. */
static void rebase_vtime(struct sp_rq *rq, struct vcpu *v, unsigned cpu)
{
    struct sched_vcpu *s = &v->sched;
    if (!s->queued_before) {
        s->vtime = rq->min_vtime;
        s->svc = rq->min_svc;
    } else if (s->cpu != cpu && s->cpu < SCHED_MAX_CPUS) {
        s->vtime = s->vtime - __atomic_load_n(&rqs[s->cpu].min_vtime, RELAXED) + rq->min_vtime;
    }
}

void sp_wake(struct vcpu *v, unsigned cpu, uint64_t now, bool woken)
{
    lazy_init(v, now);
    if (v->sched.on_runq || cpu >= SCHED_MAX_CPUS) return; /* already runnable: nothing changes */
    struct sp_rq *rq = &rqs[cpu];
    charge(rq, now); /* the floor must reflect the running vCPU */
    update_min(rq);
    rebase_vtime(rq, v, cpu);
    clamp_to_floor(rq, v);
    v->sched.warp_until = woken ? now + SCHED_WARP_LIMIT_NS : 0;
    v->sched.throttled = false;
    v->sched.yielded = false;
    v->sched.queued_before = true;
    v->sched.cpu = cpu;
    v->sched.on_runq = true;
    rq_append(rq, v);
    __atomic_fetch_add(&v->domain->sched.nr_active, 1, __ATOMIC_ACQ_REL);
    sp_set_runstate(v, RUNSTATE_runnable, now);
}

void sp_sleep(struct vcpu *v, uint64_t now)
{
    lazy_init(v, now);
    struct sched_vcpu *s = &v->sched;
    if (s->on_runq) {
        struct sp_rq *rq = &rqs[s->cpu];
        if (rq->curr == v) {
            charge(rq, now);
            rq->curr = NULL;
        }
        rq_remove(rq, v);
        s->on_runq = false;
        __atomic_fetch_sub(&v->domain->sched.nr_active, 1, __ATOMIC_ACQ_REL);
    }
    s->warp_until = 0;
    s->throttled = false;
    s->yielded = false;
    sp_set_runstate(v, v->online && v->blocked ? RUNSTATE_blocked : RUNSTATE_offline, now);
}

void sp_yield(struct vcpu *v, uint64_t now)
{
    lazy_init(v, now);
    v->sched.warp_until = 0;
    v->sched.yielded = true;
}

/* ---- picking ---- */

/* Refill budgets, mark who is out of budget; a vCPU whose budget just came back
 * is treated like a waker.  Returns whether anyone here is still throttled. */
static bool update_throttling(struct sp_rq *rq, uint64_t now)
{
    bool any = false;
    for (struct vcpu *v = rq->head; v; v = v->sched.next) {
        cap_refill(v->domain, now);
        if (cap_exhausted(v)) {
            v->sched.throttled = any = true;
            v->sched.warp_until = 0; /* a warp would outlive the wait anyway */
        }
    }
    update_min(rq);
    for (struct vcpu *v = rq->head; v; v = v->sched.next)
        if (v->sched.throttled && !cap_exhausted(v)) {
            v->sched.throttled = false;
            clamp_to_floor(rq, v);
        }
    return any;
}

/* Smallest key among eligible members; a yielder only if nobody else can run. */
static struct vcpu *best_of(struct sp_rq *rq, uint64_t now)
{
    struct vcpu *best = NULL;
    uint64_t bkey = 0;
    for (int pass = 0; pass < 2 && !best; pass++)
        for (struct vcpu *v = rq->head; v; v = v->sched.next) {
            if (v->sched.throttled || (pass == 0 && v->sched.yielded)) continue;
            uint64_t k = key_of(v, v->sched.vtime, now);
            if (!best || vt_before(k, bkey)) best = v, bkey = k;
        }
    return best;
}

static uint64_t slice_for(const struct vcpu *v, bool throttled_waiting, uint64_t now)
{
    uint64_t slice = SCHED_QUANTUM_NS;
    if (warped(v, now)) /* re-decide when the warp ends */
        slice = MIN(slice, v->sched.warp_until - now);
    if (capped(v)) /* eligible, so budget > 0 */
        slice = MIN(slice, (uint64_t)budget_of(v));
    if (throttled_waiting) /* someone's budget refills at the boundary */
        slice = MIN(slice, SCHED_CAP_PERIOD_NS - now % SCHED_CAP_PERIOD_NS);
    return MAX(slice, SCHED_MIN_SLICE_NS);
}

/* Idle: wake at the next refill if a capped vCPU waits here; every quantum
 * while another queue has work to spare (for sp_steal); otherwise never. */
static uint64_t idle_slice(const struct sp_rq *rq, bool throttled, uint64_t now)
{
    if (throttled) return MAX(SCHED_CAP_PERIOD_NS - now % SCHED_CAP_PERIOD_NS, SCHED_MIN_SLICE_NS);
    for (unsigned c = 0; c < SCHED_MAX_CPUS; c++)
        if (&rqs[c] != rq && __atomic_load_n(&rqs[c].nr, RELAXED) >= 2) return SCHED_QUANTUM_NS;
    return 0;
}

struct vcpu *sp_pick(unsigned cpu, struct vcpu *prev, uint64_t now, uint64_t *slice_ns)
{
    (void)prev; /* the queue knows who ran: rq->curr */
    *slice_ns = 0;
    if (cpu >= SCHED_MAX_CPUS) return NULL;
    struct sp_rq *rq = &rqs[cpu];
    rq->alive = true;
    charge(rq, now);
    struct vcpu *old = rq->curr;
    bool throttled = update_throttling(rq, now);
    struct vcpu *next = best_of(rq, now);
    for (struct vcpu *v = rq->head; v; v = v->sched.next)
        v->sched.yielded = false; /* a yield lasts one decision */
    if (old && old != next) sp_set_runstate(old, RUNSTATE_runnable, now);
    rq->curr = rq->loaded = next;
    if (!next) {
        *slice_ns = idle_slice(rq, throttled, now);
        return NULL;
    }
    if (next != old) {
        next->sched.run_start = now;
        sp_set_runstate(next, RUNSTATE_running, now);
    }
    *slice_ns = slice_for(next, throttled, now);
    return next;
}

/* Key and eligibility of the running vCPU as if charged up to now (no side effects). */
static bool curr_key(struct sp_rq *rq, const struct vcpu *curr, uint64_t now, uint64_t *key)
{
    if (!curr || curr != rq->curr || !curr->sched.on_runq) return false;
    uint64_t ran = now > curr->sched.run_start ? now - curr->sched.run_start : 0;
    if (capped(curr) && budget_of(curr) <= (int64_t)ran)
        return false; /* out of budget: anyone else may have the CPU */
    *key = key_of(curr, curr->sched.vtime + vt_delta(curr, ran, NULL), now);
    return true;
}

bool sp_should_preempt(unsigned cpu, struct vcpu *curr, uint64_t now)
{
    if (cpu >= SCHED_MAX_CPUS) return false;
    struct sp_rq *rq = &rqs[cpu];
    uint64_t ckey = 0;
    bool running = curr_key(rq, curr, now, &ckey);
    for (struct vcpu *v = rq->head; v; v = v->sched.next) {
        if (v == curr) continue;
        cap_refill(v->domain, now);
        if (cap_exhausted(v)) continue;
        if (!running || vt_before(key_of(v, v->sched.vtime, now), ckey)) return true;
    }
    return false;
}

/* ---- placement and parameters ---- */

/* The most loaded queue, if it has at least two members more than `to`
 * (moving one then evens things out rather than just swapping roles). */
static struct sp_rq *busiest_other(const struct sp_rq *to)
{
    struct sp_rq *best = NULL;
    for (unsigned c = 0; c < SCHED_MAX_CPUS; c++) {
        struct sp_rq *rq = &rqs[c];
        if (rq != to && rq->nr >= to->nr + 2 && (!best || rq->nr > best->nr)) best = rq;
    }
    return best;
}

/* Move waiting vCPU v from its queue to cpu's (all locks held). */
static void move_to(struct vcpu *v, unsigned cpu, uint64_t now)
{
    struct sp_rq *from = &rqs[v->sched.cpu], *to = &rqs[cpu];
    if (from->curr == v) { /* only ever cpu's own, being descheduled */
        charge(from, now);
        from->curr = NULL;
        sp_set_runstate(v, RUNSTATE_runnable, now);
    }
    rq_remove(from, v);
    charge(to, now);
    update_min(to);
    rebase_vtime(to, v, cpu);
    clamp_to_floor(to, v); /* keeps its lag, within the usual bound */
    v->sched.cpu = cpu;
    v->processor = cpu;
    rq_append(to, v);
}

/* May m leave its queue for cpu?  Not if its pCPU may still hold its state. */
static bool movable(const struct vcpu *m, unsigned cpu)
{
    const struct sp_rq *rq = &rqs[m->sched.cpu];
    return m != rq->curr && m != rq->loaded && !m->sched.throttled && sp_cpu_allowed(m, cpu);
}

static struct vcpu *steal_from(struct sp_rq *from, unsigned cpu, uint64_t now)
{
    charge(from, now);
    update_throttling(from, now);
    struct vcpu *v = NULL;
    uint64_t bkey = 0;
    for (struct vcpu *m = from->head; m; m = m->sched.next) {
        uint64_t k = key_of(m, m->sched.vtime, now);
        if (movable(m, cpu) && (!v || vt_before(k, bkey))) v = m, bkey = k;
    }
    if (v) move_to(v, cpu, now);
    return v;
}

/* The waiting vCPU with the least service on a queue with one member more
 * than `to`, allowed on cpu. */
static struct vcpu *most_behind(const struct sp_rq *to, unsigned cpu, uint64_t now)
{
    struct vcpu *u = NULL;
    for (unsigned c = 0; c < SCHED_MAX_CPUS; c++) {
        struct sp_rq *q = &rqs[c];
        if (q == to || q->nr != to->nr + 1) continue;
        charge(q, now);
        update_throttling(q, now);
        for (struct vcpu *m = q->head; m; m = m->sched.next)
            if (movable(m, cpu) && (!u || vt_before(m->sched.svc, u->sched.svc))) u = m;
    }
    return u;
}

/* An imbalance of one (3 vCPUs on 2 pCPUs) cannot be evened out by moving a
 * vCPU, only by taking turns: swap the vCPU with the most service here for
 * the one with the least on a busier queue once they are a quantum apart. */
static struct vcpu *rotate(unsigned cpu, uint64_t now)
{
    struct sp_rq *to = &rqs[cpu];
    charge(to, now);
    update_throttling(to, now);
    struct vcpu *u = most_behind(to, cpu, now), *x = NULL;
    if (!u) return NULL;
    for (struct vcpu *m = to->head; m; m = m->sched.next)
        if (!m->sched.throttled && sp_cpu_allowed(m, u->sched.cpu) &&
            (!x || vt_before(x->sched.svc, m->sched.svc)))
            x = m;
    if (!x || !vt_before(u->sched.svc + SCHED_QUANTUM_NS, x->sched.svc)) return NULL;
    unsigned qcpu = u->sched.cpu;
    move_to(u, cpu, now);
    move_to(x, qcpu, now);
    return u;
}

struct vcpu *sp_steal(unsigned cpu, uint64_t now)
{
    if (cpu >= SCHED_MAX_CPUS) return NULL;
    struct sp_rq *to = &rqs[cpu], *from = busiest_other(to);
    struct vcpu *v = from ? steal_from(from, cpu, now) : NULL;
    return v ? v : rotate(cpu, now);
}

bool sp_cpu_allowed(const struct vcpu *v, unsigned cpu)
{
    uint64_t a = v->sched.affinity;
    return cpu < SCHED_MAX_CPUS && (!a || (a >> cpu) & 1);
}

/* Every pCPU that schedules counts, whether or not sp_init was told about it.
 * cur_cpu is kept if allowed and no allowed pCPU is less loaded. */
unsigned sp_choose_cpu(struct vcpu *v, unsigned cur_cpu)
{
    if (cur_cpu >= SCHED_MAX_CPUS) cur_cpu = 0;
    bool have = sp_cpu_allowed(v, cur_cpu);
    unsigned best = cur_cpu;
    unsigned bn = have ? __atomic_load_n(&rqs[cur_cpu].nr, RELAXED) : ~0u;
    for (unsigned c = 0; c < SCHED_MAX_CPUS && bn; c++) {
        if (c == cur_cpu || !sp_cpu_allowed(v, c) || !__atomic_load_n(&rqs[c].alive, RELAXED)) continue;
        unsigned n = __atomic_load_n(&rqs[c].nr, RELAXED);
        if (n < bn) best = c, bn = n;
    }
    if (bn == ~0u && v->sched.affinity) /* no allowed pCPU schedules yet */
        best = (unsigned)__builtin_ctzll(v->sched.affinity);
    return best;
}

int sp_set_params(struct domain *d, uint32_t weight, uint32_t cap)
{
    if (weight < 1 || weight > 65535 || cap > 100 * sp_nr_cpus) return -EINVAL;
    __atomic_store_n(&d->sched.weight, weight, RELAXED);
    uint32_t old = __atomic_load_n(&d->sched.cap, RELAXED);
    if (cap != old) {
        /* A first cap starts with a full period's budget; a changed one keeps
         * any debt (re-setting parameters must not wipe it) but no more than
         * the new quota. */
        int64_t quota = (int64_t)cap_quota(cap);
        int64_t b = old ? MIN(budget_of_domain(d), quota) : quota;
        __atomic_store_n(&d->sched.budget, b, RELAXED);
        __atomic_store_n(&d->sched.cap, cap, RELAXED);
    }
    return 0;
}
