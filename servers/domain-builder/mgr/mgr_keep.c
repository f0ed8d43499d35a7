/* A service domain recreated with its id keeps its xenstore nodes (see
 * mgr.h, mgr_xs_keep).  xenstored removes every node a destroyed domain owns
 * (Xen 4.17 since XSA-419), which would take a driver domain's backend nodes
 * (and its saved settings under data/) with it and show every frontend a
 * vanished backend.  So before the old incarnation goes, the builder takes
 * over the nodes it owns under /local/domain/D and gives D write access to
 * them ("b"), as Xen did for a dead domain's nodes between XSA-322 and
 * XSA-419; the new incarnation writes them as before.  Backend device
 * directories are the builder's from the start (mgr_xs_dev_nodes), so the
 * `state` nodes frontends watch are never touched and no watch fires. */
#include "mgr/mgr.h"
#include "mgr/mgr_vbd.h"
#include "mgr/mgr_vif.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEEP_DEPTH 16 /* /local/domain/D/backend/vbd/FE/DEV/... is 7 */
#define KEEP_PERMS 16 /* entries kept per node; more are dropped */

/* One node: take it over if domid owns it; then its children. */
static void keep_node(struct mgr *m, const char *path, uint32_t domid, int depth, unsigned *n)
{
    char *perms = NULL, *kids = NULL;
    size_t plen = 0, klen = 0;
    if (xsc_request(m->xs, XS_GET_PERMS, 0, path, strlen(path) + 1, &perms, &plen) || !plen) {
        free(perms);
        return; /* gone meanwhile, or unreadable: nothing to keep */
    }
    char *end;
    unsigned long owner = strtoul(perms + 1, &end, 10);
    if (owner == domid && end != perms + 1) {
        char own[16], wr[16];
        const char *p[KEEP_PERMS] = { own, wr };
        unsigned np = 2;
        snprintf(own, sizeof(own), "%c%u", perms[0], m->b->self); /* others' access stays */
        snprintf(wr, sizeof(wr), "b%u", domid);
        for (size_t i = strlen(perms) + 1; i < plen && np < KEEP_PERMS; i += strlen(perms + i) + 1)
            if (strtoul(perms + i + 1, NULL, 10) != domid && perms[i]) p[np++] = perms + i;
        if (!xsc_set_perms(m->xs, path, p, np)) (*n)++;
    }
    free(perms);
    if (depth >= KEEP_DEPTH || xsc_request(m->xs, XS_DIRECTORY, 0, path, strlen(path) + 1, &kids, &klen)) {
        free(kids);
        return;
    }
    for (size_t i = 0; i < klen; i += strlen(kids + i) + 1) {
        char child[512];
        if (kids[i] && (size_t)snprintf(child, sizeof(child), "%s/%s", path, kids + i) < sizeof(child))
            keep_node(m, child, domid, depth + 1, n);
    }
    free(kids);
}

void mgr_xs_keep(struct mgr *m, struct mgr_dom *d)
{
    char base[64];
    unsigned n = 0;
    if (!mgr_xs_up(m) || !d->store_port) return;
    snprintf(base, sizeof(base), "/local/domain/%u", d->domid);
    keep_node(m, base, d->domid, 0, &n);
    mgr_logf(m, "domain-builder: %s: %u xenstore node%s kept for its next incarnation", d->cfg.name, n,
             n == 1 ? "" : "s");
}

void mgr_xs_forget(struct mgr *m, struct mgr_dom *d)
{
    if (!mgr_xs_up(m) || !d->store_port) return;
    int rc = xsc_release(m->xs, d->domid);
    if (rc && rc != -ENOENT) /* xenstored may have noticed the death first */
        mgr_logf(m, "domain-builder: xenstore: release of domain %u failed (%d)", d->domid, rc);
}

int mgr_frontends(struct mgr *m, const struct mgr_dom *d)
{
    int n = 0;
    for (int i = 0; i < MGR_MAX_DOMS; i++) {
        const struct mgr_dom *f = &m->dom[i];
        int uses = 0;
        for (int k = 0; f->used && f != d && k < f->cfg.ndisk; k++) {
            struct mgr_vbd v;
            uses |= !mgr_vbd_parse(f->cfg.disk[k], &v) && !strcmp(v.backend, d->cfg.name);
        }
        for (int k = 0; f->used && f != d && k < f->cfg.nvif; k++) {
            struct mgr_vif v;
            uses |=
                !mgr_vif_parse(f->cfg.vif[k], f->domid, (uint32_t)k, &v) && !strcmp(v.backend, d->cfg.name);
        }
        n += uses;
    }
    return n;
}

int mgr_is_service(struct mgr *m, const struct mgr_dom *d) { return d->cfg.caps || mgr_frontends(m, d) > 0; }

static int store_clients(struct mgr *m, const struct mgr_dom *d)
{
    int n = 0;
    for (int i = 0; i < MGR_MAX_DOMS; i++)
        n += m->dom[i].used && &m->dom[i] != d && m->dom[i].store_port;
    return n;
}

int mgr_xs_clients(struct mgr *m, const struct mgr_dom *d)
{
    int kept = m->xs_state && m->xs_state_for == d->domid;
    return d->domid == m->xenstore_domid && kept ? store_clients(m, d) : 0;
}

int mgr_xs_may_stop(struct mgr *m, const struct mgr_dom *d, const char *verb, char *err, size_t errlen)
{
    if (d->domid != m->xenstore_domid || m->xs_broken)
        return 0; /* not the store, or a store that no longer answers */
    /* its state is in our pages: a rebuild with its id recovers it */
    if (m->xs_state && m->xs_state_for == d->domid && strcmp(verb, "pause")) return 0;
    int n = store_clients(m, d);
    if (!n) return 0;
    const char *why = !strcmp(verb, "pause") ? "a paused store stalls them and the builder"
                                             : "a new store would start empty, stranding their devices";
    snprintf(err, errlen,
             "cannot %s %s (domain %u): it holds the xenstore nodes of %d running domain%s, and %s "
             "(a crash of its program is survived in place)",
             verb, d->cfg.name, d->domid, n, n == 1 ? "" : "s", why);
    return -1;
}
