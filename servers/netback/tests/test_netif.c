/* The netif backend against fake frontends: frames between two vifs through
 * the VFR (one slot, several slots, offsets), checksum and GSO offloads
 * passed on or done in software, the NIC port, multi-queue, backlog when
 * the receiver has no buffers, and every hostile input: zero-length and
 * short packets, slots crossing pages, fragments larger than the packet,
 * bad and foreign grant refs, too many slots, endless fragment chains,
 * unknown extras, GSO not offered, ring indices past the ring, spoofed
 * frames, floods; the main loop's rounds never sleeping on work left. */
#include "t.h"
#include "fake_fe.h"
#include "frames.h"
#include "nb_xb.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t M1[6] = { 0x00, 0x16, 0x3e, 0, 0, 1 }, M2[6] = { 0x00, 0x16, 0x3e, 0, 0, 2 },
                     MN[6] = { 0x52, 0x54, 0, 0, 0, 7 }, BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t I1[4] = { 10, 0, 0, 1 }, I2[4] = { 10, 0, 0, 2 }, IN[4] = { 10, 0, 0, 7 };

static struct vfr V;
static struct nb B;
static struct nb_vif v1, v2;
static struct fake_fe f1, f2;
static unsigned notifies, nic_frames;
static size_t nic_len;
static uint64_t clock_ns;

static void notify(void *ctx, unsigned port)
{
    (void)ctx, (void)port;
    notifies++;
}
static uint64_t now(void *ctx)
{
    (void)ctx;
    return clock_ns;
}
static int nic_xmit(void *ctx, const uint8_t *f, size_t len, const struct nb_meta *m)
{
    (void)ctx, (void)f, (void)m;
    nic_frames++;
    nic_len = len;
    return 0;
}

int t_vfr_port(struct vfr *v, const char *name, const uint8_t *mac, const char *ip)
{
    struct vfr_port_cfg c;
    memset(&c, 0, sizeof(c));
    strcpy(c.name, name);
    c.vif = mac != NULL;
    c.antispoof = true;
    if (mac) memcpy(c.mac, mac, 6);
    if (ip) vfr_prefix_parse(ip, &c.ip4[c.n4++]);
    return vfr_port_add(v, &c, 0);
}
static int add_port(const char *name, const uint8_t *mac, const char *ip)
{
    return t_vfr_port(&V, name, mac, ip);
}

static void setup(void)
{
    vfr_fini(&V);
    nb_fini(&B);
    fake_grants_reset();
    vfr_init(&V, &(struct vfr_ops){ 0 });
    nb_init(&B, &V, &(struct nb_env){ fake_gcopy, notify, now, NULL, nic_xmit, NULL });
    int p1 = add_port("vif1.0", M1, "10.0.0.1"), p2 = add_port("vif2.0", M2, "10.0.0.2");
    B.nic_port = add_port("nic", NULL, NULL);
    fe_free(&f1);
    fe_free(&f2);
    fe_init(&f1, 1);
    fe_init(&f2, 2);
    nb_vif_init(&v1, &B, 1, p1);
    nb_vif_init(&v2, &B, 2, p2);
    v1.rx_gso4 = v2.rx_gso4 = v1.tx_gso4 = v2.tx_gso4 = true;
    v1.rx_sg = v2.rx_sg = true;
    nb_queue_start(&v1, 0, f1.txs, f1.rxs, 11, 11);
    nb_queue_start(&v2, 0, f2.txs, f2.rxs, 21, 22);
    fe_post_rx(&f1, 64);
    fe_post_rx(&f2, 64);
    nic_frames = 0;
}

static uint8_t fr[NB_MAX_FRAME], got[NB_MAX_FRAME];

static uint16_t fold_sum(const uint8_t *p, size_t n, uint32_t s)
{
    for (; n > 1; p += 2, n -= 2)
        s += (uint32_t)(p[0] << 8 | p[1]);
    if (n) s += (uint32_t)(p[0] << 8);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* A TCP/IPv4 frame from vif1.0 to vif2.0 with pay bytes of a pattern. */
static size_t tcp12(size_t pay)
{
    size_t n = fr_ip4(fr, M2, M1, I1, I2, 6, 40000, 80, pay + 12);
    /* an 8-byte L4 header was written: make it a 20-byte TCP header */
    uint8_t *t = fr + 34;
    t[12] = 5 << 4;
    t[13] = 0x18;
    for (size_t i = 0; i < pay; i++)
        t[20 + i] = (uint8_t)(i * 7 + 3);
    uint16_t c = (uint16_t)~fold_sum(fr + 14, 20, 0);
    fr[24] = (uint8_t)(c >> 8), fr[25] = (uint8_t)c;
    return n;
}

/* Is the TCP/IPv4 checksum of frame g (n bytes) right? */
static bool tcp4_ok(const uint8_t *g, size_t n)
{
    size_t ihl = (size_t)(g[14] & 15) * 4, tot = (size_t)(g[16] << 8 | g[17]);
    if (tot + 14 > n) return false;
    size_t l4 = tot - ihl;
    uint32_t s = fold_sum(g + 26, 8, 0) + 6 + (uint32_t)l4;
    return fold_sum(g + 14 + ihl, l4, s) == 0xffff && fold_sum(g + 14, ihl, 0) == 0xffff;
}

static void test_basic(void)
{
    setup();
    size_t n = fr_arp(fr, BC, M1, 1, M1, I1, I2);
    fe_send(&f1, fr, n, NULL, 0, 0, NULL, true);
    CHECK(nb_vif_run(&v1) == 1, "vif1.0 takes one packet");
    fe_tx_responses(&f1);
    uint16_t fl = 0xffff;
    int r = fe_recv(&f2, got, &fl, NULL);
    CHECK(f1.tx_ok == 1 && f1.tx_err == 0, "its tx response is OKAY");
    CHECK(r == (int)n && !memcmp(got, fr, n) && fl == 0, "vif2.0 receives the ARP request intact, flags 0");
    CHECK(nic_frames == 1 && nic_len == n, "the broadcast also went to the NIC");
    CHECK(v1.st.tx_pkts == 1 && v1.st.tx_bytes == n && v2.st.rx_pkts == 1 && v2.st.rx_bytes == n,
          "per-vif statistics");

    /* 3000 bytes in three slots at offset 1000 */
    n = tcp12(3000 - 54);
    uint16_t sl[] = { 1000, 1500, 500, 0 };
    fe_send(&f1, fr, n, sl, 1000, NETTXF_data_validated, NULL, true);
    nb_vif_run(&v1);
    r = fe_recv(&f2, got, &fl, NULL);
    CHECK(n == 3000 && r == 3000 && !memcmp(got, fr, n) && fl == NETRXF_data_validated,
          "a 3-slot packet at offset 1000 arrives intact, data_validated passed on");
    /* 9000 bytes, to the receiver in 3 pages */
    n = tcp12(9000 - 54);
    uint16_t sl9[] = { 3000, 3000, 3000, 0 };
    unsigned before = f2.rx.rsp_cons;
    fe_send(&f1, fr, n, sl9, 0, 0, NULL, true);
    nb_vif_run(&v1);
    r = fe_recv(&f2, got, &fl, NULL);
    CHECK(r == 9000 && !memcmp(got, fr, n) && f2.rx.rsp_cons - before == 3,
          "a 9000-byte frame fills three rx pages");
    fe_tx_responses(&f1);
    CHECK(f1.tx_ok == 1 + 3 + 3 && f1.tx_err == 0, "every slot answered OKAY (%u)", f1.tx_ok);
    CHECK(notifies > 0, "the frontends were notified");
}

static void test_offload(void)
{
    setup();
    size_t n = tcp12(1000);
    /* what netfront sends with CHECKSUM_PARTIAL: the pseudo-header sum */
    uint16_t ps = fold_sum(fr + 26, 8, 6 + (uint32_t)(n - 34));
    fr[34 + 16] = (uint8_t)(ps >> 8), fr[34 + 17] = (uint8_t)ps;
    fe_send(&f1, fr, n, NULL, 0, NETTXF_csum_blank | NETTXF_data_validated, NULL, true);
    nb_vif_run(&v1);
    uint16_t fl;
    int r = fe_recv(&f2, got, &fl, NULL);
    CHECK(r == (int)n && fl == (NETRXF_csum_blank | NETRXF_data_validated) && !memcmp(got, fr, n),
          "csum_blank passed on to a receiver with checksum offload");
    v2.rx_csum = false;
    fe_send(&f1, fr, n, NULL, 0, NETTXF_csum_blank | NETTXF_data_validated, NULL, true);
    nb_vif_run(&v1);
    r = fe_recv(&f2, got, &fl, NULL);
    CHECK(r == (int)n && fl == NETRXF_data_validated && tcp4_ok(got, (size_t)r) && v2.st.csum_filled == 1,
          "checksum completed for a receiver without offload (feature-no-csum-offload)");
    v2.rx_csum = true;

    /* GSO: 20000 bytes of TCP payload, MSS 1448 */
    n = tcp12(20000);
    ps = fold_sum(fr + 26, 8, 6 + (uint32_t)(n - 34));
    fr[34 + 16] = (uint8_t)(ps >> 8), fr[34 + 17] = (uint8_t)ps;
    netif_extra_info_t gx = { .type = XEN_NETIF_EXTRA_TYPE_GSO };
    gx.u.gso.size = 1448;
    gx.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
    uint16_t sl[8];
    for (int i = 0; i < 5; i++)
        sl[i] = 4000;
    sl[5] = (uint16_t)(n - 20000), sl[6] = 0;
    fe_send(&f1, fr, n, sl, 0, NETTXF_csum_blank | NETTXF_data_validated, &gx, true);
    CHECK(nb_vif_run(&v1) == 1, "a GSO packet (6 slots and an extra) taken");
    fe_tx_responses(&f1);
    CHECK(f1.tx_ok == 2 + 6 && f1.tx_null == 1, "its extra answered NETIF_RSP_NULL, the slots OKAY");
    netif_extra_info_t gr;
    r = fe_recv(&f2, got, &fl, &gr);
    CHECK(r == (int)n && !memcmp(got, fr, n) && (fl & NETRXF_extra_info) &&
              gr.type == XEN_NETIF_EXTRA_TYPE_GSO && gr.u.gso.size == 1448 &&
              gr.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4,
          "the GSO frame reaches a GSO receiver whole, with its extra in the second slot");
    v2.rx_gso4 = false;
    fe_send(&f1, fr, n, sl, 0, NETTXF_csum_blank | NETTXF_data_validated, &gx, true);
    nb_vif_run(&v1);
    unsigned segs = 0, good = 0;
    size_t pay = 0;
    uint32_t seq0 = 0;
    while ((r = fe_recv(&f2, got, &fl, NULL)) > 0) {
        uint32_t seq = (uint32_t)got[38] << 24 | (uint32_t)got[39] << 16 | (uint32_t)got[40] << 8 | got[41];
        if (!segs) seq0 = seq;
        good += tcp4_ok(got, (size_t)r) && seq == seq0 + pay &&
                !memcmp(got + 54, fr + 54 + pay, (size_t)r - 54) && (size_t)r - 54 <= 1448 &&
                fl == NETRXF_data_validated;
        pay += (size_t)r - 54;
        segs++;
    }
    CHECK(segs == 14 && good == 14 && pay == 20000 && v2.st.gso_segmented == 14,
          "cut into 14 segments for a receiver without GSO: checksums, sequence numbers, payload (%u/%u)",
          good, segs);
    fe_send(&f1, fr, n, sl, 0, 0, &gx, true);
    v1.tx_gso4 = false;
    nb_vif_run(&v1);
    fe_tx_responses(&f1);
    CHECK(f1.tx_err == 6 && v1.st.tx_errors == 1, "GSO when feature-gso-tcpv4 was not offered: refused");
    static char text[1024];
    nb_stats_text(&B, text, sizeof(text));
    char want[256];
    snprintf(
        want, sizeof(want),
        "vif1.0 tx %llu pkts %llu bytes 1 errors rx %llu pkts %llu bytes 0 dropped 0 errors csum-filled %llu "
        "gso-segmented 0\n",
        (unsigned long long)v1.st.tx_pkts, (unsigned long long)v1.st.tx_bytes,
        (unsigned long long)v1.st.rx_pkts, (unsigned long long)v1.st.rx_bytes,
        (unsigned long long)v1.st.csum_filled);
    CHECK(!strncmp(text, want, strlen(want)) && strstr(text, "\nvif2.0 tx ") &&
              strstr(text, "gso-segmented 14"),
          "vifs: one line per vif with its statistics");
}

static void test_nic_mq(void)
{
    setup();
    size_t n = fr_ip4(fr, M1, MN, IN, I1, 17, 53, 1000, 100);
    nb_nic_input(&B, fr, n, &(struct nb_meta){ 0 });
    int r = fe_recv(&f1, got, NULL, NULL);
    CHECK(r == (int)n && !memcmp(got, fr, n), "a frame from the NIC reaches vif1.0");
    n = fr_ip4(fr, MN, M1, I1, IN, 17, 1000, 53, 100);
    fe_send(&f1, fr, n, NULL, 0, 0, NULL, true);
    nb_vif_run(&v1);
    CHECK(nic_frames == 1 && nic_len == n && fe_recv(&f2, got, NULL, NULL) == 0,
          "the reply goes to the NIC only (learned)");
    /* a second queue on vif2.0 */
    static struct fake_fe q1;
    fe_init(&q1, 2);
    nb_queue_start(&v2, 1, q1.txs, q1.rxs, 23, 24);
    fe_post_rx(&q1, 64);
    n = fr_ip4(fr, M1, M2, I2, I1, 17, 7, 7, 10);
    fe_send(&q1, fr, n, NULL, 0, 0, NULL, true);
    CHECK(nb_vif_run(&v2) == 1 && fe_recv(&f1, got, NULL, NULL) == (int)n, "vif2.0's queue 1 transmits");
    unsigned on[2] = { 0, 0 };
    for (uint16_t port = 1; port <= 32; port++) {
        n = fr_ip4(fr, M2, M1, I1, I2, 17, port, 9, 10);
        fe_send(&f1, fr, n, NULL, 0, 0, NULL, true);
        nb_vif_run(&v1);
        on[0] += fe_recv(&f2, got, NULL, NULL) == (int)n;
        on[1] += fe_recv(&q1, got, NULL, NULL) == (int)n;
    }
    CHECK(on[0] + on[1] == 32 && on[0] && on[1], "32 flows spread over both receive queues (%u + %u)", on[0],
          on[1]);
    fe_free(&q1);
}

/* Sends a hostile packet from vif1.0: true if it was refused in every slot
 * and counted, and vif1.0 is still serving. */
static bool refused(const uint8_t *f, size_t n, const uint16_t *sl, uint16_t off, const netif_extra_info_t *x,
                    unsigned slots)
{
    unsigned e0 = f1.tx_err;
    uint64_t c0 = v1.st.tx_errors, r0 = v2.st.rx_pkts + B.vfr->port[B.nic_port].st.out_pkts;
    fe_send(&f1, f, n, sl, off, 0, x, true);
    int rc = nb_vif_run(&v1);
    fe_tx_responses(&f1);
    bool ok = rc == 1 && f1.tx_err == e0 + slots && v1.st.tx_errors == c0 + 1 && !v1.broken &&
              v2.st.rx_pkts + B.vfr->port[B.nic_port].st.out_pkts == r0;
    if (!ok)
        printf("# rc %d errs %u (want %u) counted %llu broken %d\n", rc, f1.tx_err - e0, slots,
               (unsigned long long)(v1.st.tx_errors - c0), v1.broken);
    return ok;
}

static void test_hostile(void)
{
    setup();
    size_t n = tcp12(100);
    CHECK(refused(fr, 0, NULL, 0, NULL, 1), "a zero-length packet refused");
    CHECK(refused(fr, 13, NULL, 0, NULL, 1), "a 13-byte packet refused");
    CHECK(refused(fr, n, NULL, 4000, NULL, 1), "a slot crossing its page (offset 4000) refused");
    uint16_t big[] = { 100, 200, 0 };
    CHECK(refused(fr, 100, big, 0, NULL, 2), "fragments larger than the packet refused");
    uint16_t eq[] = { 100, 100, 0 };
    CHECK(refused(fr, 100, eq, 0, NULL, 2), "fragments as large as the whole packet refused");
    /* bad and foreign grant refs */
    fe_send(&f1, fr, n, NULL, 0, 0, NULL, false);
    RING_GET_REQUEST(&f1.tx, f1.tx.req_prod_pvt - 1)->gref = 5000;
    unsigned e0 = f1.tx_err;
    fe_push(&f1);
    nb_vif_run(&v1);
    fe_tx_responses(&f1);
    CHECK(f1.tx_err == e0 + 1 && !v1.broken, "a grant ref past the table refused");
    uint32_t foreign = fake_grant_new(2, true);
    fe_send(&f1, fr, n, NULL, 0, 0, NULL, false);
    RING_GET_REQUEST(&f1.tx, f1.tx.req_prod_pvt - 1)->gref = foreign;
    fe_push(&f1);
    nb_vif_run(&v1);
    fe_tx_responses(&f1);
    CHECK(f1.tx_err == e0 + 2 && !v1.broken, "another domain's grant ref refused");
    uint16_t s19[20];
    for (int i = 0; i < 19; i++)
        s19[i] = 50;
    s19[19] = 0;
    uint8_t big19[19 * 50];
    memcpy(big19, fr, n);
    CHECK(refused(big19, 19 * 50, s19, 0, NULL, 19), "a 19-slot packet refused (18 is the most)");
    uint16_t s18[19];
    for (int i = 0; i < 18; i++)
        s18[i] = 50;
    s18[18] = 0;
    uint64_t r0 = v2.st.rx_pkts;
    fe_send(&f1, big19, 18 * 50, s18, 0, 0, NULL, true);
    nb_vif_run(&v1);
    CHECK(v2.st.rx_pkts == r0 + 1, "an 18-slot packet is taken");
    netif_extra_info_t gx = { .type = XEN_NETIF_EXTRA_TYPE_GSO };
    gx.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
    CHECK(refused(fr, n, NULL, 0, &gx, 1), "GSO with segment size 0 refused");
    gx.u.gso.size = 1000, gx.u.gso.type = 7;
    CHECK(refused(fr, n, NULL, 0, &gx, 1), "GSO of an unknown type refused");
    /* a spoofed frame is taken (OKAY) and dropped by the VFR */
    size_t ns = fr_ip4(fr, M2, M2, I2, I1, 17, 1, 1, 10);
    unsigned ok0 = f1.tx_ok;
    r0 = v2.st.rx_pkts;
    fe_send(&f1, fr, ns, NULL, 0, 0, NULL, true);
    nb_vif_run(&v1);
    fe_tx_responses(&f1);
    CHECK(f1.tx_ok == ok0 + 1 && V.port[v1.port].st.drop_spoof == 1 && v2.st.rx_pkts == r0,
          "a frame with vif2.0's MAC from vif1.0: dropped and counted by the VFR");

    /* a partial packet waits for the rest */
    n = tcp12(1000);
    uint16_t two[] = { 500, 554, 0 };
    RING_IDX start = f1.tx.req_prod_pvt;
    fe_send(&f1, fr, n, two, 0, 0, NULL, false);
    f1.txs->req_prod = start + 1; /* only the first slot published */
    r0 = v2.st.rx_pkts;
    CHECK(nb_vif_run(&v1) == 0 && v2.st.rx_pkts == r0 && f1.txs->req_event == start + 2,
          "half a packet on the ring: nothing taken, asks to be told");
    fe_push(&f1);
    CHECK(nb_vif_run(&v1) == 1 && v2.st.rx_pkts == r0 + 1 && fe_recv(&f2, got, NULL, NULL) >= 0,
          "... then taken whole");
    while (fe_recv(&f2, got, NULL, NULL) > 0)
        ;

    /* fatal: endless fragment chain */
    uint16_t s21[22];
    for (int i = 0; i < 21; i++)
        s21[i] = 10;
    s21[21] = 0;
    fe_send(&f1, big19, 210, s21, 0, 0, NULL, true);
    CHECK(nb_vif_run(&v1) == -EIO && v1.broken && !strcmp(v1.why, "a fragment chain longer than any packet"),
          "a 21-slot chain: the frontend is broken");
    RING_IDX rp = f1.txs->rsp_prod;
    fe_send(&f1, fr, 60, NULL, 0, 0, NULL, true);
    CHECK(nb_vif_run(&v1) == -EIO && f1.txs->rsp_prod == rp, "a broken vif's ring is not touched again");
    /* the other vif keeps forwarding */
    n = fr_ip4(fr, MN, M2, I2, IN, 17, 1, 1, 10);
    fe_send(&f2, fr, n, NULL, 0, 0, NULL, true);
    unsigned nf = nic_frames;
    CHECK(nb_vif_run(&v2) == 1 && nic_frames == nf + 1, "vif2.0 keeps forwarding");
    n = fr_ip4(fr, M1, M2, I2, I1, 17, 1, 1, 10);
    fe_send(&f2, fr, n, NULL, 0, 0, NULL, true);
    nb_vif_run(&v2);
    /* the flooded frame for the NIC's (unlearned) MAC and this one */
    CHECK(V.port[v1.port].st.drop_xmit == 2, "frames for the broken vif are dropped and counted (%llu)",
          (unsigned long long)V.port[v1.port].st.drop_xmit);

    setup();
    netif_extra_info_t bad = { .type = 9 };
    fe_send(&f1, fr, n, NULL, 0, 0, &bad, true);
    CHECK(nb_vif_run(&v1) == -EIO && !strcmp(v1.why, "an unknown extra type"),
          "an unknown extra type: broken");
    setup();
    netif_extra_info_t more = { .type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD, .flags = XEN_NETIF_EXTRA_FLAG_MORE };
    fe_send(&f1, fr, n, NULL, 0, 0, &more, false);
    for (int i = 0; i < 5; i++)
        memcpy(RING_GET_REQUEST(&f1.tx, f1.tx.req_prod_pvt++), &more, sizeof(more));
    fe_push(&f1);
    CHECK(nb_vif_run(&v1) == -EIO && !strcmp(v1.why, "more extras than any packet needs"),
          "a chain of extras: broken");
    setup();
    f1.txs->req_prod = f1.tx.req_prod_pvt + 300;
    CHECK(nb_vif_run(&v1) == -EIO && !strcmp(v1.why, "transmit ring indices past the ring"),
          "tx req_prod past the ring: broken");
    setup();
    f2.rxs->req_prod += 1000;
    n = fr_ip4(fr, M2, M1, I1, I2, 17, 1, 1, 10);
    fe_send(&f1, fr, n, NULL, 0, 0, NULL, true);
    nb_vif_run(&v1);
    CHECK(v2.broken && !strcmp(v2.why, "receive ring indices past the ring") && !v1.broken,
          "rx req_prod past the ring: the receiver is broken, the sender not");
    /* an rx buffer whose grant is bad */
    setup();
    RING_GET_REQUEST(&f2.rx, f2.rx.rsp_cons)->gref = 4000;
    fe_send(&f1, fr, n, NULL, 0, 0, NULL, true);
    nb_vif_run(&v1);
    int r = fe_recv(&f2, got, NULL, NULL);
    CHECK(r == NETIF_RSP_ERROR && v2.st.rx_errors == 1 && !v2.broken,
          "a bad rx grant: NETIF_RSP_ERROR, counted");
    r = 0;
    fe_send(&f1, fr, n, NULL, 0, 0, NULL, true);
    nb_vif_run(&v1);
    CHECK(fe_recv(&f2, got, NULL, NULL) == (int)n, "the next frame arrives");
    /* a read-only rx grant */
    RING_GET_REQUEST(&f2.rx, f2.rx.rsp_cons)->gref = fake_grant_new(2, true);
    fe_send(&f1, fr, n, NULL, 0, 0, NULL, true);
    nb_vif_run(&v1);
    CHECK(fe_recv(&f2, got, NULL, NULL) == NETIF_RSP_ERROR && v2.st.rx_errors == 2,
          "a read-only rx grant: NETIF_RSP_ERROR");
}

static void test_flood(void)
{
    setup();
    /* vif2.0 has 64 buffers; 200 frames flood in */
    unsigned sent = 0;
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 50; i++, sent++) {
            size_t n = fr_ip4(fr, M2, M1, I1, I2, 17, (uint16_t)sent, 1, 10);
            fe_send(&f1, fr, n, NULL, 0, 0, NULL, false);
        }
        fe_push(&f1);
        while (nb_vif_run(&v1) > 0)
            ;
        fe_tx_responses(&f1);
    }
    CHECK(f1.tx_ok == 200 && v1.st.tx_pkts == 200, "200 packets taken from vif1.0");
    CHECK(v2.st.rx_pkts == 64 && v2.q[0].bl_n == NB_BACKLOG && v2.st.rx_dropped == 200 - 64 - NB_BACKLOG,
          "64 delivered, 64 waiting, the rest dropped and counted (%llu %u %llu)",
          (unsigned long long)v2.st.rx_pkts, v2.q[0].bl_n, (unsigned long long)v2.st.rx_dropped);
    CHECK(f2.rxs->req_event == f2.rx.req_prod_pvt + 1, "the receiver is asked to tell when it posts buffers");
    unsigned inorder = 0, k = 0;
    int r;
    while ((r = fe_recv(&f2, got, NULL, NULL)) > 0)
        inorder += (unsigned)(got[34] << 8 | got[35]) == k++;
    fe_post_rx(&f2, 64);
    nb_vif_run(&v2);
    while ((r = fe_recv(&f2, got, NULL, NULL)) > 0)
        inorder += (unsigned)(got[34] << 8 | got[35]) == k++;
    CHECK(k == 128 && inorder == 128 && v2.q[0].bl_n == 0,
          "after 64 more buffers the backlog arrives, in order (%u)", inorder);
    nb_vif_stop(&v1);
    nb_vif_stop(&v2);
}

/* Wake-ups (bench/net.sh's TCP round trips stalled under -icount after
 * the stream test): a frame needing more receive buffers than are posted
 * waits, and the frontend's next post must notify, so req_event lies beyond
 * the buffers already posted, not at req_cons + 1 (behind them whenever
 * some but too few are there); the same when the backlog is flushed and
 * still too few are there. */
static void test_wakeup(void)
{
    setup(); /* vif2.0 has 64 buffers: ten 6-slot GSO frames leave 4 */
    size_t n = tcp12(20000);
    netif_extra_info_t gx = { .type = XEN_NETIF_EXTRA_TYPE_GSO };
    gx.u.gso.size = 1448;
    gx.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
    uint16_t sl[] = { 4000, 4000, 4000, 4000, 4000, (uint16_t)(n - 20000), 0 };
    for (int i = 0; i < 11; i++) {
        fe_send(&f1, fr, n, sl, 0, NETTXF_data_validated, &gx, true);
        nb_vif_run(&v1);
    }
    fe_tx_responses(&f1);
    unsigned got_frames = 0;
    while (fe_recv(&f2, got, NULL, NULL) > 0)
        got_frames++;
    CHECK(got_frames == 10 && v2.q[0].bl_n == 1 && f2.rxs->req_prod - v2.q[0].rx.req_cons == 4,
          "ten GSO frames delivered, the eleventh waits with 4 of its 6 buffers posted (%u %u)", got_frames,
          v2.q[0].bl_n);
    CHECK(f2.rxs->req_event == f2.rxs->req_prod + 1,
          "req_event is past the 4 posted buffers (%u, req_prod %u)", f2.rxs->req_event, f2.rxs->req_prod);
    CHECK(fe_post_rx(&f2, 1) == 1, "the frontend posting one more buffer notifies");
    CHECK(nb_vif_run(&v2) == 0 && v2.q[0].bl_n == 1, "5 buffers: the frame still waits");
    CHECK(f2.rxs->req_event == f2.rxs->req_prod + 1 && fe_post_rx(&f2, 1) == 1,
          "req_event again past the posted buffers: the next post notifies");
    CHECK(nb_vif_run(&v2) == 1 && v2.q[0].bl_n == 0 && fe_recv(&f2, got, NULL, NULL) == (int)n &&
              !memcmp(got, fr, n),
          "6 buffers: the frame arrives whole");
    /* transmit: a drained ring asks for the next request */
    CHECK(nb_vif_run(&v1) == 0 && f1.txs->req_event == f1.tx.req_prod_pvt + 1,
          "an idle transmit ring asks to be told of the next request");
    nb_vif_stop(&v1);
    nb_vif_stop(&v2);
}

/* The main loop's rounds (nb_round, main.c) under a frontend that keeps
 * its transmit ring full while netback works (a UDP flood, as bench/net.sh
 * under -icount showed): 64 busy passes end a round with requests left, and
 * the loop must not sleep then, since only an idle pass asks the frontend
 * to notify.  A loop that slept after a busy round would stall with
 * requests on the ring and no event coming. */
struct flood {
    unsigned sent, total;
};
static bool flood_pass(void *ctx)
{
    struct flood *fl = ctx;
    fe_tx_responses(&f1);
    bool more = false;
    while (fl->sent < fl->total && RING_FREE_REQUESTS(&f1.tx) > 0) {
        /* spoofed (not vif1.0's MAC): dropped and counted, nothing to deliver */
        size_t n = fr_ip4(fr, M2, MN, I1, I2, 17, (uint16_t)fl->sent++, 1, 10);
        fe_send(&f1, fr, n, NULL, 0, 0, NULL, false);
        more = true;
    }
    if (more) fe_push(&f1);
    return nb_vif_run(&v1) > 0;
}

static void test_rounds(void)
{
    setup();
    struct flood fl = { 0, 3 * NB_ROUND_PASSES * NB_TX_BATCH + 1000 };
    int wait = nb_round(flood_pass, &fl);
    CHECK(wait == 0 && fl.sent < fl.total,
          "a round of %d busy passes with the ring still full: poll without sleeping (%d)", NB_ROUND_PASSES,
          wait);
    unsigned rounds = 1, stalls = 0;
    while (rounds < 100) {
        rounds++;
        wait = nb_round(flood_pass, &fl);
        if (wait < 0) {
            /* asleep until the frontend notifies: it must have nothing
             * pending and be asked for its next request */
            if (f1.txs->req_prod != v1.q[0].tx.req_cons || f1.txs->req_event != v1.q[0].tx.req_cons + 1)
                stalls++;
            if (fl.sent == fl.total) break;
        }
    }
    fe_tx_responses(&f1);
    CHECK(stalls == 0 && fl.sent == fl.total && v1.st.tx_pkts == fl.total &&
              V.port[v1.port].st.drop_spoof == fl.total,
          "all %u frames taken in %u rounds, never asleep with requests pending (%u stalls)", fl.total,
          rounds, stalls);
    CHECK(wait < 0 && f1.txs->req_event == f1.tx.req_prod_pvt + 1,
          "the flood over: the loop sleeps, the frontend's next request notifies");
    nb_vif_stop(&v1);
    nb_vif_stop(&v2);
}

void test_netif(void)
{
    test_basic();
    test_offload();
    test_nic_mq();
    test_hostile();
    test_flood();
    test_wakeup();
    test_rounds();
    vfr_fini(&V);
    nb_fini(&B);
    fe_free(&f1);
    fe_free(&f2);
    fake_grants_reset();
}
