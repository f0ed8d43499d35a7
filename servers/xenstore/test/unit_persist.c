/*
 * unit_persist.c: unit tests for persistence: journal replay, torn tails, a domain ring across a crash, compaction.
 */
#include "unit.h"

void test_journal(void)
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
    check_str(rq(d3, 0, "TRANSACTION_START", ""), "TRANSACTION_START 1|", "domain opens transaction 1");
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
    check_str(rq(d3, 1, "READ", "/keep/a"), "ERROR EAGAIN|",
              "its open transaction is gone: EAGAIN, so the guest retries");
    check_str(rq(d3, 0, "TRANSACTION_START", ""), "TRANSACTION_START 2|",
              "and transaction ids are not reused");
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
    /* a request cut short in the journal (END missing) is not applied at
     * all: here a multi-node write, removal of its last 5 bytes */
    rq(p, 0, "WRITE", "/keep/whole", "1");
    rq(p, 0, "WRITE", "/keep/cut/a/b/c", "2");
    xs_server_free(srv);
    FILE *jf = fopen(path, "r+");
    fseek(jf, 0, SEEK_END);
    long jl = ftell(jf);
    fclose(jf);
    if (truncate(path, jl - 5)) {}
    srv = xs_server_new(&cfg);
    check(xs_server_recover(srv, &hooks) == 0, "recover with the last batch cut short");
    p = mkconn(0, true, 0, false);
    check_str(rq(p, 0, "READ", "/keep/whole"), "READ 1", "the request before it is kept");
    check_str(rq(p, 0, "READ", "/keep/cut"), "ERROR ENOENT|", "none of the cut request's nodes exist");
    check_str(rq(p, 0, "DIRECTORY", "/keep"), "DIRECTORY a|tx|new|whole|",
              "and the parent's child list is as before it");
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
    if (system(cmd)) {}
}


/* ---- a domain ring across a crash: no lost or repeated output ---- */
static struct xenstore_domain_interface crash_page;
static struct xs_ring *crash_ring;

static struct xs_conn *ring_introduce(void *ctx, struct xs_server *s, uint32_t domid, uint64_t mfn,
                                      uint32_t port)
{
    (void)ctx;
    (void)mfn;
    (void)port;
    struct xs_conn *c = xs_conn_new(s, domid, false, true, NULL, (void *)(uintptr_t)(10 + domid));
    xs_conn_set_out_total(c, crash_page.rsp_prod);
    crash_ring = xs_ring_new(c, &crash_page, &mem_ring_ops, NULL);
    return c;
}

static void ring_release(void *ctx, struct xs_conn *c)
{
    (void)ctx;
    (void)c;
    xs_ring_free(crash_ring);
    crash_ring = NULL;
}

static const struct xs_domain_hooks ring_hooks = { ring_introduce, ring_release, NULL };

void test_ring_restart(void)
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
    if (system(cmd)) {}
}

static long file_size(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void copy_file(const char *dir, const char *from, const char *to)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "cp %s/%s %s/%s", dir, from, dir, to);
    if (system(cmd)) {}
}

void test_compaction(void)
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
        if (j > max_journal) max_journal = j;
    }
    check(max_journal > 0 && max_journal < 8192 + 4096, "journal stays bounded by compaction (max %ld bytes)",
          max_journal);
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
    if (system(cmd)) {}
}
