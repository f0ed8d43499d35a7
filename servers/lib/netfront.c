/* netfront: the frontend's netif rings (see netfront.h). */
#include "netfront.h"

#include <errno.h>
#include <string.h>

void nf_init(struct netfront *nf, netif_tx_sring_t *txs, netif_rx_sring_t *rxs)
{
    memset(txs, 0, NF_PAGE);
    memset(rxs, 0, NF_PAGE);
    SHARED_RING_INIT(txs);
    SHARED_RING_INIT(rxs);
    FRONT_RING_INIT(&nf->tx, txs, NF_PAGE);
    FRONT_RING_INIT(&nf->rx, rxs, NF_PAGE);
    memset(nf->tx_busy, 0, sizeof(nf->tx_busy));
    memset(nf->rx_posted, 0, sizeof(nf->rx_posted));
    memset(nf->rx_slot, 0, sizeof(nf->rx_slot));
    memset(&nf->st, 0, sizeof(nf->st));
    nf->broken = false;
    nf->why = NULL;
}

static void brk(struct netfront *nf, const char *why)
{
    if (!nf->broken) {
        nf->broken = true;
        nf->why = why;
    }
}

void nf_rx_fill(struct netfront *nf)
{
    if (nf->broken) return;
    bool pushed = false;
    for (unsigned i = 0; i < NF_RX_BUFS; i++) {
        if (nf->rx_posted[i]) continue;
        if (RING_FULL(&nf->rx)) break;
        RING_IDX slot = nf->rx.req_prod_pvt++;
        netif_rx_request_t *req = RING_GET_REQUEST(&nf->rx, slot);
        req->id = (uint16_t)i;
        req->gref = nf->rxb[i].gref;
        nf->rx_slot[slot % NF_RX_SLOTS] = (uint8_t)(i + 1);
        nf->rx_posted[i] = true;
        pushed = true;
    }
    if (!pushed) return;
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf->rx, notify);
    if (notify) nf->notify(nf->ctx);
}

/* Responses the backend claims (prod, read once) are no more than the requests
 * outstanding: the count to take, or -1. */
static long claimed(RING_IDX prod, RING_IDX cons, RING_IDX req_prod)
{
    RING_IDX n = prod - cons, outstanding = req_prod - cons;
    return n > outstanding ? -1 : (long)n;
}

static void tx_gc(struct netfront *nf)
{
    for (;;) {
        RING_IDX prod = xenring_read_prod(&nf->tx.sring->rsp_prod);
        long n = claimed(prod, nf->tx.rsp_cons, nf->tx.req_prod_pvt);
        if (n < 0) {
            brk(nf, "tx: response index past the requests");
            return;
        }
        for (; nf->tx.rsp_cons != prod; nf->tx.rsp_cons++) {
            netif_tx_response_t r = *RING_GET_RESPONSE(&nf->tx, nf->tx.rsp_cons);
            if (r.id >= NF_TX_BUFS || !nf->tx_busy[r.id]) {
                brk(nf, "tx: response for a request not outstanding");
                return;
            }
            if (r.status == NETIF_RSP_NULL) {
                brk(nf, "tx: extra-info response to a frame without extras");
                return;
            }
            nf->tx_busy[r.id] = false;
            if (r.status != NETIF_RSP_OKAY) nf->st.tx_errors++;
        }
        int more;
        RING_FINAL_CHECK_FOR_RESPONSES(&nf->tx, more);
        if (!more) return;
    }
}

int nf_xmit(struct netfront *nf, const void *frame, size_t len)
{
    if (nf->broken) return -EIO;
    if (len < NF_MIN_FRAME || len > NF_PAGE) return -EINVAL;
    tx_gc(nf);
    if (nf->broken) return -EIO;
    unsigned id = 0;
    while (id < NF_TX_BUFS && nf->tx_busy[id])
        id++;
    if (id == NF_TX_BUFS || RING_FULL(&nf->tx)) {
        nf->st.tx_full++;
        return -EAGAIN;
    }
    memcpy(nf->txb[id].page, frame, len);
    netif_tx_request_t *req = RING_GET_REQUEST(&nf->tx, nf->tx.req_prod_pvt);
    req->gref = nf->txb[id].gref;
    req->offset = 0;
    req->flags = 0; /* checksums are complete: nothing blank, nothing more */
    req->id = (uint16_t)id;
    req->size = (uint16_t)len;
    nf->tx.req_prod_pvt++;
    nf->tx_busy[id] = true;
    nf->st.tx_frames++;
    nf->st.tx_bytes += len;
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf->tx, notify);
    if (notify) nf->notify(nf->ctx);
    return 0;
}

/* The buffer posted in ring slot s (consumed: the slot is free again), or -1. */
static int take_slot(struct netfront *nf, RING_IDX s)
{
    unsigned k = nf->rx_slot[s % NF_RX_SLOTS];
    if (!k || !nf->rx_posted[k - 1]) return -1;
    nf->rx_slot[s % NF_RX_SLOTS] = 0;
    nf->rx_posted[k - 1] = false;
    return (int)(k - 1);
}

int nf_poll(struct netfront *nf)
{
    int delivered = 0;
    if (nf->broken) return -EIO;
    tx_gc(nf);
    for (;;) {
        RING_IDX prod = xenring_read_prod(&nf->rx.sring->rsp_prod);
        if (claimed(prod, nf->rx.rsp_cons, nf->rx.req_prod_pvt) < 0)
            brk(nf, "rx: response index past the requests");
        while (!nf->broken && nf->rx.rsp_cons != prod) {
            RING_IDX s = nf->rx.rsp_cons++;
            netif_rx_response_t r = *RING_GET_RESPONSE(&nf->rx, s);
            int b = take_slot(nf, s);
            if (b < 0) {
                brk(nf, "rx: response in a slot without a request");
                break;
            }
            bool bad = r.id != b || r.status < 0 || r.status < NF_MIN_FRAME ||
                       (size_t)r.offset + (size_t)r.status > NF_PAGE;
            if (r.status < 0) nf->st.rx_errors++;
            /* extras (we asked for none: GSO would be a protocol error) are
             * skipped, each in a slot of its own */
            unsigned extras = 0;
            bool more_extra = r.flags & NETRXF_extra_info;
            while (more_extra && !nf->broken) {
                if (++extras > NF_MAX_EXTRAS || nf->rx.rsp_cons == prod) {
                    brk(nf, extras > NF_MAX_EXTRAS ? "rx: more than 4 extras on a frame"
                                                   : "rx: extra-info slot not published with its frame");
                    break;
                }
                RING_IDX es = nf->rx.rsp_cons++;
                struct netif_extra_info e;
                memcpy(&e, RING_GET_RESPONSE(&nf->rx, es), sizeof(e));
                if (take_slot(nf, es) < 0) brk(nf, "rx: extra-info in a slot without a request");
                more_extra = e.flags & XEN_NETIF_EXTRA_FLAG_MORE;
                bad = true;
            }
            /* a chain of fragments: we offered no scatter-gather; drop it whole */
            bool more = r.flags & NETRXF_more_data;
            unsigned frags = 0;
            while (more && !nf->broken) {
                if (++frags >= XEN_NETIF_NR_SLOTS_MIN || nf->rx.rsp_cons == prod) {
                    brk(nf, frags >= XEN_NETIF_NR_SLOTS_MIN ? "rx: fragment chain too long"
                                                            : "rx: fragment chain not published whole");
                    break;
                }
                RING_IDX fs = nf->rx.rsp_cons++;
                netif_rx_response_t f = *RING_GET_RESPONSE(&nf->rx, fs);
                if (take_slot(nf, fs) < 0) brk(nf, "rx: fragment in a slot without a request");
                more = f.flags & NETRXF_more_data;
                bad = true;
            }
            if (nf->broken) break;
            if (bad) {
                if (r.status >= 0) nf->st.rx_bad++;
                continue;
            }
            nf->st.rx_frames++;
            nf->st.rx_bytes += (uint64_t)r.status;
            nf->deliver(nf->ctx, (const char *)nf->rxb[b].page + r.offset, (size_t)r.status);
            delivered++;
        }
        if (nf->broken) return -EIO;
        nf_rx_fill(nf);
        int more;
        RING_FINAL_CHECK_FOR_RESPONSES(&nf->rx, more);
        if (!more) break;
    }
    return delivered;
}
