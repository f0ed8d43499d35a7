/* Writable-page-table emulation: each instruction form Linux (or a careful
 * guest) uses on a read-only L1 entry, every addressing form, and the cases
 * that must bounce back to the guest as a #PF. */
#include <string.h>
#include "unit.h"

static struct page_info *pg(mfn_t m) { return mfn_to_page(m); }

static uint8_t code[64];
static struct cpu_regs R;
static uint64_t VA;                  /* guest VA of the L1 table T, mapped read-only */
static mfn_t T, D, D2, F, l4, l1map; /* F: a frame mapped nowhere else */

static uint64_t slot_va(unsigned k) { return VA + 8 * k; }

/* Guest page tables: VA -> T (RO), VA+4K -> F (RO), VA+8K -> D (RW). */
static void setup(void)
{
    fake_reset();
    fake_guest_map(code, sizeof(code), false);
    VA = ALIGN_DOWN((uint64_t)code, 1UL << 21) + (8UL << 21);
    l4 = fake_alloc(&dom1);
    mfn_t l3 = fake_alloc(&dom1), l2 = fake_alloc(&dom1);
    l1map = fake_alloc(&dom1);
    T = fake_alloc(&dom1);
    D = fake_alloc(&dom1);
    D2 = fake_alloc(&dom1);
    F = fake_alloc(&dom1);
    fake_table(l4)[pt_index(VA, 4)] = pte(l3, PTE_P | PTE_RW);
    fake_table(l3)[pt_index(VA, 3)] = pte(l2, PTE_P | PTE_RW);
    fake_table(l2)[pt_index(VA, 2)] = pte(l1map, PTE_P | PTE_RW);
    fake_table(l1map)[0] = pte(T, RO_FLAGS);
    fake_table(l1map)[1] = pte(D2, RO_FLAGS);
    fake_table(l1map)[2] = pte(D, RW_FLAGS);
    fake_table(T)[0] = pte(D, RW_FLAGS);
    if (get_page_and_type(T, &dom1, PGT_l1) || get_root_table(&dom1, l4)) CHECK(false, "ptwr setup");
    pg(T)->flags |= PGF_pinned;
    vcpu0.arch.guest_table = l4;
    memset(&R, 0, sizeof(R));
}

static void teardown(const char *what)
{
    mm_relinquish(&dom1);
    CHECK(fake_all_counts_zero(), what);
}

static int run(const uint8_t *insn, unsigned len, uint64_t addr)
{
    memset(code, 0x90, sizeof(code));
    memcpy(code, insn, len);
    R.rip = (uint64_t)code;
    return ptwr_do_page_fault(&R, addr);
}
#define INSN(...)         (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define EMULATED(rc, len) ((rc) == 1 && R.rip == (uint64_t)code + (len))
#define BOUNCED(rc)       ((rc) == 0 && R.rip == (uint64_t)code)
#define KPTE(m, f)        pte(m, (f) | PTE_US | PTE_GUEST_KERNEL)

static void test_mov_forms(void)
{
    setup();
    int rc;
    R.rax = pte(F, RW_FLAGS);
    R.rdi = slot_va(1);
    rc = run(INSN(0x48, 0x89, 0x07), slot_va(1)); /* mov %rax,(%rdi) */
    CHECK(EMULATED(rc, 3), "ptwr: mov r64 emulated, RIP advanced");
    CHECK_EQ(fake_table(T)[1], KPTE(F, RW_FLAGS), "ptwr: mov installs the adjusted entry");
    CHECK(pg(F)->type == PGT_writable && pg(F)->type_count == 1, "ptwr: mov took the writable ref");

    R.rax = pte(T, RW_FLAGS);
    R.rdi = slot_va(2);
    rc = run(INSN(0x48, 0x89, 0x07), slot_va(2));
    CHECK(BOUNCED(rc) && fake_table(T)[2] == 0, "ptwr: writable map of the L1 itself bounced");
    R.rax = pte(fake_alloc(&dom2), RO_FLAGS);
    rc = run(INSN(0x48, 0x89, 0x07), slot_va(2));
    CHECK(BOUNCED(rc) && fake_table(T)[2] == 0, "ptwr: foreign frame bounced");

    R.rdi = slot_va(1);
    rc = run(INSN(0x48, 0xc7, 0x07, 0, 0, 0, 0), slot_va(1)); /* movq $0,(%rdi) */
    CHECK(EMULATED(rc, 7) && fake_table(T)[1] == 0, "ptwr: mov imm32 (REX.W) emulated");
    CHECK(pg(F)->type_count == 0 && pg(F)->count == 0, "ptwr: cleared entry dropped its refs");

    /* Two 32-bit halves, high first (as a PAE-style guest would). */
    uint64_t v = pte(F, RO_FLAGS | PTE_NX);
    R.rax = v >> 32;
    R.rdi = slot_va(3);
    rc = run(INSN(0x89, 0x47, 0x04), slot_va(3) + 4); /* mov %eax,4(%rdi) */
    CHECK(EMULATED(rc, 3), "ptwr: mov r32 high half, disp8");
    R.rax = (uint32_t)v;
    rc = run(INSN(0x89, 0x07), slot_va(3));
    CHECK(EMULATED(rc, 2), "ptwr: mov r32 low half");
    CHECK_EQ(fake_table(T)[3], KPTE(F, RO_FLAGS | PTE_NX), "ptwr: halves combine into the entry");

    R.rax = 0x1234;
    R.rdi = slot_va(4);
    rc = run(INSN(0x66, 0x89, 0x07), slot_va(4)); /* mov %ax,(%rdi) */
    CHECK(EMULATED(rc, 3) && fake_table(T)[4] == 0x1234, "ptwr: 0x66 mov r16 (non-present value)");
    R.rdi = slot_va(3);
    rc = run(INSN(0xc6, 0x07, 0x00), slot_va(3)); /* movb $0,(%rdi) */
    CHECK(EMULATED(rc, 3) && !pte_present(fake_table(T)[3]), "ptwr: mov imm8 clears the low byte");
    CHECK(pg(F)->count == 0, "ptwr: byte write dropped the old entry's ref");
    R.rax = 0x2500;
    R.rdi = slot_va(5);
    fake_table(T)[5] = pte(F, 0);           /* not present yet */
    rc = run(INSN(0x88, 0x27), slot_va(5)); /* mov %ah,(%rdi) */
    CHECK(EMULATED(rc, 2) && fake_table(T)[5] == pte(F, PTE_P | PTE_US | PTE_A),
          "ptwr: mov %ah (byte register without REX)");
    CHECK_EQ(pg(F)->count, 1, "ptwr: byte write mapping a frame took its ref");
    teardown("ptwr mov: refcounts zero after teardown");
}

static void test_addressing(void)
{
    setup();
    int rc;
    uint64_t v = pte(F, RO_FLAGS);
    R.rax = v;
    R.rdi = VA;
    R.rcx = 6;
    rc = run(INSN(0x48, 0x89, 0x04, 0xcf), slot_va(6)); /* mov %rax,(%rdi,%rcx,8) */
    CHECK(EMULATED(rc, 4) && fake_table(T)[6] == KPTE(F, RO_FLAGS), "ptwr: SIB base+index*8");
    rc = run(INSN(0x48, 0x89, 0x87, 0x38, 0, 0, 0), slot_va(7)); /* mov %rax,0x38(%rdi) */
    CHECK(EMULATED(rc, 7) && fake_table(T)[7] == KPTE(F, RO_FLAGS), "ptwr: disp32");
    R.rcx = slot_va(8) / 8;
    rc = run(INSN(0x48, 0x89, 0x04, 0xcd, 0, 0, 0, 0), slot_va(8)); /* mov %rax,0(,%rcx,8) */
    CHECK(EMULATED(rc, 8) && fake_table(T)[8] == KPTE(F, RO_FLAGS), "ptwr: SIB index without base");
    int32_t disp = (int32_t)(slot_va(9) - ((uint64_t)code + 7));
    uint8_t rip_rel[7] = { 0x48, 0x89, 0x05 };
    memcpy(&rip_rel[3], &disp, 4);
    rc = run(rip_rel, 7, slot_va(9)); /* mov %rax,disp(%rip) */
    CHECK(EMULATED(rc, 7) && fake_table(T)[9] == KPTE(F, RO_FLAGS), "ptwr: RIP-relative");
    R.r9 = v;
    R.r8 = slot_va(10);
    rc = run(INSN(0x4d, 0x89, 0x08), slot_va(10)); /* mov %r9,(%r8) */
    CHECK(EMULATED(rc, 3) && fake_table(T)[10] == KPTE(F, RO_FLAGS), "ptwr: REX.R and REX.B registers");
    R.rsp = slot_va(11);
    rc = run(INSN(0x48, 0x89, 0x04, 0x24), slot_va(11)); /* mov %rax,(%rsp) */
    CHECK(EMULATED(rc, 4) && fake_table(T)[11] == KPTE(F, RO_FLAGS), "ptwr: (%rsp) via SIB");
    R.rbp = slot_va(12) - 0x10;
    rc = run(INSN(0x3e, 0x48, 0x89, 0x45, 0x10), slot_va(12)); /* ds mov %rax,0x10(%rbp) */
    CHECK(EMULATED(rc, 5) && fake_table(T)[12] == KPTE(F, RO_FLAGS), "ptwr: DS prefix, rbp+disp8");
    teardown("ptwr addressing: refcounts zero after teardown");
}

static void test_rmw_forms(void)
{
    setup();
    int rc;
    R.rdi = slot_va(0);
    R.rax = 0;
    uint64_t old0 = fake_table(T)[0];
    rc = run(INSN(0x48, 0x87, 0x07), slot_va(0)); /* xchg %rax,(%rdi) */
    CHECK(EMULATED(rc, 3) && R.rax == old0 && fake_table(T)[0] == 0, "ptwr: xchg returns the old entry");
    CHECK(pg(D)->type_count == 1 && pg(D)->count == 1, "ptwr: xchg dropped the old entry's refs");

    /* cmpxchg: mismatch, then match. */
    fake_table(T)[1] = 0;
    R.rax = 5;
    R.rcx = pte(F, RO_FLAGS);
    R.rflags = 0x2 | 0x40;
    R.rdi = slot_va(1);
    rc = run(INSN(0xf0, 0x48, 0x0f, 0xb1, 0x0f), slot_va(1)); /* lock cmpxchg %rcx,(%rdi) */
    CHECK(EMULATED(rc, 5) && !(R.rflags & 0x40) && R.rax == 0 && fake_table(T)[1] == 0,
          "ptwr: cmpxchg mismatch loads RAX, clears ZF, writes nothing");
    CHECK(pg(F)->count == 0, "ptwr: cmpxchg mismatch takes no refs");
    rc = run(INSN(0xf0, 0x48, 0x0f, 0xb1, 0x0f), slot_va(1));
    CHECK(EMULATED(rc, 5) && (R.rflags & 0x40) && fake_table(T)[1] == KPTE(F, RO_FLAGS),
          "ptwr: cmpxchg match sets ZF and installs");
    R.rax = 7;
    R.rcx = 0;
    rc = run(INSN(0xf0, 0x0f, 0xb1, 0x0f), slot_va(1)); /* lock cmpxchg %ecx,(%rdi) */
    CHECK(EMULATED(rc, 4) && R.rax == (uint32_t)KPTE(F, RO_FLAGS),
          "ptwr: 32-bit cmpxchg mismatch zero-extends EAX");
    R.rax = 0xdead;
    R.rcx = pte(T, RW_FLAGS);
    R.rax = fake_table(T)[1];
    rc = run(INSN(0xf0, 0x48, 0x0f, 0xb1, 0x0f), slot_va(1));
    CHECK(BOUNCED(rc) && fake_table(T)[1] == KPTE(F, RO_FLAGS), "ptwr: cmpxchg of an invalid entry bounced");

    /* Linux's ptep_set_wrprotect: lock andb $~RW on byte 0. */
    fake_table(T)[2] = KPTE(F, RW_FLAGS);
    pg(F)->count++;
    pg(F)->type = PGT_writable;
    pg(F)->type_count++; /* refs of the entry we forged */
    R.rdi = slot_va(2);
    R.rflags = 0x2;
    rc = run(INSN(0xf0, 0x80, 0x27, 0xfd), slot_va(2));
    CHECK(EMULATED(rc, 4) && fake_table(T)[2] == KPTE(F, RO_FLAGS | PTE_D),
          "ptwr: lock and imm8 (wrprotect) emulated");
    CHECK(pg(F)->type_count == 0, "ptwr: wrprotect dropped the writable ref");
    CHECK(!(R.rflags & (0x40 | 0x1 | 0x800)), "ptwr: and clears CF/OF, ZF reflects result");
    R.rax = PTE_RW;
    rc = run(INSN(0xf0, 0x48, 0x09, 0x07), slot_va(2)); /* lock or %rax,(%rdi) */
    CHECK(EMULATED(rc, 4) && fake_table(T)[2] == KPTE(F, RW_FLAGS) && pg(F)->type_count == 1,
          "ptwr: lock or r64 makes it writable again");
    rc = run(INSN(0xf0, 0x48, 0x81, 0x27, 0xdf, 0xff, 0xff, 0xff), slot_va(2)); /* and $~A */
    CHECK(EMULATED(rc, 8) && !(fake_table(T)[2] & PTE_A) && (fake_table(T)[2] & PTE_NX) == 0,
          "ptwr: lock and imm32 sign-extended");
    rc = run(INSN(0xf0, 0x48, 0x83, 0x0f, 0x20), slot_va(2)); /* or $0x20 (A) */
    CHECK(EMULATED(rc, 5) && (fake_table(T)[2] & PTE_A), "ptwr: lock or imm8 sign-extended");
    R.rcx = PTE_RW;
    rc = run(INSN(0xf0, 0x48, 0x21, 0x0f), slot_va(2)); /* and %rcx: keeps only RW */
    CHECK(EMULATED(rc, 4) && fake_table(T)[2] == PTE_RW, "ptwr: and r64 leaves a non-present entry");
    CHECK(pg(F)->count == 1 && pg(F)->type_count == 0,
          "ptwr: and r64 dropped the old entry's refs (slot 1 keeps one)");

    /* Linux's ptep_test_and_clear_young: lock btr $5 (A). */
    fake_table(T)[3] = 0;
    R.rdi = slot_va(3);
    R.rax = pte(F, RO_FLAGS);
    CHECK(EMULATED(run(INSN(0x48, 0x89, 0x07), slot_va(3)), 3), "ptwr: prepare entry");
    rc = run(INSN(0xf0, 0x48, 0x0f, 0xba, 0x37, 0x05), slot_va(3));
    CHECK(EMULATED(rc, 6) && !(fake_table(T)[3] & PTE_A) && (R.rflags & 1),
          "ptwr: lock btr imm8, CF = old bit");
    rc = run(INSN(0xf0, 0x48, 0x0f, 0xba, 0x37, 0x05), slot_va(3));
    CHECK(EMULATED(rc, 6) && !(R.rflags & 1), "ptwr: btr of a clear bit sets CF = 0");
    rc = run(INSN(0xf0, 0x48, 0x0f, 0xba, 0x2f, 0x06), slot_va(3)); /* lock bts $6 (D) */
    CHECK(EMULATED(rc, 6) && (fake_table(T)[3] & PTE_D), "ptwr: lock bts imm8");
    R.rax = 64 + 5;
    R.rdi = slot_va(2);
    rc = run(INSN(0xf0, 0x48, 0x0f, 0xab, 0x07), slot_va(3)); /* bts %rax,(%rdi): next word */
    CHECK(EMULATED(rc, 5) && (fake_table(T)[3] & PTE_A),
          "ptwr: bts with register offset into the next entry");
    R.rax = (uint64_t)-64 + 5;
    R.rdi = slot_va(4);
    rc = run(INSN(0xf0, 0x48, 0x0f, 0xb3, 0x07), slot_va(3)); /* btr %rax,(%rdi): previous word */
    CHECK(EMULATED(rc, 5) && !(fake_table(T)[3] & PTE_A), "ptwr: btr with negative register offset");
    /* Byte cmpxchg on byte 0 of slot 3 (clears P when it matches). */
    R.rdi = slot_va(3);
    R.rax = fake_table(T)[3] & 0xff;
    R.rcx = 0;
    rc = run(INSN(0xf0, 0x0f, 0xb0, 0x0f), slot_va(3)); /* lock cmpxchg %cl,(%rdi) */
    CHECK(EMULATED(rc, 4) && (R.rflags & 0x40) && !pte_present(fake_table(T)[3]), "ptwr: byte cmpxchg");
    /* 0x66 with REX.W: the immediate stays 32 bits. */
    R.rdi = slot_va(3);
    rc = run(INSN(0x66, 0x48, 0xc7, 0x07, 0x00, 0x10, 0x00, 0x00), slot_va(3));
    CHECK(EMULATED(rc, 8) && fake_table(T)[3] == 0x1000, "ptwr: 0x66 + REX.W mov imm32");
    teardown("ptwr rmw: refcounts zero after teardown");
}

static void test_bounces(void)
{
    setup();
    R.rax = pte(F, RO_FLAGS);
    R.rdi = slot_va(1);
    CHECK(BOUNCED(run(INSN(0x48, 0x89, 0xc7), slot_va(1))), "ptwr: register-only instruction bounced");
    CHECK(BOUNCED(run(INSN(0x48, 0x01, 0x07), slot_va(1))), "ptwr: add (not emulated) bounced");
    CHECK(BOUNCED(run(INSN(0x48, 0x89, 0x07), slot_va(2))), "ptwr: address mismatch bounced");
    R.rdi = slot_va(1) + 2;
    CHECK(BOUNCED(run(INSN(0x89, 0x07), slot_va(1) + 2)), "ptwr: misaligned write bounced");
    R.rdi = slot_va(1);
    CHECK(BOUNCED(run(INSN(0x64, 0x48, 0x89, 0x07), slot_va(1))), "ptwr: FS override bounced");
    CHECK(BOUNCED(run(INSN(0x67, 0x48, 0x89, 0x07), slot_va(1))), "ptwr: address-size prefix bounced");
    CHECK(BOUNCED(run(INSN(0xf3, 0x48, 0xab), slot_va(1))), "ptwr: rep stos bounced");
    R.rdi = VA + 4096 + 8;
    CHECK(BOUNCED(run(INSN(0x48, 0x89, 0x07), VA + 4096 + 8)), "ptwr: RO mapping of a data frame bounced");
    R.rdi = VA + 8192;
    CHECK(BOUNCED(run(INSN(0x48, 0x89, 0x07), VA + 8192)), "ptwr: writable mapping bounced");
    R.rdi = VA + (4UL << 21);
    CHECK(BOUNCED(run(INSN(0x48, 0x89, 0x07), VA + (4UL << 21))), "ptwr: unmapped address bounced");
    vcpu0.arch.kernel_mode = false;
    R.rdi = slot_va(1);
    CHECK(BOUNCED(run(INSN(0x48, 0x89, 0x07), slot_va(1))), "ptwr: guest user mode bounced");
    vcpu0.arch.kernel_mode = true;
    pg(T)->flags &= ~PGF_pinned;
    put_page_and_type(pg(T));
    CHECK(BOUNCED(run(INSN(0x48, 0x89, 0x07), slot_va(1))), "ptwr: unpinned (untyped) L1 bounced");
    CHECK_EQ(get_page_and_type(T, &dom1, PGT_l1), 0, "re-pin");
    pg(T)->flags |= PGF_pinned;
    /* Instruction ending exactly at the end of mapped memory. */
    memset(code, 0x90, sizeof(code));
    code[61] = 0x48;
    code[62] = 0x89;
    code[63] = 0x07;
    R.rip = (uint64_t)&code[61];
    CHECK(ptwr_do_page_fault(&R, slot_va(1)) == 1 && R.rip == (uint64_t)&code[64],
          "ptwr: instruction at the end of a mapped page");
    R.rip = 0x1000;
    CHECK(ptwr_do_page_fault(&R, slot_va(1)) == 0, "ptwr: unreadable RIP bounced");
    CHECK(!dom1.lock.locked, "ptwr: lock released");
    teardown("ptwr bounces: refcounts zero after teardown");
}

void test_ptwr(void)
{
    test_mov_forms();
    test_addressing();
    test_rmw_forms();
    test_bounces();
}
