/* vif devices in xenstore (see mgr_vif.h). */
#include "mgr/mgr_vif.h"
#include "mgr/mgr.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mgr_vif_rate(const char *s, uint64_t *bytes, uint32_t *usecs)
{
    char *end;
    if (!isdigit((unsigned char)*s)) return -1;
    unsigned long long n = strtoull(s, &end, 10);
    uint64_t mult = 1;
    switch (*end) {
    case 'G':
        mult *= 1000; /* fall through */
    case 'M':
        mult *= 1000; /* fall through */
    case 'K':
    case 'k':
        mult *= 1000;
        end++;
        break;
    }
    int bits = *end == 'b';
    if (*end != 'b' && *end != 'B') return -1;
    end++;
    if (strncmp(end, "/s", 2)) return -1;
    end += 2;
    uint64_t us = 50000;
    if (*end == '@') {
        const char *p = end + 1;
        if (!isdigit((unsigned char)*p)) return -1;
        unsigned long long iv = strtoull(p, &end, 10);
        uint64_t scale = !strcmp(end, "us") ? 1 : !strcmp(end, "ms") ? 1000 : !strcmp(end, "s") ? 1000000 : 0;
        if (!scale || iv == 0 || iv > 10000000ull / scale) return -1;
        us = iv * scale;
        end += strlen(end);
    }
    if (*end || n == 0 || n > (1ull << 40) / mult) return -1;
    uint64_t per_s = n * mult / (bits ? 8 : 1);
    uint64_t b = per_s * us / 1000000;
    if (b == 0 || b > (1ull << 32)) return -1;
    *bytes = b;
    *usecs = (uint32_t)us;
    return 0;
}

int mgr_vif_parse(const char *spec, uint32_t fe, uint32_t devid, struct mgr_vif *v)
{
    char buf[DOM_SPEC_MAX + 1], *save = NULL;
    if (strlen(spec) > DOM_SPEC_MAX) return -1;
    strcpy(buf, spec);
    memset(v, 0, sizeof(*v));
    v->devid = devid;
    strcpy(v->backend, VIF_DEFAULT_BACKEND);
    snprintf(v->mac, sizeof(v->mac), "00:16:3e:%02x:%02x:%02x", (fe >> 8) & 0x7f, fe & 0xff, devid & 0xff);
    for (char *f = strtok_r(buf, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*f))
            f++;
        char *e = f + strlen(f);
        while (e > f && isspace((unsigned char)e[-1]))
            *--e = 0;
        char *eq = strchr(f, '=');
        if (!eq) continue;
        *eq = 0;
        const char *val = eq + 1;
        if (!strcmp(f, "mac") && strlen(val) < sizeof(v->mac)) {
            strcpy(v->mac, val);
            for (char *c = v->mac; *c; c++)
                *c = (char)tolower((unsigned char)*c);
        } else if (!strcmp(f, "ip")) {
            strcpy(v->ip, val);
        } else if (!strcmp(f, "bridge")) {
            strcpy(v->bridge, val);
        } else if (!strcmp(f, "backend") && strlen(val) < sizeof(v->backend)) {
            strcpy(v->backend, val);
        } else if (!strcmp(f, "rate") || !strcmp(f, "rx-rate")) {
            uint64_t bytes;
            uint32_t us;
            if (mgr_vif_rate(val, &bytes, &us)) return -1;
            char *to = f[0] == 'r' && f[1] == 'a' ? v->rate : v->rx_rate;
            snprintf(to, sizeof(v->rate), "%llu,%u", (unsigned long long)bytes, us);
        } else if (!strcmp(f, "rate-pps") || !strcmp(f, "rx-rate-pps")) {
            char *end;
            if (!isdigit((unsigned char)*val)) return -1;
            unsigned long long n = strtoull(val, &end, 10);
            if (*end || n == 0 || n > (1ull << 32)) return -1;
            snprintf(f[0] == 'r' && f[1] == 'a' ? v->pps : v->rx_pps, sizeof(v->pps), "%llu", n);
        } else if (!strcmp(f, "antispoof")) {
            snprintf(v->antispoof, sizeof(v->antispoof), "%s", val);
        }
    }
    return 0;
}

int mgr_vif_nodes(const struct mgr_vif *v, uint32_t fe, uint32_t be, struct mgr_vbd_node *out, int max)
{
    char bdir[96], fdir[96], id[16];
    snprintf(bdir, sizeof(bdir), "/local/domain/%u/backend/vif/%u/%u", be, fe, v->devid);
    snprintf(fdir, sizeof(fdir), "/local/domain/%u/device/vif/%u", fe, v->devid);
    snprintf(id, sizeof(id), "%u", v->devid);
    const struct mgr_node_spec list[] = {
        { fdir, NULL, NULL },
        { fdir, "backend", bdir },
        { fdir, "backend-id", NULL },
        { fdir, "handle", id },
        { fdir, "mac", v->mac },
        { fdir, "state", "1" },
        { bdir, NULL, NULL },
        { bdir, "frontend", fdir },
        { bdir, "handle", id },
        { bdir, "mac", v->mac },
        { bdir, "type", "vif" },
        { bdir, "bridge", v->bridge },
        { bdir, "ip", v->ip },
        { bdir, "rate", v->rate },
        { bdir, "rx-rate", v->rx_rate },
        { bdir, "rate-pps", v->pps },
        { bdir, "rx-rate-pps", v->rx_pps },
        { bdir, "antispoof", v->antispoof },
        { bdir, "online", "1" },
        { bdir, "state", "1" },
        { bdir, "frontend-id", NULL },
    };
    return mgr_dev_nodes(list, sizeof(list) / sizeof(list[0]), fdir, bdir, fe, be, out, max);
}

void mgr_xs_vifs(struct mgr *m, struct mgr_dom *d)
{
    for (int i = 0; i < d->cfg.nvif && m->xs && !m->xs_broken; i++) {
        struct mgr_vif v;
        struct mgr_vbd_node n[24];
        if (d->cfg.vif[i][0] == VIF_DETACHED) continue;
        if (mgr_vif_parse(d->cfg.vif[i], d->domid, (uint32_t)i, &v)) {
            mgr_logf(m,
                     "domain-builder: %s: vif %d '%s': bad rate (RATE/s[@INTERVAL], or a packets/s limit not "
                     "1-2^32)",
                     d->cfg.name, i, d->cfg.vif[i]);
            continue;
        }
        struct mgr_dom *b = mgr_find(m, v.backend);
        if (!b || !b->store_port) {
            mgr_logf(m, "domain-builder: %s: vif %d: backend domain '%s' is not running", d->cfg.name, i,
                     v.backend);
            continue;
        }
        int k = mgr_vif_nodes(&v, d->domid, b->domid, n, 24);
        if (mgr_xs_dev_nodes(m, n, k))
            mgr_logf(m, "domain-builder: %s: vif %d: writing its xenstore nodes failed", d->cfg.name, i);
        else
            mgr_logf(m, "domain-builder: %s: vif %d (%s%s%s) on %s", d->cfg.name, i, v.mac,
                     v.ip[0] ? ", " : "", v.ip, b->cfg.name);
    }
}

void mgr_xs_vifs_remove(struct mgr *m, struct mgr_dom *d)
{
    for (int i = 0; i < d->cfg.nvif && m->xs && !m->xs_broken; i++) {
        struct mgr_vif v;
        struct mgr_dom *b;
        char path[96];
        if (d->cfg.vif[i][0] == VIF_DETACHED || mgr_vif_parse(d->cfg.vif[i], d->domid, (uint32_t)i, &v) ||
            !(b = mgr_find(m, v.backend)) || !b->store_port)
            continue;
        snprintf(path, sizeof(path), "/local/domain/%u/backend/vif/%u/%u", b->domid, d->domid, v.devid);
        xsc_rm(m->xs, path);
    }
}
