/* Exceptions and interrupts: who gets them.  Faults in the hypervisor are fixed up
 * through the exception table or panic; faults from the guest are emulated
 * (privileged instructions, forced CPUID, page-table writes) or bounced to the
 * guest kernel with Xen's frame layout. */
#include "lib.h"
#include "arch.h"
#include "domain.h"
#include "traps.h"
#include "percpu.h"
#include "flush.h"
#include "sched.h"
#include "guest_access.h"
#include "hypercall.h"
#include "debugreg.h"
#include "layout.h"
#include "pt.h"
#include "apic.h"

#define PFEC_PRESENT 1u
#define PFEC_WRITE   2u
#define PFEC_USER    4u
#define PFEC_RSVD    8u
#define PFEC_INSN    16u

struct ex_entry {
    uint64_t insn, fixup;
};
extern const struct ex_entry __ex_table_start[], __ex_table_end[];

HOT_PATH struct cpu_regs *guest_regs(void)
{
    return (struct cpu_regs *)(this_cpu()->stack_top - sizeof(struct cpu_regs));
}

static bool fixup_exception(struct cpu_regs *r)
{
    for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++)
        if (e->insn == r->rip) {
            r->rip = e->fixup;
            return true;
        }
    return false;
}

extern char guest_iretq[], guest_iretq_retry[];
static bool ldt_fault(struct vcpu *v, struct cpu_regs *r, uint64_t addr);

static void hypervisor_fault(struct cpu_regs *r)
{
    if (r->vector == 14 && ldt_fault(current, r, read_cr2())) {
        if (r->rip == (uint64_t)guest_iretq)
            r->rip = (uint64_t)guest_iretq_retry; /* back onto the guest's GS base */
        return;
    }
    if (r->rip == (uint64_t)guest_iretq) {
        /* The guest's frame was refused: iret_fault() gives this fault to the guest. */
        this_cpu()->exit_fault_vector = r->vector;
        this_cpu()->exit_fault_error = r->error_code;
    }
    if (r->vector < 32 && fixup_exception(r)) return;
    panic("hypervisor fault: vector %lu error %lx rip %lx cr2 %lx rsp %lx", r->vector, r->error_code, r->rip,
          read_cr2(), r->rsp);
}

HOT_PATH void toggle_guest_mode(struct vcpu *v)
{
    uint64_t active = rdmsr(MSR_KERNEL_GS_BASE); /* guest's live GS base while we run */
    if (v->arch.kernel_mode) {
        v->arch.gs_base_kernel = active;
        wrmsr(MSR_KERNEL_GS_BASE, v->arch.gs_base_user);
    } else {
        v->arch.gs_base_user = active;
        wrmsr(MSR_KERNEL_GS_BASE, v->arch.gs_base_kernel);
    }
    v->arch.kernel_mode = !v->arch.kernel_mode;
    arch_load_guest_cr3(v);
}

HOT_PATH void create_bounce_frame(struct vcpu *v, struct cpu_regs *r, uint64_t target, bool has_err,
                                  uint64_t err, bool mask_events)
{
    struct vcpu_info *vi = v->vcpu_info;
    uint8_t saved_mask = vi->evtchn_upcall_mask;
    bool from_user = !v->arch.kernel_mode;
    uint64_t cs = r->cs;

    if (from_user)
        toggle_guest_mode(v);
    else
        cs &= ~3UL; /* the guest kernel sees itself as ring 0 */
    uint64_t sp = (from_user ? v->arch.kernel_sp : r->rsp) & ~0xfUL;
    uint64_t rflags = (r->rflags & ~(X86_EFLAGS_IF | X86_EFLAGS_IOPL)) | (saved_mask ? 0 : X86_EFLAGS_IF) |
                      arch_iopl_flags(v);
    uint64_t frame[8];
    unsigned n = 0;
    frame[n++] = r->rcx;
    frame[n++] = r->r11;
    if (has_err) frame[n++] = err;
    frame[n++] = r->rip;
    frame[n++] = cs | ((uint64_t)saved_mask << 32);
    frame[n++] = rflags;
    frame[n++] = r->rsp;
    frame[n++] = r->ss;
    sp -= n * 8;
    if (!target || copy_to_guest(sp, frame, n * 8)) {
        domain_crash(v->domain, !target ? "no handler for a bounced trap" : "bad guest kernel stack");
        return;
    }
    r->rsp = sp;
    r->rip = target;
    r->cs = FLAT_KERNEL_CS;
    r->ss = FLAT_KERNEL_SS;
    r->rflags = (r->rflags & ~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM | X86_EFLAGS_AC |
                               X86_EFLAGS_IOPL)) |
                X86_EFLAGS_IF;
    if (mask_events) vi->evtchn_upcall_mask = 1;
}

HOT_PATH void bounce_exception(struct vcpu *v, struct cpu_regs *r, unsigned vec, bool has_err, uint64_t err)
{
    struct trap_bounce_entry *t = &v->arch.traps[vec];
    if (!t->address) {
        printk("tessera: d%u: unhandled trap %u at %lx (error %lx)\n", v->domain->id, vec, r->rip, err);
        domain_crash(v->domain, "unhandled trap");
        return;
    }
    create_bounce_frame(v, r, t->address, has_err, err, t->flags & 4);
}

static bool permit_softint(struct vcpu *v, unsigned vec)
{
    unsigned dpl = v->arch.traps[vec].flags & 3;
    return v->arch.traps[vec].address && dpl >= (v->arch.kernel_mode ? 1u : 3u);
}

HOT_PATH static void bounce_page_fault(struct vcpu *v, struct cpu_regs *r, uint64_t addr, uint32_t ec)
{
    ec = v->arch.kernel_mode ? (ec & ~PFEC_USER) : (ec | PFEC_USER);
    v->arch.cr2 = addr;
    v->vcpu_info->arch.cr2 = addr;
    bounce_exception(v, r, 14, true, ec);
}

/* A descriptor access through this pCPU's LDT window found its page unmapped
 * (Xen's handle_ldt_mapping_fault): map the guest's LDT page and retry; if it
 * cannot be, a guest access gets #GP(selector) where the LDT runs non-canonical
 * and otherwise the #PF at the LDT's linear address; a hypervisor access (a
 * selector load on its behalf) is left to the exception table. */
HOT_PATH static bool ldt_fault(struct vcpu *v, struct cpu_regs *r, uint64_t addr)
{
    uint64_t off = addr - LDT_WINDOW(this_cpu()->cpu_id);
    if (!v || off >= LDT_WINDOW_SIZE || (r->error_code & (PFEC_USER | PFEC_RSVD))) return false;
    if (ldt_map_page(v, off)) return true;
    if (!(r->cs & 3)) return false;
    uint64_t la = v->arch.ldt_base + off;
    if (!is_canonical(la))
        bounce_exception(v, r, 13, true, (off & ~3UL) | 4);
    else
        bounce_page_fault(v, r, la, (uint32_t)r->error_code);
    return true;
}

HOT_PATH static void do_page_fault(struct vcpu *v, struct cpu_regs *r)
{
    uint64_t addr = read_cr2();
    uint32_t ec = (uint32_t)r->error_code;
    /* Cheap tests first: almost no fault is in a descriptor-table window, and
     * the SMAP quirk is a fault without the user bit. */
    if (addr - GDT_WINDOW_START < GDT_WINDOW(NR_CPUS) - GDT_WINDOW_START && ldt_fault(v, r, addr)) return;
    if (!(ec & PFEC_USER) && emulate_smap_iret_quirk(v, r, addr, ec)) return;
    if (v->arch.kernel_mode &&
        (ec & (PFEC_PRESENT | PFEC_WRITE | PFEC_RSVD | PFEC_INSN)) == (PFEC_PRESENT | PFEC_WRITE) &&
        ptwr_do_page_fault(r, addr))
        return;
    bounce_page_fault(v, r, addr, ec);
}

/* The vector of an `int $n` that hit a DPL-0 gate: the error code names it
 * (n*8+2), except under QEMU's TCG (n*16+2), so it is read from the `cd ib`
 * at RIP when that names the vector either way. */
static unsigned softint_vector(struct cpu_regs *r)
{
    uint8_t insn[2];
    unsigned vec = (unsigned)(r->error_code >> 3) & 0xff;
    if (!copy_from_guest(insn, r->rip, 2) && insn[0] == 0xcd &&
        (r->error_code >> 4 == insn[1] || r->error_code >> 3 == insn[1]))
        vec = insn[1];
    r->error_code = vec * 8 + 2;
    return vec;
}

static void do_general_protection(struct vcpu *v, struct cpu_regs *r)
{
    if (r->error_code == 0 && emulate_privileged_op(v, r)) return;
    if ((r->error_code & 3) == 2) { /* int $n through a DPL-0 IDT gate */
        unsigned vec = softint_vector(r);
        if (permit_softint(v, vec)) {
            r->rip += 2;
            bounce_exception(v, r, vec, false, 0);
            return;
        }
    }
    bounce_exception(v, r, 13, true, r->error_code);
}

static bool has_error_code(unsigned vec)
{
    return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21;
}

HOT_PATH void trap_dispatch(struct cpu_regs *r)
{
    if (!(r->cs & 3)) {
        if (r->vector >= 32) {
            irq_dispatch((unsigned)r->vector);
            return;
        }
        hypervisor_fault(r);
        return;
    }
    struct vcpu *v = current;
    unsigned vec = (unsigned)r->vector;
    switch (vec) {
    case 14:
        do_page_fault(v, r);
        break;
    case 13:
        do_general_protection(v, r);
        break;
    case 6:
        if (!emulate_forced_cpuid(v, r)) bounce_exception(v, r, 6, false, 0);
        break;
    case 7:
        /* The guest's virtual TS caused it: clear it, as Xen does, and let the
         * guest's handler restore its state (then FPU use runs untrapped). */
        if (v->arch.fpu_ts) {
            v->arch.fpu_ts = false;
            write_cr0(read_cr0() & ~CR0_TS);
        }
        bounce_exception(v, r, 7, false, 0);
        break;
    case 2:
        break; /* NMI: nothing to do */
    case 8:
    case 18:
        panic("machine check / double fault from guest at %lx", r->rip);
    case 1:
        do_debug(v, r);
        break;
    case 0x80:
        if (permit_softint(v, vec))
            bounce_exception(v, r, vec, false, 0);
        else {
            r->rip -= 2;
            bounce_exception(v, r, 13, true, (0x80 << 3) | 2);
        }
        break;
    default:
        if (vec < 32)
            bounce_exception(v, r, vec, has_error_code(vec), r->error_code);
        else
            irq_dispatch(vec);
    }
    exit_to_guest(current, r);
}

/* The exit iretq refused the guest's frame (a bad selector, a non-canonical RIP,
 * an LDT page that cannot be mapped): as on Xen, the fault is the guest's own,
 * taken at the frame it tried to return to.  r is that frame (entry.S). */
void iret_fault(struct cpu_regs *r);
void iret_fault(struct cpu_regs *r)
{
    r->vector = this_cpu()->exit_fault_vector;
    r->error_code = this_cpu()->exit_fault_error;
    if (!(r->cs & 3) || r->vector == 2 || r->vector == 8 || r->vector == 18) {
        r->cs = FLAT_KERNEL_CS;
        r->ss = FLAT_KERNEL_SS;
        domain_crash(current->domain, "bad return frame");
        exit_to_guest(current, r);
        return;
    }
    trap_dispatch(r);
}

/* syscall from the guest: a hypercall from guest kernel mode, a system call
 * (bounced to the registered callback) from guest user mode. */
void syscall_dispatch(struct cpu_regs *r);
HOT_PATH void syscall_dispatch(struct cpu_regs *r)
{
    struct vcpu *v = current;
    if (r->vector == VEC_SYSCALL && v->arch.kernel_mode) {
        hypercall_dispatch(r);
    } else {
        bool compat = r->vector != VEC_SYSCALL;
        uint64_t cb = compat ? v->arch.syscall32_callback : v->arch.syscall_callback;
        bool mask = compat ? v->arch.syscall32_mask_events : v->arch.syscall_mask_events;
        r->rflags &= ~X86_EFLAGS_DF;
        if (cb)
            create_bounce_frame(v, r, cb, false, 0, mask);
        else
            bounce_exception(v, r, 6, false, 0); /* no callback: #UD like Xen */
    }
    exit_to_guest(current, r);
}
