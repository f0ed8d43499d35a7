/* The layout rules of a new x86-64 PV domain, shared by every builder of the
 * project (the core's first domain, servers/domain-builder, guests/multi's
 * tiny libxc): which pseudo-physical frames hold what, in the order Xen's
 * toolstack uses (docs/domain-builder.md),
 *   pad + kernel | ramdisk (if mapped) | p2m (if no INIT_P2M) | start_info |
 *   xenstore | console | L4 L3.. L2.. L1.. | boot stack | slack to 4 MiB |
 *   ramdisk (if passed as a pfn) | p2m + its L3/L2/L1 (if INIT_P2M)
 * and what the bootstrap page tables, the p2m list and start_info contain.
 * Everything up to map_end_pfn is mapped at virt_base + pfn * 4096 with 4 KiB
 * pages; page-table frames are mapped read-only.  Pure arithmetic, no I/O and
 * no library calls, so the core, the builder and guests build it as it is. */
#ifndef PV_LAYOUT_H
#define PV_LAYOUT_H

#include <stdint.h>

#define PV_LAYOUT_SLACK_PAGES 128  /* free mapped space after the boot stack */
#define PV_LAYOUT_ALIGN_PAGES 1024 /* the mapped region ends on 4 MiB */

/* Page-table entry bits the bootstrap tables use (x86-64 PV). */
#define PV_PTE_P     0x001ull
#define PV_PTE_RW    0x002ull
#define PV_PTE_U     0x004ull
#define PV_PTE_A     0x020ull
#define PV_PTE_D     0x040ull
#define PV_PTE_NX    (1ull << 63)
#define PV_PTE_UPPER (PV_PTE_P | PV_PTE_RW | PV_PTE_U | PV_PTE_A | PV_PTE_D) /* 0x67 */
#define PV_PTE_LEAF  (PV_PTE_P | PV_PTE_RW | PV_PTE_A)                       /* 0x23 */

/* What a builder knows before laying a domain out. */
struct pv_layout_req {
    uint64_t nr_pages;  /* the domain's memory */
    uint64_t virt_base; /* where pfn 0 is mapped */
    uint64_t kern_pfn;  /* first and end pfn of the kernel image */
    uint64_t kern_end_pfn;
    uint64_t mod_pages; /* ramdisk / module package; 0 = none */
    int mod_mapped;     /* mapped after the kernel (else passed as a pfn) */
    uint64_t init_p2m;  /* XEN_ELFNOTE_INIT_P2M, 0 = the p2m is mapped after the kernel */
};

/* One virtually contiguous region mapped by its own L3/L2/L1 tables. */
struct pt_region {
    uint64_t va_start, va_end; /* [start, end) */
    uint64_t pfn_start;        /* pfn mapped at va_start */
    uint64_t tables_pfn;       /* first of nl3 + nl2 + nl1 frames */
    uint64_t nl3, nl2, nl1;
};

struct pv_layout {
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

enum pv_layout_err {
    PV_LAYOUT_OK = 0,
    PV_LAYOUT_P2M_NOT_LOW = -1, /* INIT_P2M region not in the lower half */
    PV_LAYOUT_P2M_SLOT = -2,    /* INIT_P2M region shares an L4 slot with the kernel */
    PV_LAYOUT_MAP_TOO_BIG = -3, /* bootstrap mapping larger than 1 GiB */
    PV_LAYOUT_TOO_SMALL = -4,   /* used_pages > nr_pages (out is filled in) */
};

int pv_layout_compute(const struct pv_layout_req *req, struct pv_layout *out);
/* True if pfn holds a page table of the layout. */
int pv_layout_is_pt(const struct pv_layout *l, uint64_t pfn);

/* Rights of the page at pfn in the bootstrap mapping: PV_MAP_RW, PV_MAP_NX or
 * both.  Without a rights function page-table frames are read-only and every
 * other page writable (and executable). */
#define PV_MAP_RW 1u
#define PV_MAP_NX 2u
typedef unsigned (*pv_leaf_fn)(void *ctx, uint64_t pfn);

/* The 512 entries of bootstrap table frame pfn (the L4 or one of a region's
 * L3/L2/L1s), with machine frames from p2m; leaf NULL means the default.
 * Returns 0, or -1 if pfn is not a table of the layout. */
int pv_pt_fill(const struct pv_layout *l, uint64_t pfn, uint64_t *table, const uint64_t *p2m, pv_leaf_fn leaf,
               void *ctx);
/* The i-th bootstrap table frame (0 = the L4), or ~0 past the last. */
uint64_t pv_pt_frame(const struct pv_layout *l, uint64_t i);

/* Entries of p2m-list page k (pfn -> mfn, ~0 past nr_pages). */
void pv_p2m_fill(const struct pv_layout *l, uint64_t k, uint64_t *page, const uint64_t *p2m);

#endif
