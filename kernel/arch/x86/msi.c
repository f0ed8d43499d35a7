/* Device interrupts as event channels: Xen's PHYSDEVOP_map_pirq for MSI and
 * MSI-X (the core, never the domain, writes the function's MSI registers and
 * MSI-X table entries) and for ISA lines (GSIs 0-15 through the 8259),
 * unmap_pirq, eoi, irq_status_query, and delivery of a vector to the event
 * channel bound with EVTCHNOP_bind_pirq.  One vector per
 * pirq, all on the boot CPU; with the IOMMU each is an interrupt-remapping
 * entry that only the owning function (by requester id) can raise. */
#include "lib.h"
#include "arch.h"
#include "domain.h"
#include "event.h"
#include "guest_access.h"
#include "apic.h"
#include "pci.h"
#include "spinlock.h"
#include <xen/physdev.h>

void *map_phys(paddr_t pa, size_t len, bool uncached);
void iommu_irte_set(unsigned idx, uint16_t sid, uint8_t vector, uint32_t apic_id);
void iommu_irte_clear(unsigned idx);
void iommu_fault_interrupt(void);

#define NR_PIRQS 256 /* per domain, as Xen's default for a domU */
#define NR_SLOTS (VEC_PIRQ_LAST - VEC_PIRQ_FIRST + 1)

static struct slot {
    bool used;
    uint16_t dom, port; /* port 0: not bound */
    int pirq;
    int msix_entry;    /* -1: MSI */
    struct pci_fn *fn; /* NULL: the ISA line gsi */
    int gsi;
} slots[NR_SLOTS];
static spinlock_t msi_lock = SPINLOCK_INIT;

static struct slot *find(domid_t d, int pirq)
{
    for (unsigned i = 0; i < NR_SLOTS; i++)
        if (slots[i].used && slots[i].dom == d && slots[i].pirq == pirq) return &slots[i];
    return NULL;
}

static volatile uint32_t *msix_entry(const struct pci_fn *f, unsigned n)
{
    uint64_t pa = f->bar[f->msix_bir].base + f->msix_off + n * 16u;
    return map_phys(pa, 16, true);
}

/* Program the function: remappable-format message with the IOMMU, else a
 * direct message to the boot CPU. */
static void program(struct slot *s, unsigned idx)
{
    struct pci_fn *f = s->fn;
    uint8_t vec = (uint8_t)(VEC_PIRQ_FIRST + idx);
    uint32_t addr = 0xfee00000u | (cpu_apic_id[0] << 12), data = vec;
    if (iommu_present) {
        iommu_irte_set(idx, (uint16_t)f->sbdf, vec, cpu_apic_id[0]);
        addr = 0xfee00000u | ((idx & 0x7fff) << 5) | (1u << 4) | ((idx >> 15) << 2);
        data = 0;
    }
    uint32_t sbdf = f->sbdf;
    if (s->msix_entry >= 0) {
        volatile uint32_t *e = msix_entry(f, (unsigned)s->msix_entry);
        pci_conf_write(sbdf, 0x04, 2, pci_conf_read(sbdf, 0x04, 2) | 2); /* memory decode */
        e[3] = 1;
        e[0] = addr;
        e[1] = 0;
        e[2] = data;
        e[3] = 0;
        uint32_t c = pci_conf_read(sbdf, f->msix_cap + 2, 2);
        pci_conf_write(sbdf, f->msix_cap + 2, 2, (c | 0x8000) & ~0x4000u);
    } else {
        unsigned cap = f->msi_cap;
        uint32_t c = pci_conf_read(sbdf, cap + 2, 2);
        bool is64 = c & 0x80;
        pci_conf_write(sbdf, cap + 4, 4, addr);
        if (is64) pci_conf_write(sbdf, cap + 8, 4, 0);
        pci_conf_write(sbdf, cap + (is64 ? 12 : 8), 2, data);
        pci_conf_write(sbdf, cap + 2, 2, (c & ~0x70u) | 1);
    }
}

/* Mask (or unmask) an ISA line at the 8259s (pic.c set them up, all masked). */
static void pic_line(int gsi, bool on)
{
    uint16_t port = gsi < 8 ? 0x21 : 0xa1;
    uint8_t bit = (uint8_t)(1u << (gsi & 7));
    outb(port, on ? inb(port) & ~bit : inb(port) | bit);
    if (on && gsi >= 8) outb(0x21, inb(0x21) & ~(1u << 2)); /* the cascade */
}

static void unprogram(struct slot *s, unsigned idx)
{
    struct pci_fn *f = s->fn;
    bool last = true;
    if (!f) {
        pic_line(s->gsi, false);
        *s = (struct slot){ .used = false };
        return;
    }
    for (unsigned i = 0; i < NR_SLOTS; i++)
        if (slots[i].used && &slots[i] != s && slots[i].fn == f) last = false;
    if (s->msix_entry >= 0) {
        volatile uint32_t *e = msix_entry(f, (unsigned)s->msix_entry);
        e[3] = 1;
        e[0] = e[1] = e[2] = 0;
        if (last)
            pci_conf_write(f->sbdf, f->msix_cap + 2, 2,
                           pci_conf_read(f->sbdf, f->msix_cap + 2, 2) & ~0x8000u);
    } else {
        pci_conf_write(f->sbdf, f->msi_cap + 2, 2, pci_conf_read(f->sbdf, f->msi_cap + 2, 2) & ~1u);
    }
    if (iommu_present) iommu_irte_clear(idx);
    *s = (struct slot){ .used = false };
}

/* A free slot, and the pirq asked for or else the lowest free one from 16. */
static long pick_slot(domid_t d, int want, unsigned *idx, int *pirq)
{
    *idx = NR_SLOTS;
    for (unsigned i = NR_SLOTS; i-- > 0;)
        if (!slots[i].used) *idx = i;
    if (want >= 0 && find(d, want)) return -EEXIST;
    for (*pirq = want >= 0 ? want : 16; *pirq < NR_PIRQS && find(d, *pirq); (*pirq)++)
        ;
    return *pirq >= NR_PIRQS || *idx == NR_SLOTS ? -ENOSPC : 0;
}

/* An ISA line (GSI 0-15: the core drives no IOAPIC) for a domain holding
 * CAP_IO, one owner at a time; the timer (0), the cascade (2) and COM1 (4, the
 * core's console) stay the core's.  Edge-triggered: the core acknowledges the
 * PIC when the interrupt arrives and raises the bound event channel. */
static long map_gsi(struct domain *me, struct physdev_map_pirq *m)
{
    if (m->index < 0 || m->index >= 16 || m->pirq >= NR_PIRQS) return -EINVAL;
    if (!has_cap(me, CAP_IO) || m->index == 0 || m->index == 2 || m->index == 4) return -EPERM;
    spin_lock(&msi_lock);
    long rc = 0;
    for (unsigned i = 0; i < NR_SLOTS && !rc; i++)
        if (slots[i].used && !slots[i].fn && slots[i].gsi == m->index)
            rc = slots[i].dom == me->id ? -EEXIST : -EBUSY;
    unsigned idx;
    int pirq;
    if (!rc) rc = pick_slot(me->id, m->pirq, &idx, &pirq);
    if (!rc) {
        slots[idx] = (struct slot){ .used = true, .dom = me->id, .pirq = pirq, .gsi = m->index };
        pic_line(m->index, true);
        m->pirq = pirq;
    }
    spin_unlock(&msi_lock);
    return rc;
}

static long map_pirq(struct domain *me, struct physdev_map_pirq *m)
{
    if (m->domid != DOMID_SELF && m->domid != me->id) return -EPERM;
    if (m->type == MAP_PIRQ_TYPE_GSI) return map_gsi(me, m);
    if (m->type != MAP_PIRQ_TYPE_MSI && m->type != MAP_PIRQ_TYPE_MSI_SEG) return -EINVAL;
    if (m->index != -1 || m->pirq >= NR_PIRQS || m->devfn < 0 || m->devfn > 255) return -EINVAL;
    unsigned seg = m->type == MAP_PIRQ_TYPE_MSI_SEG ? (unsigned)m->bus >> 16 : 0;
    unsigned bus = (unsigned)m->bus & (m->type == MAP_PIRQ_TYPE_MSI_SEG ? 0xffff : ~0u);
    struct pci_fn *f = seg || bus > 255 ? NULL : pci_find(PCI_SBDF(0, bus, m->devfn));
    if (!f) return -ENODEV;
    if (f->owner != me->id) return -EPERM;
    bool msix = m->table_base != 0;
    if (msix ? !f->msix_cap : !f->msi_cap) return -ENODEV;
    if (msix && (m->entry_nr < 0 || m->entry_nr >= f->msix_size)) return -EINVAL;
    spin_lock(&msi_lock);
    long rc = 0;
    for (unsigned i = 0; i < NR_SLOTS && !rc; i++) {
        struct slot *s = &slots[i];
        if (s->used && s->fn == f && (msix != (s->msix_entry >= 0) || !msix || s->msix_entry == m->entry_nr))
            rc = msix == (s->msix_entry >= 0) ? -EEXIST : -EBUSY; /* mapped already / MSI vs MSI-X */
    }
    unsigned idx;
    int pirq;
    if (!rc) rc = pick_slot(me->id, m->pirq, &idx, &pirq);
    if (!rc) {
        slots[idx] = (struct slot){
            .used = true, .dom = me->id, .pirq = pirq, .fn = f, .msix_entry = msix ? m->entry_nr : -1
        };
        program(&slots[idx], idx);
        m->pirq = pirq;
        m->index = (int)(VEC_PIRQ_FIRST + idx);
    }
    spin_unlock(&msi_lock);
    return rc;
}

void msi_release_fn(struct pci_fn *f)
{
    spin_lock(&msi_lock);
    for (unsigned i = 0; i < NR_SLOTS; i++)
        if (slots[i].used && slots[i].fn == f) unprogram(&slots[i], i);
    spin_unlock(&msi_lock);
}

/* Domain teardown: its ISA lines (its MSIs go with its functions). */
void gsi_release_domain(struct domain *d)
{
    spin_lock(&msi_lock);
    for (unsigned i = 0; i < NR_SLOTS; i++)
        if (slots[i].used && !slots[i].fn && slots[i].dom == d->id) unprogram(&slots[i], i);
    spin_unlock(&msi_lock);
}

int pirq_bind_port(struct domain *d, unsigned pirq, unsigned port)
{
    if (pirq >= NR_PIRQS) return -EINVAL;
    spin_lock(&msi_lock);
    struct slot *s = find(d->id, (int)pirq);
    int rc = !s ? -EPERM : s->port ? -EEXIST : 0; /* Xen: no access to an unmapped pirq */
    if (!rc) s->port = (uint16_t)port;
    spin_unlock(&msi_lock);
    return rc;
}

void pirq_unbind_port(struct domain *d, unsigned pirq, unsigned port)
{
    spin_lock(&msi_lock);
    struct slot *s = find(d->id, (int)pirq);
    if (s && s->port == port) s->port = 0;
    spin_unlock(&msi_lock);
}

bool msi_interrupt(unsigned vec)
{
    if (vec == VEC_IOMMU_FAULT) {
        iommu_fault_interrupt();
        lapic_eoi();
        return true;
    }
    if (vec < 0x20 || vec > VEC_PIRQ_LAST) return false;
    spin_lock(&msi_lock);
    struct slot *s = vec >= VEC_PIRQ_FIRST ? &slots[vec - VEC_PIRQ_FIRST] : NULL;
    for (unsigned i = 0; i < NR_SLOTS && !s; i++)
        if (slots[i].used && !slots[i].fn && slots[i].gsi == (int)vec - 0x20) s = &slots[i];
    if (vec < VEC_PIRQ_FIRST && s) { /* an 8259 line: EOI there (a spurious IRQ 7/15 gets none) */
        if (vec >= 0x28) outb(0xa0, 0x20);
        outb(0x20, 0x20);
    }
    if (vec >= VEC_PIRQ_FIRST) lapic_eoi();
    if (!s) {
        spin_unlock(&msi_lock);
        return true;
    }
    domid_t dom = s->dom;
    unsigned port = s->used ? s->port : 0;
    spin_unlock(&msi_lock);
    struct domain *d = port ? domain_lookup(dom) : NULL;
    if (d) evtchn_send_from(d, port);
    return true;
}

/* Arguments are copied in, and the result area checked writable, before
 * anything changes. */
long physdev_irq_op(uint64_t cmd, uint64_t arg)
{
    struct domain *me = current->domain;
    union {
        struct physdev_map_pirq map;
        struct physdev_unmap_pirq unmap;
        struct physdev_eoi eoi;
        struct physdev_irq_status_query q;
    } u;
    size_t size = cmd == PHYSDEVOP_map_pirq           ? sizeof(u.map)
                  : cmd == PHYSDEVOP_unmap_pirq       ? sizeof(u.unmap)
                  : cmd == PHYSDEVOP_eoi              ? sizeof(u.eoi)
                  : cmd == PHYSDEVOP_irq_status_query ? sizeof(u.q)
                                                      : 0;
    if (!size) return -ENOSYS;
    if (copy_from_guest(&u, arg, size)) return -EFAULT;
    long rc;
    switch (cmd) {
    case PHYSDEVOP_map_pirq:
        if (copy_to_guest(arg, &u, size)) return -EFAULT;
        rc = map_pirq(me, &u.map);
        break;
    case PHYSDEVOP_unmap_pirq: {
        if (u.unmap.domid != DOMID_SELF && u.unmap.domid != me->id) return -EPERM;
        spin_lock(&msi_lock);
        struct slot *s = find(me->id, u.unmap.pirq);
        rc = s ? 0 : -EINVAL;
        if (s) unprogram(s, (unsigned)(s - slots));
        spin_unlock(&msi_lock);
        return rc;
    }
    case PHYSDEVOP_eoi:
        /* Edge-triggered MSI and ISA lines: nothing is held back waiting for an EOI. */
        return u.eoi.irq < NR_PIRQS ? 0 : -EINVAL;
    default:
        if (u.q.irq >= NR_PIRQS) return -EINVAL;
        u.q.flags = 0; /* acknowledged by the core on arrival, never shared */
        rc = 0;
    }
    if (!rc && copy_to_guest(arg, &u, size)) rc = -EFAULT;
    return rc;
}
