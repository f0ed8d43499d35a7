/* Host unit tests of the scheduling policy (sched_policy.c): the harness's checks
 * and a discrete-event simulator of pCPUs that drives sp_* the way sched.c does. */
#ifndef SCHED_TEST_H
#define SCHED_TEST_H

#include "check.h"
#include "types.h"
#include "domain.h"
#include "sched_policy.h"
#include <xen/vcpu.h>

#define MS  1000000UL
#define US  1000UL
#define SEC (1000 * MS)

/* got within [lo, hi] (parts per million), printed on failure */
void check_ppm(uint64_t got, uint64_t lo, uint64_t hi, const char *name);

enum sim_kind { SIM_HOG, SIM_PERIODIC, SIM_SLEEPER };

/* A simulated vCPU: HOG always runnable; PERIODIC wakes every `period` (a
 * timer) and blocks after running `burst`; SLEEPER blocked until sim_wake. */
struct simv {
    struct vcpu v;
    enum sim_kind kind;
    uint64_t period, burst;
    uint64_t next_wake, burst_left, woke_at;
    bool waiting;                           /* event-woken, not yet run: latency pending */
    uint64_t ran;                           /* measured by the simulator */
    uint64_t n_wakes, n_immediate, max_lat; /* event wakes only */
    uint64_t t0;                            /* sp_vcpu_init time */
};

struct sim {
    uint64_t now;
    unsigned ncpu;
    bool use_preempt; /* consult sp_should_preempt on wakes */
    bool steal;       /* an idle pCPU calls sp_steal */
    struct vcpu *curr[SCHED_MAX_CPUS];
    uint64_t slice_end[SCHED_MAX_CPUS]; /* 0 = no deadline */
    uint64_t idle[SCHED_MAX_CPUS];
    uint64_t n_picks, max_run_gap; /* picks; unused by default */
    struct simv *v[64];
    unsigned nv;
};

void sim_init(struct sim *s, unsigned ncpu);
void dom_init(struct domain *d, domid_t id, uint32_t weight, uint32_t cap);
/* Add vCPU `id` of d; runnable (woken on `cpu`, or sp_choose_cpu if cpu < 0) unless SLEEPER. */
struct simv *sim_add(struct sim *s, struct simv *sv, struct domain *d, unsigned id, enum sim_kind kind,
                     int cpu);
void sim_run(struct sim *s, uint64_t until);
void sim_wake(struct sim *s, struct simv *sv, int cpu, bool woken);
void sim_block(struct sim *s, struct simv *sv);
/* Schedule on pCPU c now (as after a timer or IPI). */
void sim_pick(struct sim *s, unsigned c);
/* ran * 1e6 / total */
uint64_t ppm(uint64_t part, uint64_t total);

void test_fairness(void);
void test_latency(void);
void test_caps(void);
void test_accounting(void);
void test_api(void);
void test_random(void);

#endif
