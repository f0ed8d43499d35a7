/*
 * xenbus_fe: the xenstore side of a split-driver frontend, as Linux's
 * xenbus frontend core does it, over the xenstore client (xsclient): the
 * device directory device/<type>/<devid> of the domain (written by the
 * toolstack), its backend's directory and id read and checked, the
 * frontend's nodes written, its state switched, and the backend's state
 * waited for.  Everything read is the toolstack's or the backend's and is
 * checked (ids in range, paths of bounded length and the right shape,
 * numbers that are numbers); a refusal leaves a message in err.
 */
#ifndef TESSERA_XENBUS_FE_H
#define TESSERA_XENBUS_FE_H

#include <stdbool.h>
#include <stdint.h>
#include "xsclient.h"

#define XFE_PATH 128

struct xfe {
    struct xsc *xs;
    char fe[XFE_PATH]; /* /local/domain/<self>/device/<type>/<devid> */
    char be[XFE_PATH]; /* its "backend" node */
    uint16_t be_id;    /* its "backend-id" node */
    char err[512];     /* why the last call failed */
};

/* Open device/<type>/<devid> of domain self: read backend and backend-id.
 * 0, or -errno with f->err set. */
int xfe_open(struct xfe *f, struct xsc *xs, uint16_t self, const char *type, unsigned devid);
/* dir/node into buf (cap bytes, NUL-terminated); -E2BIG if longer. dir is
 * f->fe or f->be. */
int xfe_read(struct xfe *f, const char *dir, const char *node, char *buf, size_t cap);
/* An unsigned decimal number no larger than max; -EINVAL otherwise. */
int xfe_read_uint(struct xfe *f, const char *dir, const char *node, unsigned long max, unsigned long *out);
/* The frontend's "mac" node: six hex pairs with colons, unicast. */
int xfe_read_mac(struct xfe *f, uint8_t mac[6]);
/* fe/node = printf(fmt, ...). */
int xfe_printf(struct xfe *f, const char *node, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int xfe_switch(struct xfe *f, int state);
/* Wait (watching be/state) until the backend's state is want: 0; -ENODEV
 * when it is Closing or Closed instead (err says so, with the backend's
 * hotplug-error if it wrote one), -ETIMEDOUT after timeout_ms, or the
 * xenstore error. */
int xfe_wait_backend(struct xfe *f, int want, int timeout_ms);

#endif
