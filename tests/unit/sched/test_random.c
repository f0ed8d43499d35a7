/* Randomised operation sequences on 4 pCPUs (wake, sleep, pick, preempt
 * checks, steal, yield, parameter changes) checking the policy's invariants
 * after every step; ASan/UBSan watch the list handling. */
#include <stdio.h>
#include <string.h>
#include "sched_test.h"

#define NCPU 4
#define NV   12
#define ND   4

static struct domain D[ND];
static struct vcpu Vc[NV];
static struct vcpu *curr[NCPU];
static uint64_t seed = 0x9e3779b97f4a7c15ULL, now;

static uint64_t rnd(uint64_t n)
{
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
}

static void do_pick(unsigned c)
{
    uint64_t slice;
    struct vcpu *v = rnd(2) ? sp_steal(c, now) : NULL;
    if (v) v->processor = c;
    curr[c] = sp_pick(c, curr[c], now, &slice);
}

static void do_sleep(struct vcpu *v)
{
    v->blocked = rnd(2);
    v->online = rnd(4) != 0;
    sp_sleep(v, now);
    for (unsigned c = 0; c < NCPU; c++)
        if (curr[c] == v) curr[c] = NULL;
}

static void step(void)
{
    struct vcpu *v = &Vc[rnd(NV)];
    unsigned c = (unsigned)rnd(NCPU);
    now += rnd(3 * MS);
    switch (rnd(7)) {
    case 0:
    case 1:
        do_pick(c);
        break;
    case 2:
        if (!v->sched.on_runq) {
            v->sched.affinity = rnd(3) ? 0 : rnd(16);
            v->blocked = false, v->online = true;
            sp_wake(v, sp_choose_cpu(v, c), now, rnd(2));
        }
        break;
    case 3:
        if (v->sched.on_runq) do_sleep(v);
        break;
    case 4:
        (void)sp_should_preempt(c, curr[c], now);
        break;
    case 5:
        if (curr[c]) sp_yield(curr[c], now);
        break;
    case 6:
        (void)sp_set_params(&D[rnd(ND)], (uint32_t)rnd(70000), (uint32_t)rnd(500));
        break;
    }
}

/* Runstates agree with who runs where; counts agree with queue membership. */
static bool consistent(const char **why)
{
    unsigned active[ND] = { 0 };
    for (unsigned i = 0; i < NV; i++) {
        struct vcpu *v = &Vc[i];
        unsigned running = 0;
        for (unsigned c = 0; c < NCPU; c++)
            if (curr[c] == v) {
                running++;
                if (v->sched.cpu != c) {
                    *why = "running on a pCPU whose queue does not hold it";
                    return false;
                }
            }
        int want = running                                 ? RUNSTATE_running
                   : v->sched.on_runq                      ? RUNSTATE_runnable
                   : v->sched.runstate == RUNSTATE_blocked ? RUNSTATE_blocked
                                                           : RUNSTATE_offline;
        if (running > 1) {
            *why = "running on two pCPUs";
            return false;
        }
        if (running && !v->sched.on_runq) {
            *why = "running but not runnable";
            return false;
        }
        if (v->sched.on_runq && !sp_cpu_allowed(v, v->sched.cpu)) {
            *why = "queued on a pCPU outside its affinity";
            return false;
        }
        if (v->sched.runstate != want) {
            *why = "runstate disagrees";
            return false;
        }
        const uint64_t *t = v->sched.time;
        if (t[0] + t[1] + t[2] + t[3] + now - v->sched.state_entry_time != now) {
            *why = "runstate times do not sum to elapsed time";
            return false;
        }
        active[v->domain - D] += v->sched.on_runq;
    }
    for (unsigned d = 0; d < ND; d++)
        if (D[d].sched.nr_active != active[d]) {
            *why = "nr_active wrong";
            return false;
        }
    return true;
}

void test_random(void)
{
    sp_init(NCPU);
    memset(Vc, 0, sizeof(Vc));
    memset(curr, 0, sizeof(curr));
    now = 0;
    for (unsigned d = 0; d < ND; d++)
        dom_init(&D[d], (domid_t)(d + 1), 0, 0);
    for (unsigned i = 0; i < NV; i++) {
        Vc[i].domain = &D[i % ND];
        Vc[i].id = i / ND;
        sp_vcpu_init(&Vc[i], 0);
    }
    const char *why = "";
    unsigned long n;
    for (n = 0; n < 200000 && consistent(&why); n++)
        step();
    CHECK_MSG(n == 200000, "200000 random operations keep every invariant", "step %lu: %s", n, why);
}
