/*
 * unit_client.c: servers/lib's xenstore client (xsclient) against the core,
 * over a ring page in memory: the client's wait() runs the server's turn.
 */
#include "unit.h"
#include "xsclient.h"

struct pair {
    struct xs_ring *r;
    unsigned waits;
    bool stall; /* the server never answers: timeouts */
};

static void c_notify(void *ctx) { (void)ctx; }

static int c_wait(void *ctx, int timeout_ms)
{
    struct pair *p = ctx;
    p->waits++;
    if (p->stall) {
        usleep((useconds_t)(timeout_ms > 0 ? timeout_ms : 1) * 1000);
        return -ETIMEDOUT;
    }
    xs_ring_service(p->r, 8);
    xs_ring_flush(p->r);
    return 0;
}

static const struct xsc_ring_ops c_ops = { c_notify, c_wait };

void test_client(void)
{
    fresh(NULL);
    static struct xenstore_domain_interface pg;
    memset(&pg, 0, sizeof(pg));
    struct xs_conn *c = xs_conn_new(srv, 0, true, true, NULL, (void *)(uintptr_t)40);
    struct pair p = { xs_ring_new(c, &pg, &mem_ring_ops, NULL), 0, false };
    struct xsc *x = xsc_new_ring(&pg, &c_ops, &p);

    char *v = NULL;
    check(!xsc_write(x, "/a/b", "value"), "client: write");
    check(!xsc_read(x, "/a/b", &v) && v && !strcmp(v, "value"), "client: read back");
    free(v);
    check(xsc_read(x, "/a/nope", &v) == -ENOENT, "client: ENOENT from an ERROR reply");
    check(xsc_mkdir(x, "/d") == 0 && xsc_rm(x, "/d") == 0, "client: mkdir, rm");
    const char *perms[2] = { "n5", "r7" };
    check(!xsc_set_perms(x, "/a/b", perms, 2), "client: set_perms");
    check(xsc_set_perms(x, "/a/zz", perms, 2) == -ENOENT, "client: set_perms on a missing node");

    check(!xsc_watch(x, "/a", "tok"), "client: watch");
    check(!xsc_write(x, "/a/c", "1"), "client: write under the watch");
    const char *path, *tok;
    check(!xsc_next_event(x, &path, &tok, 1000) && !strcmp(path, "/a") && !strcmp(tok, "tok"),
          "client: the watch's first event, queued while a request was waiting");
    check(!xsc_next_event(x, &path, &tok, 1000) && !strcmp(path, "/a/c") && !strcmp(tok, "tok"),
          "client: the event of the write");
    check(!xsc_unwatch(x, "/a", "tok"), "client: unwatch");

    /* xsc_batch: requests back to back, each reply to its own op; 40
     * writes are more than the ring holds, so they go in windows */
    static struct xsc_op op[41];
    static char bp[41][32], bv[40][8];
    for (int i = 0; i < 40; i++) {
        snprintf(bp[i], sizeof(bp[i]), "/batch/n%02d", i);
        snprintf(bv[i], sizeof(bv[i]), "v%d", i * 7);
        op[i] = (struct xsc_op){ .type = XS_WRITE, .path = bp[i], .val = bv[i], .vlen = strlen(bv[i]) };
    }
    unsigned before = xsc_requests(x);
    int bad = xsc_batch(x, op, 40);
    for (int i = 0; i < 40; i++)
        bad |= op[i].rc;
    check(!bad && xsc_requests(x) == before + 40, "client: a batch of 40 writes, more than a ring's worth");
    check(!xsc_watch(x, "/batch/n05", "bt"), "client: watch before a batch");
    snprintf(bp[40], sizeof(bp[40]), "/batch/none");
    for (int i = 0; i <= 40; i++)
        op[i] = (struct xsc_op){ .type = i == 5 ? XS_WRITE : XS_READ,
                                 .path = bp[i],
                                 .val = "new",
                                 .vlen = i == 5 ? 3 : 0,
                                 .want_reply = i != 5 };
    bad = xsc_batch(x, op, 41);
    for (int i = 0; i < 40; i++)
        bad |= i != 5 && (op[i].rc || !op[i].reply || strcmp(op[i].reply, bv[i]));
    check(!bad && !op[5].rc && op[40].rc == -ENOENT && !op[40].reply,
          "client: a batch of reads and a write: each its own value, ENOENT for a missing node");
    for (int i = 0; i <= 40; i++)
        free(op[i].reply);
    check(!xsc_next_event(x, &path, &tok, 1000) && !strcmp(path, "/batch/n05") &&
              !xsc_next_event(x, &path, &tok, 1000) && !strcmp(path, "/batch/n05") && !strcmp(tok, "bt"),
          "client: watch events that came during a batch are queued (the watch's first, the write's)");
    check(!xsc_read(x, "/batch/n05", &v) && !strcmp(v, "new"), "client: the batch's write is there");
    free(v);
    check(!xsc_unwatch(x, "/batch/n05", "bt"), "client: unwatch after the batch");

    check(xsc_is_introduced(x, 9) == 0, "client: IS_DOMAIN_INTRODUCED F");
    check(!xsc_introduce(x, 9, 1234, 5) && xsc_is_introduced(x, 9) == 1,
          "client: INTRODUCE, then IS_DOMAIN_INTRODUCED T");
    check(!xsc_release(x, 9) && xsc_is_introduced(x, 9) == 0, "client: RELEASE");
    char *r = NULL;
    check(!xsc_control(x, "quota", NULL, &r) && r && strstr(r, "nodes 1000"), "client: CONTROL");
    free(r);
    char big[XENSTORE_PAYLOAD_MAX + 8];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    check(xsc_write(x, "/big", big) == -E2BIG, "client: payload over the limit refused locally");
    check(xsc_errno("EACCES") == EACCES && xsc_errno("bogus") == EINVAL, "client: error names");

    p.stall = true;
    xsc_set_timeout(x, 30);
    check(xsc_read(x, "/a/b", &v) == -ETIMEDOUT, "client: no reply in time is -ETIMEDOUT");
    p.stall = false;
    xsc_set_timeout(x, 1000);
    check(!xsc_read(x, "/a/b", &v) && !strcmp(v, "value"),
          "client: the late reply of a timed-out request is skipped");
    free(v);
    xsc_free(x);
    xs_ring_free(p.r);
    xs_conn_free(c);
}
