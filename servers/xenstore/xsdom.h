/*
 * xsdom.h: the xenstore service domain: xenstored as the one program of a
 * service-runtime domain (main_dom.c), serving each introduced domain over
 * its ring page (grant-mapped with /dev/xen/gntdev) and event channel
 * (/dev/xen/evtchn), keeping its state in pages the runtime preserves across
 * restarts (/dev/xen/gntalloc), and noticing dead domains (dom_death.c).
 * The same sources build on Linux, where the same device files exist.
 */
#ifndef TESSERA_XSDOM_H
#define TESSERA_XSDOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenstored.h"

#define XSDOM_MAX_PRIV 8

/* The device files, opened once by main_dom.c. */
struct xsdom_dev {
    int evtchn, gntdev, gntalloc, privcmd;
    uint32_t self; /* our domain id (TESSERA_DOMID) */
};
extern struct xsdom_dev xsdom_dev;

/* Which domains are whose (command line). */
struct xsdom_opts {
    bool have_master;
    uint32_t master_domid;         /* --master-domid: the control domain */
    uint32_t master_gref;          /* --master-gref: its ring's grant (1) */
    uint32_t master_port;          /* --event: its port for us */
    uint32_t state_gref;           /* --state-gref: the master's state pages (0: our own) */
    uint32_t priv[XSDOM_MAX_PRIV]; /* --priv-domid: privileged connections */
    unsigned npriv;
    bool quiet; /* retrying the master: no failure lines */
};
extern struct xsdom_opts xsdom_opts;

void xsdom_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* dom_ring.c: the domain hooks and the rings they attach. */
extern const struct xs_domain_hooks xsdom_hooks;
/* An event on local port lport: mark its ring busy. false: not a ring. */
bool xsdom_ring_event(uint32_t lport);
/* One pass: a turn for each busy ring (sched.c), then output flushed;
 * returns true while requests wait for the next pass. Rings deferred by
 * their time budget lower *wake (ns) to when they may run again. */
bool xsdom_ring_serve(int64_t *wake);
/* After recovery: resync every ring (output the domain has already got). */
void xsdom_ring_resync_all(void);
/* The i-th attached ring (i from 0): false past the last; *dead if its
 * domain was found gone while its ring was being used. */
bool xsdom_ring_at(unsigned i, uint32_t *domid, uint32_t *lport, bool *dead);

/* dom_death.c: VIRQ_DOM_EXC and the check of every ring's domain. */
int xsdom_death_init(void);
bool xsdom_death_event(uint32_t lport); /* true: the VIRQ's port */
bool xsdom_death_bound(void);           /* the VIRQ is bound */
/* Our port lport is still connected to domain domid (else: it is gone). */
bool xsdom_port_alive(uint32_t lport, uint32_t domid);
void xsdom_death_check(struct xs_server *s);

/* state_mem.c: snapshot and journal in preserved memory. */
extern const struct xs_state_ops xsdom_state_ops;
void *xsdom_state_open(unsigned pages, int *err);
size_t xsdom_state_journal_cap(void *ctx);

/* A hypercall through /dev/xen/privcmd: result or -errno. */
long xsdom_hypercall(unsigned op, uint64_t a0, uint64_t a1);

#endif
