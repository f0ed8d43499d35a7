/* The domains the memory-validation tests run with, on the harness's machine:
 * dom1 (two vCPUs, current) and dom2 (a foreign domain). */
#include <stdio.h>
#include <string.h>
#include "unit.h"
#include "traps.h"

struct domain dom1, dom2;
struct vcpu vcpu0, vcpu1;

static void init_domain(struct domain *d, domid_t id, struct vcpu **v, unsigned nv)
{
    memset(d, 0, sizeof(*d));
    d->id = id;
    d->page_list = ~0u;
    d->max_pages = FAKE_FRAMES;
    d->nr_vcpus = nv;
    for (unsigned i = 0; i < nv; i++) {
        memset(v[i], 0, sizeof(*v[i]));
        v[i]->domain = d;
        v[i]->id = i;
        v[i]->arch.guest_table = INVALID_MFN;
        v[i]->arch.guest_table_user = INVALID_MFN;
        v[i]->arch.kernel_mode = true;
        d->vcpu[i] = v[i];
    }
    fake_register(d);
}

void fake_reset(void)
{
    fake_kernel_reset();
    fake_guest_reset();
    fake_machine_reset(FAKE_FRAMES);
    struct vcpu *v1[] = { &vcpu0, &vcpu1 };
    init_domain(&dom1, 1, v1, 2);
    struct vcpu *dummy[] = { NULL };
    init_domain(&dom2, 2, dummy, 0);
    fake_current = &vcpu0;
}

mfn_t fake_alloc_flags(struct domain *d, uint8_t flags)
{
    mfn_t m = fake_alloc(d);
    mfn_to_page(m)->flags = flags;
    return m;
}

mfn_t fake_hv_frame(void) { return frame_alloc(); }

/* Exceptions for the guest (ptwr's single step): counted. */
int n_bounced;
void bounce_exception(struct vcpu *v, struct cpu_regs *r, unsigned vec, bool has_err, uint64_t err)
{
    (void)v;
    (void)r;
    (void)vec;
    (void)has_err;
    (void)err;
    n_bounced++;
}

struct tree build_tree(void)
{
    struct tree t = { fake_alloc(&dom1), fake_alloc(&dom1), fake_alloc(&dom1), fake_alloc(&dom1),
                      fake_alloc(&dom1) };
    fake_table(t.l4)[0] = pte(t.l3, PTE_P | PTE_RW);
    fake_table(t.l3)[0] = pte(t.l2, PTE_P | PTE_RW);
    fake_table(t.l2)[0] = pte(t.l1, PTE_P | PTE_RW);
    fake_table(t.l1)[0] = pte(t.data, RW_FLAGS);
    return t;
}

bool fake_all_counts_zero(void)
{
    return fake_counts_zero(0, FAKE_FRAMES, NULL) && !dom1.lock.locked && !dom2.lock.locked;
}

int main(void)
{
    unit_begin();
    test_pagetype();
    test_hypercalls();
    test_ptwr();
    test_random();
    test_foreign();
    test_mmio();
    test_scrub();
    return unit_end();
}
