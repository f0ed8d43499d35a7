/* The grant-table tests' domains on the harness's machine (guest memory: all host
 * memory, except a range that faults): three domains with grant tables, kernel
 * page tables built through the real validation code, a per-domain flush recorder. */
#include <stdio.h>
#include <string.h>
#include "gt_unit.h"

struct domain dom1, dom2, dom3;
static struct vcpu vcpus[3];
int n_flush[4];
mfn_t flush_watch = INVALID_MFN;
uint32_t flush_watch_count;

static void record_flush(struct domain *d)
{
    n_flush[d->id < 4 ? d->id : 0]++;
    if (flush_watch != INVALID_MFN) flush_watch_count = mfn_to_page(flush_watch)->count;
}

void set_current(struct domain *d) { fake_current = d->vcpu[0]; }

/* ---- domains and memory ---- */

static void init_domain(struct domain *d, domid_t id, struct vcpu *v, domid_t parent, uint32_t caps)
{
    memset(d, 0, sizeof(*d));
    memset(v, 0, sizeof(*v));
    d->id = id;
    d->parent = parent;
    d->caps = caps;
    d->state = DOM_RUNNING;
    d->page_list = ~0u;
    d->max_pages = FAKE_FRAMES;
    d->nr_vcpus = 1;
    d->vcpu[0] = v;
    v->domain = d;
    v->arch.guest_table = INVALID_MFN;
    v->arch.guest_table_user = INVALID_MFN;
    v->arch.kernel_mode = true;
    if (gnttab_domain_init(d)) panic("gnttab_domain_init failed");
    fake_register(d);
}

void fake_reset(void)
{
    fake_kernel_reset();
    fake_guest_reset();
    fake_guest_any = true;
    fake_machine_reset(FAKE_FRAMES);
    init_domain(&dom1, 1, &vcpus[0], DOMID_INVALID, CAP_ALL);
    init_domain(&dom2, 2, &vcpus[1], 1, 0);
    init_domain(&dom3, 3, &vcpus[2], DOMID_INVALID, 0);
    set_current(&dom1);
    fake_flush_domain_hook = record_flush;
    memset(n_flush, 0, sizeof(n_flush));
    flush_watch = INVALID_MFN;
}

uint64_t gva(unsigned page) { return GVA + (uint64_t)page * PAGE_SIZE; }

mfn_t fake_page_tables(struct domain *d)
{
    mfn_t l4 = fake_alloc(d), l3 = fake_alloc(d), l2 = fake_alloc(d), l1 = fake_alloc(d);
    const uint64_t f = PTE_P | PTE_RW | PTE_US | PTE_A;
    ((uint64_t *)frame(l4))[pt_index(GVA, 4)] = (l3 << PAGE_SHIFT) | f;
    ((uint64_t *)frame(l3))[pt_index(GVA, 3)] = (l2 << PAGE_SHIFT) | f;
    ((uint64_t *)frame(l2))[pt_index(GVA, 2)] = (l1 << PAGE_SHIFT) | f;
    spin_lock(&d->lock);
    int rc = get_root_table(d, l4);
    spin_unlock(&d->lock);
    if (rc) panic("page tables refused: %d", rc);
    d->vcpu[0]->arch.guest_table = l4;
    return l1;
}

void fake_destroy(struct domain *d)
{
    d->state = DOM_DYING;
    gnttab_domain_destroy(d);
    mm_relinquish(d);
    domain_free_pages(d);
    domain_table[d->id] = NULL; /* gone: domain_lookup no longer finds it */
    d->id = 0;
}

void fake_rebuild_dom1(void)
{
    init_domain(&dom1, 1, &vcpus[0], DOMID_INVALID, CAP_ALL);
    set_current(&dom1);
}

bool counts_zero(const struct domain *d) { return fake_counts_zero(1, FAKE_FRAMES, d); }

int main(void)
{
    unit_begin();
    test_setup();
    test_map();
    test_unmap();
    test_copy();
    test_teardown();
    test_v2();
    test_random();
    return unit_end();
}
