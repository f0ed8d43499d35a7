/* The domain manager: the domains this builder created, with their config,
 * console and restart history; create, destroy, restart, and the reaction
 * to VIRQ_DOM_EXC.  Host-testable: everything goes through the back end and
 * the callbacks below. */
#ifndef DB_MGR_H
#define DB_MGR_H

#include "backend.h"
#include "build.h"
#include "console.h"
#include "domcfg.h"
#include "policy.h"

#define MGR_MAX_DOMS 128
#define MGR_ERR_LEN  512

/* Where a command's or a console's output goes: one line per call. */
struct db_out {
    void (*line)(void *ctx, const char *s);
    void (*raw)(void *ctx, const char *data, size_t n);     /* attached console */
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
    int preserved;                  /* shut down, kept for inspection */
    const struct db_out *attached;  /* xl console session, or NULL */
};

/* Reads a whole file (kernel, ramdisk, config) into a malloc'd buffer. */
typedef int (*mgr_read_fn)(void *ctx, const char *path, size_t max, uint8_t **buf,
                           size_t *len, char *err, size_t errlen);

struct mgr {
    struct backend *b;
    struct mgr_dom dom[MGR_MAX_DOMS];
    uint32_t virq_port;
    uint32_t xenstore_domid;        /* BUILD_NO_XENSTORE until one runs */
    mgr_read_fn read_file;
    void *file_ctx;
    struct db_out log;              /* the serial log: consoles, events */
    uint64_t (*now_ms)(void);
    /* writes a xenstore node (control/shutdown); NULL while we have no client */
    int (*xs_write)(void *ctx, uint32_t domid, const char *rel, const char *val);
    void *xs_ctx;
};

int mgr_init(struct mgr *m, struct backend *b);
void mgr_logf(struct mgr *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses and checks path fully before anything changes; builds, connects
 * the console, unpauses.  *domid = the new domain. */
int mgr_create(struct mgr *m, const char *path, uint32_t *domid, char *err, size_t errlen);
int mgr_destroy(struct mgr *m, struct mgr_dom *d, char *err, size_t errlen);
/* Destroys and rebuilds from the kept config; same_id keeps the domain id. */
int mgr_restart(struct mgr *m, struct mgr_dom *d, int same_id, char *err, size_t errlen);
int mgr_shutdown(struct mgr *m, struct mgr_dom *d, uint32_t reason, char *err, size_t errlen);

/* Takes over the domains a previous instance of the builder left running
 * (named dN, no console, policy destroy); returns how many. */
int mgr_adopt(struct mgr *m);

/* A domain by name or decimal id; NULL if none. */
struct mgr_dom *mgr_find(struct mgr *m, const char *name_or_id);

/* Event handling: VIRQ_DOM_EXC (reap) and console ports. */
void mgr_reap(struct mgr *m);
void mgr_console_poll(struct mgr *m, struct mgr_dom *d);
void mgr_event(struct mgr *m, uint32_t lport);
int mgr_console_attach(struct mgr_dom *d, const struct db_out *o);
void mgr_console_input(struct mgr *m, struct mgr_dom *d, const char *data, size_t n);

#endif
