/*
 * xs.h: the xenstore core's internal types, shared by the core's files
 * (node table, permissions, store/transactions, watches, protocol handlers,
 * connections, domains, journal). Transports use only xenstored.h.
 */
#ifndef TESSERA_XS_H
#define TESSERA_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <xen/io/xs_wire.h>

#include "xenstored.h"

/* Permission bits (wire letters n/r/w/b map to 0/1/2/3). */
#define XS_PERM_NONE  0u
#define XS_PERM_READ  1u
#define XS_PERM_WRITE 2u
#define XS_PERM_OWNER 4u /* internal: granted to the owner and privileged */

#define XS_DOMID_LIMIT 0x7FF0u /* DOMID_FIRST_RESERVED */

struct xs_perm {
    uint32_t id;
    uint8_t perm;
};

/* A node; also used as a transaction overlay entry (deleted = tombstone)
 * and as a transaction read-set entry (only path and gen). */
struct xs_node {
    struct xs_node *hnext;
    char *path;
    uint64_t gen;
    bool deleted;
    uint32_t nperms;
    struct xs_perm *perms;
    uint32_t vlen;
    char *value;
    uint32_t clen; /* children: NUL-terminated leaf names, in creation order */
    char *children;
};

/* Hash table of nodes keyed by path (tree.c). */
struct xs_htab {
    struct xs_node **b;
    size_t nb, n;
};

void htab_init(struct xs_htab *h);
void htab_free(struct xs_htab *h);
struct xs_node *htab_get(const struct xs_htab *h, const char *path);
void htab_put(struct xs_htab *h, struct xs_node *n); /* replaces, frees old */
struct xs_node *htab_take(struct xs_htab *h, const char *path);
/* Iterate: for (i = 0, n = NULL; (n = htab_next(h, &i, n)); ) */
struct xs_node *htab_next(const struct xs_htab *h, size_t *bucket, struct xs_node *prev);

struct xs_node *node_new(const char *path);
struct xs_node *node_dup(const struct xs_node *n);
void node_free(struct xs_node *n);
void node_set_value(struct xs_node *n, const void *v, uint32_t len);
void node_set_perms(struct xs_node *n, const struct xs_perm *p, uint32_t np);
bool node_has_child(const struct xs_node *n, const char *name);
void node_add_child(struct xs_node *n, const char *name);
void node_del_child(struct xs_node *n, const char *name);

/* Path helpers (tree.c). */
bool path_is_child(const char *child, const char *parent); /* at or below */
char *path_parent(const char *path);                       /* malloc'd */
const char *path_leaf(const char *path);

/* Permissions (perms.c). */
struct xs_conn;
unsigned perm_for_conn(const struct xs_conn *c, const struct xs_perm *p, uint32_t np);
int perms_parse(const char *buf, size_t len, struct xs_perm **out, uint32_t *np);
size_t perms_format(const struct xs_perm *p, uint32_t np, char *buf, size_t size);

/* Pending watch event (recorded in a transaction, fired on commit). */
struct xs_event {
    struct xs_event *next;
    char *path;
    bool exact;
    uint32_t nperms;
    struct xs_perm *perms;
};

struct xs_txn {
    struct xs_txn *next;
    uint32_t id;
    struct xs_htab over;  /* written nodes and tombstones */
    struct xs_htab reads; /* path -> generation seen (0 = absent) */
    struct xs_event *events, **etail;
    long node_delta; /* nodes created minus removed, owned by the conn's domain */
};

struct xs_watch {
    struct xs_watch *next;
    char *path; /* absolute, or @special */
    char *token;
    size_t rel; /* >0: watch was relative; strip this many leading bytes */
};

struct xs_outbuf {
    struct xs_outbuf *next;
    uint32_t len, off;
    bool event;
    char data[];
};

struct xs_conn {
    struct xs_conn *next, *prev;
    struct xs_server *srv;
    uint32_t domid;
    bool privileged;
    bool is_domain; /* a domain ring connection (state is journaled) */
    bool dead;      /* protocol violation: transport must close it */
    bool restored;  /* recovered after a restart: stale tx ids get EAGAIN */
    const struct xs_conn_ops *ops;
    void *opaque;
    struct xs_outbuf *out, **out_tail;
    size_t out_bytes;
    unsigned out_events;
    unsigned long dropped_events;
    uint32_t out_total; /* bytes queued so far (ring-index semantics) */
    bool have_req_cons; /* journal replay found a request-consumer index */
    uint32_t req_cons;
    struct xs_watch *watches;
    unsigned nwatches;
    struct xs_txn *txns;
    unsigned ntxns;
    uint32_t next_txid; /* transaction ids are per connection, as in Xen */
    bool budget_set;    /* sched.c: credit and stamp are valid */
    int64_t credit;     /* ns of the server's time it may still use */
    int64_t stamp;      /* when credit was last refilled */
    uint32_t in_have;
    union {
        struct xsd_sockmsg hdr;
        char raw[sizeof(struct xsd_sockmsg)];
    } in_hdr;
    char in[XENSTORE_PAYLOAD_MAX + 1];
};

struct xs_domain {
    uint32_t domid;
    bool introduced;
    bool shutdown;
    uint64_t mfn;
    uint32_t port;
    int64_t target; /* -1: none */
    long nodes;     /* nodes owned, for the quota */
    struct xs_conn *conn;
};

struct xs_special {
    const char *name;
    uint32_t nperms;
    struct xs_perm *perms;
};

struct xs_journal;

struct xs_server {
    struct xs_htab tree;
    uint64_t gen;
    struct xs_conn *conns;
    struct xs_domain **doms[(XS_DOMID_LIMIT + 127) / 128]; /* two-level, by domid */
    struct xs_special special[2];                          /* @introduceDomain, @releaseDomain */
    struct xs_config cfg;
    struct xs_journal *journal;
    struct xs_domain_hooks hooks;
    bool replaying;
    bool logging;
    bool crash_pending; /* CONTROL crash (cfg.allow_crash) */
    struct xs_stats stats;
};

/* Connections and replies (conn.c). */
void conn_reply(struct xs_conn *c, const struct xsd_sockmsg *req, uint32_t type, const void *data,
                size_t len);
void conn_reply_str(struct xs_conn *c, const struct xsd_sockmsg *req, const char *s);
void conn_error(struct xs_conn *c, const struct xsd_sockmsg *req, int err);
void conn_event(struct xs_conn *c, const char *path, const char *token);

/* Store: reads and writes through an optional transaction (store.c). */
struct xs_view {
    struct xs_server *srv;
    struct xs_conn *conn;
    struct xs_txn *txn;
};
const struct xs_node *view_get(struct xs_view *v, const char *path);
void view_put(struct xs_view *v, struct xs_node *n); /* takes ownership */
void view_del(struct xs_view *v, const char *path);
/* Remove path and its subtree, updating the parent and firing watches. */
void view_rm(struct xs_view *v, const char *path);
void view_event(struct xs_view *v, const char *path, bool exact, const struct xs_perm *p, uint32_t np);
long view_domain_nodes(struct xs_view *v, uint32_t owner);
void store_apply_put(struct xs_server *s, struct xs_node *n);
void store_apply_del(struct xs_server *s, const char *path);
struct xs_txn *txn_find(struct xs_conn *c, uint32_t id);
struct xs_txn *txn_start(struct xs_conn *c);
int txn_end(struct xs_conn *c, struct xs_txn *t, bool commit);
void txn_free(struct xs_txn *t);

/* Watches (watch.c). */
int watch_add(struct xs_conn *c, const char *path, const char *token, size_t rel);
int watch_del(struct xs_conn *c, const char *path, const char *token);
void watch_clear(struct xs_conn *c);
void watch_fire(struct xs_server *s, const char *path, bool exact, const struct xs_perm *p, uint32_t np);

/* Domains (domain.c). */
struct xs_domain *domain_get(struct xs_server *s, uint32_t domid, bool create);
void domain_nodes_adjust(struct xs_server *s, uint32_t owner, long delta);
int domain_introduce(struct xs_server *s, uint32_t domid, uint64_t mfn, uint32_t port);
int domain_release(struct xs_server *s, uint32_t domid);
int domain_set_target(struct xs_server *s, uint32_t domid, uint32_t target);
int64_t conn_target(const struct xs_conn *c);

/* Protocol (proto.c). */
void proto_dispatch(struct xs_conn *c, const struct xsd_sockmsg *hdr, char *payload);

/* Journal (journal.c); all no-ops when s->journal is NULL or replaying. */
void journal_node_put(struct xs_server *s, const struct xs_node *n);
void journal_node_del(struct xs_server *s, const char *path);
void journal_watch(struct xs_server *s, const struct xs_conn *c, const struct xs_watch *w, bool add);
void journal_domain(struct xs_server *s, const struct xs_domain *d, bool add);
void journal_special(struct xs_server *s, unsigned idx);
void journal_batch(struct xs_server *s, bool begin);
void journal_output(struct xs_server *s, const struct xs_conn *c, const void *buf, size_t len);
void journal_req_cons(struct xs_server *s, const struct xs_conn *c, uint32_t v);
void journal_txid(struct xs_server *s, const struct xs_conn *c);
int journal_open(struct xs_server *s); /* loads snapshot+journal, then compacts */
int journal_compact(struct xs_server *s);
void journal_close(struct xs_server *s);
size_t journal_size(const struct xs_server *s);

/* conn.c: queue bytes recovered from the journal (no journaling). */
void conn_enqueue_raw(struct xs_conn *c, const void *buf, size_t len);

void xs_log(struct xs_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
