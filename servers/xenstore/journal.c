/*
 * journal.c: persistence. The state directory holds `snapshot` (the whole
 * state as a record stream) and `journal` (records appended since). Records
 * are [u32 body length][u32 checksum][body]; the body's first byte is its
 * kind. Everything one request changes (nodes, watches, domains, output owed
 * to a domain ring, the ring index it reached) is written as one batch in a
 * single append (struct xs_state_ops: a directory, state_dir.c, or a memory
 * area the service runtime keeps) between BEGIN and END; replay applies whole batches only, so
 * a kill -9 at any point loses either nothing or the whole request. Both files
 * start with an EPOCH record: a journal whose epoch differs from the
 * snapshot's is already contained in it (compaction died before truncating).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"

static void need(struct xs_journal *j, size_t n)
{
    if (j->len + n <= j->cap) return;
    size_t cap = j->cap ? j->cap : 4096;
    while (cap < j->len + n)
        cap *= 2;
    char *b = realloc(j->buf, cap);
    if (!b) abort();
    j->buf = b;
    j->cap = cap;
}

static void put(struct xs_journal *j, const void *p, size_t n)
{
    need(j, n);
    if (n) memcpy(j->buf + j->len, p, n);
    j->len += n;
}

static void put_u8(struct xs_journal *j, uint8_t v) { put(j, &v, 1); }
static void put_u32(struct xs_journal *j, uint32_t v) { put(j, &v, 4); }
static void put_u64(struct xs_journal *j, uint64_t v) { put(j, &v, 8); }
static void put_bytes(struct xs_journal *j, const void *p, uint32_t n)
{
    put_u32(j, n);
    put(j, p, n);
}
static void put_str(struct xs_journal *j, const char *s) { put_bytes(j, s, (uint32_t)strlen(s)); }
static void put_perms(struct xs_journal *j, const struct xs_perm *p, uint32_t np)
{
    put_u32(j, np);
    for (uint32_t i = 0; i < np; i++) {
        put_u32(j, p[i].id);
        put_u8(j, p[i].perm);
    }
}

uint32_t journal_checksum(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    while (n--)
        h = (h ^ (unsigned char)*p++) * 16777619u;
    return h;
}

static void rec_begin(struct xs_journal *j, uint8_t kind)
{
    j->rec = j->len;
    need(j, 8);
    j->len += 8;
    put_u8(j, kind);
}

static void rec_end(struct xs_journal *j)
{
    uint32_t blen = (uint32_t)(j->len - j->rec - 8);
    uint32_t sum = journal_checksum(j->buf + j->rec + 8, blen);
    memcpy(j->buf + j->rec, &blen, 4);
    memcpy(j->buf + j->rec + 4, &sum, 4);
}

static void flush(struct xs_server *s)
{
    struct xs_journal *j = s->journal;
    if (!j->len) return;
    int rc = j->ops->append(j->ctx, j->buf, j->len, s->cfg.sync);
    if (rc) xs_log(s, "journal write failed: %s", strerror(-rc));
    j->size += j->len;
    j->len = 0;
}

/* Called after each record: outside a batch, write it at once. */
static void emitted(struct xs_server *s)
{
    rec_end(s->journal);
    if (!s->journal->depth) flush(s);
}

static struct xs_journal *active(struct xs_server *s)
{
    return (s->journal && !s->replaying) ? s->journal : NULL;
}

void journal_batch(struct xs_server *s, bool begin)
{
    struct xs_journal *j = active(s);
    if (!j) return;
    if (begin) {
        if (j->depth++ == 0) j->len = 0;
        return;
    }
    if (--j->depth > 0 || !j->len) return;
    /* Wrap the buffered records in BEGIN/END and write them in one go. */
    size_t body = j->len;
    need(j, 2 * 9);
    memmove(j->buf + 9, j->buf, body);
    j->len = 0;
    rec_begin(j, J_BEGIN);
    rec_end(j);
    j->len = 9 + body;
    rec_begin(j, J_END);
    rec_end(j);
    flush(s);
}

void xs_server_batch(struct xs_server *s, bool begin) { journal_batch(s, begin); }

static void enc_node(struct xs_journal *j, const struct xs_node *n)
{
    rec_begin(j, J_NODE);
    put_str(j, n->path);
    put_perms(j, n->perms, n->nperms);
    put_bytes(j, n->value, n->vlen);
    put_bytes(j, n->children, n->clen);
}

void journal_node_put(struct xs_server *s, const struct xs_node *n)
{
    struct xs_journal *j = active(s);
    if (!j) return;
    enc_node(j, n);
    emitted(s);
}

void journal_node_del(struct xs_server *s, const char *path)
{
    struct xs_journal *j = active(s);
    if (!j) return;
    rec_begin(j, J_DEL);
    put_str(j, path);
    emitted(s);
}

static void enc_watch(struct xs_journal *j, uint32_t domid, const struct xs_watch *w, bool add)
{
    rec_begin(j, J_WATCH);
    put_u32(j, domid);
    put_u8(j, add);
    put_str(j, w->path);
    put_str(j, w->token);
    put_u32(j, (uint32_t)w->rel);
}

void journal_watch(struct xs_server *s, const struct xs_conn *c, const struct xs_watch *w, bool add)
{
    struct xs_journal *j = active(s);
    if (!j || !c->is_domain) return;
    enc_watch(j, c->domid, w, add);
    emitted(s);
}

static void enc_domain(struct xs_journal *j, const struct xs_domain *d, bool add)
{
    rec_begin(j, J_DOM);
    put_u32(j, d->domid);
    put_u8(j, add);
    put_u64(j, d->mfn);
    put_u32(j, d->port);
    put_u64(j, (uint64_t)d->target);
}

void journal_domain(struct xs_server *s, const struct xs_domain *d, bool add)
{
    struct xs_journal *j = active(s);
    if (!j) return;
    enc_domain(j, d, add);
    emitted(s);
}

static void enc_special(struct xs_journal *j, struct xs_server *s, unsigned idx)
{
    rec_begin(j, J_SPECIAL);
    put_u8(j, (uint8_t)idx);
    put_perms(j, s->special[idx].perms, s->special[idx].nperms);
}

void journal_special(struct xs_server *s, unsigned idx)
{
    struct xs_journal *j = active(s);
    if (!j) return;
    enc_special(j, s, idx);
    emitted(s);
}

static void enc_out(struct xs_journal *j, uint32_t domid, uint32_t start, const void *buf, size_t len)
{
    rec_begin(j, J_OUT);
    put_u32(j, domid);
    put_u32(j, start);
    put_bytes(j, buf, (uint32_t)len);
}

void journal_output(struct xs_server *s, const struct xs_conn *c, const void *buf, size_t len)
{
    struct xs_journal *j = active(s);
    if (!j) return;
    enc_out(j, c->domid, c->out_total, buf, len);
    emitted(s);
}

void journal_req_cons(struct xs_server *s, const struct xs_conn *c, uint32_t v)
{
    struct xs_journal *j = active(s);
    if (!j) return;
    /* with any partly received request, so a restart can finish it */
    const size_t hl = sizeof(struct xsd_sockmsg);
    char part[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
    size_t n = c->in_have;
    memcpy(part, c->in_hdr.raw, n < hl ? n : hl);
    if (n > hl) memcpy(part + hl, c->in, n - hl);
    rec_begin(j, J_REQCONS);
    put_u32(j, c->domid);
    put_u32(j, v);
    put_bytes(j, part, (uint32_t)n);
    emitted(s);
}

static void enc_txid(struct xs_journal *j, const struct xs_conn *c)
{
    rec_begin(j, J_TXID);
    put_u32(j, c->domid);
    put_u32(j, c->next_txid);
}

void journal_txid(struct xs_server *s, const struct xs_conn *c)
{
    struct xs_journal *j = active(s);
    if (!j || !c->is_domain) return;
    enc_txid(j, c);
    emitted(s);
}

size_t journal_size(const struct xs_server *s) { return s->journal ? s->journal->size : 0; }

int journal_open(struct xs_server *s)
{
    struct xs_journal *j = calloc(1, sizeof(*j));
    if (!j) abort();
    if (s->cfg.state) {
        j->ops = s->cfg.state;
        j->ctx = s->cfg.state_ctx;
    } else {
        int err = 0;
        j->ops = &xs_state_dir_ops;
        j->ctx = xs_state_dir_open(s->cfg.state_dir, &err);
        if (!j->ctx) {
            free(j);
            return err;
        }
    }
    size_t len = 0;
    uint64_t epoch = 0;
    s->replaying = true;
    char *buf = j->ops->load(j->ctx, false, &len);
    if (buf) {
        journal_replay(s, buf, len, &epoch, NULL);
        free(buf);
    }
    uint64_t snap_epoch = epoch;
    len = 0;
    buf = j->ops->load(j->ctx, true, &len);
    if (buf) {
        journal_replay(s, buf, len, &epoch, &snap_epoch);
        free(buf);
    }
    s->replaying = false;
    j->epoch = snap_epoch;
    s->journal = j;
    return journal_compact(s);
}

int journal_compact(struct xs_server *s)
{
    struct xs_journal *j = s->journal;
    if (!j || j->depth) return 0;
    uint64_t epoch = j->epoch + 1;
    j->len = 0;
    rec_begin(j, J_EPOCH);
    put_u64(j, epoch);
    rec_end(j);
    size_t i = 0;
    for (struct xs_node *n = NULL; (n = htab_next(&s->tree, &i, n));) {
        enc_node(j, n);
        rec_end(j);
    }
    for (unsigned k = 0; k < 2; k++) {
        enc_special(j, s, k);
        rec_end(j);
    }
    for (uint32_t d = 0; d < XS_DOMID_LIMIT; d += s->doms[d / 128] ? 1 : 128) {
        struct xs_domain *dom = domain_get(s, d, false);
        if (!dom || !dom->introduced) continue;
        enc_domain(j, dom, true);
        rec_end(j);
        struct xs_conn *c = dom->conn;
        if (!c) continue;
        for (struct xs_watch *w = c->watches; w; w = w->next) {
            enc_watch(j, d, w, true);
            rec_end(j);
        }
        enc_txid(j, c);
        rec_end(j);
        uint32_t pending = 0;
        for (struct xs_outbuf *b = c->out; b; b = b->next)
            pending += b->len - b->off;
        uint32_t start = c->out_total - pending;
        for (struct xs_outbuf *b = c->out; b; b = b->next) {
            enc_out(j, d, start, b->data + b->off, b->len - b->off);
            rec_end(j);
            start += b->len - b->off;
        }
    }
    int rc = j->ops->put_snapshot(j->ctx, j->buf, j->len);
    if (rc) xs_log(s, "snapshot failed: %s", strerror(-rc));
    j->len = 0;
    if (!rc) {
        j->epoch = epoch;
        rc = j->ops->truncate_journal(j->ctx);
        j->size = 0;
        rec_begin(j, J_EPOCH);
        put_u64(j, epoch);
        rec_end(j);
        flush(s);
    }
    return rc;
}

void journal_close(struct xs_server *s)
{
    struct xs_journal *j = s->journal;
    if (!j) return;
    if (j->ops->close) j->ops->close(j->ctx);
    free(j->buf);
    free(j);
    s->journal = NULL;
}
