/* The fake virtio-blk function of the host tests (see fake_vblk.h): the
 * disk and its write cache on the fake virtio-PCI transport
 * (servers/lib/virtio/tests/fake_vpci.c). */
#include "fake_vblk.h"
#include "fake_vpci.h"
#include <stdlib.h>
#include <string.h>

#define QMAX 128

struct fvb {
    struct fvp *pci;
    uint64_t sectors;
    uint8_t *media, *cache, *dirty; /* cache holds sectors whose dirty byte is set */
    uint32_t *written, *discarded;
    uint32_t max_discard; /* VIRTIO_BLK_F_DISCARD offered when not 0 */
    uint8_t cfg[64];      /* the device configuration */
    bool hold, has_flush, dead;
    long crash_after; /* -1: never */
    unsigned crash_keep;
    unsigned long req_count[16], since_flush;
};

/* VERSION_1, ACCESS_PLATFORM, SEG_MAX, BLK_SIZE, and FLUSH and DISCARD when
 * offered. */
static void set_features(struct fvb *f)
{
    fvp_set_features(f->pci, (1ull << 32) | (1ull << 33) | (1ull << 6) | (1ull << 2) |
                                 (f->has_flush ? 1ull << 9 : 0) | (f->max_discard ? 1ull << 13 : 0));
}

/* A discard: header, ranges of 16 bytes (sector, sectors, flags), status.
 * The sectors read as zeros afterwards (like a sparse image). */
static uint8_t discard(struct fvb *f, struct fvp_buf *chain, unsigned n)
{
    if (!f->max_discard) return 2;
    if (n != 3 || !chain[1].p || chain[1].device_writes || !chain[1].len || chain[1].len % 16) return 1;
    for (uint32_t o = 0; o < chain[1].len; o += 16) {
        uint64_t s;
        uint32_t k, flags;
        memcpy(&s, chain[1].p + o, 8);
        memcpy(&k, chain[1].p + o + 8, 4);
        memcpy(&flags, chain[1].p + o + 12, 4);
        if (flags || !k || k > f->max_discard || s > f->sectors || k > f->sectors - s) return 1;
    }
    for (uint32_t o = 0; o < chain[1].len; o += 16) {
        uint64_t s;
        uint32_t k;
        memcpy(&s, chain[1].p + o, 8);
        memcpy(&k, chain[1].p + o + 8, 4);
        memset(f->media + s * 512, 0, (size_t)k * 512);
        memset(f->dirty + s, 0, k);
        for (uint32_t i = 0; i < k; i++)
            f->discarded[s + i]++;
    }
    return 0;
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

/* One chain: header, data, status.  Returns the bytes written to the driver. */
static uint32_t serve(struct fvb *f, struct fvp_buf *chain, unsigned n)
{
    if (n < 2 || chain[0].len < 16 || chain[n - 1].len < 1 || !chain[n - 1].device_writes) return 0;
    uint8_t *hdr = chain[0].p, *st = chain[n - 1].p;
    if (!hdr || !st) return 0;
    uint32_t type;
    uint64_t sector;
    memcpy(&type, hdr, 4);
    memcpy(&sector, hdr + 8, 8);
    f->req_count[type & 15]++;
    uint8_t status = 0;
    uint32_t written = 1;
    if (f->dead) {
        status = 1;
    } else if (type == 11) {
        status = discard(f, chain, n);
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
                uint8_t *p = chain[i].p;
                if (!p || chain[i].len % 512 || ((type == 0) != chain[i].device_writes)) {
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

static void run(void *ctx)
{
    struct fvb *f = ctx;
    struct fvp_buf b[FVP_MAX_CHAIN];
    unsigned n;
    int head;
    while (!f->hold && (head = fvp_next(f->pci, 0, b, &n)) >= 0)
        fvp_complete(f->pci, 0, (unsigned)head, serve(f, b, n));
}

struct fvb *fvb_new(uint64_t sectors)
{
    struct fvb *f = calloc(1, sizeof(*f));
    f->sectors = sectors;
    f->media = calloc(sectors, 512);
    f->cache = calloc(sectors, 512);
    f->dirty = calloc(sectors, 1);
    f->written = calloc(sectors, sizeof(uint32_t));
    f->discarded = calloc(sectors, sizeof(uint32_t));
    f->has_flush = true;
    f->crash_after = -1;
    f->pci = fvp_new(0x1042, 0, 1, run, f);
    set_features(f);
    fvp_set_msix(f->pci, 3);
    fvp_set_queue_max(f->pci, QMAX);
    uint32_t blk = 512, segmax = 64;
    memcpy(&f->cfg[0], &sectors, 8);
    memcpy(&f->cfg[12], &segmax, 4);
    memcpy(&f->cfg[20], &blk, 4);
    fvp_set_devcfg(f->pci, f->cfg, sizeof(f->cfg));
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
    fvp_free(f->pci);
    free(f->media);
    free(f->cache);
    free(f->dirty);
    free(f->written);
    free(f->discarded);
    free(f);
}

struct vdev *fvb_vdev(struct fvb *f) { return fvp_vdev(f->pci); }
void fvb_set_flush(struct fvb *f, bool has_flush)
{
    f->has_flush = has_flush;
    set_features(f);
}
void fvb_set_discard(struct fvb *f, uint32_t max_sectors, uint32_t align)
{
    f->max_discard = max_sectors;
    uint32_t one = 1;
    memcpy(&f->cfg[36], &max_sectors, 4);
    memcpy(&f->cfg[40], &one, 4);
    memcpy(&f->cfg[44], &align, 4);
    fvp_set_devcfg(f->pci, f->cfg, sizeof(f->cfg));
    set_features(f);
}
void fvb_set_msix(struct fvb *f, unsigned vectors) { fvp_set_msix(f->pci, vectors); }
void fvb_set_hold(struct fvb *f, bool hold) { f->hold = hold; }
void fvb_crash_after_writes(struct fvb *f, long n, unsigned keep)
{
    f->crash_after = n;
    f->crash_keep = keep;
}
void fvb_set_device_id(struct fvb *f, uint16_t id) { memcpy(&fvp_config(f->pci)[2], &id, 2); }

void fvb_crash(struct fvb *f)
{
    memset(f->dirty, 0, f->sectors);
    f->dead = true;
}

void fvb_break_caps(struct fvb *f, int how)
{
    uint8_t *cfg = fvp_config(f->pci);
    if (how == 1)
        cfg[0x88 + 1] = 0x40; /* MSI-X points back to the first */
    else if (how == 2)
        cfg[0x40 + 3] = 7; /* common configuration missing */
    else if (how == 3) {
        uint32_t off = 0xfffffff0, len = 0x100;
        memcpy(&cfg[0x40 + 8], &off, 4); /* wraps past 4 GiB */
        memcpy(&cfg[0x40 + 12], &len, 4);
    }
}

uint8_t *fvb_media(struct fvb *f) { return f->media; }
const uint8_t *fvb_read_view(struct fvb *f, uint64_t s)
{
    return (f->dirty[s] ? f->cache : f->media) + s * 512;
}
unsigned long fvb_dma_faults(const struct fvb *f) { return fvp_dma_faults(f->pci); }
unsigned long fvb_requests(const struct fvb *f, unsigned type) { return f->req_count[type & 15]; }
unsigned long fvb_writes_since_flush(const struct fvb *f) { return f->since_flush; }
uint8_t fvb_status(const struct fvb *f) { return fvp_status(f->pci); }

unsigned long fvb_writes_in(const struct fvb *f, uint64_t lo, uint64_t hi)
{
    unsigned long n = 0;
    for (uint64_t s = lo; s < hi && s < f->sectors; s++)
        n += f->written[s];
    return n;
}

unsigned long fvb_discards_in(const struct fvb *f, uint64_t lo, uint64_t hi)
{
    unsigned long n = 0;
    for (uint64_t s = lo; s < hi && s < f->sectors; s++)
        n += f->discarded[s];
    return n;
}
