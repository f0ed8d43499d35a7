/* Architecture side of domain destruction: drop page-table roots, pins and GDT
 * frames so every reference the domain's tables hold is released. */
#include "domain.h"
#include "mm.h"
#include "pt.h"
#include "pci.h"

void gdt_release(struct vcpu *v);

void arch_domain_teardown(struct domain *d)
{
    pci_release_domain(d);               /* no DMA or MSI once its frames start going */
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (d->vcpu[i])
            gdt_release(d->vcpu[i]);
    mm_relinquish(d);
}
