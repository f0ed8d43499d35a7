/* The granting side of grant tables v1 for kernels on the PV base: the table's
 * frames (GNTTABOP_setup_table) mapped over pages the kernel gives, grants of
 * its own frames to another domain, and their end (refused while the other
 * domain still maps or copies the page, as Xen's protocol requires). */
#include "pv.h"

static grant_entry_v1_t *table;
static unsigned nr_entries;

long pv_gnttab_init(void *pages, unsigned nframes)
{
    xen_pfn_t frames[GNTTAB_PV_MAX_FRAMES];
    if (!nframes || nframes > GNTTAB_PV_MAX_FRAMES || ((uint64_t)pages & (PAGE_SIZE - 1))) return -XEN_EINVAL;
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = nframes };
    set_xen_guest_handle(st.frame_list, frames);
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1);
    if (rc) return rc;
    if (st.status != GNTST_okay) return -XEN_EINVAL;
    for (unsigned i = 0; i < nframes; i++) {
        uint64_t va = (uint64_t)pages + i * PAGE_SIZE;
        uint64_t pte = (frames[i] << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
        rc = HYPERVISOR_update_va_mapping(va, pte, UVMF_INVLPG);
        if (rc) return rc;
    }
    table = pages;
    nr_entries = nframes * (PAGE_SIZE / sizeof(grant_entry_v1_t));
    return 0;
}

long pv_gnttab_grant(domid_t dom, uint64_t mfn, bool readonly)
{
    if (!table) return -XEN_ENODEV;
    for (unsigned ref = GNTTAB_NR_RESERVED_ENTRIES; ref < nr_entries; ref++) {
        grant_entry_v1_t *e = &table[ref];
        if (e->flags) continue;
        e->domid = dom;
        e->frame = (uint32_t)mfn;
        /* the frame and domain must be visible before the entry is valid */
        __atomic_store_n(&e->flags, (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)),
                         __ATOMIC_RELEASE);
        return ref;
    }
    return -XEN_ENOSPC;
}

long pv_gnttab_end(grant_ref_t ref)
{
    if (!table || ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= nr_entries) return -XEN_EINVAL;
    uint16_t fl = __atomic_load_n(&table[ref].flags, __ATOMIC_ACQUIRE);
    do {
        if (fl & (GTF_reading | GTF_writing)) return -XEN_EBUSY;
    } while (
        !__atomic_compare_exchange_n(&table[ref].flags, &fl, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE));
    return 0;
}
