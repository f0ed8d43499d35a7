/*
 * xenstored.h: the xenstore core's interface to transports and to the
 * program around it. The core knows nothing about sockets, rings or event
 * channels: a transport creates a connection, hands it complete messages (or
 * a byte stream), and drains its output queue when kicked.
 */
#ifndef TESSERA_XENSTORED_H
#define TESSERA_XENSTORED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <xen/io/xs_wire.h>

struct xs_server;
struct xs_conn;

/* Where the snapshot and the journal live. state_dir.c keeps them as files
 * of a directory (the host); the service-runtime program keeps them in a
 * memory area its runtime preserves across restarts (state_mem.c). */
struct xs_state_ops {
    /* The whole snapshot (journal = false) or journal, malloc'd; NULL if
     * there is none (*len untouched). */
    char *(*load)(void *ctx, bool journal, size_t *len);
    /* Append to the journal in one piece; 0 or -errno. */
    int (*append)(void *ctx, const void *p, size_t n, bool sync);
    /* Replace the snapshot atomically (old or new, never a mix). */
    int (*put_snapshot)(void *ctx, const void *p, size_t n);
    int (*truncate_journal)(void *ctx);
    void (*close)(void *ctx);
};
/* A directory: DIR/snapshot and DIR/journal (state_dir.c). NULL on error. */
void *xs_state_dir_open(const char *dir, int *err);
extern const struct xs_state_ops xs_state_dir_ops;

/* Limits. Privileged connections are exempt from all per-domain quotas. */
struct xs_config {
    unsigned quota_nodes;        /* nodes owned per domain */
    unsigned quota_entry_size;   /* bytes of a node's value */
    unsigned quota_watches;      /* watches per connection */
    unsigned quota_transactions; /* open transactions per connection */
    unsigned quota_perms;        /* permission entries per node */
    size_t outq_limit;           /* queued output bytes before input stalls */
    unsigned outq_events;        /* queued watch events before new ones drop */
    /* Fairness (sched.c): an unprivileged connection may use the server's
     * time at conn_share_permille of the clock in the long run, after a
     * burst of conn_burst_ms; past that its requests wait in its ring.
     * Without a clock (or with a share of 0) only the per-turn limit holds. */
    unsigned conn_share_permille;
    unsigned conn_burst_ms;
    int64_t (*clock_ns)(void);        /* monotonic */
    int64_t (*cpu_ns)(void);          /* the server's CPU time (NULL: clock_ns) */
    const char *state_dir;            /* NULL: no persistence (unless state) */
    const struct xs_state_ops *state; /* instead of state_dir */
    void *state_ctx;
    bool allow_crash;     /* CONTROL crash: abort after the reply (tests) */
    bool sync;            /* fdatasync the journal after each record */
    size_t journal_limit; /* compact when the journal grows past this */
    FILE *log;            /* CONTROL print/log output; NULL: stderr */
    bool verbose;         /* log every request (CONTROL log on|off) */
};

void xs_config_default(struct xs_config *cfg);
/* -E -S -W -t -A N and -V: -1 if taken; else the exit status (0 for -h, 2 for
 * a bad value or another letter, after the usage). */
int xs_config_option(struct xs_config *cfg, int opt, const char *arg, void (*usage)(void));

struct xs_stats {
    unsigned long requests, errors, events, events_dropped, commits, conflicts;
};

/* What the program around the core provides for domain connections. */
struct xs_domain_hooks {
    /* INTRODUCE: attach to the domain's ring; return the new connection
     * (made with xs_conn_new(..., is_domain=true)) or NULL (EINVAL). */
    struct xs_conn *(*introduce)(void *ctx, struct xs_server *s, uint32_t domid, uint64_t mfn, uint32_t port);
    /* RELEASE: detach; the core frees the connection afterwards. */
    void (*release)(void *ctx, struct xs_conn *c);
    void *ctx;
};

struct xs_conn_ops {
    /* Output was queued (or the connection must be closed: see dead). */
    void (*kick)(void *opaque);
};

struct xs_server *xs_server_new(const struct xs_config *cfg);
/* Opens the state directory, replays snapshot and journal, re-attaches
 * domain connections through the hooks. Returns 0 or -errno. */
int xs_server_recover(struct xs_server *s, const struct xs_domain_hooks *hooks);
void xs_server_set_hooks(struct xs_server *s, const struct xs_domain_hooks *hooks);
void xs_server_free(struct xs_server *s);
/* The runtime saw a domain change state (VIRQ_DOM_EXC in Xen terms): a
 * domain that shut down fires @releaseDomain once (until RESUME); one that is
 * gone is released (connection dropped, @releaseDomain). */
void xs_server_domain_state(struct xs_server *s, uint32_t domid, bool shutdown, bool gone);
/* The program introduces a domain itself (the control domain named on its
 * command line, as Xen's stubdom does for dom0): as INTRODUCE, journaled. */
int xs_server_introduce(struct xs_server *s, uint32_t domid, uint64_t mfn, uint32_t port);
/* Write a snapshot and truncate the journal when it has grown. */
void xs_server_maybe_compact(struct xs_server *s);
const struct xs_stats *xs_server_stats(const struct xs_server *s);
/* A privileged CONTROL crash was answered: the program should abort() once
 * the reply is on its way (only with cfg.allow_crash). */
bool xs_server_crash_pending(const struct xs_server *s);

struct xs_conn *xs_conn_new(struct xs_server *s, uint32_t domid, bool privileged, bool is_domain,
                            const struct xs_conn_ops *ops, void *opaque);
void xs_conn_free(struct xs_conn *c);
void *xs_conn_opaque(const struct xs_conn *c);
uint32_t xs_conn_domid(const struct xs_conn *c);
bool xs_conn_dead(const struct xs_conn *c);
/* True while the client is not reading its output: stop feeding it input. */
bool xs_conn_throttled(const struct xs_conn *c);

/* Stream transports: feed bytes; returns how many were consumed (fewer than
 * len when the connection throttles or dies). */
size_t xs_conn_feed(struct xs_conn *c, const void *buf, size_t len);
/* The same, processing at most max_msgs complete messages (fairness). */
size_t xs_conn_feed_n(struct xs_conn *c, const void *buf, size_t len, unsigned max_msgs);
/* Message transports: one complete message, hdr->len <= XENSTORE_PAYLOAD_MAX. */
void xs_conn_message(struct xs_conn *c, const struct xsd_sockmsg *hdr, const char *payload);

/* Output queue: the first pending chunk, then how much of it was sent. */
size_t xs_conn_out_peek(const struct xs_conn *c, const void **data);
void xs_conn_out_advance(struct xs_conn *c, size_t n);
size_t xs_conn_out_pending(const struct xs_conn *c);
/* Total bytes ever queued (free-running, like a ring producer index). */
uint32_t xs_conn_out_total(const struct xs_conn *c);
/* Ring connections: start the output index at the ring's rsp_prod. */
void xs_conn_set_out_total(struct xs_conn *c, uint32_t v);
/* Ring connections: record (journal) the request index reached after a
 * message; after a restart, fetch the last recorded one. */
void xs_conn_note_req_cons(struct xs_conn *c, uint32_t v);
bool xs_conn_recovered_req_cons(const struct xs_conn *c, uint32_t *v);
/* Group the journal records of one request so replay applies all or none. */
void xs_server_batch(struct xs_server *s, bool begin);

/* Ring transport (ring.c): serve a domain's struct xenstore_domain_interface. */
struct xs_ring_ops {
    void (*notify)(void *handle); /* signal the domain's event channel */
};
struct xs_ring;
struct xs_ring *xs_ring_new(struct xs_conn *c, struct xenstore_domain_interface *intf,
                            const struct xs_ring_ops *ops, void *handle);
void xs_ring_free(struct xs_ring *r);
/* Handle an event: consume complete requests (at most budget), write
 * responses; returns true if more requests are waiting. */
bool xs_ring_service(struct xs_ring *r, unsigned budget);
/* Copy queued output into the response ring; notifies when it moved bytes. */
void xs_ring_flush(struct xs_ring *r);
/* After a restart: drop output the domain already has (rsp_prod says how
 * much was written), keep the rest queued. */
void xs_ring_resync(struct xs_ring *r);

/* Fair service (sched.c). A scheduling pass gives every busy ring a turn:
 * at most XS_TURN_REQUESTS requests, and none while its connection is over
 * its share of the server's time (its requests wait in the ring). */
#define XS_TURN_REQUESTS 8
enum xs_turn {
    XS_TURN_IDLE,     /* nothing left in the ring */
    XS_TURN_MORE,     /* requests wait: give it another turn in the next pass */
    XS_TURN_DEFERRED, /* requests wait, but not before *wake (ns, cfg.clock_ns) */
};
enum xs_turn xs_ring_turn(struct xs_ring *r, int64_t *wake);
struct xs_conn *xs_ring_conn(const struct xs_ring *r);

#endif
