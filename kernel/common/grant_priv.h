/* Grant tables (v1 and v2), private to grant_table.c and grant_map.c: the
 * per-domain state (shared and status frames, active entries, maptrack),
 * pinning of grant entries and the locking helpers both files use.  See
 * docs/grant-tables.md. */
#ifndef TESSERA_GRANT_PRIV_H
#define TESSERA_GRANT_PRIV_H

#include "types.h"
#include "mm.h"
#include "domain.h"
#include "spinlock.h"
#include "grant.h"
#include <xen/grant_table.h>

#define GNTTAB_INIT_FRAMES       1u /* Xen starts every table with one frame */
#define GNTTAB_ENTRIES_PER_FRAME (PAGE_SIZE / sizeof(grant_entry_v1_t)) /* 512 (v1) */
#define GNTTAB_V2_PER_FRAME      (PAGE_SIZE / sizeof(grant_entry_v2_t)) /* 256 */
#define GNTTAB_STATUS_PER_FRAME  (PAGE_SIZE / sizeof(grant_status_t))   /* 2048 */
#define GNTTAB_MAX_STATUS        (GNTTAB_MAX_FRAMES * GNTTAB_V2_PER_FRAME / GNTTAB_STATUS_PER_FRAME)
#define MAPTRACK_MAX             4096u /* mappings a domain may hold (a back end of 1,000 domains) */
#define UNMAP_CHUNK              32u   /* unmaps per TLB flush (Xen's batch size) */
#define GNTTAB_PIN_MAX                                                                                       \
    128u /* pins of one kind per entry: Xen's 8-bit
                                         counters refuse once bit 7 is set */

/* The hypervisor's per-grant state: who has it pinned and how often.  Only one
 * domain (the one the entry names) can pin an entry; the frame is latched at
 * the first pin and used until the last pin goes, as in Xen. */
struct active_grant {
    uint16_t host_ro, host_rw; /* host mappings (and copies in flight) */
    uint16_t dev_ro, dev_rw;   /* device (bus address) mappings */
    domid_t domid;             /* pinning domain, valid while pinned */
    uint16_t pad;
    uint32_t mfn; /* v1 frames are 32 bits wide */
};
#define ACTIVE_PER_FRAME              (PAGE_SIZE / sizeof(struct active_grant)) /* 256 */
#define ACTIVE_FRAMES_PER_GRANT_FRAME (GNTTAB_ENTRIES_PER_FRAME / ACTIVE_PER_FRAME)

/* Pin kinds (index into the counters above). */
enum pin_kind { PIN_HOST, PIN_DEV };

/* One mapping a domain holds of some domain's grant (its handle is the index). */
struct maptrack {
    uint64_t host_addr; /* as given at map time (page VA or PTE maddr) */
    uint64_t pte_maddr; /* machine address of the L1 slot we wrote */
    uint32_t mfn;       /* the granted frame */
    grant_ref_t ref;    /* granting domain's entry; free-list link when free */
    uint32_t flags;     /* GNTMAP_* kept (0 = free) + MT_* below */
    domid_t dom;        /* granting domain */
    uint16_t pad;
};
#define MAPTRACK_PER_FRAME (PAGE_SIZE / sizeof(struct maptrack)) /* 128 */
#define MAPTRACK_FRAMES    (MAPTRACK_MAX / MAPTRACK_PER_FRAME)
/* GNTMAP_* bits a maptrack entry keeps: the kind, the PTE's avail bits. */
#define MT_KEEP                                                                                              \
    (GNTMAP_device_map | GNTMAP_host_map | GNTMAP_readonly | GNTMAP_application_map | GNTMAP_contains_pte |  \
     (7u << _GNTMAP_guest_avail0))
#define MT_PTE_HELD (1u << 31)  /* teardown: PTE cleared, its references still to drop */
#define MT_NONE     0xffffffffu /* end of the free list */

struct grant_table {
    mfn_t self;          /* the frame this structure lives in */
    unsigned nr_frames;  /* shared frames in use */
    unsigned max_frames; /* createdomain's max_grant_frames */
    unsigned version;    /* 1 or 2 (GNTTABOP_set_version) */
    unsigned nr_status;  /* v2: status frames in use (0 under v1) */
    mfn_t status[GNTTAB_MAX_STATUS];
    mfn_t frames[GNTTAB_MAX_FRAMES];
    mfn_t active[GNTTAB_MAX_FRAMES * ACTIVE_FRAMES_PER_GRANT_FRAME];
    unsigned nr_pinned; /* active entries with a non-zero pin */
    /* maptrack: mappings this domain holds */
    mfn_t maptrack[MAPTRACK_FRAMES];
    unsigned maptrack_limit; /* entries allocated (handles below it) */
    unsigned maptrack_free;  /* free-list head, MT_NONE = empty */
    unsigned maptrack_used;
    unsigned maptrack_max; /* handles it may have (createdomain's max_maptrack_frames) */
};

/* One global lock serialises grant operations (domain locks nest inside it,
 * in ascending domid order).  Grant traffic is light next to the checks. */
extern spinlock_t gnttab_lock;

void gnttab_lock_pair(struct domain *a, struct domain *b); /* b may be NULL or == a */
void gnttab_unlock_pair(struct domain *a, struct domain *b);

static inline unsigned gnttab_nr_entries(const struct grant_table *gt)
{
    return gt->nr_frames * (gt->version == 2 ? GNTTAB_V2_PER_FRAME : GNTTAB_ENTRIES_PER_FRAME);
}
grant_entry_v1_t *gnttab_shared_entry(const struct grant_table *gt, grant_ref_t ref);
grant_entry_v2_t *gnttab_shared_entry_v2(const struct grant_table *gt, grant_ref_t ref);
struct active_grant *gnttab_active_entry(const struct grant_table *gt, grant_ref_t ref);
struct maptrack *gnttab_maptrack_entry(const struct grant_table *gt, unsigned handle);

/* A domain usable as a grant peer: exists, not dying, has a table. */
struct domain *gnttab_peer(domid_t id);

/* Pin entry ref of rd for ldom (checks it, sets GTF_reading/_writing, latches the
 * frame).  map = a mapping (GTF_sub_page refused).  GNTST_* result. */
int gnttab_pin(struct domain *rd, grant_ref_t ref, domid_t ldom, bool ro, bool map, enum pin_kind kind,
               mfn_t *mfn);
/* Drop one pin of that kind; clears GTF_reading/_writing as the pins allow. */
void gnttab_unpin(struct domain *rd, grant_ref_t ref, bool ro, enum pin_kind kind);

/* A pin for a copy: v2 sub-page grants give a byte range; a v2 transitive grant
 * pins the entry it names too (one level, as Xen), released with it. */
struct copy_pin {
    mfn_t mfn;
    uint16_t start, len; /* the granted bytes of the frame */
    struct domain *td;   /* transitive: the domain really granting */
    grant_ref_t tref;
};
int gnttab_pin_copy(struct domain *rd, grant_ref_t ref, domid_t ldom, bool ro, struct copy_pin *p);
void gnttab_unpin_copy(struct domain *rd, grant_ref_t ref, bool ro, const struct copy_pin *p);

/* References a mapping holds on the granted frame: general + writable type if rw. */
int gnttab_get_frame_refs(struct domain *rd, mfn_t mfn, bool rw);
void gnttab_put_frame_refs(mfn_t mfn, bool rw);

/* grant_map.c */
long gnttab_map(uint64_t uop, unsigned count);
long gnttab_unmap(uint64_t uop, unsigned count);
long gnttab_copy(uint64_t uop, unsigned count);
long gnttab_unmap_and_replace(uint64_t uop, unsigned count);
/* Teardown: drop every mapping d holds (d's tables intact) and every mapping
 * other domains hold of d's grants. */
void gnttab_release_mappings(struct domain *d);

#endif
