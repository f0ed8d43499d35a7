/* The xenstore domain's state pages when the builder holds them (issue 16:
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
/* 11 chunks: snapshot slots of 348 KiB, ~1,000 domains.  Each page is a
 * grant mapping of xenstored's for good: kept under 384 (1.5 maptrack
 * frames), a back end's mappings of many domains' rings leave its maptrack
 * table at its idle size again when they go (kernel/common/grant_map.c's
 * slack), as 64-density checks. */
#define XSSTATE_PAGES     352
#define XSSTATE_MAX_PAGES 496 /* what a list may hold: 4 + 4 * 496 bytes fit after the offset */
#define XSSTATE_REFS_OFF  2048

#endif
