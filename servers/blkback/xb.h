/*
 * blkback's xenbus driver: a vbd device in xenstore becomes a bb_dev.
 * probe attaches the VBD named by the backend's "params" node (xl's
 * target=NAME) read-write or read-only by "mode" ("w"/"r") and writes what
 * blkfront reads (feature-flush-cache, feature-max-indirect-segments,
 * multi-queue-max-queues, sectors, info, sector-size,
 * physical-sector-size); connect maps the frontend's rings (ring-ref and
 * event-channel, or queue-N/... with multi-queue-num-queues) and binds
 * their event channels.  Ring mapping and event channels go through
 * struct xd_host (the runtime's gntdev and evtchn devices, or fakes).
 */
#ifndef TESSERA_BLKBACK_XB_H
#define TESSERA_BLKBACK_XB_H

#include "blkback.h"
#include "xenbus_be.h"

struct xb {
    struct xbe xbe;
    struct bb *bb;
    struct vbd_map *map;
    struct xd_host host;
    struct bb_dev *devs[XBE_MAX_DEVS];
    unsigned max_queues;
    /* Maps a ring of n pages (xd_map_rings); NULL: one-page rings only
     * (max-ring-page-order not offered). */
    void *(*map_rings)(void *ctx, uint16_t domid, const uint32_t *grefs, unsigned n);
};

int xb_init(struct xb *b, struct xsc *xs, uint16_t self, struct bb *bb, struct vbd_map *map,
            const struct xd_host *host, unsigned max_queues);
/* Serve every connected queue once; true if any took requests. */
bool xb_run(struct xb *b);
/* v grew: each device attached to it gets its new "sectors" (and a
 * connected frontend a nudge to read it). */
void xb_resized(struct xb *b, const struct vbd *v);
/* The queue bound to local port (an event), or NULL. */
struct bb_queue *xb_queue_of_port(struct xb *b, unsigned port);

#endif
