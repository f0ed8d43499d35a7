/* /dev/tessera/pci/SSSS:BB:DD.F: a PCI function assigned to this domain, for
 * driver programs (the ABI is servers/lib/tpci.h).  Config space goes through
 * configuration mechanism #1 (ports 0xCF8/0xCFC), which the core traps and
 * filters; BAR frames are mapped with mmu_update of DOMID_IO frames, uncached;
 * interrupts are MSI-X entries (or MSI) mapped as pirqs with
 * PHYSDEVOP_map_pirq and bound to event channels with EVTCHNOP_bind_pirq, whose
 * events this file collects.  Only functions the domain owns answer (the core
 * reads all ones for the others), so opening one checks the vendor id. */
#include "rt.h"
#include "../lib/tpci.h"
#include <xen/physdev.h>
#include "portio.h"

#define O_NONBLOCK   04000
#define _PAGE_PWT    0x008UL
#define _PAGE_PCD    0x010UL
#define MAX_FUNCS    4
#define PCI_CAP_MSI  0x05
#define PCI_CAP_MSIX 0x11

struct pcif {
    bool used;
    uint8_t bus, devfn;
    struct tpci_bar bar[6];
    bool sized[6];
    unsigned nvec;
    int pirq[TPCI_MAX_VECTORS];
    evtchn_port_t port[TPCI_MAX_VECTORS];
    uint32_t fired;
};

static struct pcif funcs[MAX_FUNCS];

static void latch(struct pcif *p, unsigned off)
{
    outl(0xcf8, 0x80000000u | (uint32_t)p->bus << 16 | (uint32_t)p->devfn << 8 | (off & 0xfc));
}

static uint32_t cfg_read(struct pcif *p, unsigned off, unsigned size)
{
    latch(p, off);
    uint16_t port = (uint16_t)(0xcfc + (off & 3));
    return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

static void cfg_write(struct pcif *p, unsigned off, unsigned size, uint32_t v)
{
    latch(p, off);
    uint16_t port = (uint16_t)(0xcfc + (off & 3));
    if (size == 1)
        outb(port, (uint8_t)v);
    else if (size == 2)
        outw(port, (uint16_t)v);
    else
        outl(port, v);
}

static bool cfg_ok(unsigned off, unsigned size)
{
    return (size == 1 || size == 2 || size == 4) && off < 256 && off % size == 0;
}

/* "SSSS:BB:DD.F" (segment 0 only). */
static int hexval(const char *s, unsigned n, unsigned *out)
{
    unsigned v = 0;
    for (unsigned i = 0; i < n; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16;
        if (d == 16) return -1;
        v = v * 16 + d;
    }
    *out = v;
    return 0;
}

long pci_open(struct file *f, const char *sbdf)
{
    unsigned seg, bus, dev, fn;
    if (strlen(sbdf) != 12 || sbdf[4] != ':' || sbdf[7] != ':' || sbdf[10] != '.' || hexval(sbdf, 4, &seg) ||
        hexval(sbdf + 5, 2, &bus) || hexval(sbdf + 8, 2, &dev) || hexval(sbdf + 11, 1, &fn) || seg ||
        dev > 31 || fn > 7)
        return -ENOENT;
    uint8_t devfn = (uint8_t)(dev << 3 | fn);
    struct pcif *slot = NULL;
    for (unsigned i = 0; i < MAX_FUNCS; i++) {
        if (funcs[i].used && funcs[i].bus == bus && funcs[i].devfn == devfn) return -EBUSY;
        if (!funcs[i].used && !slot) slot = &funcs[i];
    }
    if (!slot) return -EMFILE;
    if (iopl_set_floor(1)) return -EPERM; /* no I/O privilege for the config ports */
    memset(slot, 0, sizeof(*slot));
    slot->bus = (uint8_t)bus;
    slot->devfn = devfn;
    if ((cfg_read(slot, 0, 4) & 0xffff) == 0xffff) return -ENODEV; /* absent, or not this domain's */
    slot->used = true;
    f->priv = slot;
    return 0;
}

/* Size a BAR the standard way (all ones, read the mask, restore); the core
 * lets the owner do exactly this. */
static long bar_info(struct pcif *p, unsigned b, struct tpci_bar *out)
{
    if (b >= 6) return -EINVAL;
    if (!p->sized[b]) {
        unsigned off = 0x10 + 4 * b;
        uint32_t lo = cfg_read(p, off, 4), hi = 0, mlo, mhi = 0xffffffff;
        struct tpci_bar r = { .bar = b };
        bool io = lo & 1, is64 = !io && ((lo >> 1) & 3) == 2;
        if (is64 && b == 5) return -EINVAL;
        cfg_write(p, off, 4, 0xffffffff);
        mlo = cfg_read(p, off, 4);
        cfg_write(p, off, 4, lo);
        if (is64) {
            hi = cfg_read(p, off + 4, 4);
            cfg_write(p, off + 4, 4, 0xffffffff);
            mhi = cfg_read(p, off + 4, 4);
            cfg_write(p, off + 4, 4, hi);
        }
        if (!io && mlo) {
            uint64_t mask = ((uint64_t)(is64 ? mhi : 0xffffffff) << 32) | (mlo & ~0xfu);
            r.size = ~mask + 1;
            r.addr = ((uint64_t)hi << 32) | (lo & ~0xfu);
            r.flags = TPCI_BAR_MEM | (is64 ? TPCI_BAR_64 : 0);
        }
        p->bar[b] = r;
        p->sized[b] = true;
    }
    *out = p->bar[b];
    return 0;
}

static bool fired_any(void *arg) { return ((struct pcif *)arg)->fired != 0; }

static void on_irq(evtchn_port_t port, void *arg)
{
    struct pcif *p = arg;
    port_mask(port);
    for (unsigned i = 0; i < p->nvec; i++)
        if (p->port[i] == port) p->fired |= 1u << i;
}

/* Position and table BAR of a capability, or 0. */
static unsigned find_cap(struct pcif *p, uint8_t id)
{
    if (!(cfg_read(p, 6, 2) & 0x10)) return 0;
    unsigned at = cfg_read(p, 0x34, 1) & 0xfc;
    for (unsigned n = 0; at >= 0x40 && n < 48; n++) {
        if (cfg_read(p, at, 1) == id) return at;
        at = cfg_read(p, at + 1, 1) & 0xfc;
    }
    return 0;
}

static void irq_release(struct pcif *p)
{
    for (unsigned i = 0; i < p->nvec; i++) {
        port_set_handler(p->port[i], NULL, NULL);
        struct evtchn_close c = { .port = p->port[i] };
        evtchn_op(EVTCHNOP_close, &c);
        struct physdev_unmap_pirq u = { .domid = DOMID_SELF, .pirq = p->pirq[i] };
        HYPERVISOR_physdev_op(PHYSDEVOP_unmap_pirq, &u);
    }
    p->nvec = 0;
    p->fired = 0;
}

static long irq_enable(struct pcif *p, unsigned want)
{
    if (p->nvec) return -EBUSY;
    unsigned msix = find_cap(p, PCI_CAP_MSIX), msi = msix ? 0 : find_cap(p, PCI_CAP_MSI);
    uint64_t table = 0;
    unsigned n = 1;
    if (msix) {
        uint32_t ctl = cfg_read(p, msix, 4), tbl = cfg_read(p, msix + 4, 4);
        struct tpci_bar b;
        if (bar_info(p, tbl & 7, &b) || !b.addr) return -ENODEV;
        table = b.addr + (tbl & ~7u); /* not trusted by the core; must be non-zero */
        n = ((ctl >> 16) & 0x7ff) + 1;
    } else if (!msi) {
        return -ENODEV; /* the core offers no INTx */
    }
    if (want < n) n = want;
    if (n > TPCI_MAX_VECTORS) n = TPCI_MAX_VECTORS;
    for (unsigned i = 0; i < n; i++) {
        struct physdev_map_pirq m = { .domid = DOMID_SELF,
                                      .type = MAP_PIRQ_TYPE_MSI,
                                      .index = -1,
                                      .pirq = -1,
                                      .bus = p->bus,
                                      .devfn = p->devfn,
                                      .entry_nr = (int)i,
                                      .table_base = table };
        long rc = HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &m);
        if (rc) {
            irq_release(p);
            return rc;
        }
        struct evtchn_bind_pirq bp = { .pirq = (uint32_t)m.pirq };
        rc = evtchn_op(EVTCHNOP_bind_pirq, &bp);
        if (rc) {
            struct physdev_unmap_pirq u = { .domid = DOMID_SELF, .pirq = m.pirq };
            HYPERVISOR_physdev_op(PHYSDEVOP_unmap_pirq, &u);
            irq_release(p);
            return rc;
        }
        p->pirq[i] = m.pirq;
        p->port[i] = bp.port;
        p->nvec = i + 1;
        port_set_handler(bp.port, on_irq, p);
        port_unmask(bp.port);
    }
    return (long)p->nvec;
}

static long dma_addr(struct tpci_dma *d)
{
    uint64_t mfn, pfn;
    if (d->va & (PAGE_SIZE - 1) || !uvm_mfn(d->va, &mfn)) return -EINVAL;
    /* Only the program's own anonymous memory: RAM of this domain that is
     * not a grant mapping, a granted page or a boot module. */
    if (!mfn_is_ours(mfn, &pfn) || page_is_boot(pfn) || gntdev_owns(d->va, mfn) || gntalloc_owns(d->va))
        return -EINVAL;
    d->bus = mfn << PAGE_SHIFT;
    return 0;
}

/* The L1 frame mapping the program's page va: its machine address and (buf
 * != 0) a copy, so a test can aim DMA at it and check it afterwards. */
static long pt_frame(struct tpci_pt *t)
{
    uint64_t maddr;
    const uint64_t *pte = uvm_pte(t->va, false, &maddr);
    if (!pte || !(*pte & _PAGE_PRESENT)) return -EINVAL;
    t->bus = maddr & ~(PAGE_SIZE - 1);
    if (t->buf && copy_to_user(t->buf, (const void *)((uint64_t)pte & ~(PAGE_SIZE - 1)), PAGE_SIZE))
        return -EFAULT;
    return 0;
}

static long pci_ioctl(struct file *f, unsigned long cmd, uint64_t arg)
{
    struct pcif *p = f->priv;
    switch (cmd) {
    case TPCI_CFG_READ:
    case TPCI_CFG_WRITE: {
        struct tpci_cfg c;
        if (copy_from_user(&c, arg, sizeof(c))) return -EFAULT;
        if (!cfg_ok(c.off, c.size)) return -EINVAL;
        if (cmd == TPCI_CFG_WRITE) {
            cfg_write(p, c.off, c.size, c.val);
            return 0;
        }
        c.val = cfg_read(p, c.off, c.size);
        return copy_to_user(arg, &c, sizeof(c)) ? -EFAULT : 0;
    }
    case TPCI_BAR_INFO: {
        struct tpci_bar b;
        if (copy_from_user(&b, arg, sizeof(b))) return -EFAULT;
        long rc = bar_info(p, b.bar, &b);
        return rc ? rc : copy_to_user(arg, &b, sizeof(b)) ? -EFAULT : 0;
    }
    case TPCI_DMA_ADDR: {
        struct tpci_dma d;
        if (copy_from_user(&d, arg, sizeof(d))) return -EFAULT;
        long rc = dma_addr(&d);
        return rc ? rc : copy_to_user(arg, &d, sizeof(d)) ? -EFAULT : 0;
    }
    case TPCI_PT_FRAME: {
        struct tpci_pt t;
        if (copy_from_user(&t, arg, sizeof(t))) return -EFAULT;
        long rc = pt_frame(&t);
        return rc ? rc : copy_to_user(arg, &t, sizeof(t)) ? -EFAULT : 0;
    }
    case TPCI_IRQ_ENABLE: {
        struct tpci_irq q;
        if (copy_from_user(&q, arg, sizeof(q))) return -EFAULT;
        long rc = irq_enable(p, q.nvec);
        if (rc < 0) return rc;
        q.enabled = (uint32_t)rc;
        return copy_to_user(arg, &q, sizeof(q)) ? -EFAULT : 0;
    }
    default:
        return -ENOTTY;
    }
}

/* The BAR's frames, uncached; a page the core keeps read-only (MSI-X table,
 * PBA) is mapped read-only. */
static long pci_mmap(struct file *f, uint64_t addr, uint64_t len, int prot, uint64_t off)
{
    struct pcif *p = f->priv;
    unsigned b = (unsigned)(off >> 40);
    uint64_t in = off & ((1ull << 40) - 1);
    struct tpci_bar bar;
    if (b >= 6 || bar_info(p, b, &bar) || !(bar.flags & TPCI_BAR_MEM) || in > bar.size ||
        len > bar.size - in || (bar.addr & (PAGE_SIZE - 1)))
        return -EINVAL;
    for (uint64_t o = 0; o < len; o += PAGE_SIZE) {
        uint64_t maddr;
        uint64_t *pte = uvm_pte(addr + o, true, &maddr);
        if (!pte) return -ENOMEM;
        uint64_t frame = (bar.addr + in + o) & PTE_ADDR_MASK;
        mmu_update_t u = { .ptr = maddr | MMU_NORMAL_PT_UPDATE,
                           .val = frame | uvm_pte_flags(prot) | _PAGE_PCD | _PAGE_PWT };
        long rc = HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_IO);
        if (rc == -EPERM && (prot & PROT_WRITE)) {
            u.val = frame | uvm_pte_flags(prot & ~PROT_WRITE) | _PAGE_PCD | _PAGE_PWT;
            rc = HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_IO);
        }
        if (rc) {
            uvm_unmap(addr, o);
            return rc;
        }
    }
    tlb_flush();
    return (long)addr;
}

static long pci_read(struct file *f, uint64_t buf, size_t n)
{
    struct pcif *p = f->priv;
    if (n < 4) return -EINVAL;
    if (!p->fired) {
        if (f->flags & O_NONBLOCK) return -EAGAIN;
        wait_until(fired_any, p, 0);
    }
    uint32_t m = p->fired;
    p->fired = 0;
    return copy_to_user(buf, &m, 4) ? -EFAULT : 4;
}

static long pci_write(struct file *f, uint64_t buf, size_t n)
{
    struct pcif *p = f->priv;
    uint32_t m;
    if (n < 4 || copy_from_user(&m, buf, 4)) return -EINVAL;
    for (unsigned i = 0; i < p->nvec; i++)
        if (m & (1u << i)) port_unmask(p->port[i]);
    return 4;
}

static unsigned pci_poll(struct file *f)
{
    return POLLOUT | POLLWRNORM | (((struct pcif *)f->priv)->fired ? POLLIN | POLLRDNORM : 0);
}

/* Interrupts go; bus mastering stops so a restarted program starts from a
 * quiet device (its frames may be reused). */
static void pci_close(struct file *f, bool keep)
{
    (void)keep;
    struct pcif *p = f->priv;
    irq_release(p);
    cfg_write(p, 4, 2, cfg_read(p, 4, 2) & ~0x4u);
    p->used = false;
}

const struct file_ops pci_fops = {
    .read = pci_read,
    .write = pci_write,
    .ioctl = pci_ioctl,
    .mmap = pci_mmap,
    .poll = pci_poll,
    .close = pci_close,
    .mode = 0020000 | 0600,
    .rdev = (243 << 8),
};
