/* Canonical page tables and vCPU contexts (see canon.h). */
#include "save/canon.h"

#include <stdlib.h>
#include <string.h>

#define PTE_P    1ull
#define PTE_ADDR 0x000ffffffffff000ull

static int by_mfn(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

int save_m2p_build(struct save_m2p *m, const uint64_t *p2m, size_t n)
{
    uint64_t *pairs = malloc((n ? n : 1) * 16);
    size_t k = 0;
    memset(m, 0, sizeof(*m));
    if (!pairs) return -1;
    for (size_t i = 0; i < n; i++)
        if (p2m[i] != SAVE_NO_FRAME) {
            pairs[2 * k] = p2m[i];
            pairs[2 * k + 1] = i;
            k++;
        }
    qsort(pairs, k, 16, by_mfn);
    m->mfn = malloc((k ? k : 1) * 8);
    m->pfn = malloc((k ? k : 1) * 8);
    int rc = m->mfn && m->pfn ? 0 : -1;
    for (size_t i = 0; !rc && i < k; i++) {
        if (i && pairs[2 * i] == pairs[2 * i - 2]) rc = -1; /* one frame at two pfns: no canonical form */
        m->mfn[i] = pairs[2 * i];
        m->pfn[i] = pairs[2 * i + 1];
    }
    free(pairs);
    m->n = k;
    if (rc) save_m2p_free(m);
    return rc;
}

uint64_t save_m2p_lookup(const struct save_m2p *m, uint64_t mfn)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->mfn[mid] == mfn) return m->pfn[mid];
        if (m->mfn[mid] < mfn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SAVE_NO_FRAME;
}

void save_m2p_free(struct save_m2p *m)
{
    free(m->mfn);
    free(m->pfn);
    memset(m, 0, sizeof(*m));
}

int save_canon_table(uint64_t *t, int level, uint64_t (*map)(void *ctx, uint64_t frame), void *ctx, int *bad)
{
    for (int i = 0; i < 512; i++) {
        if (level == 4 && i >= 256 && i <= 271) {
            t[i] = 0; /* the hypervisor's slots: its own on each side */
            continue;
        }
        if (!(t[i] & PTE_P)) continue;
        uint64_t f = map(ctx, (t[i] & PTE_ADDR) >> 12);
        if (f == SAVE_NO_FRAME || f > (PTE_ADDR >> 12)) {
            *bad = i;
            return -1;
        }
        t[i] = (t[i] & ~PTE_ADDR) | f << 12;
    }
    return 0;
}

static int one(uint64_t *v, uint64_t (*map)(void *ctx, uint64_t frame), void *ctx)
{
    uint64_t f = map(ctx, *v);
    if (f == SAVE_NO_FRAME) return -1;
    *v = f;
    return 0;
}

int save_canon_vcpu(struct vcpu_guest_context *c, int with_rdx, uint64_t (*map)(void *ctx, uint64_t frame),
                    void *ctx)
{
    uint64_t cr3 = xen_cr3_to_pfn(c->ctrlreg[3]);
    if (one(&cr3, map, ctx)) return -1;
    c->ctrlreg[3] = xen_pfn_to_cr3(cr3);
    if (c->ctrlreg[1]) {
        uint64_t u = xen_cr3_to_pfn(c->ctrlreg[1]);
        if (one(&u, map, ctx)) return -1;
        c->ctrlreg[1] = xen_pfn_to_cr3(u);
    }
    if (c->gdt_ents > 16 * 512) return -1;
    for (unsigned i = 0; i < (c->gdt_ents + 511) / 512; i++)
        if (one(&c->gdt_frames[i], map, ctx)) return -1;
    return with_rdx ? one(&c->user_regs.rdx, map, ctx) : 0;
}
