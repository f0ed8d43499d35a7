/* The fake machine the grant-table tests run on: malloc'ed frames as machine
 * memory with a frame table (the real frame.c and pagetype.c manage them),
 * three domains with grant tables, kernel page tables built through the real
 * validation code, guest copies over plain host memory (with a range that
 * faults), and a recorder for TLB flushes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include "gt_unit.h"
#include "flush.h"
#include "guest_access.h"

struct domain dom1, dom2, dom3;
static struct vcpu vcpus[3];
static struct vcpu *cur;
int n_flush[4];
mfn_t flush_watch = INVALID_MFN;
uint32_t flush_watch_count;
uint64_t fake_bad_guest_lo, fake_bad_guest_hi;
bool debug_log;

static uint8_t *machine;

void *mfn_to_virt(mfn_t m)
{
    if (m >= FAKE_FRAMES) {
        fprintf(stderr, "mfn_to_virt(%#lx) out of range\n", m);
        abort();
    }
    return machine + m * PAGE_SIZE;
}
void *frame(mfn_t m) { return mfn_to_virt(m); }

void flush_tlb_local(void) { }
void flush_tlb_one_local(uint64_t va) { (void)va; }
void flush_tlb_domain(struct domain *d)
{
    n_flush[d->id < 4 ? d->id : 0]++;
    if (flush_watch != INVALID_MFN)
        flush_watch_count = mfn_to_page(flush_watch)->count;
}
void arch_load_guest_cr3(struct vcpu *v) { (void)v; }
uint64_t hv_l4e(unsigned slot) { return 0x8000000000000063UL | ((uint64_t)slot << 12); }
bool check_descriptor(uint64_t *desc) { (void)desc; return true; }

struct vcpu *current_vcpu(void) { return cur; }
void set_current(struct domain *d) { cur = d->vcpu[0]; }

struct domain *domain_lookup(domid_t id)
{
    struct domain *all[] = { &dom1, &dom2, &dom3 };
    for (unsigned i = 0; i < 3; i++)
        if (all[i]->id && all[i]->id == id)
            return all[i];
    return NULL;
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

/* ---- guest memory: host memory, except the faulting range ---- */

static bool guest_ok(uint64_t gva_, size_t n)
{
    if (!guest_range_ok(gva_, n) || gva_ < 0x10000)
        return false;
    return gva_ + n <= fake_bad_guest_lo || gva_ >= fake_bad_guest_hi;
}

int copy_from_guest(void *dst, uint64_t g, size_t n)
{
    if (!guest_ok(g, n))
        return -EFAULT;
    memcpy(dst, (void *)g, n);
    return 0;
}

int copy_to_guest(uint64_t g, const void *src, size_t n)
{
    if (!guest_ok(g, n))
        return -EFAULT;
    memcpy((void *)g, src, n);
    return 0;
}

int cmpxchg_guest_u64(uint64_t g, uint64_t *old, uint64_t new_val)
{
    if (!guest_ok(g, 8))
        return -EFAULT;
    __atomic_compare_exchange_n((uint64_t *)g, old, new_val, false,
                                __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return 0;
}

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
    if (gnttab_domain_init(d))
        panic("gnttab_domain_init failed");
}

void fake_reset(void)
{
    static struct page_info *ft;

    if (!machine) {
        machine = aligned_alloc(PAGE_SIZE, (size_t)FAKE_FRAMES * PAGE_SIZE);
        ft = calloc(FAKE_FRAMES, sizeof(*ft));
    }
    memset(machine, 0xCC, (size_t)FAKE_FRAMES * PAGE_SIZE);
    frame_table = ft;
    max_mfn = FAKE_FRAMES;
    m2p_table = NULL;
    while (frame_alloc() != INVALID_MFN)     /* frame.c keeps static state */
        ;
    memset(ft, 0, FAKE_FRAMES * sizeof(*ft));
    frame_add_free_range(1, FAKE_FRAMES - 1);
    init_domain(&dom1, 1, &vcpus[0], DOMID_INVALID, CAP_ALL);
    init_domain(&dom2, 2, &vcpus[1], 1, 0);
    init_domain(&dom3, 3, &vcpus[2], DOMID_INVALID, 0);
    set_current(&dom1);
    memset(n_flush, 0, sizeof(n_flush));
    flush_watch = INVALID_MFN;
    fake_bad_guest_lo = fake_bad_guest_hi = 0;
}

mfn_t fake_alloc(struct domain *d)
{
    mfn_t m = domain_alloc_page(d);
    if (m == INVALID_MFN)
        panic("fake machine out of frames");
    return m;
}

/* As domain.c's (not linked here). */
mfn_t domain_alloc_page(struct domain *d)
{
    mfn_t m = frame_alloc();
    if (m == INVALID_MFN)
        return m;
    struct page_info *pg = mfn_to_page(m);
    pg->owner = d->id;
    pg->flags = PGF_allocated;
    pg->next = d->page_list;
    d->page_list = (uint32_t)m;
    d->tot_pages++;
    return m;
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
    if (rc)
        panic("page tables refused: %d", rc);
    d->vcpu[0]->arch.guest_table = l4;
    return l1;
}

void fake_destroy(struct domain *d)
{
    d->state = DOM_DYING;
    gnttab_domain_destroy(d);
    mm_relinquish(d);
    for (uint32_t m = d->page_list; m != ~0u;) {
        uint32_t next = mfn_to_page(m)->next;
        frame_free(m);
        m = next;
    }
    d->page_list = ~0u;
    d->tot_pages = 0;
    d->id = 0;                   /* gone: domain_lookup no longer finds it */
}

bool counts_zero(const struct domain *d)
{
    for (mfn_t m = 1; m < FAKE_FRAMES; m++) {
        const struct page_info *pg = mfn_to_page(m);
        if (d && pg->owner != d->id)
            continue;
        if (pg->count || pg->type_count) {
            printk("mfn %lu: owner %u count %u type %u/%u\n", m, pg->owner, pg->count,
                   pg->type, pg->type_count);
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
    printf("FAIL - %s: got %ld (%#lx), want %ld (%#lx) (%s:%d)\n",
           name, got, got, want, want, file, line);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_setup();
    test_map();
    test_unmap();
    test_copy();
    test_teardown();
    test_v2();
    test_random();
    printf("%d passed, %d failed\n", unit_passed, unit_failed);
    return unit_failed ? 1 : 0;
}

/* ---- device delegation (pci_dev.c, iommu_vtd.c): no devices here ---- */
int pci_mmio_get(const struct domain *d, mfn_t m, bool writable) { (void)d; (void)m; (void)writable; return 1; }
bool pci_mmio_put(mfn_t m) { (void)m; return false; }
void iommu_page_changed(struct page_info *pg, domid_t owner) { (void)pg; (void)owner; }
