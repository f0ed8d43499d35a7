/* The fake virtio-blk function of the host tests (see fake_vblk.h). */
#include "fake_vblk.h"
#include <stdlib.h>
#include <string.h>
#include <xen/errno.h>

#define BUS_BASE 0x4000000000ull
#define MAX_PAGES 8192
#define BAR 4
#define BAR_SIZE 0x4000
#define OFF_COMMON 0x0
#define OFF_ISR 0x1000
#define OFF_DEVICE 0x2000
#define OFF_NOTIFY 0x3000
#define NOTIFY_MULT 4
#define NQ 1
#define QMAX 128

struct fq { uint16_t size, msix, enable; uint64_t desc, avail, used; uint16_t last_avail; };

struct fvb {
	struct vdev vdev;
	uint8_t cfg[256];
	uint64_t sectors;
	uint8_t *media, *cache, *dirty; /* cache holds sectors whose dirty byte is set */
	uint32_t *written;
	void *pages[MAX_PAGES];
	unsigned npages;
	uint32_t dfsel, gfsel, features_lo, features_hi;
	uint16_t msix_config, qsel;
	uint8_t status, isr;
	struct fq q[NQ];
	bool notified, hold, has_flush, dead;
	unsigned msix_vectors, enabled_vectors;
	uint32_t pending;   /* interrupt bits */
	long crash_after;   /* -1: never */
	unsigned crash_keep;
	unsigned long dma_faults, req_count[16], since_flush;
};

static void *bus2ptr(struct fvb *f, uint64_t bus, uint32_t len)
{
	if (bus < BUS_BASE) {
		f->dma_faults++;
		return NULL;
	}
	uint64_t pg = (bus - BUS_BASE) / VDEV_PAGE, off = (bus - BUS_BASE) % VDEV_PAGE;
	if (pg >= f->npages || off + len > VDEV_PAGE) {
		f->dma_faults++;
		return NULL;
	}
	return (uint8_t *)f->pages[pg] + off;
}

static void put_cap(struct fvb *f, unsigned at, unsigned next, unsigned type, unsigned len, unsigned off,
		    unsigned length)
{
	f->cfg[at] = 0x09;
	f->cfg[at + 1] = (uint8_t)next;
	f->cfg[at + 2] = (uint8_t)(type == 2 ? 20 : 16);
	f->cfg[at + 3] = (uint8_t)type;
	f->cfg[at + 4] = BAR;
	memcpy(&f->cfg[at + 8], &off, 4);
	memcpy(&f->cfg[at + 12], &length, 4);
	(void)len;
	if (type == 2) {
		uint32_t m = NOTIFY_MULT;
		memcpy(&f->cfg[at + 16], &m, 4);
	}
}

static void build_cfg(struct fvb *f, uint16_t devid)
{
	memset(f->cfg, 0, sizeof(f->cfg));
	uint16_t vendor = 0x1af4;
	memcpy(&f->cfg[0], &vendor, 2);
	memcpy(&f->cfg[2], &devid, 2);
	f->cfg[6] = 0x10; /* status: capability list */
	f->cfg[0x34] = 0x40;
	put_cap(f, 0x40, 0x50, 1, 16, OFF_COMMON, 56);
	put_cap(f, 0x50, 0x60, 3, 16, OFF_ISR, 4);
	put_cap(f, 0x60, 0x70, 4, 16, OFF_DEVICE, 64);
	put_cap(f, 0x70, 0x88, 2, 20, OFF_NOTIFY, 0x1000);
	f->cfg[0x88] = 0x11; /* MSI-X, table size 3 */
	f->cfg[0x89] = 0;
	uint16_t ctl = 2;
	memcpy(&f->cfg[0x8a], &ctl, 2);
}

static int cfg_read(void *ctx, unsigned off, unsigned size, uint32_t *val)
{
	struct fvb *f = ctx;
	if (off + size > 256 || (size != 1 && size != 2 && size != 4) || off % size)
		return -XEN_EINVAL;
	*val = 0;
	memcpy(val, &f->cfg[off], size);
	return 0;
}

static int cfg_write(void *ctx, unsigned off, unsigned size, uint32_t val)
{
	struct fvb *f = ctx;
	if (off + size > 256 || off % size)
		return -XEN_EINVAL;
	if (off == 4) /* only the command register is writable here */
		memcpy(&f->cfg[4], &val, 2);
	return 0;
}

static uint64_t *qfield(struct fq *q, unsigned off, unsigned *shift)
{
	*shift = (off & 4) ? 32 : 0;
	switch (off & ~4u) {
	case 32: return &q->desc;
	case 40: return &q->avail;
	case 48: return &q->used;
	}
	return NULL;
}

static uint64_t common_read(struct fvb *f, unsigned off)
{
	struct fq *q = f->qsel < NQ ? &f->q[f->qsel] : NULL;
	unsigned shift;
	switch (off) {
	case 0: return f->dfsel;
	case 4: {
		uint64_t feat = (1ull << 32) | (1ull << 33) | (1ull << 6) | (1ull << 2) | (f->has_flush ? 1ull << 9 : 0);
		return f->dfsel == 0 ? (uint32_t)feat : f->dfsel == 1 ? (uint32_t)(feat >> 32) : 0;
	}
	case 8: return f->gfsel;
	case 12: return f->gfsel ? f->features_hi : f->features_lo;
	case 16: return f->msix_config;
	case 18: return NQ;
	case 20: return f->status;
	case 21: return 0;
	case 22: return f->qsel;
	case 24: return q ? q->size : 0;
	case 26: return q ? q->msix : 0xffff;
	case 28: return q ? q->enable : 0;
	case 30: return q ? f->qsel : 0;
	}
	if (q && off >= 32 && off < 56) {
		uint64_t *p = qfield(q, off, &shift);
		return p ? (uint32_t)(*p >> shift) : 0;
	}
	return 0;
}

static void reset(struct fvb *f)
{
	f->status = 0;
	f->features_lo = f->features_hi = 0;
	for (unsigned i = 0; i < NQ; i++)
		f->q[i] = (struct fq){ .size = QMAX, .msix = 0xffff };
	f->msix_config = 0xffff;
	f->pending = 0;
}

static void common_write(struct fvb *f, unsigned off, uint64_t val)
{
	struct fq *q = f->qsel < NQ ? &f->q[f->qsel] : NULL;
	unsigned shift;
	switch (off) {
	case 0: f->dfsel = (uint32_t)val; return;
	case 8: f->gfsel = (uint32_t)val; return;
	case 12: if (f->gfsel) f->features_hi = (uint32_t)val; else f->features_lo = (uint32_t)val; return;
	case 16: f->msix_config = (uint16_t)(val < f->enabled_vectors ? val : 0xffff); return;
	case 20:
		if (val == 0)
			reset(f);
		else if ((val & 8) && !(f->features_hi & 1))
			f->status = (uint8_t)(val & ~8u); /* no VERSION_1: refuse FEATURES_OK */
		else
			f->status = (uint8_t)val;
		return;
	case 22: f->qsel = (uint16_t)val; return;
	case 24: if (q && val && val <= QMAX && !(val & (val - 1))) q->size = (uint16_t)val; return;
	case 26: if (q) q->msix = (uint16_t)(val < f->enabled_vectors ? val : 0xffff); return;
	case 28: if (q) q->enable = (uint16_t)val; return;
	}
	if (q && off >= 32 && off < 56) {
		uint64_t *p = qfield(q, off, &shift);
		if (p)
			*p = (*p & ~(0xffffffffull << shift)) | ((val & 0xffffffff) << shift);
	}
}

static int bar_read(void *ctx, unsigned bar, uint64_t off, unsigned size, uint64_t *val)
{
	struct fvb *f = ctx;
	if (bar != BAR || off + size > BAR_SIZE)
		return -XEN_EINVAL;
	*val = 0;
	if (off < OFF_ISR) {
		*val = common_read(f, (unsigned)off);
	} else if (off == OFF_ISR) {
		*val = f->isr;
		f->isr = 0;
	} else if (off >= OFF_DEVICE && off < OFF_DEVICE + 64) {
		uint8_t cfg[64] = { 0 };
		uint32_t blk = 512, segmax = 64;
		memcpy(&cfg[0], &f->sectors, 8);
		memcpy(&cfg[12], &segmax, 4);
		memcpy(&cfg[20], &blk, 4);
		unsigned o = (unsigned)(off - OFF_DEVICE);
		if (o + size <= 64)
			memcpy(val, &cfg[o], size);
	}
	return 0;
}

static int bar_write(void *ctx, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	struct fvb *f = ctx;
	if (bar != BAR || off + size > BAR_SIZE)
		return -XEN_EINVAL;
	if (off < OFF_ISR)
		common_write(f, (unsigned)off, val);
	else if (off >= OFF_NOTIFY)
		f->notified = true;
	return 0;
}

static void *dma_page(void *ctx, uint64_t *bus)
{
	struct fvb *f = ctx;
	if (f->npages == MAX_PAGES)
		return NULL;
	void *p = aligned_alloc(VDEV_PAGE, VDEV_PAGE);
	if (!p)
		return NULL;
	memset(p, 0, VDEV_PAGE);
	*bus = BUS_BASE + (uint64_t)f->npages * VDEV_PAGE;
	f->pages[f->npages++] = p;
	return p;
}

static int irq_enable(void *ctx, unsigned nvec)
{
	struct fvb *f = ctx;
	f->enabled_vectors = nvec < f->msix_vectors ? nvec : f->msix_vectors;
	return (int)f->enabled_vectors;
}

/* Sector I/O through the write cache. */
static void write_sector(struct fvb *f, uint64_t s, const uint8_t *src)
{
	memcpy(f->cache + s * 512, src, 512);
	f->dirty[s] = 1;
	f->written[s]++;
}

static void read_sector(struct fvb *f, uint64_t s, uint8_t *dst)
{
	memcpy(dst, (f->dirty[s] ? f->cache : f->media) + s * 512, 512);
}

static void flush_cache(struct fvb *f)
{
	for (uint64_t s = 0; s < f->sectors; s++)
		if (f->dirty[s]) {
			memcpy(f->media + s * 512, f->cache + s * 512, 512);
			f->dirty[s] = 0;
		}
	f->since_flush = 0;
}

struct vdesc { uint64_t addr; uint32_t len; uint16_t flags, next; };

/* One chain: header, data, status.  Returns the bytes written to the driver. */
static uint32_t serve(struct fvb *f, struct fq *q, uint16_t head)
{
	struct vdesc *table = bus2ptr(f, q->desc, q->size * 16u);
	if (!table)
		return 0;
	struct vdesc chain[QMAX];
	unsigned n = 0;
	for (uint16_t at = head;; at = table[at].next) {
		if (at >= q->size || n == q->size)
			return 0;
		chain[n++] = table[at];
		if (!(table[at].flags & 1))
			break;
	}
	if (n < 2 || chain[0].len < 16 || chain[n - 1].len < 1 || !(chain[n - 1].flags & 2))
		return 0;
	uint8_t *hdr = bus2ptr(f, chain[0].addr, 16), *st = bus2ptr(f, chain[n - 1].addr, 1);
	if (!hdr || !st)
		return 0;
	uint32_t type;
	uint64_t sector;
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	f->req_count[type & 15]++;
	uint8_t status = 0;
	uint32_t written = 1;
	if (f->dead) {
		status = 1;
	} else if (type == 4) {
		if (f->has_flush)
			flush_cache(f);
		else
			status = 2;
	} else if (type == 0 || type == 1) {
		uint64_t total = 0;
		for (unsigned i = 1; i + 1 < n; i++)
			total += chain[i].len;
		if (total % 512 || sector > f->sectors || total / 512 > f->sectors - sector) {
			status = 1;
		} else {
			bool torn = type == 1 && f->crash_after == 0;
			uint64_t s = sector, k = 0;
			for (unsigned i = 1; i + 1 < n && !status; i++) {
				uint8_t *p = bus2ptr(f, chain[i].addr, chain[i].len);
				if (!p || chain[i].len % 512 || ((type == 0) != !!(chain[i].flags & 2))) {
					status = 1;
					break;
				}
				for (uint32_t o = 0; o < chain[i].len; o += 512, s++, k++) {
					if (type == 0) {
						read_sector(f, s, p + o);
						written += 512;
					} else if (torn) {
						if (k < f->crash_keep) { /* reaches the media itself */
							memcpy(f->media + s * 512, p + o, 512);
							f->written[s]++;
						}
					} else {
						write_sector(f, s, p + o);
					}
				}
			}
			if (type == 1 && !status) {
				f->since_flush++;
				if (torn) {
					fvb_crash(f);
					status = 1;
				} else if (f->crash_after > 0) {
					f->crash_after--;
				}
			}
		}
	} else {
		status = 2;
	}
	*st = status;
	return written;
}

static void run(struct fvb *f)
{
	if (!(f->status & 4))
		return;
	for (unsigned i = 0; i < NQ; i++) {
		struct fq *q = &f->q[i];
		if (!q->enable)
			continue;
		uint16_t *avail = bus2ptr(f, q->avail, 4 + 2u * q->size);
		uint8_t *used = bus2ptr(f, q->used, 4 + 8u * q->size);
		if (!avail || !used)
			continue;
		bool any = false;
		while (q->last_avail != __atomic_load_n(&avail[1], __ATOMIC_ACQUIRE)) {
			uint16_t head = avail[2 + (q->last_avail % q->size)];
			q->last_avail++;
			uint32_t len = serve(f, q, head);
			uint16_t uidx;
			memcpy(&uidx, used + 2, 2);
			uint32_t e[2] = { head, len };
			memcpy(used + 4 + 8 * (uidx % q->size), e, 8);
			uidx++;
			__atomic_thread_fence(__ATOMIC_RELEASE);
			memcpy(used + 2, &uidx, 2);
			any = true;
		}
		if (any) {
			if (q->msix != 0xffff)
				f->pending |= 1u << q->msix;
			else if (!f->enabled_vectors) {
				f->isr |= 1;
				f->pending |= 1;
			}
		}
	}
}

static int irq_wait(void *ctx, int timeout_ms, uint32_t *fired)
{
	struct fvb *f = ctx;
	(void)timeout_ms;
	if (!f->hold)
		run(f);
	f->notified = false;
	if (!f->pending)
		return -XEN_ETIMEDOUT;
	*fired = f->pending;
	f->pending = 0;
	return 0;
}

static const struct vdev_ops fvb_ops = { cfg_read, cfg_write, bar_read, bar_write, dma_page, irq_enable, irq_wait };

struct fvb *fvb_new(uint64_t sectors)
{
	struct fvb *f = calloc(1, sizeof(*f));
	f->sectors = sectors;
	f->media = calloc(sectors, 512);
	f->cache = calloc(sectors, 512);
	f->dirty = calloc(sectors, 1);
	f->written = calloc(sectors, sizeof(uint32_t));
	f->vdev = (struct vdev){ &fvb_ops, f };
	f->has_flush = true;
	f->msix_vectors = 3;
	f->crash_after = -1;
	build_cfg(f, 0x1042);
	reset(f);
	return f;
}

struct fvb *fvb_reboot(const struct fvb *old)
{
	struct fvb *f = fvb_new(old->sectors);
	memcpy(f->media, old->media, old->sectors * 512);
	return f;
}

void fvb_free(struct fvb *f)
{
	for (unsigned i = 0; i < f->npages; i++)
		free(f->pages[i]);
	free(f->media);
	free(f->cache);
	free(f->dirty);
	free(f->written);
	free(f);
}

struct vdev *fvb_vdev(struct fvb *f) { return &f->vdev; }
void fvb_set_flush(struct fvb *f, bool has_flush) { f->has_flush = has_flush; }
void fvb_set_msix(struct fvb *f, unsigned vectors) { f->msix_vectors = vectors; }
void fvb_set_hold(struct fvb *f, bool hold) { f->hold = hold; }
void fvb_crash_after_writes(struct fvb *f, long n, unsigned keep) { f->crash_after = n; f->crash_keep = keep; }
void fvb_set_device_id(struct fvb *f, uint16_t id) { memcpy(&f->cfg[2], &id, 2); }

void fvb_crash(struct fvb *f)
{
	memset(f->dirty, 0, f->sectors);
	f->dead = true;
}

void fvb_break_caps(struct fvb *f, int how)
{
	if (how == 1)
		f->cfg[0x88 + 1] = 0x40; /* MSI-X points back to the first */
	else if (how == 2)
		f->cfg[0x40 + 3] = 7;    /* common configuration missing */
	else if (how == 3) {
		uint32_t off = 0xfffffff0, len = 0x100;
		memcpy(&f->cfg[0x40 + 8], &off, 4); /* wraps past 4 GiB */
		memcpy(&f->cfg[0x40 + 12], &len, 4);
	}
}

uint8_t *fvb_media(struct fvb *f) { return f->media; }
const uint8_t *fvb_read_view(struct fvb *f, uint64_t s) { return (f->dirty[s] ? f->cache : f->media) + s * 512; }
unsigned long fvb_dma_faults(const struct fvb *f) { return f->dma_faults; }
unsigned long fvb_requests(const struct fvb *f, unsigned type) { return f->req_count[type & 15]; }
unsigned long fvb_writes_since_flush(const struct fvb *f) { return f->since_flush; }
uint8_t fvb_status(const struct fvb *f) { return f->status; }

unsigned long fvb_writes_in(const struct fvb *f, uint64_t lo, uint64_t hi)
{
	unsigned long n = 0;
	for (uint64_t s = lo; s < hi && s < f->sectors; s++)
		n += f->written[s];
	return n;
}
