/* The bootstrap page tables of a new PV domain, written from a layout and
 * the p2m (pfn -> mfn).  Entries hold machine frame numbers; L2-L4 entries
 * are P|RW|U|A|D, L1 entries P|RW|A, page-table frames P|A (read-only). */
#ifndef DB_PGTABLE_H
#define DB_PGTABLE_H

#include "build/layout.h"

#define PTE_P       0x001ull
#define PTE_RW      0x002ull
#define PTE_U       0x004ull
#define PTE_A       0x020ull
#define PTE_D       0x040ull
#define PTE_UPPER   (PTE_P | PTE_RW | PTE_U | PTE_A | PTE_D) /* 0x67 */
#define PTE_LEAF    (PTE_P | PTE_RW | PTE_A)                 /* 0x23 */
#define PTE_LEAF_RO (PTE_P | PTE_A)                          /* 0x21 */

/* Returns the 512-entry table held in frame pfn (a mapping the caller made). */
typedef uint64_t *(*pt_frame_fn)(void *ctx, uint64_t pfn);

/* Writes every table of the layout (they must be zero on entry). */
void pt_write(const struct layout *l, const uint64_t *p2m, pt_frame_fn frame, void *ctx);

#endif
