/* Grant tables: map_grant_ref / unmap_grant_ref / unmap_and_replace (PV host
 * mappings through the caller's page tables, and device mappings), grant copy
 * (v2 sub-page and transitive grants included), and the teardown of every
 * mapping when either side dies.
 *
 * A host mapping is an L1 entry holding exactly the references a normal L1
 * entry holds (a general reference on the granted frame, plus a writable type
 * reference if RW), so pagetype.c releases them correctly if the guest
 * overwrites the entry or its L1 loses its type; unmap notices that the slot
 * no longer holds the mapping and does not drop them again.  The entry itself is
 * the arch's (create/replace_grant_host_mapping, grant.h).  Status codes per
 * op follow Xen 4.17 (xen/common/grant_table.c, xen/arch/x86/pv/grant_table.c). */
#include "grant.h"
#include "grant_priv.h"
#include "hypercall.h"
#include "flush.h"
#include "guest_access.h"
#include "lib.h"

/* ---- maptrack ---- */

/* Take a free handle, adding a maptrack frame if needed; false when full. */
static bool maptrack_get(struct grant_table *gt, unsigned *handle)
{
    if (gt->maptrack_free == MT_NONE) {
        if (gt->maptrack_limit >= gt->maptrack_max) return false;
        mfn_t m = frame_alloc();
        if (m == INVALID_MFN) return false;
        unsigned base = gt->maptrack_limit;
        gt->maptrack[base / MAPTRACK_PER_FRAME] = m;
        gt->maptrack_limit += MAPTRACK_PER_FRAME;
        for (unsigned i = MAPTRACK_PER_FRAME; i-- > 0;) { /* lowest handle first */
            gnttab_maptrack_entry(gt, base + i)->ref = gt->maptrack_free;
            gt->maptrack_free = base + i;
        }
    }
    *handle = gt->maptrack_free;
    gt->maptrack_free = gnttab_maptrack_entry(gt, *handle)->ref;
    gt->maptrack_used++;
    return true;
}

/* Give back the last maptrack frame while all its entries are free and fewer
 * than half a frame of the rest is in use (slack, so that a count going up and
 * down across a frame boundary does not allocate and free a frame each time):
 * a back end whose guests went away returns to its idle size.  Not visible to
 * the guest: unmapping a free handle or one past the limit is bad_handle. */
static void maptrack_shrink(struct grant_table *gt)
{
    while (gt->maptrack_limit > MAPTRACK_PER_FRAME &&
           gt->maptrack_used + MAPTRACK_PER_FRAME * 3 / 2 < gt->maptrack_limit) {
        unsigned base = gt->maptrack_limit - MAPTRACK_PER_FRAME;
        for (unsigned i = base; i < gt->maptrack_limit; i++)
            if (gnttab_maptrack_entry(gt, i)->flags) return;
        for (uint32_t *link = &gt->maptrack_free; *link != MT_NONE;) {
            if (*link >= base)
                *link = gnttab_maptrack_entry(gt, *link)->ref;
            else
                link = &gnttab_maptrack_entry(gt, *link)->ref;
        }
        frame_free(gt->maptrack[base / MAPTRACK_PER_FRAME]);
        gt->maptrack[base / MAPTRACK_PER_FRAME] = 0;
        gt->maptrack_limit = base;
    }
}

static void maptrack_put(struct grant_table *gt, unsigned handle)
{
    struct maptrack *mt = gnttab_maptrack_entry(gt, handle);
    mt->flags = 0;
    mt->ref = gt->maptrack_free;
    gt->maptrack_free = handle;
    gt->maptrack_used--;
    maptrack_shrink(gt);
}

static bool mt_live(const struct maptrack *mt) { return mt->flags & (GNTMAP_host_map | GNTMAP_device_map); }

/* ---- host mappings: the page-table side is the arch's (grant.h) ---- */

/* An entry that no longer maps the grant (replaced, stolen and not placed): after
 * a flush, the references it held go. */
static void put_host_entry(struct domain *ld, uint64_t entry)
{
    mfn_t mfn;
    bool rw;
    if (!grant_host_entry(entry, &mfn, &rw)) return;
    flush_tlb_domain(ld);
    if (mfn_valid(mfn)) gnttab_put_frame_refs(mfn, rw);
}

/* ---- map ---- */

/* With ld and rd locked; handle already taken.  Order of checks and status
 * codes as Xen's map_grant_ref. */
static int map_locked(struct domain *ld, struct domain *rd, struct gnttab_map_grant_ref *op, unsigned handle)
{
    uint32_t flags = op->flags;
    bool ro = flags & GNTMAP_readonly, dev = flags & GNTMAP_device_map;
    bool host = flags & GNTMAP_host_map;
    mfn_t mfn;
    uint64_t maddr = 0;
    int rc;

    if (dev && (rc = gnttab_pin(rd, op->ref, ld->id, ro, true, PIN_DEV, &mfn))) return rc;
    if (host && (rc = gnttab_pin(rd, op->ref, ld->id, ro, true, PIN_HOST, &mfn))) {
        if (dev) gnttab_unpin(rd, op->ref, ro, PIN_DEV);
        return rc;
    }
    rc = GNTST_general_error; /* Xen: "could not pin grant frame" */
    if (dev && gnttab_get_frame_refs(rd, mfn, !ro)) goto unpin;
    if (host && gnttab_get_frame_refs(rd, mfn, !ro)) goto put_dev;
    if (host && !grant_host_slot(ld, op->host_addr, flags, &maddr)) goto put_host;
    struct maptrack *mt = gnttab_maptrack_entry(ld->gnttab, handle);
    mt->host_addr = op->host_addr;
    mt->pte_maddr = maddr;
    mt->mfn = (uint32_t)mfn;
    mt->ref = op->ref;
    mt->dom = rd->id;
    mt->flags = flags & MT_KEEP;
    if (host) put_host_entry(ld, create_grant_host_mapping(maddr, mfn, flags));
    op->handle = handle;
    op->dev_bus_addr = mfn << PAGE_SHIFT;
    return GNTST_okay;
put_host:
    if (host) gnttab_put_frame_refs(mfn, !ro);
put_dev:
    if (dev) gnttab_put_frame_refs(mfn, !ro);
unpin:
    if (host) gnttab_unpin(rd, op->ref, ro, PIN_HOST);
    if (dev) gnttab_unpin(rd, op->ref, ro, PIN_DEV);
    return rc;
}

static int map_one(struct domain *ld, struct gnttab_map_grant_ref *op)
{
    unsigned handle;

    if (!(op->flags & (GNTMAP_device_map | GNTMAP_host_map))) return GNTST_bad_gntref;
    struct domain *rd = gnttab_peer(op->dom);
    if (!rd) return GNTST_bad_domain;
    gnttab_lock_pair(ld, rd);
    int rc = GNTST_no_space;
    if (maptrack_get(ld->gnttab, &handle)) {
        rc = map_locked(ld, rd, op, handle);
        if (rc) maptrack_put(ld->gnttab, handle);
    }
    gnttab_unlock_pair(ld, rd);
    return rc;
}

long gnttab_map(uint64_t uop, unsigned count)
{
    struct domain *ld = current->domain;
    struct gnttab_map_grant_ref op;

    if (count && !guest_range_ok(uop, (size_t)count * sizeof(op))) return -EFAULT;
    for (unsigned i = 0; i < count; i++, uop += sizeof(op)) {
        if (i && hypercall_preempt_check()) return i;
        if (copy_from_guest(&op, uop, sizeof(op))) return -EFAULT;
        spin_lock(&gnttab_lock);
        op.status = (int16_t)map_one(ld, &op);
        spin_unlock(&gnttab_lock);
        if (copy_to_guest(uop, &op, sizeof(op))) return -EFAULT;
    }
    return 0;
}

/* ---- unmap ---- */

/* What an unmap took away, to be released after the TLB flush. */
struct unmap_rec {
    uint32_t mfn;
    grant_ref_t ref;
    domid_t rd;
    uint16_t done; /* GNTMAP_host_map / GNTMAP_device_map */
    bool ro;
    bool pte_held; /* the PTE was still ours: drop its references */
};

/* Release references and pins of a mapping part already taken out of use.  A
 * dying domain is no longer published (domain_lookup fails), so teardown passes it. */
static void unmap_complete(struct domain *ld, const struct unmap_rec *r, struct domain *dying)
{
    struct domain *rd = dying && r->rd == dying->id ? dying : domain_lookup(r->rd);

    if (!r->done) return;
    ASSERT(rd && rd->gnttab);
    gnttab_lock_pair(ld, rd);
    if (r->done & GNTMAP_device_map) {
        gnttab_put_frame_refs(r->mfn, !r->ro);
        gnttab_unpin(rd, r->ref, r->ro, PIN_DEV);
    }
    if (r->done & GNTMAP_host_map) {
        if (r->pte_held) gnttab_put_frame_refs(r->mfn, !r->ro);
        gnttab_unpin(rd, r->ref, r->ro, PIN_HOST);
    }
    gnttab_unlock_pair(ld, rd);
}

static bool same_host_addr(const struct maptrack *mt, uint64_t addr)
{
    if (mt->flags & GNTMAP_contains_pte) return addr == mt->host_addr;
    return (addr >> PAGE_SHIFT) == (mt->host_addr >> PAGE_SHIFT);
}

/* First half of an unmap (ld locked): checks, PTE cleared (or, with new_addr,
 * replaced by the PTE found there), maptrack updated.  A zero host_addr or
 * dev_bus_addr leaves that part mapped (Xen). */
static int unmap_begin(struct domain *ld, const struct gnttab_unmap_grant_ref *op, uint64_t new_addr,
                       struct unmap_rec *r, bool *flush)
{
    struct grant_table *gt = ld->gnttab;

    if (op->handle >= gt->maptrack_limit) return GNTST_bad_handle;
    struct maptrack *mt = gnttab_maptrack_entry(gt, op->handle);
    if (!mt_live(mt)) return GNTST_bad_handle;
    bool dev = op->dev_bus_addr && (mt->flags & GNTMAP_device_map);
    bool host = op->host_addr && (mt->flags & GNTMAP_host_map);
    if (dev && op->dev_bus_addr != (uint64_t)mt->mfn << PAGE_SHIFT) return GNTST_bad_dev_addr;
    /* Xen: the entry at host_addr must still be the mapping.  If the guest
     * replaced it (or its L1 lost its type) the references went with it and
     * the grant stays pinned until the guest dies, as in Xen. */
    uint64_t with = 0;
    if (host && new_addr &&
        ((mt->flags & GNTMAP_contains_pte) || !steal_grant_host_mapping(ld, new_addr, &with)))
        return GNTST_general_error;
    if (host && (!same_host_addr(mt, op->host_addr) ||
                 !replace_grant_host_mapping(ld, mt->pte_maddr, mt->mfn, mt->flags, with))) {
        put_host_entry(ld, with); /* a stolen entry that found no home */
        return GNTST_general_error;
    }
    *r = (struct unmap_rec){
        .mfn = mt->mfn, .ref = mt->ref, .rd = mt->dom, .ro = mt->flags & GNTMAP_readonly
    };
    if (host) {
        r->pte_held = true;
        *flush = true;
        mt->flags &= ~GNTMAP_host_map;
        r->done |= GNTMAP_host_map;
    }
    if (dev) {
        mt->flags &= ~GNTMAP_device_map;
        r->done |= GNTMAP_device_map;
    }
    if (!mt_live(mt)) maptrack_put(gt, op->handle);
    return GNTST_okay;
}

/* Up to UNMAP_CHUNK unmaps: clear, flush once, then release.  -EFAULT or 0. */
static long unmap_chunk(struct domain *ld, uint64_t uop, unsigned n)
{
    struct unmap_rec recs[UNMAP_CHUNK];
    struct gnttab_unmap_grant_ref op;
    unsigned i, started = 0;
    bool flush = false;
    long rc = 0;

    for (i = 0; i < n; i++, uop += sizeof(op)) {
        if (copy_from_guest(&op, uop, sizeof(op))) {
            rc = -EFAULT;
            break;
        }
        recs[i].done = 0;
        spin_lock(&ld->lock);
        op.status = (int16_t)unmap_begin(ld, &op, 0, &recs[i], &flush);
        spin_unlock(&ld->lock);
        started++;
        if (copy_to_guest(uop + offsetof(struct gnttab_unmap_grant_ref, status), &op.status,
                          sizeof(op.status))) {
            rc = -EFAULT;
            break;
        }
    }
    if (flush) flush_tlb_domain(ld);
    for (i = 0; i < started; i++)
        unmap_complete(ld, &recs[i], NULL);
    return rc;
}

long gnttab_unmap(uint64_t uop, unsigned count)
{
    struct domain *ld = current->domain;
    const size_t sz = sizeof(struct gnttab_unmap_grant_ref);
    long rc = 0;

    if (count && !guest_range_ok(uop, (size_t)count * sz)) return -EFAULT;
    for (unsigned i = 0; i < count && !rc; i += UNMAP_CHUNK) {
        if (i && hypercall_preempt_check()) return i;
        spin_lock(&gnttab_lock);
        rc = unmap_chunk(ld, uop + i * sz, MIN(count - i, UNMAP_CHUNK));
        spin_unlock(&gnttab_lock);
    }
    return rc;
}

/* Like unmap of host mappings, one at a time; new_addr's PTE moves into the
 * grant's slot (Xen: GNTTABOP_unmap_and_replace, PV linear addresses only). */
long gnttab_unmap_and_replace(uint64_t uop, unsigned count)
{
    struct domain *ld = current->domain;
    struct gnttab_unmap_and_replace op;

    if (count && !guest_range_ok(uop, (size_t)count * sizeof(op))) return -EFAULT;
    for (unsigned i = 0; i < count; i++, uop += sizeof(op)) {
        if (i && hypercall_preempt_check()) return i;
        if (copy_from_guest(&op, uop, sizeof(op))) return -EFAULT;
        struct gnttab_unmap_grant_ref u = { .host_addr = op.host_addr, .handle = op.handle };
        struct unmap_rec r = { .done = 0 };
        bool flush = false;
        spin_lock(&gnttab_lock);
        spin_lock(&ld->lock);
        op.status = (int16_t)unmap_begin(ld, &u, op.new_addr, &r, &flush);
        spin_unlock(&ld->lock);
        if (flush) flush_tlb_domain(ld);
        unmap_complete(ld, &r, NULL);
        spin_unlock(&gnttab_lock);
        if (copy_to_guest(uop + offsetof(struct gnttab_unmap_and_replace, status), &op.status,
                          sizeof(op.status)))
            return -EFAULT;
    }
    return 0;
}

/* ---- teardown ---- */

/* Drop the mappings h holds of grants of domain `of` (DOMID_INVALID: all). */
static void release_holder(struct domain *h, domid_t of, struct domain *dying)
{
    struct grant_table *gt = h->gnttab;
    bool flush = false;
    unsigned i;

    spin_lock(&h->lock);
    for (i = 0; i < gt->maptrack_limit; i++) {
        struct maptrack *mt = gnttab_maptrack_entry(gt, i);
        if (!mt_live(mt) || (of != DOMID_INVALID && mt->dom != of) || !(mt->flags & GNTMAP_host_map))
            continue;
        flush = true;
        if (replace_grant_host_mapping(h, mt->pte_maddr, mt->mfn, mt->flags, 0)) mt->flags |= MT_PTE_HELD;
    }
    spin_unlock(&h->lock);
    if (flush) flush_tlb_domain(h);
    for (i = 0; i < gt->maptrack_limit; i++) {
        struct maptrack *mt = gnttab_maptrack_entry(gt, i);
        if (!mt_live(mt) || (of != DOMID_INVALID && mt->dom != of)) continue;
        struct unmap_rec r = { .mfn = mt->mfn,
                               .ref = mt->ref,
                               .rd = mt->dom,
                               .ro = mt->flags & GNTMAP_readonly,
                               .pte_held = mt->flags & MT_PTE_HELD,
                               .done = mt->flags & (GNTMAP_host_map | GNTMAP_device_map) };
        maptrack_put(gt, i);
        unmap_complete(h, &r, dying);
    }
}

void gnttab_release_mappings(struct domain *d)
{
    release_holder(d, DOMID_INVALID, d);
    for (unsigned id = 0; id < domid_end && d->gnttab->nr_pinned; id++) {
        struct domain *o = domain_lookup((domid_t)id);
        if (o && o != d && o->gnttab && o->gnttab->maptrack_used) release_holder(o, d->id, d);
    }
}

/* ---- copy ---- */

struct copy_buf {
    struct domain *d;
    mfn_t mfn;
    struct copy_pin pin; /* a grant: its bytes (and transitive source) */
    bool pinned, have_page, have_type;
};

/* Xen: a frame (not a gref) may only be named as DOMID_SELF's. */
static int copy_domain(domid_t id, bool is_gref, struct domain **d)
{
    if (id != DOMID_SELF && !is_gref) return GNTST_permission_denied;
    *d = id == DOMID_SELF ? current->domain : gnttab_peer(id);
    return *d ? GNTST_okay : GNTST_bad_domain;
}

static void copy_release(struct copy_buf *b, grant_ref_t ref, bool rw)
{
    if (b->have_type) put_page_type(mfn_to_page(b->mfn));
    if (b->have_page) put_page(mfn_to_page(b->mfn));
    if (b->pinned) gnttab_unpin_copy(b->d, ref, !rw, &b->pin);
    b->pinned = b->have_page = b->have_type = false;
}

/* Pin the grant (or check the frame), take a reference and, for the
 * destination, a writable type (Xen's gnttab_copy_claim_buf). */
static int copy_claim(domid_t ldom, const struct gnttab_copy_ptr *p, bool is_gref, bool rw,
                      struct copy_buf *b)
{
    int rc;

    struct domain *owner = b->d;
    if (is_gref) {
        if ((rc = gnttab_pin_copy(b->d, p->u.ref, ldom, !rw, &b->pin))) return rc;
        b->pinned = true;
        b->mfn = b->pin.mfn;
        if (b->pin.td) owner = b->pin.td;
    } else {
        b->mfn = p->u.gmfn;
        b->pin = (struct copy_pin){ .start = 0, .len = PAGE_SIZE };
        if (!mfn_valid(b->mfn)) return GNTST_bad_page;
    }
    if (get_page(mfn_to_page(b->mfn), owner)) {
        rc = is_gref ? GNTST_bad_domain : GNTST_bad_page;
        goto fail;
    }
    b->have_page = true;
    if (rw) {
        struct page_info *pg = mfn_to_page(b->mfn);
        if ((pg->flags & PGF_readonly) || get_page_type(pg, PGT_writable)) {
            rc = GNTST_general_error;
            goto fail;
        }
        b->have_type = true;
    }
    return GNTST_okay;
fail:
    copy_release(b, p->u.ref, rw);
    return rc;
}

static bool in_grant(const struct copy_pin *p, unsigned off, unsigned len)
{
    return off >= p->start && off + len <= (unsigned)p->start + p->len;
}

static int copy_locked(domid_t ldom, const struct gnttab_copy *op, struct copy_buf *src, struct copy_buf *dst)
{
    int rc = copy_claim(ldom, &op->source, op->flags & GNTCOPY_source_gref, false, src);
    if (rc) return rc;
    rc = copy_claim(ldom, &op->dest, op->flags & GNTCOPY_dest_gref, true, dst);
    if (!rc) {
        if (op->source.offset + op->len > PAGE_SIZE || op->dest.offset + op->len > PAGE_SIZE)
            rc = GNTST_bad_copy_arg;
        else if (!in_grant(&src->pin, op->source.offset, op->len) ||
                 !in_grant(&dst->pin, op->dest.offset, op->len))
            rc = GNTST_general_error; /* outside a sub-page grant */
        else
            memmove((char *)mfn_to_virt(dst->mfn) + op->dest.offset,
                    (char *)mfn_to_virt(src->mfn) + op->source.offset, op->len);
        if (!rc) logdirty_mark(dst->mfn);
        copy_release(dst, op->dest.u.ref, true);
    }
    copy_release(src, op->source.u.ref, false);
    return rc;
}

static int copy_one(const struct gnttab_copy *op)
{
    struct copy_buf src = { 0 }, dst = { 0 };
    int rc = copy_domain(op->source.domid, op->flags & GNTCOPY_source_gref, &src.d);
    if (!rc) rc = copy_domain(op->dest.domid, op->flags & GNTCOPY_dest_gref, &dst.d);
    if (rc) return rc;
    gnttab_lock_pair(src.d, dst.d);
    rc = copy_locked(current->domain->id, op, &src, &dst);
    gnttab_unlock_pair(src.d, dst.d);
    return rc;
}

long gnttab_copy(uint64_t uop, unsigned count)
{
    struct gnttab_copy op;

    if (count && !guest_range_ok(uop, (size_t)count * sizeof(op))) return -EFAULT;
    for (unsigned i = 0; i < count; i++, uop += sizeof(op)) {
        if (i && hypercall_preempt_check()) return i;
        if (copy_from_guest(&op, uop, sizeof(op))) return -EFAULT;
        spin_lock(&gnttab_lock);
        op.status = (int16_t)copy_one(&op);
        spin_unlock(&gnttab_lock);
        if (copy_to_guest(uop + offsetof(struct gnttab_copy, status), &op.status, sizeof(op.status)))
            return -EFAULT;
    }
    return 0;
}
