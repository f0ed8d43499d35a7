/* The device tests' own fakes on the harness's machine: two functions' config
 * space, two domains, and recorders for the IOMMU/MSI calls. */
#include <string.h>
#include "devtest.h"

uint8_t fake_cfg[2][256];
int n_attach, n_detach, n_msi_release, attach_rc;
struct domain dom1, dom2;

static uint8_t *cfg_of(uint32_t sbdf)
{
    return sbdf == PCI_SBDF(0, 0, 4 << 3) ? fake_cfg[0] : sbdf == PCI_SBDF(0, 0, 5 << 3) ? fake_cfg[1] : NULL;
}

uint32_t pci_conf_read(uint32_t sbdf, unsigned reg, unsigned size)
{
    uint8_t *c = cfg_of(sbdf);
    uint32_t v = 0;
    if (!c) return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    memcpy(&v, c + reg, size);
    return v;
}

void pci_conf_write(uint32_t sbdf, unsigned reg, unsigned size, uint32_t val)
{
    uint8_t *c = cfg_of(sbdf);
    if (c) memcpy(c + reg, &val, size);
}

int iommu_attach(struct domain *d, struct pci_fn *f)
{
    (void)d;
    (void)f;
    n_attach++;
    return attach_rc;
}
void iommu_detach(struct domain *d, struct pci_fn *f)
{
    (void)d;
    (void)f;
    n_detach++;
}
void msi_release_fn(struct pci_fn *f)
{
    (void)f;
    n_msi_release++;
}

static void init_domain(struct domain *d, domid_t id)
{
    memset(d, 0, sizeof(*d));
    d->id = id;
    d->page_list = ~0u;
    d->max_pages = FAKE_FRAMES;
    d->caps = CAP_IO;
    fake_register(d);
}

void fake_reset(void)
{
    fake_kernel_reset();
    fake_guest_reset();
    fake_machine_reset(FAKE_FRAMES);
    init_domain(&dom1, 1);
    init_domain(&dom2, 2);
    n_attach = n_detach = n_msi_release = attach_rc = 0;
}

int main(void)
{
    unit_begin();
    test_pcicfg();
    test_assign();
    test_iommu_pt();
    return unit_end();
}
void iommu_sync(const void *p, size_t n)
{
    (void)p;
    (void)n;
}
