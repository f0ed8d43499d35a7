/* Live migration between two hosts' builders (docs/migration.md): `xl
 * migrate DOMAIN HOST` sends the stream's parts over TCP on the builders'
 * vifs (save/migrate_net.c) to `xl migrate-receive` on HOST, which feeds
 * them to migrate_rx_part as they come.
 *
 * The exchange (the sender's words binary, the receiver's lines of text):
 *   sender: "TESSERA-MIGRATE 1\n"                receiver: "ok\n"
 *   each part: its length (8 bytes, little-endian) and its bytes;
 *              receiver: "ok\n", or "built D\n" after the last (domain D
 *              made, paused), or "no REASON\n" and the connection closes
 *   sender: "go\n" (the source will not run again unless told "no")
 *   receiver: "running D\n" (started: console, xenstore, devices, unpaused)
 *             or "no REASON\n" (nothing of it is left)
 * The sender destroys the source after "running"; on any "no", or a link
 * that breaks before "built", the source resumes (its suspend returns 1).
 * A link that breaks after "go" leaves the outcome unknown: the source stays
 * suspended and paused, and the answer says so. */
#include "shell/xl_int.h"
#include "save/migrate.h"
#include "save/migrate_net.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HELLO          "TESSERA-MIGRATE 1"
#define ANSWER_MS      300000 /* the receiver applying a part, building, starting */
#define SEND_MS        60000  /* without progress */
#define PART_MAX_BYTES (1ull << 32)

struct remote {
    struct xl_mig x; /* first: the link's ctx for xl_mig_suspend and xl_mig_between */
    uint32_t rdomid; /* the receiver's new domain ("built D") */
};

static int expect(struct mgr *m, const char *want, uint32_t *domid, char *err, size_t errlen)
{
    char line[256], e2[MGR_ERR_LEN];
    if (mnet_recv_line(m, line, sizeof(line), ANSWER_MS, e2, sizeof(e2)))
        return db_errf(err, errlen, "no answer from the receiver (%s)", e2);
    if (!strncmp(line, "no ", 3)) return db_errf(err, errlen, "the receiver refused: %s", line + 3);
    size_t wl = strlen(want);
    unsigned long id = 0;
    char *end = line + wl;
    if (strncmp(line, want, wl) ||
        (domid ? (line[wl] != ' ' || (id = strtoul(line + wl + 1, &end, 10)) == 0 ||
                  id >= DOMID_FIRST_RESERVED || *end)
               : line[wl] != 0))
        return db_errf(err, errlen, "the receiver answered '%.80s', not '%s'", line, want);
    if (domid) *domid = (uint32_t)id;
    return 0;
}

static int rm_send(void *ctx, const uint8_t *data, size_t len, int last, char *err, size_t errlen)
{
    struct remote *r = ctx;
    struct mgr *m = r->x.m;
    size_t n = xl_mig_cut(&r->x, len, last);
    uint8_t head[8];
    for (int i = 0; i < 8; i++)
        head[i] = (uint8_t)((uint64_t)len >> (8 * i));
    if (mnet_send(m, head, 8, SEND_MS, err, errlen) || mnet_send(m, data, n, SEND_MS, err, errlen)) return -1;
    if (n < len) { /* the link breaks: what was sent arrives, then the end of the stream */
        mnet_close(m, 0);
        return db_errf(err, errlen, "the stream broke at byte %llu before its END record",
                       (unsigned long long)r->x.at);
    }
    return last ? expect(m, "built", &r->rdomid, err, errlen) : expect(m, "ok", NULL, err, errlen);
}

void xl_migrate_remote(struct mgr *m, struct xl_session *s, struct mgr_dom *d, const char *host, uint64_t cut,
                       int cut_last, const char *cfg, size_t cfg_len)
{
    static struct remote r;
    char err[MGR_ERR_LEN], rounds[160];
    uint32_t src = d->domid;
    if (!mnet_addr()) {
        say(s, "xl: migration to %s: the builder has no address on the network (-a ADDR)", host);
        return;
    }
    if (mnet_connect(m, host, MNET_PORT, 30000, err, sizeof(err)) ||
        mnet_send(m, HELLO "\n", sizeof(HELLO), SEND_MS, err, sizeof(err)) ||
        expect(m, "ok", NULL, err, sizeof(err))) {
        mnet_close(m, 1);
        say(s, "xl: migration of %s to %s failed: %s; it runs on", d->cfg.name, host, err);
        return;
    }
    r = (struct remote){ { m, d, 0, cut, cut_last }, 0 };
    const struct migrate_link link = { &r, rm_send, xl_mig_suspend, xl_mig_between, m->now_ms };
    struct migrate_stats st;
    int rc = migrate_send(m->b, src, cfg, cfg_len, &link, &st, err, sizeof(err));
    if (!rc && (mnet_send(m, "go\n", 3, SEND_MS, err, sizeof(err)) ||
                expect(m, "running", &r.rdomid, err, sizeof(err)))) {
        /* after "go": resumed only on the receiver's own "no" */
        int refused = !strncmp(err, "the receiver refused", 20);
        mnet_close(m, 1);
        if (refused) m->b->ops->resume(m->b, src);
        if (refused) xl_suspend_clear(m, d);
        say(s, "xl: migration of %s failed after it stopped: %s; %s", d->cfg.name, err,
            refused ? "it runs on" : "it stays suspended and paused (the destination may run it)");
        return;
    }
    mnet_close(m, rc != 0);
    if (rc) {
        xl_mig_failed(m, s, d, err);
        return;
    }
    uint64_t t_end = m->now_ms();
    char was[DOM_NAME_MAX + 16];
    snprintf(was, sizeof(was), "%u (%s)", src, d->cfg.name);
    if (mgr_destroy(m, d, err, sizeof(err)))
        say(s, "xl: domain %s runs on %s as domain %u, but the source cannot go: %s", was, host, r.rdomid,
            err);
    else
        memset(d, 0, sizeof(*d));
    xl_rounds_text(&st, rounds, sizeof(rounds));
    mgr_logf(m, "domain-builder: migrated domain %s to %s as domain %u", was, host, r.rdomid);
    say(s,
        "migrated domain %s to %s as domain %u: pages per round %s, then %llu with the guest stopped; %llu "
        "bytes; total %.2f s, downtime %.2f s (%.2f s paused)",
        was, host, r.rdomid, rounds, (unsigned long long)st.final_pages, (unsigned long long)st.bytes,
        (double)(t_end - st.t_start) / 1000, (double)(t_end - st.t_suspend) / 1000,
        (double)(t_end - st.t_paused_ms) / 1000);
}

/* ---- the receiving side ---- */

static void answer(struct mgr *m, const char *fmt, const char *why, uint32_t id)
{
    char line[MGR_ERR_LEN + 16], e[64];
    if (why)
        snprintf(line, sizeof(line), "no %s\n", why);
    else
        snprintf(line, sizeof(line), fmt, id);
    for (char *p = line; *p && p[1]; p++) /* one line */
        if (*p == '\n') *p = ' ';
    mnet_send(m, line, strlen(line), SEND_MS, e, sizeof(e));
}

/* The stream's parts into x until the domain is built: 0, or -1 with the
 * reason (x aborted, the sender told). */
static int receive_parts(struct mgr *m, struct migrate_rx *x, uint64_t *bytes, unsigned *parts, char *err,
                         size_t errlen)
{
    for (;;) {
        uint8_t head[8];
        size_t got = 0;
        uint64_t len = 0;
        char why[MGR_ERR_LEN];
        if (mnet_recv(m, head, 8, &got, ANSWER_MS, why, sizeof(why))) {
            migrate_rx_abort(x);
            return got ? db_errf(err, errlen, "the stream broke in a part's length (%s)", why)
                       : db_errf(err, errlen, "the stream ended before its END record (%s)", why);
        }
        for (int i = 0; i < 8; i++)
            len |= (uint64_t)head[i] << (8 * i);
        uint8_t *buf = len && len <= PART_MAX_BYTES ? malloc(len) : NULL;
        if (!buf) {
            migrate_rx_abort(x);
            db_errf(err, errlen, "a part of %llu bytes cannot be taken", (unsigned long long)len);
            answer(m, NULL, err, 0);
            return -1;
        }
        int rc = mnet_recv(m, buf, len, &got, ANSWER_MS, why, sizeof(why));
        *bytes += got;
        (*parts)++;
        /* a cut part is still checked: the save format says where it broke */
        int r = migrate_rx_part(x, buf, got, err, errlen);
        free(buf);
        if (r >= 0 && rc) {
            migrate_rx_abort(x);
            return db_errf(err, errlen, "the stream broke at byte %llu before its END record (%s)",
                           (unsigned long long)*bytes, why);
        }
        if (r < 0) {
            if (!rc) answer(m, NULL, err, 0);
            return -1;
        }
        if (r == 1) return 0;
        if (x->state == 1 && *parts == 1 && mgr_find(m, x->cfg->name)) {
            migrate_rx_abort(x);
            db_errf(err, errlen, "a domain named %s runs here", x->cfg->name);
            answer(m, NULL, err, 0);
            return -1;
        }
        answer(m, "ok\n", NULL, 0);
    }
}

void xl_migrate_receive(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    static struct domcfg cfg;
    static struct migrate_rx x;
    char err[MGR_ERR_LEN], peer[16] = "", line[64], *end;
    unsigned long secs = 300;
    if (xl_opt(c, 't')) {
        secs = strtoul(xl_optval(c, 't'), &end, 10);
        if (*xl_optval(c, 't') < '0' || *xl_optval(c, 't') > '9' || *end || !secs || secs > 86400) {
            say(s, "xl: -t wants seconds (1-86400), not '%s'", xl_optval(c, 't'));
            return;
        }
    }
    if (xl_opt(c, 'a') && mnet_up(m, xl_optval(c, 'a'), err, sizeof(err))) {
        say(s, "xl: migrate-receive: %s", err);
        return;
    }
    if (mnet_accept(m, MNET_PORT, (int)secs * 1000, peer, err, sizeof(err))) {
        say(s, "xl: migrate-receive: %s", err);
        return;
    }
    int rc = mnet_recv_line(m, line, sizeof(line), 30000, err, sizeof(err));
    if (rc || strcmp(line, HELLO)) {
        if (!rc) snprintf(err, sizeof(err), "it did not say '%s'", HELLO);
        answer(m, NULL, "not a migration of this version", 0);
        mnet_close(m, 0);
        say(s, "xl: migration from %s refused: %s", peer, err);
        return;
    }
    answer(m, "ok\n", NULL, 0);
    migrate_rx_init(&x, m->b, &cfg, m->xenstore_domid);
    uint64_t bytes = 0;
    unsigned parts = 0;
    struct mgr_dom *d = NULL;
    for (int i = 0; !d && i < MGR_MAX_DOMS; i++)
        d = m->dom[i].used ? NULL : &m->dom[i];
    rc = d ? receive_parts(m, &x, &bytes, &parts, err, sizeof(err))
           : db_errf(err, sizeof(err), "too many domains");
    if (!rc) {
        answer(m, "built %u\n", NULL, x.out.domid);
        char why[MGR_ERR_LEN];
        if (mnet_recv_line(m, line, sizeof(line), ANSWER_MS, why, sizeof(why))) {
            migrate_rx_abort(&x);
            rc = db_errf(err, sizeof(err), "no go from the sender after the domain was built (%s)", why);
        } else if (strcmp(line, "go")) {
            migrate_rx_abort(&x);
            rc = db_errf(err, sizeof(err), "the sender said '%.40s', not go, after the domain was built",
                         line);
        }
    }
    if (!rc) {
        memset(d, 0, sizeof(*d));
        d->cfg = cfg;
        snprintf(d->cfg_path, sizeof(d->cfg_path), "migrated from %s", peer);
        if (mgr_start_built(m, d, &x.out, 0, err, sizeof(err))) {
            memset(d, 0, sizeof(*d));
            answer(m, NULL, err, 0);
            rc = -1;
        }
    }
    if (rc) {
        mnet_close(m, 0);
        say(s, "xl: migration from %s refused: %s; nothing of it is left", peer, err);
        return;
    }
    int frc = xl_announce_restored(m, d);
    answer(m, "running %u\n", NULL, d->domid);
    mnet_close(m, 0);
    if (frc) mgr_logf(m, "domain-builder: domain %u: control/feature-* not written (%d)", d->domid, frc);
    mgr_logf(m, "domain-builder: received domain %s from %s as domain %u", d->cfg.name, peer, d->domid);
    say(s, "received domain %s from %s as domain %u: %u parts, %llu bytes", d->cfg.name, peer, d->domid,
        parts, (unsigned long long)bytes);
}
