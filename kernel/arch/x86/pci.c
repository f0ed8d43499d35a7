/* PCI on x86: configuration mechanism #1 (ports 0xCF8/0xCFC) and the boot-time
 * enumeration of every function with its BARs and capabilities. */
#include "lib.h"
#include "arch.h"
#include "mm.h"
#include "pci.h"
#include "spinlock.h"

static spinlock_t cf8_lock = SPINLOCK_INIT;

static void select(uint32_t sbdf, unsigned reg)
{
    outl(0xcf8, 0x80000000u | ((sbdf & 0xffff) << 8) | (reg & 0xfc));
}

uint32_t pci_conf_read(uint32_t sbdf, unsigned reg, unsigned size)
{
    spin_lock(&cf8_lock);
    select(sbdf, reg);
    uint16_t port = 0xcfc + (reg & 3);
    uint32_t v = size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
    spin_unlock(&cf8_lock);
    return v;
}

void pci_conf_write(uint32_t sbdf, unsigned reg, unsigned size, uint32_t val)
{
    spin_lock(&cf8_lock);
    select(sbdf, reg);
    uint16_t port = 0xcfc + (reg & 3);
    if (size == 1)
        outb(port, (uint8_t)val);
    else if (size == 2)
        outw(port, (uint16_t)val);
    else
        outl(port, val);
    spin_unlock(&cf8_lock);
}

/* BAR sizes, with decoding off while the BAR reads back its mask. */
static void size_bars(struct pci_fn *f)
{
    uint16_t cmd = (uint16_t)pci_conf_read(f->sbdf, 0x04, 2);
    pci_conf_write(f->sbdf, 0x04, 2, cmd & ~3u);
    for (unsigned i = 0; i < 6; i++) {
        unsigned reg = 0x10 + 4 * i;
        uint32_t lo = pci_conf_read(f->sbdf, reg, 4);
        pci_conf_write(f->sbdf, reg, 4, 0xffffffffu);
        uint32_t mlo = pci_conf_read(f->sbdf, reg, 4);
        pci_conf_write(f->sbdf, reg, 4, lo);
        struct pci_bar *b = &f->bar[i];
        if (lo & 1) {
            b->io = true;
            b->base = lo & ~3u;
            b->size = (uint16_t)(~(mlo & ~3u) + 1);
            if (!(mlo & ~3u)) b->size = 0;
            continue;
        }
        uint64_t base = lo & ~0xfu, mask = mlo & ~0xfu;
        if (((lo >> 1) & 3) == 2 && i < 5) {
            uint32_t hi = pci_conf_read(f->sbdf, reg + 4, 4);
            pci_conf_write(f->sbdf, reg + 4, 4, 0xffffffffu);
            uint32_t mhi = pci_conf_read(f->sbdf, reg + 4, 4);
            pci_conf_write(f->sbdf, reg + 4, 4, hi);
            base |= (uint64_t)hi << 32;
            mask |= (uint64_t)mhi << 32;
            b->mem64 = true;
            i++;
        } else {
            mask |= 0xffffffff00000000ull;
        }
        b->base = base;
        b->size = mask ? ~mask + 1 : 0;
        if (!base) b->size = 0; /* unassigned by firmware: unusable */
    }
    pci_conf_write(f->sbdf, 0x04, 2, cmd);
}

static void find_caps(struct pci_fn *f)
{
    if (!(pci_conf_read(f->sbdf, 0x06, 2) & 0x10)) return;
    unsigned p = pci_conf_read(f->sbdf, 0x34, 1) & 0xfc;
    for (unsigned n = 0; p >= 0x40 && n < 48; n++) {
        switch (pci_conf_read(f->sbdf, p, 1)) {
        case 0x01:
            f->pm_cap = (uint8_t)p;
            break;
        case 0x05:
            f->msi_cap = (uint8_t)p;
            break;
        case 0x10:
            f->pcie_cap = (uint8_t)p;
            break;
        case 0x11: {
            uint32_t t = pci_conf_read(f->sbdf, p + 4, 4), b = pci_conf_read(f->sbdf, p + 8, 4);
            f->msix_cap = (uint8_t)p;
            f->msix_size = (uint16_t)((pci_conf_read(f->sbdf, p + 2, 2) & 0x7ff) + 1);
            f->msix_bir = t & 7;
            f->msix_off = t & ~7u;
            f->pba_bir = b & 7;
            f->pba_off = b & ~7u;
            break;
        }
        }
        p = pci_conf_read(f->sbdf, p + 1, 1) & 0xfc;
    }
    /* An MSI-X table in a BAR we could not size cannot be programmed safely. */
    if (f->msix_cap && (f->msix_bir > 5 || f->pba_bir > 5 || !f->bar[f->msix_bir].size ||
                        f->bar[f->msix_bir].io || !f->bar[f->pba_bir].size))
        f->msix_cap = 0;
}

static void add_fn(uint32_t sbdf, uint32_t id)
{
    if (nr_pci_fns == MAX_PCI_FNS) {
        printk("tessera: pci: more than %u functions, %02x:%02x.%u ignored\n", MAX_PCI_FNS,
               (sbdf >> 8) & 0xff, (sbdf >> 3) & 31, sbdf & 7);
        return;
    }
    struct pci_fn *f = &pci_fns[nr_pci_fns++];
    *f = (struct pci_fn){
        .sbdf = sbdf, .vendor = (uint16_t)id, .device = (uint16_t)(id >> 16), .owner = DOMID_NONE
    };
    f->class = pci_conf_read(sbdf, 0x08, 4) >> 8;
    f->hdr_type = pci_conf_read(sbdf, 0x0e, 1) & 0x7f;
    /* Endpoints only: host and PCI bridges (class 06) stay with the core. */
    f->assignable = f->hdr_type == 0 && (f->class >> 16) != 0x06;
    if (f->hdr_type == 0) size_bars(f);
    find_caps(f);
    char bars[96] = "";
    size_t n = 0;
    for (unsigned i = 0; i < 6 && n < sizeof(bars) - 24; i++)
        if (f->bar[i].size)
            n += (size_t)snprintf(bars + n, sizeof(bars) - n, " %s%u %lx+%lx", f->bar[i].io ? "io" : "bar", i,
                                  f->bar[i].base, f->bar[i].size);
    printk("tessera: pci %02x:%02x.%u %04x:%04x class %06x%s%s%s\n", (sbdf >> 8) & 0xff, (sbdf >> 3) & 31,
           sbdf & 7, f->vendor, f->device, f->class, bars,
           f->msix_cap  ? " msix"
           : f->msi_cap ? " msi"
                        : "",
           f->assignable ? "" : " (core)");
}

void pci_init(void)
{
    for (unsigned bus = 0; bus < 256; bus++)
        for (unsigned dev = 0; dev < 32; dev++)
            for (unsigned fn = 0; fn < 8; fn++) {
                uint32_t sbdf = PCI_SBDF(0, bus, dev << 3 | fn);
                uint32_t id = pci_conf_read(sbdf, 0, 4);
                if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0) {
                    if (fn == 0) break;
                    continue;
                }
                add_fn(sbdf, id);
                if (fn == 0 && !(pci_conf_read(sbdf, 0x0e, 1) & 0x80)) break;
            }
    printk("tessera: pci: %u functions\n", nr_pci_fns);
}
