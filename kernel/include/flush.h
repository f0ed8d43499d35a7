/* TLB flushing and CR3 loading, as the memory-validation code needs them. */
#ifndef TESSERA_FLUSH_H
#define TESSERA_FLUSH_H

#include "types.h"

struct domain;
struct vcpu;

void flush_tlb_local(void);
void flush_tlb_one_local(uint64_t va);
/* Flush every pCPU that may hold TLB entries of domain d. */
void flush_tlb_domain(struct domain *d);

/* The TLB flush clock (after Xen's tlbflush_clock).  The core uses no global
 * pages, so every CR3 load flushes a pCPU's whole TLB; load_cr3() ticks the
 * clock before it and records the tick for the pCPU.  A stamp taken with
 * tlb_clock_now() after an event (a table entry removed) is "flushed since"
 * on a pCPU whose recorded tick is greater: that CR3 load came after it. */
void load_cr3(uint64_t cr3);
uint64_t tlb_clock_now(void);
bool tlb_flushed_since(unsigned cpu, uint64_t stamp);
/* flush_tlb_domain, skipping the pCPUs flushed since `stamp`. */
void flush_tlb_domain_since(struct domain *d, uint64_t stamp);
/* Load CR3 for v's current mode (kernel or user L4). */
void arch_load_guest_cr3(struct vcpu *v);
/* The hypervisor's entry for L4 slot 256..271, copied into every guest L4 on validation. */
uint64_t hv_l4e(unsigned slot);

#endif
