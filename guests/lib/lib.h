/* The conformance-guest runtime on the PV base (lib/pv): checks, trap recording and
 * recovery, memory helpers. */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include "pv.h"
#include <xen/features.h>
#include <xen/errno.h>

/* ---- start of day (start.c) ---- */
extern char trap_stack[16384];                      /* kernel_sp for bounces from user mode */
extern const char guest_name[];                     /* from -DGUEST_NAME (guests.mk) */
void test_main(void);                               /* each guest defines it */
uint64_t cmdline_u(const char *key, uint64_t dflt); /* "key=N" on the command line */
void guest_exit(void) __attribute__((noreturn));
#define memchr_n(s, c, n) (memchr((s), (c), (n)) != NULL)

/* ---- checks (check.c) ----
 * Every check prints "ok - name" or "FAIL - name (details)". */
extern unsigned checks_passed, checks_failed;
void check_result(const char *name, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define CHECK(name, cond) check_result((name), (cond), "%s", #cond)
/* Exact value checks; name is a printf-style string literal for context. */
#define CHECK_EQ(name, got, want)                                                                            \
    do {                                                                                                     \
        long long _g = (long long)(got), _w = (long long)(want);                                             \
        check_result((name), _g == _w, "got %lld (0x%llx), expected %lld (0x%llx)", _g,                      \
                     (unsigned long long)_g, _w, (unsigned long long)_w);                                    \
    } while (0)
#define CHECK_RC(name, got, want) CHECK_EQ(name, got, want)
void section(const char *title);
/* True when running as dom0 of a real Xen (the "oracle" runs of guests/xen-oracle.sh):
 * checks that only hold for a domU built by a libxc-style builder are skipped there. */
extern bool xen_dom0_oracle;
#define DOMU_ONLY(stmt)                                                                                      \
    do {                                                                                                     \
        if (xen_dom0_oracle)                                                                                 \
            skip_check(#stmt);                                                                               \
        else {                                                                                               \
            stmt;                                                                                            \
        }                                                                                                    \
    } while (0)
void skip_check(const char *what);

/* ---- traps (traps.c) ---- */
/* A decoded copy of the last trap taken. */
struct trap_info_rec {
    unsigned count; /* traps taken since trap_expect() */
    uint64_t vector;
    bool has_ec;
    uint64_t rcx, r11, ec, rip, cs, rflags, rsp, ss;
    uint64_t frame_addr;       /* RSP at handler entry (address of the rcx slot) */
    uint64_t cr2;              /* vcpu_info.arch.cr2 when the handler ran */
    uint8_t mask_in_handler;   /* evtchn_upcall_mask seen by the handler */
    uint64_t rax;              /* guest rax at the trap */
    uint64_t ex_start, ex_end; /* the TRY_ASM block that caught it */
};
extern volatile struct trap_info_rec last_trap;
extern volatile unsigned event_upcalls; /* event callbacks taken */
/* Install the runtime's trap table (all 32 exceptions, 0x80 DPL 3, 0x81 DPL 0,
 * 0x85 DPL 3 + mask) and callbacks. */
void traps_init(void);
extern trap_info_t trap_table[];
/* TRY_ASM(insn, operands...): run `insn` (asm text, may use operands after a ':'
 * as in asm()) with an exception-table entry: a trap whose RIP is the start of insn
 * or end, or anywhere between (fault or trap inside the block) is recorded in last_trap
 * and execution resumes after the block (ex_start/ex_end tell where it was). Evaluates to the number of traps taken. */
#define TRY_ASM(insn, ...)                                                                                   \
    ({                                                                                                       \
        last_trap.count = 0;                                                                                 \
        asm volatile("8880: " insn "\n8881:\n\t"                                                             \
                     ".pushsection .extable, \"a\"\n\t"                                                      \
                     ".quad 8880b, 8881b\n\t.popsection" __VA_ARGS__);                                       \
        last_trap.count;                                                                                     \
    })
/* Optional hook for custom handling: return true if handled (regs may be edited). */
extern bool (*trap_hook)(struct pv_regs *r);
/* Optional hook run in the event upcall (after last_trap records its frame). */
extern void (*upcall_hook)(struct pv_regs *r);

/* ---- memory helpers (mm.c) ---- */
static inline uint64_t va_to_pfn(const void *va) { return ((uint64_t)va - VIRT_BASE) >> PAGE_SHIFT; }
static inline uint64_t pfn_to_mfn(uint64_t pfn) { return p2m[pfn]; }
static inline uint64_t va_to_mfn(const void *va) { return pfn_to_mfn(va_to_pfn(va)); }
/* M2P read that survives an unmapped M2P page (returns false, *pfn = ~0). */
bool m2p_read(uint64_t mfn, uint64_t *pfn);
static inline uint64_t m2p_safe(uint64_t mfn)
{
    uint64_t v;
    m2p_read(mfn, &v);
    return v;
}
static inline void *pfn_to_va(uint64_t pfn) { return (void *)(VIRT_BASE + (pfn << PAGE_SHIFT)); }
static inline void *mfn_to_va(uint64_t mfn) { return pfn_to_va(m2p(mfn)); }
/* Page-table walk of the current kernel tables (from start_info->pt_base or the
 * runtime's current L4). Returns the machine address of the L1 slot mapping va, or 0. */
uint64_t pte_maddr(uint64_t va);
uint64_t *pte_ptr(uint64_t va); /* read-only view of that L1 slot, or NULL */
extern uint64_t *cur_l4;        /* virtual address of the current kernel L4 */
/* Scratch pages from a page-aligned arena in .bss (mapped RW by the builder). */
void *alloc_page(void);
/* Change the kernel mapping of a page: read-only (for page tables) or writable. */
long set_page_ro(void *va);
long set_page_rw(void *va);
/* One mmu_update / mmuext_op convenience wrappers. */
long mmu_update1(uint64_t ptr, uint64_t val);
long mmuext1(unsigned cmd, uint64_t arg1, uint64_t arg2);
long mmuext_pin(unsigned level, void *va); /* level 1..4 */
long mmuext_unpin(void *va);
/* Guest user mode: a user L4 (pinned, installed with NEW_USER_BASEPTR, checked) that
 * maps the .text.user pages at USER_CODE_VA (user, read-only) and `data` at
 * USER_DATA_VA (user, writable). */
#define USER_CODE_VA 0x0000000000400000UL
#define USER_DATA_VA 0x0000000000410000UL
void user_space_init(uint64_t *data);

/* A second vCPU's first context: kernel mode, flat kernel segments, interrupts
 * off, running entry on stack_top in the address space of l4_mfn. */
void vcpu_ctx_init(struct vcpu_guest_context *c, const void *entry, void *stack_top, uint64_t l4_mfn);

/* ---- misc ---- */

#endif
