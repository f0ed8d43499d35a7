/*
 * The physical NIC as the VFR's "nic" port: a virtio-net function driven by
 * servers/lib/virtio/virtio_net.  Frames the VFR sends to it are made plain
 * first (GSO frames cut into segments, blank checksums completed: the driver
 * asks no offloads of the device); frames the device received go to the
 * VFR.  A frame the device cannot take now (every transmit page in flight)
 * is dropped and counted by the VFR as drop_xmit.
 */
#ifndef TESSERA_NB_NIC_H
#define TESSERA_NB_NIC_H

#include "netback.h"
#include "virtio_net.h"

struct nb_nic {
    struct vnet vn;
    struct nb *nb;
    uint8_t *scratch;
};

/* Bring the function up and add the "nic" port.  0 or -errno. */
int nb_nic_init(struct nb_nic *n, struct nb *b, struct vdev *d, uint64_t now_ns);
/* The nb_env.nic_xmit of netback (nic_ctx = the struct nb_nic). */
int nb_nic_xmit(void *nic_ctx, const uint8_t *f, size_t len, const struct nb_meta *m);
/* Reclaim and receive what the device finished; the frames received. */
unsigned nb_nic_poll(struct nb_nic *n);

#endif
