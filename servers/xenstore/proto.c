/*
 * proto.c: the xs_wire.h request set: argument parsing, path rules,
 * permission checks, quotas, and one handler per message type. Everything a
 * client sends passes through proto_dispatch; every failure is an ERROR reply
 * carrying Xen's error name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs.h"

#define PATH_BUF (XENSTORE_ABS_PATH_MAX + 64)

struct req {
	struct xs_conn *c;
	const struct xsd_sockmsg *h;
	char *p;          /* payload, NUL-terminated one past len */
	uint32_t len;
	struct xs_view v;
};

/* Split the payload into NUL-terminated strings; returns how many complete
 * strings there are (at most max). */
static unsigned split(struct req *r, const char **out, unsigned max)
{
	unsigned n = 0;
	uint32_t off = 0;
	while (n < max && off < r->len) {
		const char *s = r->p + off;
		size_t l = strnlen(s, r->len - off);
		if (off + l >= r->len)
			break;  /* no terminator */
		out[n++] = s;
		off += (uint32_t)l + 1;
	}
	return n;
}

/* Exactly one string, terminated by the last payload byte. */
static const char *onearg(struct req *r)
{
	if (!r->len || r->p[r->len - 1] != '\0' || strlen(r->p) != r->len - 1)
		return NULL;
	return r->p;
}

static bool valid_chars(const char *s)
{
	for (; *s; s++) {
		char ch = *s;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '/' || ch == '_' || ch == '@'))
			return false;
	}
	return true;
}

/* Canonicalise a client path into out. rel (optional) gets the length of
 * the prefix added to a relative path, 0 for absolute ones. */
static int canon(struct xs_conn *c, const char *in, char *out, bool special, size_t *rel)
{
	size_t len = strlen(in);
	if (rel)
		*rel = 0;
	if (!len || !valid_chars(in))
		return -EINVAL;
	if (in[0] == '@') {
		if (!special || len > XENSTORE_ABS_PATH_MAX)
			return -EINVAL;
		memcpy(out, in, len + 1);
		return 0;
	}
	if (strstr(in, "//") || (len > 1 && in[len - 1] == '/'))
		return -EINVAL;
	if (in[0] == '/') {
		if (len > XENSTORE_ABS_PATH_MAX)
			return -EINVAL;
		memcpy(out, in, len + 1);
		return 0;
	}
	if (len > XENSTORE_REL_PATH_MAX || in[len - 1] == '/')
		return -EINVAL;
	int n = snprintf(out, PATH_BUF, "/local/domain/%u/%s", c->domid, in);
	if (n < 0 || n > XENSTORE_ABS_PATH_MAX)
		return -EINVAL;
	if (rel)
		*rel = (size_t)n - len;
	return 0;
}

static int parse_domid(const char *s, uint32_t *out)
{
	unsigned long v = 0;
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 65535)
			return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/* Errno for a node that does not exist: EACCES if the caller may not read
 * the nearest existing ancestor (so absence leaks nothing), else ENOENT. */
static int missing_errno(struct req *r, const char *path)
{
	char *p = path_parent(path);
	for (;;) {
		const struct xs_node *a = view_get(&r->v, p);
		if (a) {
			int e = (perm_for_conn(r->c, a->perms, a->nperms) & XS_PERM_READ) ? -ENOENT : -EACCES;
			free(p);
			return e;
		}
		if (!strcmp(p, "/"))
			break;
		char *q = path_parent(p);
		free(p);
		p = q;
	}
	free(p);
	return -ENOENT;
}

static int get_checked(struct req *r, const char *path, unsigned perm, const struct xs_node **out)
{
	const struct xs_node *n = view_get(&r->v, path);
	if (!n)
		return missing_errno(r, path);
	if ((perm_for_conn(r->c, n->perms, n->nperms) & perm) != perm)
		return -EACCES;
	*out = n;
	return 0;
}

static void ok(struct req *r)
{
	conn_reply_str(r->c, r->h, "OK");
}

static int do_read_like(struct req *r)
{
	const char *arg = onearg(r);
	char path[PATH_BUF];
	const struct xs_node *n;
	if (!arg)
		return -EINVAL;
	int e = canon(r->c, arg, path, false, NULL);
	if (!e)
		e = get_checked(r, path, XS_PERM_READ, &n);
	if (e)
		return e;
	if (r->h->type == XS_READ)
		conn_reply(r->c, r->h, XS_READ, n->value, n->vlen);
	else
		conn_reply(r->c, r->h, XS_DIRECTORY, n->children, n->clen);
	return 0;
}

static int do_directory_part(struct req *r)
{
	const char *a[2];
	char path[PATH_BUF];
	const struct xs_node *n;
	uint32_t off = 0;
	if (split(r, a, 2) != 2)
		return -EINVAL;
	for (const char *d = a[1]; *d; d++) {
		if (*d < '0' || *d > '9' || off > 100000000)
			return -EINVAL;
		off = off * 10 + (uint32_t)(*d - '0');
	}
	int e = canon(r->c, a[0], path, false, NULL);
	if (!e)
		e = get_checked(r, path, XS_PERM_READ, &n);
	if (e)
		return e;
	if (off > n->clen)
		return -EINVAL;
	char *buf = malloc(XENSTORE_PAYLOAD_MAX + 1);
	if (!buf)
		return -ENOMEM;
	int gl = snprintf(buf, 32, "%llu", (unsigned long long)n->gen) + 1;
	size_t used = (size_t)gl;
	uint32_t pos = off;
	while (pos < n->clen) {
		size_t l = strlen(n->children + pos) + 1;
		if (used + l + 1 > XENSTORE_PAYLOAD_MAX)
			break;
		memcpy(buf + used, n->children + pos, l);
		used += l;
		pos += (uint32_t)l;
	}
	if (pos >= n->clen)
		buf[used++] = '\0';  /* end of list */
	conn_reply(r->c, r->h, XS_DIRECTORY_PART, buf, used);
	free(buf);
	return 0;
}

static uint32_t new_owner(const struct xs_conn *c, uint32_t parent_owner)
{
	return c->privileged ? parent_owner : c->domid;
}

/* Create path (and missing ancestors) with the given value. */
static int create_node(struct req *r, const char *path, const char *val, uint32_t vlen)
{
	char *anc = path_parent(path);
	unsigned missing = 1;
	const struct xs_node *a;
	while (!(a = view_get(&r->v, anc))) {
		char *q = path_parent(anc);
		free(anc);
		anc = q;
		missing++;
	}
	if (!(perm_for_conn(r->c, a->perms, a->nperms) & XS_PERM_WRITE)) {
		free(anc);
		return -EACCES;
	}
	uint32_t owner = new_owner(r->c, a->nperms ? a->perms[0].id : 0);
	if (!r->c->privileged &&
	    view_domain_nodes(&r->v, owner) + missing > r->c->srv->cfg.quota_nodes) {
		free(anc);
		return -ENOSPC;
	}
	/* Walk down from the existing ancestor creating each level. */
	struct xs_perm *perms = NULL;
	uint32_t np = a->nperms;
	if (np) {
		perms = malloc(np * sizeof(*perms));
		if (!perms)
			abort();
		memcpy(perms, a->perms, np * sizeof(*perms));
		perms[0].id = owner;
	}
	size_t plen = strlen(path), alen = strlen(anc);
	size_t pos = !strcmp(anc, "/") ? 0 : alen;
	struct xs_node *parent = node_dup(a);
	while (pos < plen) {
		size_t next = pos + 1;
		while (next < plen && path[next] != '/')
			next++;
		char *cur = strndup(path, next);
		if (!cur)
			abort();
		node_add_child(parent, path_leaf(cur));
		view_put(&r->v, parent);
		parent = node_new(cur);
		node_set_perms(parent, perms, np);
		if (next == plen)
			node_set_value(parent, val, vlen);
		free(cur);
		pos = next;
	}
	view_put(&r->v, parent);
	free(perms);
	free(anc);
	return 0;
}

static void fire_node(struct req *r, const char *path, bool exact)
{
	const struct xs_node *n = view_get(&r->v, path);
	if (n)
		view_event(&r->v, path, exact, n->perms, n->nperms);
}

static int do_write(struct req *r)
{
	char path[PATH_BUF];
	size_t pl = strnlen(r->p, r->len);
	if (pl == r->len)
		return -EINVAL;
	const char *val = r->p + pl + 1;
	uint32_t vlen = r->len - (uint32_t)pl - 1;
	int e = canon(r->c, r->p, path, false, NULL);
	if (e)
		return e;
	if (!r->c->privileged && vlen > r->c->srv->cfg.quota_entry_size)
		return -ENOSPC;
	const struct xs_node *n = view_get(&r->v, path);
	if (n) {
		if (!(perm_for_conn(r->c, n->perms, n->nperms) & XS_PERM_WRITE))
			return -EACCES;
		struct xs_node *m = node_dup(n);
		node_set_value(m, val, vlen);
		view_put(&r->v, m);
	} else if ((e = create_node(r, path, val, vlen))) {
		return e;
	}
	fire_node(r, path, false);
	ok(r);
	return 0;
}

static int do_mkdir(struct req *r)
{
	const char *arg = onearg(r);
	char path[PATH_BUF];
	if (!arg)
		return -EINVAL;
	int e = canon(r->c, arg, path, false, NULL);
	if (e)
		return e;
	const struct xs_node *n = view_get(&r->v, path);
	if (n) {
		if (!(perm_for_conn(r->c, n->perms, n->nperms) & XS_PERM_WRITE))
			return -EACCES;
	} else {
		if ((e = create_node(r, path, NULL, 0)))
			return e;
		fire_node(r, path, false);
	}
	ok(r);
	return 0;
}

/* Remove the subtree under path (not path itself), children first. */
static void rm_children(struct req *r, const char *path)
{
	const struct xs_node *n = view_get(&r->v, path);
	if (!n || !n->clen)
		return;
	char *kids = malloc(n->clen);
	uint32_t clen = n->clen;
	if (!kids)
		abort();
	memcpy(kids, n->children, clen);
	for (uint32_t off = 0; off < clen; off += (uint32_t)strlen(kids + off) + 1) {
		char *cp;
		if (asprintf(&cp, "%s/%s", strcmp(path, "/") ? path : "", kids + off) < 0)
			abort();
		rm_children(r, cp);
		const struct xs_node *k = view_get(&r->v, cp);
		if (k) {
			view_event(&r->v, cp, true, k->perms, k->nperms);
			view_del(&r->v, cp);
		}
		free(cp);
	}
	free(kids);
}

static int do_rm(struct req *r)
{
	const char *arg = onearg(r);
	char path[PATH_BUF];
	if (!arg)
		return -EINVAL;
	int e = canon(r->c, arg, path, false, NULL);
	if (e)
		return e;
	if (!strcmp(path, "/"))
		return -EINVAL;
	const struct xs_node *n = view_get(&r->v, path);
	if (!n) {
		char *par = path_parent(path);
		const struct xs_node *p = view_get(&r->v, par);
		e = p ? 0 : missing_errno(r, par);
		free(par);
		if (!e)
			ok(r);
		return e;
	}
	if (!(perm_for_conn(r->c, n->perms, n->nperms) & XS_PERM_WRITE))
		return -EACCES;
	struct xs_perm *perms = NULL;
	uint32_t np = n->nperms;
	if (np) {
		perms = malloc(np * sizeof(*perms));
		if (!perms)
			abort();
		memcpy(perms, n->perms, np * sizeof(*perms));
	}
	rm_children(r, path);
	view_del(&r->v, path);
	char *par = path_parent(path);
	const struct xs_node *p = view_get(&r->v, par);
	if (p) {
		struct xs_node *m = node_dup(p);
		node_del_child(m, path_leaf(path));
		view_put(&r->v, m);
	}
	free(par);
	view_event(&r->v, path, false, perms, np);
	free(perms);
	ok(r);
	return 0;
}

static int special_index(struct xs_server *s, const char *path)
{
	for (int i = 0; i < 2; i++)
		if (!strcmp(path, s->special[i].name))
			return i;
	return -1;
}

static int do_get_perms(struct req *r)
{
	const char *arg = onearg(r);
	char path[PATH_BUF], buf[XENSTORE_PAYLOAD_MAX];
	const struct xs_perm *p;
	uint32_t np;
	if (!arg)
		return -EINVAL;
	int e = canon(r->c, arg, path, true, NULL);
	if (e)
		return e;
	if (path[0] == '@') {
		int i = special_index(r->c->srv, path);
		if (i < 0)
			return -ENOENT;
		p = r->c->srv->special[i].perms;
		np = r->c->srv->special[i].nperms;
	} else {
		const struct xs_node *n;
		if ((e = get_checked(r, path, XS_PERM_READ, &n)))
			return e;
		p = n->perms;
		np = n->nperms;
	}
	size_t len = perms_format(p, np, buf, sizeof(buf));
	conn_reply(r->c, r->h, XS_GET_PERMS, buf, len);
	return 0;
}

static int do_set_perms(struct req *r)
{
	char path[PATH_BUF];
	size_t pl = strnlen(r->p, r->len);
	if (pl == r->len)
		return -EINVAL;
	int e = canon(r->c, r->p, path, true, NULL);
	if (e)
		return e;
	struct xs_perm *perms;
	uint32_t np;
	if ((e = perms_parse(r->p + pl + 1, r->len - pl - 1, &perms, &np)))
		return e;
	struct xs_server *s = r->c->srv;
	if (!r->c->privileged && np > s->cfg.quota_perms) {
		free(perms);
		return -ENOSPC;
	}
	if (path[0] == '@') {
		int i = special_index(s, path);
		if (i < 0 || !(perm_for_conn(r->c, s->special[i].perms, s->special[i].nperms) & XS_PERM_OWNER)) {
			free(perms);
			return i < 0 ? -ENOENT : -EACCES;
		}
		free(s->special[i].perms);
		s->special[i].perms = perms;
		s->special[i].nperms = np;
		journal_special(s, (unsigned)i);
		ok(r);
		return 0;
	}
	const struct xs_node *n;
	if ((e = get_checked(r, path, XS_PERM_WRITE | XS_PERM_OWNER, &n))) {
		free(perms);
		return e;
	}
	if (!r->c->privileged && n->nperms && perms[0].id != n->perms[0].id) {
		free(perms);
		return -EPERM;
	}
	/* the event is checked against the old perms (as Xen does): whoever
	 * could see the node learns that its access changed */
	struct xs_node *m = node_dup(n);
	view_event(&r->v, path, false, m->perms, m->nperms);
	node_set_perms(m, perms, np);
	view_put(&r->v, m);
	free(perms);
	ok(r);
	return 0;
}

static int do_watch(struct req *r)
{
	const char *a[2];
	char path[PATH_BUF];
	size_t rel;
	if (split(r, a, 2) != 2)
		return -EINVAL;
	int e = canon(r->c, a[0], path, true, &rel);
	if (e)
		return e;
	if (r->h->type == XS_UNWATCH) {
		if ((e = watch_del(r->c, path, a[1])))
			return e;
		ok(r);
		return 0;
	}
	if ((e = watch_add(r->c, path, a[1], rel)))
		return e;
	ok(r);
	conn_event(r->c, a[0], a[1]);
	return 0;
}

static int do_transaction_start(struct req *r)
{
	char buf[16];
	if (r->v.txn)
		return -EBUSY;
	if (!r->c->privileged && r->c->ntxns >= r->c->srv->cfg.quota_transactions)
		return -ENOSPC;
	struct xs_txn *t = txn_start(r->c);
	snprintf(buf, sizeof(buf), "%u", t->id);
	conn_reply_str(r->c, r->h, buf);
	return 0;
}

static int do_transaction_end(struct req *r)
{
	const char *arg = onearg(r);
	if (!r->v.txn)
		return -ENOENT;
	if (!arg || (strcmp(arg, "T") && strcmp(arg, "F")))
		return -EINVAL;
	int e = txn_end(r->c, r->v.txn, arg[0] == 'T');
	r->v.txn = NULL;
	if (e)
		return e;
	ok(r);
	return 0;
}

static int do_domain_op(struct req *r)
{
	const char *a[3];
	unsigned n = split(r, a, 3);
	uint32_t domid, other;
	struct xs_server *s = r->c->srv;
	char buf[64];
	if (n < 1 || parse_domid(a[0], &domid))
		return -EINVAL;
	switch (r->h->type) {
	case XS_INTRODUCE: {
		if (n < 3)
			return -EINVAL;
		char *end;
		errno = 0;
		long long mfn = strtoll(a[1], &end, 10);
		if (*end || errno || !*a[1] || parse_domid(a[2], &other))
			return -EINVAL;
		int e = domain_introduce(s, domid, (uint64_t)mfn, other);
		if (e)
			return e;
		break;
	}
	case XS_RELEASE: {
		struct xs_domain *d = domain_get(s, domid, false);
		if (d && d->conn == r->c)
			return -EINVAL;
		int e = domain_release(s, domid);
		if (e)
			return e;
		break;
	}
	case XS_GET_DOMAIN_PATH:
		snprintf(buf, sizeof(buf), "/local/domain/%u", domid);
		conn_reply_str(r->c, r->h, buf);
		return 0;
	case XS_IS_DOMAIN_INTRODUCED: {
		struct xs_domain *d = domain_get(s, domid, false);
		conn_reply_str(r->c, r->h, (domid == 0 || (d && d->introduced)) ? "T" : "F");
		return 0;
	}
	case XS_RESUME: {
		struct xs_domain *d = domain_get(s, domid, false);
		if (!d || !d->introduced)
			return -ENOENT;
		d->shutdown = false;
		break;
	}
	case XS_SET_TARGET: {
		if (n < 2 || parse_domid(a[1], &other))
			return -EINVAL;
		int e = domain_set_target(s, domid, other);
		if (e)
			return e;
		break;
	}
	}
	ok(r);
	return 0;
}

static int do_reset_watches(struct req *r)
{
	watch_clear(r->c);
	while (r->c->txns) {
		struct xs_txn *t = r->c->txns;
		r->c->txns = t->next;
		txn_free(t);
	}
	r->c->ntxns = 0;
	ok(r);
	return 0;
}

static int do_control(struct req *r)
{
	const char *a[2];
	unsigned n = split(r, a, 2);
	struct xs_server *s = r->c->srv;
	if (n < 1)
		return -EINVAL;
	if (!strcmp(a[0], "print")) {
		if (n < 2)
			return -EINVAL;
		fprintf(s->cfg.log ? s->cfg.log : stderr, "xenstored: %s\n", a[1]);
		fflush(s->cfg.log ? s->cfg.log : stderr);
	} else if (!strcmp(a[0], "log")) {
		if (n < 2 || (strcmp(a[1], "on") && strcmp(a[1], "off")))
			return -EINVAL;
		s->logging = !strcmp(a[1], "on");
	} else if (!strcmp(a[0], "check")) {
		/* the tree is checked on every operation; nothing to repair */
	} else if (!strcmp(a[0], "help")) {
		conn_reply_str(r->c, r->h, "check\nhelp\nlog on|off\nprint <string>\nquota\n");
		return 0;
	} else if (!strcmp(a[0], "quota")) {
		char buf[256];
		snprintf(buf, sizeof(buf),
			 "nodes %u\nentry-size %u\nwatches %u\ntransactions %u\nperms %u\n",
			 s->cfg.quota_nodes, s->cfg.quota_entry_size, s->cfg.quota_watches,
			 s->cfg.quota_transactions, s->cfg.quota_perms);
		conn_reply_str(r->c, r->h, buf);
		return 0;
	} else {
		return -EINVAL;
	}
	ok(r);
	return 0;
}

#define F_TXN  1u  /* takes a transaction id */
#define F_PRIV 2u  /* privileged callers only */

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
	struct req r = { .c = c, .h = hdr, .p = payload, .len = hdr->len,
			 .v = { .srv = c->srv, .conn = c, .txn = NULL } };
	int e;
	if (hdr->type >= XS_TYPE_COUNT || !handlers[hdr->type].fn) {
		e = -EINVAL;
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
		xs_log(c->srv, "dom%u req %u type %u len %u", c->domid, hdr->req_id,
		       hdr->type, hdr->len);
	e = handlers[hdr->type].fn(&r);
	if (!e)
		return;
fail:
	conn_error(c, hdr, e);
}
