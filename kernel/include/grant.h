/* Grant tables v1: the core's interface to grant_table.c. */
#ifndef TESSERA_GRANT_H
#define TESSERA_GRANT_H

#include "types.h"
#include <xen/grant_table.h>

struct domain;

#define GNTTAB_MAX_FRAMES 32u   /* grant frames a domain may have at most */
#define MAPTRACK_XEN_MAX  1024u /* Xen 4.17's default and largest max_maptrack_frames */

int gnttab_domain_init(struct domain *d);
/* createdomain's max_grant_frames (1..GNTTAB_MAX_FRAMES), setup_table's limit, and
 * max_maptrack_frames (0..MAPTRACK_XEN_MAX), the mappings d may hold. */
void gnttab_set_max_frames(struct domain *d, unsigned n, unsigned maptrack_frames);
/* Tear down every mapping d holds of others' grants and every mapping others hold
 * of d's grants (PTEs cleared, references dropped), then free d's grant frames. */
void gnttab_domain_destroy(struct domain *d);

long do_grant_table_op(uint64_t cmd, uint64_t uop, uint64_t count, uint64_t a4, uint64_t a5);

/* ---- host mappings: the arch's page-table side (arch/x86/grant_pv.c) ----
 * A mapping lives in a slot (the machine address of a page-table entry). */
/* The slot for a mapping at addr in ld's current tables, or with
 * GNTMAP_contains_pte addr itself (a slot of one of ld's in-use tables). */
bool grant_host_slot(struct domain *ld, uint64_t addr, uint32_t flags, uint64_t *slot);
/* Write the mapping of mfn (as flags ask) at slot; returns the entry replaced. */
uint64_t create_grant_host_mapping(uint64_t slot, mfn_t mfn, uint32_t flags);
/* Replace the mapping of mfn at slot by `with` (0 or a stolen entry) if the slot
 * still holds it: true, and the caller owes a flush and its references. */
bool replace_grant_host_mapping(const struct domain *ld, uint64_t slot, mfn_t mfn, uint32_t flags,
                                uint64_t with);
/* Take the entry mapping addr out of ld's current tables (unmap_and_replace). */
bool steal_grant_host_mapping(struct domain *ld, uint64_t addr, uint64_t *entry);
/* The frame an entry maps and whether writably; false when it maps nothing. */
bool grant_host_entry(uint64_t entry, mfn_t *mfn, bool *rw);

#endif
