/* The frame-table audit (sysctl TESSERA_SYSCTL_audit_frames, for tests):
 * every frame is free, the hypervisor's, or owned by a live domain, as its
 * flags and counts say; free frames add up to the allocator's count; each
 * domain's frame list holds exactly tot_pages frames it owns; and no frame
 * holds fewer general or type references than the domains provably hold on it
 * (pins, CR3s, entries of validated page tables).  The recount covers domains
 * not running on another pCPU; others hold references it cannot see. */
#include "lib.h"
#include "domain.h"
#include "mm.h"
#include "sched.h"
#include "spinlock.h"
#include "public/tessera.h"

struct refs {
    uint32_t count, type;
};
#define REFS_PER_PAGE (PAGE_SIZE / sizeof(struct refs))
#define MAX_REF_PAGES 1024 /* frames of refs: 512 Ki frames (2 GiB) */

static spinlock_t audit_lock = SPINLOCK_INIT;
static struct refs *refs[MAX_REF_PAGES];
static mfn_t ref_mfns[MAX_REF_PAGES];
static struct tessera_sysctl_audit *res;

static struct refs *ref(mfn_t m) { return &refs[m / REFS_PER_PAGE][m % REFS_PER_PAGE]; }

static void hold(mfn_t m, bool type)
{
    if (!mfn_valid(m)) return;
    ref(m)->count++;
    ref(m)->type += type;
}

static void problem(mfn_t m, const char *what)
{
    const struct page_info *pg = mfn_to_page(m);
    if (!res->errors++) res->first_mfn = m;
    if (res->errors <= 8)
        printk("tessera: audit: frame %lx: %s (owner %u flags %x count %u type %u/%u)\n", m, what, pg->owner,
               pg->flags, pg->count, pg->type, pg->type_count);
}

/* The references d's own state holds: pins, CR3s, validated table entries. */
static void recount(const struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        hold(d->vcpu[i]->arch.guest_table, true);
        hold(d->vcpu[i]->arch.guest_table_user, true);
    }
    for (uint32_t m = d->page_list; m != ~0u; m = mfn_to_page(m)->next) {
        const struct page_info *pg = mfn_to_page(m);
        if (pg->flags & PGF_pinned) hold(m, true);
        if (pg->type >= PGT_l1 && pg->type <= PGT_l4 && pg->type_count && (pg->flags & PGF_validated))
            pt_table_refs(m, pg->type, hold);
    }
}

static void check_frame(mfn_t m)
{
    const struct page_info *pg = mfn_to_page(m);
    if (pg->flags & PGF_free) {
        res->frames_free++;
        if (pg->owner != DOMID_NONE || pg->count || pg->type_count || pg->flags != PGF_free)
            problem(m, "free frame with an owner, references or flags");
        return;
    }
    if (pg->owner == DOMID_NONE) {
        if (pg->flags & (PGF_allocated | PGF_pinned)) problem(m, "unowned frame marked allocated or pinned");
        return;
    }
    struct domain *d = domain_lookup(pg->owner);
    if (!d) {
        problem(m, "owned by no domain");
        return;
    }
    if (pg->flags & PGF_allocated) d->audit_owned++;
    if (pg->type_count > pg->count) problem(m, "more type than general references");
    if (pg->type_count && pg->type == PGT_none) problem(m, "type references without a type");
    if ((pg->flags & PGF_pinned) && (pg->type < PGT_l1 || pg->type > PGT_l4 || !pg->type_count))
        problem(m, "pinned but not a page table in use");
    if (pg->count < ref(m)->count || (ref(m)->type && pg->type_count < ref(m)->type))
        problem(m, "fewer references than the domains hold");
}

static long audit(void)
{
    struct domain *self = current->domain;
    for (unsigned i = 0; i < domid_end; i++) {
        struct domain *d = domain_lookup((domid_t)i);
        if (d) d->audit_owned = 0;
        if (d && (d == self || !domain_running_anywhere(d))) {
            spin_lock(&d->lock);
            recount(d);
            spin_unlock(&d->lock);
            res->domains++;
        }
    }
    for (mfn_t m = 0; m < max_mfn; m++)
        check_frame(m);
    if (res->frames_free != frames_free_count())
        problem(0, "free frames do not add up to the allocator's count");
    for (unsigned i = 0; i < domid_end; i++) {
        const struct domain *d = domain_lookup((domid_t)i);
        if (!d) continue;
        uint64_t n = 0;
        for (uint32_t m = d->page_list; m != ~0u && n <= d->tot_pages; m = mfn_to_page(m)->next, n++)
            if (mfn_to_page(m)->owner != d->id || !(mfn_to_page(m)->flags & PGF_allocated))
                problem(m, "on a domain's list but not allocated to it");
        if (n != d->tot_pages || d->audit_owned != d->tot_pages)
            problem(d->page_list, "a domain's list or owned frames differ from tot_pages");
        res->frames_owned += d->audit_owned;
    }
    return 0;
}

long audit_frames(struct tessera_sysctl_audit *out)
{
    size_t pages = (max_mfn + REFS_PER_PAGE - 1) / REFS_PER_PAGE, got = 0;
    long rc = -ENOMEM;

    *out = (struct tessera_sysctl_audit){ 0 };
    if (pages > MAX_REF_PAGES) return -E2BIG;
    spin_lock(&audit_lock);
    for (; got < pages; got++) {
        ref_mfns[got] = frame_alloc(); /* zeroed */
        if (ref_mfns[got] == INVALID_MFN) break;
        refs[got] = mfn_to_virt(ref_mfns[got]);
    }
    if (got == pages) {
        res = out;
        rc = audit();
    }
    while (got--)
        frame_free(ref_mfns[got]);
    spin_unlock(&audit_lock);
    return rc;
}
