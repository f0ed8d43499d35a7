/* gzip members (RFC 1952): header, DEFLATE body, CRC-32 and ISIZE trailer. */
#include "dc_util.h"

#define FTEXT    1
#define FHCRC    2
#define FEXTRA   4
#define FNAME    8
#define FCOMMENT 16

/* Skips the member header; returns the offset of the DEFLATE data. */
static int gz_header(const uint8_t *in, size_t len, size_t *off)
{
    size_t p = 10;
    if (len < 2 || in[0] != 0x1f || in[1] != 0x8b) return DC_EFORMAT;
    if (len < 10) return DC_ETRUNC;
    if (in[2] != 8) return DC_EUNSUPP; /* only DEFLATE is defined */
    uint8_t flg = in[3];
    if (flg & 0xe0) return DC_ECORRUPT; /* reserved flags */
    if (flg & FEXTRA) {
        if (len - p < 2) return DC_ETRUNC;
        size_t xlen = dc_le16(in + p);
        p += 2;
        if (xlen > len - p) return DC_ETRUNC;
        p += xlen;
    }
    for (int f = FNAME; f <= FCOMMENT; f <<= 1) {
        if (!(flg & f)) continue;
        while (p < len && in[p])
            p++;
        if (p >= len) return DC_ETRUNC;
        p++;
    }
    if (flg & FHCRC) {
        if (len - p < 2) return DC_ETRUNC;
        if (dc_le16(in + p) != (dc_crc32(0, in, p) & 0xffffu)) return DC_ECORRUPT;
        p += 2;
    }
    *off = p;
    return DC_OK;
}

int dc_gunzip(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len)
{
    size_t ip = 0, op = 0;

    if (!in || !out || !out_len) return DC_EARG;
    do {
        size_t hdr, got, used;
        int rc = gz_header(in + ip, in_len - ip, &hdr);
        if (rc) return rc;
        ip += hdr;
        rc = dc_inflate(in + ip, in_len - ip, out + op, out_cap - op, &got, &used);
        if (rc) return rc;
        ip += used;
        if (in_len - ip < 8) return DC_ETRUNC;
        if (dc_le32(in + ip) != dc_crc32(0, out + op, got) || dc_le32(in + ip + 4) != (uint32_t)got)
            return DC_ECORRUPT;
        ip += 8;
        op += got;
        /* trailing zero padding after the last member is tolerated */
        size_t z = ip;
        while (z < in_len && in[z] == 0)
            z++;
        if (z == in_len) break;
    } while (1);
    *out_len = op;
    return DC_OK;
}
