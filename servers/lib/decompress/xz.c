/*
 * The .xz container: stream header, blocks (header, LZMA2 data with an
 * optional x86 branch filter before it, padding, check), index, footer;
 * concatenated streams and stream padding.  Checks: none, CRC-32, CRC-64.
 * The index is verified against the blocks through counts, sums and a CRC
 * of the (unpadded size, uncompressed size) records, so no list is kept.
 */
#include "dc_util.h"

#define XZ_CHECK_NONE  0
#define XZ_CHECK_CRC32 1
#define XZ_CHECK_CRC64 4
#define FILTER_X86     0x04
#define FILTER_LZMA2   0x21

/* Multibyte integer: 7 bits per byte, at most 9 bytes, minimal encoding. */
static int vli(const uint8_t *in, size_t len, size_t *p, uint64_t *v)
{
    *v = 0;
    for (unsigned i = 0; i < 9; i++) {
        if (*p >= len) return DC_ETRUNC;
        uint8_t b = in[(*p)++];
        *v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) return (b == 0 && i > 0) ? DC_ECORRUPT : DC_OK;
    }
    return DC_ECORRUPT;
}

struct records {
    uint64_t count, unpadded, uncompressed;
    uint32_t crc;
};

static void record(struct records *r, uint64_t unpadded, uint64_t uncompressed)
{
    uint8_t b[16];
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(unpadded >> (8 * i));
        b[8 + i] = (uint8_t)(uncompressed >> (8 * i));
    }
    r->count++;
    r->unpadded += unpadded;
    r->uncompressed += uncompressed;
    r->crc = dc_crc32(r->crc, b, 16);
}

static size_t check_size(unsigned check)
{
    return check == XZ_CHECK_NONE ? 0 : check == XZ_CHECK_CRC32 ? 4 : 8;
}

struct block_hdr {
    size_t size;
    uint64_t csize, usize;
    int has_csize, has_usize, x86;
    uint32_t x86_start, dict;
};

static int block_header(const uint8_t *in, size_t len, struct block_hdr *h)
{
    size_t hs = ((size_t)in[0] + 1) * 4, p = 2;
    uint64_t id, psz;
    int rc;
    if (hs > len) return DC_ETRUNC;
    if (dc_crc32(0, in, hs - 4) != dc_le32(in + hs - 4)) return DC_ECORRUPT;
    len = hs - 4; /* fields end before the CRC */
    unsigned flags = in[1], nf = (flags & 3) + 1;
    if (flags & 0x3c) return DC_EUNSUPP;
    h->size = hs;
    h->has_csize = !!(flags & 0x40);
    h->has_usize = !!(flags & 0x80);
    h->x86 = 0;
    h->x86_start = 0;
    if (h->has_csize && ((rc = vli(in, len, &p, &h->csize)) || h->csize == 0)) return rc ? rc : DC_ECORRUPT;
    if (h->has_usize && (rc = vli(in, len, &p, &h->usize))) return rc;
    for (unsigned f = 0; f < nf; f++) {
        if ((rc = vli(in, len, &p, &id)) || (rc = vli(in, len, &p, &psz)))
            return rc == DC_ETRUNC ? DC_ECORRUPT : rc;
        if (psz > len - p) return DC_ECORRUPT;
        if (f + 1 < nf) {
            if (id != FILTER_X86 || f > 0) return DC_EUNSUPP;
            if (psz == 4)
                h->x86_start = dc_le32(in + p);
            else if (psz != 0)
                return DC_ECORRUPT;
            h->x86 = 1;
        } else {
            if (id != FILTER_LZMA2) return DC_EUNSUPP;
            if (psz != 1 || in[p] > 40) return DC_ECORRUPT;
            unsigned d = in[p];
            h->dict = d == 40 ? 0xffffffffu : (2u | (d & 1)) << (d / 2 + 11);
        }
        p += (size_t)psz;
    }
    while (p < len)
        if (in[p++] != 0) return DC_ECORRUPT;
    return DC_OK;
}

/* One stream; *used receives its length (header to footer). */
static int xz_stream(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *got, size_t *used)
{
    struct records blocks = { 0 }, index = { 0 };
    size_t p = 12, op = 0;
    int rc;

    if (len < 12 ||
        !(in[0] == 0xfd && in[1] == '7' && in[2] == 'z' && in[3] == 'X' && in[4] == 'Z' && in[5] == 0))
        return DC_EFORMAT;
    if (dc_crc32(0, in + 6, 2) != dc_le32(in + 8)) return DC_ECORRUPT;
    if (in[6] != 0 || (in[7] & 0xf0)) return DC_EUNSUPP;
    unsigned check = in[7];
    if (check != XZ_CHECK_NONE && check != XZ_CHECK_CRC32 && check != XZ_CHECK_CRC64) return DC_EUNSUPP;
    size_t csz = check_size(check);

    for (;;) {
        if (p >= len) return DC_ETRUNC;
        if (in[p] == 0) break; /* index indicator */
        struct block_hdr h;
        size_t bstart = p, bout, bin;
        if ((rc = block_header(in + p, len - p, &h))) return rc;
        p += h.size;
        if ((rc = dc_lzma2(in + p, len - p, out + op, cap - op, h.dict, &bout, &bin))) return rc;
        if ((h.has_csize && h.csize != bin) || (h.has_usize && h.usize != bout)) return DC_ECORRUPT;
        if (h.x86) dc_bcj_x86(out + op, bout, h.x86_start);
        p += bin;
        uint64_t unpadded = (p - bstart) + csz;
        while ((p - bstart) % 4) {
            if (p >= len) return DC_ETRUNC;
            if (in[p++] != 0) return DC_ECORRUPT;
        }
        if (len - p < csz) return DC_ETRUNC;
        if ((check == XZ_CHECK_CRC32 && dc_crc32(0, out + op, bout) != dc_le32(in + p)) ||
            (check == XZ_CHECK_CRC64 &&
             dc_crc64(0, out + op, bout) != ((uint64_t)dc_le32(in + p + 4) << 32 | dc_le32(in + p))))
            return DC_ECORRUPT;
        p += csz;
        op += bout;
        record(&blocks, unpadded, bout);
    }

    /* index */
    size_t istart = p++;
    uint64_t n, up, un;
    if ((rc = vli(in, len, &p, &n))) return rc;
    if (n != blocks.count) return DC_ECORRUPT;
    for (uint64_t i = 0; i < n; i++) {
        if ((rc = vli(in, len, &p, &up)) || (rc = vli(in, len, &p, &un))) return rc;
        record(&index, up, un);
    }
    if (index.crc != blocks.crc || index.unpadded != blocks.unpadded ||
        index.uncompressed != blocks.uncompressed)
        return DC_ECORRUPT;
    while ((p - istart) % 4) {
        if (p >= len) return DC_ETRUNC;
        if (in[p++] != 0) return DC_ECORRUPT;
    }
    if (len - p < 4 + 12) return DC_ETRUNC;
    if (dc_crc32(0, in + istart, p - istart) != dc_le32(in + p)) return DC_ECORRUPT;
    p += 4;
    /* footer */
    const uint8_t *f = in + p;
    if (f[10] != 'Y' || f[11] != 'Z' || dc_crc32(0, f + 4, 6) != dc_le32(f) || f[8] != in[6] ||
        f[9] != in[7] || ((uint64_t)dc_le32(f + 4) + 1) * 4 != (uint64_t)(p - istart))
        return DC_ECORRUPT;
    *got = op;
    *used = p + 12;
    return DC_OK;
}

int dc_unxz(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len)
{
    size_t ip = 0, op = 0;
    int rc;

    if (!in || !out || !out_len) return DC_EARG;
    do {
        size_t got, used;
        if ((rc = xz_stream(in + ip, in_len - ip, out + op, out_cap - op, &got, &used))) return rc;
        ip += used;
        op += got;
        /* stream padding: zero bytes in fours */
        size_t z = ip;
        while (z < in_len && in[z] == 0)
            z++;
        if (z == in_len) {
            if ((z - ip) % 4) return DC_ECORRUPT;
            break;
        }
        if ((z - ip) % 4 == 0 && in_len - ip == 4) {
            /* the uncompressed size Linux appends to its payload */
            if (dc_le32(in + ip) != (uint32_t)op) return DC_ECORRUPT;
            break;
        }
        if ((z - ip) % 4) return DC_ECORRUPT;
        ip = z; /* another stream follows */
    } while (1);
    *out_len = op;
    return DC_OK;
}
