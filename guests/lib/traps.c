/* Trap table, bounce-frame decoding and recovery for the conformance guests. */
#include "lib.h"

volatile struct trap_info_rec last_trap;
volatile unsigned event_upcalls;
void (*upcall_hook)(struct pv_regs *r);
bool (*trap_hook)(struct pv_regs *r);

struct extable {
    uint64_t start, end;
};
extern const struct extable __extable_start[], __extable_end[];

trap_info_t trap_table[] = {
    PV_TRAPS_STD(0),
    PV_TRAP(0x81, 0, 0),
    PV_TRAP(0x85, 3, 4),
    { 0, 0, 0, 0 },
};

void traps_init(void)
{
    long rc = HYPERVISOR_set_trap_table(trap_table);
    if (rc) {
        printf("FAIL - set_trap_table at boot (%ld)\n", rc);
        checks_failed++;
        guest_exit();
    }
    rc = pv_register_callbacks();
    if (rc) {
        printf("FAIL - callback_op register at boot (%ld)\n", rc);
        checks_failed++;
    }
}

static void decode(struct pv_regs *r)
{
    uint64_t *f = r->frame;
    unsigned i = 2;
    last_trap.vector = r->vector;
    last_trap.has_ec = r->has_ec;
    last_trap.rcx = f[0];
    last_trap.r11 = f[1];
    last_trap.ec = 0;
    if (r->has_ec) last_trap.ec = f[i++];
    last_trap.rip = f[i];
    last_trap.cs = f[i + 1];
    last_trap.rflags = f[i + 2];
    last_trap.rsp = f[i + 3];
    last_trap.ss = f[i + 4];
    last_trap.frame_addr = (uint64_t)f;
    last_trap.cr2 = vcpu0->arch.cr2;
    last_trap.mask_in_handler = vcpu0->evtchn_upcall_mask;
    last_trap.rax = r->rax;
    last_trap.count++;
}

void trap_dispatch(struct pv_regs *r)
{
    if (r->vector == 0x102) { /* event upcall: record it and ack */
        decode(r);
        event_upcalls++;
        vcpu0->evtchn_upcall_pending = 0;
        if (upcall_hook) upcall_hook(r);
        return;
    }
    if (r->vector == 0x101) { /* failsafe: frame shape differs */
        printf("FAIL - failsafe callback: ds %lx es %lx fs %lx gs %lx rip %lx\n", (unsigned long)r->frame[2],
               (unsigned long)r->frame[3], (unsigned long)r->frame[4], (unsigned long)r->frame[5],
               (unsigned long)r->frame[6]);
        checks_failed++;
        guest_exit();
    }
    decode(r);
    if (trap_hook && trap_hook(r)) return;
    uint64_t rip = *reg_rip(r);
    for (const struct extable *e = __extable_start; e < __extable_end; e++) {
        if (rip >= e->start && rip <= e->end) {
            last_trap.ex_start = e->start;
            last_trap.ex_end = e->end;
            *reg_rip(r) = e->end;
            return;
        }
    }
    printf("FAIL - unexpected trap: vector 0x%lx ec 0x%lx rip 0x%lx cs 0x%lx rflags 0x%lx rsp 0x%lx "
           "cr2 0x%lx\n",
           (unsigned long)r->vector, (unsigned long)last_trap.ec, (unsigned long)rip,
           (unsigned long)last_trap.cs, (unsigned long)last_trap.rflags, (unsigned long)last_trap.rsp,
           (unsigned long)last_trap.cr2);
    checks_failed++;
    guest_exit();
}
