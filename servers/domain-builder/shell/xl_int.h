/* What the verb groups of the xl shell share (xl.c): domains by id or name,
 * their names as xl shows them, iteration in id order, and the checks
 * every command on a domain makes.  Private to shell/. */
#ifndef DB_XL_INT_H
#define DB_XL_INT_H

#include "shell/xl.h"
#include "shell/xlcmd.h"

#define say xl_say

/* the verb groups (one file each) */
extern const struct xl_verb xl_verbs_domain[], xl_verbs_info[], xl_verbs_block[], xl_verbs_net[],
    xl_verbs_upload[], xl_verbs_save[], xl_verbs_migrate[], xl_verbs_vbd[];

struct mgr_dom *xl_by_id(struct mgr *m, uint32_t id);
/* "domain-builder" for ourselves, the config's name, or "(unknown)" */
const char *xl_name_of(struct mgr *m, const db_dominfo *i);
/* Every domain the hypervisor shows, in id order (what list, info and
 * sched-credit count); fn returns nonzero to stop.  Returns how many. */
int xl_each_domain(struct mgr *m, int (*fn)(struct mgr *, struct xl_session *, const db_dominfo *, void *),
                   struct xl_session *s, void *arg);
/* Is there a domain with this id or name (the builder included)?  Its info. */
int xl_shown(struct mgr *m, const char *which, db_dominfo *out);
/* A domain this builder manages, or NULL after a message saying why not
 * ("xl: domain 0 is the domain builder itself ... it cannot VERB itself"). */
struct mgr_dom *xl_target(struct mgr *m, struct xl_session *s, const char *arg, const char *verb);
/* Attach s to d's console (create -c, console). */
void xl_console(struct mgr *m, struct xl_session *s, struct mgr_dom *d);

/* The positional words from `from` on, joined by commas (xl: the words of
 * block-attach and network-attach are the parts of one device spec). */
void xl_join(const struct xl_cmd *c, int from, char *out, size_t size);
/* block-attach, network-attach; block-detach, network-detach (xl_block.c) */
void xl_dev_attach(struct mgr *m, struct xl_session *s, const struct xl_cmd *c);
void xl_dev_detach(struct mgr *m, struct xl_session *s, const struct xl_cmd *c);
/* Asks d to suspend through xenstore (control/shutdown = suspend, its own
 * path) and waits for it, draining every console meanwhile; 0 at once if
 * it suspended itself; -1 with the reason (xl_save.c). */
int xl_suspend(struct mgr *m, struct mgr_dom *d, char *err, size_t errlen);
/* After a save or migration that leaves d alive (a checkpoint, a failure),
 * its suspend request goes. */
void xl_suspend_clear(struct mgr *m, struct mgr_dom *d);
/* A guest restored or migrated here suspended itself on control/shutdown:
 * its control/feature-poweroff, -reboot, -suspend written again (Linux
 * writes them only at boot).  0, or a write's errno (xl_save.c). */
int xl_announce_restored(struct mgr *m, struct mgr_dom *d);
/* d's config as a save image or migration stream carries it (vif MACs
 * pinned): its length in text, or -1 with the reason. */
int xl_stream_cfg(const struct mgr_dom *d, char *text, size_t size, char *err, size_t errlen);
/* A migration's sender side (xl_migrate.c): the domain, and the bytes of
 * the stream handed over and where it breaks (-x: ~0 never; cut_last: cut
 * counts from the start of the last part). */
struct xl_mig {
    struct mgr *m;
    struct mgr_dom *d;
    uint64_t at, cut;
    int cut_last;
};
/* How many of a part's len bytes go before the break (x->at moves on). */
size_t xl_mig_cut(struct xl_mig *x, size_t len, int last);
/* migrate_link's suspend and between_rounds; ctx starts with a struct xl_mig */
int xl_mig_suspend(void *ctx, char *err, size_t errlen);
void xl_mig_between(void *ctx);
/* A failed migration's answer ("...; it runs on" or "it stays suspended"),
 * d's suspend request gone. */
void xl_mig_failed(struct mgr *m, struct xl_session *s, struct mgr_dom *d, const char *err);
/* xl migrate to another host and xl migrate-receive (xl_migrate_remote.c);
 * "22528 812 130", the pages of a migration's rounds (xl_migrate.c) */
void xl_migrate_remote(struct mgr *m, struct xl_session *s, struct mgr_dom *d, const char *host, uint64_t cut,
                       int cut_last, const char *cfg, size_t cfg_len);
void xl_migrate_receive(struct mgr *m, struct xl_session *s, const struct xl_cmd *c);
struct migrate_stats;
void xl_rounds_text(const struct migrate_stats *st, char *out, size_t size);
/* A xenstore node DIR/NAME as a number; -1 when absent or not a number. */
long xl_node_num(struct mgr *m, const char *dir, const char *name);

#endif
