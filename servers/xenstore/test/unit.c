/*
 * unit.c: host unit tests for the xenstore core: the harness and main. The
 * tests are in unit_tree.c (tree, permissions), unit_txn.c (transactions,
 * watches), unit_limits.c (quotas, malformed input, flow control),
 * unit_ring.c (the ring transport), unit_sched.c (fair service) and
 * unit_persist.c (journal recovery).
 * Prints one "ok - " / "FAIL - " line per check and "N passed, M failed".
 */
#include "msg_names.h"
#include "unit.h"

int passed, failed;

void check(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(ok ? "ok - " : "FAIL - ", stdout);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
    ok ? passed++ : failed++;
}

void check_str(const char *got, const char *want, const char *what)
{
    bool ok = !strcmp(got, want);
    check(ok, "%s", what);
    if (!ok) printf("#   got  '%s'\n#   want '%s'\n", got, want);
}

/* Render a message as "TYPE payload" with NULs as '|'. */
void render(const char *msg, char *out, size_t size)
{
    struct xsd_sockmsg h;
    memcpy(&h, msg, sizeof(h));
    size_t o = (size_t)snprintf(out, size, "%s", xs_msg_name(h.type) ? xs_msg_name(h.type) : "?");
    if (h.len && o + 1 < size) out[o++] = ' ';
    for (uint32_t i = 0; i < h.len && o + 1 < size; i++) {
        char ch = msg[sizeof(h) + i];
        out[o++] = ch ? ch : '|';
    }
    out[o] = '\0';
}

/* Events seen per connection, appended as "path|token|;" */
static char evlog[64][16384];
static unsigned req_id = 100;
struct xsd_sockmsg last_reply;

/* Drain c's output; the non-event message goes to reply. */
void drain(struct xs_conn *c, char *reply, size_t size)
{
    static char msg[sizeof(struct xsd_sockmsg) + 65536];
    size_t have = 0;
    const void *d;
    size_t n;
    if (reply) reply[0] = '\0';
    while ((n = xs_conn_out_peek(c, &d))) {
        memcpy(msg + have, d, n);
        have += n;
        xs_conn_out_advance(c, n);
        struct xsd_sockmsg h;
        memcpy(&h, msg, sizeof(h));
        if (have < sizeof(h) + h.len) continue;
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

const char *events(struct xs_conn *c)
{
    static char out[16384];
    drain(c, NULL, 0);
    char *log = evlog[(uintptr_t)xs_conn_opaque(c)];
    snprintf(out, sizeof(out), "%s", log);
    log[0] = '\0';
    return out;
}

/* Send a request: args are NUL-terminated, except WRITE's value. */
const char *rqv(struct xs_conn *c, uint32_t tx, const char *type, int n, const char **a)
{
    static char reply[8192];
    char buf[8192];
    size_t len = 0;
    int t = xs_msg_type(type);
    for (int i = 0; i < n; i++) {
        size_t al = strlen(a[i]);
        memcpy(buf + len, a[i], al);
        len += al;
        if (!(t == XS_WRITE && i == n - 1 && n > 1)) buf[len++] = '\0';
    }
    struct xsd_sockmsg h = { (uint32_t)t, ++req_id, tx, (uint32_t)len };
    xs_conn_message(c, &h, buf);
    drain(c, reply, sizeof(reply));
    return reply;
}


struct xs_server *srv;

struct xs_conn *mkconn(uint32_t domid, bool priv, uintptr_t slot, bool dom)
{
    evlog[slot][0] = '\0';
    return xs_conn_new(srv, domid, priv, dom, NULL, (void *)slot);
}

static struct xs_conn *hook_introduce(void *ctx, struct xs_server *s, uint32_t domid, uint64_t mfn,
                                      uint32_t port)
{
    (void)ctx;
    (void)s;
    (void)mfn;
    (void)port;
    return mkconn(domid, false, 10 + domid % 50, true);
}

static void hook_release(void *ctx, struct xs_conn *c)
{
    (void)ctx;
    (void)c;
}

const struct xs_domain_hooks hooks = { hook_introduce, hook_release, NULL };

struct xs_conn *domconn(uint32_t domid)
{
    struct xs_domain *d = domain_get(srv, domid, false);
    return d ? d->conn : NULL;
}

void fresh(struct xs_config *cfg)
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
    test_client();
    test_sched();
    xs_server_free(srv);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
