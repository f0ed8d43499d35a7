/* Domain lifecycle for the domctl unit tests: a stand-in for domain.c with the
 * same states and the same frame accounting (destroy returns every frame
 * after dropping the domain's pins, CR3 and GDT references), plus main(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dtest.h"

struct domain *builder;

struct domain *domain_create(domid_t id, domid_t parent, uint32_t caps, unsigned nr_vcpus, uint64_t max_pages)
{
    if (id >= MAX_DOMAINS || domain_table[id] || !nr_vcpus || nr_vcpus > MAX_VCPUS) return NULL;
    struct domain *d = calloc(1, sizeof(*d));
    *d = (struct domain){ .id = id,
                          .caps = caps,
                          .state = DOM_PAUSED,
                          .max_pages = max_pages,
                          .parent = parent,
                          .shutdown_code = -1,
                          .page_list = ~0u,
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
    domain_free_pages(d);
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
    if (d->state == DOM_RUNNING) d->state = DOM_PAUSED;
}

void domain_unpause(struct domain *d)
{
    if (d->state != DOM_PAUSED) return;
    d->state = DOM_RUNNING;
    d->has_run = true;
}

/* ---- machine ---- */

void fake_reset(void)
{
    for (unsigned i = 0; i < MAX_DOMAINS; i++)
        if (domain_table[i]) domain_destroy(domain_table[i]);
    fake_kernel_reset(); /* guest ranges stay registered */
    fake_machine_reset(FAKE_FRAMES);
    builder = domain_create(0, DOMID_INVALID, CAP_ALL, 2, 512);
    builder->state = DOM_RUNNING;
    builder->has_run = true;
    fake_set_current(builder);
}

int main(void)
{
    unit_begin();
    test_domctl();
    test_build();
    test_ioports();
    test_assign();
    test_vcpuinfo();
    test_conring();
    test_logdirty();
    return unit_end();
}
