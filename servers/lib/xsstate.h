/* State pages: the builder's pages granted to a service domain, which
 * outlive it (issue 16, docs/restart.md "State pages").  Any domain gets N
 * with state_pages = N in its config and finds them through
 * "state=BUILDER:GREF" on its program's command line (netback keeps its VFR
 * counters there); the list at XSSTATE_REFS_OFF of page GREF is the same as
 * the xenstore domain's below, and the rest of the pages is the program's.
 *
 * The xenstore domain's state pages when the builder holds them (issue 16:
 * the xenstore domain's death survived, docs/restart.md).  The builder
 * allocates XSSTATE_PAGES pages granted to the xenstore domain's id and
 * names the first on its program's command line (--state-gref R); that page
 * lists every page's grant reference at XSSTATE_REFS_OFF (uint32_t count,
 * then the references, the first being R).  xenstored maps them and keeps
 * its snapshot and journal there (servers/xenstore/state_mem.c): the pages
 * are the builder's, so they outlive the domain, and a domain rebuilt with
 * the same id maps the same grants and recovers every node, watch and
 * introduced domain. */
#ifndef SERVERS_XSSTATE_H
#define SERVERS_XSSTATE_H

#define XSSTATE_CHUNK 32 /* pages per grant allocation (the runtime's gntalloc limit) */
/* 8 chunks: snapshot slots of 252 KiB, ~750 domains.  Each page is a
 * grant mapping of xenstored's for good: with 256 of them plus a ring per
 * domain its maptrack table stays at two frames through 64-density's run
 * (352 left it a frame larger after the domains went: the kernel's slack
 * in kernel/common/grant_map.c). */
#define XSSTATE_PAGES     256
#define XSSTATE_MAX_PAGES 496 /* what a list may hold: 4 + 4 * 496 bytes fit after the offset */
#define XSSTATE_REFS_OFF  2048

#endif
