/* `xl migrate [-x BYTES] [-a ADDR] DOMAIN HOST` (docs/migration.md): live
 * migration with iterative pre-copy (save/migrate.c).  Another HOST: the
 * stream goes over the builders' vifs to `xl migrate-receive` there
 * (xl_migrate_remote.c; -a gives this builder its address).  HOST localhost
 * (or 127.0.0.1): this builder is both ends, the stream's parts handed from the sender to
 * the receiver in memory, as `xl migrate` to localhost runs both ends on one
 * host under Xen.  The source stays until the destination is built; then it
 * is destroyed (every frame freed) and the destination started under the
 * same name.  -x BYTES breaks the stream after that many bytes, -x +BYTES
 * that many bytes into its last part, sent with the guest stopped (how the
 * receiver's refusal and the source's recovery are tested). */
#include "shell/xl_int.h"
#include "save/migrate.h"
#include "save/migrate_net.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct loopback {
    struct xl_mig x; /* first: the link's ctx for xl_mig_suspend and xl_mig_between */
    struct migrate_rx rx;
};

size_t xl_mig_cut(struct xl_mig *x, size_t len, int last)
{
    if (x->cut_last && last) {
        x->cut += x->at;
        x->cut_last = 0;
    }
    size_t n = x->cut_last || x->cut - x->at >= len ? len : (size_t)(x->cut - x->at);
    x->at += n;
    return n;
}

int xl_mig_suspend(void *ctx, char *err, size_t errlen)
{
    struct xl_mig *x = ctx;
    return xl_suspend(x->m, x->d, err, errlen);
}

void xl_mig_between(void *ctx)
{
    struct xl_mig *x = ctx;
    for (int k = 0; k < MGR_MAX_DOMS; k++)
        if (x->m->dom[k].used) mgr_console_poll(x->m, &x->m->dom[k]);
}

void xl_mig_failed(struct mgr *m, struct xl_session *s, struct mgr_dom *d, const char *err)
{
    db_dominfo i;
    uint32_t src = d->domid;
    xl_suspend_clear(m, d);
    int alive = !m->b->ops->getinfo(m->b, src, &i) && i.domain == src && !(i.flags & XEN_DOMINF_shutdown);
    say(s, "xl: migration of %s failed: %s; %s", d->cfg.name, err,
        alive ? "it runs on" : "it stays suspended");
}

static int lb_send(void *ctx, const uint8_t *data, size_t len, int last, char *err, size_t errlen)
{
    struct loopback *l = ctx;
    size_t n = xl_mig_cut(&l->x, len, last);
    int rc = migrate_rx_part(&l->rx, data, n, err, errlen);
    if (rc >= 0 && n < len) { /* the link broke: the receiver sees the end of its stream */
        migrate_rx_abort(&l->rx);
        return db_errf(err, errlen, "the stream broke at byte %llu before its END record",
                       (unsigned long long)l->x.at);
    }
    return rc < 0 ? -1 : 0;
}

/* The features the guest announced at boot (Linux writes control/feature-*
 * once, not on resume): read from the source, written for the
 * destination, so that it takes suspend (and poweroff) requests again. */
static const char *const features[] = { "feature-poweroff", "feature-reboot", "feature-suspend",
                                        "feature-sysrq" };

static void features_move(struct mgr *m, uint32_t from, uint32_t to, char (*val)[8], int write)
{
    char path[96], *v;
    for (size_t i = 0; mgr_xs_up(m) && i < sizeof(features) / sizeof(features[0]); i++) {
        snprintf(path, sizeof(path), "/local/domain/%u/control/%s", write ? to : from, features[i]);
        if (write && val[i][0]) xsc_write(m->xs, path, val[i]);
        v = NULL;
        if (!write && !xsc_read(m->xs, path, &v) && v) snprintf(val[i], sizeof(val[i]), "%s", v);
        free(v);
    }
}

/* "22528 812 130": the pages of each round while the guest ran. */
void xl_rounds_text(const struct migrate_stats *st, char *out, size_t size)
{
    size_t at = 0;
    out[0] = 0;
    for (unsigned r = 0; r < st->rounds && at < size; r++)
        at += (size_t)snprintf(out + at, size - at, "%s%llu", r ? " " : "", (unsigned long long)st->pages[r]);
}

void xl_migrate(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    static struct domcfg cfg;
    static struct loopback l;
    char err[MGR_ERR_LEN], text[16384], rounds[160], *end;
    struct mgr_dom *d = xl_target(m, s, c->pos[0], "migrate");
    if (!d) return;
    int local = !strcmp(c->pos[1], "localhost") || !strcmp(c->pos[1], "127.0.0.1");
    memset(&l, 0, sizeof(l));
    l.x.cut = ~0ull;
    if (xl_opt(c, 'x')) {
        const char *v = xl_optval(c, 'x');
        l.x.cut_last = *v == '+';
        v += l.x.cut_last;
        l.x.cut = strtoull(v, &end, 10);
        if (*v < '0' || *v > '9' || *end || l.x.cut > (1ull << 40)) {
            say(s, "xl: -x wants a number of bytes, not '%s'", xl_optval(c, 'x'));
            return;
        }
    }
    if (xl_opt(c, 'a') && (local || mnet_up(m, xl_optval(c, 'a'), err, sizeof(err)))) {
        say(s, "xl: migrate: %s", local ? "-a is for another host" : err);
        return;
    }
    int tl = xl_stream_cfg(d, text, sizeof(text), err, sizeof(err));
    if (tl < 0) {
        say(s, "xl: migration of %s refused: %s", d->cfg.name, err);
        return;
    }
    if (!local) {
        xl_migrate_remote(m, s, d, c->pos[1], l.x.cut, l.x.cut_last, text, (size_t)tl);
        return;
    }
    l.x.m = m;
    l.x.d = d;
    migrate_rx_init(&l.rx, m->b, &cfg, m->xenstore_domid);
    const struct migrate_link link = { &l, lb_send, xl_mig_suspend, xl_mig_between, m->now_ms };
    struct migrate_stats st;
    uint32_t src = d->domid;
    int rc = migrate_send(m->b, src, text, (size_t)tl, &link, &st, err, sizeof(err));
    if (!rc && l.rx.state != 2) rc = db_errf(err, sizeof(err), "the receiver did not finish the domain");
    xl_rounds_text(&st, rounds, sizeof(rounds));
    if (rc) {
        migrate_rx_abort(&l.rx);
        xl_mig_failed(m, s, d, err);
        return;
    }
    char was[DOM_NAME_MAX + 16], feat[4][8] = { "" };
    snprintf(was, sizeof(was), "%u (%s)", src, d->cfg.name);
    features_move(m, src, 0, feat, 0);
    if (mgr_destroy(m, d, err, sizeof(err))) {
        migrate_rx_abort(&l.rx);
        m->b->ops->resume(m->b, src);
        say(s, "xl: migration of %s failed: the source cannot go: %s", was, err);
        return;
    }
    memset(d, 0, sizeof(*d)); /* its slot, for the destination */
    d->cfg = cfg;
    snprintf(d->cfg_path, sizeof(d->cfg_path), "migrated from domain %u", src);
    if (mgr_start_built(m, d, &l.rx.out, 0, err, sizeof(err))) {
        memset(d, 0, sizeof(*d));
        say(s, "xl: migration of %s failed after the source went: %s", was, err);
        return;
    }
    uint64_t t_end = m->now_ms();
    features_move(m, 0, d->domid, feat, 1);
    mgr_logf(m, "domain-builder: migrated domain %s to localhost as domain %u", was, d->domid);
    say(s,
        "migrated domain %s to localhost as domain %u: pages per round %s, then %llu with the guest "
        "stopped; %llu bytes; total %.2f s, downtime %.2f s (%.2f s paused)",
        was, d->domid, rounds, (unsigned long long)st.final_pages, (unsigned long long)st.bytes,
        (double)(t_end - st.t_start) / 1000, (double)(t_end - st.t_suspend) / 1000,
        (double)(t_end - st.t_paused_ms) / 1000);
}

const struct xl_verb xl_verbs_migrate[] = {
    { "migrate", 2, 2, "x:a:", "xl migrate [-x [+]BYTES] [-a ADDR] DOMAIN HOST", xl_migrate, NULL },
    { "migrate-receive", 0, 0, "a:t:", "xl migrate-receive [-a ADDR] [-t SECONDS]", xl_migrate_receive,
      NULL },
    { NULL, 0, 0, NULL, NULL, NULL, NULL },
};
