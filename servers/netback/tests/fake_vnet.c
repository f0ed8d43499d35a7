/* The fake virtio-net function (see fake_vnet.h). */
#include "fake_vnet.h"
#include <stdlib.h>
#include <string.h>

#define HDR 12

static void run(void *ctx)
{
    struct fvn *f = ctx;
    struct fvp_buf b[FVP_MAX_CHAIN];
    unsigned n;
    int head;
    while ((head = fvp_next(f->pci, 1, b, &n)) >= 0) {
        if (n != 1 || !b[0].p || b[0].device_writes || b[0].len < HDR || f->out_n == FVN_OUT) {
            f->tx_bad++;
        } else {
            memcpy(f->out[f->out_n], b[0].p + HDR, b[0].len - HDR);
            f->out_len[f->out_n++] = b[0].len - HDR;
        }
        fvp_complete(f->pci, 1, (unsigned)head, 0);
    }
    while (f->in_n && (head = fvp_next(f->pci, 0, b, &n)) >= 0) {
        size_t len = f->in_len[f->in_head];
        uint32_t used = 0;
        if (n == 1 && b[0].p && b[0].device_writes && b[0].len >= HDR + len) {
            memset(b[0].p, 0, HDR);
            b[0].p[10] = 1; /* num_buffers */
            memcpy(b[0].p + HDR, f->in[f->in_head], len);
            used = (uint32_t)(HDR + len);
        }
        if (f->lie >= 0) {
            used = (uint32_t)f->lie;
            f->lie = -1;
        }
        fvp_complete(f->pci, 0, (unsigned)head, used);
        f->in_head = (f->in_head + 1) % FVN_FRAMES;
        f->in_n--;
    }
}

struct fvn *fvn_new(const uint8_t mac[6])
{
    struct fvn *f = calloc(1, sizeof(*f));
    f->lie = -1;
    f->pci = fvp_new(0x1041, (1ull << 32) | (1ull << 33) | (1ull << 5), 2, run, f);
    fvp_set_devcfg(f->pci, mac, 6);
    return f;
}

void fvn_free(struct fvn *f)
{
    fvp_free(f->pci);
    free(f);
}

void fvn_inject(struct fvn *f, const uint8_t *frame, size_t len)
{
    if (f->in_n == FVN_FRAMES || len > sizeof(f->in[0])) return;
    unsigned at = (f->in_head + f->in_n++) % FVN_FRAMES;
    memcpy(f->in[at], frame, len);
    f->in_len[at] = len;
}
