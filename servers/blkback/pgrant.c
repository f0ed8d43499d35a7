/*
 * Persistent grants (feature-persistent): a queue whose frontend offers them
 * keeps each grant reference it is sent mapped until the ring goes, so a
 * frontend that reuses its granted pages (Linux's blkfront does) costs a
 * memcpy per segment instead of a grant copy.  The device still DMAs only
 * into blkback's own pages: the mapping is copied to or from them.
 *
 * Bounded per ring (Xen's max_persistent_grants) and over all rings
 * (BB_PGRANTS_ALL, below the runtime's mappings, so a ring can always be
 * mapped): once the ring's bound is reached, a reference not yet known is
 * carried out by grant copy, as is one that
 * cannot be mapped (bad, foreign, read-only, or the runtime is out of
 * mappings); such a reference is remembered as "by copy" so it is not tried
 * again.  While all rings together are at their bound a new reference is
 * copied but not remembered: it is mapped once another ring's go.  The
 * frontend sees no difference but speed.  A reference is looked up by number only: a frontend that grants
 * the same reference for another page while it is mapped keeps reaching the
 * first page (as with Xen's blkback); it can only hurt its own data.
 */
#include "blkback.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/errno.h>

#define PG_HASH 256 /* buckets; a power of two */

struct bb_pgnt {
    uint32_t gref;
    int next; /* the bucket's next entry, or -1 */
    void *va; /* NULL: carried out by copy */
};

struct bb_pgrants {
    unsigned n, max, mapped;
    bool full_logged, all_logged;
    int head[PG_HASH];
    struct bb_pgnt e[];
};

static unsigned bucket(uint32_t gref) { return (gref * 2654435761u) >> 24 & (PG_HASH - 1); }

void bb_pgrants_enable(struct bb_queue *q)
{
    struct bb *b = q->dev->bb;
    if (!b->env.map || !b->env.max_pgrants) return;
    struct bb_pgrants *p = malloc(sizeof(*p) + b->env.max_pgrants * sizeof(p->e[0]));
    if (!p) return; /* grant copy only */
    p->n = p->mapped = 0;
    p->max = b->env.max_pgrants;
    p->full_logged = p->all_logged = false;
    for (unsigned i = 0; i < PG_HASH; i++)
        p->head[i] = -1;
    q->pg = p;
}

unsigned bb_pgrants_mapped(const struct bb_queue *q) { return q->pg ? q->pg->mapped : 0; }

/* The mapping of gref (mapped now if there is room), or NULL: by copy. */
static void *lookup(struct bb_queue *q, uint32_t gref)
{
    struct bb_pgrants *p = q->pg;
    struct bb *b = q->dev->bb;
    unsigned h = bucket(gref);
    for (int i = p->head[h]; i >= 0; i = p->e[i].next)
        if (p->e[i].gref == gref) return p->e[i].va;
    if (p->n == p->max) {
        if (!p->full_logged)
            printf("blkback: d%u queue %u: %u persistent grants (the bound): further grants by copy\n",
                   q->dev->domid, (unsigned)(q - q->dev->q), p->max);
        p->full_logged = true;
        return NULL;
    }
    if (b->pg_mapped >= b->env.max_pgrants_all) {
        if (!p->all_logged)
            printf("blkback: d%u queue %u: %u persistent grants on all rings (the bound): new grants by copy "
                   "until some go\n",
                   q->dev->domid, (unsigned)(q - q->dev->q), b->pg_mapped);
        p->all_logged = true;
        return NULL;
    }
    struct bb_pgnt *e = &p->e[p->n];
    e->gref = gref;
    e->va = b->env.map(b->env.ctx, q->dev->domid, gref);
    e->next = p->head[h];
    p->head[h] = (int)p->n++;
    if (e->va) p->mapped++, b->pg_mapped++;
    return e->va;
}

int bb_gio(struct bb_queue *q, struct xd_copy *c, unsigned n)
{
    struct bb *b = q->dev->bb;
    if (!q->pg) return b->env.gcopy(b->env.ctx, c, n);
    struct xd_copy rest[BB_MAX_INDIRECT];
    unsigned at[BB_MAX_INDIRECT], nrest = 0;
    if (n > BB_MAX_INDIRECT) return -XEN_EINVAL;
    for (unsigned i = 0; i < n; i++) {
        void *va = (unsigned)c[i].goff + c[i].len <= 4096 ? lookup(q, c[i].gref) : NULL;
        if (!va) {
            at[nrest] = i;
            rest[nrest++] = c[i];
            continue;
        }
        uint8_t *g = (uint8_t *)va + c[i].goff;
        if (c[i].to_guest)
            memcpy(g, c[i].local, c[i].len);
        else
            memcpy(c[i].local, g, c[i].len);
        c[i].status = GNTST_okay;
    }
    if (!nrest) return 0;
    int rc = b->env.gcopy(b->env.ctx, rest, nrest);
    for (unsigned i = 0; i < nrest && !rc; i++)
        c[at[i]].status = rest[i].status;
    return rc;
}

void bb_pgrants_release(struct bb_queue *q)
{
    struct bb_pgrants *p = q->pg;
    struct bb *b = q->dev->bb;
    if (!p) return;
    for (unsigned i = 0; i < p->n; i++)
        if (p->e[i].va) b->env.unmap(b->env.ctx, p->e[i].va);
    printf("blkback: d%u queue %u: %u persistent grants unmapped\n", q->dev->domid, (unsigned)(q - q->dev->q),
           p->mapped);
    b->pg_mapped -= p->mapped;
    free(p);
    q->pg = NULL;
}
