/* Trap table, bounce-frame decoding and recovery for the conformance guests. */
#include "lib.h"

volatile struct trap_info_rec last_trap;
volatile unsigned event_upcalls;
void (*upcall_hook)(struct trap_regs *r);
bool (*trap_hook)(struct trap_regs *r);

struct extable { uint64_t start, end; };
extern const struct extable __extable_start[], __extable_end[];

#define ENT(v, dpl, fl) { (v), (dpl) | (fl), FLAT_KERNEL_CS, (unsigned long)trap_entry_##v }
trap_info_t trap_table[] = {
    ENT(0, 0, 0),  ENT(1, 0, 0),  ENT(2, 0, 0),  ENT(3, 3, 0),  ENT(4, 3, 0),  ENT(5, 0, 0),
    ENT(6, 0, 0),  ENT(7, 0, 0),  ENT(8, 0, 0),  ENT(9, 0, 0),  ENT(10, 0, 0), ENT(11, 0, 0),
    ENT(12, 0, 0), ENT(13, 0, 0), ENT(14, 0, 0), ENT(15, 0, 0), ENT(16, 0, 0), ENT(17, 0, 0),
    ENT(18, 0, 0), ENT(19, 0, 0), ENT(20, 0, 0), ENT(21, 0, 0), ENT(22, 0, 0), ENT(23, 0, 0),
    ENT(24, 0, 0), ENT(25, 0, 0), ENT(26, 0, 0), ENT(27, 0, 0), ENT(28, 0, 0), ENT(29, 0, 0),
    ENT(30, 0, 0), ENT(31, 0, 0),
    ENT(0x80, 3, 0),
    ENT(0x81, 0, 0),
    ENT(0x85, 3, 4),
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
    struct callback_register cb = {
        .type = CALLBACKTYPE_syscall, .flags = CALLBACKF_mask_events,
        .address = (unsigned long)trap_entry_0x100,
    };
    rc = HYPERVISOR_callback_op(CALLBACKOP_register, &cb);
    struct callback_register fs = {
        .type = CALLBACKTYPE_failsafe, .flags = 0,
        .address = (unsigned long)trap_entry_0x101,
    };
    long rc2 = HYPERVISOR_callback_op(CALLBACKOP_register, &fs);
    struct callback_register ev = {
        .type = CALLBACKTYPE_event, .flags = 0,
        .address = (unsigned long)trap_entry_0x102,
    };
    long rc3 = HYPERVISOR_callback_op(CALLBACKOP_register, &ev);
    if (rc || rc2 || rc3) {
        printf("FAIL - callback_op register at boot (syscall %ld, failsafe %ld, event %ld)\n",
               rc, rc2, rc3);
        checks_failed++;
    }
}

static void decode(struct trap_regs *r)
{
    uint64_t *f = r->frame;
    unsigned i = 2;
    last_trap.vector = r->vector;
    last_trap.has_ec = r->has_ec;
    last_trap.rcx = f[0];
    last_trap.r11 = f[1];
    last_trap.ec = 0;
    if (r->has_ec)
        last_trap.ec = f[i++];
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

/* Index of RIP in the frame. */
static inline uint64_t *frame_rip(struct trap_regs *r) { return &r->frame[r->has_ec ? 3 : 2]; }

void trap_dispatch(struct trap_regs *r)
{
    if (r->vector == 0x102) {           /* event upcall: record it and ack */
        decode(r);
        event_upcalls++;
        vcpu0->evtchn_upcall_pending = 0;
        if (upcall_hook)
            upcall_hook(r);
        return;
    }
    if (r->vector == 0x101) {           /* failsafe: frame shape differs */
        printf("FAIL - failsafe callback: ds %lx es %lx fs %lx gs %lx rip %lx\n",
               (unsigned long)r->frame[2], (unsigned long)r->frame[3],
               (unsigned long)r->frame[4], (unsigned long)r->frame[5],
               (unsigned long)r->frame[6]);
        checks_failed++;
        guest_exit();
    }
    decode(r);
    if (trap_hook && trap_hook(r))
        return;
    uint64_t rip = *frame_rip(r);
    for (const struct extable *e = __extable_start; e < __extable_end; e++) {
        if (rip >= e->start && rip <= e->end) {
            last_trap.ex_start = e->start;
            last_trap.ex_end = e->end;
            *frame_rip(r) = e->end;
            return;
        }
    }
    printf("FAIL - unexpected trap: vector 0x%lx ec 0x%lx rip 0x%lx cs 0x%lx rflags 0x%lx rsp 0x%lx "
           "cr2 0x%lx\n", (unsigned long)r->vector, (unsigned long)last_trap.ec,
           (unsigned long)rip, (unsigned long)last_trap.cs, (unsigned long)last_trap.rflags,
           (unsigned long)last_trap.rsp, (unsigned long)last_trap.cr2);
    checks_failed++;
    guest_exit();
}
