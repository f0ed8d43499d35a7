/* Machine frames: the frame table (owner, type, counts), the frame allocator and
 * the page-type API that memory validation is built on. */
#ifndef TESSERA_MM_H
#define TESSERA_MM_H

#include "types.h"

struct domain;

/* Page types.  A frame's type may change only while its type count is 0. */
enum page_type {
    PGT_none = 0,
    PGT_writable, /* count = writable mappings of the frame */
    PGT_l1,
    PGT_l2,
    PGT_l3,
    PGT_l4,
    PGT_seg_desc, /* GDT/LDT frame */
};

/* page_info.flags */
#define PGF_allocated (1u << 0) /* owned by a domain (counts in tot_pages) */
#define PGF_xenheap   (1u << 1) /* hypervisor memory shared with owner (shared_info, grant frames) */
#define PGF_pinned    (1u << 2) /* holds one type reference for a pin */
#define PGF_validated (1u << 3) /* contents checked against the current type */
#define PGF_free      (1u << 4) /* on the allocator's free list */
#define PGF_readonly  (1u << 5) /* boot module: owner may map it read-only only */
#define PGF_releasing (1u << 6) /* decrease_reservation: going back to the free list */
#define PGF_dirty     (1u << 7) /* written other than through a dirty L1 entry (logdirty.c) */

#define DOMID_NONE 0xffffu /* page_info.owner of unowned frames */

struct page_info {
    uint32_t count;      /* general references: every mapping, pin and type use */
    uint32_t type_count; /* uses of the current type */
    uint8_t type;        /* enum page_type */
    uint8_t flags;       /* PGF_* */
    uint16_t owner;      /* domid or DOMID_NONE */
    uint32_t next;       /* free-list / domain page-list link (frame number, ~0 = end) */
};

extern struct page_info *frame_table;
extern mfn_t max_mfn;       /* frames [0, max_mfn) have page_info entries */
extern uint64_t *m2p_table; /* machine-to-phys, writable view */

static inline struct page_info *mfn_to_page(mfn_t m) { return &frame_table[m]; }
static inline mfn_t page_to_mfn(const struct page_info *p) { return (mfn_t)(p - frame_table); }
static inline bool mfn_valid(mfn_t m) { return m < max_mfn; }

/* Hypervisor view of a frame: the direct map, inline (every table access);
 * the host unit tests bring their own fake memory. */
#if __STDC_HOSTED__
void *mfn_to_virt(mfn_t m);
#else
#include "layout.h"
static inline void *mfn_to_virt(mfn_t m) { return (void *)(DIRECTMAP_START + (m << PAGE_SHIFT)); }
#endif

/* Frame allocator (frame.c). */
void frames_init(void);
void frame_add_free_range(mfn_t first, mfn_t count);
mfn_t frame_alloc(void); /* INVALID_MFN when out of memory */
void frame_free(mfn_t m);
uint64_t frames_free_count(void);
bool frames_scrub(unsigned n); /* idle: zero up to n dirty frames; true if more are due */
void frames_scrub_start(void); /* once domain 0 is built */

/* Page ownership and types (pagetype.c).  All return 0 or -errno. */
int get_page(struct page_info *pg, const struct domain *d);
void put_page(struct page_info *pg);
int get_page_type(struct page_info *pg, enum page_type t);
void put_page_type(struct page_info *pg);
int get_page_and_type(mfn_t m, const struct domain *d, enum page_type t);
/* For the audit: each reference the entries of validated table m (type t) hold,
 * as hold(target, whether a type reference is held too). */
void pt_table_refs(mfn_t m, enum page_type t, void (*hold)(mfn_t target, bool typed));
void put_page_and_type(struct page_info *pg);

/* ---- memory validation as generic code uses it (arch: pagetype.c, mm_hypercalls.c) ---- */
/* Take/drop a CR3-style reference: general + top-level page-table type (validates). */
int get_root_table(struct domain *d, mfn_t m);
/* Does a validated L1 of d map a frame of `owner` (not through a grant)?  A
 * domain may first run, or be destroyed before it ran, only when its builder's
 * answer is no (domctl.c). */
bool mm_maps_foreign(const struct domain *d, domid_t owner);
/* Drop every pin and every vCPU's CR3 references of d (domain teardown). */
void mm_relinquish(struct domain *d);
/* Install (present) or remove the read-only M2P slot of an L4: filled at kernel
 * CR3 loads without m2p_strict, zapped at user CR3 loads with it. */
void mm_set_ro_mpt(mfn_t l4, bool present);
/* The vm_assist types a 64-bit PV guest may enable (Xen's PV64 set); also the
 * vm_assist field of a vCPU context set through domctl. */
#define VMASST_PV64_VALID                                                                                    \
    ((1UL << VMASST_TYPE_4gb_segments) | (1UL << VMASST_TYPE_4gb_segments_notify) |                          \
     (1UL << VMASST_TYPE_writable_pagetables) | (1UL << VMASST_TYPE_pae_extended_cr3) |                      \
     (1UL << VMASST_TYPE_architectural_iopl) | (1UL << VMASST_TYPE_runstate_update_flag) |                   \
     (1UL << VMASST_TYPE_m2p_strict))
/* Log-dirty mode (logdirty.c, docs/migration.md): a store into frame m that
 * no L1 entry's dirty bit records (the core's own, a grant's, a dropped entry's). */
static inline void logdirty_mark(mfn_t m)
{
    if (mfn_valid(m)) __atomic_fetch_or(&mfn_to_page(m)->flags, (uint8_t)PGF_dirty, __ATOMIC_RELAXED);
}
struct xen_domctl_shadow_op;
/* XEN_DOMCTL_shadow_op on t; LOGDIRTY_RESTART: continue the domctl. */
#define LOGDIRTY_RESTART 1
long logdirty_op(struct domain *t, struct xen_domctl_shadow_op *sc);

/* Validate and install one entry of a typed page table; old entry's refs dropped. */
int pt_update_entry(struct domain *d, mfn_t table, unsigned idx, uint64_t val, bool preserve_ad);

#endif
