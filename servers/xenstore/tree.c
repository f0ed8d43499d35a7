/*
 * tree.c: nodes, the path-keyed hash table that holds them (the live tree,
 * and each transaction's overlay and read set), and path helpers.
 */
#include <stdlib.h>
#include <string.h>

#include "xs.h"

static size_t hash_path(const char *p)
{
    size_t h = 1469598103934665603ull;
    while (*p)
        h = (h ^ (unsigned char)*p++) * 1099511628211ull;
    return h;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

void htab_init(struct xs_htab *h)
{
    h->nb = 16;
    h->n = 0;
    h->b = calloc(h->nb, sizeof(*h->b));
    if (!h->b) abort();
}

void htab_free(struct xs_htab *h)
{
    for (size_t i = 0; i < h->nb; i++) {
        struct xs_node *n = h->b[i];
        while (n) {
            struct xs_node *next = n->hnext;
            node_free(n);
            n = next;
        }
    }
    free(h->b);
    h->b = NULL;
    h->nb = h->n = 0;
}

struct xs_node *htab_get(const struct xs_htab *h, const char *path)
{
    for (struct xs_node *n = h->b[hash_path(path) & (h->nb - 1)]; n; n = n->hnext)
        if (!strcmp(n->path, path)) return n;
    return NULL;
}

static void htab_grow(struct xs_htab *h)
{
    size_t nb = h->nb * 2;
    struct xs_node **b = calloc(nb, sizeof(*b));
    if (!b) abort();
    for (size_t i = 0; i < h->nb; i++) {
        struct xs_node *n = h->b[i];
        while (n) {
            struct xs_node *next = n->hnext;
            size_t j = hash_path(n->path) & (nb - 1);
            n->hnext = b[j];
            b[j] = n;
            n = next;
        }
    }
    free(h->b);
    h->b = b;
    h->nb = nb;
}

struct xs_node *htab_take(struct xs_htab *h, const char *path)
{
    struct xs_node **pp = &h->b[hash_path(path) & (h->nb - 1)];
    for (; *pp; pp = &(*pp)->hnext) {
        if (!strcmp((*pp)->path, path)) {
            struct xs_node *n = *pp;
            *pp = n->hnext;
            n->hnext = NULL;
            h->n--;
            return n;
        }
    }
    return NULL;
}

void htab_put(struct xs_htab *h, struct xs_node *n)
{
    struct xs_node *old = htab_take(h, n->path);
    if (old) node_free(old);
    if (h->n + 1 > h->nb) htab_grow(h);
    size_t i = hash_path(n->path) & (h->nb - 1);
    n->hnext = h->b[i];
    h->b[i] = n;
    h->n++;
}

struct xs_node *htab_next(const struct xs_htab *h, size_t *bucket, struct xs_node *prev)
{
    if (prev && prev->hnext) return prev->hnext;
    size_t i = prev ? *bucket + 1 : *bucket;
    for (; i < h->nb; i++) {
        if (h->b[i]) {
            *bucket = i;
            return h->b[i];
        }
    }
    *bucket = i;
    return NULL;
}

struct xs_node *node_new(const char *path)
{
    struct xs_node *n = xmalloc(sizeof(*n));
    memset(n, 0, sizeof(*n));
    n->path = strdup(path);
    if (!n->path) abort();
    return n;
}

static void *dupmem(const void *p, size_t len)
{
    if (!len) return NULL;
    void *q = xmalloc(len);
    memcpy(q, p, len);
    return q;
}

struct xs_node *node_dup(const struct xs_node *o)
{
    struct xs_node *n = node_new(o->path);
    n->gen = o->gen;
    n->deleted = o->deleted;
    n->nperms = o->nperms;
    n->perms = dupmem(o->perms, o->nperms * sizeof(*o->perms));
    n->vlen = o->vlen;
    n->value = dupmem(o->value, o->vlen);
    n->clen = o->clen;
    n->children = dupmem(o->children, o->clen);
    return n;
}

void node_free(struct xs_node *n)
{
    if (!n) return;
    free(n->path);
    free(n->perms);
    free(n->value);
    free(n->children);
    free(n);
}

void node_set_value(struct xs_node *n, const void *v, uint32_t len)
{
    free(n->value);
    n->value = dupmem(v, len);
    n->vlen = len;
}

void node_set_perms(struct xs_node *n, const struct xs_perm *p, uint32_t np)
{
    free(n->perms);
    n->perms = dupmem(p, np * sizeof(*p));
    n->nperms = np;
}

static long child_offset(const struct xs_node *n, const char *name)
{
    size_t len = strlen(name);
    for (uint32_t off = 0; off < n->clen;) {
        const char *c = n->children + off;
        size_t cl = strlen(c);
        if (cl == len && !memcmp(c, name, len)) return off;
        off += (uint32_t)cl + 1;
    }
    return -1;
}

bool node_has_child(const struct xs_node *n, const char *name) { return child_offset(n, name) >= 0; }

void node_add_child(struct xs_node *n, const char *name)
{
    if (node_has_child(n, name)) return;
    size_t len = strlen(name) + 1;
    char *c = realloc(n->children, n->clen + len);
    if (!c) abort();
    memcpy(c + n->clen, name, len);
    n->children = c;
    n->clen += (uint32_t)len;
}

void node_del_child(struct xs_node *n, const char *name)
{
    long off = child_offset(n, name);
    if (off < 0) return;
    size_t len = strlen(name) + 1;
    memmove(n->children + off, n->children + off + len, n->clen - off - len);
    n->clen -= (uint32_t)len;
}

bool path_is_child(const char *child, const char *parent)
{
    size_t pl = strlen(parent);
    if (!strcmp(parent, "/")) return child[0] == '/';
    if (strncmp(child, parent, pl)) return false;
    return child[pl] == '\0' || child[pl] == '/';
}

char *path_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t len = (slash && slash != path) ? (size_t)(slash - path) : 1;
    char *p = xmalloc(len + 1);
    memcpy(p, path, len);
    p[len] = '\0';
    return p;
}

const char *path_leaf(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}
