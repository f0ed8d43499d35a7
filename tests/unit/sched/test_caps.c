/* Caps: a capped domain gets at most cap% of a pCPU per accounting period,
 * even when the pCPU would otherwise idle, and gets it back every period. */
#include <stdio.h>
#include "sched_test.h"

static struct sim S;
static struct domain D[4];
static struct simv V[8];

static void cap_alone(void)
{
    sim_init(&S, 1);
    dom_init(&D[0], 1, 256, 25);
    sim_add(&S, &V[0], &D[0], 0, SIM_HOG, 0);
    sim_run(&S, S.now + 10 * SEC);
    check_ppm(ppm(V[0].ran, 10 * SEC), 240000, 260000, "cap 25% alone: gets 25% (+-1%)");
    check_ppm(ppm(S.idle[0], 10 * SEC), 740000, 760000, "cap 25% alone: the pCPU idles the rest");
    CHECK(S.n_picks >= 2 * 1000, "cap 25% alone: idle wakes at each refill (slice to the boundary)");
}

static void cap_with_hog(void)
{
    sim_init(&S, 1);
    dom_init(&D[0], 1, 256, 25);
    dom_init(&D[1], 2, 256, 0);
    sim_add(&S, &V[0], &D[0], 0, SIM_HOG, 0);
    sim_add(&S, &V[1], &D[1], 0, SIM_HOG, 0);
    sim_run(&S, S.now + 10 * SEC);
    check_ppm(ppm(V[0].ran, 10 * SEC), 240000, 260000, "cap 25% beside a hog: gets 25% (+-1%)");
    check_ppm(ppm(V[1].ran, 10 * SEC), 740000, 760000, "the hog gets the other 75%");
}

/* A cap above the weight's share changes nothing: weights still rule. */
static void cap_above_share(void)
{
    sim_init(&S, 1);
    dom_init(&D[0], 1, 256, 60);
    dom_init(&D[1], 2, 256, 0);
    sim_add(&S, &V[0], &D[0], 0, SIM_HOG, 0);
    sim_add(&S, &V[1], &D[1], 0, SIM_HOG, 0);
    sim_run(&S, S.now + 10 * SEC);
    check_ppm(ppm(V[0].ran, 10 * SEC), 490000, 510000, "cap 60% with an equal-weight hog: 50%");
}

/* cap is in percent of one pCPU: 150 lets a 2-vCPU domain use 1.5 pCPUs. */
static void cap_smp(void)
{
    sim_init(&S, 2);
    dom_init(&D[0], 1, 256, 150);
    sim_add(&S, &V[0], &D[0], 0, SIM_HOG, 0);
    sim_add(&S, &V[1], &D[0], 1, SIM_HOG, 1);
    sim_run(&S, S.now + 10 * SEC);
    check_ppm(ppm(V[0].ran + V[1].ran, 10 * SEC), 1485000, 1515000,
              "cap 150% on 2 pCPUs: 1.5 pCPUs in total (+-1%)");
}

/* Raising and lowering a cap while running takes effect. */
static void cap_change(void)
{
    sim_init(&S, 1);
    dom_init(&D[0], 1, 256, 50);
    sim_add(&S, &V[0], &D[0], 0, SIM_HOG, 0);
    sim_run(&S, S.now + 1 * SEC);
    check_ppm(ppm(V[0].ran, 1 * SEC), 490000, 510000, "cap 50%: 50%");
    uint64_t r = V[0].ran;
    CHECK(sp_set_params(&D[0], 256, 10) == 0, "cap lowered to 10%");
    sim_run(&S, S.now + 1 * SEC);
    check_ppm(ppm(V[0].ran - r, 1 * SEC), 90000, 110000, "cap 10% after the change: 10%");
    r = V[0].ran;
    CHECK(sp_set_params(&D[0], 256, 0) == 0, "cap removed");
    sim_run(&S, S.now + 1 * SEC);
    check_ppm(ppm(V[0].ran - r, 1 * SEC), 990000, 1000000, "uncapped again: the whole pCPU");
}

/* Re-setting the same parameters does not wipe a capped domain's debt. */
static void cap_debt_kept(void)
{
    sim_init(&S, 1);
    dom_init(&D[0], 1, 256, 20);
    D[0].sched.budget = -5 * (int64_t)MS;
    CHECK(sp_set_params(&D[0], 512, 20) == 0 && D[0].sched.budget == -5 * (int64_t)MS,
          "changing only the weight keeps the cap debt");
    CHECK(sp_set_params(&D[0], 512, 30) == 0 && D[0].sched.budget == -5 * (int64_t)MS,
          "changing the cap keeps the debt too");
    CHECK(sp_set_params(&D[0], 512, 0) == 0 && sp_set_params(&D[0], 512, 10) == 0 &&
              D[0].sched.budget == 1 * (int64_t)MS,
          "a new cap on an uncapped domain: a full period's budget");
}

void test_caps(void)
{
    cap_debt_kept();
    cap_alone();
    cap_with_hog();
    cap_above_share();
    cap_smp();
    cap_change();
}
