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
/* Load CR3 for v's current mode (kernel or user L4). */
void arch_load_guest_cr3(struct vcpu *v);
/* The hypervisor's entry for L4 slot 256..271, copied into every guest L4 on validation. */
uint64_t hv_l4e(unsigned slot);

#endif
