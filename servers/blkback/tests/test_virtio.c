/* The virtio-PCI transport, split virtqueues and virtio-blk against the fake
 * device. */
#include "t.h"
#include "fake_vblk.h"
#include "virtio_blk.h"
#include <stdlib.h>
#include <string.h>
#include <xen/errno.h>

struct io {
    uint8_t *page;
    uint64_t bus;
};

static struct io page(struct vdev *d)
{
    struct io io;
    io.page = d->ops->dma_page(d->ctx, &io.bus);
    return io;
}

struct done_rec {
    int calls, status;
};
static void rec_done(struct vblk_req *r, int status)
{
    struct done_rec *d = r->priv;
    d->calls++;
    d->status = status;
}

static void probe_tests(void)
{
    struct fvb *f = fvb_new(2048);
    struct vpci v;
    CHECK(vpci_probe(&v, fvb_vdev(f)) == 2, "probe: a modern virtio-blk function is type 2");
    CHECK(v.common.present && v.notify.present && v.isr.present && v.device.present && v.notify_mult == 4 &&
              v.msix_size == 3,
          "probe: common, notify (multiplier 4), ISR, device regions and 3 MSI-X entries found");
    CHECK(vpci_start(&v, 0) == 0 && (v.features >> 32 & 3) == 3,
          "negotiation takes VERSION_1 and ACCESS_PLATFORM");
    fvb_free(f);

    f = fvb_new(2048);
    fvb_break_caps(f, 1);
    CHECK(vpci_probe(&v, fvb_vdev(f)) == 2, "a capability list that loops ends (bounded walk)");
    fvb_free(f);
    f = fvb_new(2048);
    fvb_break_caps(f, 2);
    CHECK(vpci_probe(&v, fvb_vdev(f)) == -XEN_ENODEV, "no common configuration: -ENODEV");
    fvb_free(f);
    f = fvb_new(2048);
    fvb_break_caps(f, 3);
    CHECK(vpci_probe(&v, fvb_vdev(f)) == -XEN_ENODEV, "a region wrapping past 4 GiB is refused: -ENODEV");
    fvb_free(f);
    f = fvb_new(2048);
    fvb_set_device_id(f, 0x1041);
    struct vblk b;
    CHECK(vblk_init(&b, fvb_vdev(f), 64) == -XEN_ENODEV, "vblk_init on a virtio-net function: -ENODEV");
    fvb_free(f);
    f = fvb_new(2048);
    fvb_set_device_id(f, 0x8086);
    CHECK(vpci_probe(&v, fvb_vdev(f)) == -XEN_ENODEV, "a non-virtio device id: -ENODEV");
    fvb_free(f);
}

static void io_tests(unsigned msix)
{
    struct fvb *f = fvb_new(4096);
    fvb_set_msix(f, msix);
    struct vdev *d = fvb_vdev(f);
    struct vblk b;
    int rc = vblk_init(&b, d, 64);
    CHECK(rc == 0 && b.capacity == 4096 && b.flush && b.q.size == 64 && b.max_bufs == 62 &&
              b.pci.nvec == (msix ? 2 : 0),
          "vblk_init (%s): 4096 sectors, flush, 64 entries, %u vectors", msix ? "MSI-X" : "INTx",
          msix ? 2 : 0);
    struct io a = page(d), c = page(d);
    for (int i = 0; i < 4096; i++)
        a.page[i] = (uint8_t)(i * 7 + 1);
    struct virtq_buf wb[2] = { { a.bus, 2048, false }, { a.bus + 2048, 2048, false } };
    struct done_rec dr = { 0, 1 };
    struct vblk_req w = {
        .type = VBLK_T_OUT, .sector = 100, .nbuf = 2, .buf = wb, .done = rec_done, .priv = &dr
    };
    CHECK(vblk_sync(&b, &w, 100) == 0 && dr.calls == 0, "write of 8 sectors in two buffers completes");
    CHECK(memcmp(fvb_read_view(f, 100), a.page, 512) == 0 && fvb_media(f)[100 * 512] == 0,
          "the write sits in the device's cache, not yet on the media");
    struct virtq_buf rb = { c.bus, 4096, true };
    struct vblk_req r = {
        .type = VBLK_T_IN, .sector = 100, .nbuf = 1, .buf = &rb, .done = rec_done, .priv = &dr
    };
    CHECK(vblk_sync(&b, &r, 100) == 0 && memcmp(a.page, c.page, 4096) == 0,
          "read back equals what was written");
    struct vblk_req fl = { .type = VBLK_T_FLUSH, .done = rec_done, .priv = &dr };
    CHECK(vblk_sync(&b, &fl, 100) == 0 && memcmp(fvb_media(f) + 100 * 512, a.page, 4096) == 0,
          "a flush puts the written sectors on the media");
    /* Out of range and malformed requests never reach the device. */
    unsigned long before = fvb_requests(f, 1);
    struct vblk_req bad = {
        .type = VBLK_T_OUT, .sector = 4095, .nbuf = 1, .buf = &rb, .done = rec_done, .priv = &dr
    };
    CHECK(vblk_submit(&b, &bad) == -XEN_EINVAL, "a write past the end: -EINVAL");
    bad.sector = ~0ull - 1;
    CHECK(vblk_submit(&b, &bad) == -XEN_EINVAL, "a sector number that overflows: -EINVAL");
    struct virtq_buf odd = { c.bus, 100, true };
    bad = (struct vblk_req){
        .type = VBLK_T_IN, .sector = 0, .nbuf = 1, .buf = &odd, .done = rec_done, .priv = &dr
    };
    CHECK(vblk_submit(&b, &bad) == -XEN_EINVAL, "a length that is not whole sectors: -EINVAL");
    bad = (struct vblk_req){ .type = 77, .nbuf = 1, .buf = &rb, .done = rec_done, .priv = &dr };
    CHECK(vblk_submit(&b, &bad) == -XEN_EINVAL, "an unknown request type: -EINVAL");
    bad = (struct vblk_req){ .type = VBLK_T_IN, .nbuf = 63, .buf = &rb, .done = rec_done, .priv = &dr };
    CHECK(vblk_submit(&b, &bad) == -XEN_E2BIG, "more buffers than the queue takes: -E2BIG");
    CHECK(fvb_requests(f, 1) == before && fvb_dma_faults(f) == 0,
          "none of them reached the device; no DMA fault");

    /* Completion only when the device completes. */
    fvb_set_hold(f, true);
    struct done_rec h = { 0, 1 };
    struct vblk_req w2 = {
        .type = VBLK_T_OUT, .sector = 8, .nbuf = 2, .buf = wb, .done = rec_done, .priv = &h
    };
    CHECK(vblk_submit(&b, &w2) == 0, "submit with the device holding");
    vblk_wait(&b, 0);
    vblk_poll(&b);
    CHECK(h.calls == 0, "not done while the device has not completed it");
    fvb_set_hold(f, false);
    vblk_wait(&b, 0);
    CHECK(h.calls == 1 && h.status == 0, "done once the device completed it");

    /* Fill the queue: 32 two-descriptor... four-descriptor chains use 64. */
    struct done_rec many = { 0, 0 };
    struct vblk_req reqs[20];
    int ok = 0, full = 0;
    fvb_set_hold(f, true);
    for (int i = 0; i < 20; i++) {
        reqs[i] = (struct vblk_req){ .type = VBLK_T_OUT,
                                     .sector = (uint64_t)i * 8,
                                     .nbuf = 2,
                                     .buf = wb,
                                     .done = rec_done,
                                     .priv = &many };
        int s = vblk_submit(&b, &reqs[i]);
        ok += s == 0;
        full += s == -XEN_ENOSPC;
    }
    CHECK(ok == 16 && full == 4, "a 64-entry queue holds 16 four-buffer chains, then -ENOSPC (%d, %d)", ok,
          full);
    fvb_set_hold(f, false);
    vblk_wait(&b, 0);
    CHECK(many.calls == 16 && virtq_in_flight(&b.q) == 0, "all 16 complete; the queue is empty again");

    /* A device that puts garbage in the used ring. */
    uint16_t *used = b.q.used;
    uint32_t *elem = (uint32_t *)(used + 2);
    elem[2 * (b.q.last_used % b.q.size)] = 999;
    elem[2 * ((b.q.last_used + 1) % b.q.size)] = 3; /* not in flight */
    used[1] = (uint16_t)(b.q.last_used + 2);
    CHECK(vblk_poll(&b) == 0 && b.q.bad_used == 2 && b.q.num_free == 64,
          "used entries with a wild id or one not in flight are ignored and counted");
    fvb_free(f);
}

static void flush_less(void)
{
    struct fvb *f = fvb_new(1024);
    fvb_set_flush(f, false);
    struct vblk b;
    CHECK(vblk_init(&b, fvb_vdev(f), 16) == 0 && !b.flush, "a device without VIRTIO_BLK_F_FLUSH");
    struct vblk_req fl = { .type = VBLK_T_FLUSH, .done = rec_done };
    CHECK(vblk_submit(&b, &fl) == -XEN_EOPNOTSUPP, "flush on it: -EOPNOTSUPP");
    fvb_free(f);
}

static void dead_device(void)
{
    struct fvb *f = fvb_new(1024);
    struct vblk b;
    vblk_init(&b, fvb_vdev(f), 16);
    struct io a = page(fvb_vdev(f));
    struct virtq_buf wb = { a.bus, 512, false };
    fvb_set_hold(f, true);
    struct done_rec other = { 0, 0 };
    struct vblk_req o = {
        .type = VBLK_T_OUT, .sector = 1, .nbuf = 1, .buf = &wb, .done = rec_done, .priv = &other
    };
    vblk_submit(&b, &o);
    struct vblk_req w = { .type = VBLK_T_OUT, .sector = 0, .nbuf = 1, .buf = &wb, .done = rec_done };
    CHECK(vblk_sync(&b, &w, 0) == -XEN_ETIMEDOUT && b.dead,
          "a device that never completes: -ETIMEDOUT, driver stops");
    CHECK(other.calls == 1 && other.status == -XEN_EIO, "the other request in flight fails with -EIO");
    CHECK(vblk_submit(&b, &w) == -XEN_EIO, "later requests fail with -EIO");
    fvb_free(f);
}

void test_virtio(void)
{
    probe_tests();
    io_tests(3);
    io_tests(0);
    flush_less();
    dead_device();
}
