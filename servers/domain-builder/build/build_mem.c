/* Writing into the frames of a domain being built: chunked foreign
 * mappings, the kernel segments, the p2m list and the page tables.  Every
 * mapping is undone before the function that made it returns. */
#include "build/build_int.h"
#include "build/pgtable.h"
#include "util.h"

#include <string.h>

void *bst_map(struct bst *s, uint64_t pfn, size_t n)
{
    void *va = s->b->ops->map(s->b, s->out->domid, s->p2m + pfn, n);
    if (!va)
        db_errf(s->err, s->errlen, "cannot map %zu frames at pfn %#llx of domain %u", n,
                (unsigned long long)pfn, s->out->domid);
    return va;
}

int bst_unmap(struct bst *s, void *va, size_t n)
{
    int rc = s->b->ops->unmap(s->b, va, n);
    return rc ? db_errf(s->err, s->errlen, "unmap failed (%d)", rc) : 0;
}

int bst_put(struct bst *s, uint64_t off, const void *src, size_t len)
{
    const uint8_t *p = src;
    while (len) {
        uint64_t pfn = off >> 12, first = off & 4095;
        size_t n = PFN_UP(first + len);
        n = n > BUILD_MAP_CHUNK ? BUILD_MAP_CHUNK : n;
        uint8_t *va = bst_map(s, pfn, n);
        if (!va) return -1;
        size_t k = n * 4096 - first < len ? n * 4096 - first : len;
        if (p)
            memcpy(va + first, p, k), p += k;
        else
            memset(va + first, 0xff, k);
        if (bst_unmap(s, va, n)) return -1;
        off += k;
        len -= k;
    }
    return 0;
}

int build_kernel(struct bst *s)
{
    const struct xenelf *e = &s->elf;
    for (int i = 0; i < e->nseg; i++)
        if (bst_put(s, e->seg[i].vaddr - e->virt_base, e->img + e->seg[i].offset, e->seg[i].filesz))
            return -1;
    if (e->hypercall_page) {
        uint8_t page[4096];
        build_hypercall_page(page);
        if (bst_put(s, e->hypercall_page - e->virt_base, page, sizeof(page))) return -1;
    }
    return 0;
}

/* The p2m list, then ~0 ("invalid") to the end of its last page. */
int build_p2m(struct bst *s)
{
    const struct pv_layout *l = &s->out->layout;
    uint64_t off = l->p2m_pfn << 12, bytes = l->nr_pages * 8;
    if (bst_put(s, off, s->p2m, bytes)) return -1;
    return bst_put(s, off + bytes, NULL, (l->p2m_pages << 12) - bytes);
}

struct pt_maps {
    uint64_t pfn[2], n[2];
    uint64_t *va[2];
};

static uint64_t *pt_frame(void *ctx, uint64_t pfn)
{
    struct pt_maps *m = ctx;
    for (int i = 0; i < 2; i++)
        if (m->va[i] && pfn >= m->pfn[i] && pfn < m->pfn[i] + m->n[i])
            return m->va[i] + (pfn - m->pfn[i]) * 512;
    return NULL; /* cannot happen: the layout places them */
}

int build_page_tables(struct bst *s)
{
    const struct pv_layout *l = &s->out->layout;
    struct pt_maps m = { { l->l4_pfn, 0 }, { l->nr_pt, 0 }, { NULL, NULL } };
    int rc = -1;
    if (l->nregions == 2) {
        const struct pt_region *r = &l->region[1];
        m.pfn[1] = r->tables_pfn;
        m.n[1] = r->nl3 + r->nl2 + r->nl1;
    }
    for (int i = 0; i < l->nregions; i++)
        if (!(m.va[i] = bst_map(s, m.pfn[i], m.n[i]))) goto out;
    pt_write(l, s->p2m, pt_frame, &m);
    rc = 0;
out:
    for (int i = 0; i < 2; i++)
        if (m.va[i] && bst_unmap(s, m.va[i], m.n[i])) rc = -1;
    return rc;
}
