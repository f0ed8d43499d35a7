/* The migration link (see migrate_net.h): the builder's vif and lwIP's TCP
 * on it.  Why here and not in a service domain: the sender and receiver
 * (migrate.c) already run in the builder on a stream of parts; a link in
 * the builder needs no second channel between two domains, only netfront
 * (servers/lib, as the lwIP guest uses it) on pages the builder grants and
 * lwIP (Debian's source, as the lwIP guest builds it).  The builder has one
 * thread: a migration's calls pump the vif until they are done. */
#include "save/migrate_net.h"
#include "mgr/mgr.h"
#include "mgr/mgr_vif.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <xen/io/xenbus.h>
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "netfront.h"
#include "xenbus_fe.h"

#define RXQ 256 /* frames taken from the rings, for lwIP */

static struct {
    struct mgr *m;
    int up;
    char ip[16];
    struct netif nif;
    struct netfront nf;
    struct xfe fe;
    uint32_t port;
    struct pbuf *frames[RXQ];
    unsigned nframes;
    /* the connection */
    struct tcp_pcb *pcb, *listener;
    struct pbuf *rxq; /* received, not yet read */
    int closed, broken, connected;
    uint64_t consoles_ms;
} N;

static uint64_t ms_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

u32_t sys_now(void) { return (u32_t)ms_now(); }

uint32_t db_lwip_rand(void)
{
    uint32_t v = 0;
    if (getrandom(&v, sizeof(v), 0) != sizeof(v)) v = (uint32_t)ms_now() * 2654435761u;
    return v;
}

const char *mnet_addr(void) { return N.up ? N.ip : NULL; }

/* ---- the vif ---- */

static void nf_notify(void *ctx)
{
    struct mgr *m = ctx;
    m->b->ops->notify(m->b, N.port);
}

static void nf_deliver(void *ctx, const void *frame, size_t len)
{
    (void)ctx;
    if (N.nframes == RXQ) return; /* TCP sends it again */
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (!p) return;
    pbuf_take(p, frame, (u16_t)len);
    N.frames[N.nframes++] = p;
}

static err_t vif_output(struct netif *n, struct pbuf *p)
{
    (void)n;
    static uint8_t frame[NF_PAGE];
    if (p->tot_len > sizeof(frame)) return ERR_BUF;
    pbuf_copy_partial(p, frame, p->tot_len, 0);
    int rc = nf_xmit(&N.nf, frame, p->tot_len);
    if (rc == -EAGAIN) { /* finished transmits free buffers; frames received are only queued */
        nf_poll(&N.nf);
        rc = nf_xmit(&N.nf, frame, p->tot_len);
    }
    return rc ? ERR_IF : ERR_OK; /* TCP keeps an unsent segment */
}

static err_t vif_init(struct netif *n)
{
    n->name[0] = 'm';
    n->name[1] = 'g';
    n->hwaddr_len = 6;
    n->mtu = 1500;
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    n->output = etharp_output;
    n->linkoutput = vif_output;
    return ERR_OK;
}

/* Other ports' events go to the main loop (each once). */
static void defer(struct mgr *m, uint32_t p)
{
    for (int i = 0; i < m->ndeferred; i++)
        if (m->deferred[i] == p) return;
    if (m->ndeferred < (int)(sizeof(m->deferred) / sizeof(m->deferred[0]))) m->deferred[m->ndeferred++] = p;
}

/* Waits up to wait_ms for the vif's event (or lwIP's next timer), then
 * takes the rings' responses, feeds lwIP and runs its timers. */
static void pump(struct mgr *m, int wait_ms)
{
    struct backend *b = m->b;
    uint32_t p;
    int mine = 0;
    for (int pass = 0; pass < 2; pass++) {
        while (!b->ops->pending(b, &p))
            if (p == N.port)
                mine = 1;
            else
                defer(m, p);
        if (mine || pass || wait_ms <= 0) break;
        u32_t t = sys_timeouts_sleeptime();
        int w = t < (u32_t)wait_ms ? (int)t : wait_ms;
        struct pollfd pf = { b->ops->event_fd(b), POLLIN, 0 };
        if (pf.fd >= 0) poll(&pf, 1, w);
    }
    nf_poll(&N.nf);
    for (unsigned i = 0; i < N.nframes; i++)
        if (N.nif.input(N.frames[i], &N.nif) != ERR_OK) pbuf_free(N.frames[i]);
    N.nframes = 0;
    sys_check_timeouts();
    if (N.pcb && N.pcb->unsent) tcp_output(N.pcb);
    uint64_t now = ms_now();
    if (now - N.consoles_ms >= 100) { /* guests' consoles, as between a migration's rounds */
        N.consoles_ms = now;
        for (int k = 0; k < MGR_MAX_DOMS; k++)
            if (m->dom[k].used) mgr_console_poll(m, &m->dom[k]);
    }
}

static int vif_fail(struct mgr *m, const char *bdir, char *err, size_t errlen, const char *why)
{
    db_errf(err, errlen, "the builder's vif: %s", why);
    xsc_rm(m->xs, "/local/domain/0/device/vif/0");
    xsc_rm(m->xs, bdir);
    return -1;
}

int mnet_up(struct mgr *m, const char *ip, char *err, size_t errlen)
{
    struct backend *b = m->b;
    ip4_addr_t a, mask, gw;
    if (N.up)
        return strcmp(ip, N.ip) ? db_errf(err, errlen, "the builder's vif has the address %s already", N.ip)
                                : 0;
    if (strlen(ip) >= sizeof(N.ip) || !ip4addr_aton(ip, &a) || ip4_addr_isany(&a) ||
        ip4_addr_get_u32(&a) == IPADDR_BROADCAST || ip4_addr_ismulticast(&a))
        return db_errf(err, errlen, "'%s' is not a unicast IPv4 address", ip);
    struct mgr_dom *nb = mgr_find(m, VIF_DEFAULT_BACKEND);
    if (!nb || !nb->store_port || !mgr_xs_up(m))
        return db_errf(err, errlen, "no network: the domain '%s' or xenstore is not running",
                       VIF_DEFAULT_BACKEND);
    uint32_t self = b->self, be = nb->domid;
    const uint8_t *o = (const uint8_t *)&a.addr;
    uint8_t mac[6] = { 0x02, 0x00, o[0], o[1], o[2], o[3] }; /* locally administered, one per address */
    char spec[96], bdir[96];
    snprintf(spec, sizeof(spec), "mac=02:00:%02x:%02x:%02x:%02x, ip=%s", o[0], o[1], o[2], o[3], ip);
    snprintf(bdir, sizeof(bdir), "/local/domain/%u/backend/vif/%u/0", be, self);
    struct mgr_vif v;
    struct mgr_vbd_node nodes[24];
    if (mgr_vif_parse(spec, self, 0, &v)) return db_errf(err, errlen, "the vif '%s' is refused", spec);
    int k = mgr_vif_nodes(&v, self, be, nodes, 24), rc = mgr_xs_dev_nodes(m, nodes, k);
    if (rc) return vif_fail(m, bdir, err, errlen, "its xenstore nodes cannot be written");
    if (xfe_open(&N.fe, m->xs, (uint16_t)self, "vif", 0) ||
        xfe_wait_backend(&N.fe, XenbusStateInitWait, 10000))
        return vif_fail(m, bdir, err, errlen, N.fe.err);

    /* rings and buffers: pages of ours granted to the backend, 32 at a time
     * (pages granted before a failure stay granted: there is no ungrant) */
    enum { NPAGES = 2 + NF_TX_BUFS + NF_RX_BUFS };
    static uint8_t *page[NPAGES];
    static uint32_t gref[NPAGES];
    for (unsigned i = 0; i < NPAGES; i += 32) {
        uint32_t n = NPAGES - i < 32 ? NPAGES - i : 32;
        uint8_t *va = b->ops->grant_pages ? b->ops->grant_pages(b, be, n, gref + i) : NULL;
        if (!va) return vif_fail(m, bdir, err, errlen, "no pages to grant for its rings and buffers");
        for (uint32_t j = 0; j < n; j++)
            page[i + j] = va + 4096 * j;
    }
    uint32_t tref = gref[0], rref = gref[1];
    nf_init(&N.nf, (void *)page[0], (void *)page[1]);
    for (unsigned i = 0; i < NF_TX_BUFS; i++)
        N.nf.txb[i] = (struct nf_buf){ page[2 + i], gref[2 + i] };
    for (unsigned i = 0; i < NF_RX_BUFS; i++)
        N.nf.rxb[i] = (struct nf_buf){ page[2 + NF_TX_BUFS + i], gref[2 + NF_TX_BUFS + i] };
    if (b->ops->bind_unbound(b, be, &N.port)) return vif_fail(m, bdir, err, errlen, "no event channel");
    N.m = m;
    N.nf.notify = nf_notify;
    N.nf.deliver = nf_deliver;
    N.nf.ctx = m;
    nf_rx_fill(&N.nf);
    struct xfe *f = &N.fe;
    if (xfe_printf(f, "tx-ring-ref", "%u", tref) || xfe_printf(f, "rx-ring-ref", "%u", rref) ||
        xfe_printf(f, "event-channel", "%u", N.port) || xfe_printf(f, "request-rx-copy", "1") ||
        xfe_printf(f, "feature-rx-notify", "1") || xfe_printf(f, "feature-no-csum-offload", "1") ||
        xfe_printf(f, "feature-sg", "0") || xfe_printf(f, "feature-gso-tcpv4", "0") ||
        xfe_switch(f, XenbusStateConnected) || xfe_wait_backend(f, XenbusStateConnected, 10000))
        return vif_fail(m, bdir, err, errlen, f->err);

    static int lwip_ready;
    if (!lwip_ready) lwip_init();
    lwip_ready = 1;
    IP4_ADDR(&mask, 255, 255, 255, 0);
    ip4_addr_set_zero(&gw);
    if (!netif_add(&N.nif, &a, &mask, &gw, NULL, vif_init, ethernet_input))
        return vif_fail(m, bdir, err, errlen, "lwIP refused the interface");
    memcpy(N.nif.hwaddr, mac, 6);
    netif_set_default(&N.nif);
    netif_set_up(&N.nif);
    netif_set_link_up(&N.nif);
    snprintf(N.ip, sizeof(N.ip), "%s", ip);
    N.up = 1;
    mgr_logf(m, "domain-builder: migration vif 0 on %s (domain %u): %s, mac %s", VIF_DEFAULT_BACKEND, be, ip,
             v.mac);
    return 0;
}

/* ---- the connection ---- */

static void on_err(void *arg, err_t e)
{
    (void)arg;
    (void)e;
    N.pcb = NULL; /* lwIP freed it */
    N.broken = 1;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t e)
{
    (void)arg;
    (void)pcb;
    (void)e;
    if (!p)
        N.closed = 1;
    else if (!N.rxq)
        N.rxq = p;
    else
        pbuf_cat(N.rxq, p);
    return ERR_OK;
}

static void adopt(struct tcp_pcb *pcb)
{
    N.pcb = pcb;
    N.rxq = NULL;
    N.closed = N.broken = 0;
    N.connected = 1;
    tcp_arg(pcb, NULL);
    tcp_err(pcb, on_err);
    tcp_recv(pcb, on_recv);
    tcp_nagle_disable(pcb);
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t e)
{
    (void)arg;
    (void)pcb;
    N.connected = e == ERR_OK;
    return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t e)
{
    (void)arg;
    if (e != ERR_OK || !pcb) return ERR_VAL;
    if (N.pcb) { /* one migration at a time */
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    adopt(pcb);
    return ERR_OK;
}

static int ready(char *err, size_t errlen)
{
    if (!N.up) return db_errf(err, errlen, "the builder has no vif (give it an address: -a ADDR)");
    if (N.pcb || N.listener) mnet_close(N.m, 1);
    return 0;
}

int mnet_connect(struct mgr *m, const char *host, uint16_t port, int timeout_ms, char *err, size_t errlen)
{
    ip4_addr_t a;
    if (ready(err, errlen)) return -1;
    if (!ip4addr_aton(host, &a) || ip4_addr_isany(&a) || ip4_addr_ismulticast(&a) ||
        ip4_addr_get_u32(&a) == IPADDR_BROADCAST)
        return db_errf(err, errlen, "'%s' is not an IPv4 address", host);
    struct tcp_pcb *pcb = tcp_new();
    if (!pcb) return db_errf(err, errlen, "lwIP has no connection left");
    adopt(pcb);
    N.connected = 0;
    if (tcp_connect(pcb, &a, port, on_connected) != ERR_OK) {
        mnet_close(m, 1);
        return db_errf(err, errlen, "cannot connect to %s:%u", host, port);
    }
    uint64_t end = ms_now() + (uint64_t)timeout_ms;
    while (!N.connected && !N.broken && ms_now() < end)
        pump(m, 50);
    if (N.connected && N.pcb) return 0;
    mnet_close(m, 1);
    return db_errf(err, errlen, "%s:%u %s", host, port,
                   N.broken ? "refused the connection" : "did not answer");
}

int mnet_accept(struct mgr *m, uint16_t port, int timeout_ms, char *peer, char *err, size_t errlen)
{
    if (ready(err, errlen)) return -1;
    struct tcp_pcb *l = tcp_new();
    if (l) ip_set_option(l, SOF_REUSEADDR);
    if (!l || tcp_bind(l, IP4_ADDR_ANY, port) != ERR_OK) {
        if (l) tcp_abort(l);
        return db_errf(err, errlen, "cannot listen on port %u", port);
    }
    N.listener = tcp_listen_with_backlog(l, 1);
    if (!N.listener) {
        tcp_abort(l);
        return db_errf(err, errlen, "cannot listen on port %u", port);
    }
    tcp_accept(N.listener, on_accept);
    uint64_t end = ms_now() + (uint64_t)timeout_ms;
    while (!N.pcb && ms_now() < end)
        pump(m, 100);
    tcp_close(N.listener);
    N.listener = NULL;
    if (!N.pcb)
        return db_errf(err, errlen, "no migration came to %s:%u in %d s", N.ip, port, timeout_ms / 1000);
    snprintf(peer, 16, "%s", ip4addr_ntoa(&N.pcb->remote_ip));
    return 0;
}

int mnet_send(struct mgr *m, const void *data, size_t len, int timeout_ms, char *err, size_t errlen)
{
    const uint8_t *d = data;
    uint64_t end = ms_now() + (uint64_t)timeout_ms;
    while (len) {
        if (!N.pcb || N.closed) return db_errf(err, errlen, "the connection broke");
        size_t n = tcp_sndbuf(N.pcb);
        n = n < len ? n : len;
        n = n < 0xffff ? n : 0xffff;
        if (n && tcp_sndqueuelen(N.pcb) < TCP_SND_QUEUELEN - 2 &&
            tcp_write(N.pcb, d, (u16_t)n, TCP_WRITE_FLAG_COPY) == ERR_OK) {
            d += n;
            len -= n;
            end = ms_now() + (uint64_t)timeout_ms;
            tcp_output(N.pcb);
            pump(m, 0);
            continue;
        }
        if (ms_now() >= end)
            return db_errf(err, errlen, "the receiver took nothing for %d s", timeout_ms / 1000);
        pump(m, 20);
    }
    if (N.pcb) tcp_output(N.pcb);
    return 0;
}

int mnet_recv(struct mgr *m, void *buf, size_t len, size_t *got, int timeout_ms, char *err, size_t errlen)
{
    uint8_t *d = buf;
    size_t at = 0;
    uint64_t end = ms_now() + (uint64_t)timeout_ms;
    while (at < len) {
        if (N.rxq) {
            size_t want = len - at < 0xffff ? len - at : 0xffff;
            u16_t n = pbuf_copy_partial(N.rxq, d + at, (u16_t)want, 0);
            at += n;
            N.rxq = pbuf_free_header(N.rxq, n);
            if (N.pcb) tcp_recved(N.pcb, n);
            end = ms_now() + (uint64_t)timeout_ms;
            continue;
        }
        if (N.closed || N.broken || !N.pcb) {
            if (got) *got = at;
            return db_errf(err, errlen, "the connection %s", N.closed ? "was closed" : "broke");
        }
        if (ms_now() >= end) {
            if (got) *got = at;
            return db_errf(err, errlen, "nothing came for %d s", timeout_ms / 1000);
        }
        pump(m, 50);
    }
    if (got) *got = at;
    return 0;
}

int mnet_recv_line(struct mgr *m, char *buf, size_t cap, int timeout_ms, char *err, size_t errlen)
{
    for (size_t i = 0; i + 1 < cap; i++) {
        if (mnet_recv(m, buf + i, 1, NULL, timeout_ms, err, errlen)) return -1;
        if (buf[i] == '\n') {
            buf[i] = 0;
            return 0;
        }
    }
    buf[cap - 1] = 0;
    return db_errf(err, errlen, "a line longer than %zu bytes", cap - 1);
}

void mnet_close(struct mgr *m, int abort)
{
    if (N.listener) tcp_close(N.listener);
    N.listener = NULL;
    /* what we sent goes first: the peer's last answer must arrive */
    uint64_t end = ms_now() + 3000;
    while (!abort && N.pcb && (N.pcb->unsent || N.pcb->unacked) && ms_now() < end)
        pump(m, 20);
    if (N.pcb) {
        tcp_arg(N.pcb, NULL);
        tcp_err(N.pcb, NULL);
        tcp_recv(N.pcb, NULL);
        if (abort || tcp_close(N.pcb) != ERR_OK) tcp_abort(N.pcb);
    }
    N.pcb = NULL;
    if (N.rxq) pbuf_free(N.rxq);
    N.rxq = NULL;
    if (!abort) pump(m, 0); /* our FIN */
}
