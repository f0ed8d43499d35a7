/* netback's xenbus side against our host xenstored: the toolstack's vif
 * nodes (Xen's mac/ip/rate and ours), the feature nodes netfront reads,
 * the XenbusState handshake with one and two queues and split event
 * channels, refusals (bad mac/ip/rate, a frontend without rx-copy, missing
 * rings), a broken ring closing the device, removal freeing the VFR port. */
#include "t.h"
#include "fake_fe.h"
#include "nb_xb.h"
#include "xsd.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xenbus.h>

static struct vfr V;
static struct nb B;
static struct nbx X;
static struct fake_fe fe[3];
static int mapped, bound;

/* ring grefs 100+i are fe[i/2]'s tx (even) and rx (odd) ring pages */
static void *map_ring(void *ctx, uint16_t domid, uint32_t gref)
{
    (void)ctx;
    if (domid != 5 || gref < 100 || gref >= 106) return NULL;
    mapped++;
    struct fake_fe *f = &fe[(gref - 100) / 2];
    return gref % 2 ? (void *)f->rxs : (void *)f->txs;
}
static void unmap_ring(void *ctx, void *r)
{
    (void)ctx, (void)r;
    mapped--;
}
static int fbind(void *ctx, uint16_t domid, uint32_t port)
{
    (void)ctx, (void)domid;
    if (port == 666) return -EINVAL;
    bound++;
    return (int)port + 100;
}
static void funbind(void *ctx, unsigned port)
{
    (void)ctx, (void)port;
    bound--;
}
static void notify(void *ctx, unsigned port) { (void)ctx, (void)port; }
static uint64_t now(void *ctx)
{
    (void)ctx;
    return 0;
}

static void settle(struct xsc *bx)
{
    const char *p, *t;
    while (xsc_next_event(bx, &p, &t, 200) == 0)
        xbe_event(&X.xbe, p, t);
}

static bool is(struct xsc *x, const char *path, const char *want)
{
    char *v = NULL;
    bool ok = xsc_read(x, path, &v) == 0 && !strcmp(v, want);
    if (!ok) printf("# %s = '%s', want '%s'\n", path, v ? v : "(none)", want);
    free(v);
    return ok;
}

#define BE "/local/domain/0/backend/vif/5"
#define FE "/local/domain/5/device/vif"

static void toolstack(struct xsc *ts, unsigned dev, const char *mac, const char *ip, const char *rate)
{
    char p[160], v[64];
#define W(node, val) (snprintf(p, sizeof(p), BE "/%u/%s", dev, node), xsc_write(ts, p, val))
    snprintf(p, sizeof(p), FE "/%u/state", dev);
    xsc_write(ts, p, "1");
    snprintf(v, sizeof(v), FE "/%u", dev);
    W("frontend", v);
    if (mac) W("mac", mac);
    if (ip) W("ip", ip);
    if (rate) W("rate", rate);
    W("online", "1");
    W("state", "1");
    W("frontend-id", "5");
#undef W
}

static void fe_write(struct xsc *ts, unsigned dev, const char *node, const char *val)
{
    char p[160];
    snprintf(p, sizeof(p), FE "/%u/%s", dev, node);
    xsc_write(ts, p, val);
}

static void fe_features(struct xsc *ts, unsigned dev)
{
    fe_write(ts, dev, "request-rx-copy", "1");
    fe_write(ts, dev, "feature-rx-notify", "1");
    fe_write(ts, dev, "feature-sg", "1");
    fe_write(ts, dev, "feature-gso-tcpv4", "1");
    fe_write(ts, dev, "feature-gso-tcpv6", "1");
    fe_write(ts, dev, "feature-ipv6-csum-offload", "1");
}

void test_nb_xb(void)
{
    struct xsd sd;
    CHECK(xsd_start(&sd) == 0, "host xenstored started for the xenbus tests");
    struct xsc *bx = xsd_conn(&sd), *ts = xsd_conn(&sd);
    CHECK(bx && ts, "two connections to xenstored");
    if (!bx || !ts) goto out;
    for (int i = 0; i < 3; i++)
        fe_init(&fe[i], 5);
    vfr_init(&V, &(struct vfr_ops){ 0 });
    nb_init(&B, &V, &(struct nb_env){ fake_gcopy, notify, now, NULL, NULL, NULL });
    CHECK(nbx_init(&X, bx, 0, &B, &(struct xd_host){ map_ring, unmap_ring, fbind, funbind, NULL }, 2) == 0,
          "nbx_init watches /local/domain/0/backend/vif");
    settle(bx);
    toolstack(ts, 0, "00:16:3e:00:00:05", "10.0.0.5 fd00::5", "1000000,50000");
    settle(bx);
    const char *d0 = BE "/0";
    char p[200];
#define N(dir, node) (snprintf(p, sizeof(p), "%s/%s", dir, node), p)
    CHECK(is(ts, N(d0, "state"), "2") && is(ts, N(d0, "hotplug-status"), "connected"),
          "vif 0: hotplug-status connected, InitWait");
    CHECK(is(ts, N(d0, "feature-rx-copy"), "1") && is(ts, N(d0, "feature-sg"), "1") &&
              is(ts, N(d0, "feature-gso-tcpv4"), "1") && is(ts, N(d0, "feature-gso-tcpv6"), "1") &&
              is(ts, N(d0, "feature-split-event-channels"), "1") &&
              is(ts, N(d0, "multi-queue-max-queues"), "2") && is(ts, N(d0, "feature-ipv6-csum-offload"), "1"),
          "the feature nodes netfront reads");
    int port = vfr_port_find(&V, "vif5.0");
    CHECK(port >= 0 && V.port[port].cfg.n4 == 1 && V.port[port].cfg.n6 == 1 && V.port[port].cfg.mac[5] == 5 &&
              V.port[port].cfg.antispoof && V.port[port].cfg.in.bytes_per_s == 20000000 &&
              V.port[port].cfg.in.burst_bytes == 1000000,
          "VFR port vif5.0: its MAC, 1 IPv4 + 1 IPv6 address, rate 1000000 bytes per 50 ms = 20 MB/s");

    /* the frontend: one queue, split event channels */
    fe_features(ts, 0);
    fe_write(ts, 0, "tx-ring-ref", "100");
    fe_write(ts, 0, "rx-ring-ref", "101");
    fe_write(ts, 0, "event-channel-tx", "7");
    fe_write(ts, 0, "event-channel-rx", "8");
    fe_write(ts, 0, "state", "4");
    settle(bx);
    struct nb_vif *vif = X.xbe.dev[0].priv;
    CHECK(is(ts, N(d0, "state"), "4") && mapped == 2 && bound == 2 && vif && vif->nq == 1 &&
              vif->q[0].tx_port == 107 && vif->q[0].rx_port == 108 && vif->rx_gso4 && vif->rx_sg &&
              vif->rx_csum && vif->rx_csum6,
          "connected: two rings mapped, split channels bound, features read");
    /* a broken ring closes it */
    fe[0].txs->req_prod = 1000;
    nbx_run(&X);
    CHECK(is(ts, N(d0, "state"), "5"), "a tx ring with req_prod past the ring: backend Closing");
    fe_write(ts, 0, "state", "6");
    settle(bx);
    CHECK(is(ts, N(d0, "state"), "6") && mapped == 0 && bound == 0,
          "frontend Closed: rings unmapped, channels unbound");
    /* it comes back */
    fe_free(&fe[0]);
    fe_init(&fe[0], 5);
    fe_write(ts, 0, "state", "1");
    settle(bx);
    fe_write(ts, 0, "state", "4");
    settle(bx);
    CHECK(is(ts, N(d0, "state"), "4") && mapped == 2 && vif->nq == 1 && !vif->broken,
          "reconnected after Closed -> Initialising");

    /* vif 1: two queues, one event channel each */
    toolstack(ts, 1, "00:16:3e:00:01:05", "10.0.1.5", NULL);
    settle(bx);
    fe_features(ts, 1);
    fe_write(ts, 1, "multi-queue-num-queues", "2");
    fe_write(ts, 1, "queue-0/tx-ring-ref", "102");
    fe_write(ts, 1, "queue-0/rx-ring-ref", "103");
    fe_write(ts, 1, "queue-0/event-channel", "9");
    fe_write(ts, 1, "queue-1/tx-ring-ref", "104");
    fe_write(ts, 1, "queue-1/rx-ring-ref", "105");
    fe_write(ts, 1, "queue-1/event-channel", "10");
    fe_write(ts, 1, "state", "4");
    settle(bx);
    const char *d1 = BE "/1";
    struct nb_vif *v1 = X.xbe.dev[1].priv;
    CHECK(is(ts, N(d1, "state"), "4") && v1 && v1->nq == 2 && v1->q[1].tx_port == 110 &&
              v1->q[1].rx_port == 110 && mapped == 6,
          "vif 1: two queues, one channel each");
    /* a frame from vif5.0 to vif5.1 through both */
    fe_post_rx(&fe[1], 8);
    fe_post_rx(&fe[2], 8);
    uint8_t f[60] = { 0x00, 0x16, 0x3e, 0x00, 0x01, 0x05, 0x00, 0x16, 0x3e, 0x00, 0x00, 0x05, 0x08, 0x06 };
    uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 2, 0x00, 0x16, 0x3e, 0x00, 0x00, 0x05, 10, 0, 0, 5 };
    memcpy(f + 14, arp, sizeof(arp));
    fe_send(&fe[0], f, sizeof(f), NULL, 0, 0, NULL, true);
    nbx_run(&X);
    uint8_t got[100];
    int r1 = fe_recv(&fe[1], got, NULL, NULL), r2 = fe_recv(&fe[2], got, NULL, NULL);
    CHECK((r1 == 60) + (r2 == 60) == 1, "an ARP reply from vif5.0 reaches vif5.1 on one of its queues");

    /* refusals at probe */
    struct {
        unsigned dev;
        const char *mac, *ip, *rate, *why;
    } bad[] = {
        { 2, NULL, NULL, NULL, "mac missing" },
        { 3, "01:16:3e:00:00:05", NULL, NULL, "mac missing or not a unicast" },
        { 4, "00:16:3e:00:04:05", "10.0.0.300", NULL, "ip: not a list" },
        { 5, "00:16:3e:00:05:05", NULL, "1000", "rate or rx-rate" },
        { 6, "00:16:3e:00:06:05", NULL, "1000,0", "rate or rx-rate" },
        { 7, "00:16:3e:00:00:05", NULL, NULL, "another vif has this name or MAC" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        toolstack(ts, bad[i].dev, bad[i].mac, bad[i].ip, bad[i].rate);
        settle(bx);
        char d[64], *why = NULL;
        snprintf(d, sizeof(d), BE "/%u", bad[i].dev);
        snprintf(p, sizeof(p), "%s/hotplug-error", d);
        xsc_read(ts, p, &why);
        CHECK(is(ts, N(d, "state"), "6") && is(ts, N(d, "hotplug-status"), "error") && why &&
                  strstr(why, bad[i].why),
              "vif %u refused: %s (%s)", bad[i].dev, bad[i].why, why ? why : "-");
        free(why);
    }
    /* a frontend without rx-copy, and one without rings */
    toolstack(ts, 8, "00:16:3e:00:08:05", NULL, NULL);
    settle(bx);
    fe_write(ts, 8, "feature-rx-notify", "1");
    fe_write(ts, 8, "state", "4");
    settle(bx);
    CHECK(is(ts, BE "/8/state", "5"), "a frontend without request-rx-copy: Closing");
    toolstack(ts, 9, "00:16:3e:00:09:05", NULL, NULL);
    settle(bx);
    fe_features(ts, 9);
    fe_write(ts, 9, "tx-ring-ref", "100");
    fe_write(ts, 9, "rx-ring-ref", "101");
    fe_write(ts, 9, "event-channel", "666");
    int m0 = mapped, b0 = bound;
    fe_write(ts, 9, "state", "4");
    settle(bx);
    CHECK(is(ts, BE "/9/state", "5") && mapped == m0 && bound == b0,
          "a channel that cannot be bound: Closing, nothing left mapped");
    toolstack(ts, 10, "00:16:3e:00:0a:05", NULL, NULL);
    settle(bx);
    fe_features(ts, 10);
    fe_write(ts, 10, "multi-queue-num-queues", "3");
    fe_write(ts, 10, "state", "4");
    settle(bx);
    CHECK(is(ts, BE "/10/state", "5"), "3 queues when 2 are offered: Closing");

    /* removal */
    int p1 = vfr_port_find(&V, "vif5.1");
    snprintf(p, sizeof(p), BE "/1");
    xsc_rm(ts, p);
    settle(bx);
    CHECK(p1 >= 0 && vfr_port_find(&V, "vif5.1") == -ENOENT && mapped == 2 && !X.xbe.dev[1].used,
          "the backend directory removed: port gone, rings unmapped");
    for (int i = 0; i < 3; i++)
        fe_free(&fe[i]);
    vfr_fini(&V);
    nb_fini(&B);
    fake_grants_reset();
    xsc_free(bx);
    xsc_free(ts);
out:
    xsd_stop(&sd);
}
