/* The xenstore client against a scripted server on the same page: the
 * wire format of each request, answers, errors, other traffic skipped,
 * timeouts and corrupt indices. */
#include "unit.h"
#include "backend_fake.h"
#include "xsclient.h"
#include "xsring.h"

#include <stdlib.h>

static struct xenstore_domain_interface page;
static char last[512];
static size_t last_len;
static uint32_t last_type;
static int mode;                /* 0 answer, 1 XS_ERROR, 2 silent, 3 watch event first */
static const char *read_value = "1";

static void answer(struct xsring_dir *rsp, uint32_t type, uint32_t id, const char *p, size_t n)
{
    struct xsd_sockmsg h = { type, id, 0, (uint32_t)n };
    xsring_write(rsp, &h, sizeof(h));
    xsring_write(rsp, p, n);
}

static void server(void *ctx)
{
    (void)ctx;
    struct xsring_dir req = xsring_requests(&page), rsp = xsring_responses(&page);
    struct xsd_sockmsg h;
    if (mode == 2 || xsring_readable(&req) < (long)sizeof(h) || !xsring_peek(&req, 0, &h, sizeof(h)) ||
        xsring_readable(&req) < (long)(sizeof(h) + h.len))
        return;
    last_len = h.len < sizeof(last) ? h.len : sizeof(last);
    xsring_peek(&req, sizeof(h), last, last_len);
    last_type = h.type;
    xsring_consume(&req, sizeof(h) + h.len);
    if (mode == 3)
        answer(&rsp, XS_WATCH_EVENT, 0, "a\0b", 4);
    if (mode == 1)
        answer(&rsp, XS_ERROR, h.req_id, "EACCES", 7);
    else if (h.type == XS_READ)
        answer(&rsp, XS_READ, h.req_id, read_value, strlen(read_value));
    else
        answer(&rsp, h.type, h.req_id, "OK", 3);
}

static void no_sleep(int ms) { (void)ms; }

void test_xsclient(void)
{
    struct backend *b = backend_fake_new(1 << 10);
    struct xsc c = { b, &page, 0, 0, 50, no_sleep, server, NULL };
    char buf[64];
    CHECK(xsc_write(&c, "/local/domain/3/name", "web") == 0 && last_type == XS_WRITE &&
          last_len == 24 && !memcmp(last, "/local/domain/3/name\0web", 24), "write payload");
    CHECK(xsc_introduce(&c, 3, 0x1234, 5) == 0 && last_type == XS_INTRODUCE &&
          last_len == 9 && !memcmp(last, "3\0004660\0005\0", 9), "introduce payload");
    const char *perms[] = { "n0", "r3" };
    CHECK(xsc_set_perms(&c, "/local/domain/3", perms, 2) == 0 && last_type == XS_SET_PERMS &&
          last_len == 22 && !memcmp(last, "/local/domain/3\0n0\0r3\0", 22), "set_perms payload");
    CHECK(xsc_mkdir(&c, "/a") == 0 && last_type == XS_MKDIR && !memcmp(last, "/a\0", 3), "mkdir");
    CHECK(xsc_rm(&c, "/a") == 0 && last_type == XS_RM, "rm");
    CHECK(xsc_read(&c, "/x", buf, sizeof(buf)) == 0 && !strcmp(buf, "1"), "read");
    mode = 3;
    CHECK(xsc_read(&c, "/x", buf, sizeof(buf)) == 0 && !strcmp(buf, "1"), "watch event skipped");
    mode = 1;
    CHECK(xsc_write(&c, "/x", "y") == -1, "XS_ERROR fails");
    mode = 2;
    CHECK(xsc_write(&c, "/x", "y") == -1, "silence times out");
    page.rsp_prod = page.rsp_cons + 5000;
    mode = 0;
    CHECK(xsc_write(&c, "/x", "y") == -1, "corrupt response indices refused");
    memset(&page, 0, sizeof(page));
    static char big[5000];
    memset(big, 'a', sizeof(big) - 1);
    CHECK(xsc_write(&c, "/x", big) == -1, "oversized request refused");
    struct xsc none = { b, NULL, 0, 0, 50, no_sleep, NULL, NULL };
    CHECK(xsc_write(&none, "/x", "y") == -1, "no connection");
    backend_fake_free(b);
}
