/* Scheduling mechanics: which vCPU runs on each pCPU, waking and blocking,
 * context switches, the idle loop, interrupts and IPIs, TLB shootdowns, and the
 * exit path every return to a guest takes.  The policy (who is next, for how
 * long) is sched_policy.c.  One scheduler lock covers all run queues: simple and
 * enough for the CPU counts we run on. */
#include "lib.h"
#include "arch.h"
#include "pci.h"
#include "domain.h"
#include "sched.h"
#include "sched_policy.h"
#include "percpu.h"
#include "traps.h"
#include "mm.h"
#include "bootinfo.h"
#include "apic.h"
#include "time.h"
#include "flush.h"
#include "event.h"
#include "console.h"
#include "guest_access.h"
#include <xen/vcpu.h>

struct pcpu_sched {
    struct vcpu *curr;
    volatile bool need_resched;
    volatile bool flush_req;
    volatile bool idle;        /* in hlt: holds no domain pointer */
    volatile uint64_t quiesce; /* bumped at every return to a guest */
};

HOT_DATA static struct pcpu_sched ps[NR_CPUS];
static spinlock_t sched_lock = SPINLOCK_INIT;
static bool exit_when_idle;
static unsigned next_home;

void arch_save_vcpu(struct vcpu *v);
void arch_load_vcpu(struct vcpu *v);
void load_idle_cr3(void);
void domains_reap(void);
void timer_set_slice_end(uint64_t deadline);
bool timer_interrupt(void);
void timer_reprogram_local(void);
void vcpu_timer_remove(struct vcpu *v);
void runstate_publish(struct vcpu *v);

bool vcpu_runnable(const struct vcpu *v)
{
    return v->online && !v->blocked && v->domain->state == DOM_RUNNING;
}

/* Bring v's queue membership in line with its state (sched_lock held). */
static int sync_vcpu(struct vcpu *v, uint64_t now, bool woken)
{
    bool run = vcpu_runnable(v);
    if (run && !v->sched.on_runq) {
        /* A vCPU still loaded on a pCPU (its state not saved yet) stays there. */
        unsigned cpu = ps[v->processor].curr == v ? v->processor : sp_choose_cpu(v, v->processor);
        v->processor = cpu;
        sp_wake(v, cpu, now, woken);
        return (int)cpu;
    }
    if (!run && v->sched.on_runq) sp_sleep(v, now);
    return -1;
}

static void poke(unsigned cpu, bool preempt)
{
    if (cpu == smp_processor_id()) {
        if (preempt) ps[cpu].need_resched = true;
    } else {
        send_ipi(cpu, VEC_IPI_KICK);
    }
}

/* Re-evaluate v after a change of its domain's or its own state. */
void sched_update_vcpu(struct vcpu *v)
{
    spin_lock(&sched_lock);
    int cpu = sync_vcpu(v, now_ns(), false);
    unsigned running_on = v->processor;
    bool running = ps[running_on].curr == v;
    spin_unlock(&sched_lock);
    if (cpu >= 0) poke((unsigned)cpu, true);
    if (running && !vcpu_runnable(v)) poke(running_on, true);
}

void sched_add_vcpu(struct vcpu *v)
{
    spin_lock(&sched_lock);
    v->processor = next_home % nr_cpus;
    v->timer_cpu = v->processor;
    next_home++;
    sp_vcpu_init(v, now_ns());
    spin_unlock(&sched_lock);
    sched_update_vcpu(v);
}

void sched_remove_vcpu(struct vcpu *v)
{
    spin_lock(&sched_lock);
    if (v->sched.on_runq) sp_sleep(v, now_ns());
    spin_unlock(&sched_lock);
    vcpu_timer_remove(v);
}

/* Is any pCPU still running (or about to return to) one of d's vCPUs? */
bool domain_running_anywhere(const struct domain *d)
{
    for (unsigned c = 0; c < nr_cpus; c++)
        if (ps[c].curr && ps[c].curr->domain == d) return true;
    return false;
}

void vcpu_kick(struct vcpu *v)
{
    int target = -1;
    bool preempt = false;
    spin_lock(&sched_lock);
    uint64_t now = now_ns();
    if (v->blocked) {
        v->blocked = false;
        v->polling = false;
        v->poll_deadline = 0;
        target = sync_vcpu(v, now, true);
        if (target >= 0)
            preempt = !ps[target].curr || sp_should_preempt((unsigned)target, ps[target].curr, now);
    } else if (ps[v->processor].curr == v) {
        target = (int)v->processor; /* make it see the upcall now */
    }
    spin_unlock(&sched_lock);
    if (target >= 0) poke((unsigned)target, preempt);
}

void sched_yield(void)
{
    spin_lock(&sched_lock);
    sp_yield(current, now_ns());
    spin_unlock(&sched_lock);
    ps[smp_processor_id()].need_resched = true;
}

/* Block the current vCPU until an event (or a poll/timeout) wakes it. */
void vcpu_block_current(void)
{
    struct vcpu *v = current;
    spin_lock(&sched_lock);
    v->blocked = true;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    /* Re-check under the lock: a sender sets the pending bit before it kicks,
     * and the kick takes this lock, so no wake-up can fall in between. */
    bool wake = false;
    if (v->polling) {
        for (unsigned i = 0; i < v->poll_nr && !wake; i++)
            wake = evtchn_port_is_pending(v->domain, v->poll_list[i]); /* lock-free read */
    } else {
        wake = v->vcpu_info->evtchn_upcall_pending;
    }
    if (wake) {
        v->blocked = false;
        v->polling = false;
    } else {
        sync_vcpu(v, now_ns(), false);
    }
    spin_unlock(&sched_lock);
    ps[smp_processor_id()].need_resched = true;
}

/* Choose and load the next vCPU on this pCPU; returns once one is loaded. */
void schedule(void)
{
    unsigned cpu = smp_processor_id();
    for (;;) {
        spin_lock(&sched_lock);
        uint64_t now = now_ns(), slice = 0;
        struct vcpu *prev = ps[cpu].curr;
        if (prev) sync_vcpu(prev, now, false);
        /* Stealing before every pick keeps shares fair with more hogs than pCPUs. */
        sp_steal(cpu, now);
        struct vcpu *next = sp_pick(cpu, prev, now, &slice);
        ps[cpu].need_resched = false;
        if (next != prev) {
            if (prev && prev->domain->state != DOM_DYING) arch_save_vcpu(prev);
            ps[cpu].curr = next;
            this_cpu()->curr = next;
        }
        spin_unlock(&sched_lock);
        timer_set_slice_end(slice ? now + slice : 0);
        if (next) {
            if (next != prev) {
                arch_load_vcpu(next);
                runstate_publish(next);
                if (prev && prev->domain->state != DOM_DYING) runstate_publish(prev);
            }
            return;
        }
        if (prev) load_idle_cr3();
        idle();
    }
}

static void idle_report(void)
{
    static bool said;
    for (unsigned i = 0; i < domid_end; i++)
        if (domain_lookup((domid_t)i)) {
            said = false;
            return;
        }
    if (said) return;
    if (smp_processor_id() != 0) {
        /* pCPU 0 reports; with no timer left it may sleep until told. */
        send_ipi(0, VEC_IPI_KICK);
        return;
    }
    said = true;
    printk("tessera: no domains left, hypervisor still running (free frames %lu)\n", frames_free_count());
    if (exit_when_idle) outl(0xf4, 0); /* QEMU isa-debug-exit: test runs end here */
}

/* Nothing to run here: reap dead domains, report, scrub free frames (frame.c)
 * or wait for an interrupt. */
void idle(void)
{
    domains_reap();
    idle_report();
    unsigned cpu = smp_processor_id();
    __atomic_add_fetch(&ps[cpu].quiesce, 1, __ATOMIC_SEQ_CST);
    if (!ps[cpu].need_resched) {
        ps[cpu].idle = true;
        while (!ps[cpu].need_resched && frames_scrub(16)) { /* 64 KiB, then a window for interrupts */
            sti();
            __asm__ volatile("nop");
            cli();
        }
        if (!ps[cpu].need_resched) sti_hlt();
        ps[cpu].idle = false;
    }
}

/* This pCPU holds no pointer to any domain it looked up (e.g. it waits for the
 * build lock before any lookup): count it as having left its hypercall. */
void sched_quiescent_point(void) { __atomic_add_fetch(&ps[smp_processor_id()].quiesce, 1, __ATOMIC_SEQ_CST); }

/* Wait until every other pCPU has left whatever hypercall it was in (returned to
 * a guest or idled): after that, none can still hold a pointer to an object that
 * was unpublished before the call.  The core's tiny RCU for struct domain. */
void sched_quiesce(void)
{
    unsigned me = smp_processor_id();
    uint64_t snap[NR_CPUS];
    for (unsigned c = 0; c < nr_cpus; c++)
        snap[c] = __atomic_load_n(&ps[c].quiesce, __ATOMIC_SEQ_CST);
    for (unsigned c = 0; c < nr_cpus; c++)
        while (c != me && __atomic_load_n(&ps[c].quiesce, __ATOMIC_SEQ_CST) == snap[c] && !ps[c].idle) {
            pause();
            spin_wait_hook();
        }
}

/* Must this pCPU reschedule (or its vCPU stop running) at the next exit? */
bool sched_resched_pending(void)
{
    struct vcpu *v = current;
    return ps[smp_processor_id()].need_resched || !v || !vcpu_runnable(v);
}

HOT_PATH void exit_to_guest(struct vcpu *v, struct cpu_regs *r)
{
    unsigned cpu = smp_processor_id();
    __atomic_add_fetch(&ps[cpu].quiesce, 1, __ATOMIC_RELAXED);
    if (ps[cpu].need_resched || !v || ps[cpu].curr != v || !vcpu_runnable(v)) {
        schedule();
        v = current;
        r = guest_regs();
    }
    struct vcpu_info *vi = v->vcpu_info;
    if (vi->evtchn_upcall_pending && !vi->evtchn_upcall_mask && v->arch.event_callback)
        create_bounce_frame(v, r, v->arch.event_callback, false, 0, true);
}

static void service_flush(void)
{
    unsigned cpu = smp_processor_id();
    if (ps[cpu].flush_req) {
        flush_tlb_local();
        ps[cpu].flush_req = false;
    }
}

void spin_wait_hook(void) { service_flush(); }

void flush_tlb_domain(struct domain *d) { flush_tlb_domain_since(d, UINT64_MAX); }

void flush_tlb_domain_since(struct domain *d, uint64_t stamp)
{
    unsigned me = smp_processor_id();
    bool sent[NR_CPUS] = { false };
    if (!tlb_flushed_since(me, stamp)) flush_tlb_local();
    for (unsigned c = 0; c < nr_cpus; c++) {
        struct vcpu *cv = ps[c].curr;
        if (c != me && cv && cv->domain == d && !tlb_flushed_since(c, stamp)) {
            ps[c].flush_req = true;
            send_ipi(c, VEC_IPI_FLUSH);
            sent[c] = true;
        }
    }
    for (unsigned c = 0; c < nr_cpus; c++)
        while (sent[c] && ps[c].flush_req) {
            pause();
            service_flush();
        }
}

void irq_dispatch(unsigned vec)
{
    unsigned cpu = smp_processor_id();
    switch (vec) {
    case VEC_TIMER:
        lapic_eoi();
        if (timer_interrupt()) ps[cpu].need_resched = true;
        break;
    case VEC_IPI_KICK:
        lapic_eoi();
        timer_reprogram_local();
        ps[cpu].need_resched = true;
        break;
    case VEC_IPI_FLUSH:
        lapic_eoi();
        service_flush();
        break;
    case VEC_SPURIOUS:
        break;
    case VEC_SERIAL:
        if (serial_rx_interrupt()) {
            struct domain *d0 = domain_lookup(0); /* the console's owner: the first domain */
            if (d0 && has_cap(d0, CAP_CONSOLE)) send_guest_global_virq(d0, VIRQ_CONSOLE);
        }
        break;
    default:
        if (!msi_interrupt(vec)) lapic_eoi();
    }
}

_Noreturn void sched_start(void)
{
    exit_when_idle = cmdline_has("exit_when_idle");
    schedule();
    exit_to_guest(current, guest_regs());
    enter_frame(guest_regs());
}

/* Copy v's runstate to the guest's registered area (on v's kernel page tables). */
void runstate_publish(struct vcpu *v)
{
    if (!v->runstate_guest || v != this_cpu()->curr) return;
    struct vcpu_runstate_info r = { .state = v->sched.runstate,
                                    .state_entry_time = v->sched.state_entry_time };
    memcpy(r.time, v->sched.time, sizeof(r.time));
    bool user = !v->arch.kernel_mode;
    if (user) write_cr3(v->arch.guest_table << PAGE_SHIFT);
    /* runstate_update_flag (Xen): the top byte of state_entry_time carries
     * XEN_RUNSTATE_UPDATE while the area is rewritten, so a reader on another vCPU
     * can tell a torn copy; failures are ignored as in Xen. */
    bool flag = v->domain->vm_assist & (1UL << VMASST_TYPE_runstate_update_flag);
    uint64_t top = v->runstate_guest + offsetof(struct vcpu_runstate_info, state_entry_time) + 7;
    uint8_t b = (uint8_t)((r.state_entry_time | XEN_RUNSTATE_UPDATE) >> 56);
    if (flag) {
        r.state_entry_time |= XEN_RUNSTATE_UPDATE;
        copy_to_guest(top, &b, 1);
        __atomic_thread_fence(__ATOMIC_RELEASE);
    }
    copy_to_guest(v->runstate_guest, &r, sizeof(r));
    if (flag) {
        b &= (uint8_t) ~(XEN_RUNSTATE_UPDATE >> 56);
        __atomic_thread_fence(__ATOMIC_RELEASE);
        copy_to_guest(top, &b, 1);
    }
    if (user) arch_load_guest_cr3(v);
}
