/*
 * watch.c: per-connection watches and event delivery. An event on a path
 * reaches every watch on that path or an ancestor (or, for the nodes of a
 * removed subtree, the watches on exactly those nodes), provided the watcher
 * may read the node or its parent (see may_see); special events
 * (@introduceDomain, @releaseDomain) are checked against the special node's
 * permissions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs.h"

int watch_add(struct xs_conn *c, const char *path, const char *token, size_t rel)
{
    for (struct xs_watch *w = c->watches; w; w = w->next)
        if (!strcmp(w->path, path) && !strcmp(w->token, token)) return -EEXIST;
    /* Xen compares before counting the new one: quota N admits N + 1 */
    if (!c->privileged && c->nwatches > c->srv->cfg.quota_watches) return -E2BIG;
    struct xs_watch *w = calloc(1, sizeof(*w));
    if (!w) abort();
    w->path = strdup(path);
    w->token = strdup(token);
    if (!w->path || !w->token) abort();
    w->rel = rel;
    struct xs_watch **pp = &c->watches;
    while (*pp)
        pp = &(*pp)->next;
    *pp = w;
    c->nwatches++;
    journal_watch(c->srv, c, w, true);
    return 0;
}

static void watch_free(struct xs_watch *w)
{
    free(w->path);
    free(w->token);
    free(w);
}

int watch_del(struct xs_conn *c, const char *path, const char *token)
{
    for (struct xs_watch **pp = &c->watches; *pp; pp = &(*pp)->next) {
        struct xs_watch *w = *pp;
        if (!strcmp(w->path, path) && !strcmp(w->token, token)) {
            *pp = w->next;
            c->nwatches--;
            journal_watch(c->srv, c, w, false);
            watch_free(w);
            return 0;
        }
    }
    return -ENOENT;
}

void watch_clear(struct xs_conn *c)
{
    while (c->watches) {
        struct xs_watch *w = c->watches;
        c->watches = w->next;
        journal_watch(c->srv, c, w, false);
        watch_free(w);
    }
    c->nwatches = 0;
}

static bool may_see(struct xs_server *s, struct xs_conn *c, const char *path, const struct xs_perm *p,
                    uint32_t np)
{
    if (c->privileged) return true;
    if (path[0] == '@') {
        for (unsigned i = 0; i < 2; i++)
            if (!strcmp(path, s->special[i].name))
                return perm_for_conn(c, s->special[i].perms, s->special[i].nperms) & XS_PERM_READ;
        return false;
    }
    /* as Xen: readable under the perms the event carries (the old ones for
     * SET_PERMS, the last ones for a removed node), or under the node's
     * current perms, or under its parent's */
    if (perm_for_conn(c, p, np) & XS_PERM_READ) return true;
    const struct xs_node *n = htab_get(&s->tree, path);
    if (n && (perm_for_conn(c, n->perms, n->nperms) & XS_PERM_READ)) return true;
    char *parent = path_parent(path);
    n = htab_get(&s->tree, parent);
    free(parent);
    return n && (perm_for_conn(c, n->perms, n->nperms) & XS_PERM_READ);
}

void watch_fire(struct xs_server *s, const char *path, bool exact, const struct xs_perm *p, uint32_t np)
{
    size_t plen = strlen(path);
    if (s->replaying) return; /* output owed to domains is restored from the journal */
    for (struct xs_conn *c = s->conns; c; c = c->next) {
        if (c->dead || !c->watches) continue;
        bool checked = false, visible = false;
        for (struct xs_watch *w = c->watches; w; w = w->next) {
            bool match = exact ? !strcmp(path, w->path) : path_is_child(path, w->path);
            if (!match) continue;
            if (!checked) {
                visible = may_see(s, c, path, p, np);
                checked = true;
            }
            if (!visible) break;
            const char *ev = path;
            if (w->rel && plen > w->rel) ev = path + w->rel;
            conn_event(c, ev, w->token);
        }
    }
}
