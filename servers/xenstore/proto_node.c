/*
 * proto_node.c: requests on the tree: READ, DIRECTORY, DIRECTORY_PART,
 * WRITE, MKDIR, RM, GET_PERMS, SET_PERMS (creation with inherited
 * permissions, recursive removal, and the watch events they raise).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int do_read_like(struct req *r)
{
    const char *arg = req_onearg(r);
    char path[PATH_BUF];
    const struct xs_node *n;
    if (!arg) return -EINVAL;
    int e = req_canon(r->c, arg, path, false, NULL);
    if (!e) e = req_get(r, path, XS_PERM_READ, &n);
    if (e) return e;
    if (r->h->type == XS_READ)
        conn_reply(r->c, r->h, XS_READ, n->value, n->vlen);
    else
        conn_reply(r->c, r->h, XS_DIRECTORY, n->children, n->clen);
    return 0;
}

int do_directory_part(struct req *r)
{
    const char *a[2];
    char path[PATH_BUF];
    const struct xs_node *n;
    uint32_t off = 0;
    if (req_split(r, a, 2) != 2) return -EINVAL;
    for (const char *d = a[1]; *d; d++) {
        if (*d < '0' || *d > '9' || off > 100000000) return -EINVAL;
        off = off * 10 + (uint32_t)(*d - '0');
    }
    int e = req_canon(r->c, a[0], path, false, NULL);
    if (!e) e = req_get(r, path, XS_PERM_READ, &n);
    if (e) return e;
    if (off > n->clen) off = n->clen; /* as Xen: an empty, complete list */
    char *buf = malloc(XENSTORE_PAYLOAD_MAX + 1);
    if (!buf) return -ENOMEM;
    int gl = snprintf(buf, 32, "%llu", (unsigned long long)n->gen) + 1;
    size_t used = (size_t)gl;
    uint32_t pos = off;
    while (pos < n->clen) {
        size_t l = strlen(n->children + pos) + 1;
        if (used + l + 1 > XENSTORE_PAYLOAD_MAX) break;
        memcpy(buf + used, n->children + pos, l);
        used += l;
        pos += (uint32_t)l;
    }
    if (pos >= n->clen) buf[used++] = '\0'; /* end of list */
    conn_reply(r->c, r->h, XS_DIRECTORY_PART, buf, used);
    free(buf);
    return 0;
}

/* Xen's entry-size quota (-S) applies to the node as stored: a 24-byte
 * header, 8 bytes per permission, the value and the child names. */
static bool too_big(const struct req *r, uint32_t nperms, size_t vlen, size_t clen)
{
    if (r->c->privileged) return false;
    return 24 + 8 * (size_t)nperms + vlen + clen >= r->c->srv->cfg.quota_entry_size;
}

static uint32_t new_owner(const struct xs_conn *c, uint32_t parent_owner)
{
    return c->privileged ? parent_owner : c->domid;
}

/* Create path (and missing ancestors) with the given value. */
static int create_node(struct req *r, const char *path, const char *val, uint32_t vlen)
{
    char *anc = path_parent(path);
    unsigned missing = 1;
    const struct xs_node *a;
    while (!(a = view_get(&r->v, anc))) {
        char *q = path_parent(anc);
        free(anc);
        anc = q;
        missing++;
    }
    if (!(perm_for_conn(r->c, a->perms, a->nperms) & XS_PERM_WRITE)) {
        free(anc);
        return -EACCES;
    }
    uint32_t owner = new_owner(r->c, a->nperms ? a->perms[0].id : 0);
    if (!r->c->privileged && view_domain_nodes(&r->v, owner) + missing > r->c->srv->cfg.quota_nodes) {
        free(anc);
        return -ENOSPC;
    }
    /* Every record this creates or grows must fit, before anything changes. */
    size_t plen = strlen(path), alen = strlen(anc);
    size_t pos = !strcmp(anc, "/") ? 0 : alen;
    for (size_t p = pos, first = 1; p < plen; first = 0) {
        size_t next = p + 1;
        while (next < plen && path[next] != '/')
            next++;
        size_t leaf = next - p; /* "/name": the name plus its NUL */
        bool ok = first ? !too_big(r, a->nperms, a->vlen, a->clen + leaf) : !too_big(r, a->nperms, 0, leaf);
        if (!ok) {
            free(anc);
            return -ENOSPC;
        }
        p = next;
    }
    if (too_big(r, a->nperms, vlen, 0)) {
        free(anc);
        return -ENOSPC;
    }
    /* Walk down from the existing ancestor creating each level. */
    struct xs_perm *perms = NULL;
    uint32_t np = a->nperms;
    if (np) {
        perms = malloc(np * sizeof(*perms));
        if (!perms) abort();
        memcpy(perms, a->perms, np * sizeof(*perms));
        perms[0].id = owner;
    }
    struct xs_node *parent = node_dup(a);
    while (pos < plen) {
        size_t next = pos + 1;
        while (next < plen && path[next] != '/')
            next++;
        char *cur = strndup(path, next);
        if (!cur) abort();
        node_add_child(parent, path_leaf(cur));
        view_put(&r->v, parent);
        parent = node_new(cur);
        node_set_perms(parent, perms, np);
        if (next == plen) node_set_value(parent, val, vlen);
        free(cur);
        pos = next;
    }
    view_put(&r->v, parent);
    free(perms);
    free(anc);
    return 0;
}

static void fire_node(struct req *r, const char *path, bool exact)
{
    const struct xs_node *n = view_get(&r->v, path);
    if (n) view_event(&r->v, path, exact, n->perms, n->nperms);
}

int do_write(struct req *r)
{
    char path[PATH_BUF];
    size_t pl = strnlen(r->p, r->len);
    if (pl == r->len) return -EINVAL;
    const char *val = r->p + pl + 1;
    uint32_t vlen = r->len - (uint32_t)pl - 1;
    int e = req_canon(r->c, r->p, path, false, NULL);
    if (e) return e;
    const struct xs_node *n = view_get(&r->v, path);
    if (n) {
        if (!(perm_for_conn(r->c, n->perms, n->nperms) & XS_PERM_WRITE)) return -EACCES;
        if (too_big(r, n->nperms, vlen, n->clen)) return -ENOSPC;
        struct xs_node *m = node_dup(n);
        node_set_value(m, val, vlen);
        view_put(&r->v, m);
    } else if ((e = create_node(r, path, val, vlen))) {
        return e;
    }
    fire_node(r, path, false);
    req_ok(r);
    return 0;
}

int do_mkdir(struct req *r)
{
    const char *arg = req_onearg(r);
    char path[PATH_BUF];
    if (!arg) return -EINVAL;
    int e = req_canon(r->c, arg, path, false, NULL);
    if (e) return e;
    const struct xs_node *n = view_get(&r->v, path);
    if (n) {
        if (!(perm_for_conn(r->c, n->perms, n->nperms) & XS_PERM_WRITE)) return -EACCES;
    } else {
        if ((e = create_node(r, path, NULL, 0))) return e;
        fire_node(r, path, false);
    }
    req_ok(r);
    return 0;
}

int do_rm(struct req *r)
{
    const char *arg = req_onearg(r);
    char path[PATH_BUF];
    if (!arg) return -EINVAL;
    int e = req_canon(r->c, arg, path, false, NULL);
    if (e) return e;
    if (!strcmp(path, "/")) return -EINVAL;
    const struct xs_node *n = view_get(&r->v, path);
    if (!n) {
        /* not an error if the parent exists (and we could write there) */
        if ((e = req_missing(r, path, XS_PERM_WRITE)) == -EACCES) return e;
        char *par = path_parent(path);
        e = view_get(&r->v, par) ? 0 : -ENOENT;
        free(par);
        if (!e) req_ok(r);
        return e;
    }
    if (!(perm_for_conn(r->c, n->perms, n->nperms) & XS_PERM_WRITE)) return -EACCES;
    view_rm(&r->v, path);
    req_ok(r);
    return 0;
}

static int special_index(struct xs_server *s, const char *path)
{
    for (int i = 0; i < 2; i++)
        if (!strcmp(path, s->special[i].name)) return i;
    return -1;
}

int do_get_perms(struct req *r)
{
    const char *arg = req_onearg(r);
    char path[PATH_BUF], buf[XENSTORE_PAYLOAD_MAX];
    const struct xs_node *n;
    if (!arg) return -EINVAL;
    /* special nodes are not readable this way (EINVAL, as in Xen 4.17) */
    int e = req_canon(r->c, arg, path, false, NULL);
    if (!e) e = req_get(r, path, XS_PERM_READ, &n);
    if (e) return e;
    size_t len = perms_format(n->perms, n->nperms, buf, sizeof(buf));
    conn_reply(r->c, r->h, XS_GET_PERMS, buf, len);
    return 0;
}

int do_set_perms(struct req *r)
{
    char path[PATH_BUF];
    size_t pl = strnlen(r->p, r->len);
    if (pl == r->len) return -EINVAL;
    int e = req_canon(r->c, r->p, path, true, NULL);
    if (e) return e;
    struct xs_perm *perms;
    uint32_t np;
    if ((e = perms_parse(r->p + pl + 1, r->len - pl - 1, &perms, &np))) return e;
    struct xs_server *s = r->c->srv;
    if (!r->c->privileged && np > s->cfg.quota_perms) {
        free(perms);
        return -ENOSPC;
    }
    if (path[0] == '@') {
        int i = special_index(s, path);
        if (i < 0 || !(perm_for_conn(r->c, s->special[i].perms, s->special[i].nperms) & XS_PERM_OWNER)) {
            free(perms);
            return i < 0 ? -EINVAL : -EACCES;
        }
        free(s->special[i].perms);
        s->special[i].perms = perms;
        s->special[i].nperms = np;
        journal_special(s, (unsigned)i);
        req_ok(r);
        return 0;
    }
    const struct xs_node *n;
    if ((e = req_get(r, path, XS_PERM_WRITE | XS_PERM_OWNER, &n))) {
        free(perms);
        return e;
    }
    if (!r->c->privileged && n->nperms && perms[0].id != n->perms[0].id) {
        free(perms);
        return -EPERM;
    }
    if (too_big(r, np, n->vlen, n->clen)) {
        free(perms);
        return -ENOSPC;
    }
    /* the event carries the old perms (as in Xen): whoever could see the
     * node learns that its access changed; so does whoever can now */
    struct xs_node *m = node_dup(n);
    struct xs_perm *old = m->perms;
    uint32_t nold = m->nperms;
    m->perms = NULL;
    node_set_perms(m, perms, np);
    view_put(&r->v, m);
    view_event(&r->v, path, false, old, nold);
    free(old);
    free(perms);
    req_ok(r);
    return 0;
}
