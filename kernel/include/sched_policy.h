/* The scheduling policy (sched_policy.c): proportional share by weight with
 * optional caps, BVT-style virtual time with a latency warp for vCPUs woken by
 * events, runstate accounting.  Pure logic over per-pCPU run queues: the
 * mechanics (timers, context switches, IPIs, locking) live in sched.c, which
 * calls these with the run-queue lock of `cpu` held.  Host-testable.
 * The calling protocol is in docs/scheduler.md. */
#ifndef TESSERA_SCHED_POLICY_H
#define TESSERA_SCHED_POLICY_H

#include "types.h"

struct vcpu;
struct domain;
struct vcpu_runstate_info;

#define SCHED_DEFAULT_WEIGHT 256
#define SCHED_MAX_CPUS       64
#define SCHED_QUANTUM_NS     (10 * 1000 * 1000ULL) /* 10 ms time slice */
/* Warp: an event-woken vCPU competes with its virtual time lowered by
 * SCHED_WARP_NS (virtual ns) for at most SCHED_WARP_LIMIT_NS of real time. */
#define SCHED_WARP_NS       SCHED_QUANTUM_NS
#define SCHED_WARP_LIMIT_NS (5 * 1000 * 1000ULL)
/* Caps are enforced per accounting period (periods aligned to system time 0). */
#define SCHED_CAP_PERIOD_NS (10 * 1000 * 1000ULL)
/* No slice is shorter than this (timer-interrupt storms cost more than they buy). */
#define SCHED_MIN_SLICE_NS (20 * 1000ULL)

/* Per-vCPU policy state, embedded in struct vcpu as `sched`. */
struct sched_vcpu {
    struct vcpu *next;   /* run-queue link (policy-private use) */
    uint64_t vtime;      /* virtual time consumed, scaled by 1/weight */
    uint64_t warp_until; /* boosted until this system time */
    uint64_t budget_ns;  /* unused: cap budgets are per domain (sched_domain) */
    bool on_runq;
    unsigned cpu; /* pCPU whose run queue holds it */
    /* runstate accounting (Xen's vcpu_runstate_info semantics) */
    int runstate; /* RUNSTATE_running/runnable/blocked/offline */
    uint64_t state_entry_time;
    uint64_t time[4];
    /* policy-private */
    uint64_t run_start; /* charged up to here while running */
    uint64_t vtime_rem; /* remainder of the vtime division (exact long-run shares) */
    uint64_t svc;       /* weighted service, like vtime but never rebased to a
                                 * queue: compared across pCPUs by sp_steal */
    bool inited;        /* sp_vcpu_init done (sp_* do it lazily otherwise) */
    bool queued_before; /* vtime is meaningful relative to some queue */
    bool throttled;     /* out of cap budget at the last look */
    bool yielded;       /* SCHEDOP_yield: let others go first once */
    uint64_t affinity;  /* pCPUs allowed (bit n = pCPU n); 0 = all.  Set by
                                 * sched.c; used by sp_choose_cpu and sp_steal */
};

/* Per-domain policy parameters, embedded in struct domain as `sched`. */
struct sched_domain {
    uint32_t weight; /* relative share, 1..65535 (Xen credit: default 256) */
    uint32_t cap;    /* percent of one pCPU, 0 = uncapped */
    /* policy-private, shared by the domain's vCPUs on all pCPUs (atomics) */
    uint32_t nr_active;  /* runnable vCPUs: the weight is split among them */
    int64_t budget;      /* cap: ns left in the current period (< 0 = debt) */
    uint64_t period_idx; /* cap: period the budget belongs to */
};

/* Once at boot, before any other sp_* call: empties every queue; nr_cpus
 * bounds caps (100 * nr_cpus). */
void sp_init(unsigned nr_cpus);
/* Optional, once at vCPU creation before any other sp_* call on it: runstate
 * offline since `now`, affinity all.  Without it the first sp_* call does it. */
void sp_vcpu_init(struct vcpu *v, uint64_t now);
/* v becomes runnable on cpu (woken by an event if `woken`: gets the warp). */
void sp_wake(struct vcpu *v, unsigned cpu, uint64_t now, bool woken);
/* v stops being runnable (blocked, paused, offline, destroyed).  Lock held:
 * that of v->sched.cpu.  Runstate becomes blocked if v->online && v->blocked,
 * else offline. */
void sp_sleep(struct vcpu *v, uint64_t now);
/* Charge `prev` (may be NULL = idle) up to now, then choose what runs next on cpu:
 * returns the vCPU (NULL = idle) and how long it may run before a preemption check.
 * Idle: *slice_ns = 0 means nothing to wait for (sleep until a wake), otherwise
 * re-pick after it (a capped vCPU's budget refills then, or another queue has
 * work sp_steal could take). */
struct vcpu *sp_pick(unsigned cpu, struct vcpu *prev, uint64_t now, uint64_t *slice_ns);
/* Should `curr` be preempted in favour of something on cpu's queue (after a wake)? */
bool sp_should_preempt(unsigned cpu, struct vcpu *curr, uint64_t now);
/* Record a runstate change (sp_* call it themselves; exposed for offline etc.). */
void sp_set_runstate(struct vcpu *v, int state, uint64_t now);
int sp_set_params(struct domain *d, uint32_t weight, uint32_t cap);
/* Where should v (not runnable now) be queued when it wakes?  The least loaded
 * pCPU allowed by v's affinity that has called sp_pick; cur_cpu on ties (0 if
 * cur_cpu is out of range).  Reads other queues without their locks: a hint. */
unsigned sp_choose_cpu(struct vcpu *v, unsigned cur_cpu);
/* Is cpu allowed by v->sched.affinity? */
bool sp_cpu_allowed(const struct vcpu *v, unsigned cpu);
/* Optional load balancing, called by cpu itself in its scheduling path just
 * before sp_pick (when it would idle, or always), with the locks of cpu AND of
 * every other queue (sched.c's one global lock), and cpu saves the vCPU it ran
 * before dropping them.  If some queue has two vCPUs more than cpu's, moves its
 * best waiting vCPU here; else, if one has one more, swaps its vCPU with the
 * least service for the one here with the most once they are a quantum apart
 * (turn-taking: 3 hogs on 2 pCPUs get 2/3 each).  Returns the vCPU moved here
 * or NULL.  Sets v->processor of every vCPU it moves.  Never takes the vCPU
 * another pCPU's last sp_pick returned: its state may not be saved yet. */
struct vcpu *sp_steal(unsigned cpu, uint64_t now);
/* SCHEDOP_yield: v gives up its warp and lets other runnable vCPUs on its
 * queue go first at the next sp_pick. */
void sp_yield(struct vcpu *v, uint64_t now);
/* Snapshot for VCPUOP_get_runstate_info / the registered runstate area. */
void sp_get_runstate(const struct vcpu *v, struct vcpu_runstate_info *out);

#endif
