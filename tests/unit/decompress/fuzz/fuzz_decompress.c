/* libFuzzer harness for servers/lib/decompress: the first input byte picks
 * the decoder (its value mod 9) and the output capacity, the rest is the stream.  Buffers are
 * heap-allocated to their exact sizes so ASan catches any overrun. */
#include <stdlib.h>
#include <string.h>
#include "decompress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned sel = data[0];
    size_t n = size - 1, cap = (size_t)(sel >> 3) * 4096 + (sel & 7) * 13, got = 0, used = 0;
    uint8_t *in = malloc(n ? n : 1), *out = malloc(cap ? cap : 1);
    memcpy(in, data + 1, n);
    struct dc_bzimage bz;
    switch (sel % 9) {
    case 0:
        dc_lz4_legacy(in, n, out, cap, &got);
        break;
    case 1:
        dc_lz4_block(in, n, out, cap, &got);
        break;
    case 2:
        dc_inflate(in, n, out, cap, &got, &used);
        break;
    case 3:
        dc_gunzip(in, n, out, cap, &got);
        break;
    case 4:
        dc_kernel_unpack(in, n, out, cap, &got);
        (void)dc_kernel_size_hint(in, n);
        break;
    case 5:
        if (dc_bzimage_parse(in, n, &bz) == DC_OK &&
            (bz.payload_off > n || bz.payload_len > n - bz.payload_off))
            abort();
        break;
    case 6:
        dc_unxz(in, n, out, cap, &got);
        break;
    case 7:
        dc_lzma2(in, n, out, cap, 1u << 20, &got, &used);
        break;
    case 8:
        dc_unzstd(in, n, out, cap, &got);
        break;
    }
    if (got > cap || used > n) abort();
    free(in);
    free(out);
    return 0;
}
