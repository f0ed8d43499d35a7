/* The manager's use of xenstore (see mgr.h): the connection to the xenstore
 * domain it builds (a page granted to it, passed with a port on its program's
 * command line as --master-domid/--event/--master-gref), the nodes of each
 * domain (/local/domain/D: name, domid, control, data) and INTRODUCE, and
 * shutdown requests through control/shutdown. */
#include "mgr/mgr.h"
#include "mgr/mgr_vbd.h"
#include "mgr/mgr_vif.h"
#include "util.h"
#include "xsstate.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define XS_TIMEOUT_MS 5000

uint32_t mgr_first_free_id(struct mgr *m)
{
    db_dominfo i;
    uint32_t id = 1;
    while (!m->b->ops->getinfo(m->b, id, &i) && i.domain == id && id < DOMID_FIRST_RESERVED - 1)
        id++;
    return id;
}

static void xs_notify(void *ctx)
{
    struct mgr *m = ctx;
    m->b->ops->notify(m->b, m->xs_lport);
}

static long ms_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

/* Waits for our xenstore port; other ports that fire meanwhile are kept for
 * the main loop.  Without an event fd (the fake back end) a fake server is
 * run and each wait counts as a millisecond. */
static int xs_wait(void *ctx, int timeout_ms)
{
    struct mgr *m = ctx;
    int fd = m->b->ops->event_fd(m->b);
    long end = ms_now() + (timeout_ms < 0 ? 3600000L : timeout_ms);
    end = end < m->xs_deadline ? end : m->xs_deadline;
    for (;;) {
        uint32_t p;
        while (!m->b->ops->pending(m->b, &p)) {
            if (p == m->xs_lport) return 0;
            if (m->ndeferred < (int)(sizeof(m->deferred) / sizeof(*m->deferred)))
                m->deferred[m->ndeferred++] = p;
        }
        if (fd < 0) {
            if (m->xs_poke) m->xs_poke(m);
            return ++m->xs_spins > timeout_ms ? -ETIMEDOUT : 0;
        }
        long left = end - ms_now();
        if (left <= 0) return -ETIMEDOUT;
        struct pollfd pf = { fd, POLLIN, 0 };
        poll(&pf, 1, (int)(left < 50 ? left : 50)); /* and look at the ring again */
        if (!(pf.revents & POLLIN)) return 0;
    }
}

static const struct xsc_ring_ops xs_ops = { xs_notify, xs_wait };

/* The store's state pages, granted to domid; the first lists them all.
 * Without them (our grant table is full) xenstored keeps its state in its
 * own pages, and its domain's death is not survived. */
static void state_pages(struct mgr *m, uint32_t domid)
{
    static uint32_t refs[XSSTATE_PAGES];
    uint8_t *chunks[XSSTATE_PAGES / XSSTATE_CHUNK];
    if (!mgr_state_grant(m, domid, XSSTATE_PAGES, refs, chunks)) {
        mgr_logf(m, "domain-builder: no state pages for the xenstore domain: its death would lose the store");
        m->xs_state = 0;
        return;
    }
    m->xs_state = 1;
    m->xs_state_for = domid;
    m->xs_state_gref = refs[0];
}

int mgr_xs_prepare(struct mgr *m, uint32_t domid, char *args, size_t size)
{
    if (!m->xs || m->xs_for != domid) {
        uint32_t port, gref;
        void *page = m->b->ops->grant_page(m->b, domid, &gref);
        if (!page || m->b->ops->bind_unbound(m->b, domid, &port))
            return -1; /* a page may leak: there is no ungrant */
        struct xsc *x = xsc_new_ring(page, &xs_ops, m);
        if (!x) return -1;
        if (m->xs) xsc_free(m->xs);
        xsc_set_timeout(x, XS_TIMEOUT_MS);
        m->xs = x;
        m->xs_page = page;
        m->xs_lport = port;
        m->xs_for = domid;
        m->xs_gref = gref;
    }
    m->xs_broken = 0;
    if (!m->xs_state || m->xs_state_for != domid) state_pages(m, domid);
    int n = snprintf(args, size, "--master-domid %u --event %u --master-gref %u", m->b->self, m->xs_lport,
                     m->xs_gref);
    if (m->xs_state && m->xs_state_for == domid && n > 0 && (size_t)n < size)
        snprintf(args + n, size - (size_t)n, " --state-gref %u", m->xs_state_gref);
    return 0;
}

int mgr_next_event(struct mgr *m, uint32_t *port)
{
    if (m->ndeferred) {
        *port = m->deferred[0];
        memmove(m->deferred, m->deferred + 1, --m->ndeferred * sizeof(*m->deferred));
        return 0;
    }
    return m->b->ops->pending(m->b, port);
}

static int up(struct mgr *m)
{
    m->xs_spins = 0;
    m->xs_deadline = ms_now() + 2 * XS_TIMEOUT_MS;
    return m->xs && !m->xs_broken && m->xenstore_domid != BUILD_NO_XENSTORE && m->xenstore_domid == m->xs_for;
}

int mgr_xs_up(struct mgr *m) { return up(m); }

static int check(struct mgr *m, int rc, const char *what, uint32_t domid)
{
    if (rc) {
        mgr_logf(m, "domain-builder: xenstore: %s for domain %u failed (%d)", what, domid, rc);
        /* a refusal is an answer; no answer means the connection is gone */
        if (rc == -ETIMEDOUT || rc == -EIO) m->xs_broken = 1;
    }
    return rc;
}

/* path gets owner `owner` and, if reader >= 0, read access for reader. */
static int perms(struct mgr *m, const char *path, uint32_t owner, long reader)
{
    char o[16], r[16];
    snprintf(o, sizeof(o), "n%u", owner);
    snprintf(r, sizeof(r), "r%ld", reader);
    const char *p[] = { o, r };
    return xsc_set_perms(m->xs, path, p, reader >= 0 ? 2 : 1);
}

static int sub(struct mgr *m, const char *base, const char *rel, const char *val, long owner)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", base, rel);
    if (val) return xsc_write(m->xs, path, val);
    int rc = xsc_mkdir(m->xs, path);
    return rc ? rc : perms(m, path, (uint32_t)owner, -1);
}

int mgr_xs_add(struct mgr *m, struct mgr_dom *d, uint64_t store_mfn, uint32_t store_port, char *err,
               size_t errlen)
{
    char base[64], id[16];
    d->store_mfn = store_mfn;
    d->store_port = store_port;
    if (!store_port) return 0; /* built before any xenstore domain: introduced later */
    if (!up(m)) {
        /* a xenstore domain runs but we cannot reach it: the guest would
         * wait for its store forever */
        if (m->xs && m->xenstore_domid != BUILD_NO_XENSTORE)
            return db_errf(err, errlen,
                           "xenstore (domain %u) is not answering; "
                           "try xl restart xenstore",
                           m->xenstore_domid);
        return 0;
    }
    snprintf(base, sizeof(base), "/local/domain/%u", d->domid);
    snprintf(id, sizeof(id), "%u", d->domid);
    int rc = xsc_mkdir(m->xs, base);
    rc = rc ? rc : perms(m, base, m->b->self, d->domid);
    rc = rc ? rc : sub(m, base, "name", d->cfg.name, 0);
    rc = rc ? rc : sub(m, base, "domid", id, 0);
    rc = rc ? rc : sub(m, base, "control", NULL, d->domid);
    rc = rc ? rc : sub(m, base, "data", NULL, d->domid);
    rc = rc ? rc : xsc_introduce(m->xs, d->domid, store_mfn, store_port);
    if (check(m, rc, "nodes and introduce", d->domid))
        return db_errf(err, errlen, "xenstore: writing %s and introducing domain %u failed: %s", base,
                       d->domid, strerror(rc < 0 ? -rc : rc));
    mgr_xs_vbds(m, d);
    mgr_xs_vifs(m, d);
    return 0;
}

void mgr_xs_remove(struct mgr *m, struct mgr_dom *d)
{
    char base[64];
    if (!up(m) || !d->store_port) return;
    snprintf(base, sizeof(base), "/local/domain/%u", d->domid);
    mgr_xs_vbds_remove(m, d);
    mgr_xs_vifs_remove(m, d);
    check(m, xsc_rm(m->xs, base), "removing the nodes", d->domid);
}

void mgr_xs_started(struct mgr *m)
{
    int kept = 0, added = 0;
    for (int i = 0; i < MGR_MAX_DOMS && up(m); i++) {
        struct mgr_dom *d = &m->dom[i];
        if (!d->used || d->domid == m->xenstore_domid || !d->store_port) continue;
        /* a store rebuilt from its kept state has the domain's nodes and
         * connection already: writing them again would reset the backend
         * state nodes its frontends watch */
        char path[64], *val = NULL;
        snprintf(path, sizeof(path), "/local/domain/%u/domid", d->domid);
        int has = !xsc_read(m->xs, path, &val);
        free(val);
        if (has) {
            kept++;
            continue;
        }
        mgr_xs_add(m, d, d->store_mfn, d->store_port, NULL, 0);
        added++;
    }
    if (kept || added)
        mgr_logf(
            m, "domain-builder: xenstore (domain %u) up: %d domain%s kept in its state, %d introduced again",
            m->xenstore_domid, kept, kept == 1 ? "" : "s", added);
}

int mgr_xs_shutdown(struct mgr *m, struct mgr_dom *d, const char *what)
{
    char path[96], *val = NULL;
    if (!up(m) || !d->store_port) return -1;
    snprintf(path, sizeof(path), "/local/domain/%u/control/feature-poweroff", d->domid);
    int listens = !xsc_read(m->xs, path, &val) && val && !strcmp(val, "1");
    free(val);
    if (!listens) return -1; /* nothing in the domain listens */
    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", d->domid);
    return check(m, xsc_write(m->xs, path, what), "control/shutdown", d->domid);
}

int mgr_mem_set(struct mgr *m, struct mgr_dom *d, uint64_t kb, char *err, size_t errlen)
{
    char path[96], val[24];
    uint64_t max_kb = (uint64_t)d->cfg.maxmem_mb * 1024;
    if (kb > max_kb)
        return db_errf(err, errlen, "%s: %llu MiB is above its maxmem (%u MiB)", d->cfg.name,
                       (unsigned long long)(kb >> 10), d->cfg.maxmem_mb);
    if (!up(m) || !d->store_port)
        return db_errf(err, errlen,
                       "%s has no xenstore connection: its balloon driver "
                       "cannot be told a memory target",
                       d->cfg.name);
    /* as xl: the balloon driver in the guest watches memory/target (KiB) */
    snprintf(path, sizeof(path), "/local/domain/%u/memory/target", d->domid);
    snprintf(val, sizeof(val), "%llu", (unsigned long long)kb);
    int rc = xsc_write(m->xs, path, val);
    if (check(m, rc, "memory/target", d->domid))
        return db_errf(err, errlen, "xenstore: writing %s failed: %s", path, strerror(rc < 0 ? -rc : rc));
    return 0;
}
