/* What the multi-domain parent and child share: the mailbox page (granted by the
 * child as MB_REF, writable, to the parent) and the grant references the child
 * offers. The child learns the parent's port from its command line
 * ("<mode> port=N sibling=D"). */
#ifndef MULTI_PROTO_H
#define MULTI_PROTO_H

#include <stdint.h>

#define MB_MAGIC      0x4d424f58u /* "MBOX" */
#define MB_REF        8           /* the mailbox page (rw) */
#define RW_REF        9           /* a data page, rw */
#define RO_REF        10          /* a data page, read-only */
#define UNOFFERED_REF 11          /* entry left empty */
#define OTHER_REF     12          /* granted to another domain (OTHER_DOMID) */
#define OTHER_DOMID   7
#define BENCH_REF0    16 /* bench: BENCH_NREFS rw pages from here */
#define BENCH_NREFS   16
#define PINGS         10000

struct mbox {
    volatile uint32_t magic;
    volatile uint32_t parent_at, child_at;      /* barriers (see sync_*) */
    volatile uint32_t ping, pong;               /* ping-pong sequence numbers */
    volatile uint32_t quit;                     /* bench: stop echoing */
    volatile uint32_t arg[8];                   /* parent -> child per-phase values */
    volatile int32_t res[8];                    /* child -> parent per-phase results */
    volatile uint32_t passed, failed, finished; /* the child's check totals at the end */
    volatile uint32_t pings_seen;
    char first_fail[1500]; /* the child's failing checks, "; "-separated */
};

/* Data patterns the two sides check. */
#define PAT_CHILD_RW  0x11
#define PAT_PARENT_RW 0x22
#define PAT_CHILD_RO  0x33
#define PAT_COPY_IN   0x44

#endif
