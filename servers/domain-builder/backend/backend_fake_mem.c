/* The fake back end's memory side: bookkeeping of the builder's mappings,
 * L4 pinning (the tree is validated as the hypervisor would: only the
 * domain's own frames, no page-table frame writable anywhere, none mapped by
 * us), getdomaininfo, and the grant-table frame with grant mappings. */
#include "backend/backend_fake_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xen/grant_table.h>

#define MAX_MAPS 256

static struct fmap {
    uint8_t *va;
    size_t n;
    uint32_t domid;
    uint64_t *mfns;
} maps[MAX_MAPS];

void fake_track_map(struct fake *f, void *va, size_t n, uint32_t domid, const uint64_t *mfns)
{
    for (int i = 0; i < MAX_MAPS; i++)
        if (!maps[i].va) {
            maps[i] = (struct fmap){ va, n, domid, malloc(n * sizeof(uint64_t)) };
            if (!maps[i].mfns) abort();
            memcpy(maps[i].mfns, mfns, n * sizeof(uint64_t));
            f->dom[domid].mappings++;
            f->live_maps++;
            return;
        }
    abort();
}

int fake_untrack_map(struct fake *f, void *va, size_t n)
{
    for (int i = 0; i < MAX_MAPS; i++)
        if (maps[i].va == va && maps[i].n == n) {
            f->dom[maps[i].domid].mappings--;
            f->live_maps--;
            free(maps[i].mfns);
            maps[i].va = NULL;
            return 0;
        }
    return -1;
}

void fake_free_maps(struct fake *f)
{
    for (int i = 0; i < MAX_MAPS; i++)
        if (maps[i].va) {
            munmap(maps[i].va, maps[i].n * 4096);
            free(maps[i].mfns);
            maps[i].va = NULL;
        }
    f->live_maps = 0;
}

/* Is frame mfn reachable through any live mapping of ours? */
static int mapped_by_us(uint64_t mfn)
{
    for (int i = 0; i < MAX_MAPS; i++)
        for (size_t k = 0; maps[i].va && k < maps[i].n; k++)
            if (maps[i].mfns[k] == mfn) return 1;
    return 0;
}

#define FAKE_MAX_TABLES 4096

struct pin_walk {
    struct fake *f;
    uint32_t domid;
    uint64_t tables[FAKE_MAX_TABLES];
    int level[FAKE_MAX_TABLES];
    int ntables;
};

/* Collects the table frames from mfn (at level 4..1) down; -1 if a frame is
 * not the domain's, a large page is used, or there are too many tables. */
static int walk(struct pin_walk *w, uint64_t mfn, int level)
{
    if (mfn >= w->f->nframes || w->f->owner[mfn] != w->domid || w->ntables == FAKE_MAX_TABLES) return -1;
    w->level[w->ntables] = level;
    w->tables[w->ntables++] = mfn;
    const uint64_t *t = (const uint64_t *)(w->f->phys + mfn * 4096);
    for (int i = 0; i < 512; i++) {
        if (level == 4 && i >= 256 && i < 272) continue; /* the hypervisor's slots */
        if (!(t[i] & 1)) continue;
        uint64_t next = (t[i] & 0x000ffffffffff000ull) >> 12;
        if (level == 1) {
            if (next >= w->f->nframes || w->f->owner[next] != w->domid) return -1;
            continue;
        }
        if ((level == 2 || level == 3) && (t[i] & 0x80)) return -1;
        if (walk(w, next, level - 1)) return -1;
    }
    return 0;
}

static int is_table(const struct pin_walk *w, uint64_t mfn)
{
    for (int i = 0; i < w->ntables; i++)
        if (w->tables[i] == mfn) return 1;
    return 0;
}

/* No L1 entry of the tree maps one of its tables writable. */
static int tables_read_only(const struct pin_walk *w)
{
    for (int i = 0; i < w->ntables; i++) {
        if (w->level[i] != 1) continue;
        const uint64_t *t = (const uint64_t *)(w->f->phys + w->tables[i] * 4096);
        for (int k = 0; k < 512; k++)
            if ((t[k] & 3) == 3 && is_table(w, (t[k] & 0x000ffffffffff000ull) >> 12)) return 0;
    }
    return 1;
}

int fake_pin_l4(struct backend *b, uint32_t domid, uint64_t mfn)
{
    struct fake_dom *d = fake_child(b, domid);
    static struct pin_walk w;
    if (!d) return -ESRCH;
    if (d->ran) return -EPERM;
    w.f = fake_of(b);
    w.domid = domid;
    w.ntables = 0;
    if (walk(&w, mfn, 4) || !tables_read_only(&w)) return -EINVAL;
    for (int i = 0; i < w.ntables; i++)
        if (mapped_by_us(w.tables[i])) return -EINVAL;
    d->l4_mfn = mfn;
    return 0;
}

/* Lower-level pins are only checked for ownership: the fake validates trees
 * from their L4. */
int fake_pin(struct backend *b, uint32_t domid, int level, uint64_t mfn)
{
    struct fake_dom *d = fake_child(b, domid);
    if (!d) return -ESRCH;
    if (level == 4) return fake_pin_l4(b, domid, mfn);
    if (d->ran || level < 1 || mfn >= fake_of(b)->nframes || fake_of(b)->owner[mfn] != domid)
        return d->ran ? -EPERM : -EINVAL;
    return 0;
}

/* getpageframeinfo3 as the hypervisor answers it, for the tree of the pinned L4. */
int fake_frame_types(struct backend *b, uint32_t domid, uint64_t *mfns, size_t n)
{
    struct fake_dom *d = fake_child(b, domid);
    static struct pin_walk w;
    if (!d) return -ESRCH;
    if (d->ran && !d->paused && !d->shutdown && !d->log_dirty) return -EBUSY;
    w.f = fake_of(b);
    w.domid = domid;
    w.ntables = 0;
    if (d->l4_mfn && walk(&w, d->l4_mfn, 4)) return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        uint64_t m = mfns[i], type = XEN_DOMCTL_PFINFO_NOTAB;
        if (m >= w.f->nframes || w.f->owner[m] != domid || m == d->shared_info_mfn || m == d->grant_mfn)
            type = XEN_DOMCTL_PFINFO_XTAB;
        for (int k = 0; k < w.ntables && type == XEN_DOMCTL_PFINFO_NOTAB; k++)
            if (w.tables[k] == m)
                type = (uint64_t)w.level[k] << XEN_DOMCTL_PFINFO_LTAB_SHIFT |
                       (m == d->l4_mfn ? XEN_DOMCTL_PFINFO_LPINTAB : 0);
        mfns[i] = type;
    }
    return 0;
}

int fake_getinfo(struct backend *b, uint32_t domid, db_dominfo *out)
{
    struct fake *f = fake_of(b);
    for (uint32_t id = domid; id < FAKE_MAX_DOMS; id++) {
        struct fake_dom *d = &f->dom[id];
        if (!d->exists) continue;
        memset(out, 0, sizeof(*out));
        out->domain = (domid_t)id;
        out->flags = (d->paused ? XEN_DOMINF_paused : 0) | (d->shutdown ? XEN_DOMINF_shutdown : 0) |
                     (d->dying ? XEN_DOMINF_dying : 0) |
                     (!d->paused && !d->shutdown ? XEN_DOMINF_running : 0) |
                     ((d->shutdown ? d->reason : 0xffffu) << XEN_DOMINF_shutdownshift);
        out->tot_pages = d->tot_pages;
        out->max_pages = d->max_pages;
        out->shared_info_frame = d->shared_info_mfn;
        out->nr_online_vcpus = d->ran ? d->vcpus : 0;
        out->max_vcpu_id = d->vcpus ? d->vcpus - 1 : 0;
        out->cpu_time = d->ran ? 1000000ull * id : 0;
        return 0;
    }
    return -ESRCH;
}

int fake_grant_frame(struct backend *b, uint32_t domid, uint64_t *mfn)
{
    struct fake_dom *d = fake_child(b, domid);
    if (!d) return -ESRCH;
    *mfn = d->grant_mfn;
    return 0;
}

/* Maps the frame of grant ref of domid if the entry permits us access. */
void *fake_map_grant(struct backend *b, uint32_t domid, uint32_t ref)
{
    struct fake *f = fake_of(b);
    struct fake_dom *d = fake_child(b, domid);
    if (!d || ref >= 512) return NULL;
    grant_entry_v1_t e;
    memcpy(&e, f->phys + d->grant_mfn * 4096 + ref * sizeof(e), sizeof(e));
    if ((e.flags & GTF_type_mask) != GTF_permit_access || e.domid != b->self || e.frame >= f->nframes ||
        f->owner[e.frame] != domid)
        return NULL;
    void *va =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f->memfd, (off_t)((uint64_t)e.frame * 4096));
    return va == MAP_FAILED ? NULL : va;
}

int fake_unmap_grant(struct backend *b, void *va)
{
    (void)b;
    return munmap(va, 4096) ? -EINVAL : 0;
}
