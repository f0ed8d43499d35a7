/* Log-dirty mode of a PV domain (XEN_DOMCTL_shadow_op; docs/migration.md):
 * which of its frames were written since its builder last asked.
 *
 * Xen shadows a PV guest's page tables for this; the core cannot afford
 * shadows, so it reads what the CPU already records: the dirty bit of every
 * writable entry in the domain's validated L1 tables.  Stores that bypass
 * those entries set PGF_dirty on the frame instead (logdirty_mark: the
 * core's own stores, grant copies, writable grant mappings when they go,
 * page-table updates, and an entry with its dirty bit set when it is dropped).
 * A harvest makes two passes over the machine's frames: (1) every writable
 * entry of the domain's L1 tables with D set marks its frame (and, for CLEAN,
 * loses D, so the next write sets it again); (2) every frame of the domain
 * marked is reported by its PFN (the M2P) and, for CLEAN, unmarked.  Both
 * passes stop when preemption is due and continue from the frame they reached,
 * kept in the domctl's `mb` (unused by these sub-ops) while the domctl is
 * reissued.  OFF sets D in every writable entry: a guest never sees a page it
 * wrote as clean once log-dirty mode has ended. */
#include "mm.h"
#include "pt.h"
#include "domain.h"
#include "flush.h"
#include "lib.h"
#include "pci.h"
#include "guest_access.h"
#include "hypercall.h"
#include <xen/domctl.h>

#define LD_MAX_PFNS (1ull << 24) /* bits of bitmap the core reports (64 GiB of PFNs) */

enum { LD_MARK = 1, LD_CLEAR_D = 2, LD_SET_D = 4, LD_REPORT = 8, LD_FORGET = 16 };

struct harvest {
    struct domain *t;
    unsigned how;
    uint64_t bitmap, pages; /* the caller's bitmap (0: none) and its size in bits */
    struct xen_domctl_shadow_op_stats *st;
    bool flush; /* a dirty bit was cleared: no TLB of t may keep it set */
};

static bool own_frame(const struct domain *t, mfn_t m)
{
    return mfn_valid(m) && mfn_to_page(m)->owner == t->id && (mfn_to_page(m)->flags & PGF_allocated);
}

/* Pass 1: the writable entries of one validated L1 table of t to t's frames. */
static void scan_l1(struct harvest *h, mfn_t m)
{
    const struct page_info *pg = mfn_to_page(m);
    if (!own_frame(h->t, m) || pg->type != PGT_l1 || !pg->type_count || !(pg->flags & PGF_validated)) return;
    uint64_t *tb = mfn_to_virt(m);
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        uint64_t e = __atomic_load_n(&tb[i], __ATOMIC_RELAXED);
        if (!pte_present(e) || !(e & PTE_RW) || (e & PTE_GNTTAB) || !own_frame(h->t, pte_mfn(e))) continue;
        if (h->how & LD_SET_D) {
            __atomic_fetch_or(&tb[i], PTE_D, __ATOMIC_RELAXED);
            continue;
        }
        if (!(e & PTE_D)) continue;
        if (h->how & LD_CLEAR_D) {
            /* Atomic: the CPU may set A or D, the guest's update replace the entry. */
            e = __atomic_fetch_and(&tb[i], ~PTE_D, __ATOMIC_SEQ_CST);
            h->flush = true;
        }
        if ((h->how & LD_MARK) && (e & PTE_D)) {
            logdirty_mark(pte_mfn(e));
            h->st->fault_count++;
        }
    }
}

/* Pass 2: frame m of t, if marked, into the caller's bitmap (then unmarked). */
static int report(struct harvest *h, mfn_t m)
{
    struct page_info *pg = mfn_to_page(m);
    if (!own_frame(h->t, m) || !(pg->flags & PGF_dirty)) return 0;
    if (h->how & LD_REPORT) {
        uint64_t pfn = m2p_table[m], at = h->bitmap + pfn / 8;
        uint8_t byte;
        h->st->dirty_count++;
        if (h->bitmap && pfn < h->pages) {
            if (copy_from_guest(&byte, at, 1)) return -EFAULT;
            byte |= (uint8_t)(1u << (pfn & 7));
            if (copy_to_guest(at, &byte, 1)) return -EFAULT;
        }
    }
    if (h->how & LD_FORGET) __atomic_fetch_and(&pg->flags, (uint8_t)~PGF_dirty, __ATOMIC_RELAXED);
    return 0;
}

/* The first step of CLEAN/PEEK: an empty bitmap, counts from 0, and the
 * vcpu_info frames (the core stores event flags there) marked. */
static int harvest_begin(struct harvest *h)
{
    static const uint8_t zero[256];
    h->st->fault_count = h->st->dirty_count = 0;
    for (uint64_t at = 0, n = (h->pages + 7) / 8; h->bitmap && at < n; at += sizeof(zero))
        if (copy_to_guest(h->bitmap + at, zero, MIN(n - at, sizeof(zero)))) return -EFAULT;
    for (unsigned i = 0; h->how && i < h->t->nr_vcpus; i++)
        if (h->t->vcpu[i] && h->t->vcpu[i]->vcpu_info_mfn != INVALID_MFN)
            logdirty_mark(h->t->vcpu[i]->vcpu_info_mfn);
    return 0;
}

long logdirty_op(struct domain *t, struct xen_domctl_shadow_op *sc)
{
    struct harvest h = { .t = t, .st = &sc->stats };
    uint64_t c = sc->mb, end = 2 * (uint64_t)max_mfn;
    int rc = 0;

    if (t->state == DOM_DYING) return 0; /* Xen: ignored */
    switch (sc->op) {
    case XEN_DOMCTL_SHADOW_OP_ENABLE:
        if (!(sc->mode & XEN_DOMCTL_SHADOW_ENABLE_LOG_DIRTY)) return -EINVAL; /* no shadow modes */
        /* fall through */
    case XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY:
        if ((t->log_dirty && !c) || pci_domain_has_devices(t)) return -EINVAL; /* Xen: on, or DMA */
        h.how = LD_CLEAR_D | LD_FORGET;                                        /* start with nothing dirty */
        t->log_dirty = true;
        break;
    case XEN_DOMCTL_SHADOW_OP_OFF:
        if (!t->log_dirty) return 0;
        h.how = LD_SET_D;
        end = max_mfn;
        break;
    case XEN_DOMCTL_SHADOW_OP_CLEAN:
    case XEN_DOMCTL_SHADOW_OP_PEEK:
        /* Not in log-dirty mode: an empty bitmap, as Xen's empty one. */
        if (t->log_dirty)
            h.how = LD_MARK | LD_REPORT | (sc->op == XEN_DOMCTL_SHADOW_OP_CLEAN ? LD_CLEAR_D | LD_FORGET : 0);
        h.bitmap = (uint64_t)sc->dirty_bitmap.p;
        h.pages = sc->pages = MIN(sc->pages, LD_MAX_PFNS);
        if (!c && (rc = harvest_begin(&h))) return rc;
        if (!t->log_dirty) return 0;
        break;
    case XEN_DOMCTL_SHADOW_OP_GET_ALLOCATION:
        sc->mb = 0; /* no shadow pool */
        return 0;
    default:
        return -EINVAL;
    }
    if (c > end) return -EINVAL;
    spin_lock(&t->lock);
    for (uint64_t first = c; c < end && !rc; c++) {
        if (c != first && !(c & 63) && hypercall_preempt_check()) break;
        if (c < max_mfn)
            scan_l1(&h, c);
        else
            rc = report(&h, c - max_mfn);
    }
    spin_unlock(&t->lock);
    if (h.flush) flush_tlb_domain(t);
    if (rc) return rc; /* -EFAULT: the bitmap is incomplete; start over with a full round */
    sc->mb = c < end ? (uint32_t)c : 0;
    if (c < end) return LOGDIRTY_RESTART;
    if (sc->op == XEN_DOMCTL_SHADOW_OP_OFF) t->log_dirty = false;
    return 0;
}
