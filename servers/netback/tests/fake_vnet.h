/* A fake virtio-net function (on the fake virtio-PCI transport) for the
 * netback host tests: frames the driver transmits are recorded, frames
 * injected are delivered into posted receive buffers when the driver waits
 * for an interrupt; a knob makes the device lie about received lengths. */
#ifndef NB_FAKE_VNET_H
#define NB_FAKE_VNET_H
#include "fake_vpci.h"

#define FVN_FRAMES 64
#define FVN_OUT    512
struct fvn {
    struct fvp *pci;
    uint8_t in[FVN_FRAMES][2048];
    size_t in_len[FVN_FRAMES];
    unsigned in_head, in_n;
    uint8_t out[FVN_OUT][4096];
    size_t out_len[FVN_OUT];
    unsigned out_n;
    long lie;             /* >= 0: report this used length for the next frame */
    unsigned long tx_bad; /* chains that were not header + frame, readable */
};
struct fvn *fvn_new(const uint8_t mac[6]);
void fvn_free(struct fvn *f);
void fvn_inject(struct fvn *f, const uint8_t *frame, size_t len);
#endif
