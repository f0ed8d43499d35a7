/* The pfn layout of a new PV domain and the contents of its bootstrap page
 * tables and p2m list (see pv_layout.h).  The number of bootstrap tables
 * depends on how far the mapping reaches, which depends on the number of
 * tables: iterate to the first fixed point, as libxc does. */
#include "pv_layout.h"

#define PFN_UP(b) (((b) + 4095) >> 12)

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
static void place_tables(struct pv_layout *l, uint64_t pt_pfn)
{
    struct pt_region *r = &l->region[0];
    uint64_t nr_pt = 1;
    l->l4_pfn = pt_pfn;
    for (;;) {
        l->map_end_pfn = round_up(pt_pfn + nr_pt + 1 + PV_LAYOUT_SLACK_PAGES, PV_LAYOUT_ALIGN_PAGES);
        r->va_start = l->virt_base;
        r->va_end = l->virt_base + (l->map_end_pfn << 12);
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
static void place_p2m_region(struct pv_layout *l, uint64_t init_p2m, uint64_t pfn)
{
    struct pt_region *r = &l->region[1];
    l->p2m_pfn = pfn;
    l->p2m_va = init_p2m;
    r->va_start = init_p2m;
    r->va_end = init_p2m + (l->p2m_pages << 12);
    r->pfn_start = pfn;
    count_tables(r);
    r->tables_pfn = pfn + l->p2m_pages;
    l->first_p2m_pfn = pfn;
    l->nr_p2m_frames = l->p2m_pages + r->nl3 + r->nl2 + r->nl1;
    l->nregions = 2;
}

static int check_p2m_va(const struct pv_layout_req *q, const struct pv_layout *l)
{
    uint64_t end = q->init_p2m + (l->p2m_pages << 12);
    if (q->init_p2m >= 0x0000800000000000ull || end > 0x0000800000000000ull) return PV_LAYOUT_P2M_NOT_LOW;
    if (span(q->init_p2m, end, 39) != 1 || (q->init_p2m >> 39) == (l->virt_base >> 39))
        return PV_LAYOUT_P2M_SLOT;
    return 0;
}

int pv_layout_compute(const struct pv_layout_req *q, struct pv_layout *l)
{
    *l = (struct pv_layout){ 0 };
    l->nr_pages = q->nr_pages;
    l->virt_base = q->virt_base;
    l->nregions = 1;
    l->kern_pfn = q->kern_pfn;
    l->kern_end_pfn = q->kern_end_pfn;
    l->p2m_pages = PFN_UP(q->nr_pages * 8);
    l->mod_pages = q->mod_pages;
    l->mod_mapped = q->mod_pages && q->mod_mapped;
    uint64_t pfn = l->kern_end_pfn;
    if (l->mod_mapped) l->mod_pfn = pfn, pfn += l->mod_pages;
    int rc;
    if (!q->init_p2m) {
        l->p2m_pfn = pfn;
        l->p2m_va = l->virt_base + (pfn << 12);
        pfn += l->p2m_pages;
    } else if ((rc = check_p2m_va(q, l)))
        return rc;
    l->start_info_pfn = pfn++;
    l->store_pfn = pfn++;
    l->console_pfn = pfn++;
    place_tables(l, pfn);
    pfn = l->map_end_pfn;
    if (l->map_end_pfn > (1ull << 18)) return PV_LAYOUT_MAP_TOO_BIG;
    if (l->mod_pages && !l->mod_mapped) l->mod_pfn = pfn, pfn += l->mod_pages;
    if (q->init_p2m) {
        place_p2m_region(l, q->init_p2m, pfn);
        pfn += l->nr_p2m_frames;
    }
    l->used_pages = pfn;
    return pfn > q->nr_pages ? PV_LAYOUT_TOO_SMALL : 0;
}

static uint64_t region_tables(const struct pt_region *r) { return r->nl3 + r->nl2 + r->nl1; }

int pv_layout_is_pt(const struct pv_layout *l, uint64_t pfn)
{
    if (pfn >= l->l4_pfn && pfn < l->l4_pfn + l->nr_pt) return 1;
    if (l->nregions == 2) {
        const struct pt_region *r = &l->region[1];
        return pfn >= r->tables_pfn && pfn < r->tables_pfn + region_tables(r);
    }
    return 0;
}

uint64_t pv_pt_frame(const struct pv_layout *l, uint64_t i)
{
    if (i == 0) return l->l4_pfn;
    for (int k = 0; k < l->nregions; k++) {
        const struct pt_region *r = &l->region[k];
        if (i - 1 < region_tables(r)) return r->tables_pfn + i - 1;
        i -= region_tables(r);
    }
    return ~0ull;
}

/* The table of a region's level (shift 39: an L3, 30: an L2, 21: an L1) covering va. */
static uint64_t table_pfn(const struct pt_region *r, uint64_t va, int shift)
{
    uint64_t base = r->tables_pfn + (shift <= 30 ? r->nl3 : 0) + (shift == 21 ? r->nl2 : 0);
    return base + (va >> shift) - (r->va_start >> shift);
}

/* Fills the entries of the table (level shift, covering [lo, lo + 512 << (shift - 9)))
 * that fall inside region r. */
static void fill_level(const struct pv_layout *l, const struct pt_region *r, int shift, uint64_t lo,
                       uint64_t *t, const uint64_t *p2m, pv_leaf_fn leaf, void *ctx)
{
    int child = shift - 9;
    for (uint64_t i = 0; i < 512; i++) {
        uint64_t va = lo + (i << child);
        if (va & (1ull << 47)) va |= 0xffff000000000000ull; /* the L4's upper half */
        uint64_t va_last = va + (1ull << child) - 1;
        if (va_last < r->va_start || va >= r->va_end) continue;
        if (child == 12) {
            uint64_t pfn = r->pfn_start + ((va - r->va_start) >> 12);
            unsigned rights = leaf ? leaf(ctx, pfn) : pv_layout_is_pt(l, pfn) ? 0 : PV_MAP_RW;
            t[i] = p2m[pfn] << 12 | PV_PTE_P | PV_PTE_A | (rights & PV_MAP_RW ? PV_PTE_RW : 0) |
                   (rights & PV_MAP_NX ? PV_PTE_NX : 0);
        } else {
            uint64_t start = va < r->va_start ? r->va_start : va;
            t[i] = p2m[table_pfn(r, start, child)] << 12 | PV_PTE_UPPER;
        }
    }
}

int pv_pt_fill(const struct pv_layout *l, uint64_t pfn, uint64_t *t, const uint64_t *p2m, pv_leaf_fn leaf,
               void *ctx)
{
    for (int i = 0; i < 512; i++)
        t[i] = 0;
    if (pfn == l->l4_pfn) {
        for (int k = 0; k < l->nregions; k++)
            fill_level(l, &l->region[k], 48, 0, t, p2m, leaf, ctx);
        return 0;
    }
    for (int k = 0; k < l->nregions; k++) {
        const struct pt_region *r = &l->region[k];
        if (pfn < r->tables_pfn || pfn >= r->tables_pfn + region_tables(r)) continue;
        uint64_t n = pfn - r->tables_pfn;
        int shift = n < r->nl3 ? 39 : n < r->nl3 + r->nl2 ? 30 : 21;
        uint64_t first = shift == 39 ? n : shift == 30 ? n - r->nl3 : n - r->nl3 - r->nl2;
        uint64_t block = (r->va_start >> shift) + first;
        fill_level(l, r, shift, block << shift, t, p2m, leaf, ctx);
        return 0;
    }
    return -1;
}

void pv_p2m_fill(const struct pv_layout *l, uint64_t k, uint64_t *page, const uint64_t *p2m)
{
    for (uint64_t i = 0; i < 512; i++) {
        uint64_t pfn = k * 512 + i;
        page[i] = pfn < l->nr_pages ? p2m[pfn] : ~0ull;
    }
}
