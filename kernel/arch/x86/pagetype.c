/* Page types and reference counts (see docs/page-types.md): the rules that keep
 * a PV guest from ever holding a writable mapping of one of its page tables or
 * descriptor tables, of a frame it does not own, or of the hypervisor.
 *
 * Every function here expects the owning domain's d->lock to be held (except
 * mm_relinquish, which takes it).  Tables only ever reference frames of the
 * same domain, so one lock covers a whole validation cascade.  The one
 * exception is a builder's L1 entry mapping a frame of a domain it created
 * that has not run yet (foreign mmu_update, docs/capabilities.md): those are
 * made with both domains' locks held, and removing one flushes the builder's
 * TLBs before the frame's references go, so that no stale mapping outlives
 * them (the frame may become the new domain's page table, or be freed). */
#include "mm.h"
#include "pt.h"
#include "domain.h"
#include "flush.h"
#include "lib.h"
#include "pci.h"

#define PTE_AD (PTE_A | PTE_D)

static bool is_table_type(unsigned t) { return t >= PGT_l1 && t <= PGT_l4; }
static unsigned type_level(unsigned t) { return t - PGT_l1 + 1; }
static enum page_type level_type(unsigned level) { return (enum page_type)(PGT_l1 + level - 1); }

/* ---- general references ---- */

HOT_PATH int get_page(struct page_info *pg, const struct domain *d)
{
    if (pg->owner != d->id || (pg->flags & PGF_free) || !(pg->flags & (PGF_allocated | PGF_xenheap)))
        return -EINVAL;
    if (pg->count == UINT32_MAX) return -EINVAL;
    pg->count++;
    return 0;
}

HOT_PATH void put_page(struct page_info *pg)
{
    ASSERT(pg->count > 0);
    pg->count--;
}

/* ---- entry validation: taking and dropping the references an entry holds ---- */

/* A present L1 entry holds a general reference on its frame, plus a writable
 * type reference if it maps the frame writable.  The frame must belong to
 * pg_owner: d itself, or for a builder's foreign update the domain it builds.
 * Error codes follow Xen's get_page_from_l1e: bad flags -EINVAL, no RAM frame
 * (MMIO) -EPERM, a frame that is not pg_owner's or cannot be made writable
 * -EBUSY. */
HOT_PATH static int get_l1e(const struct domain *d, const struct domain *pg_owner, uint64_t e)
{
    uint64_t allowed = L1_GUEST_ALLOWED;

    if (has_cap(d, CAP_IO)) /* may choose caching for device memory */
        allowed |= PTE_CACHE_ATTRS;
    if (e & PTE_FLAGS_MASK & ~allowed) return -EINVAL;
    mfn_t m = pte_mfn(e);
    if (!mfn_valid(m) || !(mfn_to_page(m)->flags & (PGF_allocated | PGF_xenheap))) {
        /* Not RAM a domain owns: a BAR frame of d's own device, or nothing. */
        int io = pg_owner == d ? pci_mmio_get(d, m, e & PTE_RW) : 1;
        return io != 1 ? io : mfn_valid(m) ? -EBUSY : -EPERM;
    }
    struct page_info *pg = mfn_to_page(m);
    if (get_page(pg, pg_owner)) return -EBUSY;
    if ((pg->flags & PGF_xenheap) && (e & PTE_CACHE_ATTRS)) {
        put_page(pg);
        return -EACCES;
    }
    if ((e & PTE_RW) && ((pg->flags & PGF_readonly) || get_page_type(pg, PGT_writable))) {
        put_page(pg);
        return -EBUSY;
    }
    return 0;
}

/* Does this entry of an L1 table owned by `owner` map another domain's frame
 * through a foreign update (grant mappings carry PTE_GNTTAB and are not)? */
static bool l1e_is_foreign(uint64_t e, domid_t owner)
{
    if (!pte_present(e) || (e & PTE_GNTTAB) || !mfn_valid(pte_mfn(e))) return false;
    return mfn_to_page(pte_mfn(e))->owner != owner;
}

/* Must the table owner's TLBs be flushed before this L1 entry's references
 * are dropped?  Yes for a foreign mapping and for a grant mapping (the
 * granted frame may go back to its owner's use, or be freed, as soon as the
 * references go: docs/grant-tables.md). */
static bool l1e_put_needs_flush(uint64_t e, domid_t owner)
{
    if (pte_present(e) && (e & PTE_GNTTAB)) return true;
    return l1e_is_foreign(e, owner);
}

HOT_PATH static void put_l1e(uint64_t e)
{
    if (!pte_present(e)) return;
    if (!mfn_valid(pte_mfn(e)) || !(mfn_to_page(pte_mfn(e))->flags & (PGF_allocated | PGF_xenheap))) {
        pci_mmio_put(pte_mfn(e));
        return;
    }
    struct page_info *pg = mfn_to_page(pte_mfn(e));
    if ((e & PTE_RW) && (e & PTE_D)) logdirty_mark(pte_mfn(e)); /* its dirty bit goes with it */
    if (e & PTE_RW) put_page_type(pg);
    put_page(pg);
}

/* A present L2/L3/L4 entry holds a general and a type reference on the next
 * lower table, which validates it if it was not already that type.  No
 * superpages (PSE is a bad flag).  A read-only entry pointing back at its own
 * table (a linear self-map) is accepted and holds nothing, as with Xen's
 * default pv-linear-pt; writable self-maps, and linear entries to other
 * tables of the same level, fail the type check with -EINVAL. */
static bool is_self_map(uint64_t e, mfn_t table) { return pte_mfn(e) == table; }

static int get_lne(const struct domain *d, uint64_t e, unsigned level, mfn_t table)
{
    if (e & PTE_FLAGS_MASK & ~LN_GUEST_ALLOWED) return -EINVAL;
    mfn_t m = pte_mfn(e);
    if (is_self_map(e, table)) return (e & PTE_RW) ? -EINVAL : 0;
    if (!mfn_valid(m)) return -EINVAL;
    struct page_info *pg = mfn_to_page(m);
    if (get_page(pg, d)) return -EINVAL;
    int rc = get_page_type(pg, level_type(level - 1));
    if (rc) put_page(pg);
    return rc;
}

static void put_lne(uint64_t e, mfn_t table)
{
    if (pte_present(e) && !is_self_map(e, table)) put_page_and_type(mfn_to_page(pte_mfn(e)));
}

/* Take the references entry e of `table` (at `level`) holds. */
static int get_entry(const struct domain *d, const struct domain *pg_owner, unsigned level, uint64_t e,
                     mfn_t table)
{
    if (!pte_present(e)) return 0; /* swap entries etc.: never interpreted by hardware */
    return level == 1 ? get_l1e(d, pg_owner, e) : get_lne(d, e, level, table);
}

HOT_PATH static void put_entry(unsigned level, uint64_t e, mfn_t table)
{
    if (level == 1)
        put_l1e(e);
    else
        put_lne(e, table);
}

/* The guest kernel runs in ring 3, so every guest entry gets U; an L1 entry
 * written without U is remembered as a kernel mapping (Xen's adjust_guest_l*e). */
static uint64_t adjust_entry(unsigned level, uint64_t e)
{
    if (!pte_present(e)) return e;
    if (level == 1) return (e & PTE_US) ? e : (e | PTE_US | PTE_GUEST_KERNEL);
    if (level == 4) return e | PTE_US | PTE_A;
    return e | PTE_US;
}

/* ---- whole-frame validation ---- */

/* The hypervisor's entry for L4 slot `slot` in a newly validated L4 of d.
 * The read-only M2P slot is there only with the m2p_strict assist (Xen's
 * init_xen_l4_slots with ro_mpt = m2p_strict): without it the slot is filled
 * when the L4 is loaded as a kernel CR3 (NEW_BASEPTR, the first domain's
 * bootstrap L4, a vCPU context), so that a user L4 the guest pins itself
 * does not show the M2P to user mode.  With it, user L4s lose the slot at
 * NEW_USER_BASEPTR instead (mm_hypercalls.c). */
static uint64_t hv_l4e_for(const struct domain *d, unsigned slot)
{
    if (slot == L4_SLOT_RO_MPT && !(d->vm_assist & (1UL << VMASST_TYPE_m2p_strict))) return 0;
    return hv_l4e(slot);
}

static int validate_table(const struct domain *d, mfn_t m, unsigned level)
{
    uint64_t *t = mfn_to_virt(m);
    unsigned i;
    int rc = 0;

    for (i = 0; i < PT_ENTRIES; i++) {
        if (level == 4 && l4_slot_is_hv(i)) {
            /* The guest's values here are ignored: Linux copies them from its
             * own L4 into every new one. */
            __atomic_store_n(&t[i], hv_l4e_for(d, i), __ATOMIC_RELAXED);
            continue;
        }
        uint64_t e = __atomic_load_n(&t[i], __ATOMIC_RELAXED);
        if (!pte_present(e)) continue; /* most of a table: holds nothing */
        rc = get_entry(d, d, level, e, m);
        if (rc) break;
        __atomic_store_n(&t[i], adjust_entry(level, e), __ATOMIC_RELAXED);
    }
    if (!rc) return 0;
    dprintk("d%u: mfn %#lx slot %u bad as L%u entry (%d)\n", d->id, m, i, level, rc);
    while (i-- > 0)
        if (!(level == 4 && l4_slot_is_hv(i))) put_entry(level, t[i], m);
    return rc;
}

/* Drop the references held by the entries of a table whose last type
 * reference went away. The entries stay as they are: the guest owns them.
 * One pass: the owner's TLBs are flushed once, before the first entry that
 * maps a foreign or granted frame lets go of it (the others need no flush). */
__attribute__((noinline)) static void devalidate_table(mfn_t m, unsigned level)
{
    const uint64_t *t = mfn_to_virt(m);
    domid_t owner = mfn_to_page(m)->owner;
    bool flushed = level != 1;

    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        uint64_t e = __atomic_load_n(&t[i], __ATOMIC_RELAXED);
        if (!pte_present(e) || (level == 4 && l4_slot_is_hv(i))) continue;
        if (!flushed && l1e_put_needs_flush(e, owner)) {
            struct domain *d = domain_lookup(owner);
            if (d) flush_tlb_domain(d);
            flushed = true;
        }
        put_entry(level, e, m);
    }
}

static int validate_descriptors(mfn_t m)
{
    uint64_t *t = mfn_to_virt(m);

    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        uint64_t desc = t[i];
        if (!check_descriptor(&desc)) return -EINVAL;
        if (desc != t[i]) t[i] = desc; /* fixed up, e.g. DPL raised */
    }
    return 0;
}

/* Not inlined: whole-table work stays off the hot pages (HOT_PATH) that the
 * one-entry paths of get_page_type/put_page_type share. */
__attribute__((noinline)) static int validate_frame(struct page_info *pg, enum page_type t)
{
    mfn_t m = page_to_mfn(pg);

    if (t == PGT_seg_desc) return validate_descriptors(m);
    if (!is_table_type(t)) return 0;
    const struct domain *d = domain_lookup(pg->owner);
    if (!d) return -EINVAL;
    return validate_table(d, m, type_level(t));
}

/* ---- type references ---- */

static bool type_permitted(const struct page_info *pg, enum page_type t)
{
    if (pg->flags & PGF_readonly) return false;            /* boot modules: read-only mappings only */
    if (pg->flags & PGF_xenheap) return t == PGT_writable; /* shared_info & co. never become tables */
    return t != PGT_none;
}

HOT_PATH int get_page_type(struct page_info *pg, enum page_type t)
{
    if (pg->type_count) {
        /* Not yet validated means "being validated further up this call
         * chain": a reference back into it would be a cycle. */
        if (pg->type != t || pg->type_count == UINT32_MAX || !(pg->flags & PGF_validated)) return -EINVAL;
        pg->type_count++;
        return 0;
    }
    if (!type_permitted(pg, t)) return -EINVAL;
    if (pg->type != PGT_none && pg->type != t) {
        /* The old use may live on in TLBs and paging-structure caches:
         * writable mappings dropped without a flush (Linux does that with
         * update_va_mapping), or a table the CPU still walks.  Flush before
         * the frame is trusted (or written) in its new role.  Between
         * writable and page table, that is only where no flush came after
         * the owner last removed such an entry (put_old_entry): a table whose
         * last reference went otherwise was on no loaded CR3 since a flush. */
        struct domain *owner = domain_lookup(pg->owner);
        bool pt_swap =
            (pg->type == PGT_writable || is_table_type(pg->type)) && (t == PGT_writable || is_table_type(t));
        if (owner)
            flush_tlb_domain_since(owner, pt_swap ? __atomic_load_n(&owner->tlb_stamp, __ATOMIC_RELAXED)
                                                  : UINT64_MAX);
    }
    /* Set type and count before validating so that a table that refers to
     * itself (at any level) sees a type conflict. */
    uint8_t prev = pg->type;
    pg->type = t;
    pg->type_count = 1;
    pg->flags &= ~PGF_validated;
    if (prev != t) iommu_page_changed(pg, pg->owner); /* a table is out of DMA reach before validation */
    int rc = validate_frame(pg, t);
    if (rc) {
        pg->type = prev; /* still owes a flush if it did before */
        pg->type_count = 0;
        if (prev != t) iommu_page_changed(pg, pg->owner);
        return rc;
    }
    pg->flags |= PGF_validated;
    return 0;
}

HOT_PATH void put_page_type(struct page_info *pg)
{
    ASSERT(pg->type_count > 0);
    if (--pg->type_count) return;
    /* Devalidate at once: Linux remaps a table writable right after the
     * unpin/CR3 switch that dropped its last type reference. */
    if (is_table_type(pg->type) && (pg->flags & PGF_validated))
        devalidate_table(page_to_mfn(pg), type_level(pg->type));
    /* The type stays (unvalidated) so that the next type change knows a
     * flush is due. */
    pg->flags &= ~PGF_validated;
}

int get_page_and_type(mfn_t m, const struct domain *d, enum page_type t)
{
    if (!mfn_valid(m)) return -EINVAL;
    struct page_info *pg = mfn_to_page(m);
    int rc = get_page(pg, d);
    if (rc) return rc;
    rc = get_page_type(pg, t);
    if (rc) put_page(pg);
    return rc;
}

void put_page_and_type(struct page_info *pg)
{
    put_page_type(pg);
    put_page(pg);
}

int get_root_table(struct domain *d, mfn_t m) { return get_page_and_type(m, d, PGT_l4); }

/* ---- updating one entry of a live table ---- */

/* Level (1..4) of a table of d that is in use, or 0. */
HOT_PATH static unsigned live_table_level(const struct domain *d, mfn_t table)
{
    if (!mfn_valid(table)) return 0;
    const struct page_info *pg = mfn_to_page(table);
    if (pg->owner != d->id || !pg->type_count || !is_table_type(pg->type) || !(pg->flags & PGF_validated))
        return 0;
    return type_level(pg->type);
}

/* Checks common to both update forms; on success *slot and *level are set. */
HOT_PATH static int prepare_update(struct domain *d, mfn_t table, unsigned idx, uint64_t **slot,
                                   unsigned *level)
{
    *level = live_table_level(d, table);
    if (!*level || idx >= PT_ENTRIES) return -EINVAL;
    if (*level == 4 && l4_slot_is_hv(idx)) return -EINVAL; /* Xen: "L4 update in Xen-private area" */
    *slot = (uint64_t *)mfn_to_virt(table) + idx;
    logdirty_mark(table);
    return 0;
}

/* The old entry of a slot is gone from the table (replaced by val): if it
 * mapped a foreign or granted frame, no TLB of d may keep it once the frame's
 * references are dropped.  A writable mapping or a lower table that it gave
 * and val does not may live on in d's TLBs until they are next flushed:
 * d->tlb_stamp tells get_page_type when that was. */
HOT_PATH static void put_old_entry(struct domain *d, unsigned level, uint64_t old, uint64_t val, mfn_t table)
{
    /* (An upper entry losing RW takes write access from everything below it.) */
    bool kept = pte_present(val) && pte_mfn(val) == pte_mfn(old) && ((val & PTE_RW) || !(old & PTE_RW));
    if (pte_present(old) && (level > 1 || (old & PTE_RW)) && !kept)
        __atomic_store_n(&d->tlb_stamp, tlb_clock_now(), __ATOMIC_RELAXED);
    if (level == 1 && l1e_put_needs_flush(old, d->id)) flush_tlb_domain(d);
    put_entry(level, old, table);
}

HOT_PATH int pt_update_entry_foreign(struct domain *d, const struct domain *pg_owner, mfn_t table,
                                     unsigned idx, uint64_t val, bool preserve_ad)
{
    uint64_t *slot, old;
    unsigned level;
    int rc = prepare_update(d, table, idx, &slot, &level);
    if (rc) return rc;
    if (level > 1 && pg_owner != d) return -EINVAL; /* Xen: only L1 entries may name pg_owner's frames */
    rc = get_entry(d, pg_owner, level, val, table);
    if (rc) return rc;
    val = adjust_entry(level, val);
    if (preserve_ad) {
        /* The CPU may set A/D concurrently: merge them in atomically. */
        old = __atomic_load_n(slot, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(slot, &old, val | (old & PTE_AD), false, __ATOMIC_SEQ_CST,
                                            __ATOMIC_RELAXED))
            ;
    } else {
        old = __atomic_exchange_n(slot, val, __ATOMIC_SEQ_CST);
    }
    /* Only A/D can have changed under us, so old's references are the ones held. */
    put_old_entry(d, level, old, val, table);
    return 0;
}

HOT_PATH int pt_update_entry(struct domain *d, mfn_t table, unsigned idx, uint64_t val, bool preserve_ad)
{
    return pt_update_entry_foreign(d, d, table, idx, val, preserve_ad);
}

int pt_cmpxchg_entry(struct domain *d, mfn_t table, unsigned idx, uint64_t *old, uint64_t val)
{
    uint64_t *slot;
    unsigned level;
    int rc = prepare_update(d, table, idx, &slot, &level);
    if (rc) return rc;
    rc = get_entry(d, d, level, val, table);
    if (rc) return rc;
    uint64_t expect = *old;
    if (!__atomic_compare_exchange_n(slot, &expect, adjust_entry(level, val), false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_RELAXED)) {
        put_entry(level, val, table);
        *old = expect;
        return -EAGAIN;
    }
    put_old_entry(d, level, *old, adjust_entry(level, val), table);
    return 0;
}

void pt_table_refs(mfn_t m, enum page_type t, void (*hold)(mfn_t target, bool typed))
{
    unsigned level = type_level(t);
    const uint64_t *tb = mfn_to_virt(m);
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        uint64_t e = __atomic_load_n(&tb[i], __ATOMIC_RELAXED);
        if (!pte_present(e) || (level == 4 && l4_slot_is_hv(i)) || (level > 1 && is_self_map(e, m))) continue;
        hold(pte_mfn(e), level > 1 || (e & PTE_RW));
    }
}

/* Does a validated L1 table of d still map a frame of domain `owner` (other
 * than through a grant)?  Scans d's frame list: used only at a domain's first
 * unpause and destruction, not on any fast path. */
bool mm_maps_foreign(const struct domain *d, domid_t owner)
{
    for (uint32_t m = d->page_list; m != ~0u; m = frame_table[m].next) {
        const struct page_info *pg = mfn_to_page(m);
        if (pg->type != PGT_l1 || !pg->type_count || !(pg->flags & PGF_validated)) continue;
        const uint64_t *t = mfn_to_virt(m);
        for (unsigned i = 0; i < PT_ENTRIES; i++) {
            uint64_t e = __atomic_load_n(&t[i], __ATOMIC_RELAXED);
            if (l1e_is_foreign(e, d->id) && mfn_to_page(pte_mfn(e))->owner == owner) return true;
        }
    }
    return false;
}

/* ---- walking ---- */

int pt_walk_l1(const struct domain *d, mfn_t l4, uint64_t va, mfn_t *l1)
{
    mfn_t m = l4;

    for (unsigned level = 4; level > 1; level--) {
        if (live_table_level(d, m) != level) return -EINVAL;
        unsigned idx = pt_index(va, level);
        if (level == 4 && l4_slot_is_hv(idx)) return -EINVAL;
        uint64_t e = __atomic_load_n((uint64_t *)mfn_to_virt(m) + idx, __ATOMIC_RELAXED);
        if (!pte_present(e) || (e & PTE_PSE)) return -EINVAL;
        m = pte_mfn(e);
    }
    if (live_table_level(d, m) != 1) return -EINVAL;
    *l1 = m;
    return 0;
}

/* ---- teardown ---- */

static void drop_root(mfn_t *slot)
{
    if (*slot != INVALID_MFN) put_page_and_type(mfn_to_page(*slot));
    *slot = INVALID_MFN;
}

void mm_relinquish(struct domain *d)
{
    spin_lock(&d->lock);
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        if (!v) continue;
        drop_root(&v->arch.guest_table);
        drop_root(&v->arch.guest_table_user);
    }
    for (uint32_t m = d->page_list; m != ~0u; m = frame_table[m].next) {
        struct page_info *pg = mfn_to_page(m);
        if (pg->flags & PGF_pinned) {
            pg->flags &= ~PGF_pinned;
            put_page_and_type(pg);
        }
    }
    spin_unlock(&d->lock);
}
