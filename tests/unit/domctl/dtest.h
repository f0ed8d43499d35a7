/* Host unit tests of domain control (kernel/common/domctl.c) together with the
 * real memory validation (pagetype.c, mm_hypercalls.c, frame.c): the check
 * macros and the fake machine (memory, a domain table, guest memory). */
#ifndef DTEST_H
#define DTEST_H

#include <string.h>
#include "types.h"
#include "mm.h"
#include "pt.h"
#include "domain.h"
#include "hypercall.h"
#include "public/tessera.h"
#include <xen/domctl.h>
#include <xen/vcpu.h>
#include <xen/sched.h>

extern int unit_passed, unit_failed;
void unit_check(bool ok, const char *name, const char *file, int line);
void unit_check_eq(long got, long want, const char *name, const char *file, int line);
#define CHECK(cond, name) unit_check(!!(cond), (name), __FILE__, __LINE__)
#define CHECK_EQ(got, want, name) unit_check_eq((long)(got), (long)(want), (name), __FILE__, __LINE__)

#define FAKE_FRAMES 1024
extern struct domain *builder;          /* domain 0: CAP_ALL, running, current */
extern uint32_t sp_last_weight, sp_last_cap;
extern int n_flush_domain;

void fake_machine(uint8_t *mem);       /* the memory mfn_to_virt() maps */
void fake_reset(void);                   /* fresh memory; builder created and current */
void fake_set_current(struct domain *d); /* d's vCPU 0 becomes the caller */
mfn_t fake_alloc(struct domain *d);      /* a zeroed frame owned by d, counted in tot_pages */
uint64_t *fake_table(mfn_t m);
void fake_guest_map(const void *p, size_t len, bool writable);
bool fake_counts_zero(mfn_t first, mfn_t end);   /* no refs/types/pins in [first, end) */

static inline uint64_t pte(mfn_t m, uint64_t flags) { return (m << PAGE_SHIFT) | flags; }
#define RW_FLAGS (PTE_P | PTE_RW | PTE_A | PTE_D)
#define RO_FLAGS (PTE_P | PTE_A)

/* The core's logging (lib.h cannot be included next to the host's stdlib.h). */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void panic(const char *fmt, ...);
extern bool debug_log;

void test_domctl(void);
void test_build(void);
void test_ioports(void);
void test_assign(void);

#endif
