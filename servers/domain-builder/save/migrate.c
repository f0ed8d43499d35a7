/* Live migration's two sides (see migrate.h, docs/migration.md).  The
 * sender is a save (save.c's steps) spread over rounds: the core's
 * log-dirty mode says which pages the running guest wrote since the last
 * round, and only the last round, with the guest suspended, must be quick.
 * The receiver is a restore (restore.c's steps) fed one part at a time, so
 * that the pages of the rounds are in the new domain before the guest stops. */
#include "save/migrate.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xen/domctl.h>
#include <xen/sched.h>

#define BIT(bm, i) ((bm)[(i) / 8] >> ((i) % 8) & 1)

struct sender {
    struct saver s;
    const struct migrate_link *l;
    struct migrate_stats *st;
    uint8_t *dirty, *defer; /* PFN bitmaps: dirtied and not yet sent; tables sent as plain pages */
    uint64_t *sent;         /* the type each PFN was last sent with */
    uint64_t *list;         /* the PFNs of the part being made */
};

/* The pages of x->list[0..n) into w (which it frees), then to the receiver. */
static int send_part(struct sender *x, struct save_buf *w, size_t n, uint8_t *defer)
{
    struct saver *s = &x->s;
    int rc = saver_pages(s, w, x->list, n, defer);
    if (!rc && w->failed) rc = db_errf(s->err, s->errlen, "out of memory for the migration stream");
    for (size_t i = 0; !rc && i < n; i++)
        x->sent[x->list[i]] =
            defer && BIT(defer, x->list[i]) ? XEN_DOMCTL_PFINFO_NOTAB : s->types[x->list[i]];
    if (!rc) {
        x->st->bytes += w->len;
        rc = x->l->send(x->l->ctx, w->data, w->len, 0, s->err, s->errlen);
    }
    save_free(w);
    return rc;
}

/* The current types of the PFNs in x->list[0..n) (they have frames). */
static int refresh_types(struct sender *x, size_t n)
{
    struct saver *s = &x->s;
    uint64_t *t = malloc(n * 8 + 8);
    if (!t) return db_errf(s->err, s->errlen, "out of memory");
    for (size_t i = 0; i < n; i++)
        t[i] = s->p2m[x->list[i]];
    int rc = s->b->ops->frame_types(s->b, s->domid, t, n);
    for (size_t i = 0; !rc && i < n; i++)
        s->types[x->list[i]] = t[i];
    free(t);
    return rc ? db_errf(s->err, s->errlen, "page types of domain %u: %s", s->domid, strerror(-rc)) : 0;
}

/* Every page, then rounds of the dirty ones while the guest runs.  Returns
 * with x->dirty holding what the last CLEAN reported and nobody sent. */
static int live_rounds(struct sender *x, const db_dominfo *info, const char *cfg, size_t cfg_len)
{
    struct saver *s = &x->s;
    struct backend *b = s->b;
    struct save_buf w;
    if (saver_open(s, info->shared_info_frame)) return -1;
    uint64_t n = s->nr_pfns, nd;
    x->dirty = calloc((n + 7) / 8, 1);
    x->defer = calloc((n + 7) / 8, 1);
    x->sent = malloc(n * 8);
    x->list = malloc(n * 8);
    if (!x->dirty || !x->defer || !x->sent || !x->list) return db_errf(s->err, s->errlen, "out of memory");
    /* start_info is not known yet: the receiver takes vCPU 0's */
    struct save_domain dom = { info->max_vcpu_id + 1u, 0, n, 0 };
    saver_head(s, &w, &dom, cfg, cfg_len);
    for (uint64_t i = 0; i < n; i++) {
        x->list[i] = i;
        x->st->pages[0] += s->p2m[i] != SAVE_NO_FRAME;
    }
    x->st->rounds = 1;
    if (send_part(x, &w, n, x->defer)) return -1;
    for (;;) {
        x->l->between_rounds(x->l->ctx);
        int rc = b->ops->logdirty(b, s->domid, XEN_DOMCTL_SHADOW_OP_CLEAN, x->dirty, n, &nd);
        if (rc) return db_errf(s->err, s->errlen, "dirty pages of domain %u: %s", s->domid, strerror(-rc));
        unsigned r = x->st->rounds;
        if (nd <= MIGRATE_FEW_PAGES || r >= MIGRATE_MAX_ROUNDS || (r >= 2 && nd >= x->st->pages[r - 1]))
            return 0;
        size_t k = 0;
        for (uint64_t i = 0; i < n; i++)
            if (BIT(x->dirty, i) && s->p2m[i] != SAVE_NO_FRAME) x->list[k++] = i;
        memset(x->dirty, 0, (n + 7) / 8);
        if (!k) continue;
        if (refresh_types(x, k)) return -1;
        save_begin_part(&w, k * 4104 + 64);
        x->st->pages[x->st->rounds++] = k;
        if (send_part(x, &w, k, x->defer)) return -1;
    }
}

/* The guest is suspended and paused: what it dirtied since the last round,
 * the tables deferred, every page whose type changed, its vCPUs, END.  The
 * p2m must be the one the rounds used (a guest ballooning meanwhile fails). */
static int last_round(struct sender *x, const db_dominfo *info)
{
    struct saver *s = &x->s, f = { .b = s->b, .domid = s->domid, .err = s->err, .errlen = s->errlen };
    uint64_t n = s->nr_pfns, nd;
    uint8_t *more = calloc((n + 7) / 8, 1);
    int rc = more ? s->b->ops->logdirty(s->b, s->domid, XEN_DOMCTL_SHADOW_OP_CLEAN, more, n, &nd) : -ENOMEM;
    if (rc) rc = db_errf(s->err, s->errlen, "dirty pages of domain %u: %s", s->domid, strerror(-rc));
    if (!rc) rc = saver_open(&f, info->shared_info_frame);
    if (!rc && (f.nr_pfns != n || memcmp(f.p2m_frames, s->p2m_frames, s->nr_p2m_frames * 8) ||
                memcmp(f.p2m, s->p2m, n * 8)))
        rc = db_errf(s->err, s->errlen, "domain %u changed its p2m during the migration (ballooning?)",
                     s->domid);
    size_t k = 0;
    for (uint64_t i = 0; !rc && i < n; i++)
        if (BIT(x->dirty, i) || BIT(more, i) || BIT(x->defer, i) || f.types[i] != x->sent[i])
            x->list[k++] = i;
    if (!rc) {
        struct save_buf w;
        uint64_t start_info;
        uint32_t vcpus = info->max_vcpu_id + 1u;
        save_begin_part(&w, k * 4104 + vcpus * 8192 + 64);
        rc = saver_pages(&f, &w, x->list, k, NULL) || saver_vcpus(&f, &w, vcpus, &start_info) ? -1 : 0;
        save_record(&w, SREC_END, NULL, 0);
        if (!rc && w.failed) rc = db_errf(s->err, s->errlen, "out of memory for the migration stream");
        x->st->final_pages = k;
        if (!rc) {
            x->st->bytes += w.len;
            rc = x->l->send(x->l->ctx, w.data, w.len, 1, s->err, s->errlen);
        }
        save_free(&w);
    }
    saver_close(&f);
    free(more);
    return rc;
}

int migrate_send(struct backend *b, uint32_t domid, const char *cfg, size_t cfg_len,
                 const struct migrate_link *l, struct migrate_stats *st, char *err, size_t errlen)
{
    struct sender x = { .s = { .b = b, .domid = domid, .err = err, .errlen = errlen }, .l = l, .st = st };
    db_dominfo info;
    memset(st, 0, sizeof(*st));
    st->t_start = l->now_ms();
    int rc = b->ops->getinfo(b, domid, &info);
    if (rc || info.domain != domid) return db_errf(err, errlen, "no domain %u", domid);
    if (info.flags & XEN_DOMINF_shutdown) return db_errf(err, errlen, "domain %u has shut down", domid);
    if ((rc = b->ops->logdirty(b, domid, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, NULL, 0, NULL)))
        return db_errf(err, errlen, "log-dirty mode for domain %u: %s", domid, strerror(-rc));
    rc = live_rounds(&x, &info, cfg, cfg_len);
    st->t_suspend = l->now_ms();
    if (!rc) rc = l->suspend(l->ctx, err, errlen);
    if (!rc && (rc = b->ops->pause(b, domid))) /* waits until it is off every CPU */
        rc = db_errf(err, errlen, "pause of domain %u: %s", domid, strerror(-rc));
    st->t_paused_ms = l->now_ms();
    if (!rc) rc = last_round(&x, &info);
    b->ops->logdirty(b, domid, XEN_DOMCTL_SHADOW_OP_OFF, NULL, 0, NULL);
    if (rc && !b->ops->getinfo(b, domid, &info) && info.domain == domid &&
        (info.flags & XEN_DOMINF_shutdown) &&
        (info.flags >> XEN_DOMINF_shutdownshift & XEN_DOMINF_shutdownmask) == SHUTDOWN_suspend)
        b->ops->resume(b, domid); /* its suspend returns 1: it runs on */
    saver_close(&x.s);
    free(x.dirty);
    free(x.defer);
    free(x.sent);
    free(x.list);
    return rc ? -1 : 0;
}

void migrate_rx_init(struct migrate_rx *x, struct backend *b, struct domcfg *cfg, uint32_t xenstore_domid)
{
    memset(x, 0, sizeof(*x));
    x->b = b;
    x->cfg = cfg;
    x->xenstore_domid = xenstore_domid;
    x->rd.open = 1;
}

void migrate_rx_abort(struct migrate_rx *x)
{
    if (x->state == 1) restore_end(&x->r, 1);
    if (x->state == 2) x->b->ops->destroy(x->b, x->out.domid);
    x->state = -1;
}

/* The first part: the domain, from the stream's config, with its pages. */
static int rx_first(struct migrate_rx *x, char *err, size_t errlen)
{
    const struct save_image *img = &x->rd.img;
    if (!x->rd.seen[SREC_CONFIG] || !x->rd.seen[SREC_P2M_FRAMES] || !img->nr_pages)
        return db_errf(err, errlen, "the first part of the migration stream lacks its %s",
                       !x->rd.seen[SREC_CONFIG] ? "CONFIG record"
                       : !img->nr_pages         ? "pages"
                                                : "P2M_FRAMES record");
    if (domcfg_parse("migration stream", img->cfg, img->cfg_len, x->cfg, err, errlen)) return -1;
    x->in = (struct build_in){ x->cfg, NULL, 0, NULL, 0, 0, x->xenstore_domid, 0 };
    return restore_begin(&x->r, x->b, img, &x->in, &x->out, err, errlen);
}

/* After END: vCPU 0's rdx names start_info (the sender could not know it
 * when it wrote DOMAIN); the VCPU records must be in this part (earlier
 * parts are gone). */
static int rx_last(struct migrate_rx *x, const uint8_t *data, size_t len, char *err, size_t errlen)
{
    static struct vcpu_guest_context c;
    struct save_image *img = &x->rd.img;
    for (uint32_t v = 0; v < img->dom.vcpus; v++)
        if (img->vcpu[v].body < data || img->vcpu[v].body >= data + len)
            return db_errf(err, errlen, "migration stream: the state of vCPU %u is not in its last part", v);
    memcpy(&c, img->vcpu[0].body + 8, sizeof(c));
    if (c.user_regs.rdx >= img->dom.nr_pfns)
        return db_errf(err, errlen, "migration stream: vCPU 0's start_info pfn %#llx is out of range",
                       (unsigned long long)c.user_regs.rdx);
    img->dom.start_info_pfn = c.user_regs.rdx;
    return 0;
}

int migrate_rx_part(struct migrate_rx *x, const uint8_t *data, size_t len, char *err, size_t errlen)
{
    if (x->state < 0 || x->state == 2) return db_errf(err, errlen, "migration stream: a part after its end");
    int first = x->state == 0;
    int rc = save_parse_part(&x->rd, data, len, first, err, errlen);
    if (rc >= 0 && first && rx_first(x, err, errlen)) {
        x->state = -1; /* nothing was made, or restore_begin took it down */
        return -1;
    }
    if (first && rc >= 0) x->state = 1;
    if (rc < 0 || (!first && restore_pages(&x->r)) || (rc == 1 && rx_last(x, data, len, err, errlen))) {
        migrate_rx_abort(x);
        return -1;
    }
    if (rc == 0) return 0;
    if (restore_finish(&x->r)) {
        x->state = -1; /* restore_finish took it down */
        return -1;
    }
    x->state = 2;
    return 1;
}
