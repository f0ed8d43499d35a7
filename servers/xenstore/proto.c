/*
 * proto.c: the entry point for every client message: dispatch by type with
 * the transaction and privilege checks, plus the argument and path rules all
 * handlers share. Every failure becomes an ERROR reply with Xen's error name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"


/* Split the payload into NUL-terminated strings; returns how many complete
 * strings there are (at most max). */
unsigned req_split(struct req *r, const char **out, unsigned max)
{
    unsigned n = 0;
    uint32_t off = 0;
    while (n < max && off < r->len) {
        const char *s = r->p + off;
        size_t l = strnlen(s, r->len - off);
        if (off + l >= r->len) break; /* no terminator */
        out[n++] = s;
        off += (uint32_t)l + 1;
    }
    return n;
}

/* Exactly one string, terminated by the last payload byte. */
const char *req_onearg(struct req *r)
{
    if (!r->len || r->p[r->len - 1] != '\0' || strlen(r->p) != r->len - 1) return NULL;
    return r->p;
}

static bool valid_chars(const char *s)
{
    for (; *s; s++) {
        char ch = *s;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
              ch == '/' || ch == '_' || ch == '@'))
            return false;
    }
    return true;
}

/* Length of a leading "/local/domain/<up to 5 digits>/", else 0. */
static size_t local_prefix(const char *p)
{
    static const char pre[] = "/local/domain/";
    size_t i = sizeof(pre) - 1, digits = 0;
    if (strncmp(p, pre, i)) return 0;
    while (p[i] >= '0' && p[i] <= '9' && digits < 5) {
        i++;
        digits++;
    }
    return (digits && p[i] == '/') ? i + 1 : 0;
}

/* Canonicalise a client path into out. rel (optional) gets the length of
 * the prefix added to a relative path, 0 for absolute ones. As in Xen, a
 * path may be at most XENSTORE_REL_PATH_MAX long once a leading
 * /local/domain/<id>/ is discounted (and never longer than ABS_PATH_MAX). */
int req_canon(struct xs_conn *c, const char *in, char *out, bool special, size_t *rel)
{
    size_t len = strlen(in);
    if (rel) *rel = 0;
    if (!len || !valid_chars(in)) return -EINVAL;
    if (in[0] == '@') {
        if (!special || len > XENSTORE_ABS_PATH_MAX) return -EINVAL;
        memcpy(out, in, len + 1);
        return 0;
    }
    if (strstr(in, "//") || (len > 1 && in[len - 1] == '/')) return -EINVAL;
    int n;
    if (in[0] == '/') {
        if (len > XENSTORE_ABS_PATH_MAX) return -EINVAL;
        memcpy(out, in, len + 1);
        n = (int)len;
    } else {
        if (len > XENSTORE_REL_PATH_MAX) return -EINVAL;
        n = snprintf(out, PATH_BUF, "/local/domain/%u/%s", c->domid, in);
        if (n < 0 || n > XENSTORE_ABS_PATH_MAX) return -EINVAL;
        if (rel) *rel = (size_t)n - len;
    }
    if ((size_t)n - local_prefix(out) > XENSTORE_REL_PATH_MAX) return -EINVAL;
    return 0;
}

int req_domid(const char *s, uint32_t *out)
{
    unsigned long v = 0;
    if (!*s) return -EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -EINVAL;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > 65535) return -EINVAL;
    }
    *out = (uint32_t)v;
    return 0;
}

/* Errno for a node that does not exist: EACCES if the caller lacks perm on
 * the nearest existing ancestor (so absence leaks nothing), else ENOENT. */
int req_missing(struct req *r, const char *path, unsigned perm)
{
    char *p = path_parent(path);
    for (;;) {
        const struct xs_node *a = view_get(&r->v, p);
        if (a) {
            unsigned have = perm_for_conn(r->c, a->perms, a->nperms);
            int e = (have & perm) == perm ? -ENOENT : -EACCES;
            free(p);
            return e;
        }
        if (!strcmp(p, "/")) break;
        char *q = path_parent(p);
        free(p);
        p = q;
    }
    free(p);
    return -ENOENT;
}

int req_get(struct req *r, const char *path, unsigned perm, const struct xs_node **out)
{
    const struct xs_node *n = view_get(&r->v, path);
    if (!n) return req_missing(r, path, perm);
    if ((perm_for_conn(r->c, n->perms, n->nperms) & perm) != perm) return -EACCES;
    *out = n;
    return 0;
}

void req_ok(struct req *r) { conn_reply_str(r->c, r->h, "OK"); }

#define F_TXN  1u /* takes a transaction id */
#define F_PRIV 2u /* privileged callers only */

static const struct {
    int (*fn)(struct req *);
    unsigned flags;
} handlers[XS_TYPE_COUNT] = {
    [XS_CONTROL] = { do_control, F_PRIV },
    [XS_DIRECTORY] = { do_read_like, F_TXN },
    [XS_READ] = { do_read_like, F_TXN },
    [XS_GET_PERMS] = { do_get_perms, F_TXN },
    [XS_WATCH] = { do_watch, 0 },
    [XS_UNWATCH] = { do_watch, 0 },
    [XS_TRANSACTION_START] = { do_transaction_start, F_TXN },
    [XS_TRANSACTION_END] = { do_transaction_end, F_TXN },
    [XS_INTRODUCE] = { do_domain_op, F_PRIV },
    [XS_RELEASE] = { do_domain_op, F_PRIV },
    [XS_GET_DOMAIN_PATH] = { do_domain_op, 0 },
    [XS_WRITE] = { do_write, F_TXN },
    [XS_MKDIR] = { do_mkdir, F_TXN },
    [XS_RM] = { do_rm, F_TXN },
    [XS_SET_PERMS] = { do_set_perms, F_TXN },
    [XS_IS_DOMAIN_INTRODUCED] = { do_domain_op, F_PRIV },
    [XS_RESUME] = { do_domain_op, F_PRIV },
    [XS_SET_TARGET] = { do_domain_op, F_PRIV },
    [XS_RESET_WATCHES] = { do_reset_watches, 0 },
    [XS_DIRECTORY_PART] = { do_directory_part, F_TXN },
};

void proto_dispatch(struct xs_conn *c, const struct xsd_sockmsg *hdr, char *payload)
{
    struct req r = {
        .c = c, .h = hdr, .p = payload, .len = hdr->len, .v = { .srv = c->srv, .conn = c, .txn = NULL }
    };
    int e;
    if (hdr->type >= XS_TYPE_COUNT || !handlers[hdr->type].fn) {
        e = -ENOSYS; /* as Xen, for unknown and server-only types */
        goto fail;
    }
    unsigned flags = handlers[hdr->type].flags;
    if ((flags & F_TXN) && hdr->tx_id) {
        r.v.txn = txn_find(c, hdr->tx_id);
        if (!r.v.txn) {
            e = c->restored ? -EAGAIN : -ENOENT;
            goto fail;
        }
    }
    if ((flags & F_PRIV) && !c->privileged) {
        e = -EACCES;
        goto fail;
    }
    if (c->srv->logging)
        xs_log(c->srv, "dom%u req %u type %u len %u", c->domid, hdr->req_id, hdr->type, hdr->len);
    e = handlers[hdr->type].fn(&r);
    if (!e) return;
fail:
    conn_error(c, hdr, e);
}
