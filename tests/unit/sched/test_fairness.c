/* Proportional share: weights, the per-domain split over vCPUs, SMP placement,
 * and that sleeping or migrating neither banks nor loses credit. */
#include <stdio.h>
#include "sched_test.h"

static struct sim S;
static struct domain D[8];
static struct simv V[8];

/* share of `ran` over `total` is want_ppm within rel_ppm (relative, ppm of want) */
static void share_is(uint64_t ran, uint64_t total, uint64_t want_ppm, uint64_t rel_ppm, const char *name)
{
    uint64_t tol = want_ppm * rel_ppm / 1000000;
    check_ppm(ppm(ran, total), want_ppm - tol, want_ppm + tol, name);
}

static void weights_1_2(void)
{
    sim_init(&S, 1);
    dom_init(&D[0], 1, 256, 0);
    dom_init(&D[1], 2, 512, 0);
    sim_add(&S, &V[0], &D[0], 0, SIM_HOG, 0);
    sim_add(&S, &V[1], &D[1], 0, SIM_HOG, 0);
    uint64_t t0 = S.now;
    sim_run(&S, t0 + 10 * SEC);
    share_is(V[0].ran, 10 * SEC, 333333, 10000, "weights 1:2 -> weight 1 gets 1/3 (+-1%)");
    share_is(V[1].ran, 10 * SEC, 666667, 10000, "weights 1:2 -> weight 2 gets 2/3 (+-1%)");
    CHECK(S.idle[0] == 0, "weights 1:2: the pCPU never idles");
}

static void weights_1_1_2(void)
{
    sim_init(&S, 1);
    dom_init(&D[0], 1, 100, 0);
    dom_init(&D[1], 2, 100, 0);
    dom_init(&D[2], 3, 200, 0);
    for (unsigned i = 0; i < 3; i++)
        sim_add(&S, &V[i], &D[i], 0, SIM_HOG, 0);
    sim_run(&S, S.now + 10 * SEC);
    share_is(V[0].ran, 10 * SEC, 250000, 10000, "weights 1:1:2 -> first gets 1/4 (+-1%)");
    share_is(V[1].ran, 10 * SEC, 250000, 10000, "weights 1:1:2 -> second gets 1/4 (+-1%)");
    share_is(V[2].ran, 10 * SEC, 500000, 10000, "weights 1:1:2 -> third gets 1/2 (+-1%)");
}

/* Weight 0 (never set) counts as the default weight. */
static void weight_unset(void)
{
    sim_init(&S, 1);
    dom_init(&D[0], 1, 0, 0);
    dom_init(&D[1], 2, SCHED_DEFAULT_WEIGHT, 0);
    sim_add(&S, &V[0], &D[0], 0, SIM_HOG, 0);
    sim_add(&S, &V[1], &D[1], 0, SIM_HOG, 0);
    sim_run(&S, S.now + 10 * SEC);
    share_is(V[0].ran, 10 * SEC, 500000, 10000, "weight 0 (unset) counts as the default");
}

/* A domain's weight is split over its runnable vCPUs: more vCPUs buy nothing. */
static void domain_split(void)
{
    sim_init(&S, 1);
    dom_init(&D[0], 1, 256, 0);
    dom_init(&D[1], 2, 256, 0);
    for (unsigned i = 0; i < 4; i++)
        sim_add(&S, &V[i], &D[0], i, SIM_HOG, 0);
    sim_add(&S, &V[4], &D[1], 0, SIM_HOG, 0);
    sim_run(&S, S.now + 10 * SEC);
    uint64_t d0 = V[0].ran + V[1].ran + V[2].ran + V[3].ran;
    share_is(d0, 10 * SEC, 500000, 10000, "4-vCPU domain vs 1-vCPU domain, equal weight: 1/2 each");
    share_is(V[2].ran, 10 * SEC, 125000, 10000, "its vCPUs share the domain's half evenly");
}

/* Two pCPUs: wakes spread hogs; a 2-vCPU domain across both pCPUs against one
 * hog domain per pCPU gets a third of each (three equal domains, two pCPUs). */
static void smp(void)
{
    sim_init(&S, 2);
    sp_pick(1, NULL, S.now, &(uint64_t){ 0 }); /* both pCPUs schedule */
    for (unsigned i = 0; i < 4; i++) {
        dom_init(&D[i], (domid_t)(i + 1), 256, 0);
        sim_add(&S, &V[i], &D[i], 0, SIM_HOG, -1);
    }
    CHECK(V[0].v.sched.cpu != V[1].v.sched.cpu, "sp_choose_cpu spreads wakes over idle pCPUs");
    sim_run(&S, S.now + 10 * SEC);
    for (unsigned i = 0; i < 4; i++)
        share_is(V[i].ran, 10 * SEC, 500000, 10000, "4 hogs on 2 pCPUs: half a pCPU each");

    sim_init(&S, 2);
    dom_init(&D[0], 1, 256, 0);
    dom_init(&D[1], 2, 256, 0);
    dom_init(&D[2], 3, 256, 0);
    sim_add(&S, &V[0], &D[0], 0, SIM_HOG, 0);
    sim_add(&S, &V[1], &D[0], 1, SIM_HOG, 1);
    sim_add(&S, &V[2], &D[1], 0, SIM_HOG, 0);
    sim_add(&S, &V[3], &D[2], 0, SIM_HOG, 1);
    sim_run(&S, S.now + 10 * SEC);
    share_is(V[0].ran + V[1].ran, 20 * SEC, 333333, 10000, "2-vCPU domain on 2 pCPUs: 1/3 of the machine");
    share_is(V[2].ran, 10 * SEC, 666667, 10000, "a 1-vCPU domain beside it: 2/3 of its pCPU");
}

/* A domain that slept while another ran alone gets no credit for the sleep. */
static void no_banking(void)
{
    sim_init(&S, 1);
    dom_init(&D[0], 1, 256, 0);
    dom_init(&D[1], 2, 256, 0);
    sim_add(&S, &V[0], &D[0], 0, SIM_HOG, 0);
    sim_add(&S, &V[1], &D[1], 0, SIM_HOG, 0);
    sim_run(&S, S.now + 1 * SEC);
    sim_block(&S, &V[1]);
    V[1].kind = SIM_SLEEPER;
    sim_run(&S, S.now + 5 * SEC);
    uint64_t r0 = V[0].ran, r1 = V[1].ran;
    sim_wake(&S, &V[1], 0, true);
    sim_run(&S, S.now + 200 * MS);
    CHECK(V[1].ran - r1 <= 100 * MS + SCHED_QUANTUM_NS + SCHED_WARP_NS,
          "after a 5 s sleep the sleeper's lead is bounded (quantum + warp)");
    sim_run(&S, S.now + 800 * MS);
    share_is(V[1].ran - r1, 1 * SEC, 500000, 50000, "after a 5 s sleep: 1/2 each over the next 1 s");
    CHECK(V[0].ran - r0 >= 400 * MS, "the hog that ran alone is not starved afterwards");
}

/* A vCPU that moves to another pCPU keeps its standing there, even though
 * virtual time runs at different speeds on the two queues. */
static void migration(void)
{
    sim_init(&S, 2);
    for (unsigned i = 0; i < 4; i++)
        dom_init(&D[i], (domid_t)(i + 1), 256, 0);
    sim_add(&S, &V[0], &D[0], 0, SIM_HOG, 0);
    sim_add(&S, &V[1], &D[1], 0, SIM_HOG, 0);
    sim_add(&S, &V[2], &D[2], 0, SIM_HOG, 0);
    sim_add(&S, &V[3], &D[3], 0, SIM_HOG, 1); /* alone: its vtime races ahead */
    sim_run(&S, S.now + 5 * SEC);
    sim_block(&S, &V[3]);
    V[3].kind = SIM_SLEEPER;
    uint64_t r = V[3].ran;
    sim_wake(&S, &V[3], 0, false);
    sim_run(&S, S.now + 2 * SEC);
    share_is(V[3].ran - r, 2 * SEC, 250000, 80000, "migrated vCPU gets its 1/4 on the new pCPU");
}

/* Two hogs share pCPU 0 while pCPU 1's only vCPU sleeps: stealing puts one
 * of them on pCPU 1, and keeps it there. */
static void stealing(bool steal)
{
    sim_init(&S, 2);
    S.steal = steal;
    for (unsigned i = 0; i < 3; i++)
        dom_init(&D[i], (domid_t)(i + 1), 256, 0);
    sim_add(&S, &V[0], &D[0], 0, SIM_HOG, 0);
    sim_add(&S, &V[1], &D[1], 0, SIM_HOG, 0);
    sim_add(&S, &V[2], &D[2], 0, SIM_HOG, 1);
    sim_run(&S, S.now + 1 * SEC);
    sim_block(&S, &V[2]);
    V[2].kind = SIM_SLEEPER;
    uint64_t r0 = V[0].ran, r1 = V[1].ran;
    sim_run(&S, S.now + 2 * SEC);
    if (steal) {
        CHECK(V[0].ran - r0 >= 2 * SEC - SCHED_QUANTUM_NS && V[1].ran - r1 >= 2 * SEC - SCHED_QUANTUM_NS,
              "sp_steal: an idle pCPU takes a waiting hog; both run all the time");
        CHECK(V[0].v.sched.cpu != V[1].v.sched.cpu && S.idle[1] <= 1 * MS,
              "sp_steal: the hogs end up on different pCPUs, pCPU 1 stops idling");
    } else {
        CHECK(V[0].ran - r0 <= 1 * SEC + SCHED_QUANTUM_NS, "without sp_steal the hogs keep sharing pCPU 0");
    }
}

/* Four hogs all started on pCPU 0 of two: balancing before every pick
 * spreads them 2 + 2 and then leaves them alone. */
static void balancing(void)
{
    sim_init(&S, 2);
    S.steal = true;
    for (unsigned i = 0; i < 4; i++) {
        dom_init(&D[i], (domid_t)(i + 1), 256, 0);
        sim_add(&S, &V[i], &D[i], 0, SIM_HOG, 0);
    }
    sim_pick(&S, 1);
    sim_run(&S, S.now + 10 * SEC);
    for (unsigned i = 0; i < 4; i++)
        share_is(V[i].ran, 10 * SEC, 500000, 20000,
                 "sp_steal before every pick: 4 hogs on 2 pCPUs, 1/2 each");
    unsigned on0 = 0;
    for (unsigned i = 0; i < 4; i++)
        on0 += V[i].v.sched.cpu == 0;
    CHECK(on0 == 2, "balanced 2 + 2");
}

/* More hogs than pCPUs with sp_steal before every pick: they take turns, so
 * each gets its share of the machine, not of the pCPU it started on. */
static void rotation(unsigned ncpu, unsigned nv, const uint32_t *w, const uint64_t *want, const char *name)
{
    sim_init(&S, ncpu);
    S.steal = true;
    for (unsigned i = 0; i < nv; i++)
        dom_init(&D[i], (domid_t)(i + 1), w[i], 0);
    for (unsigned i = 0; i < nv; i++)
        sim_add(&S, &V[i], &D[i], 0, SIM_HOG, -1);
    sim_run(&S, S.now + 10 * SEC);
    for (unsigned i = 0; i < nv; i++) {
        char buf[120];
        snprintf(buf, sizeof(buf), "%s: vCPU %u gets %lu ppm of a pCPU (+-2%%; %lu)", name, i, want[i],
                 ppm(V[i].ran, 10 * SEC));
        share_is(V[i].ran, 10 * SEC, want[i], 20000, buf);
    }
}

static void rotations(void)
{
    static const uint32_t eq[8] = { 256, 256, 256, 256, 256, 256, 256, 256 };
    static const uint32_t w112[3] = { 256, 256, 512 };
    rotation(2, 3, eq, (const uint64_t[]){ 666667, 666667, 666667 }, "3 hogs on 2 pCPUs");
    rotation(4, 5, eq, (const uint64_t[]){ 800000, 800000, 800000, 800000, 800000 }, "5 hogs on 4 pCPUs");
    rotation(2, 3, w112, (const uint64_t[]){ 500000, 500000, 1000000 }, "weights 1:1:2 on 2 pCPUs");
}

void test_fairness(void)
{
    rotations();
    balancing();
    stealing(false);
    stealing(true);
    weights_1_2();
    weights_1_1_2();
    weight_unset();
    domain_split();
    smp();
    no_banking();
    migration();
}
