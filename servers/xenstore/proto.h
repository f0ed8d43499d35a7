/*
 * proto.h: what the protocol files share: a request being handled, argument
 * and path helpers (proto.c) and the handlers (proto_node.c for the tree,
 * proto_session.c for watches, transactions, domains and control).
 */
#ifndef TESSERA_XS_PROTO_H
#define TESSERA_XS_PROTO_H

#include "xs.h"

#define PATH_BUF (XENSTORE_ABS_PATH_MAX + 64)

struct req {
    struct xs_conn *c;
    const struct xsd_sockmsg *h;
    char *p; /* payload, NUL-terminated one past len */
    uint32_t len;
    struct xs_view v;
};

/* Split the payload into NUL-terminated strings; returns how many complete
 * strings there are (at most max). */
unsigned req_split(struct req *r, const char **out, unsigned max);
/* Exactly one string, terminated by the last payload byte; NULL otherwise. */
const char *req_onearg(struct req *r);
/* Canonicalise a client path into out (PATH_BUF bytes); rel (optional) gets
 * the length of the prefix added to a relative path. 0 or -EINVAL. */
int req_canon(struct xs_conn *c, const char *in, char *out, bool special, size_t *rel);
int req_domid(const char *s, uint32_t *out);
/* Errno for a missing node: EACCES if the caller lacks perm on the nearest
 * existing ancestor, else ENOENT. */
int req_missing(struct req *r, const char *path, unsigned perm);
/* Look a node up and check the caller has all of perm. */
int req_get(struct req *r, const char *path, unsigned perm, const struct xs_node **out);
void req_ok(struct req *r);

int do_read_like(struct req *r);
int do_directory_part(struct req *r);
int do_write(struct req *r);
int do_mkdir(struct req *r);
int do_rm(struct req *r);
int do_get_perms(struct req *r);
int do_set_perms(struct req *r);
int do_watch(struct req *r);
int do_transaction_start(struct req *r);
int do_transaction_end(struct req *r);
int do_domain_op(struct req *r);
int do_reset_watches(struct req *r);
int do_control(struct req *r);

#endif
