/*
 * xenbus_be: the xenstore side of a split-driver backend, as Linux's
 * xenbus backend core does it.  It watches the backend directory
 * /local/domain/<self>/backend/<type>/<frontend domid>/<devid> (written by
 * the toolstack), and for each device:
 *   - probe: the device's nodes are read (frontend, frontend-id, and what
 *     the driver wants: params, mode ...); the driver attaches and writes its
 *     feature nodes; hotplug-status = "connected" (there are no hotplug
 *     scripts: the backend itself is the hotplug step) and state InitWait;
 *     a refusal writes hotplug-status = "error", hotplug-error and
 *     state Closed;
 *   - the frontend's state is watched: Initialised or Connected -> connect
 *     (the driver maps rings) -> Connected; Closing -> disconnect ->
 *     Closing; Closed -> Closed (and InitWait again if the frontend comes
 *     back with Initialising);
 *   - the backend directory removed -> disconnect, remove.
 * Everything read from xenstore is the toolstack's or the frontend's and is
 * checked (ids in range, paths of bounded length, states known).
 */
#ifndef TESSERA_XENBUS_BE_H
#define TESSERA_XENBUS_BE_H

#include <stdbool.h>
#include <stdint.h>
#include "xsclient.h"

#define XBE_MAX_DEVS 32
#define XBE_PATH     160

struct xbe_dev {
    bool used;
    uint16_t fe_domid;
    uint32_t devid;
    char be[XBE_PATH];   /* backend directory */
    char fe[XBE_PATH];   /* frontend directory (its "frontend" node) */
    int state, fe_state; /* XenbusState */
    bool probed, connected;
    void *priv; /* the driver's */
};

struct xbe;
struct xbe_wq;
struct xbe_ops {
    /* Attach (read the device's nodes, write features).  0 or -errno;
     * *why gets a message for hotplug-error. */
    int (*probe)(struct xbe *x, struct xbe_dev *d, const char **why);
    /* The frontend is ready: read its nodes, map rings.  0 or -errno. */
    int (*connect)(struct xbe *x, struct xbe_dev *d);
    void (*disconnect)(struct xbe *x, struct xbe_dev *d);
    void (*remove)(struct xbe *x, struct xbe_dev *d);
};

struct xbe {
    struct xsc *xs;
    uint16_t self;
    char base[64]; /* /local/domain/<self>/backend/<type> */
    const struct xbe_ops *ops;
    void *ctx;
    /* Set by a backend whose connect can take over rings in use: a device
     * found Connected at both ends (the backend restarted under a connected
     * frontend) is connected again without a handshake, its state untouched. */
    bool resume;
    struct xbe_dev dev[XBE_MAX_DEVS];
    /* While a device is probed: its writes, sent in one batch at the end,
     * or dropped when it is resumed (xenbus_be.c). */
    struct xbe_wq *wq;
};

/* Watch the backend directory.  0 or -errno. */
int xbe_init(struct xbe *x, struct xsc *xs, uint16_t self, const char *type, const struct xbe_ops *ops,
             void *ctx);
/* A watch event from xsc_next_event: true if it was ours (handled). */
bool xbe_event(struct xbe *x, const char *path, const char *token);
/* Re-read everything (start of day, and after any event of the directory). */
void xbe_scan(struct xbe *x);

/* Node helpers for drivers: dir/node.  read: 0 or -errno (*val malloc'd). */
int xbe_read(struct xbe *x, const char *dir, const char *node, char **val);
/* An unsigned number (decimal); -EINVAL if not one or above max. */
int xbe_read_uint(struct xbe *x, const char *dir, const char *node, unsigned long max, unsigned long *out);
int xbe_printf(struct xbe *x, const char *dir, const char *node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int xbe_switch(struct xbe *x, struct xbe_dev *d, int state);

#endif
