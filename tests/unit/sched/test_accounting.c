/* Runstate accounting (Xen's vcpu_runstate_info) and the API's edges:
 * parameter validation, yield, placement, idempotent wake/sleep. */
#include <stdio.h>
#include <string.h>
#include "sched_test.h"

static struct sim S;
static struct domain D[4];
static struct simv V[8];

static uint64_t rs_total(const struct vcpu *v, uint64_t now)
{
    struct vcpu_runstate_info r;
    sp_get_runstate(v, &r);
    return r.time[0] + r.time[1] + r.time[2] + r.time[3] + (now - r.state_entry_time);
}

static uint64_t rs_running(const struct vcpu *v, uint64_t now)
{
    uint64_t t = v->sched.time[RUNSTATE_running];
    return v->sched.runstate == RUNSTATE_running ? t + now - v->sched.state_entry_time : t;
}

/* Mixed load on 2 pCPUs: hogs, wakers, a capped domain, a late sleeper. */
static void runstate_sums(void)
{
    sim_init(&S, 2);
    for (unsigned i = 0; i < 4; i++)
        dom_init(&D[i], (domid_t)(i + 1), 128 * (i + 1), i == 3 ? 30 : 0);
    sim_add(&S, &V[0], &D[0], 0, SIM_HOG, -1);
    sim_add(&S, &V[1], &D[1], 0, SIM_HOG, -1);
    sim_add(&S, &V[2], &D[2], 0, SIM_PERIODIC, -1);
    V[2].period = 3 * MS + 7 * US, V[2].burst = V[2].burst_left = 700 * US;
    sim_add(&S, &V[3], &D[3], 0, SIM_HOG, -1);
    sim_add(&S, &V[4], &D[0], 1, SIM_SLEEPER, -1);
    sim_run(&S, S.now + 2 * SEC);
    sim_wake(&S, &V[4], -1, true);
    sim_run(&S, S.now + 3 * SEC);
    bool sums = true, running = true;
    for (unsigned i = 0; i < 5; i++) {
        sums &= rs_total(&V[i].v, S.now) == S.now - V[i].t0;
        running &= rs_running(&V[i].v, S.now) == V[i].ran;
    }
    CHECK(sums, "runstate times (+ the current state) sum to the elapsed time");
    CHECK(running, "runstate running time equals the time the vCPU actually ran");
    CHECK(V[4].v.sched.time[RUNSTATE_offline] == 2 * SEC && V[4].v.sched.time[RUNSTATE_blocked] == 0,
          "a vCPU never runnable until woken was offline until then");
    CHECK(V[2].v.sched.time[RUNSTATE_blocked] > 2 * SEC, "the waker spends most time blocked");
    CHECK(V[0].v.sched.time[RUNSTATE_runnable] > 1 * SEC, "a hog sharing its pCPU spends time runnable");
}

static void runstate_edges(void)
{
    sim_init(&S, 1);
    dom_init(&D[0], 1, 256, 0);
    struct vcpu *v = &V[0].v;
    memset(&V[0], 0, sizeof(V[0]));
    v->domain = &D[0];
    uint64_t t = S.now;
    sp_wake(v, 0, t, false); /* never initialised: done lazily */
    CHECK(v->sched.runstate == RUNSTATE_runnable && v->sched.state_entry_time == t,
          "lazy init on first wake: runnable from now");
    v->online = false;
    sp_sleep(v, t + 5);
    CHECK(v->sched.runstate == RUNSTATE_offline && v->sched.time[RUNSTATE_runnable] == 5,
          "sleep of an offline vCPU: offline, runnable time recorded");
    sp_set_runstate(v, RUNSTATE_blocked, t + 3); /* earlier than the last change */
    CHECK(v->sched.time[RUNSTATE_offline] == 0 && v->sched.state_entry_time == t + 5,
          "a time in the past never makes a negative interval");
    sp_set_runstate(v, 7, t + 9);
    CHECK(v->sched.runstate == RUNSTATE_blocked, "an invalid runstate is ignored");
    sp_sleep(v, t + 9);
    sp_sleep(v, t + 9);
    CHECK(!v->sched.on_runq && D[0].sched.nr_active == 0, "sleep twice is harmless");
    v->online = true;
    sp_wake(v, 0, t + 10, true);
    sp_wake(v, 0, t + 11, true);
    CHECK(D[0].sched.nr_active == 1 && v->sched.warp_until == t + 10 + SCHED_WARP_LIMIT_NS,
          "wake of a runnable vCPU changes nothing");
}

static void params(void)
{
    sim_init(&S, 2);
    struct domain *d = &D[0];
    dom_init(d, 1, 0, 0);
    CHECK(sp_set_params(d, 0, 0) == -EINVAL, "weight 0 refused");
    CHECK(sp_set_params(d, 65536, 0) == -EINVAL, "weight 65536 refused");
    CHECK(sp_set_params(d, 1, 201) == -EINVAL, "cap above 100 * nr_cpus refused");
    CHECK(d->sched.weight == 0 && d->sched.cap == 0, "a refused call changes nothing");
    CHECK(sp_set_params(d, 1, 200) == 0 && d->sched.weight == 1 && d->sched.cap == 200,
          "weight 1, cap 200 on 2 pCPUs accepted");
    CHECK(sp_set_params(d, 65535, 0) == 0 && d->sched.weight == 65535 && d->sched.cap == 0,
          "weight 65535, cap 0 (uncapped) accepted");
}

static void yield(void)
{
    uint64_t slice;
    sim_init(&S, 1);
    dom_init(&D[0], 1, 256, 0);
    dom_init(&D[1], 2, 256, 0);
    sim_add(&S, &V[0], &D[0], 0, SIM_HOG, 0);
    sim_add(&S, &V[1], &D[1], 0, SIM_HOG, 0);
    struct vcpu *a = S.curr[0], *b = a == &V[0].v ? &V[1].v : &V[0].v;
    CHECK(sp_pick(0, a, S.now, &slice) == a, "without a yield the running vCPU stays");
    sp_yield(a, S.now);
    CHECK(sp_pick(0, a, S.now, &slice) == b, "after a yield the other vCPU runs");
    sp_sleep(b, S.now);
    sp_yield(a, S.now);
    CHECK(sp_pick(0, a, S.now, &slice) == a, "a yield with nobody else keeps running");
}

/* Wakes go to the least loaded pCPU that schedules; never to one that does not. */
static void placement(void)
{
    uint64_t slice;
    sp_init(4); /* no pCPU has scheduled yet */
    for (unsigned i = 0; i < 3; i++) {
        dom_init(&D[i], (domid_t)(i + 1), 256, 0);
        memset(&V[i], 0, sizeof(V[i]));
        V[i].v.domain = &D[i];
        V[i].v.online = true;
    }
    sp_wake(&V[0].v, 0, 1000, false);
    sp_wake(&V[1].v, 0, 1000, false);
    sp_pick(0, NULL, 1000, &slice);
    CHECK(sp_choose_cpu(&V[2].v, 0) == 0, "pCPUs that never picked are not chosen");
    CHECK(sp_choose_cpu(&V[2].v, 99) == 0, "an out-of-range cur_cpu is safe");
    sp_pick(2, NULL, 1000, &slice);
    CHECK(sp_choose_cpu(&V[2].v, 0) == 2, "an idle pCPU that schedules is chosen");
    CHECK(sp_choose_cpu(&V[2].v, 3) == 3, "an empty cur_cpu is kept");
}

/* Many short runs of a heavy-weight vCPU are charged as much as one long run. */
static void vtime_exact(void)
{
    uint64_t slice;
    sim_init(&S, 1);
    dom_init(&D[0], 1, 65535, 0);
    struct vcpu *v = &sim_add(&S, &V[0], &D[0], 0, SIM_HOG, 0)->v;
    uint64_t vt0 = v->sched.vtime, t = S.now;
    for (unsigned i = 0; i < 1000; i++)
        sp_pick(0, v, t += 1 * US, &slice);
    uint64_t want = 1000 * US * SCHED_DEFAULT_WEIGHT / 65535;
    CHECK_MSG(v->sched.vtime - vt0 == want, "vtime of 1000 runs of 1 us at weight 65535 is exact",
              "got %lu want %lu", v->sched.vtime - vt0, want);
}
void test_accounting(void)
{
    vtime_exact();
    runstate_sums();
    runstate_edges();
}

/* A vCPU that blocked and was woken again before its pCPU rescheduled is
 * still loaded there: another pCPU must not steal it. */
static void steal_not_loaded(void)
{
    uint64_t slice;
    sim_init(&S, 2);
    for (unsigned i = 0; i < 3; i++) {
        dom_init(&D[i], (domid_t)(i + 1), 256, 0);
        sim_add(&S, &V[i], &D[i], 0, SIM_SLEEPER, 0);
        V[i].v.blocked = false;
        sp_wake(&V[i].v, 0, S.now, false);
    }
    struct vcpu *x = sp_pick(0, NULL, S.now, &slice);
    x->blocked = true;
    sp_sleep(x, S.now + 1 * US);
    x->blocked = false;
    sp_wake(x, 0, S.now + 2 * US, true); /* warped: the best candidate */
    sp_pick(1, NULL, S.now + 3 * US, &slice);
    struct vcpu *st = sp_steal(1, S.now + 3 * US);
    CHECK(st && st != x && st->sched.cpu == 1 && x->sched.cpu == 0,
          "sp_steal skips a vCPU whose pCPU has not rescheduled since running it");
    CHECK(!sp_steal(1, S.now + 4 * US), "sp_steal stops once the difference is below two");
}

/* Affinity: placement and stealing only use allowed pCPUs. */
static void affinity(void)
{
    sim_init(&S, 2);
    S.steal = true;
    dom_init(&D[0], 1, 256, 0);
    dom_init(&D[1], 2, 512, 0);
    struct simv *a = sim_add(&S, &V[0], &D[0], 0, SIM_SLEEPER, 0);
    struct simv *b = sim_add(&S, &V[1], &D[1], 0, SIM_SLEEPER, 0);
    sim_pick(&S, 1);
    a->v.sched.affinity = b->v.sched.affinity = 1u << 0;
    CHECK(sp_cpu_allowed(&a->v, 0) && !sp_cpu_allowed(&a->v, 1) && !sp_cpu_allowed(&a->v, 64),
          "sp_cpu_allowed follows the mask");
    a->kind = b->kind = SIM_HOG;
    sim_wake(&S, a, -1, false);
    sim_wake(&S, b, -1, false);
    CHECK(a->v.sched.cpu == 0 && b->v.sched.cpu == 0, "pinned to pCPU 0: both placed there, pCPU 1 idle");
    sim_run(&S, S.now + 10 * SEC);
    check_ppm(ppm(a->ran, 10 * SEC), 330000, 336667,
              "pinned 1:2 on one of two pCPUs: 1/3 (sp_steal respects affinity)");
    CHECK(S.idle[1] == 10 * SEC, "the other pCPU stays idle");
    struct vcpu *c = &V[2].v;
    memset(&V[2], 0, sizeof(V[2]));
    c->domain = &D[0];
    sp_vcpu_init(c, S.now);
    c->sched.affinity = 1u << 1;
    CHECK(sp_choose_cpu(c, 0) == 1, "allowed only on pCPU 1: chosen although pCPU 0 is cur_cpu");
    c->sched.affinity = 1ull << 40;
    CHECK(sp_choose_cpu(c, 0) == 40, "allowed only on a pCPU that never scheduled: that one anyway");
}

void test_api(void)
{
    affinity();
    steal_not_loaded();
    params();
    yield();
    placement();
}
