/* The scheduler (round-robin over runnable vCPUs for now), the idle loop and
 * the exit path every return to a guest takes.  Domains that shut down with no
 * controlling domain to reap them are destroyed here, off their own page tables. */
#include "lib.h"
#include "arch.h"
#include "domain.h"
#include "sched.h"
#include "percpu.h"
#include "traps.h"
#include "mm.h"
#include "bootinfo.h"

#define MAX_RUNQ 256

static struct vcpu *runq[MAX_RUNQ];
static unsigned nr_runq, rr_next;
static bool exit_when_idle;

void arch_save_vcpu(struct vcpu *v);
void arch_load_vcpu(struct vcpu *v);
void load_idle_cr3(void);
void domains_reap(void);

bool vcpu_runnable(const struct vcpu *v)
{
    return v->online && !v->blocked && v->domain->state == DOM_RUNNING;
}

void sched_add_vcpu(struct vcpu *v)
{
    if (nr_runq < MAX_RUNQ)
        runq[nr_runq++] = v;
}

void sched_remove_vcpu(struct vcpu *v)
{
    for (unsigned i = 0; i < nr_runq; i++)
        if (runq[i] == v) {
            runq[i] = runq[--nr_runq];
            break;
        }
    if (this_cpu()->curr == v)
        this_cpu()->curr = NULL;
}

static struct vcpu *pick_next(void)
{
    for (unsigned i = 0; i < nr_runq; i++) {
        struct vcpu *v = runq[(rr_next + i) % nr_runq];
        if (vcpu_runnable(v)) {
            rr_next = (rr_next + i + 1) % nr_runq;
            return v;
        }
    }
    return NULL;
}

static void idle_until_runnable(void)
{
    bool said = false;
    for (;;) {
        domains_reap();
        struct vcpu *n = pick_next();
        if (n) {
            this_cpu()->curr = n;
            arch_load_vcpu(n);
            return;
        }
        if (!nr_runq && !said) {
            printk("tessera: no domains left, hypervisor still running (free frames %lu)\n",
                   frames_free_count());
            said = true;
            if (exit_when_idle)
                outl(0xf4, 0);          /* QEMU isa-debug-exit: test runs end here */
        }
        sti_hlt();
    }
}

void schedule(void)
{
    struct percpu *pc = this_cpu();
    struct vcpu *prev = pc->curr;
    if (prev && vcpu_runnable(prev)) {
        struct vcpu *n = pick_next();
        if (!n || n == prev)
            return;
        arch_save_vcpu(prev);
        pc->curr = n;
        arch_load_vcpu(n);
        return;
    }
    if (prev && prev->domain->state != DOM_DYING)
        arch_save_vcpu(prev);
    pc->curr = NULL;
    load_idle_cr3();
    idle_until_runnable();
}

void exit_to_guest(struct vcpu *v, struct cpu_regs *r)
{
    if (!v || this_cpu()->curr != v || !vcpu_runnable(v)) {
        schedule();
        v = current;
        r = guest_regs();
    }
    struct vcpu_info *vi = v->vcpu_info;
    if (vi->evtchn_upcall_pending && !vi->evtchn_upcall_mask && v->arch.event_callback)
        create_bounce_frame(v, r, v->arch.event_callback, false, 0, true);
}

void irq_dispatch(unsigned vec)
{
    (void)vec;   /* no device interrupts are enabled yet; spurious ones are ignored */
}

_Noreturn void sched_start(void)
{
    exit_when_idle = cmdline_has("exit_when_idle");
    schedule();
    struct vcpu *v = current;
    exit_to_guest(v, guest_regs());
    enter_frame(guest_regs());
}
