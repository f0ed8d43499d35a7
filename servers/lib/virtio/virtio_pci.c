/* virtio-PCI modern transport (see virtio_pci.h). */
#include "virtio_pci.h"
#include <xen/errno.h>

/* PCI config space (PCI local bus 3.0) and virtio's capability layout. */
#define PCI_VENDOR         0x00
#define PCI_DEVICE         0x02
#define PCI_COMMAND        0x04
#define PCI_STATUS         0x06
#define PCI_STATUS_CAPS    0x10
#define PCI_CAP_PTR        0x34
#define PCI_CAP_VENDOR     0x09
#define PCI_CAP_MSIX       0x11
#define PCI_COMMAND_MEM    0x2
#define PCI_COMMAND_MASTER 0x4

/* Offsets in the common configuration structure (4.1.4.3). */
enum {
    CC_DFSELECT = 0,
    CC_DF = 4,
    CC_GFSELECT = 8,
    CC_GF = 12,
    CC_MSIX = 16,
    CC_NUMQ = 18,
    CC_STATUS = 20,
    CC_QSELECT = 22,
    CC_QSIZE = 24,
    CC_QMSIX = 26,
    CC_QENABLE = 28,
    CC_QNOFF = 30,
    CC_QDESC = 32,
    CC_QAVAIL = 40,
    CC_QUSED = 48,
    CC_LEN = 56,
};
#define ST_ACK         1
#define ST_DRIVER      2
#define ST_DRIVER_OK   4
#define ST_FEATURES_OK 8
#define ST_FAILED      128
#define NO_VECTOR      0xffff

static int cfg8(struct vpci *v, unsigned off, uint8_t *val)
{
    uint32_t x;
    int rc = v->dev->ops->cfg_read(v->dev->ctx, off, 1, &x);
    *val = (uint8_t)x;
    return rc;
}

static int cfg32(struct vpci *v, unsigned off, uint32_t *val)
{
    return v->dev->ops->cfg_read(v->dev->ctx, off, 4, val);
}

static int rd(struct vpci *v, const struct vpci_region *r, unsigned off, unsigned size, uint64_t *val)
{
    if (off + size > r->len) return -XEN_EINVAL;
    return v->dev->ops->bar_read(v->dev->ctx, r->bar, (uint64_t)r->off + off, size, val);
}

static int wr(struct vpci *v, const struct vpci_region *r, unsigned off, unsigned size, uint64_t val)
{
    if (off + size > r->len) return -XEN_EINVAL;
    return v->dev->ops->bar_write(v->dev->ctx, r->bar, (uint64_t)r->off + off, size, val);
}

static uint64_t cc(struct vpci *v, unsigned off, unsigned size)
{
    uint64_t x = 0;
    if (rd(v, &v->common, off, size, &x)) return ~0ull;
    return x;
}

static void set_cc(struct vpci *v, unsigned off, unsigned size, uint64_t val)
{
    (void)wr(v, &v->common, off, size, val);
}

int vpci_probe(struct vpci *v, struct vdev *d)
{
    __builtin_memset(v, 0, sizeof(*v));
    v->dev = d;
    uint32_t id;
    if (cfg32(v, PCI_VENDOR, &id) || (id & 0xffff) != VIRTIO_PCI_VENDOR) return -XEN_ENODEV;
    v->device_id = (uint16_t)(id >> 16);
    /* Modern ids are 0x1040 + type; transitional ones (0x1000-0x103f) also
     * carry the modern capabilities when they have them. */
    if (v->device_id < 0x1000 || v->device_id > 0x107f) return -XEN_ENODEV;
    uint32_t cmdsts;
    if (cfg32(v, PCI_COMMAND, &cmdsts) || !((cmdsts >> 16) & PCI_STATUS_CAPS)) return -XEN_ENODEV;
    uint8_t at;
    if (cfg8(v, PCI_CAP_PTR, &at)) return -XEN_ENODEV;
    /* A list is at most (256 - 64) / 4 entries long; a loop ends there. */
    for (unsigned n = 0; at && n < 48; n++) {
        at &= 0xfc;
        if (at < 0x40) return -XEN_ENODEV;
        uint8_t type, next, len;
        if (cfg8(v, at, &type) || cfg8(v, at + 1u, &next) || cfg8(v, at + 2u, &len)) return -XEN_ENODEV;
        if (type == PCI_CAP_MSIX) {
            uint32_t hdr;
            if (cfg32(v, at, &hdr)) return -XEN_ENODEV;
            v->msix_size = (uint16_t)(((hdr >> 16) & 0x7ff) + 1);
        } else if (type == PCI_CAP_VENDOR && len >= 16 && at + 16u <= 256) {
            uint8_t cfg_type, bar;
            uint32_t off, length;
            if (cfg8(v, at + 3u, &cfg_type) || cfg8(v, at + 4u, &bar) || cfg32(v, at + 8u, &off) ||
                cfg32(v, at + 12u, &length))
                return -XEN_ENODEV;
            struct vpci_region *r = NULL;
            switch (cfg_type) {
            case 1:
                r = &v->common;
                break;
            case 2:
                r = &v->notify;
                break;
            case 3:
                r = &v->isr;
                break;
            case 4:
                r = &v->device;
                break;
            }
            /* The first capability of a type is the preferred one. */
            if (r && !r->present && bar < 6 && (uint64_t)off + length <= 0xffffffffull) {
                if (cfg_type == 2) {
                    if (len < 20 || at + 20u > 256 || cfg32(v, at + 16u, &v->notify_mult)) return -XEN_ENODEV;
                }
                *r = (struct vpci_region){ true, bar, off, length };
            }
        }
        at = next;
    }
    if (!v->common.present || v->common.len < CC_LEN || !v->notify.present || !v->isr.present ||
        v->isr.len < 1)
        return -XEN_ENODEV;
    /* Memory decoding and bus mastering for the driver's accesses and DMA. */
    uint32_t cmd = cmdsts & 0xffff;
    if (v->dev->ops->cfg_write(v->dev->ctx, PCI_COMMAND, 2, cmd | PCI_COMMAND_MEM | PCI_COMMAND_MASTER))
        return -XEN_ENODEV;
    return v->device_id >= 0x1040 ? v->device_id - 0x1040 : -XEN_ENODEV;
}

void vpci_reset(struct vpci *v)
{
    set_cc(v, CC_STATUS, 1, 0);
    /* Reset completes when the device reads back 0 (4.1.4.3.2); a device
     * that never does is left alone after a bounded number of reads. */
    for (unsigned i = 0; i < 100000 && cc(v, CC_STATUS, 1) != 0; i++)
        ;
}

void vpci_fail(struct vpci *v) { set_cc(v, CC_STATUS, 1, cc(v, CC_STATUS, 1) | ST_FAILED); }

int vpci_start(struct vpci *v, uint64_t wanted)
{
    vpci_reset(v);
    if (cc(v, CC_STATUS, 1) != 0) return -XEN_EIO;
    set_cc(v, CC_STATUS, 1, ST_ACK);
    set_cc(v, CC_STATUS, 1, ST_ACK | ST_DRIVER);
    uint64_t dev = 0;
    for (unsigned w = 0; w < 2; w++) {
        set_cc(v, CC_DFSELECT, 4, w);
        dev |= (cc(v, CC_DF, 4) & 0xffffffffull) << (32 * w);
    }
    uint64_t platform = 1ull << VIRTIO_F_ACCESS_PLATFORM_BIT, v1 = 1ull << VIRTIO_F_VERSION_1_BIT;
    if (!(dev & v1)) {
        vpci_fail(v);
        return -XEN_ENODEV;
    }
    uint64_t want = (wanted | v1 | platform) & dev;
    for (unsigned w = 0; w < 2; w++) {
        set_cc(v, CC_GFSELECT, 4, w);
        set_cc(v, CC_GF, 4, (want >> (32 * w)) & 0xffffffffull);
    }
    set_cc(v, CC_STATUS, 1, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
    if (!(cc(v, CC_STATUS, 1) & ST_FEATURES_OK)) {
        vpci_fail(v);
        return -XEN_EIO;
    }
    v->features = want;
    return 0;
}

int vpci_irq_setup(struct vpci *v, unsigned nvec)
{
    if (nvec > v->msix_size) nvec = v->msix_size;
    int rc = v->dev->ops->irq_enable(v->dev->ctx, nvec);
    if (rc < 0) return rc;
    v->nvec = (unsigned)rc;
    if (v->nvec) {
        set_cc(v, CC_MSIX, 2, 0);
        if (cc(v, CC_MSIX, 2) != 0) return -XEN_EIO;
    }
    return 0;
}

int vpci_queue(struct vpci *v, struct virtq *q, unsigned index, unsigned max)
{
    if (index >= cc(v, CC_NUMQ, 2)) return -XEN_ENOENT;
    set_cc(v, CC_QSELECT, 2, index);
    unsigned size = (unsigned)cc(v, CC_QSIZE, 2);
    if (size == 0 || size > 32768) return -XEN_ENOENT;
    if (max > VIRTQ_MAX) max = VIRTQ_MAX;
    /* The largest power of two within both limits (a modern device takes
     * any size up to its maximum). */
    unsigned n = 1;
    while (n * 2 <= size && n * 2 <= max)
        n *= 2;
    int rc = virtq_init(q, v->dev, index, n);
    if (rc) return rc;
    set_cc(v, CC_QSIZE, 2, n);
    set_cc(v, CC_QDESC, 4, q->desc_bus & 0xffffffff);
    set_cc(v, CC_QDESC + 4, 4, q->desc_bus >> 32);
    set_cc(v, CC_QAVAIL, 4, q->avail_bus & 0xffffffff);
    set_cc(v, CC_QAVAIL + 4, 4, q->avail_bus >> 32);
    set_cc(v, CC_QUSED, 4, q->used_bus & 0xffffffff);
    set_cc(v, CC_QUSED + 4, 4, q->used_bus >> 32);
    if (v->nvec) {
        unsigned vec = v->nvec > 1 + index ? 1 + index : 0;
        set_cc(v, CC_QMSIX, 2, vec);
        if (cc(v, CC_QMSIX, 2) != vec) return -XEN_EIO;
    } else {
        set_cc(v, CC_QMSIX, 2, NO_VECTOR);
    }
    uint64_t noff = cc(v, CC_QNOFF, 2);
    if ((uint64_t)noff * v->notify_mult + 2 > v->notify.len) return -XEN_EIO;
    q->notify_off = (uint32_t)(noff * v->notify_mult);
    set_cc(v, CC_QENABLE, 2, 1);
    return 0;
}

int vpci_driver_ok(struct vpci *v)
{
    set_cc(v, CC_STATUS, 1, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
    return (cc(v, CC_STATUS, 1) & (ST_DRIVER_OK | ST_FAILED)) == ST_DRIVER_OK ? 0 : -XEN_EIO;
}

int vpci_kick(struct vpci *v, struct virtq *q) { return wr(v, &v->notify, q->notify_off, 2, q->index); }

int vpci_devcfg_read(struct vpci *v, unsigned off, unsigned size, uint64_t *val)
{
    if (!v->device.present) return -XEN_ENOENT;
    return rd(v, &v->device, off, size, val);
}

int vpci_wait(struct vpci *v, int timeout_ms)
{
    uint32_t fired = 0;
    int rc = v->dev->ops->irq_wait(v->dev->ctx, timeout_ms, &fired);
    if (rc == 0 && !v->nvec) {
        uint64_t isr;
        (void)rd(v, &v->isr, 0, 1, &isr); /* reading acknowledges INTx */
    }
    return rc;
}
