/* The guest's vif: device/vif/0 connected to its backend (servers/lib's
 * xenbus_fe handshake and netfront rings; the pages and grants are ours),
 * and lwIP's netif on it: frames out through nf_xmit, frames in from
 * nf_poll, the address from the backend's "ip" node (one IPv4 address:
 * static, netmask and gateway from the command line) or DHCP (no node, or
 * a prefix). */
#include "guest.h"

#include <errno.h>
#include <xen/io/xenbus.h>
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "netif/ethernet.h"
#include "netfront.h"
#include "xenbus_fe.h"

#define GNT_FRAMES 1

struct netif vif_netif;
static struct netfront nf;
static struct xfe fe;
static evtchn_port_t port;
static volatile bool fired;
static bool broken_reported;
static uint8_t mac[6];
static bool use_dhcp;
static ip4_addr_t addr;

static char gnt_pages[GNT_FRAMES][PAGE_SIZE] ALIGNED_PAGE;
static char tx_ring[PAGE_SIZE] ALIGNED_PAGE, rx_ring[PAGE_SIZE] ALIGNED_PAGE;
static char tx_pages[NF_TX_BUFS][PAGE_SIZE] ALIGNED_PAGE;
static char rx_pages[NF_RX_BUFS][PAGE_SIZE] ALIGNED_PAGE;

static uint64_t va_mfn(const void *va) { return p2m[((uint64_t)va - VIRT_BASE) >> PAGE_SHIFT]; }

static void vif_event(evtchn_port_t p, void *arg)
{
    (void)p;
    (void)arg;
    fired = true;
}

bool vif_pending(void) { return fired; }

static void nf_notify(void *ctx)
{
    (void)ctx;
    notify_port(port);
}

static void nf_deliver(void *ctx, const void *frame, size_t len)
{
    (void)ctx;
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (!p) {
        LINK_STATS_INC(link.memerr);
        return;
    }
    pbuf_take(p, frame, (u16_t)len);
    if (vif_netif.input(p, &vif_netif) != ERR_OK) pbuf_free(p);
}

static err_t vif_output(struct netif *n, struct pbuf *p)
{
    (void)n;
    static char frame[PAGE_SIZE];
    if (p->tot_len > sizeof(frame)) return ERR_BUF;
    pbuf_copy_partial(p, frame, p->tot_len, 0);
    int rc = nf_xmit(&nf, frame, p->tot_len);
    if (rc == -EAGAIN) {
        /* the ring is full: give the backend a moment, once */
        nf_poll(&nf);
        rc = nf_xmit(&nf, frame, p->tot_len);
    }
    return rc ? ERR_IF : ERR_OK;
}

static err_t vif_netif_init(struct netif *n)
{
    n->name[0] = 'x';
    n->name[1] = 'n';
    n->hwaddr_len = 6;
    memcpy(n->hwaddr, mac, 6);
    n->mtu = 1500;
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    n->output = etharp_output;
    n->linkoutput = vif_output;
    return ERR_OK;
}

/* The backend's "ip": absent or a prefix (a.b.c.d/n): DHCP; one address (the
 * first word; netback takes more for its anti-spoofing set): static. */
static void read_ip(void)
{
    char v[128];
    int rc = xfe_read(&fe, fe.be, "ip", v, sizeof(v));
    if (rc == -ENOENT) {
        use_dhcp = true;
        return;
    }
    if (rc) guest_fail("vif 0: %s", fe.err);
    char *sp = strstr(v, " ");
    if (sp) *sp = 0;
    if (strstr(v, "/")) {
        use_dhcp = true;
        return;
    }
    if (!ip4addr_aton(v, &addr) || ip4_addr_isany(&addr) || ip4_addr_get_u32(&addr) == IPADDR_BROADCAST ||
        ip4_addr_ismulticast(&addr))
        guest_fail("vif 0: %s/ip: '%s' is not a unicast IPv4 address", fe.be, v);
}

static void status_changed(struct netif *n)
{
    if (netif_is_up(n) && !ip4_addr_isany(netif_ip4_addr(n)))
        printf("lwip: vif 0: address %s%s\n", ip4addr_ntoa(netif_ip4_addr(n)), use_dhcp ? " (DHCP)" : "");
}

void vif_init(void)
{
    int rc = xfe_open(&fe, xs, self_domid, "vif", 0);
    if (rc) guest_fail("vif 0: %s", fe.err);
    if (xfe_read_mac(&fe, mac)) guest_fail("vif 0: %s", fe.err);
    read_ip();
    rc = xfe_wait_backend(&fe, XenbusStateInitWait, 30000);
    if (rc) guest_fail("vif 0: %s", fe.err);

    long g = pv_gnttab_init(gnt_pages, GNT_FRAMES);
    if (g) guest_fail("vif 0: grant table setup failed (%ld)", g);
    nf_init(&nf, (netif_tx_sring_t *)tx_ring, (netif_rx_sring_t *)rx_ring);
    long tref = pv_gnttab_grant(fe.be_id, va_mfn(tx_ring), false);
    long rref = pv_gnttab_grant(fe.be_id, va_mfn(rx_ring), false);
    for (unsigned i = 0; i < NF_TX_BUFS && tref >= 0; i++) {
        long r = pv_gnttab_grant(fe.be_id, va_mfn(tx_pages[i]), true);
        nf.txb[i] = (struct nf_buf){ tx_pages[i], (uint32_t)r };
        if (r < 0) tref = r;
    }
    for (unsigned i = 0; i < NF_RX_BUFS && rref >= 0; i++) {
        long r = pv_gnttab_grant(fe.be_id, va_mfn(rx_pages[i]), false);
        nf.rxb[i] = (struct nf_buf){ rx_pages[i], (uint32_t)r };
        if (r < 0) rref = r;
    }
    if (tref < 0 || rref < 0)
        guest_fail("vif 0: granting the rings and buffers failed (%ld)", tref < 0 ? tref : rref);
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = fe.be_id };
    long e = evtchn_op(EVTCHNOP_alloc_unbound, &au);
    if (e) guest_fail("vif 0: no event channel to domain %u (%ld)", fe.be_id, e);
    port = au.port;
    port_set_handler(port, vif_event, NULL);
    port_unmask(port);
    nf.notify = nf_notify;
    nf.deliver = nf_deliver;
    nf_rx_fill(&nf);

    if (xfe_printf(&fe, "tx-ring-ref", "%ld", tref) || xfe_printf(&fe, "rx-ring-ref", "%ld", rref) ||
        xfe_printf(&fe, "event-channel", "%u", port) || xfe_printf(&fe, "request-rx-copy", "1") ||
        xfe_printf(&fe, "feature-rx-notify", "1") || xfe_printf(&fe, "feature-no-csum-offload", "1") ||
        xfe_printf(&fe, "feature-sg", "0") || xfe_printf(&fe, "feature-gso-tcpv4", "0") ||
        xfe_switch(&fe, XenbusStateConnected))
        guest_fail("vif 0: %s", fe.err);
    rc = xfe_wait_backend(&fe, XenbusStateConnected, 30000);
    if (rc) guest_fail("vif 0: %s", fe.err);

    ip4_addr_t mask = opts.netmask, gw = opts.gw;
    if (use_dhcp) {
        ip4_addr_set_zero(&addr);
        ip4_addr_set_zero(&mask);
        ip4_addr_set_zero(&gw);
    }
    if (!netif_add(&vif_netif, &addr, &mask, &gw, NULL, vif_netif_init, ethernet_input))
        guest_fail("vif 0: lwIP refused the interface");
    netif_set_default(&vif_netif);
    netif_set_status_callback(&vif_netif, status_changed);
    printf("lwip: vif 0: %s on domain %u, mac %02x:%02x:%02x:%02x:%02x:%02x, %s\n", fe.be, fe.be_id, mac[0],
           mac[1], mac[2], mac[3], mac[4], mac[5], use_dhcp ? "DHCP" : "static address");
    netif_set_up(&vif_netif);
    netif_set_link_up(&vif_netif);
    if (use_dhcp && dhcp_start(&vif_netif) != ERR_OK) guest_fail("vif 0: DHCP cannot start");
}

void vif_poll(void)
{
    fired = false;
    if (nf_poll(&nf) < 0 && !broken_reported) {
        broken_reported = true;
        printf("lwip: vif 0: error: the backend broke the protocol (%s); the vif is stopped\n", nf.why);
        netif_set_link_down(&vif_netif);
    }
}

void vif_report(void)
{
    printf(
        "lwip: vif 0: rx %lu frames %lu bytes, %lu errors, %lu bad; tx %lu frames %lu bytes, %lu errors, %lu "
        "full\n",
        (unsigned long)nf.st.rx_frames, (unsigned long)nf.st.rx_bytes, (unsigned long)nf.st.rx_errors,
        (unsigned long)nf.st.rx_bad, (unsigned long)nf.st.tx_frames, (unsigned long)nf.st.tx_bytes,
        (unsigned long)nf.st.tx_errors, (unsigned long)nf.st.tx_full);
}
