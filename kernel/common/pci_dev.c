/* Device delegation: which domain owns each PCI function, what its owner may do
 * to the function's config space (everything that could let the device or the
 * domain escape is refused), and the BAR frames an owner may map.  The boot
 * enumeration (arch pci.c) fills pci_fns; see docs/devices.md. */
#include "lib.h"
#include "domain.h"
#include "mm.h"
#include "pci.h"
#include "spinlock.h"

struct pci_fn pci_fns[MAX_PCI_FNS];
unsigned nr_pci_fns;
bool iommu_present;
bool iommu_off_unsafe; /* "iommu=off-unsafe": assign without DMA confinement */

static spinlock_t pci_lock = SPINLOCK_INIT; /* owners, map counts, BAR sizing state */
static unsigned refusals_logged;

struct pci_fn *pci_find(uint32_t sbdf)
{
    for (unsigned i = 0; i < nr_pci_fns; i++)
        if (pci_fns[i].sbdf == sbdf) return &pci_fns[i];
    return NULL;
}

static void log_refusal(const struct pci_fn *f, domid_t d, unsigned reg, uint32_t val)
{
    if (refusals_logged++ < 64) /* a guest must not be able to flood the console */
        printk("tessera: pci %02x:%02x.%u: d%u config write 0x%x to 0x%x refused\n", (f->sbdf >> 8) & 0xff,
               (f->sbdf >> 3) & 31, f->sbdf & 7, d, val, reg);
}

/* ---- config space as the owner sees it ---- */

/* Is byte r inside the body of a vendor-specific capability (virtio's windows)? */
static bool in_vendor_cap(const struct pci_fn *f, unsigned r)
{
    if (!(pci_conf_read(f->sbdf, 0x06, 2) & 0x10)) return false;
    unsigned p = pci_conf_read(f->sbdf, 0x34, 1) & 0xfc;
    for (unsigned n = 0; p >= 0x40 && n < 48; n++) {
        unsigned id = pci_conf_read(f->sbdf, p, 1), len = pci_conf_read(f->sbdf, p + 2, 1);
        if (id == 0x09 && r >= p + 3 && r < p + len && p + len <= 256) return true;
        p = pci_conf_read(f->sbdf, p + 1, 1) & 0xfc;
    }
    return false;
}

/* Bits of config byte r the owner may change.  Command: I/O, memory, bus
 * master, parity, SERR, INTx disable (bus mastering is confined by the IOMMU);
 * cache line size and latency timer; vendor capability bodies.  Nothing else:
 * not the MSI/MSI-X capabilities (the core programs them), not power
 * management (D3 may lose the BARs), not PCIe control (FLR resets the BARs). */
static uint8_t writable_bits(const struct pci_fn *f, unsigned r)
{
    switch (r) {
    case 0x04:
        return 0x47;
    case 0x05:
        return 0x05;
    case 0x0c:
    case 0x0d:
        return 0xff;
    }
    return r >= 0x40 && in_vendor_cap(f, r) ? 0xff : 0;
}

/* What a BAR dword reads as while its owner sizes it (wrote ~0). */
static uint32_t bar_sizing_value(const struct pci_fn *f, unsigned i, uint32_t raw)
{
    const struct pci_bar *b = &f->bar[i];
    if (!b->size && i > 0 && f->bar[i - 1].mem64) return (uint32_t)(~(f->bar[i - 1].size - 1) >> 32);
    if (!b->size) return 0;
    if (b->io) return ((uint32_t) ~(b->size - 1) & 0xfffffffcu) | 1;
    return ((uint32_t) ~(b->size - 1) & 0xfffffff0u) | (raw & 0xf);
}

uint32_t pci_cfg_read(struct pci_fn *f, unsigned reg, unsigned size)
{
    unsigned dw = reg & ~3u;
    uint32_t v = pci_conf_read(f->sbdf, dw, 4);
    if (dw >= 0x10 && dw < 0x28 && (f->bar_sizing & (1u << ((dw - 0x10) / 4))))
        v = bar_sizing_value(f, (dw - 0x10) / 4, v);
    else if (dw == 0x30)
        v = 0; /* no expansion ROM */
    v >>= 8 * (reg & 3);
    return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

int pci_cfg_write(struct pci_fn *f, unsigned reg, unsigned size, uint32_t val)
{
    domid_t owner = f->owner;
    if ((size != 1 && size != 2 && size != 4) || (reg & (size - 1)) || reg + size > 256) return -EINVAL;
    if (reg >= 0x10 && reg < 0x28) {
        /* BARs never move: the owner may only size them (write ~0, read the
         * mask, write the original back), as Linux does when it probes. */
        unsigned i = (reg - 0x10) / 4;
        if (size == 4 && val == 0xffffffffu) {
            f->bar_sizing |= 1u << i;
            return 0;
        }
        if (size == 4 && val == pci_conf_read(f->sbdf, reg, 4)) {
            f->bar_sizing &= ~(1u << i);
            return 0;
        }
        log_refusal(f, owner, reg, val);
        return -EPERM;
    }
    if (reg >= 0x30 && reg < 0x34) return 0; /* the hidden ROM BAR: sizing finds none */
    uint32_t cur = pci_conf_read(f->sbdf, reg, size), out = 0;
    bool bad = false;
    for (unsigned b = 0; b < size; b++) {
        unsigned r = reg + b;
        uint8_t cb = (uint8_t)(cur >> (8 * b)), vb = (uint8_t)(val >> (8 * b));
        if (r == 0x06 || r == 0x07) { /* status: write-one-to-clear, harmless */
            out |= (uint32_t)vb << (8 * b);
            continue;
        }
        uint8_t m = writable_bits(f, r);
        if ((vb ^ cb) & ~m) bad = true;
        out |= (uint32_t)((cb & ~m) | (vb & m)) << (8 * b);
    }
    if (bad) {
        log_refusal(f, owner, reg, val);
        return -EPERM;
    }
    pci_conf_write(f->sbdf, reg, size, out);
    return 0;
}

/* Configuration mechanism #1 as every PV domain sees it: 0xCF8 latches an
 * address (per domain), 0xCFC-0xCFF reach the latched function if the domain
 * owns it; anything else reads as all ones and swallows writes (0xCF9, the
 * reset register, included). */
bool pci_port_io(struct domain *d, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    if (port < 0xcf8 || port > 0xcff) return false;
    uint32_t ones = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    if (port < 0xcfc) {
        if (port == 0xcf8 && size == 4) {
            if (in)
                *val = d->pci_cf8;
            else
                d->pci_cf8 = *val;
        } else if (in) {
            *val = ones;
        }
        return true;
    }
    uint32_t a = d->pci_cf8;
    unsigned reg = (a & 0xfc) | (port & 3);
    spin_lock(&pci_lock);
    struct pci_fn *f = (a & 0x80000000u) ? pci_find((a >> 8) & 0xffff) : NULL;
    if (!f || f->owner != d->id || reg + size > 256 || (reg & (size - 1))) {
        if (in)
            *val = ones;
        else if (f && f->owner != d->id)
            log_refusal(f, d->id, reg, *val);
    } else if (in) {
        *val = pci_cfg_read(f, reg, size);
    } else {
        pci_cfg_write(f, reg, size, *val);
    }
    spin_unlock(&pci_lock);
    return true;
}

/* ---- BAR frames ---- */

static bool msix_page(const struct pci_fn *f, unsigned bar, uint64_t pa)
{
    if (!f->msix_cap) return false;
    uint64_t t = f->bar[f->msix_bir].base + f->msix_off, p = f->bar[f->pba_bir].base + f->pba_off;
    uint64_t pg = pa & PAGE_MASK, tend = t + f->msix_size * 16u, pend = p + (f->msix_size + 63u) / 64 * 8;
    return (bar == f->msix_bir && pg + PAGE_SIZE > t && pg < tend) ||
           (bar == f->pba_bir && pg + PAGE_SIZE > p && pg < pend);
}

/* The function whose memory BAR holds frame m, and which BAR. */
static struct pci_fn *bar_of(mfn_t m, unsigned *bar)
{
    uint64_t pa = m << PAGE_SHIFT;
    for (unsigned i = 0; i < nr_pci_fns; i++)
        for (unsigned b = 0; b < 6; b++) {
            const struct pci_bar *r = &pci_fns[i].bar[b];
            if (r->size && !r->io && pa + PAGE_SIZE > r->base && pa < r->base + r->size) {
                *bar = b;
                return &pci_fns[i];
            }
        }
    return NULL;
}

/* Xen's rules for I/O frames in PV L1 entries: only the owner's, and the MSI-X
 * table and PBA pages read-only (the core programs the table). */
int pci_mmio_get(const struct domain *d, mfn_t m, bool writable)
{
    unsigned bar;
    int rc = 1;
    spin_lock(&pci_lock);
    struct pci_fn *f = bar_of(m, &bar);
    if (f) {
        rc = f->owner != d->id ? -EPERM : writable && msix_page(f, bar, m << PAGE_SHIFT) ? -EPERM : 0;
        if (!rc) f->map_count++;
    }
    spin_unlock(&pci_lock);
    return rc;
}

bool pci_mmio_put(mfn_t m)
{
    unsigned bar;
    spin_lock(&pci_lock);
    struct pci_fn *f = bar_of(m, &bar);
    if (f && f->map_count) f->map_count--;
    spin_unlock(&pci_lock);
    return f != NULL;
}

/* ---- assignment ---- */

bool pci_domain_has_devices(const struct domain *d)
{
    for (unsigned i = 0; i < nr_pci_fns; i++)
        if (pci_fns[i].owner == d->id) return true;
    return false;
}

int pci_assign(struct domain *d, uint32_t sbdf)
{
    struct pci_fn *f = pci_find(sbdf);
    if (!f) return -ENODEV;
    if (!f->assignable || !has_cap(d, CAP_IO)) return -EPERM;
    if (f->owner != DOMID_NONE) return -EBUSY;
    if (!iommu_present && !iommu_off_unsafe) return -EOPNOTSUPP;
    if (iommu_present) {
        int rc = iommu_attach(d, f);
        if (rc) return rc;
    }
    spin_lock(&pci_lock);
    f->owner = d->id;
    f->bar_sizing = 0;
    spin_unlock(&pci_lock);
    printk("tessera: pci %02x:%02x.%u assigned to domain %u%s\n", (sbdf >> 8) & 0xff, (sbdf >> 3) & 31,
           sbdf & 7, d->id, iommu_present ? "" : " (no IOMMU: DMA unconfined)");
    return 0;
}

/* The function stops (no decoding, no bus mastering, no MSI) and goes back to
 * the core; its DMA context goes away. */
static void release_fn(struct domain *d, struct pci_fn *f)
{
    msi_release_fn(f);
    pci_conf_write(f->sbdf, 0x04, 2, pci_conf_read(f->sbdf, 0x04, 2) & ~0x7u);
    if (iommu_present) iommu_detach(d, f);
    printk("tessera: pci %02x:%02x.%u released by domain %u\n", (f->sbdf >> 8) & 0xff, (f->sbdf >> 3) & 31,
           f->sbdf & 7, d->id);
}

int pci_deassign(struct domain *d, uint32_t sbdf)
{
    struct pci_fn *f = pci_find(sbdf);
    if (!f) return -ENODEV;
    spin_lock(&pci_lock);
    int rc = f->owner != d->id ? -EINVAL : f->map_count ? -EBUSY : 0;
    if (!rc) f->owner = DOMID_NONE; /* no new BAR mappings from here on */
    spin_unlock(&pci_lock);
    if (!rc) release_fn(d, f);
    return rc;
}

/* Domain teardown, after its page tables let go and before its frames are
 * freed.  Any BAR mapping still counted (a table kept alive elsewhere) dies
 * with the domain, so it no longer counts. */
void pci_release_domain(struct domain *d)
{
    for (unsigned i = 0; i < nr_pci_fns; i++) {
        struct pci_fn *f = &pci_fns[i];
        spin_lock(&pci_lock);
        bool mine = f->owner == d->id;
        if (mine) {
            f->owner = DOMID_NONE;
            f->map_count = 0;
        }
        spin_unlock(&pci_lock);
        if (mine) release_fn(d, f);
    }
}

/* "[SSSS:]BB:DD.F[,...]" */
void pci_assign_boot(struct domain *d, const char *s)
{
    while (s && *s && *s != ' ') {
        const char *e;
        unsigned long a = strtoul(s, &e, 16), seg = 0, bus, dev, fn;
        if (*e == ':' && e[3] == ':') {
            seg = a;
            a = strtoul(e + 1, &e, 16);
        }
        bus = a;
        dev = *e == ':' ? strtoul(e + 1, &e, 16) : 32;
        fn = *e == '.' ? strtoul(e + 1, &e, 16) : 8;
        int rc =
            seg || bus > 255 || dev > 31 || fn > 7 ? -EINVAL : pci_assign(d, PCI_SBDF(0, bus, dev << 3 | fn));
        if (rc) printk("tessera: dom0_pci: entry refused (%d)\n", rc);
        s = *e == ',' ? e + 1 : NULL;
    }
}
