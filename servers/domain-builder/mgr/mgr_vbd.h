/* The vbd devices of a domain's disk = [ ... ] list in xenstore, written as
 * Xen's toolstack (libxl) writes them: the backend directory
 * /local/domain/<be>/backend/vbd/<fe>/<devid> (writable by the backend
 * domain, readable by the frontend; owned by the builder, unlike libxl, so
 * that it outlives a backend domain recreated under its frontends:
 * docs/restart.md) and the frontend directory
 * /local/domain/<fe>/device/vbd/<devid> (owned by the frontend, readable by
 * the backend).  The backend domain is the disk's backend=NAME, by default
 * the service domain named "blkback"; target= names the VBD (blkback's
 * "params"), access= r/ro or w/rw (default) its mode. */
#ifndef DB_MGR_VBD_H
#define DB_MGR_VBD_H

#include <stdint.h>
#include "cfg/domcfg.h"

#define VBD_DEFAULT_BACKEND "blkback"

struct mgr_vbd {
    char target[DOM_SPEC_MAX + 1];
    char vdev[32];
    char backend[DOM_NAME_MAX + 1];
    int rw;
    uint32_t devid; /* Xen's virtual-device number */
};

struct mgr_vbd_node {
    char path[128];
    char val[DOM_SPEC_MAX + 1];
    int dir; /* a directory with perms: owner, and reader */
    uint32_t owner, reader;
    int keep; /* a backend directory: the builder owns it, owner may write */
};

/* One node of a device's list: a NULL name is the directory itself (owned by
 * fe for the frontend's, by be for the backend's, readable by the other end;
 * the backend's kept by the builder); a NULL val is the other end's domid; ""
 * an optional node not given (left out). */
struct mgr_node_spec {
    const char *dir, *name, *val;
};
/* The list for a frontend at fdir and a backend at bdir expanded into out (at
 * most max); returns how many. */
int mgr_dev_nodes(const struct mgr_node_spec *list, size_t n, const char *fdir, const char *bdir, uint32_t fe,
                  uint32_t be, struct mgr_vbd_node *out, int max);

/* Xen's device number of a vdev (xvdX[N], sdX[N], hdX[N]); -1 if none. */
long mgr_vbd_devid(const char *vdev);
/* A disk spec (already checked by the config parser) to its parts; -1 if it
 * lacks a target or a vdev Xen can number. */
int mgr_vbd_parse(const char *spec, struct mgr_vbd *v);
/* The nodes to write, in order (directories before their entries, the
 * backend's frontend-id last: blkback takes the device once that is there).
 * Returns how many (at most max). */
int mgr_vbd_nodes(const struct mgr_vbd *v, uint32_t fe, uint32_t be, struct mgr_vbd_node *out, int max);

struct mgr;
struct mgr_dom;
/* Write device nodes in order (directories with their perms); 0, or the
 * negative errno of the first failed write.  (vifs use it too.) */
int mgr_xs_dev_nodes(struct mgr *m, const struct mgr_vbd_node *n, int k);
/* After d's own nodes: the nodes of each of its disks.  A disk whose backend
 * domain is not running, or a failed write, is logged; the domain still
 * starts (its frontend waits for a backend that never comes). */
void mgr_xs_vbds(struct mgr *m, struct mgr_dom *d);
/* Before d's nodes go: its backend directories (the backend then lets go of
 * the VBDs). */
void mgr_xs_vbds_remove(struct mgr *m, struct mgr_dom *d);

#endif
