/*
 * dmaprobe: a driver domain's program that makes its assigned virtio
 * function DMA where the domain has no memory, to show the IOMMU confines
 * it (issue 15; a service-runtime program, the same transport the drivers
 * use).  Arguments: SBDF QUEUE [ADDR...] (hex bus addresses).  For each
 * probe it resets the device, sets up queue QUEUE (1: virtio-net's
 * transmit queue, 0: virtio-blk's request queue), puts one 64-byte
 * device-readable buffer on it and kicks: first in a page of its own
 * (the device must complete it: "dmaprobe: own page: completed"), then at
 * each ADDR ("dmaprobe: expect-dma-fault read ADDR"; the device must not
 * complete it, and the core logs the IOMMU's fault).  Ends with
 * "dmaprobe: done".
 */
#include "vdev_file.h"
#include "virtio_pci.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct vdev_file vf = { .fd = -1 };

/* One buffer at bus on queue qi of a freshly reset device: 1 when the
 * device completed it within 2 s, 0 when not, <0 when the setup failed. */
static int probe(unsigned qi, uint64_t bus)
{
    static struct vpci p;
    static struct virtq q;
    int rc = vpci_probe(&p, &vf.vdev);
    if (rc < 0) return rc;
    if ((rc = vpci_start(&p, 0)) || (rc = vpci_queue(&p, &q, qi, 16)) || (rc = vpci_driver_ok(&p))) return rc;
    struct virtq_buf b = { bus, 64, false };
    if ((rc = virtq_add(&q, &b, 1, &q))) return rc;
    vpci_kick(&p, &q);
    for (int i = 0; i < 20; i++) {
        uint32_t len;
        if (virtq_get(&q, &len)) return 1;
        struct timespec t = { 0, 100000000 };
        nanosleep(&t, NULL); /* no interrupts: each probe resets the device */
    }
    vpci_reset(&p);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3) {
        printf("dmaprobe: usage: dmaprobe SBDF QUEUE [ADDR...]\n");
        return 2;
    }
    int rc = vdev_file_open(&vf, argv[1]);
    if (rc) {
        printf("dmaprobe: %s: cannot open the function (%d)\n", argv[1], rc);
        return 1;
    }
    unsigned qi = (unsigned)atoi(argv[2]);
    uint64_t own;
    uint8_t *page = vf.vdev.ops->dma_page(vf.vdev.ctx, &own);
    if (!page) {
        printf("dmaprobe: no DMA page\n");
        return 1;
    }
    /* a frame the device can send (net) or a request it can refuse (blk) */
    memset(page, 0, 64);
    memset(page + 12, 0xff, 6);
    rc = probe(qi, own);
    printf("dmaprobe: own page: %s\n", rc == 1 ? "completed" : rc == 0 ? "not completed" : "setup failed");
    for (int i = 3; i < argc; i++) {
        uint64_t a = strtoull(argv[i], NULL, 16);
        printf("dmaprobe: expect-dma-fault read %llx\n", (unsigned long long)a);
        rc = probe(qi, a);
        printf("dmaprobe: %llx: %s\n", (unsigned long long)a,
               rc == 1   ? "completed"
               : rc == 0 ? "not completed"
                         : "setup failed");
    }
    printf("dmaprobe: done\n");
    return 0;
}
