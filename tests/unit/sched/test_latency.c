/* Latency and isolation: an event-driven domain next to CPU hogs runs promptly
 * after its timer fires (warp), the hogs are never starved, and the warp is
 * bounded in amount and in time. */
#include <stdio.h>
#include "sched_test.h"

static struct sim S;
static struct domain D[4];
static struct simv V[8];

/* `nhogs` spinning domains plus one that wakes every 5 ms for `burst`. */
static void periodic_vs_hogs(unsigned nhogs, uint64_t burst, bool preempt, const char *tag)
{
    char name[160];
    sim_init(&S, 1);
    S.use_preempt = preempt;
    for (unsigned i = 0; i < nhogs; i++) {
        dom_init(&D[i], (domid_t)(i + 1), 256, 0);
        sim_add(&S, &V[i], &D[i], 0, SIM_HOG, 0);
    }
    dom_init(&D[nhogs], 9, 256, 0);
    struct simv *w = &V[nhogs];
    sim_add(&S, w, &D[nhogs], 0, SIM_PERIODIC, 0); /* clears w: set it up after */
    w->period = 5 * MS;
    w->burst = w->burst_left = burst;
    sim_run(&S, S.now + 10 * SEC);

    snprintf(name, sizeof(name), "%s: waker ran every burst (%lu wakes)", tag, w->n_wakes);
    CHECK_MSG(w->n_wakes >= (preempt ? 1990 : 900) && w->ran >= (w->n_wakes - 1) * burst, name,
              "wakes %lu ran %lu", w->n_wakes, w->ran);
    snprintf(name, sizeof(name), "%s: wake-to-run latency <= one quantum (max %lu us)", tag,
             (uint64_t)(w->max_lat / US));
    CHECK_MSG(w->max_lat <= SCHED_QUANTUM_NS, name, "max %lu ns", w->max_lat);
    if (preempt) {
        snprintf(name, sizeof(name), "%s: waker usually runs at once (%lu of %lu)", tag, w->n_immediate,
                 w->n_wakes);
        CHECK_MSG(w->n_immediate * 10 >= w->n_wakes * 9, name, "immediate %lu of %lu", w->n_immediate,
                  w->n_wakes);
    }
    uint64_t hogs = 0;
    for (unsigned i = 0; i < nhogs; i++)
        hogs += V[i].ran;
    snprintf(name, sizeof(name), "%s: hogs not starved (%lu ms of 10 s)", tag, hogs / MS);
    CHECK_MSG(hogs >= 10 * SEC - w->ran - 1 * MS && V[0].ran >= 10 * SEC / (nhogs + 1), name,
              "hogs %lu, first %lu", hogs, V[0].ran);
}

/* A CPU-bound vCPU that blocks and is woken again immediately, over and over,
 * collecting a warp each time, still gets only about its share. */
static void warp_abuser(void)
{
    sim_init(&S, 1);
    dom_init(&D[0], 1, 256, 0);
    dom_init(&D[1], 2, 256, 0);
    sim_add(&S, &V[0], &D[0], 0, SIM_HOG, 0);
    struct simv *w = sim_add(&S, &V[1], &D[1], 0, SIM_PERIODIC, 0);
    w->period = 4 * MS + 1 * US;
    w->burst = w->burst_left = 4 * MS;
    sim_run(&S, S.now + 10 * SEC);
    check_ppm(ppm(V[0].ran, 10 * SEC), 480000, 520000,
              "a vCPU re-woken constantly (warp each time) cannot starve a hog");
}

/* The warp itself, on the API: only an event wake preempts a vCPU that is a
 * little ahead in virtual time, and only until the warp limit. */
static void warp_api(void)
{
    uint64_t slice;
    sim_init(&S, 1);
    uint64_t now = S.now;
    dom_init(&D[0], 1, 256, 0);
    dom_init(&D[1], 2, 256, 0);
    struct vcpu *a = &V[0].v, *b = &V[1].v;
    sim_add(&S, &V[0], &D[0], 0, SIM_SLEEPER, 0);
    sim_add(&S, &V[1], &D[1], 0, SIM_SLEEPER, 0);
    a->online = b->online = true;
    sp_wake(a, 0, now, false);
    CHECK(sp_pick(0, NULL, now, &slice) == a && slice == SCHED_QUANTUM_NS,
          "a lone unwarped vCPU gets a full quantum");
    sp_wake(b, 0, now, false);
    sp_sleep(b, now);
    b->sched.vtime = a->sched.vtime + SCHED_WARP_NS * 3 / 4; /* b is a bit ahead */
    sp_wake(b, 0, now, false);
    CHECK(!sp_should_preempt(0, a, now), "a plain wake of a vCPU ahead in vtime does not preempt");
    sp_sleep(b, now);
    sp_wake(b, 0, now, true);
    CHECK(sp_should_preempt(0, a, now), "an event wake (warp) of the same vCPU does preempt");
    CHECK(!sp_should_preempt(0, a, now + SCHED_WARP_LIMIT_NS), "the warp is over after SCHED_WARP_LIMIT_NS");
    CHECK(sp_pick(0, a, now + 1 * US, &slice) == b, "the warped vCPU is picked");
    CHECK(slice <= SCHED_WARP_LIMIT_NS, "its slice ends no later than its warp");
    CHECK(a->sched.runstate == RUNSTATE_runnable && b->sched.runstate == RUNSTATE_running,
          "runstates follow the switch");
}

/* SMP with balancing before every pick: 3 hogs and a 5 ms waker on 2 pCPUs. */
static void smp_waker(void)
{
    sim_init(&S, 2);
    S.steal = true;
    for (unsigned i = 0; i < 4; i++)
        dom_init(&D[i], (domid_t)(i + 1), 256, 0);
    for (unsigned i = 0; i < 3; i++)
        sim_add(&S, &V[i], &D[i], 0, SIM_HOG, -1);
    struct simv *w = sim_add(&S, &V[3], &D[3], 0, SIM_PERIODIC, -1);
    w->period = 5 * MS;
    w->burst = w->burst_left = 100 * US;
    sim_run(&S, S.now + 10 * SEC);
    CHECK_MSG(w->max_lat <= SCHED_QUANTUM_NS && w->n_immediate * 10 >= w->n_wakes * 9,
              "2 pCPUs, 3 hogs + waker, balancing: waker runs at once, never later than a quantum",
              "max %lu ns, immediate %lu of %lu", w->max_lat, w->n_immediate, w->n_wakes);
    uint64_t fair = (20 * SEC - w->ran) / 3;
    bool ok = true;
    for (unsigned i = 0; i < 3; i++)
        ok &= V[i].ran * 100 >= fair * 97 && V[i].ran * 100 <= fair * 103;
    CHECK_MSG(ok, "2 pCPUs, 3 hogs + waker, balancing: hogs share the rest evenly (+-3%)",
              "%lu %lu %lu, fair %lu", V[0].ran, V[1].ran, V[2].ran, fair);
}

void test_latency(void)
{
    smp_waker();
    periodic_vs_hogs(1, 100 * US, true, "1 hog + 5 ms waker");
    periodic_vs_hogs(3, 100 * US, true, "3 hogs + 5 ms waker");
    periodic_vs_hogs(3, 100 * US, false, "3 hogs + 5 ms waker, no wake preemption");
    /* busy, but within its share: 2 ms of every 5 against one hog */
    periodic_vs_hogs(1, 2 * MS, true, "1 hog + 5 ms waker running 2 ms");
    warp_abuser();
    warp_api();
}
