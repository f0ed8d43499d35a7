/* Grant tables v1 and v2: per-domain state, pinning of grant entries
 * (GTF_reading / GTF_writing in the entry under v1, in the status frames under
 * v2), setup_table, query_size, get/set_version, get_status_frames, the
 * hypercall dispatcher and domain init/teardown.  Mapping and copying are in
 * grant_map.c.  Guest-visible behaviour (GNTST_* per op, errno values)
 * follows Xen 4.17; see docs/grant-tables.md. */
#include "grant.h"
#include "grant_priv.h"
#include "hypercall.h"
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
    if (b && b != a) spin_unlock(&b->lock);
    spin_unlock(&a->lock);
}

/* ---- table access ---- */

grant_entry_v1_t *gnttab_shared_entry(const struct grant_table *gt, grant_ref_t ref)
{
    grant_entry_v1_t *f = mfn_to_virt(gt->frames[ref / GNTTAB_ENTRIES_PER_FRAME]);
    return &f[ref % GNTTAB_ENTRIES_PER_FRAME];
}

grant_entry_v2_t *gnttab_shared_entry_v2(const struct grant_table *gt, grant_ref_t ref)
{
    grant_entry_v2_t *f = mfn_to_virt(gt->frames[ref / GNTTAB_V2_PER_FRAME]);
    return &f[ref % GNTTAB_V2_PER_FRAME];
}

static grant_status_t *status_entry(const struct grant_table *gt, grant_ref_t ref)
{
    grant_status_t *f = mfn_to_virt(gt->status[ref / GNTTAB_STATUS_PER_FRAME]);
    return &f[ref % GNTTAB_STATUS_PER_FRAME];
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
    if (!d || d->state == DOM_DYING || !d->gnttab) return NULL;
    return d;
}

/* ---- frame references ---- */

int gnttab_get_frame_refs(struct domain *rd, mfn_t mfn, bool rw)
{
    struct page_info *pg = mfn_to_page(mfn);
    if (get_page(pg, rd)) return -EINVAL;
    if (rw && ((pg->flags & PGF_readonly) || get_page_type(pg, PGT_writable))) {
        put_page(pg);
        return -EINVAL;
    }
    return 0;
}

void gnttab_put_frame_refs(mfn_t mfn, bool rw)
{
    struct page_info *pg = mfn_to_page(mfn);
    if (rw) logdirty_mark(mfn); /* what the mapping wrote (log-dirty mode) */
    if (rw) put_page_type(pg);
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
    if (kind == PIN_HOST) return ro ? &a->host_ro : &a->host_rw;
    return ro ? &a->dev_ro : &a->dev_rw;
}

/* v1: set GTF_reading (and GTF_writing) with a compare-exchange against the
 * value checked: the granting guest changes flags concurrently.  Xen gives up
 * after five lost races ("unstable" entry). */
static int set_status_v1(grant_entry_v1_t *e, bool was_pinned, bool ro, bool map, domid_t ldom)
{
    uint32_t *word = (uint32_t *)e; /* flags (low 16) and domid (high 16) */
    uint16_t mask = GTF_type_mask | (map ? GTF_sub_page : 0);
    uint32_t cur = __atomic_load_n(word, __ATOMIC_ACQUIRE);

    for (unsigned tries = 0;; tries++) {
        uint16_t flags = cur & 0xffff;
        domid_t dom = cur >> 16;
        if (!was_pinned && ((flags & mask) != GTF_permit_access || dom != ldom)) return GNTST_general_error;
        if (!ro && (flags & GTF_readonly)) return GNTST_general_error;
        uint32_t want = cur | GTF_reading | (ro ? 0 : GTF_writing);
        if (__atomic_compare_exchange_n(word, &cur, want, false, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
            return GNTST_okay;
        if (tries == 4) return GNTST_general_error;
    }
}

/* v2: the header says what is granted; a copy may also use a transitive one. */
static bool v2_header_ok(uint32_t hdr, bool map, domid_t ldom)
{
    uint16_t flags = hdr & 0xffff, mask = GTF_type_mask | (map ? GTF_sub_page : 0);
    bool type_ok = (flags & mask) == GTF_permit_access || (!map && (flags & mask) == GTF_transitive);
    return type_ok && (domid_t)(hdr >> 16) == ldom;
}

/* v2: the status lives apart from the header, so no compare-exchange: set the
 * status bits, then re-read the header and back out if it changed meanwhile
 * (the granting guest checks the status after changing the header). */
static int set_status_v2(grant_entry_v2_t *e, grant_status_t *st, bool was_pinned, bool ro, bool map,
                         domid_t ldom)
{
    uint32_t *hdr = (uint32_t *)&e->hdr;
    uint32_t h = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

    if (!was_pinned && !v2_header_ok(h, map, ldom)) return GNTST_general_error;
    if (!ro && (h & GTF_readonly)) return GNTST_general_error;
    __atomic_fetch_or(st, (grant_status_t)(GTF_reading | (ro ? 0 : GTF_writing)), __ATOMIC_SEQ_CST);
    h = __atomic_load_n(hdr, __ATOMIC_SEQ_CST);
    if (!was_pinned && (!v2_header_ok(h, map, ldom) || (!ro && (h & GTF_readonly)))) {
        __atomic_fetch_and(st, (grant_status_t) ~(GTF_reading | GTF_writing), __ATOMIC_SEQ_CST);
        return GNTST_general_error;
    }
    if (was_pinned && (h & GTF_readonly)) {
        __atomic_fetch_and(st, (grant_status_t)~GTF_writing, __ATOMIC_SEQ_CST);
        return GNTST_general_error;
    }
    return GNTST_okay;
}

static int set_status(struct grant_table *gt, grant_ref_t ref, bool was_pinned, bool ro, bool map,
                      domid_t ldom)
{
    if (gt->version == 2)
        return set_status_v2(gnttab_shared_entry_v2(gt, ref), status_entry(gt, ref), was_pinned, ro, map,
                             ldom);
    return set_status_v1(gnttab_shared_entry(gt, ref), was_pinned, ro, map, ldom);
}

/* Clear the status bits the remaining pins no longer justify. */
static void reduce_status(struct grant_table *gt, grant_ref_t ref, const struct active_grant *a, bool ro)
{
    uint16_t clear = pinned(a) ? 0 : GTF_reading;
    if (!ro && !write_pinned(a)) clear |= GTF_writing;
    if (!clear) return;
    uint16_t *st = gt->version == 2 ? status_entry(gt, ref) : &gnttab_shared_entry(gt, ref)->flags;
    __atomic_fetch_and(st, (uint16_t)~clear, __ATOMIC_SEQ_CST);
}

/* The frame an entry names must be a frame rd owns (Xen: GNTST_bad_page). */
static bool frame_owned_by(uint64_t m, const struct domain *rd)
{
    if (!mfn_valid(m)) return false;
    const struct page_info *pg = mfn_to_page(m);
    return pg->owner == rd->id && !(pg->flags & PGF_free) && (pg->flags & (PGF_allocated | PGF_xenheap));
}

/* First pin: what the entry grants (frame, bytes); false for a transitive one. */
static bool entry_frame(const struct grant_table *gt, grant_ref_t ref, uint64_t *frame, uint16_t *start,
                        uint16_t *len)
{
    *start = 0;
    *len = PAGE_SIZE;
    if (gt->version != 2) {
        *frame = __atomic_load_n(&gnttab_shared_entry(gt, ref)->frame, __ATOMIC_ACQUIRE);
        return true;
    }
    grant_entry_v2_t *e = gnttab_shared_entry_v2(gt, ref);
    uint16_t flags = __atomic_load_n(&e->hdr.flags, __ATOMIC_ACQUIRE);
    if ((flags & GTF_type_mask) == GTF_transitive) return false;
    if (flags & GTF_sub_page) {
        *start = __atomic_load_n(&e->sub_page.page_off, __ATOMIC_RELAXED);
        *len = __atomic_load_n(&e->sub_page.length, __ATOMIC_RELAXED);
    }
    *frame = __atomic_load_n(&e->full_page.frame, __ATOMIC_ACQUIRE); /* same place */
    return true;
}

/* Count one pin of that kind, checking and setting the status first.  For a
 * first pin of a plain entry the frame is latched; a transitive entry (copy
 * only, v2) is left to the caller with *transitive set. */
static int pin_entry(struct domain *rd, grant_ref_t ref, domid_t ldom, bool ro, bool map, enum pin_kind kind,
                     struct copy_pin *p, bool *transitive)
{
    struct grant_table *gt = rd->gnttab;

    *transitive = false;
    if (ref >= gnttab_nr_entries(gt)) return GNTST_bad_gntref;
    struct active_grant *a = gnttab_active_entry(gt, ref);
    bool was_pinned = pinned(a);
    uint16_t *ctr = pin_counter(a, ro, kind);
    if (was_pinned && a->domid != ldom) return GNTST_general_error;
    if (*ctr >= GNTTAB_PIN_MAX) return GNTST_general_error; /* Xen: "risk of counter overflow" */
    if (!was_pinned || (!ro && !write_pinned(a))) {
        int rc = set_status(gt, ref, was_pinned, ro, map, ldom);
        if (rc) return rc;
    }
    p->start = 0;
    p->len = PAGE_SIZE;
    if (!was_pinned) {
        uint64_t m;
        if (!entry_frame(gt, ref, &m, &p->start, &p->len)) {
            *transitive = true;
            return GNTST_okay; /* status set, nothing counted yet */
        }
        if (!frame_owned_by(m, rd)) {
            reduce_status(gt, ref, a, ro);
            return GNTST_bad_page;
        }
        a->domid = ldom;
        a->mfn = (uint32_t)m;
        gt->nr_pinned++;
    }
    (*ctr)++;
    p->mfn = a->mfn;
    return GNTST_okay;
}

int gnttab_pin(struct domain *rd, grant_ref_t ref, domid_t ldom, bool ro, bool map, enum pin_kind kind,
               mfn_t *mfn)
{
    struct copy_pin p;
    bool transitive;
    int rc = pin_entry(rd, ref, ldom, ro, map, kind, &p, &transitive);
    ASSERT(!transitive); /* map: v2_header_ok refused it */
    *mfn = p.mfn;
    return rc;
}

void gnttab_unpin(struct domain *rd, grant_ref_t ref, bool ro, enum pin_kind kind)
{
    struct grant_table *gt = rd->gnttab;
    struct active_grant *a = gnttab_active_entry(gt, ref);
    uint16_t *ctr = pin_counter(a, ro, kind);

    ASSERT(*ctr > 0);
    (*ctr)--;
    if (!pinned(a)) gt->nr_pinned--;
    reduce_status(gt, ref, a, ro);
}

/* A transitive entry of rd names (trans_domid, gref): pin that one for rd, one
 * level deep, then count rd's own entry as pinned on the same frame. */
static int pin_transitive(struct domain *rd, grant_ref_t ref, domid_t ldom, bool ro, struct copy_pin *p)
{
    struct grant_table *gt = rd->gnttab;
    struct active_grant *a = gnttab_active_entry(gt, ref);
    grant_entry_v2_t *e = gnttab_shared_entry_v2(gt, ref);
    domid_t tdom = __atomic_load_n(&e->transitive.trans_domid, __ATOMIC_ACQUIRE);
    grant_ref_t tref = __atomic_load_n(&e->transitive.gref, __ATOMIC_ACQUIRE);
    struct domain *td = tdom == rd->id ? NULL : gnttab_peer(tdom);
    bool again;
    int rc = GNTST_general_error; /* self-referential or unknown domain */

    if (td) rc = pin_entry(td, tref, rd->id, ro, false, PIN_HOST, p, &again);
    if (!rc && again) { /* no transitive chains */
        reduce_status(td->gnttab, tref, gnttab_active_entry(td->gnttab, tref), ro);
        rc = GNTST_general_error;
    }
    if (rc) {
        reduce_status(gt, ref, a, ro);
        return rc;
    }
    a->domid = ldom;
    a->mfn = (uint32_t)p->mfn;
    gt->nr_pinned++;
    (*pin_counter(a, ro, PIN_HOST))++;
    p->td = td;
    p->tref = tref;
    return GNTST_okay;
}

int gnttab_pin_copy(struct domain *rd, grant_ref_t ref, domid_t ldom, bool ro, struct copy_pin *p)
{
    bool transitive;
    p->td = NULL;
    int rc = pin_entry(rd, ref, ldom, ro, false, PIN_HOST, p, &transitive);
    if (!rc && transitive) rc = pin_transitive(rd, ref, ldom, ro, p);
    return rc;
}

void gnttab_unpin_copy(struct domain *rd, grant_ref_t ref, bool ro, const struct copy_pin *p)
{
    gnttab_unpin(rd, ref, ro, PIN_HOST);
    if (p->td) gnttab_unpin(p->td, p->tref, ro, PIN_HOST);
}

/* ---- growing and freeing ---- */

static mfn_t alloc_hv_frame(void) { return frame_alloc(); /* zeroed, owner DOMID_NONE */ }

static unsigned status_frames_for(unsigned nr_frames)
{
    return (nr_frames * GNTTAB_V2_PER_FRAME + GNTTAB_STATUS_PER_FRAME - 1) / GNTTAB_STATUS_PER_FRAME;
}

/* Hypervisor frames the domain maps (also writable) but that never become
 * page tables or descriptor pages (PGF_xenheap). */
static void share_with(struct domain *d, mfn_t m)
{
    struct page_info *pg = mfn_to_page(m);
    pg->owner = d->id;
    pg->flags = PGF_xenheap;
}

/* v2: status frames for the table's n frames; on failure nothing changes. */
static int grow_status(struct domain *d, unsigned n)
{
    struct grant_table *gt = d->gnttab;
    unsigned want = status_frames_for(n), i;

    for (i = gt->nr_status; i < want; i++)
        if ((gt->status[i] = alloc_hv_frame()) == INVALID_MFN) {
            while (i-- > gt->nr_status)
                frame_free(gt->status[i]);
            return -ENOMEM;
        }
    for (i = gt->nr_status; i < want; i++)
        share_with(d, gt->status[i]);
    gt->nr_status = want;
    return 0;
}

/* Grow d's table to n frames (shared frames + their active entries, and status
 * frames under v2); existing frames keep their contents.  On failure nothing
 * changes. */
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
    if (gt->version == 2 && grow_status(d, n)) goto undo;
    for (i = old; i < n; i++)
        share_with(d, gt->frames[i]);
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
    if (self == INVALID_MFN) return -ENOMEM;
    struct grant_table *gt = mfn_to_virt(self);
    gt->self = self;
    gt->maptrack_free = MT_NONE;
    gt->version = 1;
    gt->max_frames = GNTTAB_MAX_FRAMES;
    gt->maptrack_max = MAPTRACK_MAX;
    d->gnttab = gt;
    if (grow_table(d, GNTTAB_INIT_FRAMES)) {
        d->gnttab = NULL;
        frame_free(self);
        return -ENOMEM;
    }
    return 0;
}

void gnttab_set_max_frames(struct domain *d, unsigned n, unsigned maptrack_frames)
{
    d->gnttab->max_frames = n;
    /* Xen's maptrack frames hold 256 handles; ours end at MAPTRACK_MAX */
    d->gnttab->maptrack_max = maptrack_frames < MAPTRACK_MAX / 256 ? maptrack_frames * 256 : MAPTRACK_MAX;
}

/* The shared and status frames may still be mapped by d's own page tables,
 * which are torn down after us: hand them to d's page list, which
 * domain_destroy frees last. */
static void give_to_page_list(struct domain *d, mfn_t m)
{
    mfn_to_page(m)->next = d->page_list;
    d->page_list = (uint32_t)m;
}

static void free_table(struct domain *d)
{
    struct grant_table *gt = d->gnttab;

    for (unsigned i = 0; i < gt->nr_status; i++)
        give_to_page_list(d, gt->status[i]);
    for (unsigned i = 0; i < gt->nr_frames; i++) {
        give_to_page_list(d, gt->frames[i]);
        frame_free(gt->active[2 * i]);
        frame_free(gt->active[2 * i + 1]);
    }
    for (unsigned i = 0; i < MAPTRACK_FRAMES; i++)
        if (gt->maptrack[i]) frame_free(gt->maptrack[i]);
    d->gnttab = NULL;
    frame_free(gt->self);
}

void gnttab_domain_destroy(struct domain *d)
{
    if (!d->gnttab) return;
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

/* setup_table and get_status_frames: frame numbers out to the guest's list. */
static int put_frame_list(uint64_t list, const mfn_t *frames, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t f = frames[i];
        if (copy_to_guest(list + i * sizeof(f), &f, sizeof(f))) return GNTST_bad_virt_addr;
    }
    return GNTST_okay;
}

static long setup_table(uint64_t uop, unsigned count)
{
    struct gnttab_setup_table op;
    int st;

    if (count != 1) return -EINVAL;
    if (copy_from_guest(&op, uop, sizeof(op))) return -EFAULT;
    uint64_t list = (uint64_t)op.frame_list.p;
    if (!guest_range_ok(list, (size_t)op.nr_frames * sizeof(xen_pfn_t))) return -EFAULT;
    struct domain *d = target_domain(op.dom, &st);
    if (d) {
        spin_lock(&d->lock);
        if (op.nr_frames > d->gnttab->max_frames)
            st = GNTST_general_error;
        else if (op.nr_frames > d->gnttab->nr_frames && grow_table(d, op.nr_frames))
            st = GNTST_general_error;
        spin_unlock(&d->lock);
    }
    if (d && !st) st = put_frame_list(list, d->gnttab->frames, op.nr_frames);
    op.status = (int16_t)st;
    if (copy_to_guest(uop + offsetof(struct gnttab_setup_table, status), &op.status, sizeof(op.status)))
        return -EFAULT;
    return 0;
}

static long query_size(uint64_t uop, unsigned count)
{
    struct gnttab_query_size op;
    int st;

    if (count != 1) return -EINVAL;
    if (copy_from_guest(&op, uop, sizeof(op))) return -EFAULT;
    struct domain *d = target_domain(op.dom, &st);
    if (d) {
        op.nr_frames = d->gnttab->nr_frames;
        op.max_nr_frames = d->gnttab->max_frames;
    }
    op.status = (int16_t)st;
    return copy_to_guest(uop, &op, sizeof(op)) ? -EFAULT : 0;
}

/* ---- versions ---- */

/* v2 -> v1 only when no reserved entry needs more than v1 can say (Xen). */
static bool reserved_fit_v1(const struct grant_table *gt)
{
    for (grant_ref_t i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
        const grant_entry_v2_t *e = gnttab_shared_entry_v2(gt, i);
        uint16_t type = e->hdr.flags & GTF_type_mask;
        if (type == GTF_transitive || (type == GTF_permit_access && (e->full_page.frame >> 32))) return false;
    }
    return true;
}

/* The first 8 entries (console, xenstore: the toolstack's) survive a switch,
 * in v1 form; everything else is cleared. */
static void save_reserved(const struct grant_table *gt, grant_entry_v1_t *r)
{
    for (grant_ref_t i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
        if (gt->version == 1) {
            r[i] = *gnttab_shared_entry(gt, i);
            continue;
        }
        const grant_entry_v2_t *e = gnttab_shared_entry_v2(gt, i);
        memset(&r[i], 0, sizeof(r[i]));
        if ((e->hdr.flags & GTF_type_mask) == GTF_permit_access) {
            r[i].flags = e->hdr.flags | *status_entry(gt, i);
            r[i].domid = e->hdr.domid;
            r[i].frame = (uint32_t)e->full_page.frame;
        }
    }
}

static void restore_reserved(struct grant_table *gt, const grant_entry_v1_t *r)
{
    for (grant_ref_t i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
        if (gt->version == 1) {
            *gnttab_shared_entry(gt, i) = r[i];
            continue;
        }
        grant_entry_v2_t *e = gnttab_shared_entry_v2(gt, i);
        *status_entry(gt, i) = r[i].flags & (GTF_reading | GTF_writing);
        e->hdr.flags = r[i].flags & ~(GTF_reading | GTF_writing);
        e->hdr.domid = r[i].domid;
        e->full_page.frame = r[i].frame;
    }
}

/* v2 -> v1: the status frames go, unless the domain still maps one (Xen: -EBUSY). */
static int drop_status(struct grant_table *gt)
{
    for (unsigned i = 0; i < gt->nr_status; i++)
        if (mfn_to_page(gt->status[i])->count) return -EBUSY;
    for (unsigned i = 0; i < gt->nr_status; i++)
        frame_free(gt->status[i]);
    gt->nr_status = 0;
    return 0;
}

/* Xen's order: the version, then entries 8.. must be unpinned, then the
 * per-direction conditions; the op writes back the version in force. */
static int switch_version(struct domain *d, unsigned to)
{
    struct grant_table *gt = d->gnttab;
    grant_entry_v1_t saved[GNTTAB_NR_RESERVED_ENTRIES];
    int rc;

    for (grant_ref_t i = GNTTAB_NR_RESERVED_ENTRIES; i < gnttab_nr_entries(gt); i++)
        if (pinned(gnttab_active_entry(gt, i))) return -EBUSY;
    if (to == 2 && (rc = grow_status(d, gt->nr_frames))) return rc;
    if (to == 1 && !reserved_fit_v1(gt)) return -ERANGE;
    save_reserved(gt, saved);
    if (to == 1 && (rc = drop_status(gt))) return rc;
    for (unsigned i = 0; i < gt->nr_frames; i++)
        memset(mfn_to_virt(gt->frames[i]), 0, PAGE_SIZE);
    gt->version = to;
    restore_reserved(gt, saved);
    return 0;
}

static long set_version(uint64_t uop, unsigned count)
{
    struct domain *d = current->domain;
    struct gnttab_set_version op;
    long rc = 0;

    (void)count;
    if (copy_from_guest(&op, uop, sizeof(op))) return -EFAULT;
    if (op.version != 1 && op.version != 2)
        rc = -EINVAL;
    else if (op.version != d->gnttab->version) {
        spin_lock(&d->lock);
        rc = switch_version(d, op.version);
        spin_unlock(&d->lock);
    }
    op.version = d->gnttab->version;
    return copy_to_guest(uop, &op, sizeof(op)) ? -EFAULT : rc;
}

static long get_version(uint64_t uop, unsigned count)
{
    struct gnttab_get_version op;
    int st;

    if (copy_from_guest(&op, uop, sizeof(op))) return -EFAULT;
    struct domain *d = target_domain(op.dom, &st);
    if (!d) return st == GNTST_bad_domain ? -ESRCH : -EPERM;
    op.version = d->gnttab->version;
    return copy_to_guest(uop + offsetof(struct gnttab_get_version, version), &op.version, sizeof(op.version))
               ? -EFAULT
               : 0;
}

static long get_status_frames(uint64_t uop, unsigned count)
{
    struct gnttab_get_status_frames op;
    int st;

    if (count != 1) return -EINVAL;
    if (copy_from_guest(&op, uop, sizeof(op))) return -EFAULT;
    uint64_t list = (uint64_t)op.frame_list.p;
    if (!guest_range_ok(list, (size_t)op.nr_frames * sizeof(uint64_t))) return -EFAULT;
    struct domain *d = target_domain(op.dom, &st);
    if (d && op.nr_frames > d->gnttab->nr_status) st = GNTST_general_error;
    if (d && !st) st = put_frame_list(list, d->gnttab->status, op.nr_frames);
    op.status = (int16_t)st;
    return copy_to_guest(uop + offsetof(struct gnttab_get_status_frames, status), &op.status,
                         sizeof(op.status))
               ? -EFAULT
               : 0;
}

/* ---- swap_grant_ref ---- */

static int swap_one(struct grant_table *gt, grant_ref_t a, grant_ref_t b)
{
    if (a >= gnttab_nr_entries(gt) || b >= gnttab_nr_entries(gt)) return GNTST_bad_gntref;
    if (a == b) return GNTST_okay;
    if (pinned(gnttab_active_entry(gt, a)) || pinned(gnttab_active_entry(gt, b))) return GNTST_eagain;
    if (gt->version == 1) {
        grant_entry_v1_t t = *gnttab_shared_entry(gt, a);
        *gnttab_shared_entry(gt, a) = *gnttab_shared_entry(gt, b);
        *gnttab_shared_entry(gt, b) = t;
    } else {
        grant_entry_v2_t t = *gnttab_shared_entry_v2(gt, a);
        grant_status_t ts = *status_entry(gt, a);
        *gnttab_shared_entry_v2(gt, a) = *gnttab_shared_entry_v2(gt, b);
        *status_entry(gt, a) = *status_entry(gt, b);
        *gnttab_shared_entry_v2(gt, b) = t;
        *status_entry(gt, b) = ts;
    }
    return GNTST_okay;
}

static long swap_grant_ref(uint64_t uop, unsigned count)
{
    struct grant_table *gt = current->domain->gnttab;
    struct gnttab_swap_grant_ref op;

    for (unsigned i = 0; i < count; i++, uop += sizeof(op)) {
        if (i && hypercall_preempt_check()) return i;
        if (copy_from_guest(&op, uop, sizeof(op))) return -EFAULT;
        op.status = (int16_t)swap_one(gt, op.ref_a, op.ref_b);
        if (copy_to_guest(uop + offsetof(struct gnttab_swap_grant_ref, status), &op.status,
                          sizeof(op.status)))
            return -EFAULT;
    }
    return 0;
}

/* ---- dispatcher ---- */

#define GNTTABOP_CMD_BITS 12 /* Xen keeps continuation state above these */

static long run_locked(long (*fn)(uint64_t, unsigned), uint64_t uop, unsigned count)
{
    spin_lock(&gnttab_lock);
    long rc = fn(uop, count);
    spin_unlock(&gnttab_lock);
    return rc;
}

long do_grant_table_op(uint64_t cmd64, uint64_t uop, uint64_t count64, uint64_t a4, uint64_t a5)
{
    unsigned cmd = (unsigned)cmd64, count = (unsigned)count64; /* Xen: unsigned int */
    size_t size = 0;
    long rc;

    if ((int)count < 0) return -EINVAL;
    if ((cmd >> GNTTABOP_CMD_BITS) && (cmd & ((1u << GNTTABOP_CMD_BITS) - 1)) != GNTTABOP_cache_flush)
        return -EINVAL; /* continuation bits: only cache_flush takes them */
    switch (cmd) {
    case GNTTABOP_map_grant_ref:
        rc = gnttab_map(uop, count);
        size = sizeof(struct gnttab_map_grant_ref);
        break;
    case GNTTABOP_unmap_grant_ref:
        rc = gnttab_unmap(uop, count);
        size = sizeof(struct gnttab_unmap_grant_ref);
        break;
    case GNTTABOP_copy:
        rc = gnttab_copy(uop, count);
        size = sizeof(struct gnttab_copy);
        break;
    case GNTTABOP_unmap_and_replace:
        rc = gnttab_unmap_and_replace(uop, count);
        size = sizeof(struct gnttab_unmap_and_replace);
        break;
    case GNTTABOP_swap_grant_ref:
        rc = run_locked(swap_grant_ref, uop, count);
        size = sizeof(struct gnttab_swap_grant_ref);
        break;
    case GNTTABOP_setup_table:
        return run_locked(setup_table, uop, count);
    case GNTTABOP_query_size:
        return run_locked(query_size, uop, count);

    case GNTTABOP_set_version:
        return run_locked(set_version, uop, count);
    case GNTTABOP_get_version:
        return run_locked(get_version, uop, count);
    case GNTTABOP_get_status_frames:
        return run_locked(get_status_frames, uop, count);

    default:
        return -ENOSYS;
    }
    /* A batch that stopped early (rc ops done) continues with the rest ("ihi"). */
    if (rc > 0)
        rc = hypercall_continue(__HYPERVISOR_grant_table_op, 3,
                                (uint64_t[]){ cmd, uop + (uint64_t)rc * size, count - (unsigned)rc });
    return rc;
}
