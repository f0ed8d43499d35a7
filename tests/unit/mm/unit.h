/* Host unit tests of memory validation (pagetype.c, mm_hypercalls.c, ptwr.c) on the
 * harness's fake machine (tests/unit/harness) with two domains of their own. */
#ifndef UNIT_H
#define UNIT_H

#include "fake.h"
#include "pt.h"
#include "domain.h"
#include "regs.h"

/* ---- the domains (fakes.c) ---- */
#define FAKE_FRAMES 512
extern struct domain dom1, dom2; /* dom1 is current; dom2 a foreign domain */
extern struct vcpu vcpu0, vcpu1; /* dom1's vCPUs; vcpu0 runs */

void fake_reset(void);                                   /* fresh memory, domains, counters */
mfn_t fake_alloc_flags(struct domain *d, uint8_t flags); /* fake_alloc with other flags */
mfn_t fake_hv_frame(void);                               /* a frame the hypervisor keeps */
/* dom1's L4[0] -> L3[0] -> L2[0] -> L1, data frame mapped RW at L1[0]: VA 0 .. 2 MiB
 * (not validated: the tests pin or load it). */
struct tree {
    mfn_t l4, l3, l2, l1, data;
};
struct tree build_tree(void);
/* True when every page_info count is zero and no lock is held. */
bool fake_all_counts_zero(void);


void test_pagetype(void);
void test_hypercalls(void);
void test_ptwr(void);
void test_random(void);
void test_foreign(void);
void test_mmio(void);
void test_scrub(void);

#endif
