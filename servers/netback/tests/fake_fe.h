/* A fake netfront for the netback host tests: granted pages in a fake grant
 * table, shared tx/rx rings, and helpers that send a frame over several
 * slots and collect what arrives on the rx ring. */
#ifndef NB_FAKE_FE_H
#define NB_FAKE_FE_H
#include "netback.h"

#define FG_MAX 1024
struct fake_grant {
    bool used, ro;
    uint16_t domid;
    uint8_t *page;
};
extern struct fake_grant fgrant[FG_MAX];
extern unsigned gcopy_calls;
int fake_gcopy(void *ctx, struct xd_copy *c, unsigned n);
/* A new grant of a fresh zeroed page by domid: its ref. */
uint32_t fake_grant_new(uint16_t domid, bool ro);
void fake_grants_reset(void);

struct fake_fe {
    uint16_t domid;
    netif_tx_sring_t *txs;
    netif_rx_sring_t *rxs;
    netif_tx_front_ring_t tx;
    netif_rx_front_ring_t rx;
    uint32_t rx_gref[256]; /* the grant posted in each rx slot id */
    unsigned tx_ok, tx_err, tx_null;
};
void fe_init(struct fake_fe *fe, uint16_t domid);
void fe_free(struct fake_fe *fe);
/* Post n receive buffers: whether the backend asked to be notified. */
int fe_post_rx(struct fake_fe *fe, unsigned n);
/* Queue a frame: slot sizes in sl (0-terminated; NULL: one slot) starting
 * at offset off in each page; flags for the first slot; an optional GSO
 * extra.  push: publish the requests. */
void fe_send(struct fake_fe *fe, const uint8_t *f, size_t len, const uint16_t *sl, uint16_t off,
             uint16_t flags, const netif_extra_info_t *extra, bool push);
void fe_push(struct fake_fe *fe);
/* Read tx responses (counted into tx_ok/tx_err/tx_null). */
void fe_tx_responses(struct fake_fe *fe);
/* The next received frame: its length (0 none, <0 an error status), its
 * first slot's flags, its GSO extra if any. */
int fe_recv(struct fake_fe *fe, uint8_t *buf, uint16_t *flags, netif_extra_info_t *gso);
#endif
