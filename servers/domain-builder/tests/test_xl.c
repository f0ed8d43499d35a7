/* The manager and the xl shell end to end against the fake back end: boot
 * configuration order, xl list, consoles, a malformed config changing
 * nothing, destroy/create, death policy (a crashed service domain comes back
 * with its id), pause/unpause, console attach. */
#include "unit.h"
#include "backend/backend_fake.h"
#include "cfg/bootcfg.h"
#include "mkelf.h"
#include "shell/xl.h"
#include "shell_out.h"
#include "mgr/mgr_dev.h"
#include "xsring.h"
#include "decompress.h"
#include "xsstate.h"

#include <errno.h>
#include <stdlib.h>
#include <xen/grant_table.h>
#include <xen/sched.h>

static uint8_t kernel[64 << 10];
static size_t kernel_len;

static const struct {
    const char *path, *text;
} files[] = {
    { "xs.cfg", "name='xenstore'\nkernel='k.elf'\nmemory=4\ncapabilities=['XENSTORE']\n"
                "on_crash='restart'\nmodules=['k.elf --verbose']\n" },
    { "web.cfg", "name='web'\nkernel='k.elf'\nmemory=4\nextra='console=hvc0'\n" },
    { "bad.cfg", "name='bad'\nmemory=four\n" },
    { "nok.cfg", "name='nok'\nkernel='missing.elf'\n" },
    { "boot.list", "web.cfg\nxs.cfg\n" },
    { "bb.cfg", "name='blkback'\nkernel='k.elf'\nmemory=4\non_crash='restart'\n" },
    { "disk.cfg", "name='disk'\nkernel='k.elf'\nmemory=4\ndisk=['vdev=xvda, access=rw, target=data']\n" },
    { "web2.cfg", "name='web2'\nkernel='k.elf'\nmemory=4\n" },
    { "big.cfg", "name='big'\nkernel='k.elf'\nmemory=100\n" },
    { "w.cfg", "name='wgt'\nkernel='k.elf'\nmemory=4\ncpu_weight=300\ncap=20\nacpi=1\n" },
    { "nb.cfg", "name='netback'\nkernel='k.elf'\nmemory=4\n" },
};

static int rd(void *ctx, const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
    (void)ctx;
    const uint8_t *src = NULL;
    size_t n = 0;
    if (!strcmp(path, "k.elf")) src = kernel, n = kernel_len;
    for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++)
        if (!strcmp(path, files[i].path)) src = (const uint8_t *)files[i].text, n = strlen(files[i].text);
    return file_answer(src, n, path, max, buf, len, err, errlen);
}

/* A scripted xenstore domain on the page the manager granted: records each
 * request ("TYPE path"), answers OK; feature-poweroff reads "1" for web. */
static char xsreq[64][80];
static int nxsreq;
static const char *xs_fail;         /* requests whose payload contains this fail (EACCES) */
static const char *xs_read_val;     /* if set: what every read answers */
static const char *xs_shutdown_val; /* if set: what reads of a control/shutdown answer */
static const char *xs_absent;       /* reads of paths containing this: ENOENT */
/* A scripted block backend's control node (servers/blkback/ctl.h): a write
 * of control/vbd-request "SEQ ..." records SEQ and the request; reads of
 * control/vbd-result answer "SEQ " + vbd_ans[0], of vbd-result/I vbd_ans[1 + I]. */
static const char *vbd_ans[8];
static unsigned long vbd_seq;
static char vbd_req[128];

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
        if (nxsreq < 64) snprintf(xsreq[nxsreq++], sizeof(xsreq[0]), "%u %.60s", h.type, p);
        const char *val = h.type != XS_READ ? "OK" : xs_read_val ? xs_read_val : strstr(p, "/2/") ? "1" : "0";
        char vbd_val[128];
        size_t plen = strnlen(p, 255);
        if (h.type == XS_WRITE && strstr(p, "/control/vbd-request") && plen + 1 < h.len && h.len < 255) {
            snprintf(vbd_req, sizeof(vbd_req), "%.*s", (int)(h.len - plen - 1), p + plen + 1);
            vbd_seq = strtoul(vbd_req, NULL, 10);
        }
        const char *r = strstr(p, "/control/vbd-result");
        if (h.type == XS_READ && r && vbd_ans[0]) {
            if (!r[19]) {
                snprintf(vbd_val, sizeof(vbd_val), "%lu %s", vbd_seq, vbd_ans[0]);
                val = vbd_val;
            } else if (r[19] == '/' && atoi(r + 20) < 7 && vbd_ans[1 + atoi(r + 20)]) {
                val = vbd_ans[1 + atoi(r + 20)];
            }
        }
        if (h.type == XS_READ && xs_shutdown_val && strstr(p, "/control/shutdown")) val = xs_shutdown_val;
        char perm[16];
        unsigned dom;
        if (h.type == XS_GET_PERMS && sscanf(p, "/local/domain/%u", &dom) == 1) {
            snprintf(perm, sizeof(perm), "n%u", dom); /* each domain owns its home */
            val = perm;
        } else if (h.type == XS_DIRECTORY) {
            val = "";
        }
        int fail = xs_fail && strstr(p, xs_fail);
        if (fail) val = "EACCES";
        if (h.type == XS_READ && xs_absent && strstr(p, xs_absent)) fail = 1, val = "ENOENT";
        struct xsd_sockmsg a = { fail ? XS_ERROR : h.type, h.req_id, 0,
                                 (uint32_t)strlen(val) + (h.type != XS_READ || fail) };
        xsring_write(&rsp, &a, sizeof(a));
        xsring_write(&rsp, val, a.len);
    }
}

static int xs_seen(const char *r)
{
    for (int i = 0; i < nxsreq; i++)
        if (!strcmp(xsreq[i], r)) return 1;
    return 0;
}

static uint64_t clock_ms;
static uint64_t now(void) { return clock_ms; }

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
        if (m->dom[i].used && m->dom[i].domid == domid) md = &m->dom[i];
    if (md) fake_raise(m->b, md->cons_lport);
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
    int to1 = 1;
    for (int i = 0; i < fake_of(m->b)->ngranted; i++)
        to1 &= fake_of(m->b)->granted_to[i] == 1;
    CHECK(fake_of(m->b)->ngranted == 1 + XSSTATE_PAGES / XSSTATE_CHUNK && to1 && m->xs_gref == 8,
          "a page of ours granted to the xenstore domain, and its state pages");
    uint32_t nref, ref0;
    memcpy(&nref, fake_of(m->b)->granted[1] + XSSTATE_REFS_OFF, 4);
    memcpy(&ref0, fake_of(m->b)->granted[1] + XSSTATE_REFS_OFF + 4, 4);
    CHECK(m->xs_state && m->xs_state_for == 1 && m->xs_state_gref == 9 && nref == XSSTATE_PAGES && ref0 == 9,
          "the first state page lists the %u pages (%u, %u)", nref, ref0, m->xs_state_gref);
    CHECK(xs_seen("12 /local/domain/2") && xs_seen("11 /local/domain/2/name") &&
              xs_seen("14 /local/domain/2") && xs_seen("12 /local/domain/2/control") && xs_seen("8 2"),
          "web's nodes written and INTRODUCE sent (%d requests)", nxsreq);
    run(m, s, "xl list\n");
    CHECK(nout == 4, "xl list: header + 3 domains (%d)", nout);
    CHECK(!strncmp(out[0], "Name", 4) && strstr(out[0], "ID") && strstr(out[0], "State"), "header");
    CHECK(!strncmp(out[1], "domain-builder", 14), "builder listed");
    CHECK(!strncmp(out[2], "xenstore ", 9) && strstr(out[2], "    1     4") && strstr(out[2], "r-----"),
          "xenstore line: '%s'", out[2]);
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
    CHECK_STR(out[0], "xl: unpause of domain 2 failed: not paused (-22)", "unpause of a running domain");
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
    CHECK(nout == 2 && !strcmp(out[1], "created domain 2 (web)"), "created again: '%s'", out[1]);
    /* xenstore crashes: restarted with the same id */
    nout = 0;
    fake_shutdown(m->b, 1, SHUTDOWN_crash);
    events(m);
    CHECK(seen("domain 1 (xenstore) shut down: crash, action restart"), "crash noticed");
    CHECK(seen("restarted xenstore as domain 1"), "same id");
    CHECK(fake_of(m->b)->dom[1].ran && !fake_of(m->b)->dom[1].shutdown, "running again");
    /* its state is in our pages: xl restart and xl destroy rebuild it with
     * its id, and the rebuilt store has web's nodes (not written again) */
    nxsreq = 0;
    run(m, s, "xl restart xenstore\n");
    CHECK(
        seen("restarted xenstore as domain 1") &&
            seen("domain-builder: xenstore (domain 1) up: 1 domain kept in its state, 0 introduced again") &&
            xs_seen("2 /local/domain/2/domid") && !xs_seen("8 2") && !xs_seen("11 /local/domain/2/name"),
        "xl restart xenstore: rebuilt with its id from its kept state");
    run(m, s, "xl destroy xenstore\n");
    CHECK_STR(
        out[nout - 1],
        "destroyed domain 1 (xenstore); rebuilt with its id and its kept store for 1 running domain (destroy "
        "those first to remove it)",
        "xl destroy xenstore: rebuilt with its id");
    CHECK(fake_of(m->b)->dom[1].exists && fake_of(m->b)->dom[1].ran && m->xenstore_domid == 1,
          "running again");
    /* without state pages of ours (our grant table was full), the store is
     * not stopped by hand while web's nodes are in it */
    m->xs_state = 0;
    run(m, s, "xl restart xenstore\n");
    CHECK_STR(
        out[0],
        "xl: cannot restart xenstore (domain 1): it holds the xenstore nodes of 1 running domain, "
        "and a new store would start empty, stranding their devices (a crash of its program is survived "
        "in place)",
        "xl restart xenstore refused");
    run(m, s, "xl destroy xenstore\n");
    CHECK(nout == 1 && !strncmp(out[0], "xl: cannot destroy xenstore (domain 1): it holds", 48) &&
              fake_of(m->b)->dom[1].exists,
          "xl destroy xenstore refused");
    run(m, s, "xl pause 1\n");
    CHECK(nout == 1 &&
              strstr(out[0], "xl: cannot pause xenstore (domain 1): it holds the xenstore nodes of 1 running "
                             "domain, and a paused store stalls them and the builder") &&
              !fake_of(m->b)->dom[1].paused,
          "xl pause xenstore refused");
    m->xs_state = 1;
    run(m, s, "xl pause 1\n");
    CHECK(nout == 1 && strstr(out[0], "xl: cannot pause xenstore (domain 1)") &&
              !fake_of(m->b)->dom[1].paused,
          "xl pause xenstore refused with its state kept too");
    /* ... but restarted once it stops answering */
    nxsreq = 0;
    m->xs_broken = 1;
    xs_absent = "/domid"; /* a store that came back empty */
    run(m, s, "xl restart xenstore\n");
    xs_absent = NULL;
    CHECK(seen("restarted xenstore as domain 1"),
          "xl restart of a store that stopped answering keeps the id");
    CHECK(xs_seen("8 2") &&
              seen("domain-builder: xenstore (domain 1) up: 0 domains kept in its state, 1 introduced again"),
          "web introduced again to a restarted xenstore without its nodes");
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
    events(m); /* lifecycle shut xenstore down: start it again */
    run(m, s, "xl create xs.cfg\n");
    run(m, s, "xl create disk.cfg\n");
    CHECK(seen("domain-builder: disk: disk xvda: backend domain 'blkback' is not running"),
          "a disk whose backend domain is not running: logged");
    run(m, s, "xl destroy disk\n");
    run(m, s, "xl create bb.cfg\n");
    nxsreq = 0;
    run(m, s, "xl create disk.cfg\n");
    struct mgr_dom *be = mgr_find(m, "blkback"), *fe = mgr_find(m, "disk");
    CHECK(be && fe && seen("domain-builder: disk: disk xvda (vbd 'data', rw) on blkback"),
          "disk xvda on blkback logged");
    if (!be || !fe) return;
    char p[5][96];
    snprintf(p[0], 96, "12 /local/domain/%u/backend/vbd/%u/51712", be->domid, fe->domid);
    snprintf(p[1], 96, "14 /local/domain/%u/backend/vbd/%u/51712", be->domid, fe->domid);
    snprintf(p[2], 96, "11 /local/domain/%u/backend/vbd/%u/51712/params", be->domid, fe->domid);
    snprintf(p[3], 96, "11 /local/domain/%u/device/vbd/51712/backend-id", fe->domid);
    snprintf(p[4], 96, "11 /local/domain/%u/backend/vbd/%u/51712/frontend-id", be->domid, fe->domid);
    CHECK(xs_seen(p[0]) && xs_seen(p[1]) && xs_seen(p[2]) && xs_seen(p[3]) && xs_seen(p[4]),
          "backend and frontend vbd nodes written, with permissions (%d requests)", nxsreq);
    /* blkback (no capabilities, but disk's backend) crashes under its
     * frontend: rebuilt with its id; its nodes are taken over, not removed,
     * and the old incarnation is released before the new one is introduced */
    uint32_t id = be->domid;
    nxsreq = 0;
    nout = 0;
    fake_shutdown(m->b, id, SHUTDOWN_crash);
    events(m);
    snprintf(p[0], 96, "restarted blkback as domain %u", id);
    CHECK(seen(p[0]), "a disk's backend domain comes back with its id");
    snprintf(p[0], 96, "14 /local/domain/%u", id);
    snprintf(p[1], 96, "13 /local/domain/%u", id);
    snprintf(p[2], 96, "9 %u", id);
    snprintf(p[3], 96, "8 %u", id);
    int rel = -1, intro = -1;
    for (int i = 0; i < nxsreq; i++) {
        rel = rel < 0 && !strcmp(xsreq[i], p[2]) ? i : rel;
        intro = intro < 0 && !strcmp(xsreq[i], p[3]) ? i : intro;
    }
    CHECK(xs_seen(p[0]) && !xs_seen(p[1]), "its nodes taken over (set_perms), not removed");
    CHECK(rel >= 0 && intro > rel, "released (%d), then introduced again (%d)", rel, intro);
    CHECK(seen("blkback: 1 xenstore node kept for its next incarnation"), "the take-over logged");
    /* xl destroy of it while disk uses it: it dies and comes back with its
     * id and nodes, as from a crash (issue 16) */
    char msg[200];
    nxsreq = 0;
    run(m, s, "xl destroy blkback\n");
    snprintf(msg, sizeof(msg),
             "destroyed domain %u (blkback); rebuilt with its id for the devices of 1 running domain "
             "(destroy those first to remove it)",
             id);
    CHECK(seen(msg), "xl destroy of a backend in use rebuilds it");
    be = mgr_find(m, "blkback");
    CHECK(be && be->domid == id, "same id after xl destroy");
    snprintf(p[0], 96, "14 /local/domain/%u", id);
    snprintf(p[1], 96, "13 /local/domain/%u", id);
    CHECK(xs_seen(p[0]) && !xs_seen(p[1]), "its nodes taken over, not removed");
    snprintf(p[0], 96, "13 /local/domain/%u/backend/vbd/%u/51712", id, fe->domid);
    run(m, s, "xl destroy disk\n");
    CHECK(xs_seen(p[0]), "destroying the guest removes its backend directory");
    run(m, s, "xl destroy blkback\n");
    snprintf(msg, sizeof(msg), "destroyed domain %u (blkback)", id);
    CHECK(seen(msg) && !seen("rebuilt"), "xl destroy of a backend nobody uses destroys it");
    CHECK(!mgr_find(m, "blkback"), "gone");
}

/* ---- sessions: echo, prompt, a client going away, Ctrl-] ---- */

static char rawbuf[4096];
static size_t nraw;

static void take_raw(void *ctx, const char *d, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n && nraw < sizeof(rawbuf) - 1; i++)
        rawbuf[nraw++] = d[i];
    rawbuf[nraw] = 0;
}

static struct xencons_interface *in_ring(struct mgr *m, uint32_t domid)
{
    struct fake_dom *d = &fake_of(m->b)->dom[domid];
    const grant_entry_v1_t *g = (const void *)fake_frame(m->b, d->grant_mfn);
    return (void *)fake_frame(m->b, g[0].frame);
}

static void tsend(struct mgr *m, struct xl_session *t, const char *bytes)
{
    nout = 0;
    nraw = 0;
    rawbuf[0] = 0;
    xl_input(m, t, bytes, strlen(bytes));
}

static void session_faults(struct mgr *m)
{
    static struct xl_session t;
    t.out = (struct db_out){ take, take_raw, NULL };
    t.style = XL_TERMINAL;
    struct xencons_interface *r = in_ring(m, 2);
    tsend(m, &t, "xl list\r\n");
    CHECK(!strcmp(rawbuf, "xl list\n" XL_PROMPT),
          "terminal: the line echoed, then the prompt "
          "on its own line (raw '%s')",
          rawbuf);
    CHECK(nout == 4 && !strncmp(out[0], "Name", 4), "terminal: list answered");
    tsend(m, &t, "lisx\x7ft\n");
    CHECK(nout == 4 && strstr(rawbuf, "lisx\b \bt\n"), "backspace erases (raw '%s')", rawbuf);
    /* the client goes away while attached: the next one's command must not
     * reach the guest */
    tsend(m, &t, "xl console web\n");
    CHECK(t.attached == 2, "attached");
    uint32_t prod = r->in_prod;
    tsend(m, &t, "uname\n");
    CHECK(r->in_prod == prod + 6, "attached: typing reaches the guest");
    xl_reset(m, &t);
    CHECK(t.attached == 0 && !mgr_find(m, "web")->attached && seen("[detached]"),
          "client gone: console detached");
    prod = r->in_prod;
    tsend(m, &t, "xl destroy nosuch\n");
    CHECK(r->in_prod == prod && seen("xl: no domain 'nosuch'"),
          "the next client's command runs in the shell, not in the guest");
    /* a client arriving says so with Ctrl-] (QEMU's UART shows no hang-up) */
    tsend(m, &t, "xl console web\n");
    prod = r->in_prod;
    tsend(m, &t, "\x1d# xl session 7\n");
    CHECK(r->in_prod == prod && t.attached == 0 && seen("[detached]") &&
              strstr(rawbuf, "# xl session 7\n" XL_PROMPT),
          "Ctrl-] from a new client detaches; "
          "its marker line is echoed and prompted (raw '%s')",
          rawbuf);
    /* a partial line of a client that left is not prepended to the next command */
    tsend(m, &t, "inf");
    xl_reset(m, &t);
    tsend(m, &t, "list\n");
    CHECK(nout == 4 && !strncmp(out[0], "Name", 4), "partial line dropped when the client left");
    tsend(m, &t, "inf\x1dlist\n");
    CHECK(nout == 4 && !strncmp(out[0], "Name", 4), "partial line dropped by Ctrl-]");
    /* the builder's own console: one echo line with the prompt */
    static struct xl_session l;
    l.out = (struct db_out){ take, NULL, NULL };
    l.style = XL_LOG;
    tsend(m, &l, "xl list\n");
    CHECK(nout == 5 && !strcmp(out[0], "xl> xl list") && !strncmp(out[1], "Name", 4),
          "log style: the line echoed after the prompt, answer below");
}

/* ---- errors in words ---- */

static void error_words(struct mgr *m, struct xl_session *s)
{
    uint64_t t0, f0, t1, f1;
    uint32_t c;
    run(m, s, "xl destroy 0\n");
    CHECK_STR(out[0],
              "xl: domain 0 is the domain builder itself (the control domain that runs "
              "these commands): it cannot destroy itself",
              "destroy 0");
    m->b->ops->physinfo(m->b, &t0, &f0, &c);
    run(m, s, "xl create big.cfg\n");
    char want[128];
    snprintf(want, sizeof(want), "xl: out of memory: big needs 100 MiB, %llu MiB free",
             (unsigned long long)(f0 >> 8));
    CHECK_STR(out[0], want, "create too large");
    /* xenstore refuses the new domain's nodes: the create fails and undoes */
    xs_fail = "/local/domain/3";
    run(m, s, "xl create web2.cfg\n");
    xs_fail = NULL;
    CHECK(seen("xl: xenstore: writing /local/domain/3 and introducing domain 3 failed: "
               "Permission denied"),
          "create with failed xenstore setup fails");
    m->b->ops->physinfo(m->b, &t1, &f1, &c);
    CHECK(!fake_of(m->b)->dom[3].exists && !mgr_find(m, "web2") && f1 == f0 && fake_of(m->b)->live_maps == 0,
          "and leaves nothing behind");
    run(m, s, "xl list\n");
    CHECK(nout == 4, "xl list: still 3 domains");
    /* cpu_weight / cap reach the scheduler before the guest runs; warnings shown */
    run(m, s, "xl create w.cfg\n");
    CHECK(seen("w.cfg:6: warning: 'acpi' has no meaning for a PV guest: ignored") &&
              seen("created domain 3 (wgt)") && fake_of(m->b)->dom[3].weight == 300 &&
              fake_of(m->b)->dom[3].cap == 20,
          "cpu_weight and cap applied, warning shown");
    run(m, s, "xl destroy wgt\n");
    run(m, s, "xl create w.cfg cap=900\n");
    CHECK(seen("xl: wgt: cpu_weight 300 / cap 900 refused by the hypervisor: Invalid argument") &&
              !fake_of(m->b)->dom[3].exists && !mgr_find(m, "wgt"),
          "a refused cap fails the create");
    run(m, s, "xl info\n");
    CHECK(seen("nr_domains             : 3"), "xl info counts what xl list shows");
    run(m, s, "xl mem-set web 100\n");
    CHECK_STR(out[0], "xl: web: 100 MiB is above its maxmem (4 MiB)", "mem-set above maxmem");
    run(m, s, "xl mem-set web 12x\n");
    CHECK_STR(out[0],
              "xl: invalid memory size '12x' (a number of MiB, or with a suffix b, k, "
              "m, g, t)",
              "mem-set bad size");
    nxsreq = 0;
    run(m, s, "xl mem-set web 2048k\n");
    CHECK(xs_seen("11 /local/domain/2/memory/target") && seen("memory target of web (domain 2) set to 2 MiB"),
          "mem-set writes memory/target");
    run(m, s, "xl sched-credit -d web -w 512 -c 50\n");
    CHECK(nout == 0, "sched-credit set: silent");
    run(m, s, "xl sched-credit -d web\n");
    CHECK(nout == 2 && !strcmp(out[0], "Name                                ID Weight  Cap") &&
              !strcmp(out[1], "web                                  2    512   50"),
          "sched-credit shows the new values ('%s')", out[1]);
    run(m, s, "xl sched-credit -d web -w 0\n");
    CHECK_STR(out[0], "xl: invalid weight '0' (1 to 65535)", "weight 0 refused");
    run(m, s, "xl sched-credit -d web -c 300\n");
    CHECK_STR(out[0],
              "xl: the hypervisor refused weight (unchanged) cap 300 for web: "
              "Invalid argument",
              "cap above the CPUs refused");
    run(m, s, "xl sched-credit\n");
    CHECK(nout == 4, "sched-credit lists every domain");
    run(m, s, "xl list -l web\n");
    CHECK(!strcmp(out[0], "[") && seen("\"name\": \"web\"") && seen("\"max_memkb\": 4096,") &&
              seen("\"cmdline\": \"console=hvc0\"") && !strcmp(out[nout - 1], "]"),
          "list -l: JSON");
    run(m, s, "xl list nosuch\n");
    CHECK(nout == 1 && !strcmp(out[0], "xl: no domain 'nosuch'"), "list of an unknown domain");
}

/* ---- files from the host ---- */

static void put_file(struct mgr *m, struct xl_session *s, const char *name, const uint8_t *d, size_t n,
                     uint32_t crc)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char line[600];
    snprintf(line, sizeof(line), "xl put %s %zu %08x\n", name, n, crc);
    run(m, s, line);
    if (!seen("send ")) return;
    for (size_t i = 0; i < n; i += 300) {
        size_t k = 0, end = i + 300 < n ? i + 300 : n;
        for (size_t j = i; j < end; j += 3) {
            uint32_t v =
                (uint32_t)d[j] << 16 | (j + 1 < end ? d[j + 1] << 8 : 0) | (j + 2 < end ? d[j + 2] : 0);
            line[k++] = a[v >> 18];
            line[k++] = a[(v >> 12) & 63];
            line[k++] = j + 1 < end ? a[(v >> 6) & 63] : '=';
            line[k++] = j + 2 < end ? a[v & 63] : '=';
        }
        line[k++] = '\n';
        xl_input(m, s, line, k);
    }
    xl_input(m, s, ".\n", 2);
}

static void host_files(struct mgr *m, struct xl_session *s)
{
    static const char cfg[] = "name='hosted'\nkernel='host-only.elf'\nmemory=4\n"
                              "on_reboot='restart'\n";
    uint32_t kcrc = dc_crc32(0, kernel, kernel_len), ccrc = dc_crc32(0, (const uint8_t *)cfg, strlen(cfg));
    nout = 0;
    put_file(m, s, "host-only.elf", kernel, kernel_len, kcrc);
    char want[128];
    snprintf(want, sizeof(want), "stored host-only.elf (%zu bytes)", kernel_len);
    CHECK(seen(want), "kernel sent from the host stored");
    nout = 0;
    put_file(m, s, "host-only.elf", kernel, kernel_len, kcrc);
    CHECK(nout == 1 && !strncmp(out[0], "have host-only.elf", 18), "the same file is not sent again");
    nout = 0;
    put_file(m, s, "/h/hosted.cfg", (const uint8_t *)cfg, strlen(cfg), ccrc);
    run(m, s, "xl create host:/h/hosted.cfg\n");
    CHECK(seen("created domain 3 (hosted)"), "created from files on the host ('%s')", out[0]);
    /* the newest file of a name is used; a bad one is named in the error */
    nout = 0;
    /* the same name with other contents: the running domain keeps its bytes */
    static const uint8_t junk[] = "not a kernel";
    nout = 0;
    put_file(m, s, "host-only.elf", junk, sizeof(junk), dc_crc32(0, junk, sizeof(junk)));
    CHECK(seen("stored host-only.elf (13 bytes)"), "a newer file of that name");
    nout = 0;
    fake_shutdown(m->b, 3, SHUTDOWN_reboot);
    events(m);
    CHECK(seen("restarted hosted as domain"), "reboot rebuilds from the recorded host files");
    run(m, s, "xl destroy hosted\n");
    CHECK(seen("destroyed domain 3 (hosted)"), "destroy confirms");
    run(m, s, "xl create host:/h/hosted.cfg\n");
    CHECK_STR(out[0],
              "xl: host-only.elf: kernel image: neither ELF nor a known compressed "
              "format",
              "an image error names the file");
    /* a file the builder holds itself is not sent */
    char line[128];
    snprintf(line, sizeof(line), "xl put k.elf %zu %08x\n", kernel_len, kcrc);
    run(m, s, line);
    snprintf(want, sizeof(want), "have k.elf (%zu bytes: the builder's own copy)", kernel_len);
    CHECK_STR(out[0], want, "the builder's own copy is used");
    /* a gzip'd upload is unpacked and checked */
    /* base64 of gzip -9 of "hello hello hello hello hello hello\n" (36 bytes) */
    run(m, s, "xl put hello.txt 36 c75da0f3 30\n");
    CHECK(seen("send hello.txt (30 bytes of gzip as base64 lines, then a line '.')"), "gzip put");
    xl_input(m, s, "H4sIAAAAAAACA8tIzcnJV8jAR3IBAPOgXcckAAAA\n.\n", 43);
    const struct hostfile *hf = hostfiles_find(&m->host, "hello.txt", 1, 36, 0xc75da0f3);
    CHECK(seen("stored hello.txt (36 bytes)") && hf && !memcmp(hf->data, "hello hello", 11),
          "gzip upload unpacked and stored");
    run(m, s, "xl put bye.txt 35 c75da0f3 30\n");
    xl_input(m, s, "H4sIAAAAAAACA8tIzcnJV8jAR3IBAPOgXcckAAAA\n.\n", 43);
    CHECK(seen("xl: put bye.txt: the gzip stream "), "gzip of another size refused: %s", out[nout - 1]);
    /* refusals */
    nout = 0;
    put_file(m, s, "x", junk, sizeof(junk), 0x12345678);
    CHECK(seen("xl: put x: CRC-32 "), "damaged upload refused");
    nout = 0;
    run(m, s, "xl put y 6 00000000\n");
    xl_input(m, s, "@@@@\n.\n", 7);
    CHECK(seen("xl: put y: data line 1 is not base64 or goes past 6 bytes"), "bad base64 refused");
    nout = 0;
    run(m, s, "xl put z 6 00000000\n");
    xl_input(m, s, "AAAA\n\x1dxl list\n", 14);
    CHECK(seen("xl: upload of z abandoned after 3 of 6 bytes") && seen("Name"),
          "Ctrl-] abandons an upload; the next line is a command again");
    run(m, s, "xl put w 99999999999 00000000\n");
    CHECK(seen("xl: put: size '99999999999' is not a number of bytes up to 100663296"),
          "oversized upload refused ('%s')", out[0]);
    static const char cfg2[] = "name='h2'\nkernel='never-sent.elf'\n";
    put_file(m, s, "h2.cfg", (const uint8_t *)cfg2, strlen(cfg2),
             dc_crc32(0, (const uint8_t *)cfg2, strlen(cfg2)));
    run(m, s, "xl create host:h2.cfg\n");
    CHECK_STR(out[0],
              "xl: never-sent.elf: not sent from the host (scripts/xl create sends the "
              "files a config names)",
              "a kernel not sent");
    run(m, s, "xl create -n host:/h/hosted.cfg\n");
    CHECK_STR(out[0], "/h/hosted.cfg: config checked (dry run, nothing created)", "dry run");
    nout = 0;
    put_file(m, s, "host-only.elf", kernel, kernel_len, kcrc);
    CHECK(nout == 1 && !strncmp(out[0], "have host-only.elf", 18), "held still: not sent again");
    run(m, s, "xl create -p host:/h/hosted.cfg\n");
    CHECK(seen("created domain 3 (hosted), paused") && fake_of(m->b)->dom[3].paused,
          "create -p leaves it paused ('%s')", out[0]);
    run(m, s, "xl destroy 3\n");
}

static uint32_t pinned;
static int pinned_use(void *ctx, uint32_t serial)
{
    (void)ctx;
    return serial == pinned;
}

/* The store's room: entries in use stay, the others go oldest first. */
static void hostfiles_rules(void)
{
    static struct hostfiles h;
    char err[256];
    h.in_use = pinned_use;
    size_t big = HOSTFILES_BYTES / 3;
    uint32_t a = 0, b = 0, c = 0;
    if (!hostfiles_reserve(&h, big, err, sizeof(err))) a = hostfiles_add(&h, "a", calloc(1, big), big, 1);
    if (!hostfiles_reserve(&h, big, err, sizeof(err))) b = hostfiles_add(&h, "b", calloc(1, big), big, 2);
    if (!hostfiles_reserve(&h, big, err, sizeof(err))) c = hostfiles_add(&h, "c", calloc(1, big), big, 3);
    CHECK(a && b && c && h.total == 3 * big, "three thirds fit");
    pinned = a;
    CHECK(hostfiles_reserve(&h, big, err, sizeof(err)) == 0 && hostfiles_get(&h, a) &&
              !hostfiles_get(&h, b) && hostfiles_get(&h, c),
          "the oldest unused one goes");
    hostfiles_add(&h, "d", calloc(1, big), big, 4);
    CHECK(hostfiles_reserve(&h, HOSTFILES_BYTES - big + 1, err, sizeof(err)) == -1 && hostfiles_get(&h, c),
          "no room while a domain uses one: nothing evicted (%s)", err);
    CHECK(hostfiles_find(&h, "d", 1, big, 4) && !hostfiles_find(&h, "d", 1, big, 5),
          "found by name, size and CRC");
    hostfiles_free(&h);
    CHECK(h.total == 0, "freed");
}

/* ---- xl dmesg and vcpu-list ---- */

static void host_verbs(struct mgr *m, struct xl_session *s)
{
    fake_log(m->b, "tessera: booted\nsecond\x01line\n");
    run(m, s, "xl dmesg\n");
    CHECK(nout == 2 && !strcmp(out[0], "tessera: booted") && !strcmp(out[1], "second?line"),
          "dmesg: the ring's lines, unprintable bytes as '?' (%d)", nout);
    run(m, s, "xl dmesg -c\n");
    CHECK(nout == 2, "dmesg -c: the same lines");
    run(m, s, "xl dmesg\n");
    CHECK(nout == 0, "dmesg after -c: nothing (%d)", nout);
    fake_log(m->b, "later, no newline");
    run(m, s, "xl dmesg\n");
    CHECK(nout == 1 && !strcmp(out[0], "later, no newline"), "dmesg: a last partial line");

    run(m, s, "xl vcpu-list web\n");
    CHECK(nout == 2, "vcpu-list web: header and one vCPU (%d)", nout);
    CHECK_STR(out[0],
              "Name                                ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)",
              "vcpu-list: xl's header");
    CHECK_STR(out[1], "web                                  2     0    0   r--       0.0  all / all",
              "vcpu-list: xl's row (CPU right after VCPU)");
    struct fake_dom *w = &fake_of(m->b)->dom[2];
    w->pin_mask = 1, w->pin_cpu = 1, w->paused = 1;
    run(m, s, "xl vcpu-list 2\n");
    CHECK_STR(out[1], "web                                  2     0    0   ---       0.0  1 / all",
              "vcpu-list: pinned hard affinity, not running");
    w->pin_mask = 0, w->paused = 0, w->ran = 0;
    run(m, s, "xl vcpu-list web\n");
    CHECK_STR(out[1], "web                                  2     0    -   --p       0.0  all / all",
              "vcpu-list: an offline vCPU");
    w->ran = 1;
    run(m, s, "xl vcpu-list\n");
    CHECK(nout >= 4 && !strncmp(out[1], "domain-builder", 14) && seen("xenstore "),
          "vcpu-list: every domain");
    run(m, s, "xl vcpu-list web nosuch\n");
    CHECK(nout == 1, "vcpu-list of an unknown domain: no table");
    CHECK_STR(out[0], "xl: no domain 'nosuch'", "vcpu-list of an unknown domain");
}

/* ---- block-attach/-detach/-list, network-attach/-detach/-list ---- */

static int xs_index(const char *r)
{
    for (int i = 0; i < nxsreq; i++)
        if (!strcmp(xsreq[i], r)) return i;
    return -1;
}

static void hotplug(struct mgr *m, struct xl_session *s)
{
    char p[4][112];
    mgr_dev_close_ms = 40;
    run(m, s, "xl create bb.cfg\n");
    struct mgr_dom *be = mgr_find(m, "blkback");
    CHECK(be != NULL, "blkback for the device tests");
    if (!be) return;
    uint32_t b = be->domid;
    nxsreq = 0;
    run(m, s, "xl block-attach web 'vdev=xvdb, access=ro, target=data'\n");
    CHECK(nout == 1, "block-attach: one line");
    CHECK_STR(out[0], "attached disk xvdb (vbd 'data', ro) of blkback to domain 2 (web)", "block-attach");
    snprintf(p[0], 112, "11 /local/domain/%u/backend/vbd/2/51728/params", b);
    snprintf(p[1], 112, "11 /local/domain/2/device/vbd/51728/state");
    snprintf(p[2], 112, "11 /local/domain/%u/backend/vbd/2/51728/frontend-id", b);
    int i0 = xs_index(p[0]), i1 = xs_index(p[1]), i2 = xs_index(p[2]);
    CHECK(i0 >= 0 && i1 > i0 && i2 == nxsreq - 1,
          "a running guest: the backend's nodes, then the "
          "frontend's, the backend's frontend-id last (%d %d %d of %d)",
          i0, i1, i2, nxsreq);
    run(m, s, "xl block-attach web 'vdev=xvdb, target=other'\n");
    CHECK_STR(out[0], "xl: domain 2 (web) has a disk xvdb already", "block-attach: the vdev in use");
    run(m, s, "xl block-attach web 'vdev=xvdc, access=x, target=d'\n");
    CHECK_STR(out[0], "xl: disk: bad access 'x'", "block-attach: a bad spec, in the config's words");
    run(m, s, "xl block-attach web target=d\n");
    CHECK_STR(out[0], "xl: disk: no virtual device (vdev) in 'target=d'", "block-attach: no vdev");
    run(m, s, "xl block-attach web 'vdev=xvdc, target=d, backend=nobe'\n");
    CHECK_STR(out[0], "xl: backend domain 'nobe' is not running", "block-attach: no such backend");
    run(m, s, "xl block-attach nosuch xvdc\n");
    CHECK_STR(out[0], "xl: no domain 'nosuch'", "block-attach: unknown domain");
    run(m, s, "xl block-attach 0 'vdev=xvdc, target=d'\n");
    CHECK(!strncmp(out[0], "xl: domain 0 is the domain builder itself", 41), "block-attach: the builder");
    CHECK(mgr_find(m, "web")->cfg.ndisk == 1, "refusals attached nothing");

    xs_read_val = "4";
    run(m, s, "xl block-list web\n");
    CHECK(nout == 2, "block-list: header and one disk (%d)", nout);
    CHECK_STR(out[0], "Vdev  BE  handle state evt-ch ring-ref BE-path                       ",
              "block-list: xl's header");
    snprintf(p[3], 112, "51728 %-3u 2      4     4      4        /local/domain/%u/backend/vbd/2/51728", b, b);
    CHECK_STR(out[1], p[3], "block-list: xl's row");
    run(m, s, "xl block-list web nosuch\n");
    CHECK_STR(out[0], "xl: no domain 'nosuch'", "block-list: unknown domain");

    run(m, s, "xl block-detach web xvdz\n");
    CHECK_STR(out[0], "xl: domain 2 (web) has no disk 'xvdz'", "block-detach: no such disk");
    xs_read_val = "5"; /* the guest never lets go */
    run(m, s, "xl block-detach web xvdb\n");
    CHECK_STR(out[0],
              "xl: disk xvdb: the guest did not close it in 0.04 s (is it in use?); it stays, "
              "closing (block-detach -f removes it anyway)",
              "block-detach: the guest holds on");
    CHECK(mgr_find(m, "web")->cfg.ndisk == 1, "block-detach: still there");
    xs_read_val = "6";
    nxsreq = 0;
    run(m, s, "xl block-detach web 51728\n");
    CHECK_STR(out[0], "detached disk xvdb from domain 2 (web)", "block-detach by device number");
    snprintf(p[0], 112, "11 /local/domain/%u/backend/vbd/2/51728/online", b);
    snprintf(p[1], 112, "11 /local/domain/%u/backend/vbd/2/51728/state", b);
    snprintf(p[2], 112, "13 /local/domain/%u/backend/vbd/2/51728", b);
    i0 = xs_index(p[0]), i1 = xs_index(p[1]), i2 = xs_index(p[2]);
    int ifr = xs_index("13 /local/domain/2/device/vbd/51728");
    CHECK(i0 >= 0 && i1 > i0 && ifr > i1 && i2 > ifr,
          "online 0, state Closing, then the frontend's "
          "directory and the backend's go (%d %d %d %d)",
          i0, i1, ifr, i2);
    CHECK(mgr_find(m, "web")->cfg.ndisk == 0, "block-detach: gone from the config");
    run(m, s, "xl block-attach web data xvdb\n");
    nxsreq = 0;
    run(m, s, "xl block-detach -f web xvdb\n");
    CHECK(!strcmp(out[0], "detached disk xvdb from domain 2 (web)") && xs_index(p[0]) < 0 &&
              xs_index(p[2]) >= 0,
          "block-detach -f: removed without asking the guest");

    run(m, s, "xl create nb.cfg\n");
    struct mgr_dom *nb = mgr_find(m, "netback");
    CHECK(nb != NULL, "a netback for the vif tests");
    if (!nb) return;
    run(m, s, "xl network-attach web ip=10.0.0.2 mac=00:16:3E:aa:bb:cc\n");
    CHECK_STR(out[0], "attached vif 0 (00:16:3e:aa:bb:cc, 10.0.0.2) of netback to domain 2 (web)",
              "network-attach");
    run(m, s, "xl network-attach web\n");
    CHECK_STR(out[0], "attached vif 1 (00:16:3e:00:02:01) of netback to domain 2 (web)",
              "network-attach: defaults");
    run(m, s, "xl network-attach web mac=01:00:00:00:00:00\n");
    CHECK_STR(out[0], "xl: vif: mac '01:00:00:00:00:00' is a multicast address",
              "network-attach: multicast MAC");
    run(m, s, "xl network-attach web colour=blue\n");
    CHECK_STR(out[0], "xl: vif: unknown key 'colour'", "network-attach: unknown key");
    run(m, s, "xl network-attach web rate=fast\n");
    CHECK_STR(out[0], "xl: vif 'rate=fast': bad rate (RATE/s[@INTERVAL])", "network-attach: bad rate");
    xs_read_val = "4";
    run(m, s, "xl network-list web\n");
    CHECK(nout == 3, "network-list: header and two vifs (%d)", nout);
    CHECK_STR(out[0],
              "Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path                       ",
              "network-list: xl's header");
    snprintf(
        p[3], 112,
        "0   %-2u 00:16:3e:aa:bb:cc     0     4      4     4/4           /local/domain/%u/backend/vif/2/0",
        nb->domid, nb->domid);
    CHECK_STR(out[1], p[3], "network-list: xl's row");
    xs_read_val = "6";
    run(m, s, "xl network-detach web 00:16:3E:AA:BB:CC\n");
    CHECK_STR(out[0], "detached vif 0 (00:16:3e:aa:bb:cc) from domain 2 (web)", "network-detach by MAC");
    run(m, s, "xl network-detach web 7\n");
    CHECK_STR(out[0], "xl: domain 2 (web) has no network device '7'", "network-detach: no such vif");
    run(m, s, "xl network-attach web\n");
    CHECK_STR(out[0], "attached vif 2 (00:16:3e:00:02:02) of netback to domain 2 (web)",
              "network-attach: one past the highest devid, as libxl");
    run(m, s, "xl network-detach web 1\n");
    run(m, s, "xl network-detach web 2\n");
    CHECK(mgr_find(m, "web")->cfg.nvif == 0, "network-detach: all gone (%d)", mgr_find(m, "web")->cfg.nvif);
    xs_read_val = NULL;
}

/* xl save of web (domain 2, which listens on control/shutdown): an image
 * too large for the store refused before the guest is asked; the suspend
 * request taken away again when the save fails and the guest lives on. */
/* ---- vbd-create/-grow/-delete/-list: requests to blkback's control node ---- */
static void vbd_ctl(struct mgr *m, struct xl_session *s)
{
    struct mgr_dom *be = mgr_find(m, "blkback");
    CHECK(be != NULL, "blkback for the vbd-* tests");
    if (!be) return;
    char p[112];
    xs_read_val = NULL;
    xl_vbd_wait_ms = 50;
    vbd_ans[0] = "0 1", vbd_ans[1] = "ok scratch 128 MiB, 1 extent, detached";
    nxsreq = 0;
    run(m, s, "xl vbd-create scratch 128M\n");
    snprintf(p, sizeof(p), "11 /local/domain/%u/control/vbd-request", be->domid);
    CHECK(nout == 1 && xs_index(p) >= 0 && vbd_seq == 1 && !strcmp(vbd_req, "1 create scratch 128M"),
          "vbd-create: the request '1 create scratch 128M' to blkback's control node ('%s')", vbd_req);
    CHECK_STR(out[0], "scratch 128 MiB, 1 extent, detached", "vbd-create: blkback's answer");
    vbd_ans[0] = "0 3", vbd_ans[1] = "ok 2 vbds", vbd_ans[2] = "data 256 MiB, 1 extent, rw d4",
    vbd_ans[3] = "scratch 128 MiB, 1 extent, detached";
    run(m, s, "xl vbd-list\n");
    CHECK(nout == 3 && !strcmp(vbd_req, "2 list") && !strcmp(out[0], "2 vbds") &&
              !strcmp(out[1], "data 256 MiB, 1 extent, rw d4") &&
              !strcmp(out[2], "scratch 128 MiB, 1 extent, detached"),
          "vbd-list: every line of the answer (%d)", nout);
    vbd_ans[0] = "-16 1", vbd_ans[1] = "error: vbd 'data' is attached", vbd_ans[2] = NULL;
    run(m, s, "xl vbd-delete data\n");
    CHECK(nout == 1 && !strcmp(vbd_req, "3 delete data"), "vbd-delete: the request");
    CHECK_STR(out[0], "xl: blkback: vbd 'data' is attached", "vbd-delete: blkback's refusal as an xl error");
    vbd_ans[0] = "-28 1", vbd_ans[1] = "error: not enough free space on the disk for 2048 MiB";
    run(m, s, "xl vbd-grow -b blkback data 2G\n");
    CHECK(!strcmp(vbd_req, "4 grow data 2G"), "vbd-grow -b blkback: the request");
    CHECK_STR(out[0], "xl: blkback: not enough free space on the disk for 2048 MiB", "vbd-grow: no room");
    /* refused before any request */
    nxsreq = 0;
    run(m, s, "xl vbd-create 'a b' 1M\n");
    CHECK_STR(out[0], "xl: 'a b' is not one word (VBD names and sizes have no blanks)",
              "a name with a blank");
    run(m, s, "xl vbd-create a '1 M'\n");
    CHECK_STR(out[0], "xl: '1 M' is not one word (VBD names and sizes have no blanks)",
              "a size with a blank");
    run(m, s, "xl vbd-list -b nobe\n");
    CHECK_STR(out[0], "xl: backend domain 'nobe' is not running (or xenstore is not)",
              "vbd-list: no such backend");
    CHECK(xs_index(p) < 0, "refusals wrote no request");
    /* a backend that does not answer, or answers badly */
    vbd_ans[0] = NULL;
    run(m, s, "xl vbd-list\n");
    CHECK_STR(out[0], "xl: blkback did not answer 'list' in 0.05 s", "no answer: a timeout");
    vbd_ans[0] = "0 9999";
    run(m, s, "xl vbd-list\n");
    CHECK_STR(out[0], "xl: blkback answered 'list' with a malformed result",
              "an answer of 9999 lines: refused");
    vbd_ans[0] = "0 3", vbd_ans[1] = "ok 2 vbds", vbd_ans[2] = "a\x1b[2Jb", vbd_ans[3] = NULL;
    xs_absent = "vbd-result/2";
    run(m, s, "xl vbd-list\n");
    CHECK(nout == 3 && !strcmp(out[1], "a?[2Jb") && !strcmp(out[2], "xl: blkback's answer lacks its line 2"),
          "control characters shown as '?', a missing line said (%d)", nout);
    xs_absent = NULL;
    memset(vbd_ans, 0, sizeof(vbd_ans));
}

static void saves(struct mgr *m, struct xl_session *s)
{
    struct fake_dom *fd = &fake_of(m->b)->dom[2];
    uint64_t pages = fd->tot_pages;
    fd->tot_pages = HOSTFILES_BYTES / 4096;
    nxsreq = 0;
    run(m, s, "xl save web w.sav\n");
    CHECK_STR(out[0],
              "xl: save of web refused: web has 96 MiB of memory: its image cannot fit the store of host "
              "files (96 MiB in all); not suspended",
              "save: an image larger than the store refused");
    CHECK(!xs_seen("11 /local/domain/2/control/shutdown"), "save: the guest was not asked to suspend");
    fd->tot_pages = pages;
    xl_save_wait_ms = 30;
    xs_shutdown_val = "suspend"; /* the guest never takes the request */
    nxsreq = 0;
    run(m, s, "xl save web w.sav\n");
    CHECK_STR(out[0], "xl: domain 2 did not suspend in 0.03 s", "save: the guest does not suspend");
    int w = xs_index("11 /local/domain/2/control/shutdown"),
        r = xs_index("13 /local/domain/2/control/shutdown");
    CHECK(w >= 0 && r > w, "save: the request written, then taken away (%d %d)", w, r);
    xs_shutdown_val = "poweroff"; /* a newer request stays */
    nxsreq = 0;
    run(m, s, "xl save -c web w.sav\n");
    CHECK(xs_index("11 /local/domain/2/control/shutdown") >= 0 &&
              xs_index("13 /local/domain/2/control/shutdown") < 0,
          "save: another request left alone");
    /* it suspended by itself but has no p2m to save: resumed, the acknowledged request gone */
    xs_shutdown_val = "";
    fake_shutdown(m->b, 2, SHUTDOWN_suspend);
    nxsreq = 0;
    run(m, s, "xl save -c web w.sav\n");
    CHECK(!strncmp(out[0], "xl: save of web failed: domain 2 has no usable p2m", 50) &&
              strstr(out[0], "; it runs on"),
          "save: no p2m: '%s'", out[0]);
    CHECK(!fd->shutdown && xs_index("13 /local/domain/2/control/shutdown") >= 0,
          "save: resumed, the node gone");
    CHECK(!hostfiles_find(&m->host, "w.sav", 0, 0, 0), "save: no image stored");
    xs_shutdown_val = NULL;
}

/* ---- the VFR's commands relayed to netback's console ---- */

static const char *vfr_answer; /* the fake netback's answer to its next command */
static char vfr_got[256];

static void netback_answers(struct backend *b, uint32_t domid, void *ctx)
{
    struct mgr *m = ctx;
    struct mgr_dom *nb = mgr_find(m, "netback");
    (void)b;
    if (!nb || nb->domid != domid) return;
    struct xencons_interface *r = in_ring(m, domid);
    size_t n = 0;
    for (; r->in_cons != r->in_prod && n < sizeof(vfr_got) - 1; r->in_cons++)
        vfr_got[n++] = r->in[MASK_XENCONS_IDX(r->in_cons, r->in)];
    if (n) vfr_got[n] = 0; /* (a notify after our output was read carries nothing) */
    for (const char *a = vfr_answer; a && *a; a++)
        r->out[MASK_XENCONS_IDX(r->out_prod++, r->out)] = *a;
    vfr_answer = NULL;
}

static void vfr(struct mgr *m, struct xl_session *s)
{
    fake_of(m->b)->on_notify = netback_answers;
    fake_of(m->b)->notify_ctx = m;
    xl_vfr_wait_ms = 50;
    vfr_answer = "netback: vif2.0: 1 spoofed frame dropped\nadded 0: proto=tcp dport=22 drop\n";
    run(m, s, "xl vfr-rule-add proto=tcp dport=22 drop\n");
    CHECK(!strcmp(vfr_got, "add proto=tcp dport=22 drop\n"), "vfr-rule-add: netback got 'add RULE' (%s)",
          vfr_got);
    CHECK(seen("added 0: proto=tcp dport=22 drop") && seen("netback: vif2.0: 1 spoofed frame dropped"),
          "vfr-rule-add: the answer to the session, netback's log line to the log");
    vfr_answer = "error: dport: '99999' is not a port or LOW-HIGH range (0-65535)\n";
    run(m, s, "xl vfr-rule-add -p 0 dport=99999 drop\n");
    CHECK(!strcmp(vfr_got, "add 0 dport=99999 drop\n"), "vfr-rule-add -p: the position");
    CHECK_STR(out[0], "xl: netback: dport: '99999' is not a port or LOW-HIGH range (0-65535)",
              "vfr-rule-add: netback's refusal as an error");
    vfr_answer = "0: proto=tcp dport=22 drop  [3 pkts 180 bytes]\ndefault accept\n";
    run(m, s, "xl vfr-rule-list\n");
    CHECK(nout == 2 && !strcmp(out[0], "0: proto=tcp dport=22 drop  [3 pkts 180 bytes]") &&
              !strcmp(out[1], "default accept"),
          "vfr-rule-list: the rules and the default");
    vfr_answer = "vif2.0 in 1 pkts 60 bytes\nnic in 0 pkts 0 bytes\n0: proto=tcp dport=22 drop  [3 pkts 180 "
                 "bytes]\ndefault accept\n";
    run(m, s, "xl vfr-counters\n");
    CHECK(!strcmp(vfr_got, "counters\nrules\n") && nout == 2 &&
              !strcmp(out[0], "vif2.0 in 1 pkts 60 bytes") && !strcmp(out[1], "nic in 0 pkts 0 bytes"),
          "vfr-counters: the answer before the rules fence (%d)", nout);
    vfr_answer = NULL;
    run(m, s, "xl vfr-rule-del 0\n");
    CHECK_STR(out[0], "xl: netback did not answer 'del 0' in 0.05 s", "vfr: no answer in time");
    run(m, s, "xl vfr-rule-del x\n");
    CHECK_STR(out[0], "xl: no rule 'x' (rules are numbered from 0: xl vfr-rule-list)",
              "vfr-rule-del: not a number");
    run(m, s, "xl vfr-default maybe\n");
    CHECK_STR(out[0], "xl: usage: xl vfr-default [-b BACKEND] accept|drop (Tessera)",
              "vfr-default: not accept|drop");
    run(m, s, "xl vfr-rule-list -b nosuch\n");
    CHECK_STR(out[0], "xl: no network backend domain 'nosuch' with a console", "vfr: no such backend");
    run(m, s, "xl console netback\n");
    static struct xl_session s2;
    s2.out = s->out;
    nout = 0;
    xl_input(m, &s2, "xl vfr-rule-list\n", 17);
    CHECK_STR(out[0], "xl: the console of netback is attached (xl console): detach it first",
              "vfr: netback's console in use");
    run(m, s, "\x1d");
    fake_of(m->b)->on_notify = NULL;
    run(m, s, "xl destroy netback\n");
    run(m, s, "xl destroy blkback\n");
}

void test_xl(void)
{
    hostfiles_rules();
    static struct mgr m;
    static struct xl_session s;
    struct backend *b = backend_fake_new(1 << 14);
    kernel_len = mkelf_small(kernel, sizeof(kernel));
    CHECK(mgr_init(&m, b) == 0, "manager up");
    m.read_file = rd;
    m.log = (struct db_out){ take, NULL, NULL };
    m.now_ms = now;
    m.xs_poke = xs_server;
    s.out = (struct db_out){ take, NULL, NULL };
    boot(&m, &s);
    consoles(&m, &s);
    refusals(&m, &s);
    session_faults(&m);
    error_words(&m, &s);
    host_files(&m, &s);
    lifecycle(&m, &s);
    vbds(&m, &s);
    host_verbs(&m, &s);
    hotplug(&m, &s);
    vbd_ctl(&m, &s);
    saves(&m, &s);
    vfr(&m, &s);
    /* a new instance of the builder finds the running domains */
    static struct mgr m2;
    mgr_init(&m2, b);
    m2.log = (struct db_out){ take, NULL, NULL };
    nout = 0;
    int adopted = mgr_adopt(&m2);
    CHECK(adopted == 2 && seen("adopted domain 1 from a previous instance as d1") && mgr_find(&m2, "d1") &&
              mgr_find(&m2, "2"),
          "a restarted builder adopts its domains (%d)", adopted);
    for (int i = 0; i < MGR_MAX_DOMS; i++)
        if (m.dom[i].used) {
            char err[256];
            mgr_destroy(&m, &m.dom[i], err, sizeof(err));
        }
    backend_fake_free(b);
}
