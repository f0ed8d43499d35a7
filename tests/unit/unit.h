/* Host unit tests of memory validation: the check macros and the fake machine
 * (memory, domains, flush/CR3 recorders, guest memory) they run against. */
#ifndef UNIT_H
#define UNIT_H

#include "types.h"
#include "mm.h"
#include "pt.h"
#include "domain.h"
#include "regs.h"

extern int unit_passed, unit_failed;
void unit_check(bool ok, const char *name, const char *file, int line);
#define CHECK(cond, name) unit_check(!!(cond), (name), __FILE__, __LINE__)
/* An int result compared with the expected value (prints both on failure). */
void unit_check_eq(long got, long want, const char *name, const char *file, int line);
#define CHECK_EQ(got, want, name) unit_check_eq((long)(got), (long)(want), (name), __FILE__, __LINE__)

/* ---- the fake machine ---- */
#define FAKE_FRAMES 512
extern struct domain dom1, dom2;        /* dom1 is current; dom2 a foreign domain */
extern struct vcpu vcpu0, vcpu1;        /* dom1's vCPUs; vcpu0 runs */
extern int n_flush_local, n_flush_one, n_flush_domain, n_load_cr3;
extern uint64_t last_flush_va;

void fake_reset(void);                  /* fresh memory, domains, counters */
mfn_t fake_alloc(struct domain *d);      /* a zeroed frame owned by d */
mfn_t fake_alloc_flags(struct domain *d, uint8_t flags);
mfn_t fake_hv_frame(void);               /* a frame the hypervisor keeps */
uint64_t *fake_table(mfn_t m);           /* hypervisor view of a frame */
/* Guest memory: copy_*_guest accept only ranges registered here (host addresses). */
void fake_guest_map(const void *p, size_t len, bool writable);
void fake_guest_unmap_all(void);
/* True when every page_info count is zero and no lock is held. */
bool fake_all_counts_zero(void);

/* PTE helpers */
static inline uint64_t pte(mfn_t m, uint64_t flags) { return (m << PAGE_SHIFT) | flags; }
#define RW_FLAGS (PTE_P | PTE_RW | PTE_A | PTE_D)
#define RO_FLAGS (PTE_P | PTE_A)
#define HV_L4E(slot) (0x8000000000000000UL | ((uint64_t)(slot) << 12) | 0x63)

void test_pagetype(void);
void test_hypercalls(void);
void test_ptwr(void);
void test_random(void);
void test_foreign(void);
void test_mmio(void);

#endif
