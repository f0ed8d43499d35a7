/*
 * netback's xenbus driver: a vif device in xenstore becomes an nb_vif on a
 * VFR port.  probe reads what the toolstack wrote under the backend
 * directory (Xen's mac, ip, rate; and ours: rate-pps, rx-rate, rx-rate-pps,
 * antispoof, see docs/netback.md), adds the VFR port vif<domid>.<devid>,
 * and writes what netfront reads (feature-rx-copy, feature-sg,
 * feature-gso-tcpv4/v6, feature-ipv6-csum-offload,
 * feature-split-event-channels, multi-queue-max-queues); connect reads the
 * frontend's features and rings (tx-ring-ref, rx-ring-ref, event-channel
 * or event-channel-tx/-rx, per queue-N with multi-queue-num-queues), maps
 * the rings and binds the channels through struct xd_host.
 */
#ifndef TESSERA_NETBACK_XB_H
#define TESSERA_NETBACK_XB_H

#include "netback.h"
#include "xenbus_be.h"

struct nbx {
    struct xbe xbe;
    struct nb *nb;
    struct xd_host host;
    unsigned max_queues;
};

int nbx_init(struct nbx *x, struct xsc *xs, uint16_t self, struct nb *nb, const struct xd_host *host,
             unsigned max_queues);
/* Serve every connected vif once; true if any did work.  A vif found
 * broken is closed (state Closing) and logged. */
bool nbx_run(struct nbx *x);
/* The main loop's work between two waits: passes of pass(ctx) (every
 * vif's rings, the NIC) until one finds nothing to do, at most
 * NB_ROUND_PASSES so that xenstore and the console get their turn.  The
 * timeout of the wait that follows: -1 (until an event) only after an idle
 * pass, which left each ring's req_event set so that its frontend's next
 * request notifies; 0 after a busy one, whose rings may hold requests no
 * event will announce (req_event is set only by a pass that finds a ring
 * empty). */
#define NB_ROUND_PASSES 64
int nb_round(bool (*pass)(void *ctx), void *ctx);
/* Parse a vif's port configuration from its backend nodes (name, mac, ip,
 * rates).  0, or -EINVAL with *why. */
int nbx_port_cfg(struct xbe *x, const struct xbe_dev *d, struct vfr_port_cfg *c, const char **why);

#endif
