/*
 * LZ4: the block format (sequences of literals and back-references) and the
 * legacy frame format Linux uses for its compressed kernel.
 */
#include "dc_util.h"

#define LZ4_LEGACY_MAGIC  0x184C2102u
#define LZ4_LEGACY_BLOCK  (8u << 20) /* max output per block */
#define LZ4_LEGACY_CBOUND (LZ4_LEGACY_BLOCK + LZ4_LEGACY_BLOCK / 255 + 16)

/* Reads an LZ4 length extension (bytes of 255 continue it). */
static int lz4_extlen(const uint8_t *in, size_t in_len, size_t *ip, size_t *len)
{
    uint8_t b;
    do {
        if (*ip >= in_len) return DC_ETRUNC;
        b = in[(*ip)++];
        if (*len > (size_t)-1 / 2) return DC_ECORRUPT;
        *len += b;
    } while (b == 255);
    return DC_OK;
}

int dc_lz4_block(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len)
{
    size_t ip = 0, op = 0;
    int rc;

    if (!in || !out || !out_len) return DC_EARG;
    if (in_len == 0) return DC_ETRUNC;
    for (;;) {
        uint8_t token = in[ip++];
        size_t lit = token >> 4, mlen = (token & 15u), off;

        if (lit == 15 && (rc = lz4_extlen(in, in_len, &ip, &lit)) != DC_OK) return rc;
        if (lit > in_len - ip) return DC_ETRUNC;
        if (lit > out_cap - op) return DC_ENOSPC;
        dc_copy(out + op, in + ip, lit);
        ip += lit;
        op += lit;
        if (ip == in_len) break; /* the last sequence has literals only */
        if (in_len - ip < 2) return DC_ETRUNC;
        off = dc_le16(in + ip);
        ip += 2;
        if (off == 0 || off > op) return DC_ECORRUPT;
        if (mlen == 15 && (rc = lz4_extlen(in, in_len, &ip, &mlen)) != DC_OK) return rc;
        mlen += 4;
        if (mlen > out_cap - op) return DC_ENOSPC;
        if (off >= mlen || off >= 8) {
            /* copy forward in chunks no longer than the distance */
            const uint8_t *s = out + op - off;
            uint8_t *d = out + op;
            size_t n = mlen;
            if (off >= n) {
                dc_copy(d, s, n);
            } else {
                while (n >= 8) {
                    dc_copy(d, s, 8);
                    d += 8;
                    s += 8;
                    n -= 8;
                }
                while (n--)
                    *d++ = *s++;
            }
        } else {
            for (size_t i = 0; i < mlen; i++)
                out[op + i] = out[op + i - off];
        }
        op += mlen;
        if (ip >= in_len) return DC_ETRUNC; /* a match cannot end the block */
    }
    *out_len = op;
    return DC_OK;
}

int dc_lz4_legacy(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len)
{
    size_t ip, op = 0;

    if (!in || !out || !out_len) return DC_EARG;
    if (in_len < 4 || dc_le32(in) != LZ4_LEGACY_MAGIC) return DC_EFORMAT;
    ip = 4;
    while (ip < in_len) {
        size_t bsz, got, room;
        int rc;

        if (in_len - ip < 4) return DC_ETRUNC;
        bsz = dc_le32(in + ip);
        if (in_len - ip == 4) {
            /* the uncompressed size appended after the last block */
            if (bsz != (uint32_t)op) return DC_ECORRUPT;
            break;
        }
        ip += 4;
        if (bsz == LZ4_LEGACY_MAGIC) continue; /* concatenated frame */
        if (bsz == 0 || bsz > LZ4_LEGACY_CBOUND) return DC_ECORRUPT;
        if (bsz > in_len - ip) return DC_ETRUNC;
        room = out_cap - op;
        if (room > LZ4_LEGACY_BLOCK) room = LZ4_LEGACY_BLOCK;
        rc = dc_lz4_block(in + ip, bsz, out + op, room, &got);
        if (rc == DC_ENOSPC && room == LZ4_LEGACY_BLOCK && out_cap - op > room)
            return DC_ECORRUPT; /* block larger than the format allows */
        if (rc != DC_OK) return rc;
        ip += bsz;
        op += got;
    }
    *out_len = op;
    return DC_OK;
}
