/*
 * unit.c: host unit tests for the xenstore core: tree, permissions,
 * transactions, watches, quotas, malformed input, flow control, the ring
 * transport (against a ring page in ordinary memory) and journal recovery.
 * Prints one "ok - " / "FAIL - " line per check and "N passed, M failed".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xs.h"
#include "xsring.h"

static int passed, failed;

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(ok ? "ok - " : "FAIL - ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	ok ? passed++ : failed++;
}

static void check_str(const char *got, const char *want, const char *what)
{
	bool ok = !strcmp(got, want);
	check(ok, "%s", what);
	if (!ok)
		printf("#   got  '%s'\n#   want '%s'\n", got, want);
}

static const char *const names[] = {
	"CONTROL", "DIRECTORY", "READ", "GET_PERMS", "WATCH", "UNWATCH",
	"TRANSACTION_START", "TRANSACTION_END", "INTRODUCE", "RELEASE",
	"GET_DOMAIN_PATH", "WRITE", "MKDIR", "RM", "SET_PERMS", "WATCH_EVENT",
	"ERROR", "IS_DOMAIN_INTRODUCED", "RESUME", "SET_TARGET", "RESTRICT",
	"RESET_WATCHES", "DIRECTORY_PART",
};

static int type_of(const char *n)
{
	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(n, names[i]))
			return i;
	return atoi(n);
}

/* Render a message as "TYPE payload" with NULs as '|'. */
static void render(const char *msg, char *out, size_t size)
{
	struct xsd_sockmsg h;
	memcpy(&h, msg, sizeof(h));
	size_t o = (size_t)snprintf(out, size, "%s", h.type < 23 ? names[h.type] : "?");
	if (h.len && o + 1 < size)
		out[o++] = ' ';
	for (uint32_t i = 0; i < h.len && o + 1 < size; i++) {
		char ch = msg[sizeof(h) + i];
		out[o++] = ch ? ch : '|';
	}
	out[o] = '\0';
}

/* Events seen per connection, appended as "path|token|;" */
static char evlog[64][16384];
static unsigned req_id = 100;
static struct xsd_sockmsg last_reply;

/* Drain c's output; the non-event message goes to reply. */
static void drain(struct xs_conn *c, char *reply, size_t size)
{
	static char msg[sizeof(struct xsd_sockmsg) + 65536];
	size_t have = 0;
	const void *d;
	size_t n;
	if (reply)
		reply[0] = '\0';
	while ((n = xs_conn_out_peek(c, &d))) {
		memcpy(msg + have, d, n);
		have += n;
		xs_conn_out_advance(c, n);
		struct xsd_sockmsg h;
		memcpy(&h, msg, sizeof(h));
		if (have < sizeof(h) + h.len)
			continue;
		char r[8192];
		render(msg, r, sizeof(r));
		if (h.type == XS_WATCH_EVENT) {
			char *log = evlog[(uintptr_t)xs_conn_opaque(c)];
			strcat(log, r + strlen("WATCH_EVENT "));
			strcat(log, ";");
		} else if (reply) {
			snprintf(reply, size, "%s", r);
			last_reply = h;
		}
		have = 0;
	}
}

static const char *events(struct xs_conn *c)
{
	static char out[16384];
	drain(c, NULL, 0);
	char *log = evlog[(uintptr_t)xs_conn_opaque(c)];
	snprintf(out, sizeof(out), "%s", log);
	log[0] = '\0';
	return out;
}

/* Send a request: args are NUL-terminated, except WRITE's value. */
static const char *rqv(struct xs_conn *c, uint32_t tx, const char *type, int n, const char **a)
{
	static char reply[8192];
	char buf[8192];
	size_t len = 0;
	int t = type_of(type);
	for (int i = 0; i < n; i++) {
		size_t al = strlen(a[i]);
		memcpy(buf + len, a[i], al);
		len += al;
		if (!(t == XS_WRITE && i == n - 1 && n > 1))
			buf[len++] = '\0';
	}
	struct xsd_sockmsg h = { (uint32_t)t, ++req_id, tx, (uint32_t)len };
	xs_conn_message(c, &h, buf);
	drain(c, reply, sizeof(reply));
	return reply;
}

#define rq(c, tx, type, ...) \
	rqv(c, tx, type, (int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *)), \
	    (const char *[]){ __VA_ARGS__ })
#define rq0(c, tx, type) rqv(c, tx, type, 0, NULL)

static struct xs_server *srv;

static struct xs_conn *mkconn(uint32_t domid, bool priv, uintptr_t slot, bool dom)
{
	evlog[slot][0] = '\0';
	return xs_conn_new(srv, domid, priv, dom, NULL, (void *)slot);
}

static struct xs_conn *hook_introduce(void *ctx, struct xs_server *s, uint32_t domid,
				      uint64_t mfn, uint32_t port)
{
	(void)ctx; (void)s; (void)mfn; (void)port;
	return mkconn(domid, false, 10 + domid % 50, true);
}

static void hook_release(void *ctx, struct xs_conn *c) { (void)ctx; (void)c; }

static const struct xs_domain_hooks hooks = { hook_introduce, hook_release, NULL };

static struct xs_conn *domconn(uint32_t domid)
{
	struct xs_domain *d = domain_get(srv, domid, false);
	return d ? d->conn : NULL;
}

static void fresh(struct xs_config *cfg)
{
	struct xs_config def;
	if (!cfg) {
		xs_config_default(&def);
		cfg = &def;
	}
	xs_server_free(srv);
	srv = xs_server_new(cfg);
	xs_server_set_hooks(srv, &hooks);
}

static void test_tree(void)
{
	fresh(NULL);
	struct xs_conn *p = mkconn(0, true, 0, false);
	check_str(rq(p, 0, "WRITE", "/a/b/c", "hello"), "WRITE OK|", "write creates parents");
	check_str(rq(p, 0, "READ", "/a/b/c"), "READ hello", "read returns value without NUL");
	check_str(rq(p, 0, "READ", "/a/b"), "READ", "created parent has empty value");
	rq(p, 0, "WRITE", "/a/z", "1");
	rq(p, 0, "WRITE", "/a/m", "2");
	check_str(rq(p, 0, "DIRECTORY", "/a"), "DIRECTORY b|z|m|", "directory lists children in creation order");
	check_str(rq(p, 0, "READ", "/nope"), "ERROR ENOENT|", "read of missing node: ENOENT");
	check_str(rq(p, 0, "MKDIR", "/a/b/c"), "MKDIR OK|", "mkdir of existing node succeeds");
	check_str(rq(p, 0, "READ", "/a/b/c"), "READ hello", "mkdir leaves the value alone");
	check_str(rq(p, 0, "RM", "/a/b"), "RM OK|", "rm removes a subtree");
	check_str(rq(p, 0, "READ", "/a/b/c"), "ERROR ENOENT|", "subtree is gone");
	check_str(rq(p, 0, "DIRECTORY", "/a"), "DIRECTORY z|m|", "parent's child list updated");
	check_str(rq(p, 0, "RM", "/a/nothere"), "RM OK|", "rm of missing node with existing parent: OK");
	check_str(rq(p, 0, "RM", "/q/nothere"), "ERROR ENOENT|", "rm with missing parent: ENOENT");
	check_str(rq(p, 0, "RM", "/"), "ERROR EINVAL|", "rm of root: EINVAL");
	check_str(rq(p, 0, "WRITE", "//a", "x"), "ERROR EINVAL|", "double slash: EINVAL");
	check_str(rq(p, 0, "WRITE", "/a/", "x"), "ERROR EINVAL|", "trailing slash: EINVAL");
	check_str(rq(p, 0, "READ", "/a b"), "ERROR EINVAL|", "bad character: EINVAL");
	check_str(rq(p, 0, "WRITE", "rel/x", "v"), "WRITE OK|", "relative path accepted");
	check_str(rq(p, 0, "READ", "/local/domain/0/rel/x"), "READ v", "relative path is under /local/domain/<id>");
	{
		char big[3100];
		memset(big, 'a', sizeof(big) - 1);
		big[0] = '/';
		big[sizeof(big) - 1] = '\0';
		check_str(rq(p, 0, "WRITE", big, "v"), "ERROR EINVAL|", "path longer than XENSTORE_ABS_PATH_MAX: EINVAL");
	}
	/* value with an embedded NUL and an empty value */
	{
		char buf[32] = "/bin\0x\0y";
		struct xsd_sockmsg h = { XS_WRITE, 7, 0, 8 };
		char reply[64];
		xs_conn_message(p, &h, buf);
		drain(p, reply, sizeof(reply));
		check_str(rq(p, 0, "READ", "/bin"), "READ x|y", "binary value round-trips");
		check_str(rq(p, 0, "WRITE", "/empty", ""), "WRITE OK|", "empty value");
	}
	/* long child list: DIRECTORY says E2BIG, DIRECTORY_PART pages it */
	for (int i = 0; i < 300; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/many/child-number-%03d", i);
		rq(p, 0, "WRITE", path, "");
	}
	check_str(rq(p, 0, "DIRECTORY", "/many"), "ERROR E2BIG|", "oversized directory: E2BIG");
	unsigned off = 0, count = 0, rounds = 0;
	char gen[32] = "";
	bool same_gen = true, ended = false;
	while (rounds++ < 10 && !ended) {
		char o[16];
		snprintf(o, sizeof(o), "%u", off);
		const char *r = rq(p, 0, "DIRECTORY_PART", "/many", o);
		if (strncmp(r, "DIRECTORY_PART ", 15))
			break;
		const char *body = r + 15;
		const char *bar = strchr(body, '|');
		char g[32];
		snprintf(g, sizeof(g), "%.*s", (int)(bar - body), body);
		if (!gen[0])
			strcpy(gen, g);
		same_gen &= !strcmp(gen, g);
		const char *names_ = bar + 1;
		size_t nl = strlen(names_);
		ended = nl >= 2 && !strcmp(names_ + nl - 2, "||");
		for (const char *q = names_; *q; q++)
			if (*q == '|' && q > names_ && q[-1] != '|')
				count++;
		off += (unsigned)(nl - (ended ? 1 : 0));
	}
	check(ended && count == 300 && same_gen && rounds > 2,
	      "DIRECTORY_PART pages 300 children (%u) with a stable generation", count);
	check_str(rq(p, 0, "DIRECTORY_PART", "/many", "99999"), "ERROR EINVAL|", "DIRECTORY_PART offset past end: EINVAL");
}

static void test_perms(void)
{
	fresh(NULL);
	struct xs_conn *p = mkconn(0, true, 0, false);
	struct xs_conn *d5 = mkconn(5, false, 1, false);
	struct xs_conn *d6 = mkconn(6, false, 2, false);
	check_str(rq(p, 0, "GET_PERMS", "/"), "GET_PERMS n0|", "root is owned by 0, no access");
	rq(p, 0, "WRITE", "/a/x", "secret");
	check_str(rq(d5, 0, "READ", "/a/x"), "ERROR EACCES|", "unprivileged read of n0 node: EACCES");
	check_str(rq(d5, 0, "READ", "/a/missing"), "ERROR EACCES|", "missing node under unreadable parent: EACCES");
	check_str(rq(p, 0, "SET_PERMS", "/a/x", "n0", "r5"), "SET_PERMS OK|", "privileged set_perms");
	check_str(rq(p, 0, "GET_PERMS", "/a/x"), "GET_PERMS n0|r5|", "get_perms returns what was set");
	check_str(rq(d5, 0, "READ", "/a/x"), "READ secret", "r5 lets domain 5 read");
	check_str(rq(d5, 0, "WRITE", "/a/x", "y"), "ERROR EACCES|", "r5 does not let domain 5 write");
	check_str(rq(d6, 0, "READ", "/a/x"), "ERROR EACCES|", "domain 6 falls back to the default (n)");
	check_str(rq(p, 0, "SET_PERMS", "/a/x", "r0", "w5"), "SET_PERMS OK|", "set r0 w5");
	check_str(rq(d6, 0, "READ", "/a/x"), "READ secret", "default r applies to unlisted domains");
	check_str(rq(d5, 0, "READ", "/a/x"), "ERROR EACCES|", "w5 is write-only");
	check_str(rq(d5, 0, "WRITE", "/a/x", "new"), "WRITE OK|", "w5 may write");
	rq(p, 0, "MKDIR", "/home");
	rq(p, 0, "SET_PERMS", "/home", "n0", "b5");
	check_str(rq(d5, 0, "WRITE", "/home/d5/f", "v"), "WRITE OK|", "b5 may create below");
	check_str(rq(p, 0, "GET_PERMS", "/home/d5/f"), "GET_PERMS n5|b5|",
		  "node created by a domain is owned by it, other entries inherited");
	check_str(rq(p, 0, "WRITE", "/home/p", "v"), "WRITE OK|", "privileged create");
	check_str(rq(p, 0, "GET_PERMS", "/home/p"), "GET_PERMS n0|b5|", "privileged create inherits parent perms as is");
	check_str(rq(d6, 0, "WRITE", "/home/x", "v"), "ERROR EACCES|", "no write on parent: EACCES on create");
	check_str(rq(d5, 0, "SET_PERMS", "/home/p", "b5"), "ERROR EACCES|", "non-owner with b cannot set perms");
	check_str(rq(d5, 0, "SET_PERMS", "/home/d5/f", "n5", "r6"), "SET_PERMS OK|", "owner sets perms");
	check_str(rq(d6, 0, "READ", "/home/d5/f"), "READ v", "grant to 6 works");
	check_str(rq(d5, 0, "SET_PERMS", "/home/d5/f", "n6"), "ERROR EPERM|", "owner cannot give ownership away");
	check_str(rq(d5, 0, "SET_PERMS", "/home/d5/f", "x5"), "ERROR EINVAL|", "bad permission letter: EINVAL");
	check_str(rq(d5, 0, "RM", "/home/p"), "RM OK|", "b5 may remove");
	check_str(rq(d5, 0, "INTRODUCE", "9", "1", "1"), "ERROR EACCES|", "INTRODUCE needs privilege");
	check_str(rq(d5, 0, "CONTROL", "print", "x"), "ERROR EACCES|", "CONTROL needs privilege");
	check_str(rq(d5, 0, "GET_DOMAIN_PATH", "7"), "GET_DOMAIN_PATH /local/domain/7|", "GET_DOMAIN_PATH for anyone");
	/* privilege is a property of the connection, not of domid 0 */
	struct xs_conn *z = mkconn(0, false, 3, false);
	check_str(rq(z, 0, "READ", "/a/x"), "READ new", "unprivileged domid 0 gets the default perm (r)");
	rq(p, 0, "SET_PERMS", "/a/x", "n1");
	check_str(rq(z, 0, "READ", "/a/x"), "ERROR EACCES|", "unprivileged domid 0 is refused like any domain");
	check_str(rq(z, 0, "INTRODUCE", "9", "1", "1"), "ERROR EACCES|", "unprivileged domid 0 cannot INTRODUCE");
	/* device-model target: 7 acts for 5 */
	rq(p, 0, "INTRODUCE", "7", "100", "3");
	struct xs_conn *d7 = domconn(7);
	check_str(rq(d7, 0, "READ", "/home/d5/f"), "ERROR EACCES|", "domain 7 cannot read 5's node");
	check_str(rq(p, 0, "SET_TARGET", "7", "5"), "SET_TARGET OK|", "SET_TARGET 7 5");
	check_str(rq(d7, 0, "READ", "/home/d5/f"), "READ v", "target domain gets the owner's access");
}

static void test_transactions(void)
{
	struct xs_config cfg;
	xs_config_default(&cfg);
	fresh(&cfg);
	struct xs_conn *p = mkconn(0, true, 0, false);
	struct xs_conn *q = mkconn(0, true, 1, false);
	struct xs_conn *d5 = mkconn(5, false, 2, false);
	rq(p, 0, "WRITE", "/t/x", "1");
	const char *r = rq(p, 0, "TRANSACTION_START", "");
	uint32_t t = (uint32_t)atoi(r + strlen("TRANSACTION_START "));
	check(t != 0 && last_reply.tx_id == 0, "TRANSACTION_START returns a decimal id (%u)", t);
	check_str(rq(p, t, "READ", "/t/x"), "READ 1", "read inside transaction");
	check(last_reply.tx_id == t, "reply echoes tx_id");
	rq(p, t, "WRITE", "/t/y", "2");
	check_str(rq(q, 0, "READ", "/t/y"), "ERROR ENOENT|", "uncommitted write invisible to others");
	check_str(rq(p, t, "READ", "/t/y"), "READ 2", "visible inside the transaction");
	rq(q, 0, "WATCH", "/t", "tok");
	events(q);
	check_str(rq(p, t, "TRANSACTION_END", "T"), "TRANSACTION_END OK|", "commit");
	check_str(rq(q, 0, "READ", "/t/y"), "READ 2", "committed write visible");
	check_str(events(q), "/t/y|tok|;", "watch fires on commit");

	/* conflict: t2 reads x, someone else writes x, t2 commits -> EAGAIN */
	r = rq(p, 0, "TRANSACTION_START", "");
	uint32_t t2 = (uint32_t)atoi(r + strlen("TRANSACTION_START "));
	rq(p, t2, "READ", "/t/x");
	rq(p, t2, "WRITE", "/t/z", "new");
	rq(p, t2, "WRITE", "/t/y", "changed");
	events(q);
	rq(q, 0, "WRITE", "/t/x", "other");
	events(q);
	check_str(rq(p, t2, "TRANSACTION_END", "T"), "ERROR EAGAIN|", "conflicting commit: EAGAIN");
	check_str(rq(q, 0, "READ", "/t/z"), "ERROR ENOENT|", "no partial effect: created node absent");
	check_str(rq(q, 0, "READ", "/t/y"), "READ 2", "no partial effect: modified node unchanged");
	check_str(events(q), "", "no watch events from a failed commit");
	check_str(rq(p, t2, "READ", "/t/x"), "ERROR ENOENT|", "transaction is gone after EAGAIN");

	/* unrelated concurrent writes do not conflict */
	r = rq(p, 0, "TRANSACTION_START", "");
	uint32_t t3 = (uint32_t)atoi(r + strlen("TRANSACTION_START "));
	rq(p, t3, "READ", "/t/x");
	rq(p, t3, "WRITE", "/t/x", "mine");
	rq(q, 0, "WRITE", "/u/other", "z");
	check_str(rq(p, t3, "TRANSACTION_END", "T"), "TRANSACTION_END OK|", "unrelated write does not conflict");
	check_str(rq(q, 0, "READ", "/t/x"), "READ mine", "commit applied");

	/* creating a sibling changes the parent: a txn that listed it conflicts */
	r = rq(p, 0, "TRANSACTION_START", "");
	uint32_t t4 = (uint32_t)atoi(r + strlen("TRANSACTION_START "));
	rq(p, t4, "DIRECTORY", "/t");
	rq(p, t4, "WRITE", "/t/w", "1");
	rq(q, 0, "WRITE", "/t/sibling", "1");
	check_str(rq(p, t4, "TRANSACTION_END", "T"), "ERROR EAGAIN|", "child-list change conflicts with a directory read");

	/* abort */
	r = rq(p, 0, "TRANSACTION_START", "");
	uint32_t t5 = (uint32_t)atoi(r + strlen("TRANSACTION_START "));
	rq(p, t5, "RM", "/t/x");
	check_str(rq(p, t5, "READ", "/t/x"), "ERROR ENOENT|", "rm visible inside transaction");
	check_str(rq(q, 0, "READ", "/t/x"), "READ mine", "rm invisible outside");
	check_str(rq(p, t5, "TRANSACTION_END", "F"), "TRANSACTION_END OK|", "abort");
	check_str(rq(q, 0, "READ", "/t/x"), "READ mine", "abort discards");
	check_str(rq(p, 4242, "READ", "/t/x"), "ERROR ENOENT|", "bogus tx id: ENOENT");
	check_str(rq(p, 4242, "TRANSACTION_END", "T"), "ERROR ENOENT|", "end of bogus tx id: ENOENT");
	r = rq(p, 0, "TRANSACTION_START", "");
	uint32_t t6 = (uint32_t)atoi(r + strlen("TRANSACTION_START "));
	check_str(rq(p, t6, "TRANSACTION_END", "X"), "ERROR EINVAL|", "TRANSACTION_END with bad argument: EINVAL");
	check_str(rq(p, t6, "TRANSACTION_START", ""), "ERROR EBUSY|", "TRANSACTION_START inside a transaction: EBUSY");
	check_str(rq(q, t6, "READ", "/t/x"), "ERROR ENOENT|", "another connection cannot use my tx id");
	/* quota */
	int ok = 0;
	for (int i = 0; i < 10; i++)
		ok += !strncmp(rq(d5, 0, "TRANSACTION_START", ""), "TRANSACTION_START ", 18);
	check(ok == 10, "10 transactions for a domain");
	check_str(rq(d5, 0, "TRANSACTION_START", ""), "ERROR ENOSPC|", "11th transaction: ENOSPC");
}

static void test_watches(void)
{
	fresh(NULL);
	struct xs_conn *p = mkconn(0, true, 0, false);
	struct xs_conn *w = mkconn(0, true, 1, false);
	struct xs_conn *d5 = mkconn(5, false, 2, false);
	check_str(rq(w, 0, "WATCH", "/w/a", "T1"), "WATCH OK|", "watch");
	check_str(events(w), "/w/a|T1|;", "fires once on registration");
	rq(p, 0, "WRITE", "/w/a/b/c", "1");
	check_str(events(w), "/w/a/b/c|T1|;", "change below fires with the changed path");
	rq(p, 0, "WRITE", "/w/other", "1");
	rq(p, 0, "WRITE", "/w/ab", "1");
	check_str(events(w), "", "siblings and prefix-lookalikes do not fire");
	rq(w, 0, "WATCH", "/w/a/b/c", "T2");
	events(w);
	rq(p, 0, "RM", "/w");
	check_str(events(w), "/w/a/b/c|T2|;/w/a|T1|;",
		  "removing an ancestor fires each watch below it once, with the watched path");
	check_str(rq(w, 0, "WATCH", "/w/a", "T1"), "ERROR EEXIST|", "duplicate watch: EEXIST");
	check_str(rq(w, 0, "UNWATCH", "/w/a", "T1"), "UNWATCH OK|", "unwatch");
	check_str(rq(w, 0, "UNWATCH", "/w/a", "T1"), "ERROR ENOENT|", "unwatch unknown: ENOENT");
	rq(p, 0, "WRITE", "/w/a", "x");
	check_str(events(w), "", "no events after unwatch");
	/* relative watch from a domain */
	rq(p, 0, "MKDIR", "/local/domain/5");
	rq(p, 0, "SET_PERMS", "/local/domain/5", "n5");
	check_str(rq(d5, 0, "WATCH", "device", "rel"), "WATCH OK|", "relative watch");
	events(d5);
	rq(p, 0, "WRITE", "/local/domain/5/device/vif/0/state", "1");
	check_str(events(d5), "device/vif/0/state|rel|;", "relative watch reports relative paths");
	/* permission filtering */
	rq(d5, 0, "WATCH", "/secret", "s");
	check_str(events(d5), "/secret|s|;", "watch on an unreadable path still fires on registration");
	rq(p, 0, "WRITE", "/secret/x", "1");
	check_str(events(d5), "", "no event for a node the watcher cannot read");
	rq(p, 0, "SET_PERMS", "/secret/x", "r0");
	check_str(events(d5), "", "set_perms event is checked against the old perms");
	rq(p, 0, "WRITE", "/secret/x", "2");
	check_str(events(d5), "/secret/x|s|;", "once readable, changes are delivered");
	/* special watches */
	rq(w, 0, "WATCH", "@introduceDomain", "in");
	rq(w, 0, "WATCH", "@releaseDomain", "out");
	rq(d5, 0, "WATCH", "@introduceDomain", "in5");
	check_str(events(w), "@introduceDomain|in|;@releaseDomain|out|;", "special watches fire on registration");
	events(d5);
	check_str(rq(p, 0, "INTRODUCE", "9", "4096", "5"), "INTRODUCE OK|", "introduce");
	check_str(events(w), "@introduceDomain|in|;", "@introduceDomain fires");
	check_str(events(d5), "", "@introduceDomain hidden from unprivileged domains by its perms");
	check_str(rq(p, 0, "IS_DOMAIN_INTRODUCED", "9"), "IS_DOMAIN_INTRODUCED T|", "IS_DOMAIN_INTRODUCED T");
	check_str(rq(p, 0, "INTRODUCE", "9", "4096", "5"), "INTRODUCE OK|", "re-introduce with same ring: OK");
	check_str(events(w), "", "re-introduce does not fire again");
	check_str(rq(p, 0, "INTRODUCE", "9", "8192", "5"), "ERROR EEXIST|", "re-introduce with another ring: EEXIST");
	xs_server_domain_state(srv, 9, true, false);
	check_str(events(w), "@releaseDomain|out|;", "domain shutdown fires @releaseDomain");
	xs_server_domain_state(srv, 9, true, false);
	check_str(events(w), "", "only once per shutdown");
	check_str(rq(p, 0, "RESUME", "9"), "RESUME OK|", "resume");
	xs_server_domain_state(srv, 9, true, false);
	check_str(events(w), "@releaseDomain|out|;", "after RESUME a new shutdown fires again");
	check_str(rq(p, 0, "RELEASE", "9"), "RELEASE OK|", "release");
	check_str(events(w), "@releaseDomain|out|;", "@releaseDomain fires");
	check_str(rq(p, 0, "IS_DOMAIN_INTRODUCED", "9"), "IS_DOMAIN_INTRODUCED F|", "IS_DOMAIN_INTRODUCED F after release");
	check_str(rq(p, 0, "RELEASE", "9"), "ERROR ENOENT|", "release of unknown domain: ENOENT");
	check_str(rq(p, 0, "INTRODUCE", "0", "1", "1"), "ERROR EINVAL|", "introduce of domain 0: EINVAL");
	check_str(rq(d5, 0, "RESET_WATCHES", ""), "RESET_WATCHES OK|", "reset_watches");
	rq(p, 0, "WRITE", "/local/domain/5/device/x", "1");
	check_str(events(d5), "", "no events after reset_watches");
	/* watch quota */
	struct xs_config cfg;
	xs_config_default(&cfg);
	cfg.quota_watches = 3;
	fresh(&cfg);
	d5 = mkconn(5, false, 2, false);
	rq(d5, 0, "WATCH", "/a", "1");
	rq(d5, 0, "WATCH", "/a", "2");
	rq(d5, 0, "WATCH", "/a", "3");
	check_str(rq(d5, 0, "WATCH", "/a", "4"), "ERROR E2BIG|", "watch quota: E2BIG");
}

static void test_quotas(void)
{
	struct xs_config cfg;
	xs_config_default(&cfg);
	cfg.quota_nodes = 5;
	fresh(&cfg);
	struct xs_conn *p = mkconn(0, true, 0, false);
	struct xs_conn *d5 = mkconn(5, false, 1, false);
	rq(p, 0, "MKDIR", "/d");
	rq(p, 0, "SET_PERMS", "/d", "n0", "b5");
	char big[2100];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	check_str(rq(d5, 0, "WRITE", "/d/big", big), "ERROR ENOSPC|", "value over entry-size quota: ENOSPC");
	check_str(rq(p, 0, "WRITE", "/d/big", big), "WRITE OK|", "privileged callers are exempt");
	check_str(rq(d5, 0, "WRITE", "/d/a/b/c", "1"), "WRITE OK|", "3 nodes for domain 5");
	check_str(rq(d5, 0, "WRITE", "/d/e/f/g", "1"), "ERROR ENOSPC|", "3 more would exceed 5: ENOSPC");
	check_str(rq(d5, 0, "READ", "/d/e"), "ERROR ENOENT|", "quota failure created nothing");
	check_str(rq(d5, 0, "WRITE", "/d/e/f", "1"), "WRITE OK|", "2 more fit exactly");
	check_str(rq(d5, 0, "WRITE", "/d/h", "1"), "ERROR ENOSPC|", "6th node: ENOSPC");
	rq(d5, 0, "RM", "/d/a");
	check_str(rq(d5, 0, "WRITE", "/d/h", "1"), "WRITE OK|", "removing nodes frees quota");
	check_str(rq(d5, 0, "SET_PERMS", "/d/h", "n5", "r1", "r2", "r3", "r4", "r6"), "ERROR ENOSPC|",
		  "too many permission entries: ENOSPC");
}

static void test_malformed(void)
{
	fresh(NULL);
	struct xs_conn *p = mkconn(0, true, 0, false);
	char reply[256];
	struct xsd_sockmsg h = { 999, 77, 0, 0 };
	xs_conn_message(p, &h, "");
	drain(p, reply, sizeof(reply));
	check(!strcmp(reply, "ERROR EINVAL|") && last_reply.req_id == 77, "unknown type: EINVAL, req_id echoed");
	h = (struct xsd_sockmsg){ XS_WATCH_EVENT, 78, 0, 2 };
	xs_conn_message(p, &h, "a");
	drain(p, reply, sizeof(reply));
	check_str(reply, "ERROR EINVAL|", "client-sent WATCH_EVENT: EINVAL");
	h = (struct xsd_sockmsg){ XS_READ, 79, 0, 3 };
	xs_conn_message(p, &h, "/ab");
	drain(p, reply, sizeof(reply));
	check_str(reply, "ERROR EINVAL|", "READ without NUL: EINVAL");
	h = (struct xsd_sockmsg){ XS_READ, 80, 0, 0 };
	xs_conn_message(p, &h, "");
	drain(p, reply, sizeof(reply));
	check_str(reply, "ERROR EINVAL|", "empty READ: EINVAL");
	h = (struct xsd_sockmsg){ XS_WATCH, 81, 0, 3 };
	xs_conn_message(p, &h, "/a\0");
	drain(p, reply, sizeof(reply));
	check_str(reply, "ERROR EINVAL|", "WATCH without token: EINVAL");
	h = (struct xsd_sockmsg){ XS_WRITE, 82, 0, 2 };
	xs_conn_message(p, &h, "/a");
	drain(p, reply, sizeof(reply));
	check_str(reply, "ERROR EINVAL|", "WRITE without NUL after path: EINVAL");
	/* split feeding: a header in pieces, then the payload */
	char msg[64];
	struct xsd_sockmsg w = { XS_WRITE, 90, 0, 6 };
	memcpy(msg, &w, sizeof(w));
	memcpy(msg + sizeof(w), "/s\0abc", 6);
	size_t used = xs_conn_feed(p, msg, 5);
	used += xs_conn_feed(p, msg + 5, 12);
	used += xs_conn_feed(p, msg + 17, 5);
	drain(p, reply, sizeof(reply));
	check(used == 22 && !strcmp(reply, "WRITE OK|") && last_reply.req_id == 90,
	      "message fed in pieces is processed once complete");
	/* length past the payload limit: the connection is closed, no reply */
	struct xsd_sockmsg big = { XS_READ, 91, 0, XENSTORE_PAYLOAD_MAX + 1 };
	xs_conn_feed(p, &big, sizeof(big));
	drain(p, reply, sizeof(reply));
	check(xs_conn_dead(p) && !reply[0], "len > XENSTORE_PAYLOAD_MAX: connection closed without reply");
	check_str(rq(mkconn(0, true, 3, false), 0, "READ", "/s"), "READ abc", "server still serves others");
}

static void test_flow(void)
{
	struct xs_config cfg;
	xs_config_default(&cfg);
	cfg.outq_limit = 1024;
	cfg.outq_events = 10;
	fresh(&cfg);
	struct xs_conn *p = mkconn(0, true, 0, false);
	struct xs_conn *lazy = mkconn(5, false, 1, false);
	struct xs_conn *w = mkconn(0, true, 2, false);
	/* a client that never reads: its input stops being consumed */
	char stream[64 * 100];
	size_t len = 0;
	for (int i = 0; i < 100; i++) {
		struct xsd_sockmsg h = { XS_GET_DOMAIN_PATH, (uint32_t)i, 0, 2 };
		memcpy(stream + len, &h, sizeof(h));
		memcpy(stream + len + sizeof(h), "5", 2);
		len += sizeof(h) + 2;
	}
	size_t used = xs_conn_feed(lazy, stream, len);
	check(used < len && xs_conn_throttled(lazy), "non-reading client is throttled (%zu of %zu bytes taken)", used, len);
	check_str(rq(p, 0, "WRITE", "/x", "1"), "WRITE OK|", "others are still served");
	drain(lazy, NULL, 0);
	check(!xs_conn_throttled(lazy) && xs_conn_feed(lazy, stream + used, len - used) > 0,
	      "draining its replies unthrottles it");
	/* events to a non-reading watcher are capped; other watchers get all */
	struct xs_conn *deaf = mkconn(0, true, 3, false);
	rq(deaf, 0, "WATCH", "/", "t");
	rq(w, 0, "WATCH", "/", "t");
	events(w);
	int n = 0;
	for (int i = 0; i < 30; i++) {
		rq(p, 0, "WRITE", "/x", "1");
		const char *ev = events(w);
		for (const char *q = ev; (q = strchr(q, ';')); q++)
			n++;
	}
	check(n == 30, "reading watcher got all 30 events (%d)", n);
	check(deaf->dropped_events == 20 && deaf->out_events == 10,
	      "non-reading watcher's queue is capped (%u queued, %lu dropped)", deaf->out_events, deaf->dropped_events);
}

/* ---- ring transport against a page in memory ---- */
static unsigned notifies;
static void count_notify(void *h) { (void)h; notifies++; }
static const struct xs_ring_ops mem_ring_ops = { count_notify };

static bool client_recv(struct xenstore_domain_interface *intf, char *out, size_t size)
{
	struct xsring_dir rsp = xsring_responses(intf);
	struct xsd_sockmsg h;
	if (!xsring_peek(&rsp, 0, &h, sizeof(h)) ||
	    xsring_readable(&rsp) < (long)(sizeof(h) + h.len))
		return false;
	char msg[XENSTORE_RING_SIZE];
	xsring_peek(&rsp, 0, msg, sizeof(h) + h.len);
	xsring_consume(&rsp, sizeof(h) + h.len);
	render(msg, out, size);
	return true;
}

static void client_send(struct xenstore_domain_interface *intf, uint32_t type, const char *p, uint32_t len)
{
	struct xsring_dir req = xsring_requests(intf);
	struct xsd_sockmsg h = { type, 5, 0, len };
	xsring_write(&req, &h, sizeof(h));
	xsring_write(&req, p, len);
}

static void test_ring(void)
{
	fresh(NULL);
	struct xs_conn *p = mkconn(0, true, 0, false);
	static struct xenstore_domain_interface page;
	memset(&page, 0, sizeof(page));
	struct xs_conn *c = xs_conn_new(srv, 3, false, true, NULL, (void *)(uintptr_t)4);
	struct xs_ring *r = xs_ring_new(c, &page, &mem_ring_ops, NULL);
	char out[8192];
	client_send(&page, XS_GET_DOMAIN_PATH, "3", 2);
	notifies = 0;
	xs_ring_service(r, 8);
	check(client_recv(&page, out, sizeof(out)) && !strcmp(out, "GET_DOMAIN_PATH /local/domain/3|") &&
	      notifies == 1, "request and reply through the ring, one notification");
	check(page.req_cons == page.req_prod, "request consumed");
	/* a 3000-byte WRITE does not fit the 1024-byte ring: it streams */
	rq(p, 0, "MKDIR", "/local/domain/3");
	rq(p, 0, "SET_PERMS", "/local/domain/3", "n3");
	char msg[3200];
	struct xsd_sockmsg h = { XS_WRITE, 6, 0, 0 };
	size_t plen = (size_t)sprintf(msg + sizeof(h), "big") + 1;
	memset(msg + sizeof(h) + plen, 'v', 2000);
	plen += 2000;
	h.len = (uint32_t)plen;
	memcpy(msg, &h, sizeof(h));
	size_t sent = 0, total = sizeof(h) + plen;
	struct xsring_dir req = xsring_requests(&page);
	int rounds = 0;
	while (sent < total && rounds++ < 10) {
		sent += xsring_write(&req, msg + sent, total - sent);
		xs_ring_service(r, 8);
	}
	check(sent == total && rounds > 1 && client_recv(&page, out, sizeof(out)) && !strcmp(out, "WRITE OK|"),
	      "request larger than the ring streams through (%d rounds)", rounds);
	check_str(rq(p, 0, "READ", "/local/domain/3/big") + 2000, "vvvvv", "its value arrived whole");
	/* output larger than the ring waits for the client */
	client_send(&page, XS_READ, "big", 4);
	xs_ring_service(r, 8);
	struct xsring_dir rsp = xsring_responses(&page);
	long first = xsring_readable(&rsp);
	char got[4096];
	size_t gl = 0;
	for (int i = 0; i < 10 && gl < 16 + 2000; i++) {
		long n = xsring_readable(&rsp);
		xsring_peek(&rsp, 0, got + gl, (size_t)n);
		xsring_consume(&rsp, (size_t)n);
		gl += (size_t)n;
		xs_ring_flush(r);
	}
	check(first == XENSTORE_RING_SIZE && gl == 16 + 2000, "2016-byte reply delivered in ring-sized pieces");
	/* a watch on the ring gets events caused by others */
	client_send(&page, XS_WATCH, "dev\0tok", 8);
	xs_ring_service(r, 8);
	client_recv(&page, out, sizeof(out));
	check_str(out, "WATCH OK|", "watch over the ring");
	client_recv(&page, out, sizeof(out));
	check_str(out, "WATCH_EVENT dev|tok|", "initial event over the ring");
	rq(p, 0, "WRITE", "/local/domain/3/dev/state", "4");
	xs_ring_flush(r);
	client_recv(&page, out, sizeof(out));
	check_str(out, "WATCH_EVENT dev/state|tok|", "event from another connection's write");
	/* garbage indices: the ring is abandoned, nothing crashes */
	page.req_prod = page.req_cons + 5000;
	xs_ring_service(r, 8);
	check(page.error == XENSTORE_ERROR_RINGIDX, "corrupt indices: ring marked broken");
	xs_ring_free(r);
	/* a message longer than the payload limit on a ring */
	memset(&page, 0, sizeof(page));
	struct xs_conn *c2 = xs_conn_new(srv, 4, false, true, NULL, (void *)(uintptr_t)5);
	r = xs_ring_new(c2, &page, &mem_ring_ops, NULL);
	h = (struct xsd_sockmsg){ XS_READ, 1, 0, 5000 };
	xsring_write(&req, &h, sizeof(h));
	xs_ring_service(r, 8);
	check(page.error == XENSTORE_ERROR_PROTO && xs_conn_dead(c2), "oversized message on a ring: protocol error");
	xs_ring_free(r);
}

/* ---- persistence ---- */
static void test_journal(void)
{
	char dir[] = "/tmp/xs-unit-XXXXXX";
	if (!mkdtemp(dir)) {
		check(false, "mkdtemp");
		return;
	}
	struct xs_config cfg;
	xs_config_default(&cfg);
	cfg.state_dir = dir;
	xs_server_free(srv);
	srv = xs_server_new(&cfg);
	check(xs_server_recover(srv, &hooks) == 0, "fresh state directory");
	struct xs_conn *p = mkconn(0, true, 0, false);
	rq(p, 0, "MKDIR", "/keep");
	rq(p, 0, "SET_PERMS", "/keep", "n0", "r3");
	rq(p, 0, "WRITE", "/keep/a", "1");
	rq(p, 0, "WRITE", "/keep/b", "2");
	rq(p, 0, "SET_PERMS", "/keep/a", "n3", "r4");
	rq(p, 0, "RM", "/keep/b");
	rq(p, 0, "INTRODUCE", "3", "77", "9");
	struct xs_conn *d3 = domconn(3);
	rq(d3, 0, "WATCH", "/keep", "persist");
	events(d3);
	const char *r = rq(p, 0, "TRANSACTION_START", "");
	uint32_t t = (uint32_t)atoi(r + strlen("TRANSACTION_START "));
	rq(p, t, "WRITE", "/keep/tx", "1");
	rq(p, t, "TRANSACTION_END", "T");
	char ev_before[256];
	snprintf(ev_before, sizeof(ev_before), "%s", events(d3));
	/* "crash": drop the server without a snapshot, then recover */
	xs_server_free(srv);
	srv = xs_server_new(&cfg);
	check(xs_server_recover(srv, &hooks) == 0, "recover after crash");
	p = mkconn(0, true, 0, false);
	check_str(rq(p, 0, "READ", "/keep/a"), "READ 1", "node survives");
	check_str(rq(p, 0, "GET_PERMS", "/keep/a"), "GET_PERMS n3|r4|", "perms survive");
	check_str(rq(p, 0, "READ", "/keep/b"), "ERROR ENOENT|", "removal survives");
	check_str(rq(p, 0, "READ", "/keep/tx"), "READ 1", "committed transaction survives");
	check_str(rq(p, 0, "IS_DOMAIN_INTRODUCED", "3"), "IS_DOMAIN_INTRODUCED T|", "domain connection survives");
	d3 = domconn(3);
	check(d3 && d3->nwatches == 1, "its watch survives");
	events(d3);
	rq(p, 0, "WRITE", "/keep/new", "x");
	check_str(events(d3), "/keep/new|persist|;", "and fires after the restart");
	check_str(ev_before, "/keep/tx|persist|;", "event before the crash was the committed write");
	/* a torn record at the end of the journal is ignored */
	char path[256];
	snprintf(path, sizeof(path), "%s/journal", dir);
	FILE *f = fopen(path, "a");
	fwrite("\x40\x00\x00\x00garbage", 1, 11, f);
	fclose(f);
	xs_server_free(srv);
	srv = xs_server_new(&cfg);
	check(xs_server_recover(srv, &hooks) == 0, "recover with a torn journal tail");
	p = mkconn(0, true, 0, false);
	check_str(rq(p, 0, "READ", "/keep/new"), "READ x", "records before the torn tail are kept");
	/* release is journaled too */
	rq(p, 0, "RELEASE", "3");
	xs_server_free(srv);
	srv = xs_server_new(&cfg);
	xs_server_recover(srv, &hooks);
	p = mkconn(0, true, 0, false);
	check_str(rq(p, 0, "IS_DOMAIN_INTRODUCED", "3"), "IS_DOMAIN_INTRODUCED F|", "release survives");
	xs_server_free(srv);
	srv = NULL;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd)) {
	}
}


/* ---- a domain ring across a crash: no lost or repeated output ---- */
static struct xenstore_domain_interface crash_page;
static struct xs_ring *crash_ring;

static struct xs_conn *ring_introduce(void *ctx, struct xs_server *s, uint32_t domid,
				      uint64_t mfn, uint32_t port)
{
	(void)ctx; (void)mfn; (void)port;
	struct xs_conn *c = xs_conn_new(s, domid, false, true, NULL, (void *)(uintptr_t)(10 + domid));
	xs_conn_set_out_total(c, crash_page.rsp_prod);
	crash_ring = xs_ring_new(c, &crash_page, &mem_ring_ops, NULL);
	return c;
}

static void ring_release(void *ctx, struct xs_conn *c)
{
	(void)ctx; (void)c;
	xs_ring_free(crash_ring);
	crash_ring = NULL;
}

static const struct xs_domain_hooks ring_hooks = { ring_introduce, ring_release, NULL };

static void test_ring_restart(void)
{
	char dir[] = "/tmp/xs-unit-XXXXXX";
	if (!mkdtemp(dir)) {
		check(false, "mkdtemp");
		return;
	}
	struct xs_config cfg;
	xs_config_default(&cfg);
	cfg.state_dir = dir;
	xs_server_free(srv);
	srv = xs_server_new(&cfg);
	memset(&crash_page, 0, sizeof(crash_page));
	xs_server_recover(srv, &ring_hooks);
	struct xs_conn *p = mkconn(0, true, 0, false);
	rq(p, 0, "MKDIR", "/big");
	rq(p, 0, "SET_PERMS", "/big", "r0");
	rq(p, 0, "INTRODUCE", "3", "1", "1");
	char out[8192];
	client_send(&crash_page, XS_WATCH, "/big\0tok\0", 10);
	xs_ring_service(crash_ring, 8);
	client_recv(&crash_page, out, sizeof(out));
	client_recv(&crash_page, out, sizeof(out));
	check_str(out, "WATCH_EVENT /big|tok|", "watch registered over the ring");
	/* ten ~200-byte events: more than the ring holds */
	static char path[300], want[4096] = "", got[16384] = "";
	want[0] = got[0] = 0;
	for (int i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "/big/%02d-%0180d", i, 0);
		rq(p, 0, "WRITE", path, "v");
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "WATCH_EVENT %s|tok|;", path);
	}
	xs_ring_flush(crash_ring);
	int before = 0;
	for (; before < 2 && client_recv(&crash_page, out, sizeof(out)); before++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s;", out);
	/* a request the server has not looked at yet */
	client_send(&crash_page, XS_READ, "/big\0", 5);
	check(before == 2 && xs_conn_out_pending(domconn(3)) > 0, "events still owed to the domain at the crash");
	/* crash: the server goes away, the page (the domain's memory) stays */
	xs_server_free(srv);
	srv = xs_server_new(&cfg);
	check(xs_server_recover(srv, &ring_hooks) == 0 && crash_ring, "recovered, ring re-attached");
	xs_ring_resync(crash_ring);
	for (int i = 0; i < 20; i++) {
		while (client_recv(&crash_page, out, sizeof(out)))
			snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s;", out);
		xs_ring_service(crash_ring, 8);
	}
	static char want_all[4200];
	snprintf(want_all, sizeof(want_all), "%sREAD;", want);
	check_str(got, want_all, "every owed event arrives once, in order, then the pending request's reply");
	struct xs_conn *d3 = domconn(3);
	check_str(rq(d3, 77, "READ", "/big"), "ERROR EAGAIN|",
		  "transaction ids from before the restart get EAGAIN (the guest retries)");
	xs_server_free(srv);
	srv = NULL;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd)) {
	}
}

static long file_size(const char *dir, const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fclose(f);
	return n;
}

static void copy_file(const char *dir, const char *from, const char *to)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "cp %s/%s %s/%s", dir, from, dir, to);
	if (system(cmd)) {
	}
}

static void test_compaction(void)
{
	char dir[] = "/tmp/xs-unit-XXXXXX";
	if (!mkdtemp(dir)) {
		check(false, "mkdtemp");
		return;
	}
	struct xs_config cfg;
	xs_config_default(&cfg);
	cfg.state_dir = dir;
	cfg.journal_limit = 8192;
	xs_server_free(srv);
	srv = xs_server_new(&cfg);
	xs_server_recover(srv, &hooks);
	struct xs_conn *p = mkconn(0, true, 0, false);
	rq(p, 0, "MKDIR", "/w");
	rq(p, 0, "SET_PERMS", "/w", "r0");
	rq(p, 0, "INTRODUCE", "3", "1", "1");
	struct xs_conn *d3 = domconn(3);
	rq(d3, 0, "WATCH", "/w", "t");
	long max_journal = 0;
	for (int i = 0; i < 300; i++) {
		char path[64], val[64];
		snprintf(path, sizeof(path), "/w/n%03d", i % 50);
		snprintf(val, sizeof(val), "value-%d", i);
		rq(p, 0, "WRITE", path, val);
		xs_server_maybe_compact(srv);
		long j = file_size(dir, "journal");
		if (j > max_journal)
			max_journal = j;
	}
	check(max_journal > 0 && max_journal < 8192 + 4096, "journal stays bounded by compaction (max %ld bytes)", max_journal);
	/* a crash after the new snapshot but before the journal was truncated:
	 * the old journal must not be replayed on top (output would repeat) */
	size_t pending = xs_conn_out_pending(d3);
	copy_file(dir, "journal", "journal.old");
	journal_compact(srv);
	copy_file(dir, "journal.old", "journal");
	xs_server_free(srv);
	srv = xs_server_new(&cfg);
	check(xs_server_recover(srv, &hooks) == 0, "recover with a stale journal beside a newer snapshot");
	d3 = domconn(3);
	p = mkconn(0, true, 0, false);
	check(d3 && xs_conn_out_pending(d3) == pending,
	      "stale journal skipped: output owed to the domain not repeated (%zu vs %zu bytes)",
	      d3 ? xs_conn_out_pending(d3) : 0, pending);
	check_str(rq(p, 0, "READ", "/w/n049"), "READ value-299", "latest values after compaction + recovery");
	xs_server_free(srv);
	srv = NULL;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd)) {
	}
}

int main(void)
{
	test_tree();
	test_perms();
	test_transactions();
	test_watches();
	test_quotas();
	test_malformed();
	test_flow();
	test_ring();
	test_journal();
	test_ring_restart();
	test_compaction();
	xs_server_free(srv);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
