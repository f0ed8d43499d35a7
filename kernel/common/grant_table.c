/* Grant tables v1: per-domain state, pinning of grant entries (GTF_reading /
 * GTF_writing), setup_table, query_size, get/set_version, the hypercall
 * dispatcher and domain init/teardown.  Mapping and copying are in
 * grant_map.c.  Guest-visible behaviour (GNTST_* per op, errno values)
 * follows Xen 4.17; see docs/grant-tables.md. */
#include "grant.h"
#include "grant_priv.h"
#include "guest_access.h"
#include "lib.h"

spinlock_t gnttab_lock = SPINLOCK_INIT;

BUILD_BUG_ON(sizeof(struct active_grant) != 16);
BUILD_BUG_ON(sizeof(struct maptrack) != 32);
BUILD_BUG_ON(sizeof(struct grant_table) > PAGE_SIZE);

/* ---- locking ---- */

void gnttab_lock_pair(struct domain *a, struct domain *b)
{
    if (!b || b == a) {
        spin_lock(&a->lock);
    } else if (a->id < b->id) {
        spin_lock(&a->lock);
        spin_lock(&b->lock);
    } else {
        spin_lock(&b->lock);
        spin_lock(&a->lock);
    }
}

void gnttab_unlock_pair(struct domain *a, struct domain *b)
{
    if (b && b != a)
        spin_unlock(&b->lock);
    spin_unlock(&a->lock);
}

/* ---- table access ---- */

grant_entry_v1_t *gnttab_shared_entry(const struct grant_table *gt, grant_ref_t ref)
{
    grant_entry_v1_t *f = mfn_to_virt(gt->frames[ref / GNTTAB_ENTRIES_PER_FRAME]);
    return &f[ref % GNTTAB_ENTRIES_PER_FRAME];
}

struct active_grant *gnttab_active_entry(const struct grant_table *gt, grant_ref_t ref)
{
    struct active_grant *a = mfn_to_virt(gt->active[ref / ACTIVE_PER_FRAME]);
    return &a[ref % ACTIVE_PER_FRAME];
}

struct maptrack *gnttab_maptrack_entry(const struct grant_table *gt, unsigned handle)
{
    struct maptrack *m = mfn_to_virt(gt->maptrack[handle / MAPTRACK_PER_FRAME]);
    return &m[handle % MAPTRACK_PER_FRAME];
}

struct domain *gnttab_peer(domid_t id)
{
    struct domain *d = domain_lookup(id);
    if (!d || d->state == DOM_DYING || !d->gnttab)
        return NULL;
    return d;
}

/* ---- frame references ---- */

int gnttab_get_frame_refs(struct domain *rd, mfn_t mfn, bool rw)
{
    struct page_info *pg = mfn_to_page(mfn);
    if (get_page(pg, rd))
        return -EINVAL;
    if (rw && ((pg->flags & PGF_readonly) || get_page_type(pg, PGT_writable))) {
        put_page(pg);
        return -EINVAL;
    }
    return 0;
}

void gnttab_put_frame_refs(mfn_t mfn, bool rw)
{
    struct page_info *pg = mfn_to_page(mfn);
    if (rw)
        put_page_type(pg);
    put_page(pg);
}

/* ---- pinning ---- */

static bool write_pinned(const struct active_grant *a) { return a->host_rw || a->dev_rw; }
static bool pinned(const struct active_grant *a)
{
    return a->host_ro || a->host_rw || a->dev_ro || a->dev_rw;
}

static uint16_t *pin_counter(struct active_grant *a, bool ro, enum pin_kind kind)
{
    if (kind == PIN_HOST)
        return ro ? &a->host_ro : &a->host_rw;
    return ro ? &a->dev_ro : &a->dev_rw;
}

/* Set GTF_reading (and GTF_writing) with a compare-exchange against the value
 * checked: the granting guest changes flags concurrently.  Xen gives up after
 * five lost races ("unstable" entry). */
static int set_status(grant_entry_v1_t *e, bool was_pinned, bool ro, bool map, domid_t ldom)
{
    uint32_t *word = (uint32_t *)e;          /* flags (low 16) and domid (high 16) */
    uint16_t mask = GTF_type_mask | (map ? GTF_sub_page : 0);
    uint32_t cur = __atomic_load_n(word, __ATOMIC_ACQUIRE);

    for (unsigned tries = 0;; tries++) {
        uint16_t flags = cur & 0xffff;
        domid_t dom = cur >> 16;
        if (!was_pinned && ((flags & mask) != GTF_permit_access || dom != ldom))
            return GNTST_general_error;
        if (!ro && (flags & GTF_readonly))
            return GNTST_general_error;
        uint32_t want = cur | GTF_reading | (ro ? 0 : GTF_writing);
        if (__atomic_compare_exchange_n(word, &cur, want, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
            return GNTST_okay;
        if (tries == 4)
            return GNTST_general_error;
    }
}

/* Clear the status bits the remaining pins no longer justify. */
static void reduce_status(grant_entry_v1_t *e, const struct active_grant *a, bool ro)
{
    uint16_t clear = pinned(a) ? 0 : GTF_reading;
    if (!ro && !write_pinned(a))
        clear |= GTF_writing;
    if (clear)
        __atomic_fetch_and(&e->flags, (uint16_t)~clear, __ATOMIC_SEQ_CST);
}

/* The frame a v1 entry names must be a frame rd owns (Xen: GNTST_bad_page). */
static bool frame_owned_by(mfn_t m, const struct domain *rd)
{
    if (!mfn_valid(m))
        return false;
    const struct page_info *pg = mfn_to_page(m);
    return pg->owner == rd->id && !(pg->flags & PGF_free) &&
           (pg->flags & (PGF_allocated | PGF_xenheap));
}

int gnttab_pin(struct domain *rd, grant_ref_t ref, domid_t ldom, bool ro, bool map,
              enum pin_kind kind, mfn_t *mfn)
{
    struct grant_table *gt = rd->gnttab;

    if (ref >= gnttab_nr_entries(gt))
        return GNTST_bad_gntref;
    grant_entry_v1_t *e = gnttab_shared_entry(gt, ref);
    struct active_grant *a = gnttab_active_entry(gt, ref);
    bool was_pinned = pinned(a);
    uint16_t *ctr = pin_counter(a, ro, kind);
    if (was_pinned && a->domid != ldom)
        return GNTST_general_error;
    if (*ctr >= GNTTAB_PIN_MAX)
        return GNTST_general_error;   /* Xen: "risk of counter overflow" */
    if (!was_pinned || (!ro && !write_pinned(a))) {
        int rc = set_status(e, was_pinned, ro, map, ldom);
        if (rc)
            return rc;
    }
    if (!was_pinned) {
        mfn_t m = __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);
        if (!frame_owned_by(m, rd)) {
            reduce_status(e, a, ro);
            return GNTST_bad_page;
        }
        a->domid = ldom;
        a->mfn = (uint32_t)m;
        gt->nr_pinned++;
    }
    (*ctr)++;
    *mfn = a->mfn;
    return GNTST_okay;
}

void gnttab_unpin(struct domain *rd, grant_ref_t ref, bool ro, enum pin_kind kind)
{
    struct grant_table *gt = rd->gnttab;
    struct active_grant *a = gnttab_active_entry(gt, ref);
    uint16_t *ctr = pin_counter(a, ro, kind);

    ASSERT(*ctr > 0);
    (*ctr)--;
    if (!pinned(a))
        gt->nr_pinned--;
    reduce_status(gnttab_shared_entry(gt, ref), a, ro);
}

/* ---- growing and freeing ---- */

static mfn_t alloc_hv_frame(void)
{
    return frame_alloc();        /* zeroed, owner DOMID_NONE */
}

/* Grow d's table to n frames (shared frames + their active entries); existing
 * frames keep their contents.  On failure nothing changes. */
static int grow_table(struct domain *d, unsigned n)
{
    struct grant_table *gt = d->gnttab;
    unsigned old = gt->nr_frames, i;

    for (i = old; i < n; i++) {
        mfn_t f = alloc_hv_frame();
        mfn_t a0 = f == INVALID_MFN ? INVALID_MFN : alloc_hv_frame();
        mfn_t a1 = a0 == INVALID_MFN ? INVALID_MFN : alloc_hv_frame();
        if (a1 == INVALID_MFN) {
            if (a0 != INVALID_MFN) frame_free(a0);
            if (f != INVALID_MFN) frame_free(f);
            goto undo;
        }
        gt->frames[i] = f;
        gt->active[2 * i] = a0;
        gt->active[2 * i + 1] = a1;
    }
    BUILD_BUG_ON(ACTIVE_FRAMES_PER_GRANT_FRAME != 2);
    /* Share the new frames with the domain: it maps them (also writable),
     * they never become page tables (PGF_xenheap). */
    for (i = old; i < n; i++) {
        struct page_info *pg = mfn_to_page(gt->frames[i]);
        pg->owner = d->id;
        pg->flags = PGF_xenheap;
    }
    gt->nr_frames = n;
    return 0;
undo:
    while (i-- > old) {
        frame_free(gt->frames[i]);
        frame_free(gt->active[2 * i]);
        frame_free(gt->active[2 * i + 1]);
    }
    return -ENOMEM;
}

int gnttab_domain_init(struct domain *d)
{
    mfn_t self = alloc_hv_frame();
    if (self == INVALID_MFN)
        return -ENOMEM;
    struct grant_table *gt = mfn_to_virt(self);
    gt->self = self;
    gt->maptrack_free = MT_NONE;
    d->gnttab = gt;
    if (grow_table(d, GNTTAB_INIT_FRAMES)) {
        d->gnttab = NULL;
        frame_free(self);
        return -ENOMEM;
    }
    return 0;
}

/* The shared frames may still be mapped by d's own page tables, which are torn
 * down after us: hand them to d's page list, which domain_destroy frees last. */
static void free_table(struct domain *d)
{
    struct grant_table *gt = d->gnttab;

    for (unsigned i = 0; i < gt->nr_frames; i++) {
        mfn_to_page(gt->frames[i])->next = d->page_list;
        d->page_list = (uint32_t)gt->frames[i];
        frame_free(gt->active[2 * i]);
        frame_free(gt->active[2 * i + 1]);
    }
    for (unsigned i = 0; i < MAPTRACK_FRAMES; i++)
        if (gt->maptrack[i])
            frame_free(gt->maptrack[i]);
    d->gnttab = NULL;
    frame_free(gt->self);
}

void gnttab_domain_destroy(struct domain *d)
{
    if (!d->gnttab)
        return;
    spin_lock(&gnttab_lock);
    gnttab_release_mappings(d);
    free_table(d);
    spin_unlock(&gnttab_lock);
}

/* ---- setup_table, query_size, versions ---- */

/* The domain an op names: DOMID_SELF or one this domain built (CAP_BUILD). */
static struct domain *target_domain(domid_t id, int *status)
{
    struct domain *cd = current->domain;
    struct domain *d = id == DOMID_SELF ? cd : gnttab_peer(id);

    *status = GNTST_okay;
    if (!d)
        *status = GNTST_bad_domain;
    else if (d != cd && !(has_cap(cd, CAP_BUILD) && d->parent == cd->id))
        *status = GNTST_permission_denied;
    return *status ? NULL : d;
}

static long setup_table(uint64_t uop, unsigned count)
{
    struct gnttab_setup_table op;
    int st;

    if (count != 1)
        return -EINVAL;
    if (copy_from_guest(&op, uop, sizeof(op)))
        return -EFAULT;
    uint64_t list = (uint64_t)op.frame_list.p;
    if (!guest_range_ok(list, (size_t)op.nr_frames * sizeof(xen_pfn_t)))
        return -EFAULT;
    struct domain *d = target_domain(op.dom, &st);
    if (d) {
        spin_lock(&d->lock);
        if (op.nr_frames > GNTTAB_MAX_FRAMES)
            st = GNTST_general_error;
        else if (op.nr_frames > d->gnttab->nr_frames && grow_table(d, op.nr_frames))
            st = GNTST_general_error;
        spin_unlock(&d->lock);
    }
    for (unsigned i = 0; d && !st && i < op.nr_frames; i++) {
        xen_pfn_t f = d->gnttab->frames[i];
        if (copy_to_guest(list + i * sizeof(f), &f, sizeof(f)))
            st = GNTST_bad_virt_addr;
    }
    op.status = (int16_t)st;
    if (copy_to_guest(uop + offsetof(struct gnttab_setup_table, status), &op.status,
                      sizeof(op.status)))
        return -EFAULT;
    return 0;
}

static long query_size(uint64_t uop, unsigned count)
{
    struct gnttab_query_size op;
    int st;

    if (count != 1)
        return -EINVAL;
    if (copy_from_guest(&op, uop, sizeof(op)))
        return -EFAULT;
    struct domain *d = target_domain(op.dom, &st);
    if (d) {
        op.nr_frames = d->gnttab->nr_frames;
        op.max_nr_frames = GNTTAB_MAX_FRAMES;
    }
    op.status = (int16_t)st;
    return copy_to_guest(uop, &op, sizeof(op)) ? -EFAULT : 0;
}

/* Only v1 exists here: asking for 2 is what Xen answers when v2 is disabled. */
static long set_version(uint64_t uop)
{
    struct gnttab_set_version op;
    long rc = 0;

    if (copy_from_guest(&op, uop, sizeof(op)))
        return -EFAULT;
    if (op.version != 1 && op.version != 2)
        rc = -EINVAL;
    else if (op.version == 2)
        rc = -ENOSYS;
    op.version = 1;
    return copy_to_guest(uop, &op, sizeof(op)) ? -EFAULT : rc;
}

static long get_version(uint64_t uop, unsigned count)
{
    struct gnttab_get_version op;
    int st;

    if (copy_from_guest(&op, uop, sizeof(op)))
        return -EFAULT;
    if (!target_domain(op.dom, &st))
        return st == GNTST_bad_domain ? -ESRCH : -EPERM;
    op.version = 1;
    return copy_to_guest(uop + offsetof(struct gnttab_get_version, version), &op.version,
                         sizeof(op.version)) ? -EFAULT : 0;
}

/* ---- dispatcher ---- */

#define GNTTABOP_CMD_BITS 12      /* Xen keeps continuation state above these */

static long run_locked(long (*fn)(uint64_t, unsigned), uint64_t uop, unsigned count)
{
    spin_lock(&gnttab_lock);
    long rc = fn(uop, count);
    spin_unlock(&gnttab_lock);
    return rc;
}

long do_grant_table_op(uint64_t cmd64, uint64_t uop, uint64_t count64, uint64_t a4, uint64_t a5)
{
    unsigned cmd = (unsigned)cmd64, count = (unsigned)count64;    /* Xen: unsigned int */

    if ((int)count < 0)
        return -EINVAL;
    if ((cmd >> GNTTABOP_CMD_BITS) &&
        (cmd & ((1u << GNTTABOP_CMD_BITS) - 1)) != GNTTABOP_cache_flush)
        return -EINVAL;           /* continuation bits: only cache_flush takes them */
    switch (cmd) {
    case GNTTABOP_map_grant_ref:
    case GNTTABOP_unmap_grant_ref:
    case GNTTABOP_copy:
        if (count > GNTTAB_BATCH_MAX)
            return -EINVAL;
        break;
    }
    switch (cmd) {
    case GNTTABOP_map_grant_ref:   return gnttab_map(uop, count);
    case GNTTABOP_unmap_grant_ref: return gnttab_unmap(uop, count);
    case GNTTABOP_copy:            return gnttab_copy(uop, count);
    case GNTTABOP_setup_table:     return run_locked(setup_table, uop, count);
    case GNTTABOP_query_size:      return run_locked(query_size, uop, count);
    case GNTTABOP_set_version:     return set_version(uop);
    case GNTTABOP_get_version:     return run_locked(get_version, uop, count);
    default:                       return -ENOSYS;
    }
}
