/* Guest debug registers and #DB, as Xen 4.17 does them for 64-bit PV: set/get with
 * Xen's checks, I/O breakpoints emulated under the guest's CR4.DE, the registers
 * loaded into hardware only while a vCPU has an enabled breakpoint, and #DB either
 * forwarded to the guest with its virtual DR6 or, when it hits the hypervisor
 * (a watchpoint on guest memory the core copies, a MOV SS/POP SS-delayed #DB on the
 * first instruction of an entry path), noted and ignored. */
#include "lib.h"
#include "layout.h"
#include "arch.h"
#include "domain.h"
#include "traps.h"
#include "debugreg.h"
#include "percpu.h"

#define DR6_DEFAULT 0xffff0ff0UL /* reserved bits as they read, no status */
#define DR6_KEEP    0xffffefffUL /* bit 12 and bits 32-63 read as zero */
#define DR6_BS      0x4000UL
#define DR7_KEEP    0xffff27ffUL /* bits 11, 12, 14, 15 and 32-63 read as zero */
#define DR7_ONE     0x400UL
#define DR7_GD      0x2000UL
#define DR7_ACTIVE  0xffUL /* L0-3/G0-3 */
#define DR7_RW_IO   2u

#define WRITE_DR(n, val) __asm__ volatile("mov %0, %%db" #n ::"r"((uint64_t)(val)))
#define READ_DR(n)                                                                                           \
    ({                                                                                                       \
        uint64_t _v;                                                                                         \
        __asm__ volatile("mov %%db" #n ", %0" : "=r"(_v));                                                   \
        _v;                                                                                                  \
    })

/* Xen's breakpoint_addr_ok: the lower canonical half or above the hypervisor's range. */
static bool breakpoint_addr_ok(uint64_t a) { return a < GUEST_LOW_END || a >= HV_VIRT_END; }

/* Load v's registers (v is current and has an enabled breakpoint). */
static void activate(const struct vcpu *v)
{
    const uint64_t *dr = v->arch.debugreg;
    WRITE_DR(0, dr[0]);
    WRITE_DR(1, dr[1]);
    WRITE_DR(2, dr[2]);
    WRITE_DR(3, dr[3]);
    WRITE_DR(7, dr[7]);
    this_cpu()->dr7_live = true;
}

/* No breakpoint of a leaving vCPU may fire in the hypervisor or in the next vCPU;
 * hardware DR6 goes back to its default so no status bit leaks across.  Tracked
 * per pCPU, so a vCPU of a dying domain (never saved) is covered too. */
static void deactivate(void)
{
    if (this_cpu()->dr7_live) {
        WRITE_DR(7, DR7_ONE);
        WRITE_DR(6, DR6_DEFAULT);
        this_cpu()->dr7_live = false;
    }
}

void debugreg_switch_out(const struct vcpu *v) { deactivate(); }

void debugreg_switch_in(const struct vcpu *v)
{
    deactivate();
    if (v->arch.debugreg[7] & DR7_ACTIVE) activate(v);
}

/* 0, or -ENODEV (#UD for mov), -EINVAL / -EPERM (#GP for mov), as Xen. */
int set_debugreg(struct vcpu *v, unsigned reg, uint64_t value)
{
    bool de = v->arch.vcr4 & CR4_DE;
    bool live = v == current;
    switch (reg) {
    case 0:
    case 1:
    case 2:
    case 3:
        if (!breakpoint_addr_ok(value)) return -EPERM;
        v->arch.debugreg[reg] = value;
        if (live && (v->arch.debugreg[7] & DR7_ACTIVE)) activate(v);
        return 0;
    case 4:
        if (de) return -ENODEV;
        /* DR4 aliases DR6 while CR4.DE is clear */
        /* fallthrough */
    case 6:
        if (value != (uint32_t)value) return -EINVAL;
        v->arch.debugreg[6] = (value & DR6_KEEP) | DR6_DEFAULT;
        return 0; /* hardware DR6 stays at its default; #DB merges */
    case 5:
        if (de) return -ENODEV;
        /* DR5 aliases DR7 */
        /* fallthrough */
    case 7: {
        if (value != (uint32_t)value) return -EINVAL;
        value = (value & DR7_KEEP) | DR7_ONE;
        if (value & DR7_GD) return -EPERM;
        uint32_t io = 0;
        if (value & DR7_ACTIVE) {
            /* I/O breakpoints need CR4.DE; they are emulated (port I/O always traps),
             * so their enable bits are kept aside, out of the hardware DR7. */
            for (unsigned i = 0; i < 4; i++)
                if (((value >> (16 + 4 * i)) & 3) == DR7_RW_IO) {
                    if (!de) return -EPERM;
                    io |= (uint32_t)value & (3u << (2 * i));
                }
        }
        v->arch.dr7_emul = io;
        v->arch.debugreg[7] = value & ~(uint64_t)io;
        if (live && (v->arch.debugreg[7] & DR7_ACTIVE))
            activate(v);
        else if (live)
            deactivate();
        return 0;
    }
    default:
        return -ENODEV;
    }
}

int get_debugreg(const struct vcpu *v, unsigned reg, uint64_t *value)
{
    bool de = v->arch.vcr4 & CR4_DE;
    switch (reg) {
    case 0:
    case 1:
    case 2:
    case 3:
        *value = v->arch.debugreg[reg];
        return 0;
    case 4:
    case 5:
        if (de) return -ENODEV;
        return get_debugreg(v, reg + 2, value);
    case 6:
        *value = v->arch.debugreg[6];
        return 0;
    case 7:
        *value = v->arch.debugreg[7] | v->arch.dr7_emul;
        return 0;
    default:
        return -ENODEV;
    }
}

long do_set_debugreg(uint64_t reg, uint64_t value, uint64_t a3, uint64_t a4, uint64_t a5)
{
    return reg > 7 ? -ENODEV : set_debugreg(current, (unsigned)reg, value);
}

long do_get_debugreg(uint64_t reg, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    uint64_t val;
    int rc = reg > 7 ? -ENODEV : get_debugreg(current, (unsigned)reg, &val);
    return rc ? rc : (long)val;
}

/* Xen's check_guest_io_breakpoint: the enabled emulated I/O breakpoints that an
 * access of len bytes at port overlaps, as DR6 B0-B3 bits. */
unsigned io_breakpoint_match(const struct vcpu *v, unsigned port, unsigned len)
{
    unsigned match = 0;
    if (!v->arch.dr7_emul || !(v->arch.vcr4 & CR4_DE)) return 0;
    for (unsigned i = 0; i < 4; i++) {
        if (!(v->arch.dr7_emul & (3u << (2 * i)))) continue;
        static const unsigned width[4] = { 1, 2, 8, 4 }; /* DR7 LEN encodings */
        uint64_t start = v->arch.debugreg[i];
        unsigned w = width[(v->arch.debugreg[7] >> (18 + 4 * i)) & 3];
        if (start < port + len && start + w > port) match |= 1u << i;
    }
    return match;
}

/* After an instruction the core emulated: the single step the hardware would have
 * taken, and emulated I/O breakpoints (Xen: DR6 |= status, then #DB). */
void emulated_insn_done(struct vcpu *v, struct cpu_regs *r, unsigned bpmatch)
{
    r->rflags &= ~X86_EFLAGS_RF;
    if (r->rflags & X86_EFLAGS_TF) bpmatch |= DR6_BS;
    if (!bpmatch) return;
    v->arch.debugreg[6] |= bpmatch | DR6_DEFAULT;
    bounce_exception(v, r, 1, false, 0);
}

/* #DB from guest mode: fold the hardware status into the virtual DR6 (Xen: bits that
 * left their default value are set, bit 16 follows the hardware) and forward. */
void do_debug(struct vcpu *v, struct cpu_regs *r)
{
    uint64_t dr6 = READ_DR(6);
    WRITE_DR(6, DR6_DEFAULT);
    v->arch.debugreg[6] |= dr6 & ~DR6_DEFAULT;
    v->arch.debugreg[6] &= dr6 | ~DR6_DEFAULT;
    bounce_exception(v, r, 1, false, 0);
}

/* #DB with the hypervisor interrupted (entry.S, on the #DB IST stack, with either
 * GS base, so no per-CPU data here).  Data watchpoints on guest memory the core
 * copies and MOV SS/POP SS-delayed #DBs on the first instruction of syscall_entry
 * or an interrupt stub are traps: the interrupted code resumes unharmed and the
 * guest's DR6 is left alone, as Xen does.  A breakpoint can never point at the
 * hypervisor; should an instruction breakpoint fire anyway, DR7 is cleared so
 * the fault cannot repeat forever. */
void debug_in_hypervisor(struct cpu_regs *r);
void debug_in_hypervisor(struct cpu_regs *r)
{
    static unsigned reported;
    uint64_t dr6 = READ_DR(6);
    WRITE_DR(6, DR6_DEFAULT);
    r->rflags &= ~X86_EFLAGS_TF;
    uint64_t dr7 = READ_DR(7);
    for (unsigned bp = 0; bp < 4; bp++)
        if ((dr6 & (1u << bp)) && (dr7 & (3u << (2 * bp))) && !((dr7 >> (16 + 4 * bp)) & 3)) {
            printk("tessera: instruction breakpoint hit in the hypervisor; DR7 cleared\n");
            WRITE_DR(7, DR7_ONE);
            break;
        }
    if (__atomic_fetch_add(&reported, 1, __ATOMIC_RELAXED) < 16)
        printk("tessera: #DB in the hypervisor at %lx (dr6 %lx), ignored\n", r->rip, dr6);
}
