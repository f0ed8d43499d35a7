/* Architecture side of domain destruction: drop page-table roots, pins and GDT
 * frames so every reference the domain's tables hold is released. */
#include "domain.h"
#include "mm.h"
#include "pt.h"
#include "pci.h"

void gdt_release(struct vcpu *v);

void arch_domain_teardown(struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (d->vcpu[i]) gdt_release(d->vcpu[i]);
    mm_relinquish(d);
    /* After its tables dropped their BAR mappings (still counted against its
     * functions), before its frames are freed: no DMA or MSI from here on. */
    pci_release_domain(d);
    gsi_release_domain(d);
}
