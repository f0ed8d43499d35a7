/* The builder's xenstore connection: a page of ours granted to the xenstore
 * domain (its --master-gref) and a port it binds (--event).  Requests are
 * synchronous: one message out, wait for its answer (watch events, which we
 * never ask for, are skipped).  The server is another domain: every answer
 * is checked (length, type, request id) before it is used. */
#ifndef DB_XSCLIENT_H
#define DB_XSCLIENT_H

#include "backend.h"          /* first: it sets up Xen's tools headers */
#include <xen/io/xs_wire.h>

struct xsc {
    struct backend *b;
    struct xenstore_domain_interface *intf;
    uint32_t lport;
    uint32_t req_id;
    int timeout_ms;                 /* per request */
    void (*sleep_ms)(int ms);       /* NULL: nanosleep */
    void (*poke)(void *ctx);        /* tests: let the fake server run */
    void *poke_ctx;
};

/* One request; the answer's payload (NUL added) in reply.  -1 on a timeout,
 * a malformed answer or XS_ERROR (its text in reply). */
int xsc_request(struct xsc *c, enum xsd_sockmsg_type type, const char *payload, size_t len,
                char *reply, size_t rmax);
int xsc_write(struct xsc *c, const char *path, const char *value);
int xsc_read(struct xsc *c, const char *path, char *buf, size_t size);
int xsc_mkdir(struct xsc *c, const char *path);
int xsc_rm(struct xsc *c, const char *path);
/* perms: Xen's strings, e.g. { "n0", "r5" } */
int xsc_set_perms(struct xsc *c, const char *path, const char *const *perms, int n);
int xsc_introduce(struct xsc *c, uint32_t domid, uint64_t mfn, uint32_t port);

#endif
