/*
 * dma-probe: blkback's console command for the DMA-confinement test run from
 * the driver domain itself (suite 62-blkback-hostile).  It aims blkback's own
 * virtio-blk device at memory with a read of 8 sectors of the disk (a copy of
 * the VBD map, which is never all zero), so the device writes 4 KiB to:
 *   own   one of blkback's DMA pages: allowed, the data must arrive;
 *   pt    the page-table frame (L1) that maps that page, whose address and a
 *         copy the runtime's TPCI_PT_FRAME gives: the IOMMU must block the
 *         write, and the frame is compared with the copy byte for byte;
 *   ADDR  any machine address (hex): another domain's frame, the
 *         hypervisor's memory: blocked; its owner checks it.
 * The core logs each blocked write ("iommu: DMA fault: device ... write ADDR").
 * The device completes a request whose write was blocked normally (QEMU drops
 * the data), so blkback carries on serving.
 */
#include "dma_probe.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <xen/errno.h>

static void *own;
static uint64_t own_bus, sector = VBD_COPY0;

static bool zero(const uint8_t *p)
{
    for (unsigned i = 0; i < 4096; i++)
        if (p[i]) return false;
    return true;
}

/* Read the 8 sectors into bus address bus: the device's status. */
static int read_into(struct vblk *blk, uint64_t bus)
{
    struct virtq_buf b = { bus, 4096, false };
    struct vblk_req r = { .type = VBLK_T_IN, .sector = sector, .nbuf = 1, .buf = &b };
    return vblk_sync(blk, &r, 30000);
}

/* The first time: a DMA page of our own, and the map copy that is not all
 * zero read into it (the device path works and has data to write).  The
 * device's status, or -XEN_ENOMEM. */
static int setup(struct vblk *blk)
{
    static int st = 1;
    if (st <= 0) return st;
    if (!own && !(own = blk->pci.dev->ops->dma_page(blk->pci.dev->ctx, &own_bus))) return -XEN_ENOMEM;
    for (sector = VBD_COPY0; sector <= VBD_COPY1; sector += VBD_COPY1 - VBD_COPY0) {
        memset(own, 0, 4096);
        if ((st = read_into(blk, own_bus)) || !zero(own)) break;
    }
    return st;
}

void dma_probe(struct vblk *blk, struct vdev_file *vf, const char *arg, char *out, size_t cap)
{
    static uint8_t before[4096], after[4096];
    arg += strspn(arg, " \t");
    int st = setup(blk);
    if (st == -XEN_ENOMEM) {
        snprintf(out, cap, "dma-probe: error: no DMA page");
    } else if (!strcmp(arg, "own")) {
        snprintf(out, cap, "dma-probe: own page %llx: status %d, %s", (unsigned long long)own_bus, st,
                 zero(own) ? "nothing arrived" : "the map copy arrived");
    } else if (!strcmp(arg, "pt")) {
        struct tpci_pt t = { (uint64_t)(uintptr_t)own, 0, (uint64_t)(uintptr_t)before };
        if (ioctl(vf->fd, TPCI_PT_FRAME, &t)) {
            snprintf(out, cap, "dma-probe: error: TPCI_PT_FRAME failed");
            return;
        }
        st = read_into(blk, t.bus);
        struct tpci_pt t2 = { t.va, 0, (uint64_t)(uintptr_t)after };
        int rc = ioctl(vf->fd, TPCI_PT_FRAME, &t2);
        snprintf(out, cap, "dma-probe: L1 frame %llx: status %d, %s", (unsigned long long)t.bus, st,
                 rc || t2.bus != t.bus         ? "cannot read it again"
                 : memcmp(before, after, 4096) ? "the frame CHANGED"
                                               : "the frame is unchanged");
    } else {
        char *end;
        unsigned long long a = strtoull(arg, &end, 16);
        if (!*arg || *end || (a & 4095))
            snprintf(out, cap, "dma-probe: error: usage: dma-probe own|pt|ADDR (hex, page-aligned)");
        else
            snprintf(out, cap, "dma-probe: %llx: status %d", a, read_into(blk, a));
    }
}
