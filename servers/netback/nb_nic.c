/* The NIC port (see nb_nic.h). */
#include "nb_nic.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int nb_nic_init(struct nb_nic *n, struct nb *b, struct vdev *d, uint64_t now_ns)
{
    memset(n, 0, sizeof(*n));
    n->nb = b;
    n->scratch = malloc(NB_MAX_FRAME);
    if (!n->scratch) return -ENOMEM;
    int rc = vnet_init(&n->vn, d, 256);
    if (rc) return rc;
    struct vfr_port_cfg c;
    memset(&c, 0, sizeof(c));
    strcpy(c.name, "nic");
    int port = vfr_port_add(b->vfr, &c, now_ns);
    if (port < 0) return port;
    b->nic_port = port;
    b->env.nic_xmit = nb_nic_xmit;
    b->env.nic_ctx = n;
    return 0;
}

static int send_one(void *ctx, const uint8_t *f, size_t len)
{
    struct nb_nic *n = ctx;
    return vnet_send(&n->vn, f, len) ? -1 : 0;
}

int nb_nic_xmit(void *nic_ctx, const uint8_t *f, size_t len, const struct nb_meta *m)
{
    struct nb_nic *n = nic_ctx;
    return nb_emit_plain(n->scratch, f, len, m, send_one, n) ? -1 : 0;
}

static void received(void *ctx, const uint8_t *f, size_t len)
{
    struct nb_nic *n = ctx;
    static const struct nb_meta none;
    nb_nic_input(n->nb, f, len, &none);
}

unsigned nb_nic_poll(struct nb_nic *n) { return vnet_poll(&n->vn, received, n); }
