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
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KEEP_MAGIC   0x5045454b4254454eull /* "NETBKEEP" */
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
    uint32_t nports, nrules;
    struct nb_keep_port p[VFR_MAX_PORTS];
    struct nb_keep_rule r[VFR_MAX_RULES];
};
struct nb_keep_hdr {
    uint64_t magic;
    uint32_t cur, size; /* the current slot; nb_keep_size() when written */
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

int nb_keep_attach(struct nb_keep *k, void *region, uint64_t now)
{
    memset(k, 0, sizeof(*k));
    k->old = calloc(1, sizeof(*k->old));
    if (!k->old) return -ENOMEM;
    k->h = region;
    for (unsigned i = 0; i < 2; i++)
        k->slot[i] = (struct nb_keep_slot *)((char *)region + slot_off(i));
    const struct nb_keep_hdr *h = k->h;
    if (h->magic == KEEP_MAGIC && h->size == nb_keep_size() && h->cur < 2) {
        const struct nb_keep_slot *s = k->slot[h->cur];
        if (s->nports <= VFR_MAX_PORTS && s->nrules <= VFR_MAX_RULES) {
            *k->old = *s;
            k->old_until = now + NB_KEEP_WAIT;
            return 1;
        }
    }
    /* empty (or not ours): start the region afresh */
    memset(k->slot[0], 0, sizeof(struct nb_keep_slot));
    k->h->cur = 0;
    k->h->size = (uint32_t)nb_keep_size();
    __atomic_store_n(&k->h->magic, KEEP_MAGIC, __ATOMIC_RELEASE);
    return 0;
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
    /* the slot is whole before it is named current */
    __atomic_store_n(&k->h->cur, idle, __ATOMIC_RELEASE);
    return given;
}
