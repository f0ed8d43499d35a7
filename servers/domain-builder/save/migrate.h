/* Live migration of a PV domain (docs/migration.md): the sender's
 * iterative pre-copy and the receiver, both over a save stream cut into
 * parts (save/stream.h: each part a whole number of records, the first
 * with the header, the last with END).  Neither knows how the parts
 * travel: shell/xl_migrate.c hands them from one to the other. */
#ifndef DB_SAVE_MIGRATE_H
#define DB_SAVE_MIGRATE_H

#include "cfg/domcfg.h"
#include "save/save.h"

#define MIGRATE_MAX_ROUNDS 10 /* rounds while the guest runs, the first (all pages) included */
#define MIGRATE_FEW_PAGES  64 /* dirty pages few enough to stop the guest for */

struct migrate_stats {
    unsigned rounds;                          /* rounds while the guest ran */
    uint64_t pages[MIGRATE_MAX_ROUNDS];       /* pages sent in each */
    uint64_t final_pages;                     /* pages sent with the guest stopped */
    uint64_t bytes;                           /* the whole stream */
    uint64_t t_start, t_suspend, t_paused_ms; /* now_ms() at the start, the suspend request, the pause */
};

/* What the sender needs from its caller. */
struct migrate_link {
    void *ctx;
    /* a part of the stream (last: the one with END, sent with the guest
     * stopped); -1 with the reason in err when the receiver refused it or
     * the link broke */
    int (*send)(void *ctx, const uint8_t *data, size_t len, int last, char *err, size_t errlen);
    /* asks the guest to suspend through its own path and waits; -1 with the reason */
    int (*suspend)(void *ctx, char *err, size_t errlen);
    void (*between_rounds)(void *ctx); /* consoles drained */
    uint64_t (*now_ms)(void);
};

/* Sends running domain domid with its config text: log-dirty mode on,
 * every page, then rounds of the pages it dirtied until few are left, at
 * most MIGRATE_MAX_ROUNDS or when a round does not shrink; then the guest
 * is asked to suspend and paused, and the last dirty pages, pages whose type
 * changed and the vCPUs go.  0: every part was accepted and the domain is
 * left suspended and paused (the caller destroys it once the destination
 * runs, or resumes it).  -1 with the reason: log-dirty mode is off again and
 * a guest that had suspended is resumed (its suspend returns 1). */
int migrate_send(struct backend *b, uint32_t domid, const char *cfg, size_t cfg_len,
                 const struct migrate_link *l, struct migrate_stats *st, char *err, size_t errlen);

/* The receiving side: parts checked as they come (save_parse_part); the
 * first creates the domain (its config from the stream into *cfg) with a
 * frame for each PFN with data, every part's pages are written at once,
 * the last sets up the guest's p2m, start_info, pins and vCPUs. */
struct migrate_rx {
    struct backend *b;
    struct domcfg *cfg;
    uint32_t xenstore_domid;
    int state; /* 0: nothing yet, 1: building, 2: built, -1: failed */
    struct save_reader rd;
    struct restorer r;
    struct build_in in;
    struct build_out out; /* the new domain, paused, once state is 2 */
};
void migrate_rx_init(struct migrate_rx *x, struct backend *b, struct domcfg *cfg, uint32_t xenstore_domid);
/* 1 when the last part made the domain; 0 when more must come; -1 with the
 * reason, and nothing of the new domain is left. */
int migrate_rx_part(struct migrate_rx *x, const uint8_t *data, size_t len, char *err, size_t errlen);
/* The stream ended or broke before the domain was made: it goes. */
void migrate_rx_abort(struct migrate_rx *x);

#endif
