/* The bootstrap page tables of a new PV domain, written from a layout and
 * the p2m (pfn -> mfn) by the shared rules of lib/pvlayout: L2-L4 entries
 * P|RW|U|A|D, L1 entries P|RW|A, page-table frames P|A (read-only). */
#ifndef DB_PGTABLE_H
#define DB_PGTABLE_H

#include "build/layout.h"

/* Returns the 512-entry table held in frame pfn (a mapping the caller made). */
typedef uint64_t *(*pt_frame_fn)(void *ctx, uint64_t pfn);

/* Writes every table of the layout. */
void pt_write(const struct pv_layout *l, const uint64_t *p2m, pt_frame_fn frame, void *ctx);

#endif
