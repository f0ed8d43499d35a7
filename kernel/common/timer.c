/* vCPU timers: singleshot (set_timer_op, VCPUOP_set_singleshot_timer), periodic
 * (VCPUOP_set_periodic_timer; Xen's default 10 ms until the guest stops it) and
 * SCHEDOP_poll timeouts.  Each vCPU's timers live on one pCPU's list (its timer
 * home) and fire from that pCPU's LAPIC one-shot interrupt. */
#include "lib.h"
#include "domain.h"
#include "sched.h"
#include "event.h"
#include "time.h"
#include "apic.h"
#include "spinlock.h"
#include <xen/xen.h>

struct timer_cpu {
    spinlock_t lock;
    struct vcpu *head;
    uint64_t programmed;     /* deadline the LAPIC is set for (0 = none) */
    uint64_t sched_deadline; /* end of the running vCPU's slice */
};
static struct timer_cpu tcpu[NR_CPUS];

static uint64_t vcpu_next_deadline(const struct vcpu *v)
{
    uint64_t d = ~0ULL;
    if (v->singleshot_deadline) d = MIN(d, v->singleshot_deadline);
    if (v->periodic_period) d = MIN(d, v->periodic_next);
    if (v->poll_deadline) d = MIN(d, v->poll_deadline);
    return d;
}

/* Reprogram this pCPU's LAPIC for the earliest of its timers and its slice end. */
static void reprogram(unsigned cpu)
{
    struct timer_cpu *t = &tcpu[cpu];
    uint64_t d = t->sched_deadline ? t->sched_deadline : ~0ULL;
    for (struct vcpu *v = t->head; v; v = v->timer_next)
        d = MIN(d, vcpu_next_deadline(v));
    t->programmed = d == ~0ULL ? 0 : d;
    if (cpu == smp_processor_id())
        lapic_set_deadline(t->programmed);
    else
        send_ipi(cpu, VEC_IPI_KICK); /* it reprograms on the way out */
}

/* Make sure v is on its home list and the home pCPU wakes up in time. */
void vcpu_timer_changed(struct vcpu *v)
{
    struct timer_cpu *t = &tcpu[v->timer_cpu];
    spin_lock(&t->lock);
    if (!v->on_timer_list) {
        v->timer_next = t->head;
        t->head = v;
        v->on_timer_list = true;
    }
    uint64_t d = vcpu_next_deadline(v);
    if (d != ~0ULL && (!t->programmed || d < t->programmed)) reprogram(v->timer_cpu);
    spin_unlock(&t->lock);
}

void vcpu_timer_remove(struct vcpu *v)
{
    struct timer_cpu *t = &tcpu[v->timer_cpu];
    spin_lock(&t->lock);
    for (struct vcpu **p = &t->head; *p; p = &(*p)->timer_next)
        if (*p == v) {
            *p = v->timer_next;
            break;
        }
    v->on_timer_list = false;
    spin_unlock(&t->lock);
}

void timer_set_slice_end(uint64_t deadline)
{
    unsigned cpu = smp_processor_id();
    spin_lock(&tcpu[cpu].lock);
    tcpu[cpu].sched_deadline = deadline;
    reprogram(cpu);
    spin_unlock(&tcpu[cpu].lock);
}

/* Fire what is due on this pCPU; returns true if the slice ended. */
bool timer_interrupt(void)
{
    unsigned cpu = smp_processor_id();
    struct timer_cpu *t = &tcpu[cpu];
    uint64_t now = now_ns();
    struct vcpu *fire_virq[64], *wake[64];
    unsigned nf = 0, nw = 0;
    bool slice_over = false;
    spin_lock(&t->lock);
    for (struct vcpu *v = t->head; v && nf < ARRAY_SIZE(fire_virq) && nw < ARRAY_SIZE(wake);
         v = v->timer_next) {
        bool fire = false;
        if (v->singleshot_deadline && v->singleshot_deadline <= now) {
            v->singleshot_deadline = 0;
            fire = true;
        }
        if (v->periodic_period && v->periodic_next <= now) {
            while (v->periodic_next <= now)
                v->periodic_next += v->periodic_period;
            fire = true;
        }
        if (v->poll_deadline && v->poll_deadline <= now) {
            v->poll_deadline = 0;
            wake[nw++] = v;
        }
        if (fire) fire_virq[nf++] = v;
    }
    if (t->sched_deadline && t->sched_deadline <= now) {
        t->sched_deadline = 0;
        slice_over = true;
    }
    reprogram(cpu);
    spin_unlock(&t->lock);
    for (unsigned i = 0; i < nf; i++)
        send_guest_vcpu_virq(fire_virq[i], VIRQ_TIMER);
    for (unsigned i = 0; i < nw; i++)
        vcpu_kick(wake[i]);
    return slice_over;
}

/* Called on the way back to a guest after a KICK IPI. */
void timer_reprogram_local(void)
{
    unsigned cpu = smp_processor_id();
    spin_lock(&tcpu[cpu].lock);
    reprogram(cpu);
    spin_unlock(&tcpu[cpu].lock);
}

void timer_init_cpu(unsigned cpu) { tcpu[cpu].lock = (spinlock_t)SPINLOCK_INIT; }
