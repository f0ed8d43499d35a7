/* The domain manager: the domains this builder created, with their config,
 * console and restart history; create, destroy, restart, and the reaction
 * to VIRQ_DOM_EXC.  Host-testable: everything goes through the back end and
 * the callbacks below. */
#ifndef DB_MGR_H
#define DB_MGR_H

#include "backend/backend.h"
#include "build/build.h"
#include "shell/console.h"
#include "cfg/domcfg.h"
#include "mgr/policy.h"
#include "mgr/hostfiles.h"
#include "xsclient.h" /* servers/lib: the shared xenstore client */
#include "progelf.h"  /* servers/lib: which program an image is */
#include "xsstate.h"  /* servers/lib: state pages kept across a domain's death */
#include "mgr/imgcache.h"

#define MGR_MAX_DOMS 1024
#define MGR_ERR_LEN  512

/* Where a command's or a console's output goes: one line per call. */
struct db_out {
    void (*line)(void *ctx, const char *s);
    void (*raw)(void *ctx, const char *data, size_t n); /* attached console */
    void *ctx;
};

struct mgr_dom {
    int used;
    uint32_t domid;
    struct domcfg cfg;
    char cfg_path[256];
    struct xencons_interface *cons;
    uint32_t cons_lport;
    struct cons_lines lines;
    char prefix[16];
    struct restart_hist hist;
    int preserved;      /* shut down, kept for inspection */
    uint64_t store_mfn; /* for INTRODUCE again after a xenstore restart */
    uint32_t store_port;
    const struct db_out *attached; /* xl console session, or NULL */
    /* a config sent from the host (cfg_path "host:NAME"): the store entries
     * its kernel, ramdisk and modules were read from, for restarts */
    uint32_t hostref[2 + DOM_MAX_MODULES];
    int start_paused; /* this start leaves it paused (xl create -p) */
    /* --create-times: when the create began (ms) and how long its steps took,
     * logged with the first console output (docs/density.md) */
    uint64_t t_create;
    uint32_t t_step[3]; /* read+build, console+xenstore, unpause (ms) */
    /* the program (module 0) it was last built with: its note ("" if none)
     * and the CRC-32 of the image, for xl list -v and upgrades */
    struct progelf_info prog;
    uint32_t prog_crc;
    /* state_pages: the domain id its kept pages are granted to (0: none
     * yet), so that a rebuild with that id keeps their contents */
    uint32_t state_for;
};

/* A service domain's state pages (config key state_pages, mgr_state.c):
 * ours, granted to domid, kept across its deaths; the first lists them
 * (servers/lib/xsstate.h).  A slot is never freed (there is no ungrant):
 * a later domain with the same id and count reuses it, zeroed. */
#define MGR_MAX_STATE 16
struct mgr_state {
    uint32_t domid, n; /* n = 0: a free slot */
    uint32_t refs[XSSTATE_MAX_PAGES];
    uint8_t *chunk[XSSTATE_MAX_PAGES / XSSTATE_CHUNK + 1];
};

/* Reads a whole file (kernel, ramdisk, config) into a malloc'd buffer. */
typedef int (*mgr_read_fn)(void *ctx, const char *path, size_t max, uint8_t **buf, size_t *len, char *err,
                           size_t errlen);

struct mgr {
    struct backend *b;
    struct mgr_dom dom[MGR_MAX_DOMS];
    uint32_t virq_port;
    uint32_t xenstore_domid; /* BUILD_NO_XENSTORE until one runs */
    mgr_read_fn read_file;
    void *file_ctx;
    struct db_out log; /* the serial log: consoles, events */
    uint64_t (*now_ms)(void);
    /* our xenstore connection: a page granted to xs_for and our port for it */
    struct xsc *xs;
    struct xenstore_domain_interface *xs_page;
    uint32_t xs_for, xs_gref, xs_lport;
    int xs_broken; /* a request timed out: fail fast until it restarts */
    /* the xenstore domain's state pages, ours, granted to xs_state_for
     * (servers/lib/xsstate.h): its death is survived (docs/restart.md) */
    uint32_t xs_state_for, xs_state_gref;
    int xs_state;
    struct mgr_state state[MGR_MAX_STATE]; /* other service domains' (state_pages) */
    int xs_spins;                          /* waits of this operation without an event fd */
    long xs_deadline;                      /* ms: when this operation gives up */
    void (*xs_poke)(void *ctx);            /* tests: run a fake xenstore server */
    /* events that arrived while we waited for xenstore, for the main loop */
    uint32_t deferred[64];
    int ndeferred;
    struct hostfiles host;         /* files sent from the host (xl put) */
    const struct domcfg *last_cfg; /* the config mgr_create read last (its warnings) */
    int create_times;              /* log each create's time to its first console output */
    struct imgcache *imgcache;     /* built images kept for the next create (NULL: none) */
};

int mgr_init(struct mgr *m, struct backend *b);
void mgr_logf(struct mgr *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses and checks path fully before anything changes; builds, connects
 * the console, tells xenstore, unpauses (unless MGR_PAUSED).  *domid = the
 * new domain.  Any failure undoes everything and says why.  MGR_DRYRUN only
 * reads and checks the config.  A path "host:NAME" names a config sent from
 * the host (hostfiles.h); its kernel, ramdisk and modules come from there too.
 * extra: xl's KEY=VALUE lines, replacing the file's settings (NULL: none).
 * Restarts rebuild from the parsed config kept in the slot. */
#define MGR_PAUSED 1u
#define MGR_DRYRUN 2u
int mgr_create(struct mgr *m, const char *path, const char *extra, unsigned flags, uint32_t *domid, char *err,
               size_t errlen);
int mgr_destroy(struct mgr *m, struct mgr_dom *d, char *err, size_t errlen);
/* The rest of a start once d->cfg is built as o->domid (a create, a restart,
 * a restore): console, xenstore nodes and devices, scheduler parameters,
 * unpause (unless d->start_paused); any failure destroys the domain.
 * is_xs: it is the xenstore domain being started. */
int mgr_start_built(struct mgr *m, struct mgr_dom *d, const struct build_out *o, int is_xs, char *err,
                    size_t errlen);
/* Destroys and rebuilds from the kept config; same_id keeps the domain id,
 * and then (but for the xenstore domain) its xenstore nodes too: a driver
 * domain's frontends see no change (docs/restart.md). */
int mgr_restart(struct mgr *m, struct mgr_dom *d, int same_id, char *err, size_t errlen);
/* xl restart NAME IMAGE: a restart with its id (as mgr_restart) whose
 * program (module 0, its arguments kept) is the file IMAGE, found as the
 * domain's own files are (a boot module, or sent from the host for a host
 * config), or "host:NAME", a file sent from the host (scripts/xl restart
 * NAME FILE sends it).  Refused with nothing changed unless IMAGE is a program the
 * runtime loads, carrying a program note (progver.h) naming the program the
 * domain runs now.  If the new image cannot be built the domain is rebuilt
 * with its previous program (and -1 says so). */
int mgr_upgrade(struct mgr *m, struct mgr_dom *d, const char *image, char *err, size_t errlen);
int mgr_shutdown(struct mgr *m, struct mgr_dom *d, uint32_t reason, char *err, size_t errlen);

/* Takes over the domains a previous instance of the builder left running
 * (named dN, no console, policy destroy); returns how many. */
int mgr_adopt(struct mgr *m);

/* xenstore glue (mgr_xs.c). */
/* Before building the xenstore domain as domid: our page and port for it,
 * and the arguments that tell its program about them. */
int mgr_xs_prepare(struct mgr *m, uint32_t domid, char *args, size_t size);
/* After the xenstore domain started: (re)introduce every other domain. */
void mgr_xs_started(struct mgr *m);
/* A domain with a store channel: its nodes and INTRODUCE; -1 with the
 * reason when a running xenstore domain could not be told (the guest would
 * never find its store). */
int mgr_xs_add(struct mgr *m, struct mgr_dom *d, uint64_t store_mfn, uint32_t store_port, char *err,
               size_t errlen);
void mgr_xs_remove(struct mgr *m, struct mgr_dom *d);
/* Whether xenstore requests can be made now (a xenstore domain runs and
 * answers). */
int mgr_xs_up(struct mgr *m);
/* A service domain about to be recreated with its id (mgr_keep.c): the
 * nodes it owns under /local/domain/D become the builder's, D keeping write
 * access, so that xenstored does not remove them with the old incarnation;
 * then mgr_xs_forget releases the old incarnation in xenstored before the
 * new one is introduced. */
void mgr_xs_keep(struct mgr *m, struct mgr_dom *d);
void mgr_xs_forget(struct mgr *m, struct mgr_dom *d);
/* A service domain: one with capabilities, or the backend domain of another
 * domain's disk or vif.  It is rebuilt with its id when it dies. */
int mgr_is_service(struct mgr *m, const struct mgr_dom *d);
/* How many other domains have a disk or vif whose backend is d. */
int mgr_frontends(struct mgr *m, const struct mgr_dom *d);
/* xl destroy, pause, restart of the xenstore domain: refused (-1, err says
 * why) while other domains have their nodes in it, unless it stopped
 * answering or (but for pause) its state is in our pages (mgr_xs_prepare:
 * a rebuild with its id recovers it); 0 for any other domain. */
int mgr_xs_may_stop(struct mgr *m, const struct mgr_dom *d, const char *verb, char *err, size_t errlen);
/* d is the xenstore domain and its state is in our pages: how many other
 * domains use it (an xl destroy rebuilds it with its id for them); else 0. */
int mgr_xs_clients(struct mgr *m, const struct mgr_dom *d);
/* control/shutdown if the domain announced it handles it; -1 otherwise. */
int mgr_xs_shutdown(struct mgr *m, struct mgr_dom *d, const char *what);
uint32_t mgr_first_free_id(struct mgr *m);
/* n state pages granted to domid in chunks (chunks[], their references
 * refs[n]), the first listing them all (xsstate.h); the first chunk, or
 * NULL (our grant table is full). */
uint8_t *mgr_state_grant(struct mgr *m, uint32_t domid, unsigned n, uint32_t *refs, uint8_t **chunks);
/* Before building d (config state_pages) as domid: its state pages, kept
 * from its previous incarnation if it had that id, else zeroed or new, and
 * " state=BUILDER:GREF" appended to args (module 0's command line).  -1
 * when there are none (logged; the domain runs without them). */
int mgr_state_prepare(struct mgr *m, struct mgr_dom *d, uint32_t domid, char *args, size_t size);
/* d is destroyed for good: its state pages are zeroed for the next user. */
void mgr_state_release(struct mgr *m, struct mgr_dom *d);
/* xl mem-set: the balloon target (memory/target), at most the maxmem. */
int mgr_mem_set(struct mgr *m, struct mgr_dom *d, uint64_t kb, char *err, size_t errlen);

/* A domain by name or decimal id; NULL if none. */
struct mgr_dom *mgr_find(struct mgr *m, const char *name_or_id);

/* The next event port: deferred ones first, then the back end's. */
int mgr_next_event(struct mgr *m, uint32_t *port);
/* Event handling: VIRQ_DOM_EXC (reap) and console ports. */
void mgr_reap(struct mgr *m);
void mgr_console_poll(struct mgr *m, struct mgr_dom *d);
void mgr_event(struct mgr *m, uint32_t lport);
int mgr_console_attach(struct mgr_dom *d, const struct db_out *o);
void mgr_console_input(struct mgr *m, struct mgr_dom *d, const char *data, size_t n);

#endif
