/* XEN_DOMCTL_assign_device / deassign_device through do_domctl: argument
 * checks, the creator rule, and the rules of pci_dev.c on a fake function.
 * The IOMMU and config space are fakes here (tests/unit/devices tests them). */
#include <string.h>
#include "dtest.h"
#include "pci.h"

static struct xen_domctl adc;
static uint32_t fake_cmd = 7;
static int attached;

uint32_t pci_conf_read(uint32_t sbdf, unsigned reg, unsigned size)
{
    (void)sbdf;
    (void)reg;
    (void)size;
    return fake_cmd;
}
void pci_conf_write(uint32_t sbdf, unsigned reg, unsigned size, uint32_t v)
{
    (void)sbdf;
    (void)reg;
    (void)size;
    fake_cmd = v;
}
int iommu_attach(struct domain *d, struct pci_fn *f)
{
    (void)d;
    (void)f;
    attached++;
    return 0;
}
void iommu_detach(struct domain *d, struct pci_fn *f)
{
    (void)d;
    (void)f;
    attached--;
}
void msi_release_fn(struct pci_fn *f) { (void)f; }

static long assign(uint32_t cmd, domid_t d, uint32_t dev, uint32_t sbdf)
{
    memset(&adc, 0, sizeof(adc));
    adc.cmd = cmd;
    adc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    adc.domain = d;
    adc.u.assign_device.dev = dev;
    adc.u.assign_device.u.pci.machine_sbdf = sbdf;
    return do_domctl((uint64_t)&adc, 0, 0, 0, 0);
}

void test_assign(void)
{
    fake_reset();
    fake_guest_map(&adc, sizeof(adc), true);
    struct xen_domctl c = { .cmd = XEN_DOMCTL_createdomain,
                            .interface_version = XEN_DOMCTL_INTERFACE_VERSION };
    c.u.createdomain.max_vcpus = 1;
    c.u.createdomain.max_grant_frames = -1;
    fake_guest_map(&c, sizeof(c), true);
    CHECK_EQ(do_domctl((uint64_t)&c, 0, 0, 0, 0), 0, "assign: child created");
    domid_t child = c.domain;
    struct domain *t = domain_lookup(child);
    t->caps = CAP_IO;
    nr_pci_fns = 1;
    pci_fns[0] = (struct pci_fn){ .sbdf = PCI_SBDF(0, 0, 4 << 3), .assignable = true, .owner = DOMID_NONE };
    uint32_t sbdf = PCI_SBDF(0, 0, 4 << 3);

    iommu_present = false;
    CHECK_EQ(assign(XEN_DOMCTL_assign_device, child, XEN_DOMCTL_DEV_PCI, sbdf), -EOPNOTSUPP,
             "assign: no IOMMU, refused");
    iommu_present = true;
    CHECK_EQ(assign(XEN_DOMCTL_assign_device, child, XEN_DOMCTL_DEV_DT, sbdf), -EOPNOTSUPP,
             "assign: device-tree device");
    CHECK_EQ(assign(XEN_DOMCTL_assign_device, child, XEN_DOMCTL_DEV_PCI, sbdf | 0x10000), -ENODEV,
             "assign: segment 1");
    CHECK_EQ(assign(XEN_DOMCTL_assign_device, child, XEN_DOMCTL_DEV_PCI, sbdf + 8), -ENODEV,
             "assign: no such function");
    CHECK_EQ(assign(XEN_DOMCTL_assign_device, 0, XEN_DOMCTL_DEV_PCI, sbdf), -EPERM,
             "assign: to itself (not its creator)");
    CHECK_EQ(assign(XEN_DOMCTL_assign_device, 77, XEN_DOMCTL_DEV_PCI, sbdf), -ESRCH,
             "assign: unknown domain");
    CHECK_EQ(assign(XEN_DOMCTL_assign_device, child, XEN_DOMCTL_DEV_PCI, sbdf), 0, "assign: to a child");
    CHECK_EQ(pci_fns[0].owner, child, "assign: the child owns it");
    CHECK_EQ(attached, 1, "assign: DMA context attached");
    CHECK_EQ(assign(XEN_DOMCTL_assign_device, child, XEN_DOMCTL_DEV_PCI, sbdf), -EBUSY, "assign: twice");
    fake_set_current(t);
    t->caps = CAP_IO | CAP_BUILD;
    CHECK_EQ(assign(XEN_DOMCTL_deassign_device, child, XEN_DOMCTL_DEV_PCI, sbdf), -EPERM,
             "deassign: by the device's owner itself");
    fake_set_current(builder);
    CHECK_EQ(assign(XEN_DOMCTL_deassign_device, child, XEN_DOMCTL_DEV_PCI, sbdf), 0,
             "deassign: by the creator");
    CHECK_EQ(pci_fns[0].owner, DOMID_NONE, "deassign: back to the core");
    CHECK_EQ(fake_cmd & 7, 0, "deassign: function quiesced");
    CHECK_EQ(attached, 0, "deassign: DMA context gone");
    CHECK_EQ(assign(XEN_DOMCTL_deassign_device, child, XEN_DOMCTL_DEV_PCI, sbdf), -EINVAL,
             "deassign: not assigned");
    builder->caps &= ~CAP_BUILD;
    CHECK_EQ(assign(XEN_DOMCTL_assign_device, child, XEN_DOMCTL_DEV_PCI, sbdf), -EPERM,
             "assign: caller without BUILD");
    builder->caps |= CAP_BUILD;
    nr_pci_fns = 0;
}
