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

static bool unlink_page(struct domain *d, mfn_t m)
{
    for (uint32_t *link = &d->page_list; *link != ~0u; link = &mfn_to_page(*link)->next)
        if (*link == m) {
            *link = mfn_to_page(m)->next;
            d->tot_pages--;
            return true;
        }
    return false;
}

/* Give a frame back: it must be the domain's, unmapped, untyped and unpinned.
 * Under d's lock, so no mapping or type can be taken on it meanwhile. */
static bool release_page(struct domain *d, mfn_t m)
{
    if (!mfn_valid(m)) return false;
    struct page_info *pg = mfn_to_page(m);
    if (pg->owner != d->id || !(pg->flags & PGF_allocated) || (pg->flags & PGF_readonly) || pg->count ||
        pg->type_count || (pg->flags & PGF_pinned))
        return false;
    if (!unlink_page(d, m)) return false;
    flush_tlb_domain(d); /* no stale read-only TLB entry may outlive the frame */
    iommu_frame_released(d->id, m);
    frame_free(m);
    return true;
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
    uint64_t i;
    for (i = start; i < r.nr_extents; i++) {
        xen_pfn_t v;
        if (i != start && (preempted = hypercall_preempt_check())) break;
        if (cmd == XENMEM_decrease_reservation || cmd == XENMEM_populate_physmap) {
            if (copy_from_guest(&v, list + i * sizeof(v), sizeof(v))) break;
        }
        if (cmd == XENMEM_decrease_reservation) {
            spin_lock(&d->lock);
            bool released = release_page(d, v);
            spin_unlock(&d->lock);
            if (!released) break;
            continue;
        }
        spin_lock(&d->lock);
        mfn_t m = domain_alloc_page(d);
        spin_unlock(&d->lock);
        if (m == INVALID_MFN) break;
        if (cmd == XENMEM_populate_physmap) m2p_table[m] = v;
        xen_pfn_t out = m;
        if (list && copy_to_guest(list + i * sizeof(out), &out, sizeof(out))) {
            spin_lock(&d->lock);
            release_page(d, m);
            spin_unlock(&d->lock);
            break;
        }
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
