/* The fake virtio-PCI function of the host tests (see fake_vpci.h). */
#include "fake_vpci.h"
#include <stdlib.h>
#include <string.h>
#include <xen/errno.h>

#define BUS_BASE    0x4000000000ull
#define MAX_PAGES   4096
#define BAR         4
#define BAR_SIZE    0x4000
#define OFF_ISR     0x1000
#define OFF_DEVICE  0x2000
#define OFF_NOTIFY  0x3000
#define NOTIFY_MULT 4
#define MAX_Q       4
#define QMAX        256

struct fq {
    uint16_t size, msix, enable;
    uint64_t desc, avail, used;
    uint16_t last_avail;
};

struct fvp {
    struct vdev vdev;
    uint8_t cfg[256], devcfg[64];
    uint64_t dev_features;
    unsigned nq;
    void (*run)(void *ctx);
    void *ctx;
    void *pages[MAX_PAGES];
    unsigned npages;
    uint32_t dfsel, gfsel, features_lo, features_hi;
    uint16_t msix_config, qsel;
    uint8_t status, isr;
    struct fq q[MAX_Q];
    unsigned msix_vectors, enabled_vectors, qmax;
    uint32_t pending;
    unsigned long dma_faults, kicks;
};

static void *bus2ptr(struct fvp *f, uint64_t bus, uint32_t len)
{
    uint64_t pg = (bus - BUS_BASE) / VDEV_PAGE, off = (bus - BUS_BASE) % VDEV_PAGE;
    if (bus < BUS_BASE || pg >= f->npages || off + len > VDEV_PAGE) {
        f->dma_faults++;
        return NULL;
    }
    return (uint8_t *)f->pages[pg] + off;
}

/* A vendor capability: type, region offset and length in the BAR. */
static void put_cap(struct fvp *f, unsigned at, unsigned next, unsigned type, uint32_t off, uint32_t len)
{
    f->cfg[at] = 0x09;
    f->cfg[at + 1] = (uint8_t)next;
    f->cfg[at + 2] = (uint8_t)(type == 2 ? 20 : 16);
    f->cfg[at + 3] = (uint8_t)type;
    f->cfg[at + 4] = BAR;
    memcpy(&f->cfg[at + 8], &off, 4);
    memcpy(&f->cfg[at + 12], &len, 4);
    if (type == 2) {
        uint32_t m = NOTIFY_MULT;
        memcpy(&f->cfg[at + 16], &m, 4);
    }
}

static int cfg_read(void *ctx, unsigned off, unsigned size, uint32_t *val)
{
    struct fvp *f = ctx;
    if (off + size > 256 || (size != 1 && size != 2 && size != 4) || off % size) return -XEN_EINVAL;
    *val = 0;
    memcpy(val, &f->cfg[off], size);
    return 0;
}

static int cfg_write(void *ctx, unsigned off, unsigned size, uint32_t val)
{
    struct fvp *f = ctx;
    if (off + size > 256 || off % size) return -XEN_EINVAL;
    if (off == 4) memcpy(&f->cfg[4], &val, 2);
    return 0;
}

static void reset(struct fvp *f)
{
    f->status = 0;
    f->features_lo = f->features_hi = 0;
    for (unsigned i = 0; i < MAX_Q; i++)
        f->q[i] = (struct fq){ .size = (uint16_t)f->qmax, .msix = 0xffff };
    f->msix_config = 0xffff;
    f->pending = 0;
}

static uint64_t *qaddr(struct fq *q, unsigned off, unsigned *shift)
{
    *shift = (off & 4) ? 32 : 0;
    return (off & ~4u) == 32 ? &q->desc : (off & ~4u) == 40 ? &q->avail : &q->used;
}

static uint64_t common_read(struct fvp *f, unsigned off)
{
    struct fq *q = f->qsel < f->nq ? &f->q[f->qsel] : NULL;
    unsigned shift;
    switch (off) {
    case 0:
        return f->dfsel;
    case 4:
        return f->dfsel == 0   ? (uint32_t)f->dev_features
               : f->dfsel == 1 ? (uint32_t)(f->dev_features >> 32)
                               : 0;
    case 8:
        return f->gfsel;
    case 12:
        return f->gfsel ? f->features_hi : f->features_lo;
    case 16:
        return f->msix_config;
    case 18:
        return f->nq;
    case 20:
        return f->status;
    case 22:
        return f->qsel;
    case 24:
        return q ? q->size : 0;
    case 26:
        return q ? q->msix : 0xffff;
    case 28:
        return q ? q->enable : 0;
    case 30:
        return q ? f->qsel : 0;
    }
    if (q && off >= 32 && off < 56) {
        uint64_t *p = qaddr(q, off, &shift);
        return (uint32_t)(*p >> shift);
    }
    return 0;
}

static void common_write(struct fvp *f, unsigned off, uint64_t val)
{
    struct fq *q = f->qsel < f->nq ? &f->q[f->qsel] : NULL;
    unsigned shift;
    switch (off) {
    case 0:
        f->dfsel = (uint32_t)val;
        return;
    case 8:
        f->gfsel = (uint32_t)val;
        return;
    case 12:
        *(f->gfsel ? &f->features_hi : &f->features_lo) = (uint32_t)val;
        return;
    case 16:
        f->msix_config = (uint16_t)(val < f->enabled_vectors ? val : 0xffff);
        return;
    case 20:
        if (val == 0)
            reset(f);
        else
            f->status = (uint8_t)val;
        return;
    case 22:
        f->qsel = (uint16_t)val;
        return;
    case 24:
        if (q && val && val <= f->qmax && !(val & (val - 1))) q->size = (uint16_t)val;
        return;
    case 26:
        if (q) q->msix = (uint16_t)(val < f->enabled_vectors ? val : 0xffff);
        return;
    case 28:
        if (q) q->enable = (uint16_t)val;
        return;
    }
    if (q && off >= 32 && off < 56) {
        uint64_t *p = qaddr(q, off, &shift);
        *p = (*p & ~(0xffffffffull << shift)) | ((val & 0xffffffff) << shift);
    }
}

static int bar_read(void *ctx, unsigned bar, uint64_t off, unsigned size, uint64_t *val)
{
    struct fvp *f = ctx;
    if (bar != BAR || off + size > BAR_SIZE) return -XEN_EINVAL;
    *val = 0;
    if (off < OFF_ISR) {
        *val = common_read(f, (unsigned)off);
    } else if (off == OFF_ISR) {
        *val = f->isr;
        f->isr = 0;
    } else if (off >= OFF_DEVICE && off + size <= OFF_DEVICE + 64) {
        memcpy(val, &f->devcfg[off - OFF_DEVICE], size);
    }
    return 0;
}

static int bar_write(void *ctx, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
    struct fvp *f = ctx;
    if (bar != BAR || off + size > BAR_SIZE) return -XEN_EINVAL;
    if (off < OFF_ISR)
        common_write(f, (unsigned)off, val);
    else if (off >= OFF_NOTIFY)
        f->kicks++;
    return 0;
}

static void *dma_page(void *ctx, uint64_t *bus)
{
    struct fvp *f = ctx;
    void *p = f->npages < MAX_PAGES ? aligned_alloc(VDEV_PAGE, VDEV_PAGE) : NULL;
    if (!p) return NULL;
    memset(p, 0, VDEV_PAGE);
    *bus = BUS_BASE + (uint64_t)f->npages * VDEV_PAGE;
    f->pages[f->npages++] = p;
    return p;
}

static int irq_enable(void *ctx, unsigned nvec)
{
    struct fvp *f = ctx;
    f->enabled_vectors = nvec < f->msix_vectors ? nvec : f->msix_vectors;
    return (int)f->enabled_vectors;
}

static int irq_wait(void *ctx, int timeout_ms, uint32_t *fired)
{
    struct fvp *f = ctx;
    (void)timeout_ms;
    if (f->run) f->run(f->ctx);
    if (!f->pending) return -XEN_ETIMEDOUT;
    *fired = f->pending;
    f->pending = 0;
    return 0;
}

static const struct vdev_ops ops = {
    cfg_read, cfg_write, bar_read, bar_write, dma_page, irq_enable, irq_wait
};

bool fvp_live(const struct fvp *f, unsigned qi)
{
    return (f->status & 4) && !(f->status & 0x80) && qi < f->nq && f->q[qi].enable;
}

struct vdesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};

int fvp_next(struct fvp *f, unsigned qi, struct fvp_buf *b, unsigned *n)
{
    if (!fvp_live(f, qi)) return -1;
    struct fq *q = &f->q[qi];
    uint16_t *avail = bus2ptr(f, q->avail, 4 + 2u * q->size);
    struct vdesc *table = bus2ptr(f, q->desc, q->size * 16u);
    if (!avail || !table || q->last_avail == __atomic_load_n(&avail[1], __ATOMIC_ACQUIRE)) return -1;
    uint16_t head = avail[2 + (q->last_avail % q->size)];
    q->last_avail++;
    unsigned k = 0;
    for (uint16_t at = head;; at = table[at].next) {
        if (at >= q->size || k == q->size || k == FVP_MAX_CHAIN) {
            k = 0; /* a loop or a wild index: not a chain */
            break;
        }
        b[k++] =
            (struct fvp_buf){ bus2ptr(f, table[at].addr, table[at].len), table[at].len, table[at].flags & 2 };
        if (!(table[at].flags & 1)) break;
    }
    *n = k;
    return head;
}

void fvp_complete(struct fvp *f, unsigned qi, unsigned head, uint32_t len)
{
    struct fq *q = &f->q[qi];
    uint8_t *used = bus2ptr(f, q->used, 4 + 8u * q->size);
    if (!used) return;
    uint16_t uidx;
    memcpy(&uidx, used + 2, 2);
    uint32_t e[2] = { head, len };
    memcpy(used + 4 + 8 * (uidx % q->size), e, 8);
    uidx++;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    memcpy(used + 2, &uidx, 2);
    if (q->msix != 0xffff)
        f->pending |= 1u << q->msix;
    else if (!f->enabled_vectors) {
        f->isr |= 1;
        f->pending |= 1;
    }
}

struct fvp *fvp_new(uint16_t devid, uint64_t features, unsigned nq, void (*run)(void *ctx), void *ctx)
{
    struct fvp *f = calloc(1, sizeof(*f));
    if (!f || nq > MAX_Q) {
        free(f);
        return NULL;
    }
    f->vdev = (struct vdev){ &ops, f };
    f->dev_features = features;
    f->nq = nq;
    f->run = run;
    f->ctx = ctx;
    f->msix_vectors = nq + 1;
    f->qmax = QMAX;
    uint16_t vendor = 0x1af4;
    memcpy(&f->cfg[0], &vendor, 2);
    memcpy(&f->cfg[2], &devid, 2);
    f->cfg[6] = 0x10; /* status: capability list */
    f->cfg[0x34] = 0x40;
    put_cap(f, 0x40, 0x50, 1, 0, 56);
    put_cap(f, 0x50, 0x60, 3, OFF_ISR, 4);
    put_cap(f, 0x60, 0x70, 4, OFF_DEVICE, 64);
    put_cap(f, 0x70, 0x88, 2, OFF_NOTIFY, 0x1000);
    f->cfg[0x88] = 0x11;           /* MSI-X */
    uint16_t ctl = (uint16_t)(nq); /* table size - 1 */
    memcpy(&f->cfg[0x8a], &ctl, 2);
    reset(f);
    return f;
}

void fvp_free(struct fvp *f)
{
    for (unsigned i = 0; i < f->npages; i++)
        free(f->pages[i]);
    free(f);
}

struct vdev *fvp_vdev(struct fvp *f) { return &f->vdev; }
void fvp_set_devcfg(struct fvp *f, const void *cfg, unsigned len)
{
    memcpy(f->devcfg, cfg, len < 64 ? len : 64);
}
void fvp_set_msix(struct fvp *f, unsigned vectors)
{
    f->msix_vectors = vectors;
    if (vectors) { /* the capability's table size follows */
        uint16_t ctl = (uint16_t)(vectors - 1);
        memcpy(&f->cfg[0x8a], &ctl, 2);
    }
}
void fvp_set_features(struct fvp *f, uint64_t features) { f->dev_features = features; }
void fvp_set_queue_max(struct fvp *f, unsigned n)
{
    f->qmax = n && n <= QMAX && !(n & (n - 1)) ? n : QMAX;
    reset(f);
}
uint8_t *fvp_config(struct fvp *f) { return f->cfg; }
uint8_t fvp_status(const struct fvp *f) { return f->status; }
uint64_t fvp_features(const struct fvp *f) { return (uint64_t)f->features_hi << 32 | f->features_lo; }
unsigned long fvp_dma_faults(const struct fvp *f) { return f->dma_faults; }
unsigned long fvp_kicks(const struct fvp *f) { return f->kicks; }
