/* The test netfront (see nf.h). */
#include "nf.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xen/io/xenbus.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntalloc.h>

struct xsc *nf_xs;
uint16_t nf_self;
static int ev_fd = -1, ga_fd = -1;

int nf_init(void)
{
    const char *d = getenv("TESSERA_DOMID");
    nf_self = d ? (uint16_t)atoi(d) : 0;
    ev_fd = open("/dev/xen/evtchn", O_RDWR | O_NONBLOCK);
    ga_fd = open("/dev/xen/gntalloc", O_RDWR);
    int xb = open("/dev/xen/xenbus", O_RDWR);
    if (ev_fd < 0 || ga_fd < 0 || xb < 0) return -errno;
    nf_xs = xsc_new_fd(xb);
    return nf_xs ? 0 : -ENOMEM;
}

uint64_t nf_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void nf_sleep_ms(unsigned ms)
{
    struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000 };
    nanosleep(&t, NULL);
}

int nf_xs_printf(const char *dir, const char *node, const char *fmt, ...)
{
    char p[256], v[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof(v), fmt, ap);
    va_end(ap);
    snprintf(p, sizeof(p), "%s/%s", dir, node);
    return xsc_write(nf_xs, p, v);
}

static int xs_get(const char *dir, const char *node, char **v)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", dir, node);
    return xsc_read(nf_xs, p, v);
}

long nf_xs_num(const char *dir, const char *node)
{
    char *v = NULL, *end;
    if (xs_get(dir, node, &v)) return -1;
    long n = strtol(v, &end, 10);
    if (end == v || *end) n = -1;
    free(v);
    return n;
}

int nf_wait_be(struct nf *n, unsigned want, unsigned ms)
{
    uint64_t end = nf_now() + (uint64_t)ms * 1000000ull;
    long st;
    for (;;) {
        st = nf_xs_num(n->bedir, "state");
        if ((st >= 0 && st < 32 && (want & (1u << st))) || nf_now() > end) return (int)st;
        nf_sleep_ms(5);
    }
}

/* count pages granted to dom (writable or not): their refs and addresses. */
static int grant(uint16_t dom, unsigned count, bool writable, uint32_t *refs, uint8_t **pages)
{
    for (unsigned done = 0; done < count;) {
        unsigned k = count - done > 16 ? 16 : count - done;
        union {
            struct ioctl_gntalloc_alloc_gref g;
            char b[sizeof(struct ioctl_gntalloc_alloc_gref) + 16 * sizeof(uint32_t)];
        } u;
        memset(&u, 0, sizeof(u));
        u.g.domid = dom;
        u.g.flags = writable ? GNTALLOC_FLAG_WRITABLE : 0;
        u.g.count = k;
        if (ioctl(ga_fd, IOCTL_GNTALLOC_ALLOC_GREF, &u.g)) return -errno;
        uint8_t *va = mmap(NULL, k * NF_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ga_fd, (off_t)u.g.index);
        if (va == MAP_FAILED) return -errno;
        for (unsigned i = 0; i < k; i++) {
            refs[done + i] = u.g.gref_ids[i];
            pages[done + i] = va + i * NF_PAGE;
        }
        done += k;
    }
    return 0;
}

int nf_grant_to(uint16_t dom, uint32_t *ref, uint8_t **page) { return grant(dom, 1, false, ref, page); }

int nf_attach(struct nf *n, unsigned devid)
{
    memset(n, 0, sizeof(*n));
    n->devid = devid;
    n->port = -1;
    snprintf(n->fe, sizeof(n->fe), "/local/domain/%u/device/vif/%u", nf_self, devid);
    char *be = NULL, *mac = NULL;
    long beid = nf_xs_num(n->fe, "backend-id");
    if (beid < 0 || xs_get(n->fe, "backend", &be) || xs_get(n->fe, "mac", &mac) ||
        nf_parse_mac(mac, n->mac)) {
        free(be);
        free(mac);
        return -ENOENT;
    }
    n->be = (uint16_t)beid;
    snprintf(n->bedir, sizeof(n->bedir), "%s", be);
    free(be);
    free(mac);
    uint8_t *pg[2];
    uint32_t refs[2];
    int rc = grant(n->be, 2, true, refs, pg);
    if (!rc) rc = grant(n->be, NF_TX, false, n->txg, n->txp);
    if (!rc) rc = grant(n->be, NF_RX, true, n->rxg, n->rxp);
    if (rc) return rc;
    n->rings = pg[0];
    n->txref = refs[0];
    n->rxref = refs[1];
    if (nf_wait_be(n, 1u << XenbusStateInitWait, 30000) != XenbusStateInitWait) return -ETIMEDOUT;
    return 0;
}

static void post_rx(struct nf *n, unsigned id)
{
    netif_rx_request_t *r = RING_GET_REQUEST(&n->rx, n->rx.req_prod_pvt);
    r->id = (uint16_t)id;
    r->gref = n->rxg[id];
    n->rx.req_prod_pvt++;
}

void nf_notify(struct nf *n)
{
    struct ioctl_evtchn_notify nt = { (unsigned)n->port };
    ioctl(ev_fd, IOCTL_EVTCHN_NOTIFY, &nt);
}

int nf_connect(struct nf *n, const struct nf_nodes *o)
{
    static const struct nf_nodes dflt = { NULL, NULL, NULL, "1", "1", NULL, NULL };
    if (!o) o = &dflt;
    netif_tx_sring_t *txs = n->rings;
    netif_rx_sring_t *rxs = (netif_rx_sring_t *)((uint8_t *)n->rings + NF_PAGE);
    memset(n->rings, 0, 2 * NF_PAGE);
    SHARED_RING_INIT(txs);
    SHARED_RING_INIT(rxs);
    FRONT_RING_INIT(&n->tx, txs, NF_PAGE);
    FRONT_RING_INIT(&n->rx, rxs, NF_PAGE);
    memset(n->txbusy, 0, sizeof(n->txbusy));
    if (n->port < 0) {
        struct ioctl_evtchn_bind_unbound_port u = { n->be };
        n->port = ioctl(ev_fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &u);
        if (n->port < 0) return -errno;
    }
    char num[16];
    snprintf(num, sizeof(num), "%u", n->txref);
    nf_xs_printf(n->fe, "tx-ring-ref", "%s", o->tx_ring_ref ? o->tx_ring_ref : num);
    snprintf(num, sizeof(num), "%u", n->rxref);
    nf_xs_printf(n->fe, "rx-ring-ref", "%s", o->rx_ring_ref ? o->rx_ring_ref : num);
    snprintf(num, sizeof(num), "%d", n->port);
    nf_xs_printf(n->fe, "event-channel", "%s", o->event_channel ? o->event_channel : num);
    if (o->request_rx_copy) nf_xs_printf(n->fe, "request-rx-copy", "%s", o->request_rx_copy);
    if (o->feature_rx_notify) nf_xs_printf(n->fe, "feature-rx-notify", "%s", o->feature_rx_notify);
    if (o->extra_node) nf_xs_printf(n->fe, o->extra_node, "%s", o->extra_val);
    for (unsigned i = 0; i < NF_RX; i++)
        post_rx(n, i);
    RING_PUSH_REQUESTS(&n->rx);
    nf_xs_printf(n->fe, "state", "%d", XenbusStateInitialised);
    int st =
        nf_wait_be(n, 1u << XenbusStateConnected | 1u << XenbusStateClosing | 1u << XenbusStateClosed, 30000);
    if (st == XenbusStateConnected) {
        nf_xs_printf(n->fe, "state", "%d", XenbusStateConnected);
        n->connected = true;
        nf_notify(n);
    }
    return st;
}

int nf_reset(struct nf *n)
{
    n->connected = false;
    nf_xs_printf(n->fe, "state", "%d", XenbusStateClosing);
    nf_wait_be(n, 1u << XenbusStateClosing | 1u << XenbusStateClosed, 10000);
    nf_xs_printf(n->fe, "state", "%d", XenbusStateClosed);
    if (nf_wait_be(n, 1u << XenbusStateClosed, 10000) != XenbusStateClosed) return -ETIMEDOUT;
    if (n->port >= 0) {
        struct ioctl_evtchn_unbind u = { (unsigned)n->port };
        ioctl(ev_fd, IOCTL_EVTCHN_UNBIND, &u);
        n->port = -1;
    }
    nf_xs_printf(n->fe, "state", "%d", XenbusStateInitialising);
    return nf_wait_be(n, 1u << XenbusStateInitWait, 10000) == XenbusStateInitWait ? 0 : -ETIMEDOUT;
}

int nf_tx_id(struct nf *n)
{
    for (int i = 0; i < NF_TX; i++)
        if (!n->txbusy[i]) return i;
    return -1;
}

void nf_tx_raw(struct nf *n, const netif_tx_request_t *r, unsigned cnt)
{
    for (unsigned i = 0; i < cnt; i++) {
        *RING_GET_REQUEST(&n->tx, n->tx.req_prod_pvt) = r[i];
        n->tx.req_prod_pvt++;
    }
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&n->tx, notify);
    if (notify) nf_notify(n);
}

int nf_send(struct nf *n, const uint8_t *f, size_t len)
{
    int id = nf_tx_id(n);
    if (id < 0 || !n->connected || len > NF_PAGE || RING_FULL(&n->tx)) return -EAGAIN;
    memcpy(n->txp[id], f, len);
    netif_tx_request_t r = {
        .gref = n->txg[id], .offset = 0, .flags = 0, .id = (uint16_t)id, .size = (uint16_t)len
    };
    n->txbusy[id] = true;
    nf_tx_raw(n, &r, 1);
    return 0;
}

bool nf_poll(struct nf *n)
{
    bool any = false;
    if (!n->connected) return false;
    int more;
    do {
        RING_IDX prod = n->tx.sring->rsp_prod;
        xen_rmb();
        for (RING_IDX i = n->tx.rsp_cons; i != prod; i++) {
            netif_tx_response_t *r = RING_GET_RESPONSE(&n->tx, i);
            if (r->status == NETIF_RSP_NULL) continue;
            if (r->id < NF_TX) {
                n->txbusy[r->id] = false;
                n->txst[r->id] = r->status;
            }
            if (r->status == NETIF_RSP_OKAY)
                n->tx_ok++;
            else
                n->tx_err++;
            any = true;
        }
        n->tx.rsp_cons = prod;
        RING_FINAL_CHECK_FOR_RESPONSES(&n->tx, more);
    } while (more);
    uint64_t now = nf_now();
    unsigned posted = 0;
    do {
        RING_IDX prod = n->rx.sring->rsp_prod;
        xen_rmb();
        for (RING_IDX i = n->rx.rsp_cons; i != prod; i++) {
            netif_rx_response_t r = *RING_GET_RESPONSE(&n->rx, i);
            unsigned id = r.id % NF_RX;
            if (r.status < 0 || r.offset + r.status > NF_PAGE ||
                (r.flags & (NETRXF_more_data | NETRXF_extra_info))) {
                n->rx_err++;
            } else {
                n->rx_pkts++;
                n->rx_bytes += (unsigned)r.status;
                if (n->on_rx) n->on_rx(n, n->rxp[id] + r.offset, (size_t)r.status, now);
            }
            post_rx(n, id);
            posted++;
            any = true;
        }
        n->rx.rsp_cons = prod;
        RING_FINAL_CHECK_FOR_RESPONSES(&n->rx, more);
    } while (more);
    if (posted) {
        RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&n->rx, more);
        if (more) nf_notify(n);
    }
    return any;
}

void nf_wait(unsigned ms)
{
    struct pollfd p = { ev_fd, POLLIN, 0 };
    if (poll(&p, 1, (int)ms) != 1) return;
    uint32_t ports[64];
    ssize_t got = read(ev_fd, ports, sizeof(ports));
    if (got > 0) (void)!write(ev_fd, ports, (size_t)got);
}

/* ---- frames ---- */

uint16_t nf_csum16(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

size_t nf_udp_frame(uint8_t *f, size_t len, const uint8_t *dmac, const uint8_t *smac, const uint8_t *sip,
                    const uint8_t *dip, uint16_t dport, uint32_t seq, uint16_t kind)
{
    if (len < 60) len = 60;
    memset(f, 0, len);
    memcpy(f, dmac, 6);
    memcpy(f + 6, smac, 6);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(len - 14));
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, sip, 4);
    memcpy(ip + 16, dip, 4);
    put16(ip + 10, nf_csum16(ip, 20));
    uint8_t *udp = ip + 20;
    put16(udp, 9000);
    put16(udp + 2, dport);
    put16(udp + 4, (uint16_t)(len - 34));
    memcpy(udp + 8, "NTST", 4);
    put32(udp + 12, seq);
    put16(udp + 16, kind);
    return len;
}

bool nf_udp_parse(const uint8_t *f, size_t len, uint16_t *dport, uint32_t *seq, uint16_t *kind)
{
    if (len < 52 || f[12] != 8 || f[13] != 0 || f[23] != 17 || memcmp(f + 42, "NTST", 4)) return false;
    *dport = (uint16_t)(f[36] << 8 | f[37]);
    *seq = (uint32_t)f[46] << 24 | (uint32_t)f[47] << 16 | (uint32_t)f[48] << 8 | f[49];
    *kind = (uint16_t)(f[50] << 8 | f[51]);
    return true;
}

int nf_parse_mac(const char *s, uint8_t mac[6])
{
    unsigned m[6];
    char c;
    if (!s || sscanf(s, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &c) != 6)
        return -EINVAL;
    for (int i = 0; i < 6; i++) {
        if (m[i] > 255) return -EINVAL;
        mac[i] = (uint8_t)m[i];
    }
    return 0;
}

int nf_parse_ip(const char *s, uint8_t ip[4])
{
    unsigned a[4];
    char c;
    if (!s || sscanf(s, "%u.%u.%u.%u%c", &a[0], &a[1], &a[2], &a[3], &c) != 4) return -EINVAL;
    for (int i = 0; i < 4; i++) {
        if (a[i] > 255) return -EINVAL;
        ip[i] = (uint8_t)a[i];
    }
    return 0;
}
