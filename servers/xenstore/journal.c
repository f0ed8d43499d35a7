/*
 * journal.c: persistence. The state directory holds `snapshot` (the whole
 * state as a record stream) and `journal` (records appended since). Records
 * are [u32 body length][u32 checksum][body]; the body's first byte is its
 * kind. Everything one request changes (nodes, watches, domains, output owed
 * to a domain ring, the ring index it reached) is written as one batch in a
 * single write() between BEGIN and END; replay applies whole batches only, so
 * a kill -9 at any point loses either nothing or the whole request. Both files
 * start with an EPOCH record: a journal whose epoch differs from the
 * snapshot's is already contained in it (compaction died before truncating).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "xs.h"

enum {
	J_EPOCH = 1, J_BEGIN, J_END, J_NODE, J_DEL, J_WATCH, J_DOM, J_SPECIAL, J_OUT, J_REQCONS,
};

struct xs_journal {
	char *dir;
	int fd;
	uint64_t epoch;
	size_t size;
	int depth;
	char *buf;
	size_t len, cap;
	size_t rec;   /* start of the record being built */
};

static void need(struct xs_journal *j, size_t n)
{
	if (j->len + n <= j->cap)
		return;
	size_t cap = j->cap ? j->cap : 4096;
	while (cap < j->len + n)
		cap *= 2;
	char *b = realloc(j->buf, cap);
	if (!b)
		abort();
	j->buf = b;
	j->cap = cap;
}

static void put(struct xs_journal *j, const void *p, size_t n)
{
	need(j, n);
	if (n)
		memcpy(j->buf + j->len, p, n);
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

static uint32_t checksum(const char *p, size_t n)
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
	uint32_t sum = checksum(j->buf + j->rec + 8, blen);
	memcpy(j->buf + j->rec, &blen, 4);
	memcpy(j->buf + j->rec + 4, &sum, 4);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void flush(struct xs_server *s)
{
	struct xs_journal *j = s->journal;
	if (!j->len)
		return;
	if (write_all(j->fd, j->buf, j->len))
		xs_log(s, "journal write failed: %s", strerror(errno));
	else if (s->cfg.sync)
		fdatasync(j->fd);
	j->size += j->len;
	j->len = 0;
}

/* Called after each record: outside a batch, write it at once. */
static void emitted(struct xs_server *s)
{
	rec_end(s->journal);
	if (!s->journal->depth)
		flush(s);
}

static struct xs_journal *active(struct xs_server *s)
{
	return (s->journal && !s->replaying) ? s->journal : NULL;
}

void journal_batch(struct xs_server *s, bool begin)
{
	struct xs_journal *j = active(s);
	if (!j)
		return;
	if (begin) {
		if (j->depth++ == 0)
			j->len = 0;
		return;
	}
	if (--j->depth > 0 || !j->len)
		return;
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
	if (!j)
		return;
	enc_node(j, n);
	emitted(s);
}

void journal_node_del(struct xs_server *s, const char *path)
{
	struct xs_journal *j = active(s);
	if (!j)
		return;
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
	if (!j || !c->is_domain)
		return;
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
	if (!j)
		return;
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
	if (!j)
		return;
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
	if (!j)
		return;
	enc_out(j, c->domid, c->out_total, buf, len);
	emitted(s);
}

void journal_req_cons(struct xs_server *s, const struct xs_conn *c, uint32_t v)
{
	struct xs_journal *j = active(s);
	if (!j)
		return;
	/* with any partly received request, so a restart can finish it */
	const size_t hl = sizeof(struct xsd_sockmsg);
	char part[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	size_t n = c->in_have;
	memcpy(part, c->in_hdr.raw, n < hl ? n : hl);
	if (n > hl)
		memcpy(part + hl, c->in, n - hl);
	rec_begin(j, J_REQCONS);
	put_u32(j, c->domid);
	put_u32(j, v);
	put_bytes(j, part, (uint32_t)n);
	emitted(s);
}

size_t journal_size(const struct xs_server *s)
{
	return s->journal ? s->journal->size : 0;
}

/* ---- replay ---- */

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

static uint8_t get_u8(struct cur *c) { const uint8_t *p = take(c, 1); return p ? *p : 0; }
static uint32_t get_u32(struct cur *c)
{
	uint32_t v = 0;
	const void *p = take(c, 4);
	if (p)
		memcpy(&v, p, 4);
	return v;
}
static uint64_t get_u64(struct cur *c)
{
	uint64_t v = 0;
	const void *p = take(c, 8);
	if (p)
		memcpy(&v, p, 8);
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
	if (c->bad || *np > c->left / 5)
		return c->bad = true, NULL;
	struct xs_perm *p = calloc(*np ? *np : 1, sizeof(*p));
	if (!p)
		abort();
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
			if (!n->children)
				abort();
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
		if (!c->bad && path && strcmp(path, "/"))
			store_apply_del(s, path);
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
		if (c->bad)
			break;
		if (add) {
			struct xs_domain *d = domain_get(s, domid, false);
			if (!d || !d->introduced)
				domain_introduce(s, domid, mfn, port);
			d = domain_get(s, domid, false);
			if (d && d->introduced) {
				d->target = target;
				if (d->conn)
					d->conn->restored = true;
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
			if (n > hl)
				memcpy(conn->in, part + hl, n - hl);
		}
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
	if (len - off < 8)
		return false;
	memcpy(&blen, buf + off, 4);
	memcpy(&sum, buf + off + 4, 4);
	if (blen == 0 || blen > len - off - 8 || checksum(buf + off + 8, blen) != sum)
		return false;
	out->p = buf + off + 8;
	out->left = blen;
	out->bad = false;
	*next = off + 8 + blen;
	return true;
}

/* Replay one file. stop_epoch: if non-NULL, the file must start with this
 * epoch or it is ignored. Returns the byte length of its valid prefix. */
static size_t replay(struct xs_server *s, const char *buf, size_t len, uint64_t *epoch,
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
			if (kind != J_EPOCH || e != *want_epoch)
				return 0;
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
			if (!complete)
				return off;
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

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	char *buf = NULL;
	if (!fstat(fd, &st) && (buf = malloc((size_t)st.st_size + 1))) {
		size_t got = 0;
		while (got < (size_t)st.st_size) {
			ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		*len = got;
	}
	close(fd);
	return buf;
}

static char *join(const char *dir, const char *name)
{
	char *p;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

int journal_open(struct xs_server *s)
{
	struct xs_journal *j = calloc(1, sizeof(*j));
	if (!j)
		abort();
	j->dir = strdup(s->cfg.state_dir);
	mkdir(j->dir, 0700);
	char *snap = join(j->dir, "snapshot"), *jp = join(j->dir, "journal");
	size_t len = 0;
	uint64_t epoch = 0;
	s->replaying = true;
	char *buf = slurp(snap, &len);
	if (buf) {
		replay(s, buf, len, &epoch, NULL);
		free(buf);
	}
	uint64_t snap_epoch = epoch;
	len = 0;
	buf = slurp(jp, &len);
	if (buf) {
		replay(s, buf, len, &epoch, &snap_epoch);
		free(buf);
	}
	s->replaying = false;
	j->epoch = snap_epoch;
	j->fd = open(jp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	free(snap);
	free(jp);
	if (j->fd < 0) {
		int e = -errno;
		free(j->dir);
		free(j);
		return e;
	}
	s->journal = j;
	return journal_compact(s);
}

int journal_compact(struct xs_server *s)
{
	struct xs_journal *j = s->journal;
	if (!j || j->depth)
		return 0;
	char *tmp = join(j->dir, "snapshot.tmp"), *snap = join(j->dir, "snapshot");
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
		if (!dom || !dom->introduced)
			continue;
		enc_domain(j, dom, true);
		rec_end(j);
		struct xs_conn *c = dom->conn;
		if (!c)
			continue;
		for (struct xs_watch *w = c->watches; w; w = w->next) {
			enc_watch(j, d, w, true);
			rec_end(j);
		}
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
	int rc = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, j->buf, j->len) || fsync(fd) || rename(tmp, snap)) {
		rc = -errno;
		xs_log(s, "snapshot failed: %s", strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	j->len = 0;
	if (!rc) {
		int dfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		j->epoch = epoch;
		if (ftruncate(j->fd, 0))
			rc = -errno;
		j->size = 0;
		rec_begin(j, J_EPOCH);
		put_u64(j, epoch);
		rec_end(j);
		flush(s);
	}
	free(tmp);
	free(snap);
	return rc;
}

void journal_close(struct xs_server *s)
{
	struct xs_journal *j = s->journal;
	if (!j)
		return;
	close(j->fd);
	free(j->buf);
	free(j->dir);
	free(j);
	s->journal = NULL;
}
