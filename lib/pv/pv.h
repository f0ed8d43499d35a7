/* The PV base: what every tiny PV kernel of the project (the conformance guests'
 * runtime in guests/lib, the service runtime in servers/runtime) stands on — Xen's
 * public headers, page-table bits, the hypercall wrappers, the trap frame and entry
 * points of head.S, start of day, console output and the pvclock.  A kernel on it provides
 * pv_start (called on the boot stack), trap_dispatch and console_write. */
#ifndef PV_H
#define PV_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

#include <xen/xen.h>
#include <xen/version.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/callback.h>
#include <xen/vcpu.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/physdev.h>
#include "freestanding.h"
#include "hypercall.h"
#include <xen/errno.h>

#define PAGE_SIZE  4096UL
#define PAGE_SHIFT 12
#define VIRT_BASE  0xffffffff80000000UL

#define _PAGE_PRESENT  0x001UL
#define _PAGE_RW       0x002UL
#define _PAGE_USER     0x004UL
#define _PAGE_PWT      0x008UL
#define _PAGE_PCD      0x010UL
#define _PAGE_ACCESSED 0x020UL
#define _PAGE_DIRTY    0x040UL
#define _PAGE_PSE      0x080UL
#define _PAGE_GLOBAL   0x100UL
#define _PAGE_NX       (1UL << 63)
#define PTE_ADDR_MASK  0x000ffffffffff000UL

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGNED_PAGE  __attribute__((aligned(4096), section(".bss.pages")))
#define barrier()     asm volatile("" ::: "memory")

/* ---- start of day (head.S, start.c) ---- */
extern start_info_t *start_info;
extern shared_info_t *shared; /* mapped by pv_map_shared_info */
extern unsigned long *p2m;    /* start_info->mfn_list */
#define vcpu0 (&shared->vcpu_info[0])
/* What the domain builder handed over, recorded by _start before anything else ran;
 * boot_bss_dirty is nonzero when .bss was not zero as loaded. */
extern uint64_t boot_rsi, boot_rsp, boot_rflags, boot_cs, boot_ss, boot_ds, boot_bss_dirty;
extern char _image_start[], _image_end[], _bss_start[], _bss_end[], _user_start[], _user_end[];
extern char boot_stack_top[];
void pv_start(start_info_t *si); /* the kernel's C entry, on the boot stack */
/* Record start_info and the P2M, map shared_info into a page of .bss: 0 or the
 * update_va_mapping error (then shared stays NULL). */
long pv_map_shared_info(start_info_t *si);
/* Register the syscall (events masked), failsafe and event callbacks at
 * trap_entry_0x100/0x101/0x102: 0 or the first error. */
long pv_register_callbacks(void);
void pv_shutdown(unsigned reason) __attribute__((noreturn));
static inline uint64_t m2p(uint64_t mfn) { return ((const uint64_t *)HYPERVISOR_VIRT_START)[mfn]; }

/* ---- time (time.c) ---- */
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
uint64_t now_ns(void); /* pvclock system time of vCPU 0: ns since boot */

/* ---- console (console.c) ---- */
void console_write(const char *s, size_t n);    /* provided by the kernel */
void console_io_write(const char *s, size_t n); /* CONSOLEIO_write, all of it */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);

/* ---- traps (head.S) ----
 * head.S's trap_common saves the GPRs below the hypervisor's bounce frame and calls
 * trap_dispatch (provided by the kernel) with this layout. */
struct pv_regs {
    uint64_t r15, r14, r13, r12, rbx, rbp, r10, r9, r8, rdi, rsi, rdx, rax;
    uint64_t vector, has_ec;
    uint64_t frame[]; /* rcx r11 [ec] rip cs rflags rsp ss */
};
static inline uint64_t *reg_rip(struct pv_regs *r) { return &r->frame[r->has_ec ? 3 : 2]; }
static inline uint64_t reg_cs(struct pv_regs *r) { return reg_rip(r)[1]; }
static inline uint64_t reg_rflags(struct pv_regs *r) { return reg_rip(r)[2]; }
static inline uint64_t reg_rsp(struct pv_regs *r) { return reg_rip(r)[3]; }
static inline uint64_t reg_ec(struct pv_regs *r) { return r->has_ec ? r->frame[2] : 0; }
void trap_dispatch(struct pv_regs *r);
void trap_return(struct pv_regs *r) __attribute__((noreturn));
/* iret hypercall on an explicit frame {rax r11 rcx flags rip cs rflags rsp ss};
 * iret_to_fresh clears every other general register first. */
void iret_to(uint64_t *frame) __attribute__((noreturn));
void iret_to_fresh(uint64_t *frame) __attribute__((noreturn));
extern char trap_entry_0[], trap_entry_1[], trap_entry_2[], trap_entry_3[], trap_entry_4[], trap_entry_5[],
    trap_entry_6[], trap_entry_7[], trap_entry_8[], trap_entry_9[], trap_entry_10[], trap_entry_11[],
    trap_entry_12[], trap_entry_13[], trap_entry_14[], trap_entry_15[], trap_entry_16[], trap_entry_17[],
    trap_entry_18[], trap_entry_19[], trap_entry_20[], trap_entry_21[], trap_entry_22[], trap_entry_23[],
    trap_entry_24[], trap_entry_25[], trap_entry_26[], trap_entry_27[], trap_entry_28[], trap_entry_29[],
    trap_entry_30[], trap_entry_31[], trap_entry_0x80[], trap_entry_0x81[], trap_entry_0x85[],
    trap_entry_0x100[], trap_entry_0x101[], trap_entry_0x102[];
/* Trap-table entries for head.S's stubs: PV_TRAP(vector, dpl, flags) (flags 4: events
 * masked on entry); PV_TRAPS_STD(flags): the 32 exceptions (#BP and #OF DPL 3) and
 * int $0x80 (DPL 3), in vector order. */
#define PV_TRAP(v, dpl, fl)                                                                                  \
    {                                                                                                        \
        (v), (dpl) | (fl), FLAT_KERNEL_CS, (unsigned long)trap_entry_##v                                     \
    }
#define PV_TRAPS_STD(fl)                                                                                     \
    PV_TRAP(0, 0, fl), PV_TRAP(1, 0, fl), PV_TRAP(2, 0, fl), PV_TRAP(3, 3, fl), PV_TRAP(4, 3, fl),           \
        PV_TRAP(5, 0, fl), PV_TRAP(6, 0, fl), PV_TRAP(7, 0, fl), PV_TRAP(8, 0, fl), PV_TRAP(9, 0, fl),       \
        PV_TRAP(10, 0, fl), PV_TRAP(11, 0, fl), PV_TRAP(12, 0, fl), PV_TRAP(13, 0, fl), PV_TRAP(14, 0, fl),  \
        PV_TRAP(15, 0, fl), PV_TRAP(16, 0, fl), PV_TRAP(17, 0, fl), PV_TRAP(18, 0, fl), PV_TRAP(19, 0, fl),  \
        PV_TRAP(20, 0, fl), PV_TRAP(21, 0, fl), PV_TRAP(22, 0, fl), PV_TRAP(23, 0, fl), PV_TRAP(24, 0, fl),  \
        PV_TRAP(25, 0, fl), PV_TRAP(26, 0, fl), PV_TRAP(27, 0, fl), PV_TRAP(28, 0, fl), PV_TRAP(29, 0, fl),  \
        PV_TRAP(30, 0, fl), PV_TRAP(31, 0, fl), PV_TRAP(0x80, 3, fl)
/* Minimal setjmp/longjmp for getting back from user mode or a failed context. */
struct kjmp {
    uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
};
int ksetjmp(struct kjmp *j) __attribute__((returns_twice));
void klongjmp(struct kjmp *j, int v) __attribute__((noreturn));

/* ---- event channels (events.c) ----
 * Handlers run from events_scan (the event upcall, or wait_until) with events
 * masked: they record what happened and return. */
#define NR_PORTS 4096
typedef void (*port_handler_t)(evtchn_port_t port, void *arg);
void port_set_handler(evtchn_port_t port, port_handler_t h, void *arg);
void events_scan(void);
void port_mask(evtchn_port_t port);
void port_unmask(evtchn_port_t port);
/* Sleep until cond(arg) holds (checked after every scan) or system time reaches
 * deadline (0: none).  Returns whether cond held. */
bool wait_until(bool (*cond)(void *), void *arg, uint64_t deadline);
long evtchn_op(int cmd, void *arg);
long notify_port(evtchn_port_t port);
/* Bind VIRQ_TIMER (set_timer_op wakes SCHEDOP_block through it) and stop the
 * periodic timer: 0 or the bind error. */
long events_bind_timer(void);
/* This domain's id (DOMID_SELF if the hypervisor will not say). */
domid_t pv_self_domid(void);

/* ---- the start_info console ring (xencons.c) ---- */
struct xencons_interface;
void xencons_init(struct xencons_interface *ring, evtchn_port_t port);
bool xencons_present(void);
void xencons_write(const char *s, size_t n);
size_t xencons_read(char *buf, size_t n); /* what is there, without blocking */

/* ---- granting our frames (gnttab.c, grant tables v1) ---- */
#define GNTTAB_PV_MAX_FRAMES 4
/* Map nframes table frames over the page-aligned pages given: 0 or -errno. */
long pv_gnttab_init(void *pages, unsigned nframes);
long pv_gnttab_grant(domid_t dom, uint64_t mfn, bool readonly); /* the ref or -errno */
long pv_gnttab_end(grant_ref_t ref);                            /* 0, or -EBUSY while the page is in use */

#endif
