/*
 * unit.h: the harness shared by the xenstore unit tests: checks, in-memory
 * connections whose replies and watch events are captured as text
 * ("TYPE payload", NULs shown as '|'), and a server with test hooks.
 */
#ifndef TESSERA_XS_UNIT_H
#define TESSERA_XS_UNIT_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xs.h"
#include "xsring.h"

extern int passed, failed;
extern struct xs_server *srv;
extern struct xsd_sockmsg last_reply;      /* header of the last reply */
extern const struct xs_domain_hooks hooks; /* INTRODUCE makes an in-memory conn */

void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void check_str(const char *got, const char *want, const char *what);
void render(const char *msg, char *out, size_t size);
void drain(struct xs_conn *c, char *reply, size_t size);
/* Watch events queued for c since the last call, as "path|token|;"... */
const char *events(struct xs_conn *c);
/* Send a request; args NUL-terminated except WRITE's value; returns the reply. */
const char *rqv(struct xs_conn *c, uint32_t tx, const char *type, int n, const char **a);
#define rq(c, tx, type, ...)                                                                                 \
    rqv(c, tx, type, (int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *)),                  \
        (const char *[]){ __VA_ARGS__ })
#define rq0(c, tx, type) rqv(c, tx, type, 0, NULL)
/* slot: index of the connection's event log (0..63). */
struct xs_conn *mkconn(uint32_t domid, bool priv, uintptr_t slot, bool dom);
struct xs_conn *domconn(uint32_t domid);
void fresh(struct xs_config *cfg); /* new server (default config if NULL) */

void test_tree(void);
void test_perms(void);
void test_transactions(void);
void test_watches(void);
void test_quotas(void);
void test_malformed(void);
void test_flow(void);
void test_ring(void);
void test_journal(void);
void test_ring_restart(void);
void test_compaction(void);
void test_client(void);
void test_sched(void);

/* unit_ring.c: a client's view of a ring page in memory */
extern const struct xs_ring_ops mem_ring_ops;
extern unsigned notifies;
bool client_recv(struct xenstore_domain_interface *intf, char *out, size_t size);
void client_send(struct xenstore_domain_interface *intf, uint32_t type, const char *p, uint32_t len);

#endif
