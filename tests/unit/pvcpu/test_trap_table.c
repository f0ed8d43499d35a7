/* set_trap_table on the host: Xen's in-place update rules, and two vCPUs on two
 * threads (pCPUs) updating their tables at once, each of which must only ever
 * hold its own handlers (the core once staged every update in one global buffer).
 * Guest addresses are host pointers (the harness's guest memory: reads only; below
 * 64 KiB unmapped); the fakes below are what else pv_cpu.c calls. */
#include <stdlib.h>
#include <pthread.h>
#include "fake.h"
#include "fake_continuation.h"
#include "hypercall.h"
#include "traps.h"

struct cpu_regs *guest_regs(void) { abort(); }
void toggle_guest_mode(struct vcpu *v)
{
    (void)v;
    abort();
}
void domain_crash(struct domain *d, const char *why)
{
    (void)d;
    (void)why;
    abort();
}
long physdev_irq_op(uint64_t cmd, uint64_t arg)
{
    (void)cmd;
    (void)arg;
    abort();
}

static struct vcpu vcpus[3];
static struct trap_bounce_entry tables[3][256];
static struct vcpu *new_vcpu(void)
{
    static unsigned n;
    vcpus[n].arch.traps = tables[n];
    return &vcpus[n++];
}

#define TAG(t, i) (0x100000UL * (t) + 0x1000 + (i)*16)
#define ROUNDS    20000

struct worker {
    struct vcpu *v;
    unsigned tag;
    unsigned bad;
    long rc;
};

static void *hammer(void *arg)
{
    struct worker *w = arg;
    struct trap_info list[9] = { { 0 } };
    fake_current = w->v;
    for (unsigned r = 0; r < ROUNDS; r++) {
        for (unsigned i = 0; i < 8; i++)
            list[i] = (struct trap_info){ (uint8_t)(0x40 + i), 0, 0xe033, TAG(w->tag, (i + r) % 8) };
        long rc = do_set_trap_table((uint64_t)list, 0, 0, 0, 0);
        if (rc) w->rc = rc;
        for (unsigned i = 0; i < 256; i++) {
            uint64_t a = w->v->arch.traps[i].address;
            if (a && (a < TAG(w->tag, 0) || a > TAG(w->tag, 7))) w->bad++;
        }
    }
    return NULL;
}

int main(void)
{
    unit_begin();
    fake_kernel_reset();
    fake_guest_reset();
    fake_guest_any = true;
    copy_to_fail = 1;
    struct vcpu *v = new_vcpu();
    fake_current = v;
    struct trap_info list[4] = {
        { 3, 3, 0xe030, 0x1000 },
        { 14, 0, 0xe030, 0x2000 },
        { 0 },
    };
    CHECK(do_set_trap_table((uint64_t)list, 0, 0, 0, 0) == 0, "set_trap_table of two entries = 0");
    CHECK(v->arch.traps[3].address == 0x1000 && v->arch.traps[3].cs == 0xe033 && v->arch.traps[3].flags == 3,
          "entry 3 stored, CS RPL forced to 3");
    list[0] = (struct trap_info){ 3, 0, 0xe030, 0x3000 };
    list[1] = (struct trap_info){ 14, 0, 0xe030, 0x0000800000000000UL };
    CHECK(do_set_trap_table((uint64_t)list, 0, 0, 0, 0) == -EINVAL, "non-canonical second entry = -EINVAL");
    CHECK(v->arch.traps[3].address == 0x3000 && v->arch.traps[14].address == 0x2000,
          "entries before the bad one are updated, the bad one is not (Xen)");
    CHECK(do_set_trap_table(16, 0, 0, 0, 0) == -EFAULT, "unreadable list = -EFAULT");
    /* No bound on the list's length: after any entry, when preemption is due, the
     * call continues with the list at the next entry (Xen's "h" continuation). */
    struct trap_info *big = calloc(11, sizeof(*big));
    for (unsigned i = 0; i < 10; i++)
        big[i] = (struct trap_info){ (uint8_t)(40 + i), 0, 0xe030, 0x5000 + i };
    fake_preempt(2);
    CHECK(do_set_trap_table((uint64_t)big, 0, 0, 0, 0) == __HYPERVISOR_set_trap_table,
          "long list preempted after its third entry: continued");
    CHECK(fake_cont.n == 1 && fake_cont.args[0] == (uint64_t)&big[3],
          "... with the list at the fourth entry");
    CHECK(v->arch.traps[42].address == 0x5002 && v->arch.traps[43].address == 0,
          "... three entries installed, the fourth not yet");
    fake_preempt(-1);
    CHECK(do_set_trap_table((uint64_t)&big[3], 0, 0, 0, 0) == 0, "the continued call finishes = 0");
    CHECK(v->arch.traps[49].address == 0x5009, "... the last entry installed");
    free(big);
    CHECK(do_set_trap_table(0, 0, 0, 0, 0) == 0, "NULL list = 0");
    unsigned left = 0;
    for (unsigned i = 0; i < 256; i++)
        left += v->arch.traps[i].address != 0;
    CHECK(left == 0, "NULL list clears every entry");

    struct worker w[2] = { { new_vcpu(), 1, 0, 0 }, { new_vcpu(), 2, 0, 0 } };
    pthread_t t[2];
    for (unsigned i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, hammer, &w[i]);
    for (unsigned i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    CHECK(w[0].rc == 0 && w[1].rc == 0, "two vCPUs x 20000 concurrent updates all return 0");
    CHECK(w[0].bad == 0, "vCPU A's table never held vCPU B's handlers");
    CHECK(w[1].bad == 0, "vCPU B's table never held vCPU A's handlers");
    return unit_end();
}
