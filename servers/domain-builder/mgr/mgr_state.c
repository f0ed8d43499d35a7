/* State pages: pages of ours granted to a service domain that outlive it
 * (docs/restart.md).  The xenstore domain gets XSSTATE_PAGES of them for its
 * store (mgr_xs.c); any other domain asks for N with the config key
 * state_pages = N and finds them through " state=BUILDER:GREF" on its
 * program's command line (module 0).  The pages are allocated once per
 * domain id and handed, contents intact, to every incarnation rebuilt with
 * that id; what the program keeps there (netback: its VFR counters) is its
 * own business, checked by it.  A domain destroyed for good leaves them
 * zeroed for the next domain given its id. */
#include "mgr/mgr.h"

#include <stdio.h>
#include <string.h>

uint8_t *mgr_state_grant(struct mgr *m, uint32_t domid, unsigned n, uint32_t *refs, uint8_t **chunks)
{
    if (n < 1 || n > XSSTATE_MAX_PAGES) return NULL;
    for (unsigned c = 0; c * XSSTATE_CHUNK < n; c++) {
        unsigned k = n - c * XSSTATE_CHUNK < XSSTATE_CHUNK ? n - c * XSSTATE_CHUNK : XSSTATE_CHUNK;
        chunks[c] = m->b->ops->grant_pages(m->b, domid, k, refs + c * XSSTATE_CHUNK);
        if (!chunks[c]) return NULL; /* the chunks granted so far leak: there is no ungrant */
    }
    memcpy(chunks[0] + XSSTATE_REFS_OFF, &n, 4);
    memcpy(chunks[0] + XSSTATE_REFS_OFF + 4, refs, n * 4u);
    return chunks[0];
}

static unsigned chunk_pages(const struct mgr_state *s, unsigned c)
{
    return s->n - c * XSSTATE_CHUNK < XSSTATE_CHUNK ? s->n - c * XSSTATE_CHUNK : XSSTATE_CHUNK;
}

/* The list of references written again from ours: the domain may write
 * its pages, the list included. */
static void relist(struct mgr_state *s)
{
    memcpy(s->chunk[0] + XSSTATE_REFS_OFF, &s->n, 4);
    memcpy(s->chunk[0] + XSSTATE_REFS_OFF + 4, s->refs, s->n * 4u);
}

static void wipe(struct mgr_state *s)
{
    for (unsigned c = 0; c * XSSTATE_CHUNK < s->n; c++)
        memset(s->chunk[c], 0, chunk_pages(s, c) * 4096u);
    relist(s);
}

static struct mgr_state *find(struct mgr *m, uint32_t domid, uint32_t n)
{
    for (int i = 0; i < MGR_MAX_STATE; i++)
        if (m->state[i].n && m->state[i].domid == domid && (!n || m->state[i].n == n)) return &m->state[i];
    return NULL;
}

int mgr_state_prepare(struct mgr *m, struct mgr_dom *d, uint32_t domid, char *args, size_t size)
{
    uint32_t n = d->cfg.state_pages;
    struct mgr_state *s = find(m, domid, n);
    if (s && d->state_for != domid) wipe(s); /* another domain's, or one that started afresh */
    if (s) relist(s);
    for (int i = 0; !s && i < MGR_MAX_STATE; i++)
        if (!m->state[i].n) {
            struct mgr_state *t = &m->state[i];
            if (!mgr_state_grant(m, domid, n, t->refs, t->chunk)) break;
            t->domid = domid;
            t->n = n;
            s = t;
            mgr_logf(m, "domain-builder: %s: %u state pages granted to domain %u (grant %u)", d->cfg.name, n,
                     domid, t->refs[0]);
        }
    if (!s) {
        mgr_logf(m, "domain-builder: %s: no state pages (%s): its state will not survive its domain's death",
                 d->cfg.name, find(m, domid, 0) ? "its id has pages of another count" : "none left");
        d->state_for = 0;
        return -1;
    }
    size_t len = strlen(args);
    int w = snprintf(args + len, size - len, "%sstate=%u:%u", len ? " " : "", m->b->self, s->refs[0]);
    if (w < 0 || (size_t)w >= size - len) {
        args[len] = 0;
        return -1;
    }
    d->state_for = domid;
    return 0;
}

void mgr_state_release(struct mgr *m, struct mgr_dom *d)
{
    struct mgr_state *s = d->state_for ? find(m, d->state_for, d->cfg.state_pages) : NULL;
    if (s) wipe(s);
    d->state_for = 0;
}
