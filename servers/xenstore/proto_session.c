/*
 * proto_session.c: requests about the connection and the system rather than
 * nodes: WATCH/UNWATCH, TRANSACTION_START/END, INTRODUCE, RELEASE,
 * GET_DOMAIN_PATH, IS_DOMAIN_INTRODUCED, RESUME, SET_TARGET, RESET_WATCHES,
 * CONTROL.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int do_watch(struct req *r)
{
    const char *a[2];
    char path[PATH_BUF];
    size_t rel;
    if (req_split(r, a, 2) != 2) return -EINVAL;
    int e = req_canon(r->c, a[0], path, true, &rel);
    if (e) return e;
    if (r->h->type == XS_UNWATCH) {
        if ((e = watch_del(r->c, path, a[1]))) return e;
        req_ok(r);
        return 0;
    }
    if ((e = watch_add(r->c, path, a[1], rel))) return e;
    req_ok(r);
    conn_event(r->c, a[0], a[1]);
    return 0;
}

int do_transaction_start(struct req *r)
{
    char buf[16];
    if (r->v.txn) return -EBUSY;
    /* as Xen: quota N admits N + 1 open transactions */
    if (!r->c->privileged && r->c->ntxns > r->c->srv->cfg.quota_transactions) return -ENOSPC;
    struct xs_txn *t = txn_start(r->c);
    snprintf(buf, sizeof(buf), "%u", t->id);
    conn_reply_str(r->c, r->h, buf);
    return 0;
}

int do_transaction_end(struct req *r)
{
    const char *arg = req_onearg(r);
    if (!r->v.txn) return -ENOENT;
    if (!arg || (strcmp(arg, "T") && strcmp(arg, "F"))) return -EINVAL;
    int e = txn_end(r->c, r->v.txn, arg[0] == 'T');
    r->v.txn = NULL;
    if (e) return e;
    req_ok(r);
    return 0;
}

int do_domain_op(struct req *r)
{
    const char *a[3];
    unsigned n = req_split(r, a, 3);
    uint32_t domid, other;
    struct xs_server *s = r->c->srv;
    char buf[64];
    if (n >= 1 && r->h->type == XS_GET_DOMAIN_PATH) {
        /* as Xen: the number is not validated (atoi) */
        snprintf(buf, sizeof(buf), "/local/domain/%d", atoi(a[0]));
        conn_reply_str(r->c, r->h, buf);
        return 0;
    }
    if (n < 1) return -EINVAL;
    /* As Xen: domids are read with atoi() (no validation) except for
     * INTRODUCE; values past the domid range simply name no domain. */
    domid = (uint32_t)atoi(a[0]);
    if (r->h->type == XS_INTRODUCE && req_domid(a[0], &domid)) return -EINVAL;
    switch (r->h->type) {
    case XS_INTRODUCE: {
        if (n < 3) return -EINVAL;
        char *end;
        errno = 0;
        long long mfn = strtoll(a[1], &end, 10);
        if (*end || errno || !*a[1] || req_domid(a[2], &other)) return -EINVAL;
        int e = domain_introduce(s, domid, (uint64_t)mfn, other);
        if (e) return e;
        break;
    }
    case XS_RELEASE: {
        struct xs_domain *d = domain_get(s, domid, false);
        if (d && d->conn == r->c) return -EINVAL;
        int e = domain_release(s, domid);
        if (e) return e;
        break;
    }
    case XS_IS_DOMAIN_INTRODUCED: {
        struct xs_domain *d = domain_get(s, domid, false);
        conn_reply_str(r->c, r->h, (domid == 0 || (d && d->introduced)) ? "T" : "F");
        return 0;
    }
    case XS_RESUME: {
        if (domid == 0) return -EINVAL;
        struct xs_domain *d = domain_get(s, domid, false);
        if (!d || !d->introduced) return -ENOENT;
        d->shutdown = false;
        break;
    }
    case XS_SET_TARGET: {
        if (n < 2) return -EINVAL;
        int e = domain_set_target(s, domid, (uint32_t)atoi(a[1]));
        if (e) return e;
        break;
    }
    }
    req_ok(r);
    return 0;
}

int do_reset_watches(struct req *r)
{
    watch_clear(r->c);
    while (r->c->txns) {
        struct xs_txn *t = r->c->txns;
        r->c->txns = t->next;
        txn_free(t);
    }
    r->c->ntxns = 0;
    req_ok(r);
    return 0;
}

int do_control(struct req *r)
{
    const char *a[2];
    unsigned n = req_split(r, a, 2);
    struct xs_server *s = r->c->srv;
    if (n < 1) return -EINVAL;
    if (!strcmp(a[0], "print")) {
        if (n < 2) return -EINVAL;
        fprintf(s->cfg.log ? s->cfg.log : stderr, "xenstored: %s\n", a[1]);
        fflush(s->cfg.log ? s->cfg.log : stderr);
    } else if (!strcmp(a[0], "log")) {
        if (n < 2 || (strcmp(a[1], "on") && strcmp(a[1], "off"))) return -EINVAL;
        s->logging = !strcmp(a[1], "on");
    } else if (!strcmp(a[0], "check")) {
        /* the tree is checked on every operation; nothing to repair */
    } else if (!strcmp(a[0], "crash") && s->cfg.allow_crash) {
        s->crash_pending = true; /* the program aborts once this reply is out */
    } else if (!strcmp(a[0], "help")) {
        conn_reply_str(r->c, r->h, "check\nhelp\nlog on|off\nprint <string>\nquota\n");
        return 0;
    } else if (!strcmp(a[0], "quota")) {
        char buf[256];
        snprintf(buf, sizeof(buf), "nodes %u\nentry-size %u\nwatches %u\ntransactions %u\nperms %u\n",
                 s->cfg.quota_nodes, s->cfg.quota_entry_size, s->cfg.quota_watches, s->cfg.quota_transactions,
                 s->cfg.quota_perms);
        conn_reply_str(r->c, r->h, buf);
        return 0;
    } else {
        return -EINVAL;
    }
    req_ok(r);
    return 0;
}
