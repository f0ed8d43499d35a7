/* The pfn layout of a new PV domain (see layout.h).  The number of bootstrap
 * page tables depends on how far the mapping reaches, which depends on the
 * number of page tables: iterate to the first fixed point, as libxc does. */
#include "build/layout.h"
#include "util.h"

#include <string.h>

static uint64_t span(uint64_t a, uint64_t b, int shift) { return ((b - 1) >> shift) - (a >> shift) + 1; }

/* Tables below the L4 that map [a, b). */
static void count_tables(struct pt_region *r)
{
    r->nl3 = span(r->va_start, r->va_end, 39);
    r->nl2 = span(r->va_start, r->va_end, 30);
    r->nl1 = span(r->va_start, r->va_end, 21);
}

static uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

/* Region 0: page tables, boot stack and slack after pt_pfn. */
static void place_tables(struct layout *l, uint64_t pt_pfn)
{
    struct pt_region *r = &l->region[0];
    uint64_t nr_pt = 1;
    l->l4_pfn = pt_pfn;
    for (;;) {
        l->map_end_pfn = round_up(pt_pfn + nr_pt + 1 + LAYOUT_SLACK_PAGES, LAYOUT_ALIGN_PAGES);
        r->va_start = l->virt_base;
        r->va_end = l->virt_base + (l->map_end_pfn << PAGE_SHIFT_4K);
        r->pfn_start = 0;
        count_tables(r);
        uint64_t need = 1 + r->nl3 + r->nl2 + r->nl1;
        if (need <= nr_pt) break;
        nr_pt = need;
    }
    l->nr_pt = nr_pt;
    r->tables_pfn = pt_pfn + 1;
    l->stack_pfn = pt_pfn + nr_pt;
}

/* Region 1: the p2m list mapped at INIT_P2M, its tables right after it. */
static void place_p2m_region(struct layout *l, const struct xenelf *e, uint64_t pfn)
{
    struct pt_region *r = &l->region[1];
    l->p2m_pfn = pfn;
    l->p2m_va = e->init_p2m;
    r->va_start = e->init_p2m;
    r->va_end = e->init_p2m + (l->p2m_pages << PAGE_SHIFT_4K);
    r->pfn_start = pfn;
    count_tables(r);
    r->tables_pfn = pfn + l->p2m_pages;
    l->first_p2m_pfn = pfn;
    l->nr_p2m_frames = l->p2m_pages + r->nl3 + r->nl2 + r->nl1;
    l->nregions = 2;
}

static int check_p2m_va(const struct xenelf *e, const struct layout *l, char *err, size_t errlen)
{
    uint64_t end = e->init_p2m + (l->p2m_pages << PAGE_SHIFT_4K);
    if (e->init_p2m >= 0x0000800000000000ull || end > 0x0000800000000000ull)
        return db_errf(err, errlen, "INIT_P2M %#llx not in the lower half", (unsigned long long)e->init_p2m);
    if (span(e->init_p2m, end, 39) != 1 || (e->init_p2m >> 39) == (l->virt_base >> 39))
        return db_errf(err, errlen, "INIT_P2M region shares an L4 slot with the kernel");
    return 0;
}

int layout_compute(const struct xenelf *e, uint64_t nr_pages, uint64_t ramdisk_len, struct layout *l,
                   char *err, size_t errlen)
{
    memset(l, 0, sizeof(*l));
    l->nr_pages = nr_pages;
    l->virt_base = e->virt_base;
    l->nregions = 1;
    l->kern_pfn = (e->vstart - e->virt_base) >> PAGE_SHIFT_4K;
    l->kern_end_pfn = (e->vend - e->virt_base) >> PAGE_SHIFT_4K;
    l->p2m_pages = PFN_UP(nr_pages * 8);
    l->mod_pages = PFN_UP(ramdisk_len);
    l->mod_mapped = l->mod_pages && !e->mod_start_pfn;
    uint64_t pfn = l->kern_end_pfn;
    if (l->mod_mapped) l->mod_pfn = pfn, pfn += l->mod_pages;
    if (!e->init_p2m) {
        l->p2m_pfn = pfn;
        l->p2m_va = l->virt_base + (pfn << PAGE_SHIFT_4K);
        pfn += l->p2m_pages;
    } else if (check_p2m_va(e, l, err, errlen))
        return -1;
    l->start_info_pfn = pfn++;
    l->store_pfn = pfn++;
    l->console_pfn = pfn++;
    place_tables(l, pfn);
    pfn = l->map_end_pfn;
    if (l->map_end_pfn > (1ull << 18)) return db_errf(err, errlen, "bootstrap mapping larger than 1 GiB");
    if (l->mod_pages && !l->mod_mapped) l->mod_pfn = pfn, pfn += l->mod_pages;
    if (e->init_p2m) {
        place_p2m_region(l, e, pfn);
        pfn += l->nr_p2m_frames;
    }
    l->used_pages = pfn;
    if (pfn > nr_pages)
        return db_errf(err, errlen,
                       "memory too small: the layout needs %llu pages, "
                       "the domain has %llu",
                       (unsigned long long)pfn, (unsigned long long)nr_pages);
    return 0;
}

int layout_is_pt(const struct layout *l, uint64_t pfn)
{
    if (pfn >= l->l4_pfn && pfn < l->l4_pfn + l->nr_pt) return 1;
    if (l->nregions == 2) {
        const struct pt_region *r = &l->region[1];
        uint64_t n = r->nl3 + r->nl2 + r->nl1;
        return pfn >= r->tables_pfn && pfn < r->tables_pfn + n;
    }
    return 0;
}
