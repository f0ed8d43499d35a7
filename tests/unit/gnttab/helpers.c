/* Hypercall wrappers and small accessors shared by the grant-table tests. */
#include <string.h>
#include "gt_unit.h"

long hc(struct domain *d, unsigned cmd, void *arg, unsigned count)
{
    set_current(d);
    long rc = do_grant_table_op(cmd, (uint64_t)arg, count, 0, 0);
    set_current(&dom1);
    return rc;
}

grant_entry_v1_t *gent(struct domain *d, grant_ref_t ref) { return gnttab_shared_entry(d->gnttab, ref); }

void grant(struct domain *d, grant_ref_t ref, domid_t to, mfn_t m, uint16_t flags)
{
    grant_entry_v1_t *e = gent(d, ref);
    e->domid = to;
    e->frame = (uint32_t)m;
    e->flags = flags;
}

uint16_t gflags(struct domain *d, grant_ref_t ref) { return gent(d, ref)->flags; }

int map1(struct domain *ld, domid_t dom, grant_ref_t ref, uint32_t flags, uint64_t addr, grant_handle_t *h,
         uint64_t *bus)
{
    struct gnttab_map_grant_ref op = {
        .host_addr = addr, .flags = flags, .ref = ref, .dom = dom, .handle = 0xdead, .dev_bus_addr = 0xbeef
    };
    long rc = hc(ld, GNTTABOP_map_grant_ref, &op, 1);
    if (rc) return 1000 + (int)rc; /* hypercall failed: never a GNTST value */
    if (h) *h = op.handle;
    if (bus) *bus = op.dev_bus_addr;
    return op.status;
}

int unmap1(struct domain *ld, grant_handle_t h, uint64_t addr, uint64_t bus)
{
    struct gnttab_unmap_grant_ref op = { .host_addr = addr, .dev_bus_addr = bus, .handle = h, .status = 99 };
    long rc = hc(ld, GNTTABOP_unmap_grant_ref, &op, 1);
    return rc ? 1000 + (int)rc : op.status;
}

int copy1(struct domain *ld, uint16_t flags, domid_t sdom, uint64_t sref, uint16_t soff, domid_t ddom,
          uint64_t dref, uint16_t doff, uint16_t len)
{
    struct gnttab_copy op;
    memset(&op, 0, sizeof(op));
    op.flags = flags;
    op.source.domid = sdom;
    op.source.offset = soff;
    op.dest.domid = ddom;
    op.dest.offset = doff;
    op.len = len;
    if (flags & GNTCOPY_source_gref)
        op.source.u.ref = (grant_ref_t)sref;
    else
        op.source.u.gmfn = sref;
    if (flags & GNTCOPY_dest_gref)
        op.dest.u.ref = (grant_ref_t)dref;
    else
        op.dest.u.gmfn = dref;
    op.status = 99;
    long rc = hc(ld, GNTTABOP_copy, &op, 1);
    return rc ? 1000 + (int)rc : op.status;
}

uint64_t l1e(mfn_t l1, unsigned idx) { return ((uint64_t *)frame(l1))[idx]; }
struct page_info *pg(mfn_t m) { return mfn_to_page(m); }

uint64_t gpte(mfn_t m, bool rw)
{
    return (m << PAGE_SHIFT) | PTE_P | PTE_A | PTE_D | PTE_NX | PTE_GNTTAB | PTE_US | PTE_GUEST_KERNEL |
           (rw ? PTE_RW : 0);
}
