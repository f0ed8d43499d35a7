/*
 * nettest hostile: a frontend that breaks every rule of the netif protocol
 * against netback (issue 15), on vif 0, with an echo domain (peer=MAC,IP)
 * to show forwarding still works between the cases.  Each case checks the
 * exact answer: NETIF_RSP_ERROR in every slot of a refused packet, the
 * backend closing the device for what only a broken frontend does (then a
 * reconnect: Closed, Initialising, a good connect), a refused connect for
 * bad frontend nodes; spoofed frames get OKAY (netback took them) and no
 * echo (the VFR dropped them; the suite reads netback's counters).
 */
#include "nettest.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xenbus.h>

static unsigned npass, nfail;
static uint8_t peer_mac[6], peer_ip[4];
static uint64_t echoed[64]; /* echoes seen per kind */
static struct nf *v;

static void check(const char *what, long got, long want)
{
    if (got == want) {
        npass++;
        printf("nettest: PASS %s\n", what);
    } else {
        nfail++;
        printf("nettest: FAIL %s: got %ld, want %ld\n", what, got, want);
    }
}

static void on_echo(struct nf *n, const uint8_t *f, size_t len, uint64_t now)
{
    (void)n;
    (void)now;
    uint16_t dport, kind;
    uint32_t seq;
    if (nf_udp_parse(f, len, &dport, &seq, &kind) && (kind & 0x8000) && (kind & 0x7fff) < 64)
        echoed[kind & 0x7fff]++;
}

/* Wait until the ids in ids[] have their responses (at most 3 s): how
 * many are still outstanding. */
static unsigned await(const uint16_t *ids, unsigned n)
{
    uint64_t end = nf_now() + 3000000000ull;
    for (;;) {
        nt_pump(0);
        unsigned left = 0;
        for (unsigned i = 0; i < n; i++)
            left += v->txbusy[ids[i]];
        if (!left || nf_now() > end) return left;
        nt_pump(5);
    }
}

static netif_tx_request_t req(uint16_t id, uint16_t off, uint16_t flags, uint16_t size)
{
    return (netif_tx_request_t){
        .gref = v->txg[id % NF_TX], .offset = off, .flags = flags, .id = id, .size = size
    };
}

/* An extra in a request slot; its id (past the extra's 8 bytes) is one
 * expect() does not wait for (extras are answered NETIF_RSP_NULL). */
static void extra(netif_tx_request_t *slot, const netif_extra_info_t *x)
{
    *slot = (netif_tx_request_t){ .id = 0xffff };
    memcpy(slot, x, sizeof(*x));
}

/* Put cnt requests (their ids busy), wait; each response status must be
 * want.  Extras (slots whose id is 0xffff here) are not waited for. */
static void expect(const char *what, netif_tx_request_t *r, unsigned cnt, int want)
{
    uint16_t ids[NF_TX];
    unsigned n = 0;
    for (unsigned i = 0; i < cnt; i++)
        if (r[i].id < NF_TX) {
            ids[n++] = r[i].id;
            v->txbusy[r[i].id] = true;
            v->txst[r[i].id] = 99;
        }
    nf_tx_raw(v, r, cnt);
    unsigned left = await(ids, n);
    char t[160];
    snprintf(t, sizeof(t), "%s: responses outstanding", what);
    check(t, left, 0);
    unsigned bad = 0;
    for (unsigned i = 0; i < n; i++)
        bad += v->txst[ids[i]] != want;
    snprintf(t, sizeof(t), "%s: slots answered %d", what, want);
    check(t, bad, 0);
}

/* A test frame to the echo peer of kind k in tx page id. */
static size_t frame(uint16_t id, uint16_t k, size_t len, const uint8_t *smac, const uint8_t *sip)
{
    return nf_udp_frame(v->txp[id], len, peer_mac, smac ? smac : v->mac, sip ? sip : nt_ip[0], peer_ip, 7000,
                        id, k);
}

/* Send one good frame of kind k; true when its echo came back within 3 s. */
static bool echo_ok(uint16_t k)
{
    uint64_t before = echoed[k], end = nf_now() + 3000000000ull;
    size_t len = frame(0, k, 100, NULL, NULL);
    netif_tx_request_t r = req(0, 0, 0, (uint16_t)len);
    v->txbusy[0] = true;
    nf_tx_raw(v, &r, 1);
    while (echoed[k] == before && nf_now() < end)
        nt_pump(5);
    return echoed[k] > before;
}

static void connect_good(const char *why)
{
    char t[160];
    snprintf(t, sizeof(t), "%s: reconnected", why);
    int st = nf_connect(v, NULL);
    check(t, st, XenbusStateConnected);
}

/* A case only a broken frontend produces: netback closes the device. */
static void expect_closed(const char *what)
{
    char t[160];
    snprintf(t, sizeof(t), "%s: netback closes the device", what);
    check(t, nf_wait_be(v, 1u << XenbusStateClosing | 1u << XenbusStateClosed, 5000), XenbusStateClosing);
    snprintf(t, sizeof(t), "%s: the frontend can start over", what);
    check(t, nf_reset(v), 0);
    connect_good(what);
}

static void bad_node(const char *what, const struct nf_nodes *o)
{
    char t[160];
    snprintf(t, sizeof(t), "xenstore %s: connect refused", what);
    check(t, nf_connect(v, o), XenbusStateClosing);
    if (o->extra_node) {
        char p[200];
        snprintf(p, sizeof(p), "%s/%s", v->fe, o->extra_node);
        xsc_rm(nf_xs, p);
    }
    snprintf(t, sizeof(t), "xenstore %s: the frontend can start over", what);
    check(t, nf_reset(v), 0);
}

static void tx_cases(void)
{
    netif_tx_request_t r[24];
    frame(1, 1, 100, NULL, NULL);
    r[0] = req(1, 0, 0, 0);
    expect("size 0", r, 1, NETIF_RSP_ERROR);
    r[0] = req(1, 0, 0, 13);
    expect("size 13 (shorter than an Ethernet header)", r, 1, NETIF_RSP_ERROR);
    r[0] = req(1, 4000, 0, 200);
    expect("offset 4000 size 200 (crossing the page)", r, 1, NETIF_RSP_ERROR);
    r[0] = req(1, 0, 0, 5000);
    expect("size 5000 in one slot (larger than a page)", r, 1, NETIF_RSP_ERROR);
    r[0] = req(1, 0, 0, 100);
    r[0].gref = 500; /* a reference this domain never granted */
    expect("a grant reference never granted", r, 1, NETIF_RSP_ERROR);
    /* a page granted to another domain (the builder, domain 0) */
    uint32_t fref;
    uint8_t *fpage;
    if (nf_grant_to(0, &fref, &fpage) == 0) {
        memcpy(fpage, v->txp[1], 100);
        r[0] = req(1, 0, 0, 100);
        r[0].gref = fref;
        expect("a grant to another domain", r, 1, NETIF_RSP_ERROR);
    }
    r[0] = req(1, 0, NETTXF_more_data, 100);
    r[1] = req(2, 0, 0, 100);
    expect("a fragment as large as the packet", r, 2, NETIF_RSP_ERROR);
    r[0] = req(1, 0, NETTXF_more_data, 60000);
    for (unsigned i = 1; i < 19; i++)
        r[i] = req((uint16_t)(1 + i), 0, i < 18 ? NETTXF_more_data : 0, 1000);
    expect("19 slots (more than XEN_NETIF_NR_SLOTS_MIN)", r, 19, NETIF_RSP_ERROR);
    /* GSO: a type netback does not offer, a zero segment size */
    netif_extra_info_t x = { .type = XEN_NETIF_EXTRA_TYPE_GSO };
    x.u.gso.type = 7;
    x.u.gso.size = 1400;
    r[0] = req(1, 0, NETTXF_extra_info, 100);
    extra(&r[1], &x);
    expect("GSO type 7", r, 2, NETIF_RSP_ERROR);
    x.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
    x.u.gso.size = 0;
    extra(&r[1], &x);
    expect("GSO segment size 0", r, 2, NETIF_RSP_ERROR);
    /* a packet published in two halves: nothing until the second */
    static uint8_t whole[100];
    nf_udp_frame(whole, 100, peer_mac, v->mac, nt_ip[0], peer_ip, 7000, 3, 3);
    memcpy(v->txp[1], whole, 60);
    memcpy(v->txp[2], whole + 60, 40);
    r[0] = req(1, 0, NETTXF_more_data, 100);
    v->txbusy[1] = v->txbusy[2] = true;
    nf_tx_raw(v, r, 1);
    for (unsigned i = 0; i < 60; i++)
        nt_pump(5);
    check("half a packet: not answered", v->txbusy[1], 1);
    r[0] = req(2, 0, 0, 40);
    nf_tx_raw(v, r, 1);
    uint16_t ids[2] = { 1, 2 };
    check("the second half: both answered", await(ids, 2), 0);
    check("the second half: first slot OKAY", v->txst[1], NETIF_RSP_OKAY);
    check("the second half: fragment OKAY", v->txst[2], NETIF_RSP_OKAY);
    uint64_t end = nf_now() + 3000000000ull;
    while (!echoed[3] && nf_now() < end)
        nt_pump(5);
    check("the two-slot packet reached the peer and came back", (long)echoed[3], 1);
}

static void spoof_cases(void)
{
    static const uint8_t fake_mac[6] = { 0x00, 0x16, 0x3e, 0x66, 0x66, 0x66 };
    static const uint8_t fake_ip[4] = { 10, 0, 0, 99 };
    netif_tx_request_t r[1];
    size_t len = frame(4, 4, 100, fake_mac, NULL);
    r[0] = req(4, 0, 0, (uint16_t)len);
    expect("spoofed source MAC: taken", r, 1, NETIF_RSP_OKAY);
    len = frame(5, 5, 100, NULL, fake_ip);
    r[0] = req(5, 0, 0, (uint16_t)len);
    expect("spoofed source IP: taken", r, 1, NETIF_RSP_OKAY);
    /* ARP: a request whose sender IP is not ours, one whose sender MAC
     * is not ours */
    for (unsigned k = 0; k < 2; k++) {
        uint8_t *a = v->txp[6 + k];
        memset(a, 0, 60);
        memset(a, 0xff, 6);
        memcpy(a + 6, v->mac, 6);
        a[12] = 0x08, a[13] = 0x06;
        a[14] = 0, a[15] = 1, a[16] = 8, a[17] = 0, a[18] = 6, a[19] = 4, a[20] = 0, a[21] = 1;
        memcpy(a + 22, k ? fake_mac : v->mac, 6);
        memcpy(a + 28, k ? nt_ip[0] : fake_ip, 4);
        memcpy(a + 38, peer_ip, 4);
        r[0] = req((uint16_t)(6 + k), 0, 0, 60);
        expect(k ? "ARP with a spoofed sender MAC: taken" : "ARP with a spoofed sender IP: taken", r, 1,
               NETIF_RSP_OKAY);
    }
    for (unsigned i = 0; i < 100; i++)
        nt_pump(5);
    check("spoofed frames: no echo", (long)(echoed[4] + echoed[5]), 0);
    printf("nettest: spoofed frames sent: 4\n");
}

static void fatal_cases(void)
{
    netif_tx_request_t r[24];
    /* req_prod far past the ring */
    v->tx.sring->req_prod = v->tx.req_prod_pvt + 1000;
    nf_notify(v);
    expect_closed("transmit req_prod 1000 ahead");
    /* a fragment chain that never ends: 22 slots, all more_data */
    frame(1, 1, 100, NULL, NULL);
    for (unsigned i = 0; i < 22; i++)
        r[i] = req((uint16_t)(1 + i), 0, NETTXF_more_data, 100);
    nf_tx_raw(v, r, 22);
    expect_closed("a fragment chain that never ends");
    /* an extra of an unknown type */
    netif_extra_info_t x = { .type = 200 };
    r[0] = req(1, 0, NETTXF_extra_info, 100);
    extra(&r[1], &x);
    nf_tx_raw(v, r, 2);
    expect_closed("an extra of type 200");
    /* five extras (each says more follow) */
    r[0] = req(1, 0, NETTXF_extra_info, 100);
    x = (netif_extra_info_t){ .type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD, .flags = XEN_NETIF_EXTRA_FLAG_MORE };
    for (unsigned i = 1; i <= 5; i++)
        extra(&r[i], &x);
    nf_tx_raw(v, r, 6);
    expect_closed("five extras after one request");
    /* the receive ring: req_prod far past it, found when a frame comes */
    v->rx.sring->req_prod = v->rx.req_prod_pvt + 1000;
    size_t len = frame(0, 9, 100, NULL, NULL);
    netif_tx_request_t g = req(0, 0, 0, (uint16_t)len);
    v->txbusy[0] = true;
    nf_tx_raw(v, &g, 1);
    expect_closed("receive req_prod 1000 ahead");
}

static void xenstore_cases(void)
{
    struct nf_nodes o;
#define CASE(what, ...)                                                                                      \
    do {                                                                                                     \
        o = (struct nf_nodes){ NULL, NULL, NULL, "1", "1", NULL, NULL };                                     \
        __VA_ARGS__;                                                                                         \
        bad_node(what, &o);                                                                                  \
    } while (0)
    char p[200];
    /* each case from InitWait: leave the connected device cleanly first */
    check("disconnect before the xenstore cases", nf_reset(v), 0);
    CASE("tx-ring-ref 'abc'", o.tx_ring_ref = "abc");
    CASE("tx-ring-ref 500 (never granted)", o.tx_ring_ref = "500");
    CASE("rx-ring-ref 4294967296", o.rx_ring_ref = "4294967296");
    CASE("event-channel 99999", o.event_channel = "99999");
    CASE("event-channel -1", o.event_channel = "-1");
    CASE("request-rx-copy 0", o.request_rx_copy = "0");
    snprintf(p, sizeof(p), "%s/request-rx-copy", v->fe);
    xsc_rm(nf_xs, p);
    CASE("request-rx-copy missing", o.request_rx_copy = NULL);
    snprintf(p, sizeof(p), "%s/feature-rx-notify", v->fe);
    xsc_rm(nf_xs, p);
    CASE("feature-rx-notify missing", o.feature_rx_notify = NULL);
    CASE("feature-sg 'yes'", o.extra_node = "feature-sg", o.extra_val = "yes");
    CASE("feature-gso-tcpv4 2", o.extra_node = "feature-gso-tcpv4", o.extra_val = "2");
    CASE("multi-queue-num-queues 0", o.extra_node = "multi-queue-num-queues", o.extra_val = "0");
    CASE("multi-queue-num-queues 99", o.extra_node = "multi-queue-num-queues", o.extra_val = "99");
    CASE("multi-queue-num-queues 2 without queue-0/1", o.extra_node = "multi-queue-num-queues",
         o.extra_val = "2");
#undef CASE
    connect_good("after the bad nodes");
}

int nt_hostile(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (!strncmp(argv[i], "peer=", 5)) {
            char *c = strchr(argv[i], ',');
            if (c) *c++ = 0;
            if (nf_parse_mac(argv[i] + 5, peer_mac) || nf_parse_ip(c, peer_ip)) {
                printf("nettest: FAIL - peer=MAC,IP\n");
                return 1;
            }
        }
    }
    v = &nt_vif[0];
    v->on_rx = on_echo;
    check("connect", nf_connect(v, NULL), XenbusStateConnected);
    check("a good frame is echoed by the peer", echo_ok(10), 1);
    tx_cases();
    check("after the refused packets: echoed", echo_ok(11), 1);
    spoof_cases();
    check("after the spoofed frames: echoed", echo_ok(12), 1);
    fatal_cases();
    check("after the broken rings: echoed", echo_ok(13), 1);
    xenstore_cases();
    check("after the bad xenstore nodes: echoed", echo_ok(14), 1);
    printf("nettest: hostile done: %u passed, %u failed\n", npass, nfail);
    return nfail != 0;
}
