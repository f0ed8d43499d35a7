/* The conformance-guest runtime: console, printf, checks, traps, memory helpers. */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include "types.h"
#include "hypercall.h"

/* ---- start of day (start.c) ---- */
extern start_info_t *start_info;
extern shared_info_t *shared;          /* mapped by the runtime at boot */
extern unsigned long *p2m;             /* start_info->mfn_list */
extern uint64_t boot_rsi, boot_rsp, boot_rflags, boot_cs, boot_ss, boot_ds, boot_bss_dirty;
extern char _image_start[], _image_end[], _bss_start[], _bss_end[], _user_start[], _user_end[];
extern char boot_stack_top[];
extern char trap_stack[16384];       /* kernel_sp for bounces from user mode */
extern const char guest_name[];        /* from -DGUEST_NAME (guests.mk) */
void test_main(void);                  /* each guest defines it */
uint64_t cmdline_u(const char *key, uint64_t dflt);   /* "key=N" on the command line */
void guest_exit(void) __attribute__((noreturn));
#define vcpu0 (&shared->vcpu_info[0])

/* ---- console and formatting (printf.c) ---- */
void console_write(const char *s, size_t n);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

/* ---- string (string.c) ---- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
void *memchr(const void *s, int c, size_t n);
#define memchr_n(s, c, n) (memchr((s), (c), (n)) != NULL)

/* ---- checks (check.c) ----
 * Every check prints "ok - name" or "FAIL - name (details)". */
extern unsigned checks_passed, checks_failed;
void check_result(const char *name, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define CHECK(name, cond) check_result((name), (cond), "%s", #cond)
/* Exact value checks; name is a printf-style string literal for context. */
#define CHECK_EQ(name, got, want) do {                                            \
        long long _g = (long long)(got), _w = (long long)(want);                  \
        check_result((name), _g == _w, "got %lld (0x%llx), expected %lld (0x%llx)", \
                     _g, (unsigned long long)_g, _w, (unsigned long long)_w);     \
    } while (0)
#define CHECK_RC(name, got, want) CHECK_EQ(name, got, want)
void section(const char *title);
/* True when running as dom0 of a real Xen (the "oracle" runs of guests/xen-oracle.sh):
 * checks that only hold for a domU built by a libxc-style builder are skipped there. */
extern bool xen_dom0_oracle;
#define DOMU_ONLY(stmt) do { if (xen_dom0_oracle) skip_check(#stmt); else { stmt; } } while (0)
void skip_check(const char *what);

/* ---- traps (traps.c) ---- */
struct trap_regs {
    uint64_t r15, r14, r13, r12, rbp, rbx, r10, r9, r8, rdi, rsi, rdx, rax;
    uint64_t vector, has_ec;
    uint64_t frame[];                   /* rcx r11 [ec] rip cs rflags rsp ss */
};
/* A decoded copy of the last trap taken. */
struct trap_info_rec {
    unsigned count;                     /* traps taken since trap_expect() */
    uint64_t vector;
    bool has_ec;
    uint64_t rcx, r11, ec, rip, cs, rflags, rsp, ss;
    uint64_t frame_addr;                /* RSP at handler entry (address of the rcx slot) */
    uint64_t cr2;                       /* vcpu_info.arch.cr2 when the handler ran */
    uint8_t  mask_in_handler;           /* evtchn_upcall_mask seen by the handler */
    uint64_t rax;                       /* guest rax at the trap */
    uint64_t ex_start, ex_end;          /* the TRY_ASM block that caught it */
};
extern volatile struct trap_info_rec last_trap;
extern volatile unsigned event_upcalls;     /* event callbacks taken */
/* Install the runtime's trap table (all 32 exceptions, 0x80 DPL 3, 0x81 DPL 0,
 * 0x85 DPL 3 + mask) and callbacks. */
void traps_init(void);
extern trap_info_t trap_table[];
/* TRY_ASM(insn, operands...): run `insn` (asm text, may use operands after a ':'
 * as in asm()) with an exception-table entry: a trap whose RIP is the start of insn
 * or end, or anywhere between (fault or trap inside the block) is recorded in last_trap
 * and execution resumes after the block (ex_start/ex_end tell where it was). Evaluates to the number of traps taken. */
#define TRY_ASM(insn, ...) ({                                                     \
        last_trap.count = 0;                                                      \
        asm volatile("8880: " insn "\n8881:\n\t"                               \
                     ".pushsection .extable, \"a\"\n\t"                         \
                     ".quad 8880b, 8881b\n\t.popsection" __VA_ARGS__);          \
        last_trap.count; })
/* Optional hook for custom handling: return true if handled (regs may be edited). */
extern bool (*trap_hook)(struct trap_regs *r);
/* Optional hook run in the event upcall (after last_trap records its frame). */
extern void (*upcall_hook)(struct trap_regs *r);
void trap_return(struct trap_regs *r) __attribute__((noreturn));
/* iret hypercall on an explicit frame {rax r11 rcx flags rip cs rflags rsp ss}. */
void iret_to(uint64_t *frame) __attribute__((noreturn));
extern char trap_entry_0[], trap_entry_1[], trap_entry_2[], trap_entry_3[], trap_entry_4[],
    trap_entry_5[], trap_entry_6[], trap_entry_7[], trap_entry_8[], trap_entry_9[],
    trap_entry_10[], trap_entry_11[], trap_entry_12[], trap_entry_13[], trap_entry_14[],
    trap_entry_15[], trap_entry_16[], trap_entry_17[], trap_entry_18[], trap_entry_19[],
    trap_entry_20[], trap_entry_21[], trap_entry_22[], trap_entry_23[], trap_entry_24[],
    trap_entry_25[], trap_entry_26[], trap_entry_27[], trap_entry_28[], trap_entry_29[],
    trap_entry_30[], trap_entry_31[], trap_entry_0x80[], trap_entry_0x81[],
    trap_entry_0x85[], trap_entry_0x100[], trap_entry_0x101[], trap_entry_0x102[];
struct kjmp { uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip; };
int ksetjmp(struct kjmp *j) __attribute__((returns_twice));
void klongjmp(struct kjmp *j, int v) __attribute__((noreturn));

/* ---- memory helpers (mm.c) ---- */
static inline uint64_t va_to_pfn(const void *va) { return ((uint64_t)va - VIRT_BASE) >> PAGE_SHIFT; }
static inline uint64_t pfn_to_mfn(uint64_t pfn) { return p2m[pfn]; }
static inline uint64_t va_to_mfn(const void *va) { return pfn_to_mfn(va_to_pfn(va)); }
static inline uint64_t m2p(uint64_t mfn) { return ((const uint64_t *)HYPERVISOR_VIRT_START)[mfn]; }
/* M2P read that survives an unmapped M2P page (returns false, *pfn = ~0). */
bool m2p_read(uint64_t mfn, uint64_t *pfn);
static inline uint64_t m2p_safe(uint64_t mfn) { uint64_t v; m2p_read(mfn, &v); return v; }
static inline void *pfn_to_va(uint64_t pfn) { return (void *)(VIRT_BASE + (pfn << PAGE_SHIFT)); }
static inline void *mfn_to_va(uint64_t mfn) { return pfn_to_va(m2p(mfn)); }
/* Page-table walk of the current kernel tables (from start_info->pt_base or the
 * runtime's current L4). Returns the machine address of the L1 slot mapping va, or 0. */
uint64_t pte_maddr(uint64_t va);
uint64_t *pte_ptr(uint64_t va);         /* read-only view of that L1 slot, or NULL */
extern uint64_t *cur_l4;                /* virtual address of the current kernel L4 */
/* Scratch pages from a page-aligned arena in .bss (mapped RW by the builder). */
void *alloc_page(void);
/* Change the kernel mapping of a page: read-only (for page tables) or writable. */
long set_page_ro(void *va);
long set_page_rw(void *va);
/* One mmu_update / mmuext_op convenience wrappers. */
long mmu_update1(uint64_t ptr, uint64_t val);
long mmuext1(unsigned cmd, uint64_t arg1, uint64_t arg2);
long mmuext_pin(unsigned level, void *va);   /* level 1..4 */
long mmuext_unpin(void *va);
/* Guest user mode: a user L4 (pinned, installed with NEW_USER_BASEPTR, checked) that
 * maps the .text.user pages at USER_CODE_VA (user, read-only) and `data` at
 * USER_DATA_VA (user, writable). */
#define USER_CODE_VA   0x0000000000400000UL
#define USER_DATA_VA   0x0000000000410000UL
void user_space_init(uint64_t *data);

/* ---- misc ---- */
static inline uint64_t rdtsc(void) { uint32_t lo, hi; asm volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((uint64_t)hi << 32) | lo; }
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGNED_PAGE __attribute__((aligned(4096), section(".bss.pages")))
#define barrier() asm volatile("" ::: "memory")

#endif
