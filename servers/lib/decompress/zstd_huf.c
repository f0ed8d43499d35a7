/* Zstandard's Huffman-coded literals: the tree description (weights, direct
 * or FSE-compressed) and decoding of 1 or 4 backward streams. */
#include "zstd_int.h"

static int weights_fse(const uint8_t *in, size_t len, uint8_t *w, unsigned *nw)
{
    struct zfse f;
    size_t hdr;
    int rc = zfse_read(&f, in, len, 6, 12, &hdr);
    if (rc) return rc;
    if (hdr >= len) return DC_ECORRUPT;
    struct zbits b;
    if ((rc = zb_init(&b, in + hdr, len - hdr))) return rc;
    unsigned s1 = zfse_init(&f, &b), s2 = zfse_init(&f, &b), n = 0;
    if (b.pos < 0) return DC_ECORRUPT;
    /* two interleaved states until the stream runs out */
    for (;;) {
        if (n + 2 > 255) return DC_ECORRUPT;
        w[n++] = (uint8_t)zfse_sym(&f, s1);
        s1 = zfse_next(&f, s1, &b);
        if (b.pos < 0) {
            w[n++] = (uint8_t)zfse_sym(&f, s2);
            break;
        }
        w[n++] = (uint8_t)zfse_sym(&f, s2);
        s2 = zfse_next(&f, s2, &b);
        if (b.pos < 0) {
            w[n++] = (uint8_t)zfse_sym(&f, s1);
            break;
        }
    }
    *nw = n;
    return DC_OK;
}

int zhuf_read(struct zhuf *h, const uint8_t *in, size_t len, size_t *used)
{
    uint8_t w[256];
    unsigned nw;
    int rc;

    if (len < 1) return DC_ETRUNC;
    unsigned hb = in[0];
    if (hb < 128) {
        if (hb == 0 || hb > len - 1) return hb == 0 ? DC_ECORRUPT : DC_ETRUNC;
        if ((rc = weights_fse(in + 1, hb, w, &nw))) return rc;
        *used = 1 + hb;
    } else {
        nw = hb - 127;
        size_t nb = (nw + 1) / 2;
        if (nb > len - 1) return DC_ETRUNC;
        for (unsigned i = 0; i < nw; i++)
            w[i] = (uint8_t)(i % 2 ? in[1 + i / 2] & 15 : in[1 + i / 2] >> 4);
        *used = 1 + nb;
    }
    /* the last symbol's weight is implied: it completes a power of two */
    uint32_t sum = 0;
    for (unsigned i = 0; i < nw; i++) {
        if (w[i] > ZHUF_MAXBITS) return DC_ECORRUPT;
        if (w[i]) sum += 1u << (w[i] - 1);
    }
    if (sum == 0 || nw >= 256) return DC_ECORRUPT;
    unsigned maxbits = 0;
    while ((1u << maxbits) <= sum)
        maxbits++;
    if (maxbits > ZHUF_MAXBITS) return DC_ECORRUPT;
    uint32_t rest = (1u << maxbits) - sum;
    if (rest & (rest - 1)) return DC_ECORRUPT; /* not a power of two */
    unsigned lw = 1;
    while ((1u << (lw - 1)) < rest)
        lw++;
    w[nw++] = (uint8_t)lw;
    /* longest codes (lowest weights) first, by symbol within a weight */
    unsigned pos = 0;
    for (unsigned wt = 1; wt <= maxbits; wt++)
        for (unsigned s = 0; s < nw; s++)
            if (w[s] == wt) {
                unsigned n = 1u << (wt - 1);
                for (unsigned k = 0; k < n; k++) {
                    h->sym[pos + k] = (uint8_t)s;
                    h->bits[pos + k] = (uint8_t)(maxbits + 1 - wt);
                }
                pos += n;
            }
    if (pos != (1u << maxbits)) return DC_ECORRUPT;
    h->maxbits = maxbits;
    h->valid = 1;
    return DC_OK;
}

static int stream(const struct zhuf *h, const uint8_t *in, size_t len, uint8_t *out, size_t n)
{
    struct zbits b;
    int rc = zb_init(&b, in, len);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
        unsigned e = (unsigned)zb_peek(&b, h->maxbits);
        out[i] = h->sym[e];
        zb_skip(&b, h->bits[e]);
        if (b.pos < 0) return DC_ECORRUPT;
    }
    return b.pos == 0 ? DC_OK : DC_ECORRUPT;
}

int zhuf_decode(const struct zhuf *h, const uint8_t *in, size_t len, int four, uint8_t *out, size_t n)
{
    if (!h->valid) return DC_ECORRUPT;
    if (!four) return stream(h, in, len, out, n);
    if (len < 6) return DC_ECORRUPT;
    size_t s1 = dc_le16(in), s2 = dc_le16(in + 2), s3 = dc_le16(in + 4), seg = (n + 3) / 4;
    if (s1 + s2 + s3 > len - 6 || n < 3 * seg) return DC_ECORRUPT;
    size_t s4 = len - 6 - s1 - s2 - s3;
    const uint8_t *p = in + 6;
    int rc;
    if ((rc = stream(h, p, s1, out, seg)) || (rc = stream(h, p + s1, s2, out + seg, seg)) ||
        (rc = stream(h, p + s1 + s2, s3, out + 2 * seg, seg)) ||
        (rc = stream(h, p + s1 + s2 + s3, s4, out + 3 * seg, n - 3 * seg)))
        return rc;
    return DC_OK;
}
