/* Privileged instructions the guest kernel executes, emulated by policy on #GP
 * (and the forced-emulation CPUID on #UD): CPUID with the Xen leaves, a safe
 * list of MSRs, control and debug registers, cache flushes, port I/O.
 * Everything else is bounced to the guest as #GP. */
#include "lib.h"
#include "arch.h"
#include "domain.h"
#include "traps.h"
#include "guest_access.h"
#include "sched.h"
#include "ioport.h"
#include "debugreg.h"
#include "pci.h"

#define XEN_CPUID_BASE 0x40000000u
#define PAT_XEN        0x0000050100070406UL

/* Features a PV guest must not see (the core owns them or they need ring 0). */
#define L1_ECX_HIDE                                                                                          \
    ((1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) | (1u << 12) | (1u << 15) |       \
     (1u << 17) | (1u << 18) | (1u << 21) | (1u << 24) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 29))
#define L1_EDX_HIDE                                                                                          \
    ((1u << 1) | (1u << 2) | (1u << 3) | (1u << 7) | (1u << 9) | (1u << 12) | (1u << 13) | (1u << 14) |      \
     (1u << 17) | (1u << 18) | (1u << 21) | (1u << 22) | (1u << 27) | (1u << 29) | (1u << 31))
#define L7_EBX_KEEP ((1u << 3) | (1u << 8) | (1u << 9) | (1u << 19) | (1u << 23) | (1u << 24) | (1u << 29))
#define E1_EDX_HIDE ((1u << 26) | (1u << 27))
#define E1_ECX_HIDE ((1u << 2) | (1u << 3))

void guest_cpuid(uint32_t leaf, uint32_t sub, uint32_t o[4])
{
    if ((leaf & 0xffff0000u) == XEN_CPUID_BASE) {
        o[0] = o[1] = o[2] = o[3] = 0;
        switch (leaf) {
        case XEN_CPUID_BASE:
            o[0] = XEN_CPUID_BASE + 5;
            o[1] = 0x566e6558;
            o[2] = 0x65584d4d;
            o[3] = 0x4d4d566e; /* "XenVMMXenVMM" */
            break;
        case XEN_CPUID_BASE + 1:
            o[0] = (4u << 16) | 17;
            break;
        case XEN_CPUID_BASE + 2:
            o[0] = 1;              /* hypercall pages */
            o[1] = XEN_CPUID_BASE; /* MSR base */
            o[2] = 1;              /* XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD */
            break;
        }
        return;
    }
    cpuid_count(leaf, sub, &o[0], &o[1], &o[2], &o[3]);
    switch (leaf) {
    case 1:
        o[2] = (o[2] & ~L1_ECX_HIDE) | (1u << 31); /* hypervisor present */
        o[3] &= ~L1_EDX_HIDE;
        break;
    case 5:
    case 6:
    case 0xd:
    case 0xf:
    case 0x10:
    case 0x12:
    case 0x14:
        o[0] = o[1] = o[2] = o[3] = 0;
        break;
    case 7:
        if (sub == 0) {
            o[0] = 0;
            o[1] &= L7_EBX_KEEP;
        } else {
            o[0] = o[1] = 0;
        }
        o[2] = o[3] = 0;
        break;
    case 0x80000001:
        o[2] &= ~E1_ECX_HIDE;
        o[3] &= ~E1_EDX_HIDE;
        break;
    }
}

static void do_cpuid(struct cpu_regs *r)
{
    uint32_t o[4];
    guest_cpuid((uint32_t)r->rax, (uint32_t)r->rcx, o);
    r->rax = o[0];
    r->rbx = o[1];
    r->rcx = o[2];
    r->rdx = o[3];
}

/* QEMU 7.2's TCG pops the frame of an iretq or lretq executed at CPL 3 with
 * supervisor (implicit) accesses, so with CR4.SMAP on the pops fault on the
 * guest's own (user) stack: a #PF from guest mode without the U bit, on the frame
 * itself, which hardware never raises for a PV guest (its descriptor tables are in
 * supervisor pages).  Linux executes such an iretq in sync_core().  Do what the
 * hardware would, for returns whose selectors are sure to load: CS the one the
 * guest runs on or FLAT_RING3_CS64, SS (iretq) the current one or FLAT_RING3_SS64;
 * canonical RIP/RSP; RFLAGS as CPL 3 may change it (not IF, IOPL).  (The bytes
 * 48 cf / 48 cb faulting on the stack mean 64-bit mode: in compat mode 48 is an
 * instruction of its own.)  Anything else is left to fault as it did. */
static bool canonical_va(uint64_t a) { return (uint64_t)(((int64_t)a << 16) >> 16) == a; }

HOT_PATH bool emulate_smap_iret_quirk(struct vcpu *v, struct cpu_regs *r, uint64_t addr, uint32_t pf_error)
{
    const uint64_t cpl3_flags = 0x254dd5; /* CF PF AF ZF SF TF DF OF NT RF AC ID */
    uint8_t b[2];
    uint64_t f[5]; /* rip cs [rflags rsp ss] */
    if (!smap_active || (pf_error & 4) || copy_from_guest(b, r->rip, 2) || b[0] != 0x48 ||
        (b[1] != 0xcf && b[1] != 0xcb))
        return false;
    bool iret = b[1] == 0xcf;
    size_t len = iret ? 40 : 16;
    if (addr - r->rsp >= len || copy_from_guest(f, r->rsp, len)) return false;
    if (!canonical_va(f[0]) || (f[1] != r->cs && f[1] != FLAT_KERNEL_CS)) return false;
    if (iret && (!canonical_va(f[3]) || (f[4] != r->ss && f[4] != FLAT_KERNEL_SS))) return false;
    r->rip = f[0];
    r->cs = f[1];
    if (iret) {
        r->rflags = (r->rflags & ~cpl3_flags) | (f[2] & cpl3_flags);
        r->rsp = f[3];
        r->ss = f[4];
    } else {
        r->rsp += 16;
    }
    return true;
}

/* ud2; .ascii "xen"; cpuid */
bool emulate_forced_cpuid(struct vcpu *v, struct cpu_regs *r)
{
    static const uint8_t sig[7] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };
    uint8_t b[7];
    if (copy_from_guest(b, r->rip, sizeof(b)) || memcmp(b, sig, sizeof(b))) return false;
    do_cpuid(r);
    r->rip += sizeof(sig);
    emulated_insn_done(v, r, 0);
    return true;
}

static bool read_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    switch (msr) {
    case MSR_FS_BASE:
        *val = rdmsr(MSR_FS_BASE);
        return true;
    case MSR_GS_BASE:
        *val = rdmsr(MSR_KERNEL_GS_BASE);
        return true; /* active guest base */
    case MSR_KERNEL_GS_BASE:
        *val = v->arch.kernel_mode ? v->arch.gs_base_user : v->arch.gs_base_kernel;
        return true;
    case MSR_PAT:
        *val = PAT_XEN;
        return true;
    case MSR_UCODE_REV:
        *val = 0;
        return true;
    case MSR_EFER:
        *val = rdmsr(MSR_EFER);
        return true;
    case MSR_MISC_ENABLE:
        *val = (1u << 11) | (1u << 12);
        return true; /* BTS/PEBS unavailable */
    case 0x10:
        *val = rdtsc();
        return true; /* TSC */
    default:
        /* Like Xen: a guest with no #GP handler yet reads unknown MSRs as 0. */
        if (!v->arch.traps[13].address) {
            *val = 0;
            return true;
        }
        return false;
    }
}

static bool write_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    bool canon = (uint64_t)(((int64_t)val << 16) >> 16) == val;
    switch (msr) {
    case MSR_FS_BASE:
        if (!canon) return false;
        wrmsr(MSR_FS_BASE, val);
        return true;
    case MSR_GS_BASE:
        if (!canon) return false;
        wrmsr(MSR_KERNEL_GS_BASE, val);
        return true;
    case MSR_KERNEL_GS_BASE:
        if (!canon) return false;
        if (v->arch.kernel_mode)
            v->arch.gs_base_user = val;
        else
            v->arch.gs_base_kernel = val;
        return true;
    case MSR_UCODE_REV:
        return true;
    case MSR_PAT:
        return val == PAT_XEN;
    case MSR_EFER:
        return val == rdmsr(MSR_EFER);
    default:
        return false;
    }
}

static uint64_t *gpr(struct cpu_regs *r, unsigned n)
{
    uint64_t *map[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
                          &r->r8,  &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15 };
    return map[n & 15];
}

static bool mov_cr(struct vcpu *v, struct cpu_regs *r, bool to_cr, unsigned cr, uint64_t *reg)
{
    if (!to_cr) {
        switch (cr) {
        case 0:
            *reg = (read_cr0() & ~CR0_TS) | (v->arch.fpu_ts ? CR0_TS : 0);
            return true;
        case 2:
            *reg = v->arch.cr2;
            return true;
        case 3:
            *reg = (v->arch.kernel_mode ? v->arch.guest_table : v->arch.guest_table_user) << PAGE_SHIFT;
            return true;
        case 4:
            *reg = v->arch.vcr4;
            return true;
        }
        return false;
    }
    switch (cr) {
    case 0:
        if ((*reg ^ read_cr0()) & ~(uint64_t)CR0_TS) return false; /* only TS may change */
        v->arch.fpu_ts = *reg & CR0_TS;
        write_cr0(v->arch.fpu_ts ? read_cr0() | CR0_TS : read_cr0() & ~CR0_TS);
        return true;
    case 4:
        v->arch.vcr4 = *reg & (CR4_TSD | CR4_DE | CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT);
        return true;
    }
    return false;
}

/* Port I/O as Xen does it: the virtual IOPL decides whether the instruction is
 * allowed at all (#GP otherwise; the guest kernel counts as ring 1); then ports
 * delegated to a CAP_IO domain are really accessed, others read as all ones and
 * swallow writes. */
/* Xen's iopl_ok: the guest kernel counts as ring 1, or as ring 0 with the
 * architectural_iopl assist; guest user mode as ring 3. */
static bool iopl_ok(const struct vcpu *v)
{
    unsigned cpl = !v->arch.kernel_mode                                               ? 3
                   : (v->domain->vm_assist & (1UL << VMASST_TYPE_architectural_iopl)) ? 0
                                                                                      : 1;
    return v->arch.iopl >= cpl;
}

/* The IOPL field of RFLAGS in bounce frames: the virtual IOPL with the
 * architectural_iopl assist, else 0 (Xen). */
HOT_PATH uint64_t arch_iopl_flags(const struct vcpu *v)
{
    bool arch = v->domain->vm_assist & (1UL << VMASST_TYPE_architectural_iopl);
    return arch ? (uint64_t)v->arch.iopl << 12 : 0;
}

static bool port_io(struct vcpu *v, struct cpu_regs *r, uint8_t op, unsigned opsz, unsigned prefixes,
                    unsigned *bpmatch)
{
    if (!iopl_ok(v)) return false;
    bool in = op == 0xe4 || op == 0xe5 || op == 0xec || op == 0xed;
    unsigned size = (op & 1) ? opsz : 1;
    uint16_t port = (op == 0xe4 || op == 0xe5 || op == 0xe6 || op == 0xe7) ? 0 : (uint16_t)r->rdx;
    if (op <= 0xe7) {
        uint8_t imm;
        if (copy_from_guest(&imm, r->rip + prefixes + 1, 1)) return false;
        port = imm;
    }
    *bpmatch = io_breakpoint_match(v, port, size);
    bool real = ioport_permitted(v->domain, port, size);
    uint64_t mask = size == 1 ? 0xff : size == 2 ? 0xffff : 0xffffffff;
    uint32_t cfg = (uint32_t)r->rax;
    if (pci_port_io(v->domain, port, size, in, &cfg)) { /* PCI config: filtered, never real */
        if (in) r->rax = size == 4 ? cfg : (r->rax & ~mask) | (cfg & mask);
    } else if (in) {
        uint64_t val = mask;
        if (real) val = size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
        r->rax = size == 4 ? val : (r->rax & ~mask) | val;
    } else if (real) {
        if (size == 1)
            outb(port, (uint8_t)r->rax);
        else if (size == 2)
            outw(port, (uint16_t)r->rax);
        else
            outl(port, (uint32_t)r->rax);
    }
    return true;
}

static bool emulate_op(struct vcpu *v, struct cpu_regs *r, unsigned *bpmatch)
{
    uint8_t b[16];
    unsigned i = 0, opsz = 4;
    uint8_t rex = 0;
    if (copy_from_guest(b, r->rip, sizeof(b))) return false;
    for (; i < 4; i++) {
        if (b[i] == 0x66)
            opsz = 2;
        else if ((b[i] & 0xf0) == 0x40)
            rex = b[i];
        else
            break;
    }
    uint8_t op = b[i];
    if (op == 0xe4 || op == 0xe5 || op == 0xe6 || op == 0xe7) {
        if (!port_io(v, r, op, opsz, i, bpmatch)) return false; /* the port byte follows op */
        r->rip += i + 2;
        return true;
    }
    if (op == 0xec || op == 0xed || op == 0xee || op == 0xef) {
        if (!port_io(v, r, op, opsz, i, bpmatch)) return false;
        r->rip += i + 1;
        return true;
    }
    if ((op == 0xfa || op == 0xfb) && iopl_ok(v)) {
        r->rip += i + 1; /* cli/sti: no-ops when the virtual IOPL allows, as Xen */
        return true;
    }
    if (op != 0x0f || !v->arch.kernel_mode) return false;
    uint8_t op2 = b[i + 1];
    uint8_t modrm = b[i + 2];
    switch (op2) {
    case 0x30: { /* wrmsr */
        if (!write_msr(v, (uint32_t)r->rcx, (r->rdx << 32) | (uint32_t)r->rax)) return false;
        r->rip += i + 2;
        return true;
    }
    case 0x32: { /* rdmsr */
        uint64_t val;
        if (!read_msr(v, (uint32_t)r->rcx, &val)) return false;
        r->rax = (uint32_t)val;
        r->rdx = val >> 32;
        r->rip += i + 2;
        return true;
    }
    case 0xa2: /* cpuid (with CPUID faulting) */
        do_cpuid(r);
        r->rip += i + 2;
        return true;
    case 0x06: /* clts */
        v->arch.fpu_ts = false;
        write_cr0(read_cr0() & ~CR0_TS);
        r->rip += i + 2;
        return true;
    case 0x08:
    case 0x09: /* invd, wbinvd: ignored */
        r->rip += i + 2;
        return true;
    case 0x20:
    case 0x22: { /* mov cr, reg / mov reg, cr */
        if ((modrm >> 6) != 3) return false;
        unsigned cr = ((modrm >> 3) & 7) | (rex & 4 ? 8 : 0);
        uint64_t *reg = gpr(r, (modrm & 7) | (rex & 1 ? 8 : 0));
        if (!mov_cr(v, r, op2 == 0x22, cr, reg)) return false;
        r->rip += i + 3;
        return true;
    }
    case 0x21:
    case 0x23: { /* mov dr, reg / mov reg, dr */
        if ((modrm >> 6) != 3) return false;
        unsigned dr = ((modrm >> 3) & 7) | (rex & 4 ? 8 : 0);
        uint64_t *reg = gpr(r, (modrm & 7) | (rex & 1 ? 8 : 0));
        int rc = op2 == 0x21 ? get_debugreg(v, dr, reg) : set_debugreg(v, dr, *reg);
        if (rc == -ENODEV) {
            bounce_exception(v, r, 6, false, 0); /* Xen: #UD, other refusals #GP */
            *bpmatch = ~0u;
            return true;
        }
        if (rc) return false;
        r->rip += i + 3;
        return true;
    }
    }
    return false;
}

/* On #GP(0) from the guest: emulate what Xen emulates; false bounces the #GP. */
bool emulate_privileged_op(struct vcpu *v, struct cpu_regs *r)
{
    unsigned bpmatch = 0;
    if (!emulate_op(v, r, &bpmatch)) return false;
    if (bpmatch != ~0u) /* not when an exception was raised instead */
        emulated_insn_done(v, r, bpmatch);
    return true;
}
