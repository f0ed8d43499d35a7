/* PCI functions found at boot, their owners, and the device-delegation hooks the
 * rest of the core calls (docs/devices.md). */
#ifndef TESSERA_PCI_H
#define TESSERA_PCI_H

#include "types.h"

struct domain;
struct page_info;

#define MAX_PCI_FNS 64
/* Vectors: one per mapped pirq (0x80 is the guests' int $0x80), and IOMMU faults. */
#define VEC_PIRQ_FIRST            0x30
#define VEC_PIRQ_LAST             0x7f
#define VEC_IOMMU_FAULT           0xe0
#define PCI_SBDF(seg, bus, devfn) (((uint32_t)(seg) << 16) | ((uint32_t)(bus) << 8) | (devfn))

struct pci_bar {
    uint64_t base, size;
    bool io, mem64;
};

struct pci_fn {
    uint32_t sbdf; /* segment 0 only (mechanism #1) */
    uint16_t vendor, device;
    uint32_t class; /* class << 16 | subclass << 8 | prog-if */
    uint8_t hdr_type;
    bool assignable;           /* endpoint (type 0 header), not a bridge */
    uint16_t owner;            /* domid, or DOMID_NONE while the core keeps it */
    uint8_t msi_cap, msix_cap; /* config offsets, 0 = none */
    uint8_t pm_cap, pcie_cap;
    uint16_t msix_size; /* MSI-X table entries */
    uint8_t msix_bir, pba_bir;
    uint32_t msix_off, pba_off;
    uint8_t bar_sizing;    /* bit i: the owner wrote ~0 to BAR dword i */
    uint32_t map_count;    /* L1 entries mapping its BAR frames */
    struct pci_bar bar[6]; /* 64-bit BARs use i and i+1 (i+1 size 0) */
};

extern struct pci_fn pci_fns[MAX_PCI_FNS];
extern unsigned nr_pci_fns;

/* Raw configuration access (arch: port I/O mechanism #1). */
uint32_t pci_conf_read(uint32_t sbdf, unsigned reg, unsigned size);
void pci_conf_write(uint32_t sbdf, unsigned reg, unsigned size, uint32_t val);

struct pci_fn *pci_find(uint32_t sbdf);
/* The owner's view of config space: reads, and writes filtered (0 written,
 * -EPERM dropped: an escape attempt). */
uint32_t pci_cfg_read(struct pci_fn *f, unsigned reg, unsigned size);
int pci_cfg_write(struct pci_fn *f, unsigned reg, unsigned size, uint32_t val);
/* Port I/O at 0xCF8-0xCFF by domain d: true if handled (always, for those ports). */
bool pci_port_io(struct domain *d, uint16_t port, unsigned size, bool in, uint32_t *val);

int pci_assign(struct domain *d, uint32_t sbdf);
int pci_deassign(struct domain *d, uint32_t sbdf);
/* Domain teardown: every function of d goes back to the core, quiesced. */
void pci_release_domain(struct domain *d);
/* "dom0_pci=0000:00:04.0,..." on the command line, for the first domain. */
void pci_assign_boot(struct domain *d, const char *list);
bool pci_domain_has_devices(const struct domain *d);

/* pagetype.c: an L1 entry of d mapping frame m.  1 = not a BAR frame (RAM
 * rules apply), 0 = a BAR frame of d's function (counted), -EPERM otherwise. */
int pci_mmio_get(const struct domain *d, mfn_t m, bool writable);
bool pci_mmio_put(mfn_t m); /* true if m was a BAR frame (uncounted) */

/* IOMMU (iommu_vtd.c).  iommu_present: DMA confinement is available. */
extern bool iommu_present, iommu_off_unsafe;
void iommu_init(void);
void pci_init(void);
int iommu_attach(struct domain *d, struct pci_fn *f);
void iommu_detach(struct domain *d, struct pci_fn *f);
/* A frame of a domain changed type or owner: re-derive its DMA mapping. */
void iommu_page_changed(struct page_info *pg, domid_t owner);
void iommu_frame_released(domid_t owner, mfn_t m);

/* MSI/MSI-X and pirqs (msi.c). */
void msi_release_fn(struct pci_fn *f);
void gsi_release_domain(struct domain *d);
bool msi_interrupt(unsigned vec);
int pirq_bind_port(struct domain *d, unsigned pirq, unsigned port);
void pirq_unbind_port(struct domain *d, unsigned pirq, unsigned port);
long physdev_irq_op(uint64_t cmd, uint64_t arg);

#endif
