/* The virtio-net driver and the NIC port against a fake virtio-net
 * function: negotiation (MAC, VERSION_1, ACCESS_PLATFORM), frames both
 * ways through the VFR, GSO frames cut and blank checksums completed for
 * the device, a full transmit queue, and a device that lies about lengths. */
#include "t.h"
#include "fake_fe.h"
#include "fake_vnet.h"
#include "frames.h"
#include "nb_nic.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xen/errno.h>

static const uint8_t M1[6] = { 0x00, 0x16, 0x3e, 0, 0, 1 }, MN[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 },
                     BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t I1[4] = { 10, 0, 0, 1 }, IN[4] = { 10, 0, 0, 7 };

static void notify(void *ctx, unsigned port) { (void)ctx, (void)port; }
static uint64_t now(void *ctx)
{
    (void)ctx;
    return 0;
}

static uint8_t fr[NB_MAX_FRAME], got[NB_MAX_FRAME];

void test_nic(void)
{
    static struct vfr V;
    static struct nb B;
    static struct nb_nic N;
    static struct nb_vif v1;
    static struct fake_fe f1;
    struct fvn *dev = fvn_new(MN);
    vfr_init(&V, &(struct vfr_ops){ 0 });
    nb_init(&B, &V, &(struct nb_env){ fake_gcopy, notify, now, NULL, NULL, NULL });
    int rc = nb_nic_init(&N, &B, fvp_vdev(dev->pci), 0);
    CHECK(rc == 0 && N.vn.has_mac && !memcmp(N.vn.mac, MN, 6) && B.nic_port >= 0,
          "virtio-net up, MAC read (%d)", rc);
    CHECK(fvp_features(dev->pci) == ((1ull << 32) | (1ull << 33) | (1ull << 5)),
          "negotiated VERSION_1, ACCESS_PLATFORM and MAC, nothing else");
    CHECK(N.vn.rxq.size == 256 && N.vn.txq.size == 256 && virtq_in_flight(&N.vn.rxq) == 256,
          "256 receive buffers posted");
    struct vfr_port_cfg c;
    memset(&c, 0, sizeof(c));
    strcpy(c.name, "vif1.0");
    c.vif = c.antispoof = true;
    memcpy(c.mac, M1, 6);
    vfr_prefix_parse("10.0.0.1", &c.ip4[c.n4++]);
    fe_init(&f1, 1);
    nb_vif_init(&v1, &B, 1, vfr_port_add(&V, &c, 0));
    v1.rx_sg = v1.tx_gso4 = true;
    nb_queue_start(&v1, 0, f1.txs, f1.rxs, 1, 1);
    fe_post_rx(&f1, 64);

    size_t n = fr_arp(fr, BC, M1, 1, M1, I1, IN);
    fe_send(&f1, fr, n, NULL, 0, 0, NULL, true);
    nb_vif_run(&v1);
    vnet_wait(&N.vn, 0);
    nb_nic_poll(&N);
    CHECK(dev->out_n == 1 && dev->out_len[0] == n && !memcmp(dev->out[0], fr, n),
          "vif1.0's ARP request leaves by the NIC");
    n = fr_arp(fr, M1, MN, 2, MN, IN, I1);
    fvn_inject(dev, fr, n);
    vnet_wait(&N.vn, 0);
    CHECK(nb_nic_poll(&N) == 1 && fe_recv(&f1, got, NULL, NULL) == (int)n && !memcmp(got, fr, n),
          "the reply from the wire reaches vif1.0");
    CHECK(virtq_in_flight(&N.vn.rxq) == 256, "the receive buffer was posted again");

    /* a GSO frame from the guest: cut for the device */
    n = fr_ip4(fr, MN, M1, I1, IN, 6, 40000, 80, 5000 + 12);
    fr[34 + 12] = 5 << 4;
    netif_extra_info_t gx = { .type = XEN_NETIF_EXTRA_TYPE_GSO };
    gx.u.gso.size = 1460;
    gx.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
    uint16_t sl[] = { 4000, (uint16_t)(n - 4000), 0 };
    fe_send(&f1, fr, n, sl, 0, NETTXF_csum_blank, &gx, true);
    nb_vif_run(&v1);
    vnet_wait(&N.vn, 0);
    CHECK(dev->out_n == 1 + 4 && dev->out_len[1] == 54 + 1460 && dev->out_len[4] == 54 + 5000 - 3 * 1460,
          "a 5000-byte GSO payload leaves as 4 segments (%u)", dev->out_n);
    /* a blank checksum completed */
    n = fr_ip4(fr, MN, M1, I1, IN, 17, 5000, 53, 100);
    fe_send(&f1, fr, n, NULL, 0, NETTXF_csum_blank, NULL, true);
    nb_vif_run(&v1);
    vnet_wait(&N.vn, 0);
    const uint8_t *u = dev->out[dev->out_n - 1];
    CHECK(dev->out_n == 6 && (u[40] | u[41]) != 0,
          "a UDP frame with a blank checksum leaves with one filled in");

    /* a full transmit queue: the device takes nothing meanwhile */
    unsigned sent = 0;
    for (unsigned i = 0; i < 300; i++)
        sent += vnet_send(&N.vn, fr, n) == 0;
    CHECK(sent == 256 && N.vn.tx_full == 44, "256 frames fill the transmit queue, 44 refused (-ENOSPC)");
    CHECK(vnet_send(&N.vn, fr, 13) == -XEN_EINVAL && vnet_send(&N.vn, fr, VNET_MAX_FRAME + 1) == -XEN_E2BIG,
          "frames under 14 bytes or over a page refused");
    dev->out_n = 0;
    vnet_wait(&N.vn, 0);
    nb_nic_poll(&N);
    CHECK(N.vn.ntxfree == 256, "all transmit pages back after the device completed them");

    /* a device that lies about received lengths */
    unsigned long bad = N.vn.rx_bad;
    uint64_t in0 = V.port[B.nic_port].st.in_pkts;
    n = fr_arp(fr, M1, MN, 2, MN, IN, I1);
    fvn_inject(dev, fr, n);
    dev->lie = 20;
    vnet_wait(&N.vn, 0);
    nb_nic_poll(&N);
    CHECK(N.vn.rx_bad == bad + 1 && V.port[B.nic_port].st.in_pkts == in0,
          "a used length of 20 (header + 8 bytes) counted bad, not delivered");
    fvn_inject(dev, fr, n);
    dev->lie = 4097;
    vnet_wait(&N.vn, 0);
    nb_nic_poll(&N);
    CHECK(N.vn.rx_bad == bad + 2 && virtq_in_flight(&N.vn.rxq) == 256,
          "a used length past the page counted bad, buffer reposted");
    CHECK(fvp_dma_faults(dev->pci) == 0 && dev->tx_bad == 0,
          "the device only ever saw the driver's own pages");

    /* not a virtio-net function */
    struct fvn *blk = fvn_new(MN);
    static struct nb_nic N2;
    fvp_free(blk->pci);
    blk->pci = fvp_new(0x1042, (1ull << 32), 1, NULL, NULL);
    CHECK(vnet_init(&N2.vn, fvp_vdev(blk->pci), 64) == -XEN_ENODEV, "a virtio-blk function refused");
    fvp_free(blk->pci);
    blk->pci = fvp_new(0x1041, 1ull << 5, 2, NULL, NULL);
    CHECK(vnet_init(&N2.vn, fvp_vdev(blk->pci), 64) == -XEN_ENODEV, "a device without VERSION_1 refused");
    fvn_free(blk);
    nb_vif_stop(&v1);
    fe_free(&f1);
    free(N.scratch);
    fvn_free(dev);
    nb_fini(&B);
    vfr_fini(&V);
    fake_grants_reset();
}
