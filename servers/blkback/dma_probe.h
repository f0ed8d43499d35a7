/* dma-probe: blkback's console command that aims its own device's DMA at
 * memory, for the DMA-confinement test (see dma_probe.c). */
#ifndef TESSERA_BLKBACK_DMA_PROBE_H
#define TESSERA_BLKBACK_DMA_PROBE_H

#include "vbd.h"
#include "vdev_file.h"
#include "virtio_blk.h"

/* arg: "own", "pt" or a hex machine address; one line of answer into out. */
void dma_probe(struct vblk *blk, struct vdev_file *vf, const char *arg, char *out, size_t cap);

#endif
