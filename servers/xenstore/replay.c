/*
 * replay.c: reading the journal and snapshot back (journal.c writes them):
 * record framing and checksums, bounds-checked decoding, whole-batch
 * application, and re-creating domain connections, their watches, the output
 * owed to them and their ring positions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"

struct cur {
    const char *p;
    size_t left;
    bool bad;
};

static const void *take(struct cur *c, size_t n)
{
    if (c->bad || c->left < n) {
        c->bad = true;
        return NULL;
    }
    const void *r = c->p;
    c->p += n;
    c->left -= n;
    return r;
}

static uint8_t get_u8(struct cur *c)
{
    const uint8_t *p = take(c, 1);
    return p ? *p : 0;
}
static uint32_t get_u32(struct cur *c)
{
    uint32_t v = 0;
    const void *p = take(c, 4);
    if (p) memcpy(&v, p, 4);
    return v;
}
static uint64_t get_u64(struct cur *c)
{
    uint64_t v = 0;
    const void *p = take(c, 8);
    if (p) memcpy(&v, p, 8);
    return v;
}
static const char *get_bytes(struct cur *c, uint32_t *len)
{
    *len = get_u32(c);
    return take(c, *len);
}
static char *get_str(struct cur *c)
{
    uint32_t len;
    const char *p = get_bytes(c, &len);
    return p ? strndup(p, len) : NULL;
}
static struct xs_perm *get_perms(struct cur *c, uint32_t *np)
{
    *np = get_u32(c);
    if (c->bad || *np > c->left / 5) return c->bad = true, NULL;
    struct xs_perm *p = calloc(*np ? *np : 1, sizeof(*p));
    if (!p) abort();
    for (uint32_t i = 0; i < *np; i++) {
        p[i].id = get_u32(c);
        p[i].perm = get_u8(c) & 3;
    }
    return p;
}

static struct xs_conn *dom_conn(struct xs_server *s, uint32_t domid)
{
    struct xs_domain *d = domain_get(s, domid, false);
    return d ? d->conn : NULL;
}

static void apply(struct xs_server *s, struct cur *c, uint64_t *epoch)
{
    uint8_t kind = get_u8(c);
    switch (kind) {
    case J_EPOCH:
        *epoch = get_u64(c);
        break;
    case J_NODE: {
        char *path = get_str(c);
        uint32_t np, vlen, clen;
        struct xs_perm *p = get_perms(c, &np);
        const char *v = get_bytes(c, &vlen);
        const char *ch = get_bytes(c, &clen);
        if (!c->bad && path && path[0] == '/') {
            struct xs_node *n = node_new(path);
            node_set_perms(n, p, np);
            node_set_value(n, v, vlen);
            n->children = malloc(clen ? clen : 1);
            if (!n->children) abort();
            memcpy(n->children, ch, clen);
            n->clen = clen;
            store_apply_put(s, n);
        }
        free(path);
        free(p);
        break;
    }
    case J_DEL: {
        char *path = get_str(c);
        if (!c->bad && path && strcmp(path, "/")) store_apply_del(s, path);
        free(path);
        break;
    }
    case J_WATCH: {
        uint32_t domid = get_u32(c);
        uint8_t add = get_u8(c);
        char *path = get_str(c), *token = get_str(c);
        uint32_t rel = get_u32(c);
        struct xs_conn *conn = dom_conn(s, domid);
        if (!c->bad && conn && path && token) {
            if (add)
                watch_add(conn, path, token, rel);
            else
                watch_del(conn, path, token);
        }
        free(path);
        free(token);
        break;
    }
    case J_DOM: {
        uint32_t domid = get_u32(c);
        uint8_t add = get_u8(c);
        uint64_t mfn = get_u64(c);
        uint32_t port = get_u32(c);
        int64_t target = (int64_t)get_u64(c);
        if (c->bad) break;
        if (add) {
            struct xs_domain *d = domain_get(s, domid, false);
            if (!d || !d->introduced) domain_introduce(s, domid, mfn, port);
            d = domain_get(s, domid, false);
            if (d && d->introduced) {
                d->target = target;
                if (d->conn) d->conn->restored = true;
            }
        } else {
            domain_release(s, domid);
        }
        break;
    }
    case J_SPECIAL: {
        uint8_t idx = get_u8(c);
        uint32_t np;
        struct xs_perm *p = get_perms(c, &np);
        if (!c->bad && idx < 2 && np) {
            free(s->special[idx].perms);
            s->special[idx].perms = p;
            s->special[idx].nperms = np;
            p = NULL;
        }
        free(p);
        break;
    }
    case J_OUT: {
        uint32_t domid = get_u32(c), start = get_u32(c), len;
        const char *b = get_bytes(c, &len);
        struct xs_conn *conn = dom_conn(s, domid);
        if (!c->bad && conn) {
            conn->out_total = start;
            conn_enqueue_raw(conn, b, len);
        }
        break;
    }
    case J_REQCONS: {
        uint32_t domid = get_u32(c), v = get_u32(c), n;
        const char *part = get_bytes(c, &n);
        struct xs_conn *conn = dom_conn(s, domid);
        const size_t hl = sizeof(struct xsd_sockmsg);
        if (!c->bad && conn && n <= hl + XENSTORE_PAYLOAD_MAX) {
            conn->have_req_cons = true;
            conn->req_cons = v;
            conn->in_have = n;
            memcpy(conn->in_hdr.raw, part, n < hl ? n : hl);
            if (n > hl) memcpy(conn->in, part + hl, n - hl);
        }
        break;
    }
    case J_TXID: {
        uint32_t domid = get_u32(c), next = get_u32(c);
        struct xs_conn *conn = dom_conn(s, domid);
        if (!c->bad && conn) conn->next_txid = next;
        break;
    }
    default:
        break;
    }
}

/* Split a buffer into records; returns the offset of the first bad one. */
static bool next_record(const char *buf, size_t len, size_t off, struct cur *out, size_t *next)
{
    uint32_t blen, sum;
    if (len - off < 8) return false;
    memcpy(&blen, buf + off, 4);
    memcpy(&sum, buf + off + 4, 4);
    if (blen == 0 || blen > len - off - 8 || journal_checksum(buf + off + 8, blen) != sum) return false;
    out->p = buf + off + 8;
    out->left = blen;
    out->bad = false;
    *next = off + 8 + blen;
    return true;
}

/* Replay one file. stop_epoch: if non-NULL, the file must start with this
 * epoch or it is ignored. Returns the byte length of its valid prefix. */
size_t journal_replay(struct xs_server *s, const char *buf, size_t len, uint64_t *epoch,
                      const uint64_t *want_epoch)
{
    size_t off = 0, next;
    struct cur c;
    bool first = true;
    while (next_record(buf, len, off, &c, &next)) {
        uint8_t kind = (uint8_t)c.p[0];
        if (first && want_epoch) {
            uint64_t e = 0;
            apply(s, &c, &e);
            if (kind != J_EPOCH || e != *want_epoch) return 0;
            first = false;
            off = next;
            continue;
        }
        first = false;
        if (kind == J_BEGIN) {
            /* find END; apply the batch only if it is complete */
            size_t o = next, n2;
            struct cur c2;
            bool complete = false;
            while (next_record(buf, len, o, &c2, &n2)) {
                if ((uint8_t)c2.p[0] == J_END) {
                    complete = true;
                    break;
                }
                o = n2;
            }
            if (!complete) return off;
            o = next;
            while (next_record(buf, len, o, &c2, &n2) && (uint8_t)c2.p[0] != J_END) {
                apply(s, &c2, epoch);
                o = n2;
            }
            off = n2;
            continue;
        }
        apply(s, &c, epoch);
        off = next;
    }
    return off;
}
