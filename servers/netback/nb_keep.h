/*
 * The counters netback keeps across a restart of its program and the death
 * of its domain: the rules' (packets, bytes, limited), the VFR ports' and
 * the vifs' statistics, in a region of memory the caller provides.
 * netback's program gives it the state pages the builder keeps for its
 * domain (state_pages in its config, servers/lib/xsstate.h), which outlive
 * the domain, or else pages the service runtime keeps across a crash of the
 * program only (gntalloc pages granted to itself), so the new instance
 * carries on counting where the old one stopped.
 *
 * The region holds a header and two snapshot slots; a sync writes the idle
 * slot and then makes it current with one store, so a crash at any
 * instruction leaves a whole snapshot (the old or the new one).  Each slot
 * carries a checksum of what it holds: a region that is not netback's, of
 * another layout, or damaged is refused (with the reason) and started
 * afresh, so the counters start at 0 rather than from garbage.
 */
#ifndef NB_KEEP_H
#define NB_KEEP_H
#include "netback.h"

struct nb_keep_slot;
struct nb_keep_hdr;

struct nb_keep {
    struct nb_keep_hdr *h;
    struct nb_keep_slot *slot[2];
    /* what the previous instance left (a copy), and which of its ports
     * were given back to a port of this instance */
    struct nb_keep_slot *old;
    bool old_port_taken[VFR_MAX_PORTS], old_vif_taken[VFR_MAX_PORTS];
    uint64_t old_until; /* its ports not back by then are forgotten */
    /* the port names this instance has seen in each VFR slot, as a port
     * and as a running vif */
    char seen_port[VFR_MAX_PORTS][VFR_NAME], seen_vif[VFR_MAX_PORTS][VFR_NAME];
    /* hashes of the current rule set's rules (recomputed when it changes:
     * nb_keep_rules_changed) */
    const struct vfr_ruleset *hashed;
    uint64_t hash[VFR_MAX_RULES];
};

/* The region's size (round it up to whole pages). */
size_t nb_keep_size(void);
/* Use region (nb_keep_size() bytes; zeroed or a previous instance's).
 * Returns 1 when it held a previous instance's counters, 0 when it was
 * empty (never written), -EINVAL when what it held was refused (why says
 * why; the region is started afresh as for 0), -ENOMEM. */
int nb_keep_attach(struct nb_keep *k, void *region, uint64_t now_ns, char *why, size_t whylen);
/* Give the loaded rule set the previous instance's counts of the same
 * rules (same canonical text); returns how many rules got them. */
unsigned nb_keep_rules(struct nb_keep *k, struct vfr *v);
/* The rule set was replaced (a command): its hashes are computed again
 * at the next sync (a new set may sit where the freed one was). */
static inline void nb_keep_rules_changed(struct nb_keep *k) { k->hashed = NULL; }
/* Called after each pass that did work (and when vifs or rules change): a
 * port seen for the first time whose name the previous instance had gets
 * its counters added (and, a vif, its statistics), then everything is
 * written to the region.  Returns the
 * number of ports given counters back in this call. */
unsigned nb_keep_sync(struct nb_keep *k, struct nb *b, uint64_t now_ns);
/* The builder's state pages (state=D:GREF): first is the page GREF maps;
 * refs[max] gets the references of the pages after it, which hold the
 * region (mapped in that order).  Their count, or -EINVAL with why (a list
 * that does not start with GREF, or names too few pages or more than max). */
int nb_keep_state_list(const void *first, uint32_t gref, uint32_t *refs, unsigned max, char *why,
                       size_t whylen);

#endif
