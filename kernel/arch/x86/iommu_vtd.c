/* Intel VT-d: DMA remapping with one translation table per domain that holds
 * devices (iommu_pt.c), interrupt remapping so a device can raise only the
 * vectors the core gave it, and fault logging.  Translation is on from boot
 * with no context entries: a function that belongs to no domain cannot DMA.
 * One DRHD, taken to cover every function (QEMU's lists its device scope
 * instead of setting INCLUDE_PCI_ALL), queued invalidation,
 * xAPIC destinations (structures flushed from the cache when the unit does
 * not snoop); anything else: no IOMMU. */
#include "lib.h"
#include "arch.h"
#include "mm.h"
#include "domain.h"
#include "pci.h"
#include "iommu.h"
#include "apic.h"
#include "bootinfo.h"
#include "spinlock.h"
#include "layout.h"

void *map_phys(paddr_t pa, size_t len, bool uncached);
extern const void *acpi_dmar;

#define R_CAP       0x08
#define R_ECAP      0x10
#define R_GCMD      0x18
#define R_GSTS      0x1c
#define R_RTADDR    0x20
#define R_FSTS      0x34
#define R_FECTL     0x38
#define R_FEDATA    0x3c
#define R_FEADDR    0x40
#define R_FEUADDR   0x44
#define R_IQT       0x88
#define R_IQA       0x90
#define R_IRTA      0xb8
#define G_TE        (1u << 31)
#define G_SRTP      (1u << 30)
#define G_QIE       (1u << 26)
#define G_IRE       (1u << 25)
#define G_SIRTP     (1u << 24)
#define IRT_ENTRIES 256

static volatile uint8_t *regs;
static uint64_t cap;
static bool coherent;
static unsigned levels;
static mfn_t root_mfn, ctx_mfn[256], qi_mfn, irt_mfn;
static unsigned qi_tail;
static volatile uint32_t qi_status;
static spinlock_t iommu_lock = SPINLOCK_INIT;
/* One VT-d domain per domain holding devices (at most one per function), as
 * Xen maps domain ids to the unit's: slot i is VT-d domain id i + 1, whatever
 * the domain's id (to 0x7FEF); the unit's ND field bounds only how many hold
 * devices at once (nslots; none left: -EBUSY, as Xen).  A slot is in use
 * while it has devices or is busy (its table being built; frame changes
 * meanwhile wait for it, below); owner is set before either. */
static struct {
    domid_t owner;
    struct dma_pt pt;
    unsigned nr_devs;
    bool busy;
} doms[MAX_PCI_FNS];
static unsigned nslots;

static int slot_of(domid_t id)
{
    for (unsigned i = 0; i < nslots; i++)
        if ((__atomic_load_n(&doms[i].nr_devs, __ATOMIC_SEQ_CST) ||
             __atomic_load_n(&doms[i].busy, __ATOMIC_SEQ_CST)) &&
            doms[i].owner == id)
            return (int)i;
    return -1;
}

void iommu_sync(const void *p, size_t n)
{
    if (coherent) return;
    for (uintptr_t a = (uintptr_t)p & ~63ul; a < (uintptr_t)p + n; a += 64)
        __asm__ volatile("clflush (%0)" ::"r"(a) : "memory");
    __asm__ volatile("mfence" ::: "memory");
}

static uint32_t rd32(unsigned r) { return *(volatile uint32_t *)(regs + r); }
static uint64_t rd64(unsigned r) { return *(volatile uint64_t *)(regs + r); }
static void wr32(unsigned r, uint32_t v) { *(volatile uint32_t *)(regs + r) = v; }
static void wr64(unsigned r, uint64_t v) { *(volatile uint64_t *)(regs + r) = v; }

static bool wait_status(uint32_t bit, bool set)
{
    for (unsigned i = 0; i < 10000000; i++) {
        if (!!(rd32(R_GSTS) & bit) == set) return true;
        pause();
    }
    return false;
}

/* One global command; TE/QIE/IRE stay as they are. */
static bool gcmd(uint32_t bit, uint32_t status)
{
    wr32(R_GCMD, (rd32(R_GSTS) & (G_TE | G_QIE | G_IRE)) | bit);
    return wait_status(status, true);
}

/* Queued invalidation: one descriptor, then a wait descriptor that writes
 * qi_status; returns once the hardware has done both. */
static void qi_run(uint64_t lo, uint64_t hi)
{
    uint64_t *q = mfn_to_virt(qi_mfn);
    q[qi_tail * 2] = lo;
    q[qi_tail * 2 + 1] = hi;
    qi_tail = (qi_tail + 1) % 256;
    qi_status = 0;
    q[qi_tail * 2] = 5 | (1u << 5) | ((uint64_t)1 << 32); /* wait, status write of 1 */
    q[qi_tail * 2 + 1] = ((uint64_t)(uintptr_t)&qi_status - HV_IMAGE_VIRT);
    iommu_sync(q, PAGE_SIZE);
    qi_tail = (qi_tail + 1) % 256;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    wr64(R_IQT, (uint64_t)qi_tail << 4);
    for (unsigned i = 0; i < 100000000 && !__atomic_load_n(&qi_status, __ATOMIC_ACQUIRE); i++)
        pause();
    if (!qi_status) panic("iommu: invalidation queue stuck (fault status %x)", rd32(R_FSTS));
}

static void flush_context(void) { qi_run(1 | (1u << 4), 0); } /* global */
static void flush_iotlb(int slot) { qi_run(2 | (2u << 4) | (3u << 6) | ((uint64_t)(slot + 1) << 16), 0); }
static void flush_iec(void) { qi_run(4, 0); } /* global */

/* Only the core's own direct-map frames have a physical address we can hand
 * to the hardware; qi_status lives in the image, which is mapped at phys 0. */
static bool setup(uint64_t base)
{
    regs = map_phys(base, PAGE_SIZE, true);
    cap = rd64(R_CAP);
    uint64_t ecap = rd64(R_ECAP);
    unsigned sagaw = (cap >> 8) & 0x1f;
    levels = (sagaw & 2) ? 3 : (sagaw & 4) ? 4 : 0;
    coherent = ecap & 1;
    nslots = MIN(MAX_PCI_FNS, (1u << (4 + 2 * (cap & 7))) - 1); /* ND: 2^(4+2ND) ids, 0 kept unused */
    if (!levels || !(ecap & 2) || !(ecap & 8)) {
        printk("tessera: iommu: unsupported VT-d unit (cap %lx ecap %lx)\n", cap, ecap);
        return false;
    }
    root_mfn = frame_alloc();
    qi_mfn = frame_alloc();
    irt_mfn = frame_alloc();
    if (root_mfn == INVALID_MFN || qi_mfn == INVALID_MFN || irt_mfn == INVALID_MFN) return false;
    iommu_sync(mfn_to_virt(root_mfn), PAGE_SIZE);
    iommu_sync(mfn_to_virt(irt_mfn), PAGE_SIZE);
    wr64(R_RTADDR, root_mfn << PAGE_SHIFT);
    if (!gcmd(G_SRTP, G_SRTP)) return false;
    wr64(R_IQT, 0);
    wr64(R_IQA, qi_mfn << PAGE_SHIFT);
    if (!gcmd(G_QIE, G_QIE)) return false;
    flush_context();
    qi_run(2 | (1u << 4) | (3u << 6), 0);      /* global IOTLB */
    wr64(R_IRTA, (irt_mfn << PAGE_SHIFT) | 7); /* 2^(7+1) entries, xAPIC */
    if (!gcmd(G_SIRTP, G_SIRTP)) return false;
    flush_iec();
    /* Remapped interrupts only: compatibility-format ones (a forged MSI) are blocked. */
    if (!gcmd(G_IRE, G_IRE)) return false;
    wr32(R_FEDATA, VEC_IOMMU_FAULT);
    wr32(R_FEADDR, 0xfee00000u | (cpu_apic_id[0] << 12));
    wr32(R_FEUADDR, 0);
    wr32(R_FECTL, 0);
    return gcmd(G_TE, G_TE);
}

void iommu_init(void)
{
    iommu_off_unsafe = cmdline_has("iommu=off-unsafe");
    const uint8_t *t = acpi_dmar;
    if (iommu_off_unsafe || !t) {
        printk("tessera: iommu: %s: device assignment %s\n", t ? "off" : "none",
               iommu_off_unsafe ? "allowed without DMA confinement (iommu=off-unsafe)" : "refused");
        return;
    }
    uint32_t len = *(const uint32_t *)(t + 4);
    uint64_t base = 0;
    unsigned units = 0;
    for (uint32_t off = 48; off + 4 <= len;) {
        uint16_t type = *(const uint16_t *)(t + off), l = *(const uint16_t *)(t + off + 2);
        if (l < 4 || off + l > len) break;
        if (type == 0 && l >= 16) {
            units++;
            base = *(const uint64_t *)(t + off + 8);
        }
        off += l;
    }
    if (units != 1 || !base || !setup(base)) {
        printk("tessera: iommu: DMAR not usable (%u units): device assignment refused\n", units);
        return;
    }
    iommu_present = true;
    printk("tessera: iommu: VT-d at %lx, %u-level DMA tables, interrupt remapping on, %u domain ids\n", base,
           levels, 1u << (4 + 2 * (cap & 7)));
}

/* ---- domains and their functions ---- */

static uint64_t *ctx_entry(uint8_t bus, uint8_t devfn)
{
    return (uint64_t *)mfn_to_virt(ctx_mfn[bus]) + devfn * 2;
}

int iommu_attach(struct domain *d, struct pci_fn *f)
{
    uint8_t bus = (uint8_t)(f->sbdf >> 8), devfn = (uint8_t)f->sbdf;
    spin_lock(&d->lock);
    spin_lock(&iommu_lock);
    int rc = 0, s = slot_of(d->id);
    for (unsigned i = 0; s < 0 && i < nslots; i++)
        if (!doms[i].nr_devs && !doms[i].busy) s = (int)i;
    if (s < 0) {
        printk("tessera: iommu: no free VT-d domain id for d%u (%u in use)\n", d->id, nslots);
        rc = -EBUSY;
    } else if (!ctx_mfn[bus]) {
        mfn_t c = frame_alloc();
        if (c == INVALID_MFN) {
            rc = -ENOMEM;
        } else {
            ctx_mfn[bus] = c;
            iommu_sync(mfn_to_virt(c), PAGE_SIZE);
            uint64_t *re = (uint64_t *)mfn_to_virt(root_mfn) + bus * 2;
            __atomic_store_n(re, (c << PAGE_SHIFT) | 1, __ATOMIC_SEQ_CST);
            iommu_sync(re, 16);
        }
    }
    if (!rc && !doms[s].nr_devs) {
        /* Frames can come and go without d's lock (memory_op): make every
         * change from now on take iommu_lock, before the walk starts. */
        doms[s].owner = d->id;
        __atomic_store_n(&doms[s].busy, true, __ATOMIC_SEQ_CST);
        rc = dma_pt_build(&doms[s].pt, d, levels);
    }
    if (!rc) {
        doms[s].nr_devs++;
        uint64_t *ce = ctx_entry(bus, devfn);
        ce[1] = (levels == 3 ? 1 : 2) | ((uint64_t)(s + 1) << 8); /* AW, VT-d domain id */
        __atomic_store_n(&ce[0], (doms[s].pt.root << PAGE_SHIFT) | 1, __ATOMIC_SEQ_CST);
        iommu_sync(ce, 16);
        flush_context();
        flush_iotlb(s);
    }
    if (s >= 0) __atomic_store_n(&doms[s].busy, false, __ATOMIC_SEQ_CST);
    spin_unlock(&iommu_lock);
    spin_unlock(&d->lock);
    return rc;
}

void iommu_detach(struct domain *d, struct pci_fn *f)
{
    spin_lock(&iommu_lock);
    uint64_t *ce = ctx_entry((uint8_t)(f->sbdf >> 8), (uint8_t)f->sbdf);
    __atomic_store_n(&ce[0], 0, __ATOMIC_SEQ_CST);
    ce[1] = 0;
    iommu_sync(ce, 16);
    flush_context();
    int s = slot_of(d->id);
    if (s >= 0) flush_iotlb(s);
    if (s >= 0 && !--doms[s].nr_devs) dma_pt_destroy(&doms[s].pt);
    spin_unlock(&iommu_lock);
}

/* After the change the device must no longer reach what it lost: flush before
 * the caller trusts the frame in its new role. */
static void set_frame(domid_t owner, mfn_t m, unsigned perm)
{
    if (slot_of(owner) < 0) return;
    spin_lock(&iommu_lock);
    int s = slot_of(owner);
    if (s >= 0 && doms[s].nr_devs) {
        long old = dma_pt_set(&doms[s].pt, m, m, perm);
        if (old < 0)
            printk("tessera: iommu: d%u: no memory to map frame %lx for DMA\n", owner, m);
        else if ((old && (uint64_t)old != ((m << PAGE_SHIFT) | perm)) || ((cap >> 7) & 1))
            flush_iotlb(s);
    }
    spin_unlock(&iommu_lock);
}

void iommu_page_changed(struct page_info *pg, domid_t owner)
{
    set_frame(owner, page_to_mfn(pg), dma_frame_perm(pg, owner));
}

void iommu_frame_released(domid_t owner, mfn_t m) { set_frame(owner, m, 0); }

/* ---- interrupt remapping ---- */

void iommu_irte_set(unsigned idx, uint16_t sid, uint8_t vector, uint32_t apic_id)
{
    spin_lock(&iommu_lock);
    uint64_t *e = (uint64_t *)mfn_to_virt(irt_mfn) + idx * 2;
    e[1] = sid | (1ull << 18); /* SVT: requester id must match */
    __atomic_store_n(&e[0], 1 | ((uint64_t)vector << 16) | ((uint64_t)(apic_id & 0xff) << 40),
                     __ATOMIC_SEQ_CST);
    iommu_sync(e, 16);
    flush_iec();
    spin_unlock(&iommu_lock);
}

void iommu_irte_clear(unsigned idx)
{
    spin_lock(&iommu_lock);
    uint64_t *e = (uint64_t *)mfn_to_virt(irt_mfn) + idx * 2;
    __atomic_store_n(&e[0], 0, __ATOMIC_SEQ_CST);
    e[1] = 0;
    iommu_sync(e, 16);
    flush_iec();
    spin_unlock(&iommu_lock);
}

/* ---- faults ---- */

void iommu_fault_interrupt(void)
{
    static unsigned logged;
    unsigned nfr = (unsigned)((cap >> 40) & 0xff) + 1, fro = (unsigned)((cap >> 24) & 0x3ff) * 16;
    for (unsigned i = 0; i < nfr; i++) {
        uint64_t hi = rd64(fro + i * 16 + 8);
        if (!(hi >> 63)) continue;
        uint64_t addr = rd64(fro + i * 16);
        unsigned sid = hi & 0xffff, reason = (hi >> 32) & 0xff;
        if (logged++ < 64)
            printk("tessera: iommu: DMA fault: device %02x:%02x.%u %s %lx reason 0x%x, blocked\n", sid >> 8,
                   (sid >> 3) & 31, sid & 7,
                   reason >= 0x20   ? "interrupt"
                   : (hi >> 62) & 1 ? "read"
                                    : "write",
                   reason >= 0x20 ? addr >> 48 : addr & PAGE_MASK, reason);
        wr32(fro + i * 16 + 12, 1u << 31); /* clear F */
    }
    wr32(R_FSTS, rd32(R_FSTS) & 0x7f); /* overflow and error bits */
}
