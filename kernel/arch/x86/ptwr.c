/* Writable-page-table emulation ("ptwr"): a guest kernel write to one of its own
 * read-only, in-use L1 tables faults; we decode the instruction (mov, xchg,
 * cmpxchg, and/or, bts/btr with a memory operand), build the new 8-byte entry,
 * validate and install it exactly like mmu_update, apply the register and flag
 * results and step over the instruction.  Linux does this on every fork,
 * munmap and page-aging pass.  Anything we do not understand goes back to the
 * guest as the #PF it was. */
#include "mm.h"
#include "pt.h"
#include "domain.h"
#include "guest_access.h"
#include "lib.h"
#include "traps.h"

#define MAX_INSN_LEN 15
#define FLAGS_ARITH  0x8D5UL /* CF PF AF ZF SF OF */
#define FL_CF        0x001UL
#define FL_PF        0x004UL
#define FL_AF        0x010UL
#define FL_ZF        0x040UL
#define FL_SF        0x080UL
#define FL_OF        0x800UL

enum op_kind { OP_MOV, OP_XCHG, OP_CMPXCHG, OP_AND, OP_OR, OP_BTS, OP_BTR };

struct insn {
    uint8_t buf[MAX_INSN_LEN];
    unsigned avail, pos;
    bool opsz16, rex, rex_w, rex_r, rex_x, rex_b;
    enum op_kind kind;
    unsigned size; /* operand size in bytes */
    unsigned reg;  /* ModRM.reg incl. REX.R: source register */
    bool src_imm;  /* source is imm rather than reg */
    uint64_t imm;
    uint64_t ea; /* effective address of the memory operand */
};

/* ---- fetching and decoding ---- */

static void fetch_insn(struct insn *in, uint64_t rip)
{
    in->avail = 0;
    if (!copy_from_guest(in->buf, rip, MAX_INSN_LEN)) {
        in->avail = MAX_INSN_LEN;
        return;
    }
    /* The instruction may end just before an unmapped page. */
    while (in->avail < MAX_INSN_LEN && !copy_from_guest(&in->buf[in->avail], rip + in->avail, 1))
        in->avail++;
}

static bool next_byte(struct insn *in, uint8_t *b)
{
    if (in->pos >= in->avail) return false;
    *b = in->buf[in->pos++];
    return true;
}

static bool next_imm(struct insn *in, unsigned bytes, uint64_t *v)
{
    uint64_t x = 0;
    uint8_t b;

    for (unsigned i = 0; i < bytes; i++) {
        if (!next_byte(in, &b)) return false;
        x |= (uint64_t)b << (8 * i);
    }
    /* Sign-extend to 64 bits; callers truncate to the operand size. */
    unsigned sh = 64 - 8 * bytes;
    *v = (uint64_t)((int64_t)(x << sh) >> sh);
    return true;
}

static uint64_t *gpr(struct cpu_regs *r, unsigned n)
{
    switch (n) {
    case 0:
        return &r->rax;
    case 1:
        return &r->rcx;
    case 2:
        return &r->rdx;
    case 3:
        return &r->rbx;
    case 4:
        return &r->rsp;
    case 5:
        return &r->rbp;
    case 6:
        return &r->rsi;
    case 7:
        return &r->rdi;
    case 8:
        return &r->r8;
    case 9:
        return &r->r9;
    case 10:
        return &r->r10;
    case 11:
        return &r->r11;
    case 12:
        return &r->r12;
    case 13:
        return &r->r13;
    case 14:
        return &r->r14;
    default:
        return &r->r15;
    }
}

static uint64_t size_mask(unsigned size) { return size == 8 ? ~0UL : (1UL << (8 * size)) - 1; }

/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
static uint64_t read_reg(struct cpu_regs *r, const struct insn *in, unsigned n)
{
    if (in->size == 1 && !in->rex && n >= 4 && n < 8) return (*gpr(r, n - 4) >> 8) & 0xff;
    return *gpr(r, n) & size_mask(in->size);
}

static void write_reg(struct cpu_regs *r, const struct insn *in, unsigned n, uint64_t v)
{
    uint64_t *p;

    if (in->size == 1 && !in->rex && n >= 4 && n < 8) {
        p = gpr(r, n - 4);
        *p = (*p & ~0xff00UL) | ((v & 0xff) << 8);
        return;
    }
    p = gpr(r, n);
    if (in->size == 4)
        *p = v & 0xffffffffUL; /* 32-bit results zero-extend */
    else
        *p = (*p & ~size_mask(in->size)) | (v & size_mask(in->size));
}

/* ModRM memory operand; RIP-relative displacements are resolved later, when
 * the instruction length is known.  Returns false for register operands. */
static bool decode_modrm(struct insn *in, struct cpu_regs *r, bool *rip_rel, unsigned *modrm_reg)
{
    uint8_t modrm, sib;
    uint64_t disp = 0;

    if (!next_byte(in, &modrm)) return false;
    unsigned mod = modrm >> 6, rm = modrm & 7;
    *modrm_reg = ((modrm >> 3) & 7) | (in->rex_r ? 8 : 0);
    *rip_rel = false;
    if (mod == 3) return false;
    in->ea = 0;
    if (rm == 4) {
        if (!next_byte(in, &sib)) return false;
        unsigned idx = ((sib >> 3) & 7) | (in->rex_x ? 8 : 0), base = sib & 7;
        if (idx != 4) in->ea += *gpr(r, idx) << (sib >> 6);
        if (base == 5 && mod == 0) {
            if (!next_imm(in, 4, &disp)) return false;
        } else {
            in->ea += *gpr(r, base | (in->rex_b ? 8 : 0));
        }
    } else if (rm == 5 && mod == 0) {
        *rip_rel = true;
        if (!next_imm(in, 4, &disp)) return false;
    } else {
        in->ea += *gpr(r, rm | (in->rex_b ? 8 : 0));
    }
    if (mod == 1 && !next_imm(in, 1, &disp)) return false;
    if (mod == 2 && !next_imm(in, 4, &disp)) return false;
    in->ea += disp;
    return true;
}

/* Opcode -> operation; group opcodes (80/81/83, C6/C7, 0F BA) use ModRM.reg. */
static bool classify(struct insn *in, unsigned opc, unsigned sub, unsigned *imm_bytes)
{
    unsigned full = in->rex_w ? 8 : in->opsz16 ? 2 : 4;
    unsigned imm_full = (in->opsz16 && !in->rex_w) ? 2 : 4; /* REX.W wins over 0x66 */

    *imm_bytes = 0;
    in->size = (opc & 1) ? full : 1; /* even opcodes are the byte forms */
    switch (opc) {
    case 0x88:
    case 0x89:
        in->kind = OP_MOV;
        return true;
    case 0x86:
    case 0x87:
        in->kind = OP_XCHG;
        return true;
    case 0x08:
    case 0x09:
        in->kind = OP_OR;
        return true;
    case 0x20:
    case 0x21:
        in->kind = OP_AND;
        return true;
    case 0x1B0:
    case 0x1B1:
        in->kind = OP_CMPXCHG;
        return true;
    case 0x1AB:
        in->kind = OP_BTS;
        in->size = full;
        return true;
    case 0x1B3:
        in->kind = OP_BTR;
        in->size = full;
        return true;
    case 0xC6:
    case 0xC7:
        in->kind = OP_MOV;
        *imm_bytes = opc == 0xC6 ? 1 : imm_full;
        return sub == 0;
    case 0x80:
    case 0x81:
    case 0x83:
        in->size = opc == 0x80 ? 1 : full;
        *imm_bytes = opc == 0x81 ? imm_full : 1;
        in->kind = sub == 1 ? OP_OR : OP_AND;
        return sub == 1 || sub == 4;
    case 0x1BA:
        in->size = full;
        *imm_bytes = 1;
        in->kind = sub == 5 ? OP_BTS : OP_BTR;
        return sub == 5 || sub == 6;
    }
    return false;
}

/* Decode the instruction at regs->rip; false if it is not one we emulate. */
static bool decode(struct insn *in, struct cpu_regs *r)
{
    uint8_t b;
    unsigned opc, imm_bytes, sub;
    bool rip_rel;

    for (;;) { /* legacy prefixes */
        if (!next_byte(in, &b)) return false;
        if (b == 0x66)
            in->opsz16 = true;
        else if (b != 0xF0 && b != 0x2E && b != 0x3E && b != 0x26 && b != 0x36)
            break; /* lock; CS/DS/ES/SS are no-ops in 64-bit mode */
    }
    if ((b & 0xF0) == 0x40) { /* REX must come last */
        in->rex = true;
        in->rex_w = b & 8;
        in->rex_r = b & 4;
        in->rex_x = b & 2;
        in->rex_b = b & 1;
        if (!next_byte(in, &b)) return false;
    }
    opc = b;
    if (b == 0x0F) {
        if (!next_byte(in, &b)) return false;
        opc = 0x100 | b;
    }
    if (!decode_modrm(in, r, &rip_rel, &sub)) return false;
    in->reg = sub;
    if (!classify(in, opc, sub & 7, &imm_bytes)) return false;
    in->src_imm = imm_bytes != 0;
    if (imm_bytes && !next_imm(in, imm_bytes, &in->imm)) return false;
    if (rip_rel) in->ea += r->rip + in->pos;
    return true;
}

/* ---- executing ---- */

struct result {
    uint64_t new_val;           /* operand value to store */
    uint64_t flags, flags_mask; /* rflags bits to set, and which are affected */
    bool store;                 /* false: cmpxchg mismatch, nothing written */
};

static uint64_t parity_zf_sf(uint64_t res, unsigned size)
{
    uint64_t f = 0;
    if (!(__builtin_popcount((unsigned)(res & 0xff)) & 1)) f |= FL_PF;
    if (!res) f |= FL_ZF;
    if (res >> (8 * size - 1) & 1) f |= FL_SF;
    return f;
}

/* Flags of CMP acc, dst (acc - dst). */
static uint64_t cmp_flags(uint64_t a, uint64_t b, unsigned size)
{
    uint64_t m = size_mask(size), res = (a - b) & m, f = parity_zf_sf(res, size);
    unsigned top = 8 * size - 1;

    if (a < b) f |= FL_CF;
    if ((a ^ b ^ res) & 0x10) f |= FL_AF;
    if ((((a ^ b) & (a ^ res)) >> top) & 1) f |= FL_OF;
    return f;
}

static struct result compute(const struct insn *in, uint64_t old, uint64_t src, unsigned bit, uint64_t acc)
{
    struct result res = { .store = true };
    uint64_t m = size_mask(in->size);

    switch (in->kind) {
    case OP_MOV:
    case OP_XCHG:
        res.new_val = src;
        break;
    case OP_CMPXCHG:
        res.flags_mask = FLAGS_ARITH;
        res.flags = cmp_flags(acc, old, in->size);
        res.store = acc == old;
        res.new_val = src;
        break;
    case OP_AND:
    case OP_OR:
        res.new_val = (in->kind == OP_AND ? old & src : old | src) & m;
        res.flags_mask = FLAGS_ARITH;
        res.flags = parity_zf_sf(res.new_val, in->size);
        break;
    case OP_BTS:
    case OP_BTR:
        res.flags_mask = FL_CF;
        res.flags = (old >> bit) & 1 ? FL_CF : 0;
        res.new_val = in->kind == OP_BTS ? old | (1UL << bit) : old & ~(1UL << bit);
        break;
    }
    res.new_val &= m;
    return res;
}

/* The L1 table that the faulting read-only mapping points at, if it is one
 * of the domain's in-use L1 tables. */
static bool target_l1(const struct vcpu *v, uint64_t addr, mfn_t *table)
{
    const struct domain *d = v->domain;
    mfn_t l1;

    if (pt_walk_l1(d, v->arch.guest_table, addr, &l1)) return false;
    uint64_t pte = ((const uint64_t *)mfn_to_virt(l1))[pt_index(addr, 1)];
    if ((pte & (PTE_P | PTE_RW)) != PTE_P) return false;
    mfn_t m = pte_mfn(pte);
    if (!mfn_valid(m)) return false;
    const struct page_info *pg = mfn_to_page(m);
    if (pg->owner != d->id || pg->type != PGT_l1 || !pg->type_count || !(pg->flags & PGF_validated))
        return false;
    *table = m;
    return true;
}

/* Read-modify-write of the entry with a compare-exchange, so that A/D bits the
 * CPU sets meanwhile are never lost.  Returns the old operand in *old_op. */
static bool update_entry(struct domain *d, mfn_t table, uint64_t addr, const struct insn *in, uint64_t src,
                         unsigned bit, uint64_t acc, uint64_t *old_op, struct result *res)
{
    volatile uint64_t *slot = (uint64_t *)mfn_to_virt(table) + (addr & (PAGE_SIZE - 1)) / 8;
    unsigned shift = (addr & 7) * 8;
    uint64_t m = size_mask(in->size) << shift;

    for (unsigned tries = 0; tries < 64; tries++) {
        uint64_t cur = *slot;
        *old_op = (cur & m) >> shift;
        *res = compute(in, *old_op, src, bit, acc);
        if (!res->store) return true;
        uint64_t nv = (cur & ~m) | (res->new_val << shift);
        int rc = pt_cmpxchg_entry(d, table, (addr & (PAGE_SIZE - 1)) / 8, &cur, nv);
        if (rc != -EAGAIN) return rc == 0;
    }
    return false;
}

/* Source operand and, for bit-string forms, the byte actually written. */
static bool operands(const struct insn *in, struct cpu_regs *r, uint64_t *src, unsigned *bit, uint64_t *wa)
{
    unsigned bits = 8 * in->size;

    *src = in->src_imm ? in->imm & size_mask(in->size) : read_reg(r, in, in->reg);
    *bit = 0;
    *wa = in->ea;
    if (in->kind == OP_BTS || in->kind == OP_BTR) {
        if (in->src_imm) {
            *bit = in->imm & (bits - 1);
        } else {
            /* A register bit offset is signed and may select another word. */
            int64_t off = (int64_t)(*src << (64 - bits)) >> (64 - bits);
            *bit = off & (bits - 1);
            *wa += (uint64_t)((off >> __builtin_ctz(bits)) * (int64_t)in->size);
        }
    }
    return true;
}

int ptwr_do_page_fault(struct cpu_regs *regs, uint64_t addr)
{
    struct vcpu *v = current;
    struct domain *d = v->domain;
    struct insn in = { 0 };
    uint64_t src, wa, old_op = 0, acc;
    unsigned bit;
    struct result res;
    mfn_t table;

    if (!v->arch.kernel_mode) return 0;
    fetch_insn(&in, regs->rip);
    if (!decode(&in, regs) || !operands(&in, regs, &src, &bit, &wa)) return 0;
    /* Only naturally aligned writes of exactly the faulting entry. */
    if (wa != addr || (addr & (in.size - 1))) return 0;
    acc = read_reg(regs, &in, 0);

    spin_lock(&d->lock);
    bool ok = target_l1(v, addr, &table) && update_entry(d, table, addr, &in, src, bit, acc, &old_op, &res);
    spin_unlock(&d->lock);
    if (!ok) {
        dprintk("d%u: ptwr at %#lx: write to %#lx not emulated\n", d->id, regs->rip, addr);
        return 0;
    }

    if (in.kind == OP_XCHG) write_reg(regs, &in, in.reg, old_op);
    if (in.kind == OP_CMPXCHG && !res.store) write_reg(regs, &in, 0, old_op);
    regs->rflags = (regs->rflags & ~res.flags_mask) | res.flags;
    regs->rip += in.pos;
    /* Single step over the emulated write: #DB, as Xen raises it here (leaving
     * DR6 alone, unlike after its other emulations). */
    if (regs->rflags & X86_EFLAGS_TF) bounce_exception(current, regs, 1, false, 0);
    return 1;
}
