/* Lays out a domain from its kernel's ELF notes (see layout.h): a ramdisk is
 * mapped after the kernel unless the kernel asks for it as a pfn
 * (MOD_START_PFN); the p2m goes to INIT_P2M when the kernel names one. */
#include "build/layout.h"
#include "util.h"

int layout_compute(const struct xenelf *e, uint64_t nr_pages, uint64_t ramdisk_len, struct pv_layout *l,
                   char *err, size_t errlen)
{
    struct pv_layout_req q = {
        .nr_pages = nr_pages,
        .virt_base = e->virt_base,
        .kern_pfn = (e->vstart - e->virt_base) >> PAGE_SHIFT_4K,
        .kern_end_pfn = (e->vend - e->virt_base) >> PAGE_SHIFT_4K,
        .mod_pages = PFN_UP(ramdisk_len),
        .mod_mapped = !e->mod_start_pfn,
        .init_p2m = e->init_p2m,
    };
    switch (pv_layout_compute(&q, l)) {
    case PV_LAYOUT_OK:
        return 0;
    case PV_LAYOUT_P2M_NOT_LOW:
        return db_errf(err, errlen, "INIT_P2M %#llx not in the lower half", (unsigned long long)e->init_p2m);
    case PV_LAYOUT_P2M_SLOT:
        return db_errf(err, errlen, "INIT_P2M region shares an L4 slot with the kernel");
    case PV_LAYOUT_MAP_TOO_BIG:
        return db_errf(err, errlen, "bootstrap mapping larger than 1 GiB");
    default:
        return db_errf(err, errlen, "memory too small: the layout needs %llu pages, the domain has %llu",
                       (unsigned long long)l->used_pages, (unsigned long long)nr_pages);
    }
}
