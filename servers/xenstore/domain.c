/*
 * domain.c: the domain table: which domains are introduced (and so have a
 * ring connection), their ring coordinates (for recovery), device-model
 * targets, and the per-domain node count behind the node quota.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs.h"

static const struct xs_domain_hooks *hooks_of(struct xs_server *s);

struct xs_domain *domain_get(struct xs_server *s, uint32_t domid, bool create)
{
    if (domid >= XS_DOMID_LIMIT) return NULL;
    struct xs_domain **blk = s->doms[domid / 128];
    if (!blk) {
        if (!create) return NULL;
        blk = s->doms[domid / 128] = calloc(128, sizeof(*blk));
        if (!blk) abort();
    }
    if (!blk[domid % 128] && create) {
        struct xs_domain *d = calloc(1, sizeof(*d));
        if (!d) abort();
        d->domid = domid;
        d->target = -1;
        blk[domid % 128] = d;
    }
    return blk[domid % 128];
}

void domain_nodes_adjust(struct xs_server *s, uint32_t owner, long delta)
{
    struct xs_domain *d = domain_get(s, owner, true);
    if (d) d->nodes += delta;
}

int64_t conn_target(const struct xs_conn *c)
{
    struct xs_domain *d = domain_get(c->srv, c->domid, false);
    return d ? d->target : -1;
}

static void fire_special(struct xs_server *s, unsigned idx)
{
    watch_fire(s, s->special[idx].name, false, s->special[idx].perms, s->special[idx].nperms);
}

int domain_introduce(struct xs_server *s, uint32_t domid, uint64_t mfn, uint32_t port)
{
    /* domain 0 too: with xenstore in its own domain, the control domain
     * is introduced like any other */
    if (domid >= XS_DOMID_LIMIT) return -EINVAL;
    struct xs_domain *d = domain_get(s, domid, true);
    if (d->introduced) return (d->mfn == mfn && d->port == port) ? 0 : -EEXIST;
    const struct xs_domain_hooks *h = hooks_of(s);
    struct xs_conn *c = h->introduce ? h->introduce(h->ctx, s, domid, mfn, port) : NULL;
    if (!c) return -EINVAL;
    d->introduced = true;
    d->shutdown = false;
    d->mfn = mfn;
    d->port = port;
    d->conn = c;
    journal_domain(s, d, true);
    if (!s->replaying) fire_special(s, 0);
    return 0;
}

int xs_server_introduce(struct xs_server *s, uint32_t domid, uint64_t mfn, uint32_t port)
{
    xs_server_batch(s, true);
    int rc = domain_introduce(s, domid, mfn, port);
    xs_server_batch(s, false);
    return rc;
}

/* As Xen does when a domain goes away: remove every node it owns (with its
 * subtree), walking the tree in child order, firing watches as RM does. */
static void remove_owned(struct xs_server *s, uint32_t domid, const char *path)
{
    const struct xs_node *n = htab_get(&s->tree, path);
    if (!n) return;
    if (n->nperms && n->perms[0].id == domid && strcmp(path, "/")) {
        struct xs_view v = { s, NULL, NULL };
        view_rm(&v, path);
        return;
    }
    if (!n->clen) return;
    uint32_t clen = n->clen;
    char *kids = malloc(clen);
    if (!kids) abort();
    memcpy(kids, n->children, clen);
    for (uint32_t off = 0; off < clen; off += (uint32_t)strlen(kids + off) + 1) {
        char *cp;
        if (asprintf(&cp, "%s/%s", strcmp(path, "/") ? path : "", kids + off) < 0) abort();
        remove_owned(s, domid, cp);
        free(cp);
    }
    free(kids);
}

int domain_release(struct xs_server *s, uint32_t domid)
{
    if (domid == 0) return -EINVAL;
    struct xs_domain *d = domain_get(s, domid, false);
    if (!d || !d->introduced) return -ENOENT;
    struct xs_conn *c = d->conn;
    d->introduced = false;
    d->conn = NULL;
    d->target = -1;
    journal_domain(s, d, false);
    if (c) {
        const struct xs_domain_hooks *h = hooks_of(s);
        if (h->release) h->release(h->ctx, c);
        xs_conn_free(c);
    }
    remove_owned(s, domid, "/");
    if (!s->replaying) fire_special(s, 1);
    return 0;
}

void xs_server_domain_state(struct xs_server *s, uint32_t domid, bool shutdown, bool gone)
{
    struct xs_domain *d = domain_get(s, domid, false);
    if (!d || !d->introduced) return;
    if (gone) {
        domain_release(s, domid);
    } else if (shutdown && !d->shutdown) {
        d->shutdown = true;
        fire_special(s, 1);
    }
}

int domain_set_target(struct xs_server *s, uint32_t domid, uint32_t target)
{
    struct xs_domain *d = domain_get(s, domid, false);
    struct xs_domain *t = domain_get(s, target, false);
    if (!d || !d->introduced || !t || !t->introduced) return -ENOENT;
    d->target = target;
    journal_domain(s, d, true);
    return 0;
}

static const struct xs_domain_hooks *hooks_of(struct xs_server *s) { return &s->hooks; }
