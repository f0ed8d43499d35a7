/*
 * nb_keep.c: netback's counters across a restart of its program (see
 * nb_keep.h).  A snapshot lists the rules (a hash of the canonical text and
 * the counts) and the ports by name (the VFR's statistics and, for a vif,
 * netback's).  A port of the new instance is matched by name, the first
 * time it appears: a vif resumed after the restart keeps its name
 * (vif<domid>.<devid>), so its counts go on from where they were.  Ports of
 * the previous instance that do not come back within NB_KEEP_WAIT are
 * dropped from the snapshots (their guest went while netback was away).
 */
#include "nb_keep.h"
#include "xsstate.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEEP_MAGIC   0x5045454b4254454eull /* "NETBKEEP" */
#define KEEP_VERSION 2                     /* 2: checksummed slots */
#define NB_KEEP_WAIT (120ull * 1000000000ull)

struct nb_keep_port {
    char name[VFR_NAME];
    uint8_t has_vif; /* vst is a running vif's */
    struct vfr_port_stats st;
    struct nb_stats vst;
};
struct nb_keep_rule {
    uint64_t hash, pkts, bytes, limited;
};
struct nb_keep_slot {
    uint64_t sum; /* slot_sum: of what follows, as far as it is used */
    uint32_t nports, nrules;
    struct nb_keep_port p[VFR_MAX_PORTS];
    struct nb_keep_rule r[VFR_MAX_RULES];
};
struct nb_keep_hdr {
    uint64_t magic;
    uint32_t cur, size; /* the current slot; nb_keep_size() when written */
    uint32_t version;
};

static size_t slot_off(unsigned i)
{
    size_t h = (sizeof(struct nb_keep_hdr) + 63) & ~(size_t)63;
    return h + i * ((sizeof(struct nb_keep_slot) + 63) & ~(size_t)63);
}

size_t nb_keep_size(void) { return slot_off(2); }

static uint64_t rule_hash(const struct vfr_rule *r)
{
    char t[VFR_RULE_TEXT];
    vfr_rule_format(r, t, sizeof(t));
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (const char *c = t; *c; c++)
        h = (h ^ (uint8_t)*c) * 0x100000001b3ull;
    return h;
}

/* A slot's checksum: its counts and the entries they cover, a word at a
 * time (a snapshot torn or written over by anything else does not match). */
static uint64_t slot_sum(const struct nb_keep_slot *s, uint32_t np, uint32_t nr)
{
    uint64_t h = 0x6e62206b65657020ull ^ ((uint64_t)np << 32 | nr);
    const uint64_t *w = (const uint64_t *)s->p;
    size_t n = np * sizeof(s->p[0]) / 8;
    for (int part = 0; part < 2; part++) {
        for (size_t i = 0; i < n; i++) {
            h = (h ^ w[i]) * 0x9e3779b97f4a7c15ull;
            h ^= h >> 29;
        }
        w = (const uint64_t *)s->r;
        n = nr * sizeof(s->r[0]) / 8;
    }
    return h;
}

/* What is wrong with the snapshot the region names current, or NULL. */
static const char *check(const struct nb_keep *k, char *why, size_t len)
{
    const struct nb_keep_hdr *h = k->h;
    if (h->magic != KEEP_MAGIC)
        snprintf(why, len, "not netback's counters (magic %016llx)", (unsigned long long)h->magic);
    else if (h->version != KEEP_VERSION)
        snprintf(why, len, "layout version %u, not %u", h->version, KEEP_VERSION);
    else if (h->size != nb_keep_size())
        snprintf(why, len, "size %u, not %zu", h->size, nb_keep_size());
    else if (h->cur > 1)
        snprintf(why, len, "current slot %u", h->cur);
    else {
        const struct nb_keep_slot *s = k->slot[h->cur];
        uint32_t np = s->nports, nr = s->nrules;
        if (np > VFR_MAX_PORTS || nr > VFR_MAX_RULES)
            snprintf(why, len, "%u ports and %u rules (at most %u and %u)", np, nr, VFR_MAX_PORTS,
                     VFR_MAX_RULES);
        else if (slot_sum(s, np, nr) != s->sum)
            snprintf(why, len, "checksum %016llx, not %016llx (a damaged snapshot)",
                     (unsigned long long)s->sum, (unsigned long long)slot_sum(s, np, nr));
        else {
            for (uint32_t i = 0; i < np; i++)
                if (!s->p[i].name[0] || memchr(s->p[i].name, 0, VFR_NAME) == NULL) {
                    snprintf(why, len, "port %u has no name", i);
                    return why;
                }
            return NULL;
        }
    }
    return why;
}

int nb_keep_attach(struct nb_keep *k, void *region, uint64_t now, char *why, size_t whylen)
{
    memset(k, 0, sizeof(*k));
    k->old = calloc(1, sizeof(*k->old));
    if (!k->old) return -ENOMEM;
    k->h = region;
    for (unsigned i = 0; i < 2; i++)
        k->slot[i] = (struct nb_keep_slot *)((char *)region + slot_off(i));
    static const struct nb_keep_hdr zero;
    int rc = 0;
    if (memcmp(k->h, &zero, sizeof(zero))) { /* not a region nobody wrote */
        if (!check(k, why, whylen)) {
            *k->old = *k->slot[k->h->cur];
            k->old_until = now + NB_KEEP_WAIT;
            return 1;
        }
        rc = -EINVAL;
    }
    /* start the region afresh: an empty snapshot, named current last */
    __atomic_store_n(&k->h->magic, 0, __ATOMIC_RELEASE);
    struct nb_keep_slot *s = k->slot[0];
    s->nports = s->nrules = 0;
    s->sum = slot_sum(s, 0, 0);
    k->h->cur = 0;
    k->h->size = (uint32_t)nb_keep_size();
    k->h->version = KEEP_VERSION;
    __atomic_store_n(&k->h->magic, KEEP_MAGIC, __ATOMIC_RELEASE);
    return rc;
}

unsigned nb_keep_rules(struct nb_keep *k, struct vfr *v)
{
    struct vfr_ruleset *rs = v->rules;
    bool used[VFR_MAX_RULES] = { false };
    unsigned n = 0;
    for (unsigned i = 0; rs && i < rs->n; i++) {
        uint64_t h = rule_hash(&rs->r[i]);
        for (unsigned j = 0; j < k->old->nrules; j++) {
            const struct nb_keep_rule *o = &k->old->r[j];
            if (used[j] || o->hash != h) continue;
            used[j] = true;
            rs->r[i].pkts += o->pkts;
            rs->r[i].bytes += o->bytes;
            rs->r[i].limited += o->limited;
            n++;
            break;
        }
    }
    return n;
}

static void add_port_stats(struct vfr_port_stats *d, const struct vfr_port_stats *s)
{
    uint64_t *a = (uint64_t *)d;
    const uint64_t *b = (const uint64_t *)s;
    for (size_t i = 0; i < sizeof(*d) / sizeof(uint64_t); i++)
        a[i] += b[i];
}

static void add_vif_stats(struct nb_stats *d, const struct nb_stats *s)
{
    uint64_t *a = (uint64_t *)d;
    const uint64_t *b = (const uint64_t *)s;
    for (size_t i = 0; i < sizeof(*d) / sizeof(uint64_t); i++)
        a[i] += b[i];
}

static int old_port(const struct nb_keep *k, const char *name)
{
    for (unsigned j = 0; j < k->old->nports; j++)
        if (!strncmp(k->old->p[j].name, name, VFR_NAME)) return (int)j;
    return -1;
}

unsigned nb_keep_sync(struct nb_keep *k, struct nb *b, uint64_t now)
{
    struct vfr *v = b->vfr;
    unsigned given = 0;
    bool old_live = k->old->nports && now < k->old_until;
    /* first sight of a port (or of its vif running): the previous
     * instance's counts of that name */
    for (int i = 0; i < VFR_MAX_PORTS; i++) {
        struct vfr_port *p = &v->port[i];
        if (!p->used) {
            k->seen_port[i][0] = k->seen_vif[i][0] = 0;
            continue;
        }
        int j = -1;
        if (strncmp(k->seen_port[i], p->cfg.name, VFR_NAME)) {
            memcpy(k->seen_port[i], p->cfg.name, VFR_NAME);
            k->seen_vif[i][0] = 0;
            if (old_live && (j = old_port(k, p->cfg.name)) >= 0 && !k->old_port_taken[j]) {
                k->old_port_taken[j] = true;
                add_port_stats(&p->st, &k->old->p[j].st);
                given++;
            }
        }
        struct nb_vif *vif = b->vif_of[i];
        if (vif && strncmp(k->seen_vif[i], p->cfg.name, VFR_NAME)) {
            memcpy(k->seen_vif[i], p->cfg.name, VFR_NAME);
            if (old_live && (j = old_port(k, p->cfg.name)) >= 0 && k->old->p[j].has_vif &&
                !k->old_vif_taken[j]) {
                k->old_vif_taken[j] = true;
                add_vif_stats(&vif->st, &k->old->p[j].vst);
            }
        }
    }
    /* the snapshot, into the idle slot */
    unsigned idle = k->h->cur ^ 1;
    struct nb_keep_slot *s = k->slot[idle];
    uint32_t np = 0;
    for (int i = 0; i < VFR_MAX_PORTS; i++) {
        const struct vfr_port *p = &v->port[i];
        if (!p->used) continue;
        struct nb_keep_port *o = &s->p[np++];
        memcpy(o->name, p->cfg.name, VFR_NAME);
        o->st = p->st;
        o->has_vif = b->vif_of[i] != NULL;
        if (o->has_vif)
            o->vst = b->vif_of[i]->st;
        else
            memset(&o->vst, 0, sizeof(o->vst));
    }
    /* ports of the previous instance not back yet wait their turn */
    for (unsigned j = 0; old_live && j < k->old->nports && np < VFR_MAX_PORTS; j++) {
        const struct nb_keep_port *o = &k->old->p[j];
        if (k->old_port_taken[j] || vfr_port_find(v, o->name) >= 0) continue;
        s->p[np++] = *o;
    }
    s->nports = np;
    const struct vfr_ruleset *rs = v->rules;
    if (rs != k->hashed) {
        for (unsigned i = 0; rs && i < rs->n; i++)
            k->hash[i] = rule_hash(&rs->r[i]);
        k->hashed = rs;
    }
    uint32_t nr = rs ? rs->n : 0;
    for (unsigned i = 0; i < nr; i++)
        s->r[i] = (struct nb_keep_rule){ k->hash[i], rs->r[i].pkts, rs->r[i].bytes, rs->r[i].limited };
    s->nrules = nr;
    s->sum = slot_sum(s, np, nr);
    /* the slot is whole before it is named current */
    __atomic_store_n(&k->h->cur, idle, __ATOMIC_RELEASE);
    return given;
}

int nb_keep_state_list(const void *first, uint32_t gref, uint32_t *refs, unsigned max, char *why,
                       size_t whylen)
{
    uint32_t n, r0;
    memcpy(&n, (const char *)first + XSSTATE_REFS_OFF, 4);
    memcpy(&r0, (const char *)first + XSSTATE_REFS_OFF + 4, 4);
    size_t need = 1 + (nb_keep_size() + 4095) / 4096;
    if (n < need || n > max + 1 || n > XSSTATE_MAX_PAGES) {
        snprintf(why, whylen, "the list names %u pages (%zu to %u wanted)", n, need, max + 1);
        return -EINVAL;
    }
    if (r0 != gref) {
        snprintf(why, whylen, "the list starts with grant %u, not %u", r0, gref);
        return -EINVAL;
    }
    memcpy(refs, (const char *)first + XSSTATE_REFS_OFF + 8, (n - 1) * 4u);
    return (int)(n - 1);
}
