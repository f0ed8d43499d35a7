/* servers/lib/netfront against a scripted hostile backend: the test writes the
 * backend's side of both rings by hand (good responses, then every malformed
 * kind netfront.h lists) and checks exactly what netfront delivered, counted,
 * reposted, or why it broke the device. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "netfront.h"
#include "unit_lwip.h"

#define TX_SLOTS __CONST_RING_SIZE(netif_tx, NF_PAGE)

static char pages[2 + NF_TX_BUFS + NF_RX_BUFS][NF_PAGE] __attribute__((aligned(4096)));
static struct netfront nf;
static int notifies, delivered;
static size_t last_len;
static char last[NF_PAGE];

static void notify(void *ctx)
{
    (void)ctx;
    notifies++;
}

static void deliver(void *ctx, const void *f, size_t len)
{
    (void)ctx;
    delivered++;
    last_len = len;
    memcpy(last, f, len);
}

/* A fresh device: rings, 32 tx and 64 rx buffers with grants 1000+i / 2000+i. */
static void setup(void)
{
    memset(pages, 0, sizeof(pages));
    memset(&nf, 0, sizeof(nf));
    nf_init(&nf, (netif_tx_sring_t *)pages[0], (netif_rx_sring_t *)pages[1]);
    for (unsigned i = 0; i < NF_TX_BUFS; i++)
        nf.txb[i] = (struct nf_buf){ pages[2 + i], 1000 + i };
    for (unsigned i = 0; i < NF_RX_BUFS; i++)
        nf.rxb[i] = (struct nf_buf){ pages[2 + NF_TX_BUFS + i], 2000 + i };
    nf.notify = notify;
    nf.deliver = deliver;
    notifies = delivered = 0;
    last_len = 0;
    nf_rx_fill(&nf);
}

/* The backend's view: requests taken, responses produced at the backend's own index. */
static netif_rx_sring_t *rxs(void) { return nf.rx.sring; }
static netif_tx_sring_t *txs(void) { return nf.tx.sring; }
static RING_IDX rx_rsp_at, tx_rsp_at;

static void rx_rsp(uint16_t id, uint16_t off, uint16_t flags, int16_t status)
{
    netif_rx_response_t *r = &rxs()->ring[rx_rsp_at % NF_RX_SLOTS].rsp;
    *r = (netif_rx_response_t){ id, off, flags, status };
    rx_rsp_at++;
}

static void rx_publish(void) { rxs()->rsp_prod = rx_rsp_at; }

/* A frame of n bytes (byte i = seed + i) in the page of rx buffer b at off. */
static void rx_frame(unsigned b, uint16_t off, unsigned n, uint8_t seed)
{
    for (unsigned i = 0; i < n; i++)
        ((uint8_t *)nf.rxb[b].page)[off + i] = (uint8_t)(seed + i);
}

static void test_rx(void)
{
    setup();
    rx_rsp_at = tx_rsp_at = 0;
    CHECK_EQ(rxs()->req_prod, NF_RX_BUFS, "rx: all 64 buffers posted");
    CHECK_EQ(rxs()->ring[5].req.id, 5, "rx: slot 5 carries buffer 5");
    CHECK_EQ(rxs()->ring[5].req.gref, 2005, "rx: slot 5 carries buffer 5's grant");
    CHECK_EQ(notifies, 1, "rx: the backend was kicked once for the first posting");

    rx_frame(0, 100, 60, 7);
    rx_rsp(0, 100, 0, 60);
    rx_publish();
    CHECK_EQ(nf_poll(&nf), 1, "rx: a good frame is delivered");
    CHECK_EQ(last_len, 60, "rx: with its length");
    CHECK(last[0] == 7 && last[59] == (char)(7 + 59), "rx: with its bytes from the offset");
    CHECK_EQ(rxs()->req_prod, NF_RX_BUFS + 1, "rx: its buffer is posted again");
    CHECK_EQ(rxs()->ring[NF_RX_BUFS % NF_RX_SLOTS].req.id, 0, "rx: in the next free slot");

    /* malformed responses: each dropped and counted, its buffer reposted */
    rx_rsp(1, 0, 0, NETIF_RSP_ERROR); /* error status */
    rx_rsp(2, 4000, 0, 200);          /* offset + size beyond the page */
    rx_rsp(3, 0, 0, 0);               /* empty */
    rx_rsp(4, 0, 0, 13);              /* shorter than an Ethernet header */
    rx_rsp(9, 0, 0, 60);              /* slot 5 holds buffer 5, not 9 */
    rx_publish();
    CHECK_EQ(nf_poll(&nf), 0, "rx: five malformed responses deliver nothing");
    CHECK_EQ(nf.st.rx_errors, 1, "rx: the error status is counted in rx_errors");
    CHECK_EQ(nf.st.rx_bad, 4, "rx: the four malformed ones in rx_bad");
    CHECK_EQ(rxs()->req_prod, NF_RX_BUFS + 6, "rx: all five buffers are posted again");
    CHECK(!nf.broken, "rx: the device still works");

    /* a fragment chain (no scatter-gather was offered) and extras: dropped whole */
    rx_rsp(6, 0, NETRXF_more_data, 1000);
    rx_rsp(7, 0, NETRXF_more_data, 1000);
    rx_rsp(8, 0, 0, 100);
    rx_rsp(9, 0, NETRXF_extra_info, 100);
    rx_rsp(0, 0, 0, 0); /* the extra's slot (an extra-info, flags 0: no more) */
    rx_frame(11, 0, 20, 1);
    rx_rsp(11, 0, 0, 20);
    rx_publish();
    CHECK_EQ(nf_poll(&nf), 1, "rx: a chain and an extra are dropped, the frame after them delivered");
    CHECK_EQ(last_len, 20, "rx: the frame after them is the 20-byte one");
    CHECK_EQ(nf.st.rx_bad, 6, "rx: the chain and the frame with an extra counted once each");
    CHECK_EQ(nf.st.rx_frames, 2, "rx: two frames delivered in all");
    CHECK(!nf.broken, "rx: still working");

    /* the index claims more responses than requests outstanding: broken */
    rxs()->rsp_prod = rx_rsp_at + NF_RX_SLOTS;
    int before = delivered;
    CHECK_EQ(nf_poll(&nf), -EIO, "rx: rsp_prod past the requests breaks the device");
    CHECK(nf.why && !strcmp(nf.why, "rx: response index past the requests"), "rx: and says why");
    CHECK_EQ(delivered, before, "rx: nothing delivered from the bogus slots");
    CHECK_EQ(nf_poll(&nf), -EIO, "rx: a broken device stays broken");
    CHECK_EQ(nf_xmit(&nf, last, 60), -EIO, "tx: a broken device sends nothing");

    /* a chain not published whole */
    setup();
    rx_rsp_at = 0;
    rx_rsp(0, 0, NETRXF_more_data, 1000);
    rx_publish();
    CHECK_EQ(nf_poll(&nf), -EIO, "rx: a fragment chain cut at rsp_prod breaks the device");
    CHECK(nf.why && !strcmp(nf.why, "rx: fragment chain not published whole"), "rx: and says why");

    /* a chain as long as the ring */
    setup();
    rx_rsp_at = 0;
    for (unsigned i = 0; i < 30; i++)
        rx_rsp((uint16_t)i, 0, NETRXF_more_data, 100);
    rx_publish();
    CHECK_EQ(nf_poll(&nf), -EIO, "rx: a never-ending fragment chain breaks the device");
    CHECK(nf.why && !strcmp(nf.why, "rx: fragment chain too long"), "rx: and says why");

    /* five extras on one frame */
    setup();
    rx_rsp_at = 0;
    rx_rsp(0, 0, NETRXF_extra_info, 100);
    for (unsigned i = 1; i <= 5; i++) {
        struct netif_extra_info *e = (void *)&rxs()->ring[rx_rsp_at % NF_RX_SLOTS].rsp;
        memset(e, 0, sizeof(*e));
        e->type = XEN_NETIF_EXTRA_TYPE_GSO;
        e->flags = XEN_NETIF_EXTRA_FLAG_MORE;
        rx_rsp_at++;
    }
    rx_publish();
    CHECK_EQ(nf_poll(&nf), -EIO, "rx: more than 4 extras on a frame break the device");
    CHECK(nf.why && !strcmp(nf.why, "rx: more than 4 extras on a frame"), "rx: and says why");

    /* a response in a slot whose buffer was never posted (the ring is bigger than our buffers) */
    setup();
    rx_rsp_at = 0;
    for (unsigned i = 0; i < NF_RX_BUFS; i++)
        rx_rsp((uint16_t)i, 0, 0, 60);
    rx_publish();
    CHECK_EQ(nf_poll(&nf), NF_RX_BUFS, "rx: 64 good frames");
    /* reposted in slots 64..127; answer slot 128, which has no request */
    rxs()->rsp_prod = 2 * NF_RX_BUFS + 1;
    CHECK_EQ(nf_poll(&nf), -EIO, "rx: a response beyond the 64 posted breaks the device");
}

static void tx_rsp(uint16_t id, int16_t status)
{
    netif_tx_response_t *r = &txs()->ring[tx_rsp_at % TX_SLOTS].rsp;
    r->id = id;
    r->status = status;
    tx_rsp_at++;
    txs()->rsp_prod = tx_rsp_at;
}

static void test_tx(void)
{
    char f[NF_PAGE + 1];
    for (unsigned i = 0; i < sizeof(f); i++)
        f[i] = (char)(i * 3);
    setup();
    tx_rsp_at = 0;
    CHECK_EQ(nf_xmit(&nf, f, 13), -EINVAL, "tx: a frame shorter than an Ethernet header is refused");
    CHECK_EQ(nf_xmit(&nf, f, NF_PAGE + 1), -EINVAL, "tx: a frame larger than a page is refused");
    CHECK_EQ(nf_xmit(&nf, f, 60), 0, "tx: a 60-byte frame is sent");
    netif_tx_request_t *q = &txs()->ring[0].req;
    CHECK(q->size == 60 && q->offset == 0 && q->flags == 0 && q->id == 0 && q->gref == 1000,
          "tx: one slot: size 60, offset 0, no flags, buffer 0's grant");
    CHECK(!memcmp(nf.txb[0].page, f, 60), "tx: the bytes are in the granted page");
    CHECK_EQ(txs()->req_prod, 1, "tx: the request is published");
    for (unsigned i = 1; i < NF_TX_BUFS; i++)
        nf_xmit(&nf, f, 100);
    CHECK_EQ(nf_xmit(&nf, f, 100), -EAGAIN, "tx: with all 32 buffers in flight the next frame waits");
    CHECK_EQ(nf.st.tx_full, 1, "tx: counted in tx_full");
    tx_rsp(0, NETIF_RSP_OKAY);
    tx_rsp(1, NETIF_RSP_ERROR);
    tx_rsp(2, NETIF_RSP_DROPPED);
    CHECK_EQ(nf_xmit(&nf, f, 100), 0, "tx: answered buffers are free again");
    CHECK_EQ(nf.st.tx_errors, 2, "tx: the error and dropped answers are counted");
    tx_rsp(0, NETIF_RSP_OKAY); /* buffer 0 was reused by the last frame: fine */
    tx_rsp(0, NETIF_RSP_OKAY); /* now it is not outstanding */
    CHECK_EQ(nf_poll(&nf), -EIO, "tx: an answer for a buffer not in flight breaks the device");
    CHECK(nf.why && !strcmp(nf.why, "tx: response for a request not outstanding"), "tx: and says why");

    setup();
    tx_rsp_at = 0;
    nf_xmit(&nf, f, 60);
    tx_rsp(0, NETIF_RSP_NULL);
    CHECK_EQ(nf_poll(&nf), -EIO, "tx: an extra-info answer to a plain frame breaks the device");

    setup();
    tx_rsp_at = 0;
    nf_xmit(&nf, f, 60);
    txs()->rsp_prod = 5;
    CHECK_EQ(nf_xmit(&nf, f, 60), -EIO, "tx: rsp_prod past the requests breaks the device");
    CHECK(nf.why && !strcmp(nf.why, "tx: response index past the requests"), "tx: and says why");

    setup();
    tx_rsp_at = 0;
    nf_xmit(&nf, f, 60);
    tx_rsp(40, NETIF_RSP_OKAY);
    CHECK_EQ(nf_poll(&nf), -EIO, "tx: an answer with an id past the buffers breaks the device");
}

void test_netfront(void)
{
    test_rx();
    test_tx();
}
