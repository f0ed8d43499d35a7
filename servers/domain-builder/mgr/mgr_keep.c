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

/* The new owner's permissions for a node domid owned (perms: GET_PERMS's
 * reply, plen bytes) into buf, each string with its NUL: us with the
 * node's access for others, domid with write access, the others as they
 * were.  Its length. */
static size_t kept_perms(struct mgr *m, const char *perms, size_t plen, uint32_t domid, char *buf, size_t n)
{
    size_t at = (size_t)snprintf(buf, n, "%c%u", perms[0], m->b->self) + 1;
    at += (size_t)snprintf(buf + at, n - at, "b%u", domid) + 1;
    unsigned np = 2;
    for (size_t i = strlen(perms) + 1; i < plen && np < KEEP_PERMS; i += strlen(perms + i) + 1) {
        size_t k = strlen(perms + i) + 1;
        if (strtoul(perms + i + 1, NULL, 10) == domid || !perms[i] || at + k > n) continue;
        memcpy(buf + at, perms + i, k);
        at += k;
        np++;
    }
    return at;
}

/* The take-over, a level of the tree at a time: one batch reads every
 * node's permissions and children (xsc_batch: the requests go out back to
 * back, about one round trip for the lot), one more sets the owned ones'
 * permissions.  Nodes that vanish meanwhile are skipped. */
static unsigned keep_tree(struct mgr *m, const char *base, uint32_t domid)
{
    unsigned kept = 0, n = 1;
    char **level = calloc(1, sizeof(char *));
    if (!level || !(level[0] = strdup(base))) {
        free(level);
        return 0;
    }
    for (int depth = 0; n && depth <= KEEP_DEPTH; depth++) {
        struct xsc_op *op = calloc(3 * (size_t)n, sizeof(*op));
        char(*perm)[KEEP_PERMS * 16] = calloc(n, sizeof(*perm));
        char **next = NULL;
        unsigned nn = 0, ns = 0;
        if (!op || !perm) {
            free(op);
            free(perm);
            break;
        }
        for (unsigned i = 0; i < n; i++) {
            op[2 * i] = (struct xsc_op){ .type = XS_GET_PERMS, .path = level[i], .want_reply = true };
            op[2 * i + 1] = (struct xsc_op){ .type = XS_DIRECTORY, .path = level[i], .want_reply = true };
        }
        struct xsc_op *set = op + 2 * n;
        if (!xsc_batch(m->xs, op, 2 * n)) {
            size_t kids = 0;
            for (unsigned i = 0; i < n; i++) {
                const struct xsc_op *g = &op[2 * i], *dir = &op[2 * i + 1];
                char *end;
                unsigned long owner = g->rc || !g->len ? ~0ul : strtoul(g->reply + 1, &end, 10);
                if (owner == domid && end != g->reply + 1)
                    set[ns++] = (struct xsc_op){ .type = XS_SET_PERMS,
                                                 .path = level[i],
                                                 .val = perm[i],
                                                 .vlen = kept_perms(m, g->reply, g->len, domid, perm[i],
                                                                    sizeof(perm[i])) };
                for (size_t k = 0; !dir->rc && k < dir->len; k += strlen(dir->reply + k) + 1)
                    kids += dir->reply[k] != 0;
            }
            if (ns && !xsc_batch(m->xs, set, ns))
                for (unsigned i = 0; i < ns; i++)
                    kept += set[i].rc == 0;
            next = depth < KEEP_DEPTH && kids ? calloc(kids, sizeof(char *)) : NULL;
            for (unsigned i = 0; next && i < n; i++) {
                const struct xsc_op *dir = &op[2 * i + 1];
                for (size_t k = 0; !dir->rc && k < dir->len; k += strlen(dir->reply + k) + 1) {
                    char *c = NULL;
                    if (dir->reply[k] && asprintf(&c, "%s/%s", level[i], dir->reply + k) > 0 &&
                        strlen(c) < 512)
                        next[nn++] = c;
                    else
                        free(c);
                }
            }
        }
        for (unsigned i = 0; i < 2 * n + ns; i++)
            free(op[i].reply);
        for (unsigned i = 0; i < n; i++)
            free(level[i]);
        free(level);
        free(op);
        free(perm);
        level = next;
        n = nn;
    }
    for (unsigned i = 0; i < n; i++)
        free(level[i]);
    free(level);
    return kept;
}

void mgr_xs_keep(struct mgr *m, struct mgr_dom *d)
{
    char base[64];
    if (!mgr_xs_up(m) || !d->store_port) return;
    snprintf(base, sizeof(base), "/local/domain/%u", d->domid);
    unsigned n = keep_tree(m, base, d->domid);
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
