/* Domain lifecycle for the domctl unit tests: a stand-in for domain.c with the
 * same states and the same frame accounting (destroy returns every frame
 * after dropping the domain's pins, CR3 and GDT references), plus main(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dtest.h"


struct domain *domain_create(domid_t id, domid_t parent, uint32_t caps, unsigned nr_vcpus,
                             uint64_t max_pages)
{
    if (id >= MAX_DOMAINS || domain_table[id] || !nr_vcpus || nr_vcpus > MAX_VCPUS)
        return NULL;
    struct domain *d = calloc(1, sizeof(*d));
    *d = (struct domain){ .id = id, .caps = caps, .state = DOM_PAUSED, .max_pages = max_pages,
                          .parent = parent, .shutdown_code = -1, .page_list = ~0u,
                          .nr_vcpus = nr_vcpus };
    d->sched.weight = SCHED_DEFAULT_WEIGHT;
    d->shared_info_mfn = frame_alloc();
    mfn_to_page(d->shared_info_mfn)->owner = id;
    mfn_to_page(d->shared_info_mfn)->flags = PGF_xenheap;
    for (unsigned i = 0; i < nr_vcpus; i++) {
        struct vcpu *v = calloc(1, sizeof(*v));
        v->domain = d;
        v->id = i;
        v->arch.traps = calloc(256, sizeof(*v->arch.traps));
        v->arch.guest_table = v->arch.guest_table_user = INVALID_MFN;
        v->sched.runstate = RUNSTATE_offline;
        d->vcpu[i] = v;
    }
    domain_table[id] = d;
    return d;
}

mfn_t fake_alloc(struct domain *d)
{
    mfn_t m = frame_alloc();
    if (m == INVALID_MFN)
        panic("fake machine out of frames");
    struct page_info *pg = mfn_to_page(m);
    pg->owner = d->id;
    pg->flags = PGF_allocated;
    pg->next = d->page_list;
    d->page_list = (uint32_t)m;
    d->tot_pages++;
    return m;
}

void domain_destroy(struct domain *d)
{
    d->state = DOM_DYING;
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        for (unsigned g = 0; g < (v->arch.gdt_ents + 511) / 512; g++)
            put_page_and_type(mfn_to_page(v->arch.gdt_frames[g]));
        v->arch.gdt_ents = 0;
    }
    mm_relinquish(d);
    for (uint32_t m = d->page_list; m != ~0u;) {
        uint32_t next = mfn_to_page(m)->next;
        frame_free(m);
        m = next;
    }
    frame_free(d->shared_info_mfn);
    domain_table[d->id] = NULL;
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        free(d->vcpu[i]->arch.traps);
        free(d->vcpu[i]);
    }
    free(d);
}

void domain_pause(struct domain *d)
{
    if (d->state == DOM_RUNNING)
        d->state = DOM_PAUSED;
}

void domain_unpause(struct domain *d)
{
    if (d->state != DOM_PAUSED)
        return;
    d->state = DOM_RUNNING;
    d->has_run = true;
}

/* ---- machine ---- */

void fake_reset(void)
{
    static struct page_info *ft;
    static uint64_t *m2p;
    static uint8_t *mem;

    for (unsigned i = 0; i < MAX_DOMAINS; i++)
        if (domain_table[i])
            domain_destroy(domain_table[i]);
    if (!mem) {
        mem = aligned_alloc(PAGE_SIZE, FAKE_FRAMES * PAGE_SIZE);
        ft = calloc(FAKE_FRAMES, sizeof(*ft));
        m2p = calloc(FAKE_FRAMES, sizeof(*m2p));
        fake_machine(mem);
    }
    memset(mem, 0xCC, FAKE_FRAMES * PAGE_SIZE);
    frame_table = ft;
    max_mfn = FAKE_FRAMES;
    m2p_table = m2p;
    while (frame_alloc() != INVALID_MFN)
        ;
    memset(ft, 0, FAKE_FRAMES * sizeof(*ft));
    frame_add_free_range(1, FAKE_FRAMES - 1);
    builder = domain_create(0, DOMID_INVALID, CAP_ALL, 2, 512);
    builder->state = DOM_RUNNING;
    builder->has_run = true;
    fake_set_current(builder);
}

bool fake_counts_zero(mfn_t first, mfn_t end)
{
    for (mfn_t m = first; m < end; m++) {
        const struct page_info *pg = mfn_to_page(m);
        if ((pg->count || pg->type_count || (pg->flags & PGF_pinned)) && !(pg->flags & PGF_free)) {
            printk("mfn %lu: count %u type %u type_count %u\n", m, pg->count, pg->type, pg->type_count);
            return false;
        }
    }
    return true;
}

/* ---- reporting ---- */
int unit_passed, unit_failed;

void unit_check(bool ok, const char *name, const char *file, int line)
{
    if (ok) {
        unit_passed++;
        printf("ok - %s\n", name);
    } else {
        unit_failed++;
        printf("FAIL - %s (%s:%d)\n", name, file, line);
    }
}

void unit_check_eq(long got, long want, const char *name, const char *file, int line)
{
    if (got == want) {
        unit_check(true, name, file, line);
        return;
    }
    unit_failed++;
    printf("FAIL - %s: got %ld (%#lx), want %ld (%#lx) (%s:%d)\n", name, got, got, want, want,
           file, line);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    debug_log = getenv("UNIT_VERBOSE") != NULL;
    test_domctl();
    test_build();
    test_ioports();
    test_assign();
    printf("%d passed, %d failed\n", unit_passed, unit_failed);
    return unit_failed ? 1 : 0;
}
