/* Host unit tests of grant tables on the harness's fake machine
 * (tests/unit/harness) with three domains, page tables and a per-domain flush
 * recorder of their own. */
#ifndef GT_UNIT_H
#define GT_UNIT_H

#include "fake.h"
#include "pt.h"
#include "domain.h"
#include "grant.h"
#include "grant_priv.h"

#define FAKE_FRAMES 2048
/* dom1: a backend with CAP_BUILD; dom2: its child, the frontend; dom3: a stranger. */
extern struct domain dom1, dom2, dom3;
extern int n_flush[4];             /* flush_tlb_domain calls per domain id */
extern mfn_t flush_watch;          /* flush records this frame's count ... */
extern uint32_t flush_watch_count; /* ... here at the last flush */

void fake_reset(void); /* fresh memory, domains (with grant tables) */
void set_current(struct domain *d);
static inline void *frame(mfn_t m) { return fake_table(m); }
/* Give d kernel page tables covering GVA..GVA+2MiB with an empty L1; returns it. */
#define GVA 0x0000100000000000UL
mfn_t fake_page_tables(struct domain *d);
uint64_t gva(unsigned page); /* GVA + page * 4096 */
/* Destroy d as domain_destroy does: grant teardown, page-table roots, frames. */
void fake_destroy(struct domain *d);
void fake_rebuild_dom1(void); /* dom1 again, after fake_destroy: same id, new domain */
/* All page_info counts zero for frames owned by d (or anyone if d == NULL). */
bool counts_zero(const struct domain *d);

/* ---- hypercall helpers (helpers.c): run as domain d ---- */
long hc(struct domain *d, unsigned cmd, void *arg, unsigned count);
grant_entry_v1_t *gent(struct domain *d, grant_ref_t ref);
void grant(struct domain *d, grant_ref_t ref, domid_t to, mfn_t m, uint16_t flags);
uint16_t gflags(struct domain *d, grant_ref_t ref);
/* One map; returns the status, handle/bus address through the pointers (may be NULL). */
int map1(struct domain *ld, domid_t dom, grant_ref_t ref, uint32_t flags, uint64_t addr, grant_handle_t *h,
         uint64_t *bus);
int unmap1(struct domain *ld, grant_handle_t h, uint64_t addr, uint64_t bus);
int copy1(struct domain *ld, uint16_t flags, domid_t sdom, uint64_t sref, uint16_t soff, domid_t ddom,
          uint64_t dref, uint16_t doff, uint16_t len);
uint64_t l1e(mfn_t l1, unsigned idx);
struct page_info *pg(mfn_t m);
/* The PTE a host mapping of m is expected to install. */
uint64_t gpte(mfn_t m, bool rw);

void test_setup(void);
void test_map(void);
void test_unmap(void);
void test_copy(void);
void test_teardown(void);
void test_random(void);
void test_v2(void);

#endif
