/* x86-64 page-table entry bits and helpers, and the x86 side of PV memory
 * validation (pagetype.c), the MMU hypercalls (mm_hypercalls.c) and
 * writable-page-table emulation (ptwr.c); what generic code calls is in mm.h. */
#ifndef TESSERA_PT_H
#define TESSERA_PT_H

#include "types.h"

struct domain;
struct vcpu;
struct cpu_regs;

/* Hardware PTE bits. */
#define PTE_P     (1UL << 0)
#define PTE_RW    (1UL << 1)
#define PTE_US    (1UL << 2)
#define PTE_PWT   (1UL << 3)
#define PTE_PCD   (1UL << 4)
#define PTE_A     (1UL << 5)
#define PTE_D     (1UL << 6)
#define PTE_PSE   (1UL << 7) /* L2/L3: superpage */
#define PTE_PAT   (1UL << 7) /* L1: PAT index bit */
#define PTE_G     (1UL << 8)
#define PTE_AVAIL (7UL << 9) /* software bits 9-11 */
#define PTE_NX    (1UL << 63)
#define PTE_ADDR  0x000FFFFFFFFFF000UL
/* Software bits 52-62.  Bit 52 marks an L1 entry the guest wrote without U:
 * the hypervisor sets U on every guest entry (the guest kernel runs in ring 3)
 * and remembers that it was a kernel mapping (Xen's _PAGE_GUEST_KERNEL). */
#define PTE_AVAIL_HIGH   0x7FF0000000000000UL
#define PTE_GUEST_KERNEL (1UL << 52)
#define PTE_GNTTAB       (1UL << 62) /* reserved by Xen for grant mappings */
#define PTE_CACHE_ATTRS  (PTE_PWT | PTE_PCD | PTE_PAT)

/* Flags a guest may set in a present entry (Xen's base_disallow_mask inverse). */
#define PTE_GUEST_BASE   (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D | PTE_AVAIL | PTE_AVAIL_HIGH | PTE_NX)
#define L1_GUEST_ALLOWED ((PTE_GUEST_BASE | PTE_G) & ~PTE_GNTTAB)
#define LN_GUEST_ALLOWED PTE_GUEST_BASE /* L2..L4: no PSE, G, PWT/PCD */
#define PTE_FLAGS_MASK   (~PTE_ADDR)

#define PT_ENTRIES 512

static inline mfn_t pte_mfn(uint64_t e) { return (e & PTE_ADDR) >> PAGE_SHIFT; }
static inline bool pte_present(uint64_t e) { return e & PTE_P; }
static inline unsigned pt_index(uint64_t va, unsigned level) /* level 1..4 */
{
    return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}
static inline bool l4_slot_is_hv(unsigned slot) { return slot >= 256 && slot <= 271; }
/* The read-only M2P (RO_MPT_VIRT_START): present in a validated L4 only with
 * the m2p_strict assist; filled in at kernel CR3 loads without it (mm_set_ro_mpt). */
#define L4_SLOT_RO_MPT 256

/* Segment descriptor check and fix-up (descriptor.c): true if *desc may be
 * installed in a guest GDT/LDT; may adjust it (e.g. raise DPL). */
bool check_descriptor(uint64_t *desc);
struct vcpu;
/* Install a new LDT (checked base and size) for v, the current vCPU (descriptor.c). */
void ldt_switch(struct vcpu *v, uint64_t base, uint32_t ents);
/* Map the page of current's LDT holding byte off into this pCPU's LDT window. */
bool ldt_map_page(struct vcpu *v, uint64_t off);

/* --- pagetype.c (callers hold d->lock) --- */
/* Find the L1 table mapping va under the L4 table l4: 0 and *l1 set, or
 * -EINVAL when a level is missing (not present, superpage, not the domain's). */
int pt_walk_l1(const struct domain *d, mfn_t l4, uint64_t va, mfn_t *l1);
/* Like pt_update_entry, but only if the slot still holds *old (compare-exchange,
 * used by ptwr); on a mismatch returns -EAGAIN with *old = the current value. */
int pt_cmpxchg_entry(struct domain *d, mfn_t table, unsigned idx, uint64_t *old, uint64_t val);
/* pt_update_entry for a builder: an L1 entry may map a frame of pg_owner (a
 * domain d created that has not run; both locks held) instead of d's own.
 * Entries of other levels must then stay d's: -EINVAL. */
int pt_update_entry_foreign(struct domain *d, const struct domain *pg_owner, mfn_t table, unsigned idx,
                            uint64_t val, bool preserve_ad);

/* --- mm_hypercalls.c: hypercall table entries (5 raw argument registers) --- */
long do_mmu_update(uint64_t reqs, uint64_t count, uint64_t pdone, uint64_t domid, uint64_t a5);
long do_mmuext_op(uint64_t ops, uint64_t count, uint64_t pdone, uint64_t domid, uint64_t a5);
long do_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags, uint64_t a4, uint64_t a5);
long do_vm_assist(uint64_t cmd, uint64_t type, uint64_t a3, uint64_t a4, uint64_t a5);

/* --- ptwr.c --- */
/* Write fault by the guest kernel on a present read-only mapping: emulate the
 * write if it targets one of the domain's L1 tables.  1 = emulated (RIP
 * advanced), 0 = not handled, bounce #PF to the guest. */
int ptwr_do_page_fault(struct cpu_regs *regs, uint64_t addr);

#endif
