/* netback's xenbus driver (see nb_xb.h). */
#include "nb_xb.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xenbus.h>

static struct nbx *of(struct xbe *x) { return x->ctx; }

/* "BYTES,USECS" (Xen's rate node: credit per interval) into a limit. */
static int rate_node(struct xbe *x, const char *dir, const char *node, struct vfr_limit *l)
{
    char *v = NULL, *end;
    int rc = xbe_read(x, dir, node, &v);
    if (rc == -ENOENT) return 0;
    if (rc) return rc;
    errno = 0;
    unsigned long long bytes = strtoull(v, &end, 10), usec = 0;
    rc = -EINVAL;
    if (end != v && *end == ',' && v[0] >= '0' && v[0] <= '9') {
        char *u = end + 1;
        usec = (*u >= '0' && *u <= '9') ? strtoull(u, &end, 10) : 0;
        if (!*end && !errno && usec && usec <= 1000000000ull && bytes && bytes <= (1ull << 32)) {
            l->bytes_per_s = bytes * 1000000ull / usec;
            if (!l->bytes_per_s) l->bytes_per_s = 1;
            l->burst_bytes = bytes;
            rc = 0;
        }
    }
    free(v);
    return rc;
}

static int pps_node(struct xbe *x, const char *dir, const char *node, struct vfr_limit *l)
{
    unsigned long n;
    int rc = xbe_read_uint(x, dir, node, 1ul << 32, &n);
    if (rc == -ENOENT) return 0;
    if (rc || !n) return -EINVAL;
    l->pkts_per_s = n;
    return 0;
}

int nbx_port_cfg(struct xbe *x, const struct xbe_dev *d, struct vfr_port_cfg *c, const char **why)
{
    char *mac = NULL, *ip = NULL;
    int rc = -EINVAL;
    memset(c, 0, sizeof(*c));
    c->vif = true;
    c->antispoof = true;
    if ((size_t)snprintf(c->name, sizeof(c->name), "vif%u.%u", d->fe_domid, d->devid) >= sizeof(c->name)) {
        *why = "device id too large for a port name";
        return -EINVAL;
    }
    if (xbe_read(x, d->be, "mac", &mac) || vfr_mac_parse(mac, c->mac) || (c->mac[0] & 1)) {
        *why = "mac missing or not a unicast xx:xx:xx:xx:xx:xx";
        goto out;
    }
    rc = xbe_read(x, d->be, "ip", &ip);
    if (rc && rc != -ENOENT) {
        *why = "ip unreadable";
        goto out;
    }
    rc = -EINVAL;
    if (ip) {
        char *save = NULL;
        for (char *t = strtok_r(ip, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
            struct vfr_prefix p;
            if (vfr_prefix_parse(t, &p)) {
                *why = "ip: not a list of addresses or prefixes";
                goto out;
            }
            unsigned *n = p.family == 4 ? &c->n4 : &c->n6;
            if (*n == VFR_MAX_PREFIXES) {
                *why = "ip: more than 8 addresses of a family";
                goto out;
            }
            (p.family == 4 ? c->ip4 : c->ip6)[(*n)++] = p;
        }
    }
    if (rate_node(x, d->be, "rate", &c->in) || rate_node(x, d->be, "rx-rate", &c->out)) {
        *why = "rate or rx-rate: not BYTES,MICROSECONDS";
        goto out;
    }
    if (pps_node(x, d->be, "rate-pps", &c->in) || pps_node(x, d->be, "rx-rate-pps", &c->out)) {
        *why = "rate-pps or rx-rate-pps: not a number 1-4294967296";
        goto out;
    }
    unsigned long as = 1;
    int r2 = xbe_read_uint(x, d->be, "antispoof", 1, &as);
    if (r2 && r2 != -ENOENT) {
        *why = "antispoof: not 0 or 1";
        goto out;
    }
    c->antispoof = as != 0;
    rc = 0;
out:
    free(mac);
    free(ip);
    return rc;
}

static int probe(struct xbe *x, struct xbe_dev *d, const char **why)
{
    struct nbx *n = of(x);
    struct vfr_port_cfg c;
    int rc = nbx_port_cfg(x, d, &c, why);
    if (rc) return rc;
    struct nb_vif *vif = calloc(1, sizeof(*vif));
    if (!vif) {
        *why = "out of memory";
        return -ENOMEM;
    }
    int port = vfr_port_add(n->nb->vfr, &c, n->nb->env.now(n->nb->env.ctx));
    if (port < 0) {
        free(vif);
        *why = port == -EEXIST   ? "another vif has this name or MAC"
               : port == -ENOSPC ? "no free VFR port"
                                 : "bad port configuration";
        return port;
    }
    nb_vif_init(vif, n->nb, d->fe_domid, port);
    d->priv = vif;
    xbe_printf(x, d->be, "feature-rx-copy", "1");
    xbe_printf(x, d->be, "feature-rx-flip", "0");
    xbe_printf(x, d->be, "feature-sg", "1");
    xbe_printf(x, d->be, "feature-gso-tcpv4", "1");
    xbe_printf(x, d->be, "feature-gso-tcpv6", "1");
    xbe_printf(x, d->be, "feature-ipv6-csum-offload", "1");
    xbe_printf(x, d->be, "feature-split-event-channels", "1");
    xbe_printf(x, d->be, "multi-queue-max-queues", "%u", n->max_queues);
    return 0;
}

/* A frontend feature flag: absent is dflt; anything but 0/1 refuses. */
static int flag(struct xbe *x, const char *dir, const char *node, bool dflt, bool *out)
{
    unsigned long v;
    int rc = xbe_read_uint(x, dir, node, 1, &v);
    if (rc == -ENOENT) {
        *out = dflt;
        return 0;
    }
    if (rc) return rc;
    *out = v != 0;
    return 0;
}

static void unhook(struct nbx *n, struct nb_vif *vif)
{
    nb_vif_stop(vif);
    for (unsigned i = 0; i < NB_MAX_QUEUES; i++) {
        struct nb_queue *q = &vif->q[i];
        if (q->tx.sring) n->host.unmap_ring(n->host.ctx, q->tx.sring);
        if (q->rx.sring) n->host.unmap_ring(n->host.ctx, q->rx.sring);
        if (q->tx_port) n->host.unbind(n->host.ctx, q->tx_port);
        if (q->rx_port && q->rx_port != q->tx_port) n->host.unbind(n->host.ctx, q->rx_port);
        memset(q, 0, sizeof(*q));
    }
    vif->nq = 0;
    vif->broken = false;
    vif->why = NULL;
}

static int queue_connect(struct nbx *n, struct xbe_dev *d, struct nb_vif *vif, unsigned i, const char *dir)
{
    unsigned long tref, rref, ev = 0, evtx = 0, evrx = 0;
    if (xbe_read_uint(&n->xbe, dir, "tx-ring-ref", 0xffffffffu, &tref) ||
        xbe_read_uint(&n->xbe, dir, "rx-ring-ref", 0xffffffffu, &rref))
        return -EINVAL;
    bool split = xbe_read_uint(&n->xbe, dir, "event-channel-tx", 0xffffffffu, &evtx) == 0 &&
                 xbe_read_uint(&n->xbe, dir, "event-channel-rx", 0xffffffffu, &evrx) == 0;
    if (!split && xbe_read_uint(&n->xbe, dir, "event-channel", 0xffffffffu, &ev)) return -EINVAL;
    void *tx = n->host.map_ring(n->host.ctx, d->fe_domid, (uint32_t)tref);
    void *rx = tx ? n->host.map_ring(n->host.ctx, d->fe_domid, (uint32_t)rref) : NULL;
    int ptx = rx ? n->host.bind(n->host.ctx, d->fe_domid, (uint32_t)(split ? evtx : ev)) : -EINVAL;
    int prx = ptx > 0 ? (split ? n->host.bind(n->host.ctx, d->fe_domid, (uint32_t)evrx) : ptx) : -EINVAL;
    if (prx <= 0) {
        if (ptx > 0) n->host.unbind(n->host.ctx, (unsigned)ptx);
        if (rx) n->host.unmap_ring(n->host.ctx, rx);
        if (tx) n->host.unmap_ring(n->host.ctx, tx);
        return -EINVAL;
    }
    nb_queue_start(vif, i, tx, rx, (unsigned)ptx, (unsigned)prx);
    struct nb_queue *q = &vif->q[i];
    if (q->tx.req_cons || q->rx.req_cons) /* a fresh ring has no response yet */
        printf("netback: vif%u.%u queue %u: resuming rings in use at tx response %u, rx response %u\n",
               d->fe_domid, d->devid, i, q->tx.req_cons, q->rx.req_cons);
    return 0;
}

static int connect(struct xbe *x, struct xbe_dev *d)
{
    struct nbx *n = of(x);
    struct nb_vif *vif = d->priv;
    bool rxcopy, notify, nocsum;
    unsigned long nq = 1;
    /* netfront must copy (flipping is gone) and must kick us when it
     * posts receive buffers */
    if (flag(x, d->fe, "request-rx-copy", false, &rxcopy) || !rxcopy ||
        flag(x, d->fe, "feature-rx-notify", false, &notify) || !notify)
        return -EOPNOTSUPP;
    if (flag(x, d->fe, "feature-sg", false, &vif->rx_sg) ||
        flag(x, d->fe, "feature-gso-tcpv4", false, &vif->rx_gso4) ||
        flag(x, d->fe, "feature-gso-tcpv6", false, &vif->rx_gso6) ||
        flag(x, d->fe, "feature-no-csum-offload", false, &nocsum) ||
        flag(x, d->fe, "feature-ipv6-csum-offload", false, &vif->rx_csum6))
        return -EINVAL;
    vif->rx_csum = !nocsum;
    /* GSO needs scatter-gather on the receiving side */
    vif->rx_gso4 &= vif->rx_sg;
    vif->rx_gso6 &= vif->rx_sg;
    vif->tx_gso4 = vif->tx_gso6 = true; /* offered in probe */
    int rc = xbe_read_uint(x, d->fe, "multi-queue-num-queues", n->max_queues, &nq);
    if (rc == -ENOENT)
        nq = 1;
    else if (rc || !nq)
        return -EINVAL;
    for (unsigned i = 0; i < nq; i++) {
        char dir[XBE_PATH + 16];
        if (nq == 1)
            snprintf(dir, sizeof(dir), "%s", d->fe);
        else
            snprintf(dir, sizeof(dir), "%s/queue-%u", d->fe, i);
        if (queue_connect(n, d, vif, i, dir)) {
            unhook(n, vif);
            return -EINVAL;
        }
    }
    return 0;
}

static void disconnect(struct xbe *x, struct xbe_dev *d)
{
    struct nb_vif *vif = d->priv;
    if (vif) unhook(of(x), vif);
}

static void remove_dev(struct xbe *x, struct xbe_dev *d)
{
    struct nb_vif *vif = d->priv;
    if (!vif) return;
    nb_vif_stop(vif);
    vfr_port_del(of(x)->nb->vfr, vif->port);
    free(vif);
    d->priv = NULL;
}

static const struct xbe_ops ops = { probe, connect, disconnect, remove_dev };

int nbx_init(struct nbx *x, struct xsc *xs, uint16_t self, struct nb *nb, const struct xd_host *host,
             unsigned max_queues)
{
    memset(x, 0, sizeof(*x));
    x->nb = nb;
    x->host = *host;
    x->max_queues = max_queues > NB_MAX_QUEUES ? NB_MAX_QUEUES : max_queues ? max_queues : 1;
    int rc = xbe_init(&x->xbe, xs, self, "vif", &ops, x);
    x->xbe.resume = true; /* nb_queue_start resumes rings in use */
    return rc;
}

bool nbx_run(struct nbx *x)
{
    bool any = false;
    for (unsigned k = 0; k < XBE_MAX_DEVS; k++) {
        struct xbe_dev *d = &x->xbe.dev[k];
        struct nb_vif *vif = d->priv;
        if (!d->used || !d->connected || !vif) continue;
        int n = nb_vif_run(vif);
        if (n > 0)
            any = true;
        else if (n < 0 && d->state == XenbusStateConnected) {
            fprintf(stderr, "netback: vif%u.%u: %s; closing\n", d->fe_domid, d->devid,
                    vif->why ? vif->why : "broken");
            xbe_switch(&x->xbe, d, XenbusStateClosing);
        }
    }
    return any;
}

int nb_round(bool (*pass)(void *ctx), void *ctx)
{
    bool busy = true;
    for (int i = 0; i < NB_ROUND_PASSES && busy; i++)
        busy = pass(ctx);
    return busy ? 0 : -1;
}
