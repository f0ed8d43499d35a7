/* Where everything of a new PV domain goes, in pseudo-physical frames
 * (pfns), following the order Xen's toolstack uses (docs/domain-builder.md):
 *   pad + kernel | ramdisk (if mapped) | p2m (if no INIT_P2M) | start_info |
 *   xenstore | console | L4 L3.. L2.. L1.. | boot stack | slack to 4 MiB |
 *   ramdisk (if passed as a pfn) | p2m + its L3/L2/L1 (if INIT_P2M)
 * Everything up to virt_end is mapped at virt_base + pfn * 4096 with 4 KiB
 * pages; page-table frames are mapped read-only.  Pure arithmetic: no I/O. */
#ifndef DB_LAYOUT_H
#define DB_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include "build/xenelf.h"

#define LAYOUT_SLACK_PAGES 128  /* free mapped space after the boot stack */
#define LAYOUT_ALIGN_PAGES 1024 /* the mapped region ends on 4 MiB */

/* One virtually contiguous region mapped by its own L3/L2/L1 tables. */
struct pt_region {
    uint64_t va_start, va_end; /* [start, end) */
    uint64_t pfn_start;        /* pfn mapped at va_start */
    uint64_t tables_pfn;       /* first of nl3 + nl2 + nl1 frames */
    uint64_t nl3, nl2, nl1;
};

struct layout {
    uint64_t nr_pages, virt_base;
    uint64_t kern_pfn, kern_end_pfn; /* [kern, end) */
    uint64_t mod_pfn, mod_pages;     /* ramdisk; mod_pages 0 = none */
    int mod_mapped;
    uint64_t p2m_pfn, p2m_pages;
    uint64_t p2m_va; /* mfn_list */
    uint64_t start_info_pfn, store_pfn, console_pfn;
    uint64_t l4_pfn, nr_pt; /* L4 + region 0 tables */
    uint64_t stack_pfn;
    uint64_t map_end_pfn; /* region 0 maps [0, map_end_pfn) */
    int nregions;         /* 1, or 2 with INIT_P2M */
    struct pt_region region[2];
    uint64_t first_p2m_pfn, nr_p2m_frames; /* region 1: p2m pages + tables */
    uint64_t used_pages;                   /* all pfns the layout uses */
};

int layout_compute(const struct xenelf *e, uint64_t nr_pages, uint64_t ramdisk_len, struct layout *out,
                   char *err, size_t errlen);
/* True if pfn holds a page table of the layout. */
int layout_is_pt(const struct layout *l, uint64_t pfn);

#endif
