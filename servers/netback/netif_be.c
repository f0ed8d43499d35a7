/* netif request processing (see netback.h). */
#include "netback.h"
#include "crash_cmd.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct nb_frame {
    struct nb_meta m;
    size_t len;
    uint8_t data[];
};

static int xmit(void *ctx, int port, const uint8_t *f, size_t len, const void *meta);

int nb_init(struct nb *b, struct vfr *v, const struct nb_env *env)
{
    memset(b, 0, sizeof(*b));
    b->vfr = v;
    b->env = *env;
    b->nic_port = -1;
    /* page-aligned: a page of a frame is then one piece of a grant copy */
    b->pkt = aligned_alloc(NB_PAGE, NB_MAX_FRAME);
    b->seg = aligned_alloc(NB_PAGE, NB_MAX_FRAME);
    b->nicf = aligned_alloc(NB_PAGE, NB_MAX_FRAME);
    if (!b->pkt || !b->seg || !b->nicf) return -ENOMEM;
    v->ops = (struct vfr_ops){ xmit, b };
    return 0;
}

void nb_fini(struct nb *b)
{
    free(b->pkt);
    free(b->seg);
    free(b->nicf);
    b->pkt = b->seg = b->nicf = NULL;
}

void nb_vif_init(struct nb_vif *vif, struct nb *b, uint16_t domid, int port)
{
    memset(vif, 0, sizeof(*vif));
    vif->nb = b;
    vif->domid = domid;
    vif->port = port;
    vif->rx_csum = true; /* feature-no-csum-offload absent */
}

void nb_queue_start(struct nb_vif *vif, unsigned i, netif_tx_sring_t *tx, netif_rx_sring_t *rx,
                    unsigned tx_port, unsigned rx_port)
{
    struct nb_queue *q = &vif->q[i];
    memset(q, 0, sizeof(*q));
    q->vif = vif;
    q->tx_port = tx_port;
    q->rx_port = rx_port;
    BACK_RING_INIT(&q->tx, tx, NB_PAGE);
    BACK_RING_INIT(&q->rx, rx, NB_PAGE);
    /* Rings already in use (netback restarted under a connected frontend,
     * docs/restart.md): carry on after the last responses, which are pushed
     * a whole packet at a time.  Transmit requests published after them are
     * taken again (a packet sent twice, which TCP tolerates); receive
     * buffers posted after them are filled.  A fresh ring starts at 0. */
    q->tx.rsp_prod_pvt = q->tx.req_cons = *(volatile RING_IDX *)&tx->rsp_prod;
    q->rx.rsp_prod_pvt = q->rx.req_cons = *(volatile RING_IDX *)&rx->rsp_prod;
    q->resumed = q->tx.req_cons || q->rx.req_cons;
    if (i + 1 > vif->nq) vif->nq = i + 1;
    vif->running = true;
    if (vif->port >= 0 && vif->port < VFR_MAX_PORTS) vif->nb->vif_of[vif->port] = vif;
}

void nb_vif_stop(struct nb_vif *vif)
{
    if (vif->port >= 0 && vif->port < VFR_MAX_PORTS && vif->nb->vif_of[vif->port] == vif)
        vif->nb->vif_of[vif->port] = NULL;
    vif->running = false;
    for (unsigned i = 0; i < vif->nq; i++) {
        struct nb_queue *q = &vif->q[i];
        for (; q->bl_n; q->bl_n--, q->bl_head = (q->bl_head + 1) % NB_BACKLOG)
            free(q->bl[q->bl_head]);
    }
}

static int broken(struct nb_vif *vif, const char *why)
{
    if (!vif->broken) {
        vif->broken = true;
        vif->why = why;
    }
    return -EIO;
}

/* Wait for requests beyond prod, the producer index last seen: ask the
 * frontend to notify when it publishes past prod (a frontend notifies only
 * when req_prod crosses req_event, so req_event must lie beyond what is
 * already published: req_cons + 1 would be behind it whenever some
 * requests are there but too few, and the wake-up would never come), then
 * read req_prod again, since what was published before the frontend saw
 * req_event sent no notification.  Returns that index (prod: nothing new,
 * a notification will come). */
static RING_IDX ask_beyond(RING_IDX *req_event, const RING_IDX *req_prod, RING_IDX prod)
{
    *(volatile RING_IDX *)req_event = prod + 1;
    xen_mb();
    return *(const volatile RING_IDX *)req_prod;
}

/* ask_beyond for queue q, then whether to look again at once: only if new
 * requests came and *retried is not yet set (it is set now).  If they came
 * again, the next pass looks (q->again): a frontend that keeps publishing
 * cannot hold a pass for ever. */
static bool look_again(struct nb_queue *q, RING_IDX *req_event, const RING_IDX *req_prod, RING_IDX prod,
                       bool *retried)
{
    if (ask_beyond(req_event, req_prod, prod) == prod) return false;
    if (*retried) {
        q->again = true;
        return false;
    }
    *retried = true;
    return true;
}

/* ---- guest transmit ---- */

static void tx_respond(struct nb_queue *q, uint16_t id, int16_t st)
{
    netif_tx_response_t *r = RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt);
    r->id = id;
    r->status = st;
    q->tx.rsp_prod_pvt++;
}

/* One packet: slots[0] (with the total size), its extras, its fragments.
 * Returns 1 when a packet was taken, 0 when the ring does not yet hold
 * the whole packet, -EIO when the frontend is broken. */
static int tx_one(struct nb_queue *q, RING_IDX prod)
{
    struct nb_vif *vif = q->vif;
    struct nb *b = vif->nb;
    netif_tx_back_ring_t *r = &q->tx;
    RING_IDX i = r->req_cons;
    netif_tx_request_t slot[NB_FATAL_SLOTS];
    netif_extra_info_t gso = { 0 };
    unsigned ns = 0, nx = 0;
    const char *err = NULL;

    RING_COPY_REQUEST(r, i, &slot[0]);
    i++;
    ns = 1;
    if (slot[0].flags & NETTXF_extra_info) {
        for (bool more = true; more;) {
            if (i == prod) return 0;
            netif_extra_info_t x;
            memcpy(&x, RING_GET_REQUEST(r, i), sizeof(x));
            i++;
            if (++nx > NB_MAX_EXTRAS) return broken(vif, "more extras than any packet needs");
            if (x.type == XEN_NETIF_EXTRA_TYPE_NONE || x.type >= XEN_NETIF_EXTRA_TYPE_MAX)
                return broken(vif, "an unknown extra type");
            if (x.type == XEN_NETIF_EXTRA_TYPE_GSO) gso = x;
            /* multicast control and hash extras carry nothing we act on */
            more = x.flags & XEN_NETIF_EXTRA_FLAG_MORE;
        }
    }
    for (uint16_t fl = slot[0].flags; fl & NETTXF_more_data; fl = slot[ns - 1].flags) {
        if (ns == NB_FATAL_SLOTS) return broken(vif, "a fragment chain longer than any packet");
        if (i == prod) return 0;
        RING_COPY_REQUEST(r, i, &slot[ns]);
        i++;
        ns++;
    }
    /* The whole packet is on the ring: check it, then take it. */
    size_t total = slot[0].size, rest = 0;
    for (unsigned k = 1; k < ns; k++)
        rest += slot[k].size;
    if (ns > NB_MAX_SLOTS)
        err = "too many slots";
    else if (total < 14)
        err = "shorter than an Ethernet header";
    else if (rest >= total)
        err = "fragments larger than the packet";
    for (unsigned k = 0; k < ns && !err; k++) {
        size_t len = k ? slot[k].size : total - rest;
        if (slot[k].offset + len > NB_PAGE) err = "a slot crossing its page";
    }
    struct nb_meta m = { .csum_blank = slot[0].flags & NETTXF_csum_blank,
                         .data_validated = slot[0].flags & NETTXF_data_validated };
    if (!err && gso.type == XEN_NETIF_EXTRA_TYPE_GSO) {
        uint8_t t = gso.u.gso.type;
        if (!((t == XEN_NETIF_GSO_TYPE_TCPV4 && vif->tx_gso4) ||
              (t == XEN_NETIF_GSO_TYPE_TCPV6 && vif->tx_gso6)))
            err = "a GSO type not offered";
        else if (!gso.u.gso.size)
            err = "GSO with a zero segment size";
        else {
            m.gso_type = t;
            m.gso_size = gso.u.gso.size;
        }
    }
    if (!err) {
        struct xd_copy c[NB_MAX_SLOTS];
        unsigned nc = 0;
        size_t at = 0;
        for (unsigned k = 0; k < ns; k++) {
            size_t len = k ? slot[k].size : total - rest;
            if (len)
                c[nc++] = (struct xd_copy){ .domid = vif->domid,
                                            .gref = slot[k].gref,
                                            .goff = slot[k].offset,
                                            .len = (uint16_t)len,
                                            .local = b->pkt + at };
            at += len;
        }
        if (b->env.gcopy(b->env.ctx, c, nc)) err = "grant copy failed";
        for (unsigned k = 0; k < nc && !err; k++)
            if (c[k].status != GNTST_okay) err = "a grant that cannot be copied";
    }
    /* A response per slot, in slot order: the first, its extras (NULL),
     * the fragments. */
    int16_t st = err ? NETIF_RSP_ERROR : NETIF_RSP_OKAY;
    tx_respond(q, slot[0].id, st);
    for (unsigned k = 0; k < nx; k++)
        tx_respond(q, 0, NETIF_RSP_NULL);
    for (unsigned k = 1; k < ns; k++)
        tx_respond(q, slot[k].id, st);
    r->req_cons = i;
    int notify;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(r, notify);
    if (notify) b->env.notify(b->env.ctx, q->tx_port);
    if (q->resumed) { /* the restart's downtime ends here (the restart suites print it) */
        printf("netback: d%u queue %u: first response after resuming at %llu us\n", vif->domid,
               (unsigned)(q - vif->q), restart_now_us());
        q->resumed = false;
    }
    if (err) {
        vif->st.tx_errors++;
        return 1;
    }
    vif->st.tx_pkts++;
    vif->st.tx_bytes += total;
    vfr_input(b->vfr, vif->port, b->pkt, total, &m, b->env.now(b->env.ctx));
    return 1;
}

static int tx_run(struct nb_queue *q)
{
    struct nb_vif *vif = q->vif;
    int done = 0;
    bool retried = false;
    while (done < NB_TX_BATCH) {
        RING_IDX prod;
        long n = XENRING_BACK_AVAILABLE(&q->tx, &prod);
        if (n < 0) return broken(vif, "transmit ring indices past the ring");
        /* Responses share the slots: there must be room for them too. */
        if (q->tx.req_cons - q->tx.rsp_prod_pvt > RING_SIZE(&q->tx))
            return broken(vif, "transmit ring responses overrun");
        if (n == 0) {
            int more;
            RING_FINAL_CHECK_FOR_REQUESTS(&q->tx, more);
            if (!more) break;
            continue;
        }
        int rc = tx_one(q, prod);
        if (rc < 0) return rc;
        if (rc == 0) {
            /* a partial packet: wait for the rest (ask to be told) */
            if (look_again(q, &q->tx.sring->req_event, &q->tx.sring->req_prod, prod, &retried)) continue;
            break;
        }
        done++;
    }
    return done;
}

/* ---- guest receive ---- */

/* Put one frame into the posted rx buffers: 0, -EAGAIN (too few posted),
 * -EIO (broken). */
static int rx_put(struct nb_queue *q, const uint8_t *f, size_t len, const struct nb_meta *m)
{
    struct nb_vif *vif = q->vif;
    struct nb *b = vif->nb;
    netif_rx_back_ring_t *r = &q->rx;
    RING_IDX prod;
    long avail = XENRING_BACK_AVAILABLE(r, &prod);
    if (avail < 0) return broken(vif, "receive ring indices past the ring");
    bool gso = m->gso_type != XEN_NETIF_GSO_TYPE_NONE;
    unsigned ndata = (unsigned)((len + NB_PAGE - 1) / NB_PAGE), need = ndata + (gso ? 1 : 0);
    if ((long)need > avail) return -EAGAIN;
    struct xd_copy c[NB_MAX_FRAME / NB_PAGE + 1];
    netif_rx_request_t req[NB_MAX_FRAME / NB_PAGE + 2];
    for (unsigned k = 0; k < need; k++)
        RING_COPY_REQUEST(r, r->req_cons + k, &req[k]);
    /* data slots: the first, then (after the GSO extra) the rest */
    for (unsigned d = 0; d < ndata; d++) {
        unsigned s = d == 0 || !gso ? d : d + 1;
        size_t off = (size_t)d * NB_PAGE, n = len - off < NB_PAGE ? len - off : NB_PAGE;
        c[d] = (struct xd_copy){ .domid = vif->domid,
                                 .gref = req[s].gref,
                                 .goff = 0,
                                 .len = (uint16_t)n,
                                 .local = (void *)(f + off),
                                 .to_guest = true };
    }
    bool failed = b->env.gcopy(b->env.ctx, c, ndata) != 0;
    for (unsigned d = 0; d < ndata && !failed; d++)
        failed = c[d].status != GNTST_okay;
    uint16_t first = m->csum_blank       ? NETRXF_csum_blank | NETRXF_data_validated
                     : m->data_validated ? NETRXF_data_validated
                                         : 0;
    for (unsigned d = 0; d < ndata; d++) {
        unsigned s = d == 0 || !gso ? d : d + 1;
        netif_rx_response_t *rs = RING_GET_RESPONSE(r, r->rsp_prod_pvt + s);
        rs->id = req[s].id;
        rs->offset = 0;
        rs->flags = (uint16_t)((d == 0 ? first : 0) | (d + 1 < ndata ? NETRXF_more_data : 0) |
                               (d == 0 && gso ? NETRXF_extra_info : 0));
        rs->status = failed ? NETIF_RSP_ERROR : (int16_t)c[d].len;
    }
    if (gso) {
        netif_extra_info_t x = { .type = XEN_NETIF_EXTRA_TYPE_GSO };
        x.u.gso.size = m->gso_size;
        x.u.gso.type = m->gso_type;
        memcpy(RING_GET_RESPONSE(r, r->rsp_prod_pvt + 1), &x, sizeof(x));
    }
    r->req_cons += need;
    r->rsp_prod_pvt += need;
    int notify;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(r, notify);
    if (notify) b->env.notify(b->env.ctx, q->rx_port);
    if (failed) {
        vif->st.rx_errors++;
    } else {
        vif->st.rx_pkts++;
        vif->st.rx_bytes += len;
    }
    return 0;
}

static int backlog(struct nb_queue *q, const uint8_t *f, size_t len, const struct nb_meta *m)
{
    struct nb_frame *fr;
    if (q->bl_n == NB_BACKLOG || !(fr = malloc(sizeof(*fr) + len))) {
        q->vif->st.rx_dropped++;
        return -1;
    }
    fr->m = *m;
    fr->len = len;
    memcpy(fr->data, f, len);
    q->bl[(q->bl_head + q->bl_n++) % NB_BACKLOG] = fr;
    /* be told when the frontend posts more buffers; if it did meanwhile,
     * the next pass's rx_flush finds them */
    RING_IDX prod = *(volatile RING_IDX *)&q->rx.sring->req_prod;
    bool retried = true;
    look_again(q, &q->rx.sring->req_event, &q->rx.sring->req_prod, prod, &retried);
    return 0;
}

static int rx_deliver(struct nb_queue *q, const uint8_t *f, size_t len, const struct nb_meta *m)
{
    if (q->bl_n) return backlog(q, f, len, m);
    int rc = rx_put(q, f, len, m);
    if (rc == -EAGAIN) return backlog(q, f, len, m);
    return rc ? -1 : 0;
}

static int rx_flush(struct nb_queue *q)
{
    int moved = 0;
    bool retried = false;
    while (q->bl_n) {
        struct nb_frame *fr = q->bl[q->bl_head];
        RING_IDX prod = *(volatile RING_IDX *)&q->rx.sring->req_prod;
        int rc = rx_put(q, fr->data, fr->len, &fr->m);
        if (rc == -EAGAIN) {
            /* too few buffers for this frame: be told when more are posted */
            if (look_again(q, &q->rx.sring->req_event, &q->rx.sring->req_prod, prod, &retried)) continue;
            break;
        }
        if (rc == -EIO) return rc;
        free(fr);
        q->bl_head = (q->bl_head + 1) % NB_BACKLOG;
        q->bl_n--;
        moved++;
    }
    return moved;
}

struct seg_ctx {
    struct nb_queue *q;
    int rc;
};

static int seg_out(void *ctx, const uint8_t *s, size_t n)
{
    struct seg_ctx *c = ctx;
    struct nb_meta m = { .data_validated = true };
    if (rx_deliver(c->q, s, n, &m)) c->rc = -1;
    c->q->vif->st.gso_segmented++;
    return 0;
}

/* Pick the queue by a hash of the addresses and ports, so one flow stays
 * on one queue (in order). */
static unsigned pick(const struct nb_vif *vif, const uint8_t *f, size_t len)
{
    if (vif->nq <= 1 || len < 38) return 0;
    uint32_t h = 0;
    for (size_t i = 26; i < 38; i++)
        h = h * 31 + f[i];
    return h % vif->nq;
}

static int to_vif(struct nb *b, struct nb_vif *vif, const uint8_t *f, size_t len, const struct nb_meta *m)
{
    struct nb_queue *q = &vif->q[pick(vif, f, len)];
    bool v6 = len >= 14 && f[12] == 0x86 && f[13] == 0xdd;
    bool gso_ok = (m->gso_type == XEN_NETIF_GSO_TYPE_TCPV4 && vif->rx_gso4) ||
                  (m->gso_type == XEN_NETIF_GSO_TYPE_TCPV6 && vif->rx_gso6);
    if (m->gso_type && !gso_ok) {
        /* the receiver cannot take it whole: cut it here */
        struct seg_ctx c = { q, 0 };
        if (nb_gso_segment(f, len, m->gso_size, b->seg, seg_out, &c)) {
            vif->st.rx_dropped++;
            return -1;
        }
        return c.rc;
    }
    if (len > NB_PAGE && !vif->rx_sg && !m->gso_type) {
        vif->st.rx_dropped++;
        return -1;
    }
    if (m->csum_blank && !(v6 ? vif->rx_csum6 : vif->rx_csum)) {
        memcpy(b->seg, f, len);
        struct nb_meta mm = *m;
        mm.csum_blank = false;
        mm.data_validated = nb_csum_fill(b->seg, len) == 0;
        if (mm.data_validated) vif->st.csum_filled++;
        return rx_deliver(q, b->seg, len, &mm);
    }
    return rx_deliver(q, f, len, m);
}

static int xmit(void *ctx, int port, const uint8_t *f, size_t len, const void *meta)
{
    struct nb *b = ctx;
    static const struct nb_meta none;
    const struct nb_meta *m = meta ? meta : &none;
    if (port == b->nic_port) return b->env.nic_xmit ? b->env.nic_xmit(b->env.nic_ctx, f, len, m) : -1;
    struct nb_vif *vif = port >= 0 && port < VFR_MAX_PORTS ? b->vif_of[port] : NULL;
    if (!vif || !vif->running || vif->broken) return -1;
    return to_vif(b, vif, f, len, m);
}

int nb_vif_run(struct nb_vif *vif)
{
    if (vif->broken) return -EIO;
    if (!vif->running) return 0;
    int total = 0;
    for (unsigned i = 0; i < vif->nq; i++) {
        int rc = rx_flush(&vif->q[i]);
        if (rc < 0) return rc;
        total += rc;
        rc = tx_run(&vif->q[i]);
        if (rc < 0) return rc;
        total += rc;
        if (vif->q[i].again) { /* a race with the frontend: no wake-up is sure to come, run again */
            vif->q[i].again = false;
            total++;
        }
    }
    return vif->broken ? -EIO : total;
}

void nb_nic_input(struct nb *b, const uint8_t *f, size_t len, const struct nb_meta *m)
{
    if (b->nic_port < 0 || len > NB_MAX_FRAME) return;
    memcpy(b->nicf, f, len);
    vfr_input(b->vfr, b->nic_port, b->nicf, len, m, b->env.now(b->env.ctx));
}

void nb_stats_text(const struct nb *b, char *out, size_t len)
{
    size_t at = 0;
    out[0] = 0;
    for (int p = 0; p < VFR_MAX_PORTS && at < len; p++) {
        const struct nb_vif *v = b->vif_of[p];
        if (!v) continue;
        const struct nb_stats *s = &v->st;
        int n = snprintf(
            out + at, len - at,
            "%s%s tx %llu pkts %llu bytes %llu errors rx %llu pkts %llu bytes %llu dropped %llu errors "
            "csum-filled %llu gso-segmented %llu",
            at ? "\n" : "", b->vfr->port[p].cfg.name, (unsigned long long)s->tx_pkts,
            (unsigned long long)s->tx_bytes, (unsigned long long)s->tx_errors, (unsigned long long)s->rx_pkts,
            (unsigned long long)s->rx_bytes, (unsigned long long)s->rx_dropped,
            (unsigned long long)s->rx_errors, (unsigned long long)s->csum_filled,
            (unsigned long long)s->gso_segmented);
        if (n < 0) break;
        at += (size_t)n;
    }
}
