/* xsclient_int.h: the client's state and its transport interface, shared by
 * xsclient.c and the transports (xsclient_fd.c, xsclient_ring.c). */
#ifndef TESSERA_XSCLIENT_INT_H
#define TESSERA_XSCLIENT_INT_H

#include <sys/types.h>
#include "xsclient.h"

struct xsc_transport {
    /* all of n bytes by the timeout (ms, <0 forever): 0 or -errno */
    int (*send)(void *ctx, const void *p, size_t n, int timeout_ms);
    /* at least one byte, at most n, by the timeout: count or -errno */
    ssize_t (*recv)(void *ctx, void *p, size_t n, int timeout_ms);
    void (*free)(void *ctx);
};

struct xsc_event;

struct xsc {
    const struct xsc_transport *t;
    void *tctx;
    int timeout_ms;
    uint32_t req_id; /* also the count of requests sent (xsc_requests) */
    size_t have;
    char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
    struct xsc_event *events;
    char *last_path;
};

struct xsc *xsc_new_with(const struct xsc_transport *t, void *tctx);

#endif
