/* The PV CPU's hypercalls: trap table, kernel stack, callbacks, segment bases,
 * virtual CR0.TS, I/O privilege, and the iret hypercall (debug registers: debugreg.c). */
#include "lib.h"
#include "arch.h"
#include "hypercall.h"
#include "guest_access.h"
#include "domain.h"
#include "traps.h"
#include "pci.h"
#include <xen/callback.h>
#include <xen/physdev.h>

long do_set_trap_table(uint64_t list, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct trap_bounce_entry *traps = current->arch.traps; /* this vCPU's own page */
    /* As Xen: listed vectors are updated in place as they are read (entries before
     * a bad one stay updated), the others kept; a NULL list clears the table; a
     * long list is continued after any entry when preemption is due. */
    if (!list) {
        memset(traps, 0, 256 * sizeof(*traps));
        return 0;
    }
    for (;;) {
        struct trap_info ti;
        if (copy_from_guest(&ti, list, sizeof(ti))) return -EFAULT;
        if (ti.address == 0) return 0;
        if (!is_canonical(ti.address)) return -EINVAL;
        traps[ti.vector] = (struct trap_bounce_entry){ ti.address, (uint16_t)(ti.cs | 3), ti.flags };
        list += sizeof(ti);
        if (hypercall_preempt_check()) return hypercall_continue(__HYPERVISOR_set_trap_table, 1, &list);
    }
}

long do_stack_switch(uint64_t ss, uint64_t sp, uint64_t a3, uint64_t a4, uint64_t a5)
{
    current->arch.kernel_ss = ss | 3;
    current->arch.kernel_sp = sp;
    return 0;
}

long do_set_callbacks(uint64_t event, uint64_t failsafe, uint64_t syscall, uint64_t a4, uint64_t a5)
{
    struct vcpu *v = current;
    if (!is_canonical(event) || !is_canonical(failsafe) || !is_canonical(syscall)) return -EINVAL;
    v->arch.event_callback = event;
    v->arch.failsafe_callback = failsafe;
    v->arch.syscall_callback = syscall;
    v->arch.syscall_mask_events = 0;
    return 0;
}

static long register_callback(struct vcpu *v, const struct callback_register *r)
{
    if (!is_canonical(r->address)) return -EINVAL;
    bool mask = r->flags & CALLBACKF_mask_events;
    switch (r->type) {
    case CALLBACKTYPE_event:
        v->arch.event_callback = r->address;
        return 0;
    case CALLBACKTYPE_failsafe:
        v->arch.failsafe_callback = r->address;
        return 0;
    case CALLBACKTYPE_syscall:
        v->arch.syscall_callback = r->address;
        v->arch.syscall_mask_events = mask;
        return 0;
    case CALLBACKTYPE_syscall32:
        v->arch.syscall32_callback = r->address;
        v->arch.syscall32_mask_events = mask;
        return 0;
    case CALLBACKTYPE_sysenter:
        v->arch.sysenter_callback = r->address;
        v->arch.sysenter_mask_events = mask;
        return 0;
    case CALLBACKTYPE_nmi:
        return 0; /* NMIs are never forwarded to guests */
    default:
        return -ENOSYS;
    }
}

long do_callback_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct vcpu *v = current;
    switch (cmd) {
    case CALLBACKOP_register: {
        struct callback_register r;
        if (copy_from_guest(&r, arg, sizeof(r))) return -EFAULT;
        return register_callback(v, &r);
    }
    case CALLBACKOP_unregister: {
        struct callback_unregister u;
        if (copy_from_guest(&u, arg, sizeof(u))) return -EFAULT;
        switch (u.type) {
        case CALLBACKTYPE_syscall:
            v->arch.syscall_callback = 0;
            return 0;
        case CALLBACKTYPE_syscall32:
            v->arch.syscall32_callback = 0;
            return 0;
        case CALLBACKTYPE_sysenter:
            v->arch.sysenter_callback = 0;
            return 0;
        case CALLBACKTYPE_nmi:
            return 0;
        case CALLBACKTYPE_event:
        case CALLBACKTYPE_failsafe:
            return -EINVAL; /* they stay registered */
        default:
            return -ENOSYS;
        }
    }
    default:
        return -ENOSYS;
    }
}

/* Load a user %gs selector; the user GS base becomes the descriptor's base. */
static uint64_t load_user_gs(uint16_t sel)
{
    uint64_t percpu = rdmsr(MSR_GS_BASE);
    uint32_t ok = 1;
    __asm__ volatile("1: movl %k1, %%gs\n2:\n"
                     ".pushsection .text.fixup, \"ax\"\n"
                     "3: xorl %k0, %k0\n movl %k0, %%gs\n jmp 2b\n"
                     ".popsection\n"
                     ".pushsection __ex_table, \"a\"\n .quad 1b, 3b\n .popsection"
                     : "+r"(ok)
                     : "r"((uint32_t)sel));
    uint64_t base = rdmsr(MSR_GS_BASE);
    wrmsr(MSR_GS_BASE, percpu);
    return base;
}

long do_set_segment_base(uint64_t which, uint64_t base, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct vcpu *v = current;
    switch (which) {
    case SEGBASE_FS:
        if (!is_canonical(base)) return -EINVAL;
        wrmsr(MSR_FS_BASE, base);
        return 0;
    case SEGBASE_GS_USER:
        if (!is_canonical(base)) return -EINVAL;
        v->arch.gs_base_user = base; /* inactive while the guest kernel runs */
        return 0;
    case SEGBASE_GS_KERNEL:
        if (!is_canonical(base)) return -EINVAL;
        wrmsr(MSR_KERNEL_GS_BASE, base); /* the live guest base while we run */
        return 0;
    case SEGBASE_GS_USER_SEL: {
        uint16_t sel = (uint16_t)base;
        if (sel & 0xfffc) sel |= 3;
        v->arch.gs_base_user = load_user_gs(sel);
        return 0;
    }
    default:
        return -EINVAL;
    }
}

long do_fpu_taskswitch(uint64_t set, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    current->arch.fpu_ts = set != 0;
    write_cr0(set ? read_cr0() | CR0_TS : read_cr0() & ~CR0_TS);
    return 0;
}

long do_physdev_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    if (cmd == PHYSDEVOP_set_iopl) {
        struct physdev_set_iopl s;
        if (copy_from_guest(&s, arg, sizeof(s))) return -EFAULT;
        if (s.iopl > 3) return -EINVAL;
        current->arch.iopl = s.iopl;
        return 0;
    }
    return physdev_irq_op(cmd, arg);
}

/* iret: the guest's RSP points at {rax, r11, rcx, flags, rip, cs, rflags, rsp, ss}. */
HOT_PATH long do_iret(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct vcpu *v = current;
    struct cpu_regs *r = guest_regs();
    struct iret_context c;
    if (copy_from_guest(&c, r->rsp, sizeof(c))) {
        domain_crash(v->domain, "iret: unreadable frame");
        return -EFAULT;
    }
    if ((c.cs & 3) == 3) {
        if (v->arch.guest_table_user == INVALID_MFN) {
            domain_crash(v->domain, "iret to user mode without a user page table");
            return -EFAULT;
        }
        if (v->arch.kernel_mode) toggle_guest_mode(v);
    }
    if (v->domain->vm_assist & (1UL << VMASST_TYPE_architectural_iopl))
        v->arch.iopl = (c.rflags & X86_EFLAGS_IOPL) >> 12; /* Xen: before the checks */
    /* A non-canonical RIP or RSP is not checked (Xen): the exit iretq or the guest's
     * next fetch or stack access faults, and the fault goes to the guest (traps.c). */
    r->rip = c.rip;
    r->cs = c.cs | 3;
    r->ss = c.ss | 3;
    r->rsp = c.rsp;
    r->rflags =
        (c.rflags & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM | X86_EFLAGS_NT)) | X86_EFLAGS_IF | X86_EFLAGS_MBS;
    v->vcpu_info->evtchn_upcall_mask = !(c.rflags & X86_EFLAGS_IF);
    if (!(c.flags & VGCF_in_syscall)) {
        r->rcx = c.rcx;
        r->r11 = c.r11;
    }
    return (long)c.rax;
}
