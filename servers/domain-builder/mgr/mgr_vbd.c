/* vbd devices in xenstore (see mgr_vbd.h). */
#include "mgr/mgr_vbd.h"
#include "mgr/mgr.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Letters a..z, aa.. as in Linux's xen-blkfront numbering; *part the digits. */
static long disk_index(const char *s, long *part)
{
    long disk = 0;
    const char *p = s;
    if (!islower((unsigned char)*p)) return -1;
    while (islower((unsigned char)*p)) {
        disk = disk * 26 + (*p - 'a' + 1);
        if (disk > 100000) return -1;
        p++;
    }
    *part = 0;
    if (*p) {
        char *end;
        *part = strtol(p, &end, 10);
        if (*end || *part < 1 || *part > 255) return -1;
    }
    return disk - 1;
}

long mgr_vbd_devid(const char *vdev)
{
    long part, disk;
    if (!strncmp(vdev, "xvd", 3)) {
        if ((disk = disk_index(vdev + 3, &part)) < 0) return -1;
        if (disk < 16 && part < 16) return (202L << 8) | (disk << 4) | part;
        return disk < (1L << 20) ? (1L << 28) | (disk << 8) | part : -1; /* extended */
    }
    if (!strncmp(vdev, "sd", 2)) {
        if ((disk = disk_index(vdev + 2, &part)) < 0 || disk >= 16 || part >= 16) return -1;
        return (8L << 8) | (disk << 4) | part;
    }
    if (!strncmp(vdev, "hd", 2)) {
        static const long major[] = { 3, 3, 22, 22 };
        if ((disk = disk_index(vdev + 2, &part)) < 0 || disk >= 4 || part >= 64) return -1;
        return (major[disk] << 8) | ((disk & 1) << 6) | part;
    }
    return -1;
}

int mgr_vbd_parse(const char *spec, struct mgr_vbd *v)
{
    char buf[DOM_SPEC_MAX + 1], *save = NULL;
    if (strlen(spec) > DOM_SPEC_MAX) return -1;
    strcpy(buf, spec);
    memset(v, 0, sizeof(*v));
    v->rw = 1;
    strcpy(v->backend, VBD_DEFAULT_BACKEND);
    int pos = 0;
    for (char *f = strtok_r(buf, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*f))
            f++;
        char *e = f + strlen(f);
        while (e > f && isspace((unsigned char)e[-1]))
            *--e = 0;
        char *eq = strchr(f, '=');
        const char *k = f, *val = f;
        if (eq) {
            *eq = 0;
            val = eq + 1;
        } else if (pos++ == 0) {
            k = "target";
        } else if (!strcmp(f, "r") || !strcmp(f, "ro") || !strcmp(f, "w") || !strcmp(f, "rw")) {
            k = "access";
        } else if (mgr_vbd_devid(f) >= 0) {
            k = "vdev";
        } else {
            continue; /* a format: raw etc. */
        }
        if (!strcmp(k, "target") && strlen(val) < sizeof(v->target))
            strcpy(v->target, val);
        else if (!strcmp(k, "vdev") && strlen(val) < sizeof(v->vdev))
            strcpy(v->vdev, val);
        else if (!strcmp(k, "access"))
            v->rw = val[0] == 'w' || !strcmp(val, "rw");
        else if (!strcmp(k, "backend") && strlen(val) < sizeof(v->backend))
            strcpy(v->backend, val);
    }
    long id = mgr_vbd_devid(v->vdev);
    if (!v->target[0] || id < 0) return -1;
    v->devid = (uint32_t)id;
    return 0;
}

int mgr_dev_nodes(const struct mgr_node_spec *list, size_t n, const char *fdir, const char *bdir, uint32_t fe,
                  uint32_t be, struct mgr_vbd_node *out, int max)
{
    int k = 0;
    for (size_t i = 0; i < n && k < max; i++) {
        if (list[i].val && !list[i].val[0]) continue;
        struct mgr_vbd_node *o = &out[k++];
        memset(o, 0, sizeof(*o));
        o->dir = !list[i].name;
        if (o->dir) {
            snprintf(o->path, sizeof(o->path), "%s", list[i].dir);
            o->owner = list[i].dir == fdir ? fe : be;
            o->reader = list[i].dir == fdir ? be : fe;
            o->keep = list[i].dir == bdir;
        } else {
            snprintf(o->path, sizeof(o->path), "%s/%s", list[i].dir, list[i].name);
            if (list[i].val)
                snprintf(o->val, sizeof(o->val), "%s", list[i].val);
            else
                snprintf(o->val, sizeof(o->val), "%u", list[i].dir == fdir ? be : fe);
        }
    }
    return k;
}

int mgr_vbd_nodes(const struct mgr_vbd *v, uint32_t fe, uint32_t be, struct mgr_vbd_node *out, int max)
{
    char bdir[96], fdir[96], id[16];
    snprintf(bdir, sizeof(bdir), "/local/domain/%u/backend/vbd/%u/%u", be, fe, v->devid);
    snprintf(fdir, sizeof(fdir), "/local/domain/%u/device/vbd/%u", fe, v->devid);
    snprintf(id, sizeof(id), "%u", v->devid);
    const struct mgr_node_spec list[] = {
        { fdir, NULL, NULL },
        { fdir, "backend", bdir },
        { fdir, "backend-id", NULL },
        { fdir, "virtual-device", id },
        { fdir, "device-type", "disk" },
        { fdir, "state", "1" },
        { bdir, NULL, NULL },
        { bdir, "frontend", fdir },
        { bdir, "params", v->target },
        { bdir, "mode", v->rw ? "w" : "r" },
        { bdir, "dev", v->vdev },
        { bdir, "type", "phy" },
        { bdir, "device-type", "disk" },
        { bdir, "online", "1" },
        { bdir, "removable", "0" },
        { bdir, "bootable", "1" },
        { bdir, "state", "1" },
        { bdir, "frontend-id", NULL },
    };
    return mgr_dev_nodes(list, sizeof(list) / sizeof(list[0]), fdir, bdir, fe, be, out, max);
}

static struct mgr_dom *backend_of(struct mgr *m, const struct mgr_vbd *v)
{
    struct mgr_dom *b = mgr_find(m, v->backend);
    return b && b->store_port ? b : NULL;
}

int mgr_xs_dev_nodes(struct mgr *m, const struct mgr_vbd_node *n, int k)
{
    int rc = 0;
    for (int j = 0; j < k && !rc; j++) {
        if (n[j].dir) {
            char o[16], r[16], w[16];
            snprintf(o, sizeof(o), "n%u", n[j].keep ? m->b->self : n[j].owner);
            snprintf(r, sizeof(r), "r%u", n[j].reader);
            snprintf(w, sizeof(w), "b%u", n[j].owner);
            const char *p[] = { o, r, w };
            if (!(rc = xsc_mkdir(m->xs, n[j].path)))
                rc = xsc_set_perms(m->xs, n[j].path, p, n[j].keep ? 3 : 2);
        } else {
            rc = xsc_write(m->xs, n[j].path, n[j].val);
        }
    }
    return rc;
}

void mgr_xs_vbds(struct mgr *m, struct mgr_dom *d)
{
    for (int i = 0; i < d->cfg.ndisk && m->xs && !m->xs_broken; i++) {
        struct mgr_vbd v;
        struct mgr_vbd_node n[24];
        if (mgr_vbd_parse(d->cfg.disk[i], &v)) {
            mgr_logf(m, "domain-builder: %s: disk '%s': no target or vdev", d->cfg.name, d->cfg.disk[i]);
            continue;
        }
        struct mgr_dom *b = backend_of(m, &v);
        if (!b) {
            mgr_logf(m, "domain-builder: %s: disk %s: backend domain '%s' is not running", d->cfg.name,
                     v.vdev, v.backend);
            continue;
        }
        int k = mgr_vbd_nodes(&v, d->domid, b->domid, n, 24);
        if (mgr_xs_dev_nodes(m, n, k))
            mgr_logf(m, "domain-builder: %s: disk %s: writing its xenstore nodes failed", d->cfg.name,
                     v.vdev);
        else
            mgr_logf(m, "domain-builder: %s: disk %s (vbd '%s', %s) on %s", d->cfg.name, v.vdev, v.target,
                     v.rw ? "rw" : "ro", b->cfg.name);
    }
}

void mgr_xs_vbds_remove(struct mgr *m, struct mgr_dom *d)
{
    for (int i = 0; i < d->cfg.ndisk && m->xs && !m->xs_broken; i++) {
        struct mgr_vbd v;
        struct mgr_dom *b;
        char path[96];
        if (mgr_vbd_parse(d->cfg.disk[i], &v) || !(b = backend_of(m, &v))) continue;
        snprintf(path, sizeof(path), "/local/domain/%u/backend/vbd/%u/%u", b->domid, d->domid, v.devid);
        xsc_rm(m->xs, path);
    }
}
