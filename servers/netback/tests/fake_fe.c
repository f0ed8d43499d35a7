/* The fake netfront (see fake_fe.h). */
#include "fake_fe.h"
#include <stdlib.h>
#include <string.h>

struct fake_grant fgrant[FG_MAX];
static unsigned fg_next = 1;
unsigned gcopy_calls;

void fake_grants_reset(void)
{
    for (unsigned i = 0; i < FG_MAX; i++) {
        free(fgrant[i].page);
        memset(&fgrant[i], 0, sizeof(fgrant[i]));
    }
    fg_next = 1;
}

uint32_t fake_grant_new(uint16_t domid, bool ro)
{
    if (fg_next == FG_MAX) fg_next = 1; /* tests stay far below this */
    uint32_t g = fg_next++;
    free(fgrant[g].page);
    fgrant[g] = (struct fake_grant){ true, ro, domid, aligned_alloc(NB_PAGE, NB_PAGE) };
    memset(fgrant[g].page, 0, NB_PAGE);
    return g;
}

int fake_gcopy(void *ctx, struct xd_copy *c, unsigned n)
{
    (void)ctx;
    gcopy_calls++;
    for (unsigned i = 0; i < n; i++) {
        struct fake_grant *g = c[i].gref < FG_MAX ? &fgrant[c[i].gref] : NULL;
        if (!g || !g->used || g->domid != c[i].domid)
            c[i].status = GNTST_bad_gntref;
        else if (c[i].goff + c[i].len > NB_PAGE)
            c[i].status = GNTST_bad_copy_arg;
        else if (c[i].to_guest && g->ro)
            c[i].status = GNTST_permission_denied;
        else {
            if (c[i].to_guest)
                memcpy(g->page + c[i].goff, c[i].local, c[i].len);
            else
                memcpy(c[i].local, g->page + c[i].goff, c[i].len);
            c[i].status = GNTST_okay;
        }
    }
    return 0;
}

void fe_init(struct fake_fe *fe, uint16_t domid)
{
    memset(fe, 0, sizeof(*fe));
    fe->domid = domid;
    fe->txs = aligned_alloc(NB_PAGE, NB_PAGE);
    fe->rxs = aligned_alloc(NB_PAGE, NB_PAGE);
    SHARED_RING_INIT(fe->txs);
    SHARED_RING_INIT(fe->rxs);
    FRONT_RING_INIT(&fe->tx, fe->txs, NB_PAGE);
    FRONT_RING_INIT(&fe->rx, fe->rxs, NB_PAGE);
}

void fe_free(struct fake_fe *fe)
{
    free(fe->txs);
    free(fe->rxs);
}

int fe_post_rx(struct fake_fe *fe, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        RING_IDX at = fe->rx.req_prod_pvt++;
        netif_rx_request_t *r = RING_GET_REQUEST(&fe->rx, at);
        r->id = (uint16_t)(at & (256 - 1));
        r->gref = fake_grant_new(fe->domid, false);
        fe->rx_gref[r->id] = r->gref;
    }
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&fe->rx, notify);
    return notify;
}

void fe_push(struct fake_fe *fe)
{
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&fe->tx, notify);
    (void)notify;
}

void fe_send(struct fake_fe *fe, const uint8_t *f, size_t len, const uint16_t *sl, uint16_t off,
             uint16_t flags, const netif_extra_info_t *extra, bool push)
{
    uint16_t one[2] = { (uint16_t)len, 0 };
    if (!sl) sl = one;
    size_t at = 0;
    for (unsigned k = 0; sl[k] || k == 0; k++) {
        RING_IDX i = fe->tx.req_prod_pvt++;
        netif_tx_request_t *r = RING_GET_REQUEST(&fe->tx, i);
        r->gref = fake_grant_new(fe->domid, true);
        r->offset = off;
        r->id = (uint16_t)(i & (256 - 1));
        r->size = k ? sl[k] : (uint16_t)len;
        size_t n = sl[k];
        if (n && at + n <= len && off + n <= NB_PAGE) memcpy(fgrant[r->gref].page + off, f + at, n);
        at += n;
        r->flags = (uint16_t)((k ? 0 : flags) | (sl[k + 1] ? NETTXF_more_data : 0) |
                              (!k && extra ? NETTXF_extra_info : 0));
        if (!k && extra) {
            memcpy(RING_GET_REQUEST(&fe->tx, fe->tx.req_prod_pvt++), extra, sizeof(*extra));
        }
        if (!sl[k]) break;
    }
    if (push) fe_push(fe);
}

void fe_tx_responses(struct fake_fe *fe)
{
    while (fe->tx.rsp_cons != fe->txs->rsp_prod) {
        netif_tx_response_t *r = RING_GET_RESPONSE(&fe->tx, fe->tx.rsp_cons++);
        if (r->status == NETIF_RSP_OKAY)
            fe->tx_ok++;
        else if (r->status == NETIF_RSP_NULL)
            fe->tx_null++;
        else
            fe->tx_err++;
    }
}

int fe_recv(struct fake_fe *fe, uint8_t *buf, uint16_t *flags, netif_extra_info_t *gso)
{
    int total = 0;
    bool first = true, more = true;
    if (gso) memset(gso, 0, sizeof(*gso));
    if (fe->rx.rsp_cons == fe->rxs->rsp_prod) return 0;
    while (more && fe->rx.rsp_cons != fe->rxs->rsp_prod) {
        netif_rx_response_t *r = RING_GET_RESPONSE(&fe->rx, fe->rx.rsp_cons++);
        if (r->status < 0) return r->status;
        uint8_t *page = fgrant[fe->rx_gref[r->id & 255]].page;
        memcpy(buf + total, page + r->offset, (size_t)r->status);
        total += r->status;
        more = r->flags & NETRXF_more_data;
        if (first && flags) *flags = r->flags;
        if (first && (r->flags & NETRXF_extra_info)) {
            const void *x = RING_GET_RESPONSE(&fe->rx, fe->rx.rsp_cons++);
            if (gso) memcpy(gso, x, sizeof(*gso));
        }
        first = false;
    }
    return total;
}
