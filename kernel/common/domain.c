/* Domain and vCPU lifecycle: creation with a capability set, shutdown and crash,
 * and destruction that returns every frame (frame.c hands frames to a domain). */
#include "lib.h"
#include "domain.h"
#include "mm.h"
#include "sched.h"
#include "layout.h"
#include <xen/sched.h>
#include "time.h"
#include "event.h"
#include "grant.h"
#include "arch.h"
#include "pci.h"

/* Domains by id: a directory of pages of 512 pointers, each allocated for the
 * first domain in its range of ids and then kept (lookups take no lock: a page
 * once published stays valid, as Xen keeps event channel buckets). */
#define DOMID_LEAF (PAGE_SIZE / sizeof(struct domain *))
static struct domain *leaf0[DOMID_LEAF];
static struct domain **domain_dir[(MAX_DOMAINS + DOMID_LEAF - 1) / DOMID_LEAF] = { leaf0 };
unsigned domid_end;

/* Domains and vCPUs live in hypervisor frames (one page each). */
static void *alloc_hv_page(void)
{
    mfn_t m = frame_alloc();
    return m == INVALID_MFN ? NULL : mfn_to_virt(m);
}

static void free_hv_page(void *p) { frame_free(((uint64_t)p - DIRECTMAP_START) >> PAGE_SHIFT); }

struct domain *domain_lookup(domid_t id)
{
    struct domain **leaf =
        id < MAX_DOMAINS ? __atomic_load_n(&domain_dir[id / DOMID_LEAF], __ATOMIC_ACQUIRE) : NULL;
    return leaf ? __atomic_load_n(&leaf[id % DOMID_LEAF], __ATOMIC_SEQ_CST) : NULL;
}

int domain_table_set(domid_t id, struct domain *d)
{
    struct domain **leaf = domain_dir[id / DOMID_LEAF];
    if (!leaf) {
        if (!(leaf = alloc_hv_page())) return -ENOMEM; /* zeroed */
        __atomic_store_n(&domain_dir[id / DOMID_LEAF], leaf, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&leaf[id % DOMID_LEAF], d, __ATOMIC_SEQ_CST);
    if (d && id >= domid_end) domid_end = id + 1u;
    return 0;
}

static void init_shared_info(struct domain *d)
{
    struct shared_info *s = d->shared_info;
    for (unsigned i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        s->vcpu_info[i].evtchn_upcall_mask = 1;
    update_wallclock(d);
}

struct domain *domain_create(domid_t id, domid_t parent, uint32_t caps, unsigned nr_vcpus, uint64_t max_pages)
{
    BUILD_BUG_ON(sizeof(struct domain) > PAGE_SIZE);
    BUILD_BUG_ON(sizeof(struct vcpu) > PAGE_SIZE);
    if (id >= MAX_DOMAINS || domain_lookup(id) || !nr_vcpus || nr_vcpus > MAX_VCPUS) return NULL;
    struct domain *d = alloc_hv_page();
    if (!d) return NULL;
    d->id = id;
    d->caps = caps;
    d->state = DOM_PAUSED;
    d->max_pages = max_pages;
    d->parent = parent;
    d->shutdown_code = -1;
    d->page_list = ~0u;
    d->sched.weight = SCHED_DEFAULT_WEIGHT;
    d->shared_info_mfn = frame_alloc();
    if (d->shared_info_mfn == INVALID_MFN) goto fail;
    struct page_info *pg = mfn_to_page(d->shared_info_mfn);
    pg->owner = id;
    pg->flags = PGF_xenheap;
    d->shared_info = mfn_to_virt(d->shared_info_mfn);
    init_shared_info(d);
    for (unsigned i = 0; i < nr_vcpus; i++) {
        struct vcpu *v = alloc_hv_page();
        if (!v) goto fail;
        d->vcpu[i] = v;
        d->nr_vcpus++;
        v->arch.traps = alloc_hv_page();
        if (!v->arch.traps) goto fail;
        v->domain = d;
        v->id = i;
        v->vcpu_info = &d->shared_info->vcpu_info[i];
        v->vcpu_info_mfn = INVALID_MFN;
        update_vcpu_time(v);
        v->periodic_period = 10 * 1000 * 1000ULL; /* Xen's default tick until stopped */
        v->periodic_next = now_ns() + v->periodic_period;
        v->arch.guest_table = INVALID_MFN;
        v->arch.guest_table_user = INVALID_MFN;
        v->arch.vcr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT; /* what a PV kernel sees */
        v->arch.debugreg[6] = 0xffff0ff0;
        v->arch.debugreg[7] = 0x400;
        *(uint16_t *)&v->arch.fpu_area[0] = 0x37f;   /* FCW after FNINIT */
        *(uint32_t *)&v->arch.fpu_area[24] = 0x1f80; /* MXCSR default */
    }
    if (evtchn_domain_init(d) || gnttab_domain_init(d) || domain_table_set(id, d)) goto fail;
    for (unsigned i = 0; i < nr_vcpus; i++)
        sched_add_vcpu(d->vcpu[i]);
    return d;
fail:
    domain_destroy(d);
    return NULL;
}

/* VIRQ_DOM_EXC goes to d's creator (which reaps it) and to every domain holding
 * XENSTORE (which fires @releaseDomain): Xen's global-VIRQ handlers, by capability. */
static void notify_dom_exc(struct domain *d)
{
    struct domain *p = domain_lookup(d->parent);
    if (p) send_guest_global_virq(p, VIRQ_DOM_EXC);
    for (unsigned i = 0; i < domid_end; i++) {
        struct domain *x = domain_lookup((domid_t)i);
        if (x && x != d && x != p && has_cap(x, CAP_XENSTORE) && x->state != DOM_DYING)
            send_guest_global_virq(x, VIRQ_DOM_EXC);
    }
}

void domain_shutdown(struct domain *d, unsigned reason)
{
    static const char *const names[] = { "poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset" };
    if (d->state == DOM_SHUTDOWN || d->state == DOM_DYING) return;
    d->state = DOM_SHUTDOWN;
    d->shutdown_reason = reason;
    printk("tessera: domain %u shut down: %s\n", d->id,
           reason < ARRAY_SIZE(names) ? names[reason] : "unknown");
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        sched_update_vcpu(d->vcpu[i]);
    notify_dom_exc(d);
}

void domain_crash(struct domain *d, const char *why)
{
    printk("tessera: domain %u crashed: %s\n", d->id, why);
    domain_shutdown(d, SHUTDOWN_crash);
}

void arch_domain_teardown(struct domain *d);

/* Return every frame.  Page-table types are dropped first so references held by
 * table entries are released before the frames go back to the allocator. */
void domain_destroy(struct domain *d)
{
    enum domain_state st = __atomic_load_n(&d->state, __ATOMIC_SEQ_CST);
    do {
        if (st == DOM_DYING) return; /* someone else is already destroying it */
    } while (
        !__atomic_compare_exchange_n(&d->state, &st, DOM_DYING, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    /* Unpublish first; once every pCPU has left the hypercall it was in, nobody
     * can hold a pointer to d obtained from domain_lookup(). */
    if (domain_lookup(d->id) == d) domain_table_set(d->id, NULL);
    sched_quiesce();
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (d->vcpu[i]) sched_update_vcpu(d->vcpu[i]);
    while (domain_running_anywhere(d)) {
        pause();          /* other pCPUs switch away after the kick */
        spin_wait_hook(); /* ... and may need our shootdown answer first */
    }
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        sched_remove_vcpu(d->vcpu[i]);
    if (d->evtchn) evtchn_domain_destroy(d);
    if (d->gnttab) gnttab_domain_destroy(d);
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        if (v->vcpu_info_mfn != INVALID_MFN) {
            spin_lock(&d->lock);
            put_page_and_type(mfn_to_page(v->vcpu_info_mfn));
            spin_unlock(&d->lock);
            v->vcpu_info_mfn = INVALID_MFN;
        }
    }
    arch_domain_teardown(d);
    domain_free_pages(d);
    if (d->shared_info_mfn != INVALID_MFN && d->shared_info_mfn) frame_free(d->shared_info_mfn);
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        if (d->vcpu[i]->arch.traps) free_hv_page(d->vcpu[i]->arch.traps);
        free_hv_page(d->vcpu[i]);
    }
    notify_dom_exc(d); /* d is unpublished: lookups now fail */
    domid_t id = d->id;
    free_hv_page(d);
    printk("tessera: domain %u destroyed, free frames %lu\n", id, frames_free_count());
}

/* Domains that shut down with no living parent to reap them are destroyed here
 * (the first domain, orphans). */
void domains_reap(void)
{
    for (unsigned i = 0; i < domid_end; i++) {
        struct domain *d = domain_lookup((domid_t)i);
        if (d && d->state == DOM_SHUTDOWN && !domain_lookup(d->parent)) domain_destroy(d);
    }
}

/* Also waits for a domain that has just shut down to leave every pCPU, so
 * that its state can be read (a save, docs/capabilities.md). */
void domain_pause(struct domain *d)
{
    if (d->state == DOM_RUNNING) {
        d->state = DOM_PAUSED;
        for (unsigned i = 0; i < d->nr_vcpus; i++)
            sched_update_vcpu(d->vcpu[i]);
    }
    while (domain_running_anywhere(d)) {
        pause();
        spin_wait_hook();
    }
}

void domain_unpause(struct domain *d)
{
    if (d->state != DOM_PAUSED) return;
    d->state = DOM_RUNNING;
    d->has_run = true;
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        sched_update_vcpu(d->vcpu[i]);
}
