/*
 * store.c: reading and writing nodes, directly or through a transaction.
 *
 * A transaction never copies the tree. It keeps an overlay of the nodes it
 * wrote (or tombstones for removed ones) and a read set: the generation of
 * every node it looked at, 0 if the node was absent. Every change to the live
 * tree gives the node a fresh generation, and a parent's generation changes
 * whenever its child list does. Commit succeeds only if every node in the
 * read set still has the generation the transaction saw; otherwise EAGAIN and
 * nothing is applied. Watch events raised inside a transaction are held and
 * fired on commit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs.h"

static void txn_note_read(struct xs_txn *t, struct xs_server *s, const char *path, const struct xs_node *live)
{
    if (htab_get(&t->reads, path)) return;
    struct xs_node *r = node_new(path);
    r->gen = live ? live->gen : 0;
    (void)s;
    htab_put(&t->reads, r);
}

const struct xs_node *view_get(struct xs_view *v, const char *path)
{
    if (v->txn) {
        struct xs_node *o = htab_get(&v->txn->over, path);
        if (o) return o->deleted ? NULL : o;
    }
    struct xs_node *n = htab_get(&v->srv->tree, path);
    if (v->txn) txn_note_read(v->txn, v->srv, path, n);
    return n;
}

static bool owned_by_conn(const struct xs_view *v, const struct xs_node *n)
{
    return n && n->nperms && n->perms[0].id == v->conn->domid;
}

void view_put(struct xs_view *v, struct xs_node *n)
{
    if (!v->txn) {
        store_apply_put(v->srv, n);
        return;
    }
    const struct xs_node *before = view_get(v, n->path);
    if (!before && owned_by_conn(v, n)) v->txn->node_delta++;
    n->deleted = false;
    htab_put(&v->txn->over, n);
}

void view_del(struct xs_view *v, const char *path)
{
    if (!v->txn) {
        store_apply_del(v->srv, path);
        return;
    }
    const struct xs_node *before = view_get(v, path);
    if (!before) return;
    if (owned_by_conn(v, before)) v->txn->node_delta--;
    struct xs_node *tomb = node_new(path);
    tomb->deleted = true;
    htab_put(&v->txn->over, tomb);
}

long view_domain_nodes(struct xs_view *v, uint32_t owner)
{
    struct xs_domain *d = domain_get(v->srv, owner, false);
    long n = d ? d->nodes : 0;
    if (v->txn && owner == v->conn->domid) n += v->txn->node_delta;
    return n;
}

static void event_free(struct xs_event *e)
{
    free(e->path);
    free(e->perms);
    free(e);
}

void view_event(struct xs_view *v, const char *path, bool exact, const struct xs_perm *p, uint32_t np)
{
    if (!v->txn) {
        watch_fire(v->srv, path, exact, p, np);
        return;
    }
    struct xs_event *e = calloc(1, sizeof(*e));
    if (!e) abort();
    e->path = strdup(path);
    e->exact = exact;
    if (np) {
        e->perms = malloc(np * sizeof(*p));
        if (!e->perms) abort();
        memcpy(e->perms, p, np * sizeof(*p));
    }
    e->nperms = np;
    *v->txn->etail = e;
    v->txn->etail = &e->next;
}

/* Remove the subtree under path (not path itself), children first, each
 * firing the watches set exactly on it. */
static void rm_children(struct xs_view *v, const char *path)
{
    const struct xs_node *n = view_get(v, path);
    if (!n || !n->clen) return;
    char *kids = malloc(n->clen);
    uint32_t clen = n->clen;
    if (!kids) abort();
    memcpy(kids, n->children, clen);
    for (uint32_t off = 0; off < clen; off += (uint32_t)strlen(kids + off) + 1) {
        char *cp;
        if (asprintf(&cp, "%s/%s", strcmp(path, "/") ? path : "", kids + off) < 0) abort();
        rm_children(v, cp);
        const struct xs_node *k = view_get(v, cp);
        if (k) {
            view_event(v, cp, true, k->perms, k->nperms);
            view_del(v, cp);
        }
        free(cp);
    }
    free(kids);
}

void view_rm(struct xs_view *v, const char *path)
{
    const struct xs_node *n = view_get(v, path);
    if (!n) return;
    struct xs_perm *perms = NULL;
    uint32_t np = n->nperms;
    if (np) {
        perms = malloc(np * sizeof(*perms));
        if (!perms) abort();
        memcpy(perms, n->perms, np * sizeof(*perms));
    }
    rm_children(v, path);
    view_del(v, path);
    char *par = path_parent(path);
    const struct xs_node *p = view_get(v, par);
    if (p) {
        struct xs_node *m = node_dup(p);
        node_del_child(m, path_leaf(path));
        view_put(v, m);
    }
    free(par);
    view_event(v, path, false, perms, np);
    free(perms);
}

void store_apply_put(struct xs_server *s, struct xs_node *n)
{
    struct xs_node *old = htab_get(&s->tree, n->path);
    if (old && old->nperms) domain_nodes_adjust(s, old->perms[0].id, -1);
    if (n->nperms) domain_nodes_adjust(s, n->perms[0].id, +1);
    n->gen = ++s->gen;
    n->deleted = false;
    journal_node_put(s, n);
    htab_put(&s->tree, n);
}

void store_apply_del(struct xs_server *s, const char *path)
{
    struct xs_node *old = htab_take(&s->tree, path);
    if (!old) return;
    if (old->nperms) domain_nodes_adjust(s, old->perms[0].id, -1);
    journal_node_del(s, path);
    node_free(old);
}

struct xs_txn *txn_find(struct xs_conn *c, uint32_t id)
{
    for (struct xs_txn *t = c->txns; t; t = t->next)
        if (t->id == id) return t;
    return NULL;
}

struct xs_txn *txn_start(struct xs_conn *c)
{
    struct xs_txn *t = calloc(1, sizeof(*t));
    if (!t) abort();
    do {
        t->id = ++c->next_txid;
    } while (t->id == 0 || txn_find(c, t->id));
    /* a domain connection's counter survives restarts, so an id the guest
     * still holds from before is never handed out again */
    journal_txid(c->srv, c);
    htab_init(&t->over);
    htab_init(&t->reads);
    t->etail = &t->events;
    t->next = c->txns;
    c->txns = t;
    c->ntxns++;
    return t;
}

void txn_free(struct xs_txn *t)
{
    htab_free(&t->over);
    htab_free(&t->reads);
    struct xs_event *e = t->events;
    while (e) {
        struct xs_event *next = e->next;
        event_free(e);
        e = next;
    }
    free(t);
}

static bool txn_conflicts(struct xs_server *s, struct xs_txn *t)
{
    size_t i = 0;
    for (struct xs_node *r = NULL; (r = htab_next(&t->reads, &i, r));) {
        struct xs_node *live = htab_get(&s->tree, r->path);
        if ((live ? live->gen : 0) != r->gen) return true;
    }
    return false;
}

int txn_end(struct xs_conn *c, struct xs_txn *t, bool commit)
{
    struct xs_server *s = c->srv;
    for (struct xs_txn **pp = &c->txns; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    c->ntxns--;
    int rc = 0;
    if (commit && txn_conflicts(s, t)) {
        s->stats.conflicts++;
        rc = -EAGAIN;
    } else if (commit && t->over.n) {
        journal_batch(s, true);
        size_t n = t->over.n, k = 0, i = 0;
        char **paths = malloc(n * sizeof(*paths));
        if (!paths) abort();
        for (struct xs_node *o = NULL; (o = htab_next(&t->over, &i, o));)
            paths[k++] = o->path;
        for (k = 0; k < n; k++) {
            /* move the node out of the overlay into the tree */
            struct xs_node *o = htab_take(&t->over, paths[k]);
            if (o->deleted) {
                store_apply_del(s, o->path);
                node_free(o);
            } else {
                store_apply_put(s, o);
            }
        }
        free(paths);
        journal_batch(s, false);
        s->stats.commits++;
        for (struct xs_event *e = t->events; e; e = e->next)
            watch_fire(s, e->path, e->exact, e->perms, e->nperms);
    } else if (commit) {
        s->stats.commits++;
        for (struct xs_event *e = t->events; e; e = e->next)
            watch_fire(s, e->path, e->exact, e->perms, e->nperms);
    }
    txn_free(t);
    return rc;
}
