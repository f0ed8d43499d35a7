/* The manager's use of xenstore (see mgr.h): the connection to the xenstore
 * domain it builds (a page granted to it, passed with a port on its program's
 * command line as --master-domid/--event/--master-gref), the nodes of each
 * domain (/local/domain/D: name, domid, control, data) and INTRODUCE, and
 * shutdown requests through control/shutdown. */
#include "mgr.h"

#include <stdio.h>
#include <string.h>

#define XS_TIMEOUT_MS 5000

uint32_t mgr_first_free_id(struct mgr *m)
{
    db_dominfo i;
    uint32_t id = 1;
    while (!m->b->ops->getinfo(m->b, id, &i) && i.domain == id && id < DOMID_FIRST_RESERVED - 1)
        id++;
    return id;
}

int mgr_xs_prepare(struct mgr *m, uint32_t domid, char *args, size_t size)
{
    if (!m->xs.intf || m->xs_for != domid) {
        uint32_t port, gref;
        void *page = m->b->ops->grant_page(m->b, domid, &gref);
        if (!page || m->b->ops->bind_unbound(m->b, domid, &port))
            return -1;                  /* a page may leak: there is no ungrant */
        m->xs = (struct xsc){ m->b, page, port, 0, XS_TIMEOUT_MS, m->xs_sleep, m->xs_poke, m };
        m->xs_for = domid;
        m->xs_gref = gref;
    }
    m->xs_broken = 0;
    snprintf(args, size, "--master-domid %u --event %u --master-gref %u", m->b->self,
             m->xs.lport, m->xs_gref);
    return 0;
}

static int up(struct mgr *m)
{
    return m->xs.intf && !m->xs_broken && m->xenstore_domid != BUILD_NO_XENSTORE &&
           m->xenstore_domid == m->xs_for;
}

static int check(struct mgr *m, int rc, const char *what, uint32_t domid)
{
    if (rc) {
        mgr_logf(m, "domain-builder: xenstore: %s for domain %u failed", what, domid);
        m->xs_broken = 1;
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
    return xsc_set_perms(&m->xs, path, p, reader >= 0 ? 2 : 1);
}

static int sub(struct mgr *m, const char *base, const char *rel, const char *val, long owner)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", base, rel);
    if (val)
        return xsc_write(&m->xs, path, val);
    return xsc_mkdir(&m->xs, path) || perms(m, path, (uint32_t)owner, -1);
}

void mgr_xs_add(struct mgr *m, struct mgr_dom *d, uint64_t store_mfn, uint32_t store_port)
{
    char base[64], id[16];
    d->store_mfn = store_mfn;
    d->store_port = store_port;
    if (!up(m) || !store_port)
        return;
    snprintf(base, sizeof(base), "/local/domain/%u", d->domid);
    snprintf(id, sizeof(id), "%u", d->domid);
    int rc = xsc_mkdir(&m->xs, base) || perms(m, base, m->b->self, d->domid) ||
             sub(m, base, "name", d->cfg.name, 0) || sub(m, base, "domid", id, 0) ||
             sub(m, base, "control", NULL, d->domid) || sub(m, base, "data", NULL, d->domid) ||
             xsc_introduce(&m->xs, d->domid, store_mfn, store_port);
    check(m, rc, "nodes and introduce", d->domid);
}

void mgr_xs_remove(struct mgr *m, struct mgr_dom *d)
{
    char base[64];
    if (!up(m) || !d->store_port)
        return;
    snprintf(base, sizeof(base), "/local/domain/%u", d->domid);
    check(m, xsc_rm(&m->xs, base), "removing the nodes", d->domid);
}

void mgr_xs_started(struct mgr *m)
{
    for (int i = 0; i < MGR_MAX_DOMS && up(m); i++)
        if (m->dom[i].used && m->dom[i].domid != m->xenstore_domid && m->dom[i].store_port)
            mgr_xs_add(m, &m->dom[i], m->dom[i].store_mfn, m->dom[i].store_port);
}

int mgr_xs_shutdown(struct mgr *m, struct mgr_dom *d, const char *what)
{
    char path[96], val[16];
    if (!up(m) || !d->store_port)
        return -1;
    snprintf(path, sizeof(path), "/local/domain/%u/control/feature-poweroff", d->domid);
    if (xsc_read(&m->xs, path, val, sizeof(val)) || strcmp(val, "1"))
        return -1;                  /* nothing in the domain listens */
    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", d->domid);
    return check(m, xsc_write(&m->xs, path, what), "control/shutdown", d->domid);
}
