/* memory_op: reservations (increase/decrease/populate, continued as Xen's are
 * with the next extent in the command's upper bits), the memory maps, and
 * where the M2P lives. */
#include "lib.h"
#include "hypercall.h"
#include "guest_access.h"
#include "domain.h"
#include "mm.h"
#include "bootinfo.h"
#include "layout.h"
#include "flush.h"
#include "pci.h"
#include <xen/memory.h>

#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK     ((1u << MEMOP_EXTENT_SHIFT) - 1)
#define E820_RAM           1

/* Resolve a domid argument: only the caller itself, or a domain it may build. */
static struct domain *target_domain(domid_t id, long *err)
{
    struct domain *self = current->domain;
    if (id == DOMID_SELF || id == self->id) return self;
    struct domain *d = domain_lookup(id);
    if (!d) {
        *err = -ESRCH;
        return NULL;
    }
    if (!has_cap(self, CAP_BUILD) || d->parent != self->id) {
        *err = -EPERM;
        return NULL;
    }
    return d;
}

/* Can d give frame m back?  Its own, allocated, unmapped, untyped, unpinned, and
 * not already taken in this batch (PGF_releasing).  Under d's lock. */
static bool releasable(const struct domain *d, mfn_t m)
{
    if (!mfn_valid(m)) return false;
    const struct page_info *pg = mfn_to_page(m);
    return pg->owner == d->id &&
           (pg->flags & (PGF_allocated | PGF_readonly | PGF_pinned | PGF_releasing)) == PGF_allocated &&
           !pg->count && !pg->type_count;
}

/* Give back the marked frames of d: one walk of its page list for the whole
 * batch (a balloon driver returns thousands of frames, one list walk each would
 * be quadratic).  Under d's lock, so no mapping or type can be taken meanwhile. */
static void release_marked(struct domain *d, unsigned left)
{
    flush_tlb_domain(d); /* no stale read-only TLB entry may outlive a frame */
    for (uint32_t *link = &d->page_list; left && *link != ~0u;) {
        mfn_t m = *link;
        if (!(mfn_to_page(m)->flags & PGF_releasing)) {
            link = &mfn_to_page(m)->next;
            continue;
        }
        *link = mfn_to_page(m)->next;
        d->tot_pages--;
        left--;
        iommu_frame_released(d->id, m);
        frame_free(m);
    }
}

/* Up to RELEASE_BATCH extents of the list from i: each checked and marked in
 * order, stopping at the first that cannot go (Xen's count of extents done). */
#define RELEASE_BATCH 64
static uint64_t release_batch(struct domain *d, uint64_t list, uint64_t i, uint64_t n)
{
    xen_pfn_t v[RELEASE_BATCH];
    unsigned k = 0, marked = 0;
    while (k < RELEASE_BATCH && i + k < n &&
           !copy_from_guest(&v[k], list + (i + k) * sizeof(v[0]), sizeof(v[0])))
        k++;
    spin_lock(&d->lock);
    for (; marked < k && releasable(d, v[marked]); marked++)
        mfn_to_page(v[marked])->flags |= PGF_releasing;
    if (marked) release_marked(d, marked);
    spin_unlock(&d->lock);
    return marked;
}

static void release_page(struct domain *d, mfn_t m)
{
    spin_lock(&d->lock);
    if (releasable(d, m)) {
        mfn_to_page(m)->flags |= PGF_releasing;
        release_marked(d, 1);
    }
    spin_unlock(&d->lock);
}

static long reservation(unsigned cmd, uint64_t start, uint64_t arg)
{
    bool preempted = false;
    struct xen_memory_reservation r;
    long err = 0;
    if (copy_from_guest(&r, arg, sizeof(r))) return (long)start; /* Xen reports progress, not -EFAULT, here */
    if (r.extent_order != 0) return start;                       /* only 4 KiB extents for PV guests here */
    struct domain *d = target_domain(r.domid, &err);
    if (!d) return err == -EPERM ? (long)start : err; /* Xen: a refused target does no extents */
    uint64_t list = (uint64_t)r.extent_start.p;
    /* Xen: a count whose continuation cannot be encoded does nothing. */
    if (r.nr_extents > (UINT32_MAX >> MEMOP_EXTENT_SHIFT) || start > r.nr_extents ||
        (list && !guest_range_ok(list, r.nr_extents * sizeof(xen_pfn_t))))
        return start;
    uint64_t i = start;
    while (i < r.nr_extents) {
        if (i != start && (preempted = hypercall_preempt_check())) break;
        if (cmd == XENMEM_decrease_reservation) {
            uint64_t done = release_batch(d, list, i, r.nr_extents);
            i += done;
            if (done < RELEASE_BATCH && i < r.nr_extents) break;
            continue;
        }
        xen_pfn_t v;
        if (cmd == XENMEM_populate_physmap && copy_from_guest(&v, list + i * sizeof(v), sizeof(v))) break;
        spin_lock(&d->lock);
        mfn_t m = domain_alloc_page(d);
        spin_unlock(&d->lock);
        if (m == INVALID_MFN) break;
        if (cmd == XENMEM_populate_physmap) m2p_table[m] = v;
        xen_pfn_t out = m;
        if (list && copy_to_guest(list + i * sizeof(out), &out, sizeof(out))) {
            release_page(d, m);
            break;
        }
        i++;
    }
    if (preempted)
        return hypercall_continue(__HYPERVISOR_memory_op, 1, (uint64_t[]){ cmd | (i << MEMOP_EXTENT_SHIFT) });
    return (long)i;
}

static long domain_counts(unsigned cmd, uint64_t arg)
{
    domid_t id;
    long err = 0;
    if (copy_from_guest(&id, arg, sizeof(id))) return -EFAULT;
    struct domain *d = target_domain(id, &err);
    if (!d) return err;
    return cmd == XENMEM_current_reservation ? (long)d->tot_pages : (long)d->max_pages;
}

static long memory_map(struct domain *d, uint64_t arg, bool machine)
{
    struct xen_memory_map map;
    if (copy_from_guest(&map, arg, sizeof(map))) return -EFAULT;
    if (machine && !has_cap(d, CAP_BUILD)) return -EPERM;
    struct {
        uint64_t addr, size;
        uint32_t type;
    } __attribute__((packed)) e;
    unsigned n = machine ? boot_info.nr_mem : 1;
    if (map.nr_entries < n) return -EINVAL;
    for (unsigned i = 0; i < n; i++) {
        if (machine)
            e = (typeof(e)){ boot_info.mem[i].start, boot_info.mem[i].end - boot_info.mem[i].start,
                             E820_RAM };
        else
            e = (typeof(e)){ 0, d->max_pages << PAGE_SHIFT, E820_RAM };
        if (copy_to_guest((uint64_t)map.buffer.p + i * sizeof(e), &e, sizeof(e))) return -EFAULT;
    }
    map.nr_entries = n;
    return copy_to_guest(arg, &map, sizeof(map)) ? -EFAULT : 0;
}

long do_memory_op(uint64_t cmd_arg, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    unsigned cmd = cmd_arg & MEMOP_CMD_MASK;
    uint64_t start = cmd_arg >> MEMOP_EXTENT_SHIFT;
    struct domain *d = current->domain;
    bool known = cmd == XENMEM_maximum_ram_page || cmd == XENMEM_current_reservation ||
                 cmd == XENMEM_maximum_reservation || cmd == XENMEM_machphys_mapping ||
                 cmd == XENMEM_memory_map || cmd == XENMEM_machine_memory_map;
    if (start && known) return -EINVAL; /* only the extent ops have continuations */
    switch (cmd) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return reservation(cmd, start, arg);
    case XENMEM_maximum_ram_page:
        return (long)max_mfn;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
        return domain_counts(cmd, arg);
    case XENMEM_machphys_mapping: {
        struct xen_machphys_mapping m = { .v_start = RO_MPT_VIRT_START,
                                          .v_end = RO_MPT_VIRT_END,
                                          .max_mfn = ((RO_MPT_VIRT_END - RO_MPT_VIRT_START) >> 3) - 1 };
        return copy_to_guest(arg, &m, sizeof(m)) ? -EFAULT : 0;
    }
    case XENMEM_memory_map:
        return memory_map(d, arg, false);
    case XENMEM_machine_memory_map:
        return memory_map(d, arg, true);
    default:
        return -ENOSYS;
    }
}
