/* The manager and the xl shell end to end against the fake back end: boot
 * configuration order, xl list, consoles, a malformed config changing
 * nothing, destroy/create, death policy (a crashed service domain comes back
 * with its id), pause/unpause, console attach. */
#include "unit.h"
#include "backend/backend_fake.h"
#include "cfg/bootcfg.h"
#include "mkelf.h"
#include "shell/xl.h"
#include "xsring.h"

#include <errno.h>
#include <stdlib.h>
#include <xen/grant_table.h>
#include <xen/sched.h>

static char out[64][256];
static int nout;

static void take(void *ctx, const char *s)
{
    (void)ctx;
    if (nout < 64)
        snprintf(out[nout++], sizeof(out[0]), "%s", s);
}

static int seen(const char *needle)
{
    for (int i = 0; i < nout; i++)
        if (strstr(out[i], needle))
            return 1;
    return 0;
}

static uint8_t kernel[64 << 10];
static size_t kernel_len;

static const struct { const char *path, *text; } files[] = {
    { "xs.cfg", "name='xenstore'\nkernel='k.elf'\nmemory=4\ncapabilities=['XENSTORE']\n"
                "on_crash='restart'\nmodules=['k.elf --verbose']\n" },
    { "web.cfg", "name='web'\nkernel='k.elf'\nmemory=4\nextra='console=hvc0'\n" },
    { "bad.cfg", "name='bad'\nmemory=four\n" },
    { "nok.cfg", "name='nok'\nkernel='missing.elf'\n" },
    { "boot.list", "web.cfg\nxs.cfg\n" },
    { "bb.cfg", "name='blkback'\nkernel='k.elf'\nmemory=4\n" },
    { "disk.cfg", "name='disk'\nkernel='k.elf'\nmemory=4\ndisk=['vdev=xvda, access=rw, target=data']\n" },
};

static int rd(void *ctx, const char *path, size_t max, uint8_t **buf, size_t *len,
              char *err, size_t errlen)
{
    (void)ctx;
    const uint8_t *src = NULL;
    size_t n = 0;
    if (!strcmp(path, "k.elf"))
        src = kernel, n = kernel_len;
    for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++)
        if (!strcmp(path, files[i].path))
            src = (const uint8_t *)files[i].text, n = strlen(files[i].text);
    if (!src || n > max) {
        snprintf(err, errlen, "%s: %s", path, src ? "too large" : "No such file or directory");
        return -1;
    }
    *buf = malloc(n + 1);
    memcpy(*buf, src, n);
    *len = n;
    return 0;
}

/* A scripted xenstore domain on the page the manager granted: records each
 * request ("TYPE path"), answers OK; feature-poweroff reads "1" for web. */
static char xsreq[64][80];
static int nxsreq;

static void xs_server(void *ctx)
{
    struct mgr *m = ctx;
    struct xsring_dir req = xsring_requests(m->xs_page), rsp = xsring_responses(m->xs_page);
    struct xsd_sockmsg h;
    char p[256] = "";
    while (xsring_readable(&req) >= (long)sizeof(h) && xsring_peek(&req, 0, &h, sizeof(h)) &&
           xsring_readable(&req) >= (long)(sizeof(h) + h.len)) {
        xsring_peek(&req, sizeof(h), p, h.len < 255 ? h.len : 255);
        xsring_consume(&req, sizeof(h) + h.len);
        if (nxsreq < 64)
            snprintf(xsreq[nxsreq++], sizeof(xsreq[0]), "%u %.60s", h.type, p);
        const char *val = h.type == XS_READ ? (strstr(p, "/2/") ? "1" : "0") : "OK";
        struct xsd_sockmsg a = { h.type, h.req_id, 0, (uint32_t)strlen(val) + (h.type != XS_READ) };
        xsring_write(&rsp, &a, sizeof(a));
        xsring_write(&rsp, val, a.len);
    }
}

static int xs_seen(const char *r)
{
    for (int i = 0; i < nxsreq; i++)
        if (!strcmp(xsreq[i], r))
            return 1;
    return 0;
}

static uint64_t clock_ms;
static uint64_t now(void) { return clock_ms; }

static void run(struct mgr *m, struct xl_session *s, const char *line)
{
    nout = 0;
    xl_input(m, s, line, strlen(line));
}

static void events(struct mgr *m)
{
    uint32_t p;
    while (!mgr_next_event(m, &p))
        mgr_event(m, p);
}

/* The domain writes a line to its console and notifies us. */
static void guest_says(struct mgr *m, uint32_t domid, const char *s)
{
    struct fake_dom *d = &fake_of(m->b)->dom[domid];
    grant_entry_v1_t *g = (void *)fake_frame(m->b, d->grant_mfn);
    struct xencons_interface *r = (void *)fake_frame(m->b, g[0].frame);
    for (; *s; s++)
        r->out[MASK_XENCONS_IDX(r->out_prod++, r->out)] = *s;
    struct mgr_dom *md = NULL;
    for (int i = 0; i < MGR_MAX_DOMS; i++)
        if (m->dom[i].used && m->dom[i].domid == domid)
            md = &m->dom[i];
    if (md)
        fake_raise(m->b, md->cons_lport);
}

static void boot(struct mgr *m, struct xl_session *s)
{
    static struct bootcfg bc;
    char err[256];
    bootcfg_parse("boot.list", files[4].text, strlen(files[4].text), &bc, err, sizeof(err));
    nout = 0;
    CHECK(bootcfg_start(m, &bc) == 0, "boot configuration starts");
    CHECK(seen("created domain 1 (xenstore)") && seen("created domain 2 (web)"),
          "service domain first, then the guest");
    CHECK(m->xenstore_domid == 1, "xenstore domain known");
    struct fake_dom *web = &fake_of(m->b)->dom[2];
    const grant_entry_v1_t *g = (const void *)fake_frame(m->b, web->grant_mfn);
    CHECK(g[1].domid == 1 && g[0].domid == 0, "guest's store page granted to xenstore");
    CHECK(web->ran && !web->paused && fake_of(m->b)->live_maps == 0, "running, no mapping");
    CHECK(fake_of(m->b)->ngranted == 1 && fake_of(m->b)->granted_to[0] == 1 && m->xs_gref == 8,
          "a page of ours granted to the xenstore domain");
    CHECK(xs_seen("12 /local/domain/2") && xs_seen("11 /local/domain/2/name") &&
          xs_seen("14 /local/domain/2") && xs_seen("12 /local/domain/2/control") && xs_seen("8 2"), "web's nodes written and INTRODUCE sent (%d requests)", nxsreq);
    run(m, s, "xl list\n");
    CHECK(nout == 4, "xl list: header + 3 domains (%d)", nout);
    CHECK(!strncmp(out[0], "Name", 4) && strstr(out[0], "ID") && strstr(out[0], "State"), "header");
    CHECK(!strncmp(out[1], "domain-builder", 14), "builder listed");
    CHECK(!strncmp(out[2], "xenstore ", 9) && strstr(out[2], "    1     4") &&
          strstr(out[2], "r-----"), "xenstore line: '%s'", out[2]);
    CHECK(!strncmp(out[3], "web ", 4) && strstr(out[3], "    2     4"), "web line");
}

static void consoles(struct mgr *m, struct xl_session *s)
{
    nout = 0;
    guest_says(m, 2, "hello from web\npartial");
    events(m);
    CHECK(nout == 1 && !strcmp(out[0], "(d2) hello from web"), "console line prefixed");
    CHECK(fake_of(m->b)->dom[2].port[1].virq == 1, "guest notified after consuming");
    run(m, s, "xl console web\n");
    CHECK(seen("[attached to web (domain 2); Ctrl-] detaches]"), "attached");
    run(m, s, "ls -l\n\x1dxl info\n");
    struct fake_dom *d = &fake_of(m->b)->dom[2];
    const grant_entry_v1_t *g = (const void *)fake_frame(m->b, d->grant_mfn);
    struct xencons_interface *r = (void *)fake_frame(m->b, g[0].frame);
    CHECK(r->in_prod == 6 && !memcmp(r->in, "ls -l\n", 6), "input reached the guest");
    CHECK(seen("[detached]") && seen("nr_cpus                : 2"), "detached, next command runs");
}

static void refusals(struct mgr *m, struct xl_session *s)
{
    uint64_t t0, f0, t1, f1;
    uint32_t c;
    m->b->ops->physinfo(m->b, &t0, &f0, &c);
    run(m, s, "xl create bad.cfg\n");
    CHECK(nout == 1, "one line");
    CHECK_STR(out[0], "xl: bad.cfg:2: bad value for 'memory' (strings must be quoted)", "bad cfg");
    run(m, s, "xl create web.cfg\n");
    CHECK_STR(out[0], "xl: domain 'web' already exists (id 2)", "duplicate");
    run(m, s, "xl create nok.cfg\n");
    CHECK_STR(out[0], "xl: missing.elf: No such file or directory", "missing kernel");
    run(m, s, "xl create nothere.cfg\n");
    CHECK_STR(out[0], "xl: nothere.cfg: No such file or directory", "missing config");
    m->b->ops->physinfo(m->b, &t1, &f1, &c);
    db_dominfo i;
    CHECK(f1 == f0 && m->b->ops->getinfo(m->b, 3, &i) == -ESRCH, "nothing changed");
    run(m, s, "xl destroy nosuch\n");
    CHECK_STR(out[0], "xl: no domain 'nosuch'", "unknown domain");
    run(m, s, "xl restart web\n");
    CHECK_STR(out[0], "xl: 'web' is not a service domain (use xl reboot)", "restart of a guest");
    run(m, s, "xl unpause web\n");
    CHECK_STR(out[0], "xl: unpause of domain 2 failed (-22)", "unpause of a running domain");
    run(m, s, "xl bogus\n");
    CHECK_STR(out[0], "xl: unknown command 'bogus' (try 'xl help')", "unknown command");
}

static void lifecycle(struct mgr *m, struct xl_session *s)
{
    run(m, s, "xl pause web\n");
    CHECK(fake_of(m->b)->dom[2].paused, "paused");
    run(m, s, "xl list\n");
    CHECK(strstr(out[3], "--p---") != NULL, "list shows paused: '%s'", out[3]);
    run(m, s, "xl unpause 2\n");
    CHECK(!fake_of(m->b)->dom[2].paused, "unpaused by id");
    run(m, s, "xl destroy web\n");
    CHECK(!fake_of(m->b)->dom[2].exists && !mgr_find(m, "web"), "destroyed");
    run(m, s, "xl create web.cfg\n");
    CHECK(nout == 2 && !strcmp(out[1], "created domain 2"), "created again");
    /* xenstore crashes: restarted with the same id */
    nout = 0;
    fake_shutdown(m->b, 1, SHUTDOWN_crash);
    events(m);
    CHECK(seen("domain 1 (xenstore) shut down: crash, action restart"), "crash noticed");
    CHECK(seen("restarted xenstore as domain 1"), "same id");
    CHECK(fake_of(m->b)->dom[1].ran && !fake_of(m->b)->dom[1].shutdown, "running again");
    nxsreq = 0;
    run(m, s, "xl restart xenstore\n");
    CHECK(seen("restarted xenstore as domain 1"), "xl restart keeps the id");
    CHECK(xs_seen("8 2"), "web introduced again to the restarted xenstore");
    /* web announces feature-poweroff: asked through control/shutdown, obeys */
    nxsreq = 0;
    run(m, s, "xl shutdown web\n");
    CHECK(xs_seen("2 /local/domain/2/control/feature-poweroff") &&
          xs_seen("11 /local/domain/2/control/shutdown") && !fake_of(m->b)->dom[2].shutdown,
          "shutdown asked through xenstore");
    fake_shutdown(m->b, 2, SHUTDOWN_poweroff);
    events(m);
    CHECK(seen("domain 2 (web) shut down: poweroff, action destroy") && !fake_of(m->b)->dom[2].exists,
          "shutdown -> destroyed");
    run(m, s, "xl create web.cfg\n");
    CHECK(xs_seen("13 /local/domain/2"), "web's nodes removed on destroy");
    run(m, s, "xl reboot web\n");
    fake_shutdown(m->b, 2, SHUTDOWN_reboot);
    events(m);
    CHECK(seen("restarted web as domain"), "reboot -> restarted");
    CHECK(mgr_find(m, "web") && fake_of(m->b)->live_maps == 0, "web back, nothing mapped");
    /* a domain without a store channel is shut down by the hypervisor */
    run(m, s, "xl shutdown xenstore\n");
    CHECK(fake_of(m->b)->dom[1].shutdown && fake_of(m->b)->dom[1].reason == SHUTDOWN_poweroff,
          "SCHEDOP_remote_shutdown without xenstore");
}

/* disk = [ ... ]: the vbd nodes of the guest's disks under the backend
 * domain (blkback) and the guest, and their removal with the guest. */
static void vbds(struct mgr *m, struct xl_session *s)
{
    run(m, s, "xl create disk.cfg\n");
    CHECK(seen("domain-builder: disk: disk xvda: backend domain 'blkback' is not running"),
          "a disk whose backend domain is not running: logged");
    run(m, s, "xl destroy disk\n");
    run(m, s, "xl create bb.cfg\n");
    nxsreq = 0;
    run(m, s, "xl create disk.cfg\n");
    struct mgr_dom *be = mgr_find(m, "blkback"), *fe = mgr_find(m, "disk");
    CHECK(be && fe && seen("domain-builder: disk: disk xvda (vbd 'data', rw) on blkback"), "disk xvda on blkback logged");
    if (!be || !fe)
        return;
    char p[5][96];
    snprintf(p[0], 96, "12 /local/domain/%u/backend/vbd/%u/51712", be->domid, fe->domid);
    snprintf(p[1], 96, "14 /local/domain/%u/backend/vbd/%u/51712", be->domid, fe->domid);
    snprintf(p[2], 96, "11 /local/domain/%u/backend/vbd/%u/51712/params", be->domid, fe->domid);
    snprintf(p[3], 96, "11 /local/domain/%u/device/vbd/51712/backend-id", fe->domid);
    snprintf(p[4], 96, "11 /local/domain/%u/backend/vbd/%u/51712/frontend-id", be->domid, fe->domid);
    CHECK(xs_seen(p[0]) && xs_seen(p[1]) && xs_seen(p[2]) && xs_seen(p[3]) && xs_seen(p[4]),
          "backend and frontend vbd nodes written, with permissions (%d requests)", nxsreq);
    snprintf(p[0], 96, "13 /local/domain/%u/backend/vbd/%u/51712", be->domid, fe->domid);
    run(m, s, "xl destroy disk\n");
    CHECK(xs_seen(p[0]), "destroying the guest removes its backend directory");
    run(m, s, "xl destroy blkback\n");
}

void test_xl(void)
{
    static struct mgr m;
    static struct xl_session s;
    struct backend *b = backend_fake_new(1 << 14);
    struct mkelf_opts o = { .virt_base = 0xffffffff80000000ull, .paddr = 0x100000,
                            .text_size = 0x3000, .data_size = 0x1000 };
    kernel_len = mkelf(kernel, sizeof(kernel), &o);
    CHECK(mgr_init(&m, b) == 0, "manager up");
    m.read_file = rd;
    m.log = (struct db_out){ take, NULL, NULL };
    m.now_ms = now;
    m.xs_poke = xs_server;
    s.out = (struct db_out){ take, NULL, NULL };
    boot(&m, &s);
    consoles(&m, &s);
    refusals(&m, &s);
    lifecycle(&m, &s);
    vbds(&m, &s);
    /* a new instance of the builder finds the running domains */
    static struct mgr m2;
    mgr_init(&m2, b);
    m2.log = (struct db_out){ take, NULL, NULL };
    nout = 0;
    int adopted = mgr_adopt(&m2);
    CHECK(adopted == 2 && seen("adopted domain 1 from a previous instance as d1") &&
          mgr_find(&m2, "d1") && mgr_find(&m2, "2"), "a restarted builder adopts its domains (%d)", adopted);
    for (int i = 0; i < MGR_MAX_DOMS; i++)
        if (m.dom[i].used) {
            char err[256];
            mgr_destroy(&m, &m.dom[i], err, sizeof(err));
        }
    backend_fake_free(b);
}
