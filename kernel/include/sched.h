/* Scheduling: which vCPU runs on this pCPU, context switches, idle. */
#ifndef TESSERA_SCHED_H
#define TESSERA_SCHED_H

#include "types.h"

struct vcpu;
struct domain;

bool vcpu_runnable(const struct vcpu *v);
/* Pick the next vCPU and load it into the guest frame; idles until one is runnable. */
void schedule(void);
void sched_add_vcpu(struct vcpu *v);
void sched_remove_vcpu(struct vcpu *v);
void irq_dispatch(unsigned vec);
/* An event became pending for v: wake it if blocked or polling, and make it
 * notice (IPI) if it runs on another pCPU. */
void vcpu_kick(struct vcpu *v);
/* Start running guests on this pCPU (never returns). */
_Noreturn void sched_start(void);
/* Re-evaluate v after its or its domain's state changed (pause, shutdown, online). */
void sched_update_vcpu(struct vcpu *v);
void vcpu_block_current(void);
/* Give up the pCPU on the way back to the guest. */
void sched_yield(void);
bool domain_running_anywhere(const struct domain *d);
void idle(void);
/* Wait until no other pCPU can still be inside a hypercall begun before now. */
void sched_quiesce(void);
void sched_quiescent_point(void);
bool sched_resched_pending(void);

#endif
