/* The scheduling policy (sched_policy.c): proportional share by weight with
 * optional caps, BVT-style virtual time with a latency warp for vCPUs woken by
 * events, runstate accounting.  Pure logic over per-pCPU run queues: the
 * mechanics (timers, context switches, IPIs, locking) live in sched.c, which
 * calls these with the run-queue lock of `cpu` held.  Host-testable. */
#ifndef TESSERA_SCHED_POLICY_H
#define TESSERA_SCHED_POLICY_H

#include "types.h"

struct vcpu;
struct domain;

#define SCHED_DEFAULT_WEIGHT 256
#define SCHED_MAX_CPUS       64
#define SCHED_QUANTUM_NS     (10 * 1000 * 1000ULL)    /* 10 ms time slice */

/* Per-vCPU policy state, embedded in struct vcpu as `sched`. */
struct sched_vcpu {
    struct vcpu *next;          /* run-queue link (policy-private use) */
    uint64_t vtime;             /* virtual time consumed, scaled by 1/weight */
    uint64_t warp_until;        /* boosted until this system time */
    uint64_t budget_ns;         /* cap: remaining budget in the current period */
    bool     on_runq;
    unsigned cpu;               /* pCPU whose run queue holds it */
    /* runstate accounting (Xen's vcpu_runstate_info semantics) */
    int      runstate;          /* RUNSTATE_running/runnable/blocked/offline */
    uint64_t state_entry_time;
    uint64_t time[4];
};

/* Per-domain policy parameters, embedded in struct domain as `sched`. */
struct sched_domain {
    uint32_t weight;            /* relative share, 1..65535 (Xen credit: default 256) */
    uint32_t cap;               /* percent of one pCPU, 0 = uncapped */
};

void sp_init(unsigned nr_cpus);
/* v becomes runnable on cpu (woken by an event if `woken`: gets the warp). */
void sp_wake(struct vcpu *v, unsigned cpu, uint64_t now, bool woken);
/* v stops being runnable (blocked, paused, offline, destroyed). */
void sp_sleep(struct vcpu *v, uint64_t now);
/* Charge `prev` (may be NULL = idle) up to now, then choose what runs next on cpu:
 * returns the vCPU (NULL = idle) and how long it may run before a preemption check. */
struct vcpu *sp_pick(unsigned cpu, struct vcpu *prev, uint64_t now, uint64_t *slice_ns);
/* Should `curr` be preempted in favour of something on cpu's queue (after a wake)? */
bool sp_should_preempt(unsigned cpu, struct vcpu *curr, uint64_t now);
/* Record a runstate change (sp_* call it themselves; exposed for offline etc.). */
void sp_set_runstate(struct vcpu *v, int state, uint64_t now);
int  sp_set_params(struct domain *d, uint32_t weight, uint32_t cap);

#endif
