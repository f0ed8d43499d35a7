/* The fake machine for the device tests: two functions' config space, frames
 * in malloc'ed memory, two domains, and recorders for the IOMMU/MSI calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include "devtest.h"

uint8_t fake_cfg[2][256];
int n_attach, n_detach, n_msi_release, attach_rc;
struct domain dom1, dom2;
bool debug_log;
static uint8_t *machine;
static int passed, failed;

void check_eq(long got, long want, const char *name, int line)
{
    if (got == want) {
        passed++;
        printf("ok - %s\n", name);
    } else {
        failed++;
        printf("FAIL - %s: got %ld (%#lx), want %ld (%#lx) (line %d)\n", name, got, got, want, want, line);
    }
}

static uint8_t *cfg_of(uint32_t sbdf)
{
    return sbdf == PCI_SBDF(0, 0, 4 << 3) ? fake_cfg[0] : sbdf == PCI_SBDF(0, 0, 5 << 3) ? fake_cfg[1] : NULL;
}

uint32_t pci_conf_read(uint32_t sbdf, unsigned reg, unsigned size)
{
    uint8_t *c = cfg_of(sbdf);
    uint32_t v = 0;
    if (!c)
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    memcpy(&v, c + reg, size);
    return v;
}

void pci_conf_write(uint32_t sbdf, unsigned reg, unsigned size, uint32_t val)
{
    uint8_t *c = cfg_of(sbdf);
    if (c)
        memcpy(c + reg, &val, size);
}

int iommu_attach(struct domain *d, struct pci_fn *f) { (void)d; (void)f; n_attach++; return attach_rc; }
void iommu_detach(struct domain *d, struct pci_fn *f) { (void)d; (void)f; n_detach++; }
void msi_release_fn(struct pci_fn *f) { (void)f; n_msi_release++; }

void *mfn_to_virt(mfn_t m)
{
    if (m >= FAKE_FRAMES)
        abort();
    return machine + m * PAGE_SIZE;
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
    (void)fmt;
    abort();
}

void fake_reset(void)
{
    static struct page_info ft[FAKE_FRAMES];
    if (!machine)
        machine = aligned_alloc(PAGE_SIZE, FAKE_FRAMES * PAGE_SIZE);
    frame_table = ft;
    max_mfn = FAKE_FRAMES;
    while (frame_alloc() != INVALID_MFN)      /* empty the allocator, then refill it */
        ;
    for (mfn_t m = 0; m < FAKE_FRAMES; m++)
        ft[m] = (struct page_info){ .owner = DOMID_NONE, .next = ~0u };
    frame_add_free_range(1, FAKE_FRAMES - 1);
    memset(&dom1, 0, sizeof(dom1));
    memset(&dom2, 0, sizeof(dom2));
    dom1.id = 1;
    dom2.id = 2;
    dom1.page_list = dom2.page_list = ~0u;
    dom1.caps = dom2.caps = CAP_IO;
    n_attach = n_detach = n_msi_release = attach_rc = 0;
}

mfn_t fake_alloc(struct domain *d)
{
    mfn_t m = frame_alloc();
    struct page_info *pg = mfn_to_page(m);
    pg->owner = d->id;
    pg->flags = PGF_allocated;
    pg->next = d->page_list;
    d->page_list = (uint32_t)m;
    d->tot_pages++;
    return m;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_pcicfg();
    test_assign();
    test_iommu_pt();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
void iommu_sync(const void *p, size_t n) { (void)p; (void)n; }
