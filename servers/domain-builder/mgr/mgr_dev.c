/* Device hot-plug into running domains (see mgr_dev.h). */
#include "mgr/mgr_dev.h"
#include "mgr/mgr.h"
#include "mgr/mgr_vbd.h"
#include "mgr/mgr_vif.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/io/xenbus.h>

int mgr_dev_close_ms = 10000; /* libxl's LIBXL_DESTROY_TIMEOUT */

#define FAIL(...) (snprintf(msg, len, __VA_ARGS__), -1)

static int usable(struct mgr *m, struct mgr_dom *d, char *msg, size_t len)
{
    if (!d->store_port || !mgr_xs_up(m))
        return FAIL("domain %u (%s) has no xenstore connection: no devices can be attached or detached",
                    d->domid, d->cfg.name);
    return 0;
}

static struct mgr_dom *backend_dom(struct mgr *m, const char *name, char *msg, size_t len)
{
    struct mgr_dom *b = mgr_find(m, name);
    if (!b || !b->store_port) snprintf(msg, len, "backend domain '%s' is not running", name);
    return b && b->store_port ? b : NULL;
}

/* A running guest probes its frontend directory as soon as its state node
 * appears, and gives up on a backend directory that is not there yet: so
 * the backend's nodes come first (but its frontend-id, which makes the
 * backend take the device, last), then the frontend's. */
static int write_live(struct mgr *m, const struct mgr_vbd_node *n, int k, const char *fdir, char *msg,
                      size_t len)
{
    size_t fl = strlen(fdir);
    for (int pass = 0; pass < 3; pass++)
        for (int j = pass == 2 ? k - 1 : 0; j < (pass == 2 ? k : k - 1); j++) {
            if (pass < 2 && (strncmp(n[j].path, fdir, fl) != 0) != !pass) continue;
            int rc = mgr_xs_dev_nodes(m, &n[j], 1);
            if (rc) return FAIL("writing %s failed (%s)", n[j].path, strerror(rc < 0 ? -rc : EIO));
        }
    return 0;
}

static int add_nodes(struct mgr *m, const struct mgr_vbd_node *n, int k, const char *fdir, const char *bdir,
                     char *msg, size_t len)
{
    if (!write_live(m, n, k, fdir, msg, len)) return 0;
    xsc_rm(m->xs, fdir);
    xsc_rm(m->xs, bdir);
    return -1;
}

static void dirs(const char *type, uint32_t be, uint32_t fe, uint32_t devid, char *bdir, char *fdir)
{
    snprintf(bdir, 96, "/local/domain/%u/backend/%s/%u/%u", be, type, fe, devid);
    snprintf(fdir, 96, "/local/domain/%u/device/%s/%u", fe, type, devid);
}

static int attach_disk(struct mgr *m, struct mgr_dom *d, const char *spec, char *msg, size_t len)
{
    struct mgr_vbd v, o;
    struct mgr_vbd_node n[24];
    char bdir[96], fdir[96];
    if (mgr_vbd_parse(spec, &v)) return FAIL("disk '%s': no target or no virtual device", spec);
    if (d->cfg.ndisk == DOM_MAX_DISKS)
        return FAIL("domain %u (%s) has %d disks already, the most it can have", d->domid, d->cfg.name,
                    DOM_MAX_DISKS);
    for (int i = 0; i < d->cfg.ndisk; i++)
        if (!mgr_vbd_parse(d->cfg.disk[i], &o) && o.devid == v.devid)
            return FAIL("domain %u (%s) has a disk %s already", d->domid, d->cfg.name, o.vdev);
    struct mgr_dom *b = backend_dom(m, v.backend, msg, len);
    if (!b) return -1;
    dirs("vbd", b->domid, d->domid, v.devid, bdir, fdir);
    if (add_nodes(m, n, mgr_vbd_nodes(&v, d->domid, b->domid, n, 24), fdir, bdir, msg, len)) return -1;
    strcpy(d->cfg.disk[d->cfg.ndisk++], spec);
    snprintf(msg, len, "attached disk %s (vbd '%s', %s) of %s to domain %u (%s)", v.vdev, v.target,
             v.rw ? "rw" : "ro", b->cfg.name, d->domid, d->cfg.name);
    return 0;
}

static int attach_vif(struct mgr *m, struct mgr_dom *d, const char *spec, char *msg, size_t len)
{
    struct mgr_vif v;
    struct mgr_vbd_node n[24];
    char bdir[96], fdir[96];
    int slot = d->cfg.nvif; /* libxl: one past the highest devid */
    while (slot > 0 && d->cfg.vif[slot - 1][0] == VIF_DETACHED)
        slot--;
    if (slot == DOM_MAX_VIFS)
        return FAIL("domain %u (%s) has its last vif devid (%d) in use", d->domid, d->cfg.name,
                    DOM_MAX_VIFS - 1);
    if (mgr_vif_parse(spec, d->domid, (uint32_t)slot, &v))
        return FAIL("vif '%s': bad rate (RATE/s[@INTERVAL])", spec);
    struct mgr_dom *b = backend_dom(m, v.backend, msg, len);
    if (!b) return -1;
    dirs("vif", b->domid, d->domid, v.devid, bdir, fdir);
    if (add_nodes(m, n, mgr_vif_nodes(&v, d->domid, b->domid, n, 24), fdir, bdir, msg, len)) return -1;
    strcpy(d->cfg.vif[slot], spec);
    d->cfg.nvif = slot + 1;
    snprintf(msg, len, "attached vif %d (%s%s%s) of %s to domain %u (%s)", slot, v.mac, v.ip[0] ? ", " : "",
             v.ip, b->cfg.name, d->domid, d->cfg.name);
    return 0;
}

int mgr_dev_attach(struct mgr *m, struct mgr_dom *d, enum mgr_dev_kind k, const char *spec, char *msg,
                   size_t len)
{
    char err[MGR_ERR_LEN];
    if (usable(m, d, msg, len)) return -1;
    if (domcfg_check_element(k == MGR_DISK ? "disk" : "vif", spec, err, sizeof(err))) return FAIL("%s", err);
    return k == MGR_DISK ? attach_disk(m, d, spec, msg, len) : attach_vif(m, d, spec, msg, len);
}

static int read_state(struct mgr *m, const char *dir)
{
    char path[112], *val = NULL;
    snprintf(path, sizeof(path), "%s/state", dir);
    if (xsc_read(m->xs, path, &val)) return -1;
    int st = atoi(val);
    free(val);
    return st;
}

/* libxl's removal: online = 0 and state Closing in the backend directory
 * (the frontend sees it and closes; the backend then reports Closed), then
 * the frontend's directory and the backend's go. */
static int remove_dev(struct mgr *m, const char *bdir, const char *fdir, int force, const char *what,
                      char *msg, size_t len)
{
    char path[112], st[4];
    if (!force) {
        snprintf(path, sizeof(path), "%s/online", bdir);
        snprintf(st, sizeof(st), "%d", XenbusStateClosing);
        if (xsc_write(m->xs, path, "0") ||
            (snprintf(path, sizeof(path), "%s/state", bdir), xsc_write(m->xs, path, st)))
            return FAIL("%s: asking its backend to close failed (nothing changed)", what);
        int s = -1;
        for (int t = 0; t <= mgr_dev_close_ms; t += 20) {
            mgr_xs_up(m); /* each read its own deadline */
            if ((s = read_state(m, bdir)) == XenbusStateClosed || s < 0) break;
            usleep(20000);
        }
        if (s != XenbusStateClosed && s >= 0)
            return FAIL("%s: the guest did not close it in %g s (is it in use?); it stays, closing%s", what,
                        mgr_dev_close_ms / 1000.0,
                        strncmp(what, "disk", 4) ? "" : " (block-detach -f removes it anyway)");
    }
    xsc_rm(m->xs, fdir);
    xsc_rm(m->xs, bdir);
    return 0;
}

int mgr_dev_detach(struct mgr *m, struct mgr_dom *d, enum mgr_dev_kind k, const char *which, int force,
                   char *msg, size_t len)
{
    char bdir[96], fdir[96], what[64];
    if (usable(m, d, msg, len)) return -1;
    if (k == MGR_DISK) {
        char *end;
        long want = strtol(which, &end, 10);
        if (*end || end == which) want = mgr_vbd_devid(which);
        for (int i = 0; i < d->cfg.ndisk; i++) {
            struct mgr_vbd v;
            struct mgr_dom *b;
            if (mgr_vbd_parse(d->cfg.disk[i], &v) || want < 0 || v.devid != (uint32_t)want) continue;
            if (!(b = backend_dom(m, v.backend, msg, len))) return -1;
            dirs("vbd", b->domid, d->domid, v.devid, bdir, fdir);
            snprintf(what, sizeof(what), "disk %s", v.vdev);
            if (remove_dev(m, bdir, fdir, force, what, msg, len)) return -1;
            memmove(d->cfg.disk[i], d->cfg.disk[i + 1],
                    (size_t)(d->cfg.ndisk - i - 1) * sizeof(d->cfg.disk[0]));
            d->cfg.ndisk--;
            snprintf(msg, len, "detached disk %s from domain %u (%s)", v.vdev, d->domid, d->cfg.name);
            return 0;
        }
        return FAIL("domain %u (%s) has no disk '%s'", d->domid, d->cfg.name, which);
    }
    for (int i = 0; i < d->cfg.nvif; i++) {
        struct mgr_vif v;
        struct mgr_dom *b;
        char id[12];
        snprintf(id, sizeof(id), "%d", i);
        if (d->cfg.vif[i][0] == VIF_DETACHED || mgr_vif_parse(d->cfg.vif[i], d->domid, (uint32_t)i, &v) ||
            (strcmp(which, id) && strcasecmp(which, v.mac)))
            continue;
        if (!(b = backend_dom(m, v.backend, msg, len))) return -1;
        dirs("vif", b->domid, d->domid, v.devid, bdir, fdir);
        snprintf(what, sizeof(what), "vif %d", i);
        if (remove_dev(m, bdir, fdir, force, what, msg, len)) return -1;
        strcpy(d->cfg.vif[i], (char[]){ VIF_DETACHED, 0 }); /* devids are places: a hole */
        while (d->cfg.nvif && d->cfg.vif[d->cfg.nvif - 1][0] == VIF_DETACHED)
            d->cfg.nvif--;
        snprintf(msg, len, "detached vif %d (%s) from domain %u (%s)", i, v.mac, d->domid, d->cfg.name);
        return 0;
    }
    return FAIL("domain %u (%s) has no network device '%s'", d->domid, d->cfg.name, which);
}
