/* The fake machine the unit tests run on: a malloc'ed array of frames as
 * machine memory, two domains, and recorders for the kernel services that
 * pagetype.c, mm_hypercalls.c and ptwr.c call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include "unit.h"
#include "flush.h"
#include "guest_access.h"

struct domain dom1, dom2;
struct vcpu vcpu0, vcpu1;
int n_flush_local, n_flush_one, n_flush_domain, n_load_cr3;
uint64_t last_flush_va;
bool debug_log;

static uint8_t *machine;
static mfn_t next_alloc;

void *mfn_to_virt(mfn_t m)
{
    if (m >= FAKE_FRAMES) {
        fprintf(stderr, "mfn_to_virt(%#lx) out of range\n", m);
        abort();
    }
    return machine + m * PAGE_SIZE;
}

uint64_t *fake_table(mfn_t m) { return mfn_to_virt(m); }

void flush_tlb_local(void) { n_flush_local++; }
void flush_tlb_one_local(uint64_t va) { n_flush_one++; last_flush_va = va; }
void flush_tlb_domain(struct domain *d) { (void)d; n_flush_domain++; }
void arch_load_guest_cr3(struct vcpu *v) { (void)v; n_load_cr3++; }
uint64_t hv_l4e(unsigned slot) { return HV_L4E(slot); }

struct vcpu *current_vcpu(void) { return &vcpu0; }
struct domain *domain_lookup(domid_t id)
{
    if (id == dom1.id) return &dom1;
    if (id == dom2.id) return &dom2;
    return NULL;
}

/* Descriptor pages: the fake accepts everything except the marker 0xBAD. */
bool check_descriptor(uint64_t *desc) { return *desc != 0xBAD; }
void ldt_switch(struct vcpu *v, uint64_t base, uint32_t ents) { v->arch.ldt_base = base; v->arch.ldt_ents = ents; }
/* Exceptions for the guest (ptwr's single step): counted. */
int n_bounced;
void bounce_exception(struct vcpu *v, struct cpu_regs *r, unsigned vec, bool has_err, uint64_t err)
{
    (void)v; (void)r; (void)vec; (void)has_err; (void)err;
    n_bounced++;
}

void printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (getenv("UNIT_VERBOSE"))
        vfprintf(stderr, fmt, ap);
    va_end(ap);
}

_Noreturn void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "PANIC: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

/* ---- guest memory ---- */
struct region { uint64_t start, end; bool writable; };
static struct region regions[64];
static unsigned n_regions;

void fake_guest_map(const void *p, size_t len, bool writable)
{
    if (n_regions < 64)
        regions[n_regions++] = (struct region){ (uint64_t)p, (uint64_t)p + len, writable };
}
void fake_guest_unmap_all(void) { n_regions = 0; }

static bool guest_ok(uint64_t gva, size_t n, bool write)
{
    if (!guest_range_ok(gva, n))
        return false;
    for (unsigned i = 0; i < n_regions; i++)
        if (gva >= regions[i].start && gva + n <= regions[i].end &&
            (!write || regions[i].writable))
            return true;
    return false;
}

int copy_from_guest(void *dst, uint64_t gva, size_t n)
{
    if (!guest_ok(gva, n, false))
        return -EFAULT;
    memcpy(dst, (void *)gva, n);
    return 0;
}

int copy_to_guest(uint64_t gva, const void *src, size_t n)
{
    if (!guest_ok(gva, n, true))
        return -EFAULT;
    memcpy((void *)gva, src, n);
    return 0;
}

int cmpxchg_guest_u64(uint64_t gva, uint64_t *old, uint64_t new_val)
{
    if (!guest_ok(gva, 8, true))
        return -EFAULT;
    __atomic_compare_exchange_n((uint64_t *)gva, old, new_val, false,
                                __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return 0;
}

/* ---- machine and domains ---- */
static void init_domain(struct domain *d, domid_t id, struct vcpu **v, unsigned nv)
{
    memset(d, 0, sizeof(*d));
    d->id = id;
    d->page_list = ~0u;
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
}

void fake_reset(void)
{
    static struct page_info *ft;
    static uint64_t *m2p;

    if (!machine) {
        machine = aligned_alloc(PAGE_SIZE, FAKE_FRAMES * PAGE_SIZE);
        ft = calloc(FAKE_FRAMES, sizeof(*ft));
        m2p = calloc(FAKE_FRAMES, sizeof(*m2p));
    }
    memset(machine, 0xCC, FAKE_FRAMES * PAGE_SIZE);   /* frame_alloc must zero */
    frame_table = ft;
    max_mfn = FAKE_FRAMES;
    m2p_table = m2p;
    /* Rebuild the free list from scratch (frame.c keeps static state). */
    while (frame_alloc() != INVALID_MFN)
        ;
    memset(ft, 0, FAKE_FRAMES * sizeof(*ft));
    frame_add_free_range(1, FAKE_FRAMES - 1);   /* frame 0 stays the hypervisor's */
    next_alloc = 0;
    struct vcpu *v1[] = { &vcpu0, &vcpu1 };
    init_domain(&dom1, 1, v1, 2);
    struct vcpu *dummy[] = { NULL };
    init_domain(&dom2, 2, dummy, 0);
    n_flush_local = n_flush_one = n_flush_domain = n_load_cr3 = 0;
    fake_guest_unmap_all();
}

mfn_t fake_alloc_flags(struct domain *d, uint8_t flags)
{
    mfn_t m = frame_alloc();
    if (m == INVALID_MFN)
        panic("fake machine out of frames");
    struct page_info *pg = mfn_to_page(m);
    pg->owner = d->id;
    pg->flags = flags;
    pg->next = d->page_list;
    d->page_list = (uint32_t)m;
    return m;
}

mfn_t fake_alloc(struct domain *d) { return fake_alloc_flags(d, PGF_allocated); }

mfn_t fake_hv_frame(void) { return frame_alloc(); }

bool fake_all_counts_zero(void)
{
    for (mfn_t m = 0; m < FAKE_FRAMES; m++) {
        const struct page_info *pg = mfn_to_page(m);
        if (pg->count || pg->type_count || (pg->flags & PGF_pinned)) {
            printk("mfn %lu: count %u type %u type_count %u\n", m, pg->count, pg->type, pg->type_count);
            return false;
        }
    }
    return !dom1.lock.locked && !dom2.lock.locked;
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
    printf("FAIL - %s: got %ld (%#lx), want %ld (%#lx) (%s:%d)\n",
           name, got, got, want, want, file, line);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    debug_log = getenv("UNIT_VERBOSE") != NULL;     /* show the core's dprintk lines */
    test_pagetype();
    test_hypercalls();
    test_ptwr();
    test_random();
    test_foreign();
    test_mmio();
    printf("%d passed, %d failed\n", unit_passed, unit_failed);
    return unit_failed ? 1 : 0;
}
