/*
 * A fake virtio-blk PCI function for host tests: config space with virtio's
 * vendor capabilities and MSI-X, a BAR with the common configuration, ISR,
 * device configuration and notification regions, "DMA" pages with made-up bus
 * addresses that the device translates like an IOMMU (anything else is a DMA
 * fault, counted), and a disk with a volatile write cache: completed writes
 * sit in the cache until a flush, and fvb_crash() drops it (a power cut).
 * The device works when the driver waits for an interrupt, so a request is
 * never complete before the driver asked for completions.
 */
#ifndef FAKE_VBLK_H
#define FAKE_VBLK_H

#include "vdev.h"

struct fvb;

struct fvb *fvb_new(uint64_t sectors);
/* A device whose media is a copy of another's durable contents (a reboot
 * after fvb_crash). */
struct fvb *fvb_reboot(const struct fvb *old);
void fvb_free(struct fvb *f);
struct vdev *fvb_vdev(struct fvb *f);

/* Knobs. */
void fvb_set_flush(struct fvb *f, bool has_flush);  /* VIRTIO_BLK_F_FLUSH offered */
void fvb_set_msix(struct fvb *f, unsigned vectors); /* 0: INTx */
/* VIRTIO_BLK_F_DISCARD with these limits (before the driver's init). */
void fvb_set_discard(struct fvb *f, uint32_t max_sectors, uint32_t align);
void fvb_set_hold(struct fvb *f, bool hold); /* don't complete anything yet */
/* After n more completed writes, the next write is torn (only its first
 * `keep` sectors reach the media) and the device dies (no further I/O). */
void fvb_crash_after_writes(struct fvb *f, long n, unsigned keep);
void fvb_crash(struct fvb *f);               /* drop the write cache, die */
void fvb_break_caps(struct fvb *f, int how); /* 1: loop, 2: no common cfg, 3: BAR off range */
void fvb_set_device_id(struct fvb *f, uint16_t id);

/* Inspection. */
uint8_t *fvb_media(struct fvb *f);                            /* durable bytes */
const uint8_t *fvb_read_view(struct fvb *f, uint64_t sector); /* what a read returns now */
unsigned long fvb_dma_faults(const struct fvb *f);
unsigned long fvb_requests(const struct fvb *f, unsigned type);
unsigned long fvb_writes_since_flush(const struct fvb *f);
uint8_t fvb_status(const struct fvb *f);
/* Sector writes to [lo, hi) since creation (for "no request reached outside
 * its VBD" checks). */
unsigned long fvb_writes_in(const struct fvb *f, uint64_t lo, uint64_t hi);
/* Sectors discarded in [lo, hi) (each time counted). */
unsigned long fvb_discards_in(const struct fvb *f, uint64_t lo, uint64_t hi);

#endif
