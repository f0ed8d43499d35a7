/* The PV MMU hypercalls: mmu_update, mmuext_op, update_va_mapping, vm_assist.
 * Each batch element is decoded and checked completely before it changes any
 * state; a batch stops at the first failing element and reports how many
 * completed through `done`, written last (Xen semantics: only the start of
 * the array is checked up front, a failure to write `done` is ignored, the
 * continuation bit in the count is masked off).  When preemption is due
 * before an element (hypercall.c), the batch continues later as Xen's does:
 * the array advanced to that element, the count of what is left with
 * MMU_UPDATE_PREEMPTED set, and `done` holding the total so far.
 *
 * `foreigndom` may name, besides DOMID_SELF, a domain the caller created and
 * that has not run yet, if the caller holds CAP_BUILD (docs/capabilities.md):
 * mmu_update then lets the caller's L1 entries map that domain's frames and
 * set their M2P entries; mmuext_op pins/unpins, clears and copies that
 * domain's frames.  A domain that has run may be named by mmu_update only
 * while it is paused or shut down (a save reads it), and then only for
 * read-only mappings.  Foreign batches hold the build lock throughout and
 * each element both domains' locks. */
#include "mm.h"
#include "pt.h"
#include "domain.h"
#include "flush.h"
#include "guest_access.h"
#include "lib.h"
#include "hypercall.h"

#define MMU_UPDATE_PREEMPTED 0x80000000u /* Xen's continuation marker in count */

/* ---- foreigndom ---- */

/* Who `foreigndom` names (build lock held unless DOMID_SELF).  Naming oneself
 * by id is -ESRCH (Xen), an unknown domain -ESRCH; DOMID_IO/DOMID_XEN, a
 * domain the caller did not create, or a caller without CAP_BUILD: -EPERM.
 * A domain that has run is -EPERM unless `frozen_ok` (mmu_update's read-only
 * view for a save) and it is paused or shut down, or in log-dirty mode (a
 * live migration's rounds: what it writes meanwhile is reported, logdirty.c). */
HOT_PATH static int get_pg_owner(struct domain *d, domid_t id, struct domain **pg, bool frozen_ok)
{
    *pg = d;
    if (id == DOMID_SELF) return 0;
    if (id == d->id) return -ESRCH;
    if (id == DOMID_IO && has_cap(d, CAP_IO)) return 0; /* Xen's I/O-frame owner: BAR frames of its devices */
    if (id == DOMID_IO || id == DOMID_XEN) return -EPERM;
    struct domain *t = domain_lookup(id);
    if (!t) return -ESRCH;
    if (!has_cap(d, CAP_BUILD) || t->parent != d->id || t->state == DOM_DYING) return -EPERM;
    if (t->has_run && !(frozen_ok && (domain_frozen(t) || t->log_dirty))) return -EPERM;
    *pg = t;
    return 0;
}

/* Batch arguments as Xen takes them: the continuation bit is masked off (a
 * resumed batch reads the count done so far from `done`), and only the start
 * of the array is checked (a bad element fails with -EFAULT when reached). */
HOT_PATH static int start_batch(uint64_t array, uint32_t *count, uint64_t pdone, uint32_t *done0)
{
    *done0 = 0;
    if (*count & MMU_UPDATE_PREEMPTED) {
        *count &= ~MMU_UPDATE_PREEMPTED;
        if (pdone && copy_from_guest(done0, pdone, sizeof(*done0))) *done0 = 0;
    }
    if (*count && !guest_range_ok(array, 1)) return -EFAULT;
    return 0;
}

#define BATCH_PREEMPTED 1 /* not an errno: the batch stopped to continue later */

/* Element i of a batch: BATCH_PREEMPTED when preemption is due before it (never
 * before the first of this invocation), -EFAULT if unreadable. */
static int batch_elem(uint64_t array, uint32_t i, void *elem, size_t size)
{
    if (i && hypercall_preempt_check()) return BATCH_PREEMPTED;
    return copy_from_guest(elem, array + (uint64_t)i * size, size) ? -EFAULT : 0;
}

/* `done` (a 32-bit count) is written last; Xen ignores a failure to write it.
 * A preempted batch continues with the rest: Xen passes the count and the
 * domain id as 32-bit values ("hihi"). */
HOT_PATH static long report_done(unsigned op, uint64_t array, size_t size, uint32_t count, uint32_t i,
                                 uint64_t pdone, uint32_t done0, uint64_t domid, long rc)
{
    uint32_t done = done0 + i;
    if (rc == BATCH_PREEMPTED)
        rc = hypercall_continue(op, 4,
                                (uint64_t[]){ array + (uint64_t)i * size, (count - i) | MMU_UPDATE_PREEMPTED,
                                              pdone, (uint32_t)domid });
    if (pdone) (void)copy_to_guest(pdone, &done, sizeof(done));
    return rc;
}

/* ---- mmu_update ---- */

/* A checked store into a table of d (its L1 entries may map pg_owner's frames). */
HOT_PATH static int mmu_normal_update(struct domain *d, const struct domain *pg_owner, uint64_t ptr,
                                      uint64_t val, bool preserve_ad)
{
    mfn_t m = ptr >> PAGE_SHIFT;
    unsigned off = ptr & (PAGE_SIZE - 1);

    if ((off & 7) || !mfn_valid(m)) return -EINVAL;
    struct page_info *pg = mfn_to_page(m);
    if (get_page(pg, d)) return -EINVAL;
    int rc;
    if (pg->type_count && pg->type >= PGT_l1 && pg->type <= PGT_l4) {
        rc = pt_update_entry_foreign(d, pg_owner, m, off / 8, val, preserve_ad);
    } else if (!(rc = get_page_type(pg, PGT_writable))) {
        /* Not a page table in use: an ordinary store (Linux writes its
         * unpinned tables this way). */
        __atomic_store_n((uint64_t *)mfn_to_virt(m) + off / 8, val, __ATOMIC_RELAXED);
        logdirty_mark(m);
        put_page_type(pg);
    } else {
        rc = -EINVAL;
    }
    put_page(pg);
    return rc;
}

/* The M2P entry of a frame of pg_owner. */
static int mmu_machphys_update(const struct domain *pg_owner, uint64_t ptr, uint64_t pfn)
{
    mfn_t m = ptr >> PAGE_SHIFT;

    if (!mfn_valid(m) || get_page(mfn_to_page(m), pg_owner)) return -EINVAL;
    if (m2p_table) m2p_table[m] = pfn;
    put_page(mfn_to_page(m));
    return 0;
}

static int mmu_update_one(struct domain *d, const struct domain *pg_owner, const struct mmu_update *req)
{
    uint64_t ptr = req->ptr & ~3UL;

    /* A domain that has run is only read (docs/capabilities.md): no writable
     * mapping of its frames, no M2P change. */
    if (pg_owner->has_run && pg_owner != d &&
        ((req->ptr & 3) == MMU_MACHPHYS_UPDATE || (pte_present(req->val) && (req->val & PTE_RW))))
        return -EPERM;

    switch (req->ptr & 3) {
    case MMU_NORMAL_PT_UPDATE:
    case MMU_PT_UPDATE_NO_TRANSLATE: /* same thing for a non-translated guest */
        return mmu_normal_update(d, pg_owner, ptr, req->val, false);
    case MMU_PT_UPDATE_PRESERVE_AD:
        return mmu_normal_update(d, pg_owner, ptr, req->val, true);
    default:
        return mmu_machphys_update(pg_owner, ptr, req->val);
    }
}

HOT_PATH static long mmu_update_batch(struct domain *d, struct domain *pg_owner, uint64_t reqs,
                                      uint32_t count, uint32_t *done)
{
    int rc = 0;
    uint32_t i;

    for (i = 0; i < count; i++) {
        struct mmu_update req;
        if ((rc = batch_elem(reqs, i, &req, sizeof(req)))) break;
        mm_lock_pair(d, pg_owner);
        rc = mmu_update_one(d, pg_owner, &req);
        mm_unlock_pair(d, pg_owner);
        if (rc) {
            dprintk("d%u: mmu_update[%u] ptr %#lx val %#lx (pg_owner d%u): %d\n", d->id, i, req.ptr, req.val,
                    pg_owner->id, rc);
            break;
        }
    }
    *done = i;
    return rc;
}

HOT_PATH long do_mmu_update(uint64_t reqs, uint64_t count64, uint64_t pdone, uint64_t domid, uint64_t a5)
{
    struct domain *d = current->domain, *pg_owner;
    uint32_t count = (uint32_t)count64, done = 0, done0;
    bool foreign = (domid_t)domid != DOMID_SELF;
    int rc;

    (void)a5;
    /* Xen's way of finishing a continuation it made itself: never made here,
     * but the call answers as Xen's does. */
    if (count == MMU_UPDATE_PREEMPTED && !reqs) return (int)(uint32_t)domid;
    if ((rc = start_batch(reqs, &count, pdone, &done0))) return rc;
    /* Upper 16 bits: page-table owner + 1 (0 = self); lower: page owner. */
    uint32_t pt_dom = (uint32_t)domid >> 16;
    if (pt_dom && pt_dom - 1 != d->id) return domain_lookup((domid_t)(pt_dom - 1)) ? -EPERM : -ESRCH;
    if (foreign && (rc = build_lock_acquire())) return rc;
    if (!(rc = get_pg_owner(d, (domid_t)domid, &pg_owner, true)))
        rc = mmu_update_batch(d, pg_owner, reqs, count, &done);
    if (foreign) build_lock_release();
    return report_done(__HYPERVISOR_mmu_update, reqs, sizeof(struct mmu_update), count, done, pdone, done0,
                       domid, rc);
}

/* ---- mmuext_op ---- */

/* vCPU bitmap of the *_MULTI flushes: a guest pointer to words of 64 bits. */
static int read_vcpumask(const struct domain *d, uint64_t ptr, uint64_t *mask)
{
    if (copy_from_guest(mask, ptr, sizeof(*mask))) return -EFAULT;
    if (d->nr_vcpus < 64) *mask &= (1UL << d->nr_vcpus) - 1;
    return 0;
}

/* Flush the TLBs of the vCPUs in mask: just our own when that is all it names. */
static void flush_vcpus(struct domain *d, uint64_t mask, bool one, uint64_t va)
{
    struct vcpu *v = current;

    if (!mask) return;
    if (mask == (1UL << v->id)) {
        if (one)
            flush_tlb_one_local(va);
        else
            flush_tlb_local();
    } else {
        flush_tlb_domain(d);
    }
}

static int pin_table(struct domain *d, mfn_t m, enum page_type t)
{
    if (!mfn_valid(m)) return -EINVAL;
    struct page_info *pg = mfn_to_page(m);
    if (pg->owner != d->id) return -EINVAL;
    if (pg->flags & PGF_pinned) return -EINVAL; /* Xen: "already pinned" */
    int rc = get_page_and_type(m, d, t);
    if (!rc) pg->flags |= PGF_pinned;
    return rc;
}

static int unpin_table(struct domain *d, mfn_t m)
{
    if (!mfn_valid(m)) return -EINVAL;
    struct page_info *pg = mfn_to_page(m);
    if (pg->owner != d->id || !(pg->flags & PGF_pinned)) return -EINVAL;
    pg->flags &= ~PGF_pinned;
    put_page_and_type(pg);
    return 0;
}

/* The read-only M2P (L4 slot 256), as Xen 4.17 handles it for a 64-bit PV
 * guest.  Validation puts it into a new L4 only with the m2p_strict assist
 * (pagetype.c).  Without m2p_strict, an L4 gets it when it is loaded as the
 * kernel CR3 (NEW_BASEPTR, not when the same L4 is reloaded), so a user L4
 * the guest pinned itself lacks it and user mode faults on the M2P; with
 * m2p_strict, an L4 loses it at NEW_USER_BASEPTR.  Either way the guest
 * kernel sees the M2P (Xen's fill_ro_mpt/zap_ro_mpt). */
#define RO_MPT_SLOT L4_SLOT_RO_MPT
static bool m2p_strict(const struct domain *d) { return d->vm_assist & (1UL << VMASST_TYPE_m2p_strict); }

void mm_set_ro_mpt(mfn_t l4, bool present)
{
    uint64_t *e = (uint64_t *)mfn_to_virt(l4) + RO_MPT_SLOT;

    if (!present)
        __atomic_store_n(e, 0, __ATOMIC_RELAXED);
    else if (!__atomic_load_n(e, __ATOMIC_RELAXED))
        __atomic_store_n(e, hv_l4e(RO_MPT_SLOT), __ATOMIC_RELAXED);
}

static int new_baseptr(struct vcpu *v, mfn_t m)
{
    mfn_t old = v->arch.guest_table;

    if (m == old && old != INVALID_MFN) {
        arch_load_guest_cr3(v);
        return 0;
    }
    int rc = get_root_table(v->domain, m);
    if (rc) return rc;
    if (!m2p_strict(v->domain)) mm_set_ro_mpt(m, true);
    v->arch.guest_table = m;
    arch_load_guest_cr3(v);
    /* Only now, with CR3 off the old table, may it lose its last type ref. */
    if (old != INVALID_MFN) put_page_and_type(mfn_to_page(old));
    return 0;
}

static int new_user_baseptr(struct vcpu *v, mfn_t m)
{
    mfn_t old = v->arch.guest_table_user;
    mfn_t want = m ? m : INVALID_MFN; /* mfn 0 means "no user table" */

    if (want == old) return 0;
    if (m) {
        int rc = get_root_table(v->domain, m);
        if (rc) return rc;
        if (m2p_strict(v->domain)) mm_set_ro_mpt(m, false);
    }
    v->arch.guest_table_user = want;
    if (!v->arch.kernel_mode) arch_load_guest_cr3(v);
    if (old != INVALID_MFN) put_page_and_type(mfn_to_page(old));
    return 0;
}

/* Xen checks the start only (__addr_ok): an LDT running off the end of the lower
 * half gets #GP for the descriptors past it (traps.c ldt_fault). */
static int set_ldt(struct vcpu *v, uint64_t base, uint32_t ents)
{
    if (ents > 8192 || (ents && ((base & (PAGE_SIZE - 1)) || !guest_range_ok(base, 1)))) return -EINVAL;
    if (ents != v->arch.ldt_ents || (ents ? base : 0) != v->arch.ldt_base)
        ldt_switch(v, ents ? base : 0, ents);
    return 0;
}

static int page_clear_or_copy(struct domain *d, mfn_t dst, mfn_t src, bool copy)
{
    if (!mfn_valid(dst) || (copy && !mfn_valid(src))) return -EINVAL;
    if (copy && get_page(mfn_to_page(src), d)) return -EINVAL;
    int rc = get_page_and_type(dst, d, PGT_writable) ? -EINVAL : 0;
    if (!rc) {
        if (copy)
            memcpy(mfn_to_virt(dst), mfn_to_virt(src), PAGE_SIZE);
        else
            memset(mfn_to_virt(dst), 0, PAGE_SIZE);
        logdirty_mark(dst);
        put_page_and_type(mfn_to_page(dst));
    }
    if (copy) put_page(mfn_to_page(src));
    return rc;
}

/* Operations that change the frame table, with the locks of v's domain and of
 * pg_owner (whose frames pins, clears and copies apply to) held. */
static int mmuext_locked(struct vcpu *v, struct domain *d, const struct mmuext_op *op)
{
    switch (op->cmd) {
    case MMUEXT_PIN_L1_TABLE:
    case MMUEXT_PIN_L2_TABLE:
    case MMUEXT_PIN_L3_TABLE:
    case MMUEXT_PIN_L4_TABLE:
        return pin_table(d, op->arg1.mfn, PGT_l1 + (op->cmd - MMUEXT_PIN_L1_TABLE));
    case MMUEXT_UNPIN_TABLE:
        return unpin_table(d, op->arg1.mfn);
    case MMUEXT_NEW_BASEPTR:
        return new_baseptr(v, op->arg1.mfn);
    case MMUEXT_NEW_USER_BASEPTR:
        return new_user_baseptr(v, op->arg1.mfn);
    case MMUEXT_CLEAR_PAGE:
        return page_clear_or_copy(d, op->arg1.mfn, 0, false);
    case MMUEXT_COPY_PAGE:
        return page_clear_or_copy(d, op->arg1.mfn, op->arg2.src_mfn, true);
    }
    return -ENOSYS;
}

static int mmuext_one(struct vcpu *v, const struct mmuext_op *op)
{
    struct domain *d = v->domain;
    uint64_t va = op->arg1.linear_addr, mask;
    bool va_ok = guest_range_ok(va, 1); /* Xen silently skips other addresses */
    int rc;

    switch (op->cmd) {
    case MMUEXT_TLB_FLUSH_LOCAL:
        flush_tlb_local();
        return 0;
    case MMUEXT_INVLPG_LOCAL:
        if (va_ok) flush_tlb_one_local(va);
        return 0;
    case MMUEXT_TLB_FLUSH_MULTI:
    case MMUEXT_INVLPG_MULTI:
        /* arg2 is a guest handle: its 64-bit pointer value. */
        if (read_vcpumask(d, op->arg2.src_mfn, &mask))
            return -EINVAL; /* Xen maps the fault to -EINVAL here */
        if (op->cmd == MMUEXT_TLB_FLUSH_MULTI || va_ok)
            flush_vcpus(d, mask, op->cmd == MMUEXT_INVLPG_MULTI, va);
        return 0;
    case MMUEXT_TLB_FLUSH_ALL:
        flush_tlb_domain(d);
        return 0;
    case MMUEXT_INVLPG_ALL:
        if (va_ok) flush_tlb_domain(d);
        return 0;
    case MMUEXT_FLUSH_CACHE:
    case MMUEXT_FLUSH_CACHE_GLOBAL:
        return -EACCES; /* no cache-flush permission for anyone yet */
    case MMUEXT_SET_LDT:
        return set_ldt(v, va, op->arg2.nr_ents);
    case MMUEXT_MARK_SUPER:
    case MMUEXT_UNMARK_SUPER:
        return -EOPNOTSUPP;
    }
    spin_lock(&d->lock);
    rc = mmuext_locked(v, d, op);
    spin_unlock(&d->lock);
    return rc;
}

/* An operation on the frames of pg_owner, a domain the caller builds: only
 * pins, unpins, clears and copies apply there (validated against pg_owner's
 * ownership); the rest concern the caller's own vCPU: -EPERM (Xen). */
static int mmuext_foreign(struct domain *d, struct domain *pg_owner, const struct mmuext_op *op)
{
    int rc;

    switch (op->cmd) {
    case MMUEXT_PIN_L1_TABLE:
    case MMUEXT_PIN_L2_TABLE:
    case MMUEXT_PIN_L3_TABLE:
    case MMUEXT_PIN_L4_TABLE:
    case MMUEXT_UNPIN_TABLE:
    case MMUEXT_CLEAR_PAGE:
    case MMUEXT_COPY_PAGE:
        break;
    case MMUEXT_MARK_SUPER:
    case MMUEXT_UNMARK_SUPER:
        return -EOPNOTSUPP;
    default:
        /* 14 is unused in Xen's numbering */
        return op->cmd <= MMUEXT_FLUSH_CACHE_GLOBAL && op->cmd != 14 ? -EPERM : -ENOSYS;
    }
    mm_lock_pair(d, pg_owner);
    rc = mmuext_locked(current, pg_owner, op);
    mm_unlock_pair(d, pg_owner);
    return rc;
}

long do_mmuext_op(uint64_t ops, uint64_t count64, uint64_t pdone, uint64_t domid, uint64_t a5)
{
    struct vcpu *v = current;
    struct domain *pg_owner;
    uint32_t count = (uint32_t)count64, i = 0, done0;
    bool foreign = (domid_t)domid != DOMID_SELF;
    int rc;

    (void)a5;
    if (count == MMU_UPDATE_PREEMPTED && !ops) return (int)(uint32_t)domid; /* as in do_mmu_update */
    if ((rc = start_batch(ops, &count, pdone, &done0))) return rc;
    if (foreign && (rc = build_lock_acquire())) return rc;
    if ((rc = get_pg_owner(v->domain, (domid_t)domid, &pg_owner, false))) {
        if (foreign) build_lock_release();
        return rc; /* Xen leaves `done` alone here */
    }
    for (; i < count; i++) {
        struct mmuext_op op;
        if ((rc = batch_elem(ops, i, &op, sizeof(op)))) break;
        rc = pg_owner == v->domain ? mmuext_one(v, &op) : mmuext_foreign(v->domain, pg_owner, &op);
        if (rc) {
            dprintk("d%u: mmuext_op[%u] cmd %u arg %#lx (pg_owner d%u): %d\n", v->domain->id, i, op.cmd,
                    op.arg1.mfn, pg_owner->id, rc);
            break;
        }
    }
    if (foreign) build_lock_release();
    return report_done(__HYPERVISOR_mmuext_op, ops, sizeof(struct mmuext_op), count, i, pdone, done0, domid,
                       rc);
}

/* ---- update_va_mapping ---- */

HOT_PATH long do_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags, uint64_t a4, uint64_t a5)
{
    struct vcpu *v = current;
    struct domain *d = v->domain;
    uint64_t kind = flags & UVMF_FLUSHTYPE_MASK, target = flags & ~UVMF_FLUSHTYPE_MASK;
    uint64_t mask = 1UL << v->id;
    mfn_t l1;
    int rc;

    (void)a4;
    (void)a5;
    /* Decode everything first: Xen would apply the update and then fail on a
     * bad bitmap pointer; we refuse before changing anything. */
    if (kind != UVMF_NONE && target != UVMF_LOCAL && target != UVMF_ALL && read_vcpumask(d, target, &mask))
        return -EFAULT;
    if (!guest_range_ok(va, 1)) return -EINVAL;

    spin_lock(&d->lock);
    rc = pt_walk_l1(d, v->arch.guest_table, va, &l1);
    if (!rc) rc = pt_update_entry(d, l1, pt_index(va, 1), val, false);
    spin_unlock(&d->lock);
    if (rc) {
        dprintk("d%u: update_va_mapping %#lx val %#lx: %d\n", d->id, va, val, rc);
        return rc;
    }

    if (kind == UVMF_NONE) return 0;
    if (target == UVMF_ALL)
        flush_tlb_domain(d);
    else
        flush_vcpus(d, mask, kind == UVMF_INVLPG, va);
    return 0;
}

/* ---- vm_assist ---- */

/* Assists a 64-bit PV guest may toggle: VMASST_PV64_VALID (pt.h).  Segment and
 * pae_extended_cr3 assists mean nothing to a 64-bit guest; writable page
 * tables are always on; architectural_iopl and runstate_update_flag are read
 * by their users from d->vm_assist; m2p_strict is handled at CR3 loads. */
long do_vm_assist(uint64_t cmd, uint64_t type, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct domain *d = current->domain;
    uint32_t t = (uint32_t)type;

    (void)a3;
    (void)a4;
    (void)a5;
    if (t >= 64 || !(VMASST_PV64_VALID & (1UL << t))) return -EINVAL;
    switch ((uint32_t)cmd) {
    case VMASST_CMD_enable:
        __atomic_or_fetch(&d->vm_assist, 1UL << t, __ATOMIC_RELAXED);
        return 0;
    case VMASST_CMD_disable:
        __atomic_and_fetch(&d->vm_assist, ~(1UL << t), __ATOMIC_RELAXED);
        return 0;
    }
    return -ENOSYS;
}
