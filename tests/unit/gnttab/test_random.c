/* Random sequences of grant operations by three domains (maps, unmaps,
 * copies, honest and malicious changes of grant entries, guests clearing
 * grant PTEs behind our back, domains dying), checking after every step that
 * pins, GTF flags and frame references agree with the mappings that exist,
 * and at the end that every frame comes back. */
#include <stdlib.h>
#include <string.h>
#include "gt_unit.h"
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define NDOM  3
#define NDATA 6  /* grantable frames per domain */
#define NREF  12 /* refs 8..8+NREF-1 in use */
#define NPAGE 32 /* host_addr pages 0..NPAGE-1 */

static struct domain *doms[NDOM] = { &dom1, &dom2, &dom3 };
static mfn_t data[NDOM][NDATA], l1s[NDOM];
static bool alive[NDOM];
static unsigned seed;
static unsigned n_ok[4]; /* successful maps, unmaps, copies, deaths */

static unsigned rnd(unsigned n)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) % n;
}
static int pick_alive(void)
{
    for (unsigned tries = 0; tries < 10; tries++) {
        int i = rnd(NDOM);
        if (alive[i]) return i;
    }
    return -1;
}

/* Does the maptrack entry's host part still hold its PTE (and its references)?
 * A later map at the same slot replaces an identical entry: the slot then
 * holds one set of references for both, so each slot counts once. */
static uint64_t seen[NDOM * MAPTRACK_MAX];
static unsigned nseen;

static bool pte_held(struct domain *h, const struct maptrack *mt)
{
    for (unsigned i = 0; i < nseen; i++)
        if (seen[i] == mt->pte_maddr) return false;
    mfn_t l1 = mt->pte_maddr >> PAGE_SHIFT;
    const struct page_info *p = pg(l1);
    if (p->owner != h->id || p->type != PGT_l1 || !p->type_count || !(p->flags & PGF_validated)) return false;
    uint64_t e = ((uint64_t *)frame(l1))[(mt->pte_maddr & 0xfff) / 8];
    uint64_t want = gpte(mt->mfn, !(mt->flags & GNTMAP_readonly));
    if (mt->flags & GNTMAP_application_map) want &= ~PTE_GUEST_KERNEL;
    if ((e ^ want) & ~(PTE_A | PTE_D | PTE_AVAIL)) return false;
    seen[nseen++] = mt->pte_maddr;
    return true;
}

static bool check_invariants(void)
{
    static uint16_t cnt[NDOM][8 + NREF][4];
    static uint32_t refs[NDOM][NDATA][2];
    memset(cnt, 0, sizeof(cnt));
    memset(refs, 0, sizeof(refs));
    nseen = 0;
    for (int h = 0; h < NDOM; h++) {
        if (!alive[h]) continue;
        struct grant_table *gt = doms[h]->gnttab;
        for (unsigned i = 0; i < gt->maptrack_limit; i++) {
            struct maptrack *mt = gnttab_maptrack_entry(gt, i);
            if (!(mt->flags & (GNTMAP_host_map | GNTMAP_device_map))) continue;
            int r = mt->dom - 1;
            bool ro = mt->flags & GNTMAP_readonly;
            if (mt->flags & GNTMAP_host_map) cnt[r][mt->ref][ro ? 0 : 1]++;
            if (mt->flags & GNTMAP_device_map) cnt[r][mt->ref][ro ? 2 : 3]++;
            for (int k = 0; k < NDATA; k++) {
                if (data[r][k] != mt->mfn) continue;
                unsigned n = !!(mt->flags & GNTMAP_device_map) +
                             ((mt->flags & GNTMAP_host_map) && pte_held(doms[h], mt));
                refs[r][k][0] += n;
                refs[r][k][1] += ro ? 0 : n;
            }
        }
    }
    for (int r = 0; r < NDOM; r++) {
        if (!alive[r]) continue;
        for (unsigned ref = 8; ref < 8 + NREF; ref++) {
            struct active_grant *a = gnttab_active_entry(doms[r]->gnttab, ref);
            uint16_t *c = cnt[r][ref];
            if (a->host_ro != c[0] || a->host_rw != c[1] || a->dev_ro != c[2] || a->dev_rw != c[3])
                return printk("d%d ref %u: pins differ\n", r + 1, ref), false;
            bool pinned = c[0] || c[1] || c[2] || c[3], wr = c[1] || c[3];
            uint16_t f = gflags(doms[r], ref);
            if (!!(f & GTF_reading) != pinned || !!(f & GTF_writing) != wr)
                return printk("d%d ref %u: flags %#x vs pins\n", r + 1, ref, f), false;
        }
        for (int k = 0; k < NDATA; k++) {
            const struct page_info *p = pg(data[r][k]);
            if (p->count != refs[r][k][0] || p->type_count != refs[r][k][1])
                return printk("d%d frame %d: count %u/%u want %u/%u\n", r + 1, k, p->count, p->type_count,
                              refs[r][k][0], refs[r][k][1]),
                       false;
        }
    }
    return true;
}

static void grant_step(int g)
{
    unsigned ref = 8 + rnd(NREF);
    grant_entry_v1_t *e = gent(doms[g], ref);
    uint16_t inuse = e->flags & (GTF_reading | GTF_writing);
    uint16_t flags = GTF_permit_access | (rnd(3) == 0 ? GTF_readonly : 0);
    switch (rnd(6)) {
    case 0: /* Linux revoke: only when unused */
        if (!inuse) e->flags = 0;
        break;
    case 1: /* malicious rewrite, keeps Xen's bits */
        e->domid = 1 + rnd(NDOM);
        e->frame = (uint32_t)data[g][rnd(NDATA)];
        e->flags = flags | inuse;
        break;
    default: /* honest grant of an unused entry */
        if (!inuse) grant(doms[g], ref, 1 + rnd(NDOM), data[g][rnd(NDATA)], flags);
        break;
    }
}

static void map_step(int l)
{
    static const uint32_t kinds[] = {
        GNTMAP_host_map,
        GNTMAP_host_map | GNTMAP_readonly,
        GNTMAP_device_map,
        GNTMAP_device_map | GNTMAP_readonly,
        GNTMAP_host_map | GNTMAP_device_map,
        GNTMAP_host_map | GNTMAP_application_map,
    };
    n_ok[0] += map1(doms[l], 1 + rnd(NDOM), 8 + rnd(NREF), kinds[rnd(ARRAY_SIZE(kinds))], gva(rnd(NPAGE)),
                    NULL, NULL) == GNTST_okay;
}

static void unmap_step(int l)
{
    struct grant_table *gt = doms[l]->gnttab;
    if (!gt->maptrack_limit) return;
    unsigned h = rnd(gt->maptrack_limit);
    for (unsigned i = 0; i < gt->maptrack_limit && rnd(8); i++, h = (h + 1) % gt->maptrack_limit)
        if (gnttab_maptrack_entry(gt, h)->flags) break; /* mostly a live handle */
    struct maptrack *mt = gnttab_maptrack_entry(gt, h);
    uint64_t addr = rnd(4) ? mt->host_addr : gva(rnd(NPAGE));
    uint64_t bus = rnd(3) ? (uint64_t)mt->mfn << PAGE_SHIFT : 0;
    n_ok[1] += unmap1(doms[l], h, rnd(5) ? addr : 0, bus) == GNTST_okay;
}

static void copy_step(int l)
{
    int s = rnd(NDOM), d = rnd(NDOM);
    int rc;
    if (rnd(2)) /* own frame -> grant */
        rc = copy1(doms[l], GNTCOPY_dest_gref, DOMID_SELF, data[l][rnd(NDATA)], rnd(4096), d + 1,
                   8 + rnd(NREF), rnd(4096), rnd(64));
    else
        rc = copy1(doms[l], GNTCOPY_source_gref | GNTCOPY_dest_gref, s + 1, 8 + rnd(NREF), rnd(4096), d + 1,
                   8 + rnd(NREF), rnd(4096), rnd(64));
    n_ok[2] += rc == GNTST_okay;
}

static void clear_step(int l)
{
    spin_lock(&doms[l]->lock);
    pt_update_entry(doms[l], l1s[l], rnd(NPAGE), 0, false);
    spin_unlock(&doms[l]->lock);
}

static void run_seed(unsigned s, unsigned steps, bool *ok)
{
    fake_reset();
    seed = s;
    for (int i = 0; i < NDOM; i++) {
        alive[i] = true;
        l1s[i] = fake_page_tables(doms[i]);
        for (int k = 0; k < NDATA; k++)
            data[i][k] = fake_alloc(doms[i]);
    }
    for (unsigned n = 0; n < steps && *ok; n++) {
        int l = pick_alive();
        if (l < 0) break;
        switch (rnd(12)) {
        case 0:
        case 1:
        case 2:
            grant_step(l);
            break;
        case 3:
        case 4:
        case 5:
            map_step(l);
            break;
        case 6:
        case 7:
        case 8:
            unmap_step(l);
            break;
        case 9:
            copy_step(l);
            break;
        case 10:
            clear_step(l);
            break;
        default:
            if (rnd(100) == 0) { /* a domain dies */
                fake_destroy(doms[l]);
                alive[l] = false;
                n_ok[3]++;
            }
        }
        if (!check_invariants()) {
            printk("seed %u step %u\n", s, n);
            *ok = false;
        }
    }
    for (int i = 0; i < NDOM; i++)
        if (alive[i]) fake_destroy(doms[i]);
    if (frames_free_count() != FAKE_FRAMES - 1) *ok = false;
}

void test_random(void)
{
    bool ok = true;
    unsigned seeds = getenv("GNTTAB_SEEDS") ? (unsigned)atoi(getenv("GNTTAB_SEEDS")) : 40;
    for (unsigned s = 1; s <= seeds && ok; s++)
        run_seed(s, 600, &ok);
    CHECK(ok, "random operations keep pins, GTF flags and references consistent; no frame leaks");
    printk("random: %u maps, %u unmaps, %u copies, %u deaths succeeded\n", n_ok[0], n_ok[1], n_ok[2],
           n_ok[3]);
    CHECK(n_ok[0] > 15 * seeds && n_ok[1] > 6 * seeds && n_ok[2] > 2 * seeds && n_ok[3] > seeds / 4,
          "random run exercised maps, unmaps, copies and deaths");
}
