/* The harness's fake machine for unit tests that compile core sources with the host
 * gcc: the kernel services every such test needs (log, current vCPU, domain lookup,
 * TLB-flush and CR3 recorders), machine memory with the real frame table and
 * allocator (kernel/common/frame.c), and guest memory over host addresses.  A unit
 * directory adds only the fakes of its own (its domains, its recorders). */
#ifndef UNIT_FAKE_H
#define UNIT_FAKE_H

#include "check.h"
#include "types.h"
#include "mm.h"
#include "domain.h"
#include "pt.h"

/* The core's log (kernel/include/lib.h cannot be included next to the host's
 * stdlib.h): printk prints to stderr with UNIT_VERBOSE set; panic aborts. */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern bool debug_log; /* dprintk lines too, with UNIT_VERBOSE */

/* ---- kernel services (fake_kernel.c) ---- */
extern __thread struct vcpu *fake_current; /* current_vcpu(), per thread */
/* domain_lookup() finds the domains put in domain_table[] (a flat stand-in for
 * the kernel's sparse table). */
extern struct domain *domain_table[MAX_DOMAINS];
static inline void fake_register(struct domain *d) { domain_table[d->id] = d; }
void fake_unregister_all(void);
/* Recorders: flush_tlb_local/one/domain and arch_load_guest_cr3 calls. */
extern int n_flush_local, n_flush_one, n_flush_domain, n_load_cr3;
extern uint64_t fake_tlb_clock; /* the flush clock: ticked by each flush above */
extern uint64_t last_flush_va;
extern void (*fake_flush_domain_hook)(struct domain *d); /* also called, if set */
void fake_kernel_reset(void);                            /* counters, hook, current, domain_table */
#define HV_L4E(slot)   (0x8000000000000000UL | ((uint64_t)(slot) << 12) | 0x63) /* hv_l4e() */
#define BAD_DESCRIPTOR 0xBADUL /* the one descriptor check_descriptor() refuses */
/* ldt_switch() records the LDT in the vCPU (v->arch.ldt_base/ldt_ents). */

/* ---- machine memory (fake_machine.c) ---- */
/* nframes frames of host memory (the size is fixed at the first call), filled with
 * 0xCC (the core must zero what it allocates); a zeroed frame table and M2P; frames
 * 1..nframes-1 on frame.c's free list (frame 0 stays the hypervisor's). */
void fake_machine_reset(mfn_t nframes);
uint64_t *fake_table(mfn_t m);      /* the hypervisor's view of a frame */
mfn_t fake_alloc(struct domain *d); /* domain_alloc_page(d), or panic */
/* True when no frame in [first, end) that is in use (owned by owner, if given) has
 * a reference, a type reference or a pin. */
bool fake_counts_zero(mfn_t first, mfn_t end, const struct domain *owner);

/* PTE helpers */
static inline uint64_t pte(mfn_t m, uint64_t flags) { return (m << PAGE_SHIFT) | flags; }
#define RW_FLAGS (PTE_P | PTE_RW | PTE_A | PTE_D)
#define RO_FLAGS (PTE_P | PTE_A)

/* ---- guest memory (fake_guest.c) ---- */
/* Guest addresses are host addresses: by default only ranges registered with
 * fake_guest_map are guest memory; with fake_guest_any all addresses at or above
 * 64 KiB are.  Copies touching [fake_bad_guest_lo, fake_bad_guest_hi) fault, and
 * copies to the guest fault while copy_to_fail is set. */
void fake_guest_map(const void *p, size_t len, bool writable);
void fake_guest_unmap_all(void);
void fake_guest_reset(void); /* no ranges, not any, no faulting range */
extern bool fake_guest_any;
extern uint64_t fake_bad_guest_lo, fake_bad_guest_hi;
extern int copy_to_fail;

#endif
