/*
 * Zstandard frames (RFC 8878): frame header, raw/RLE/compressed blocks,
 * literals (raw, RLE, Huffman with 1 or 4 streams, tree reuse), sequences
 * (predefined, RLE, FSE and repeated tables; repeat offsets) and the XXH64
 * content checksum; skippable frames.  No dictionaries.  The output buffer
 * is the window; Huffman literals are decoded into the free tail of the
 * output buffer and consumed from there, so no other buffer is needed.
 */
#include "zstd_int.h"

#define BLOCK_MAX (128u << 10)

static const int16_t ll_default[36] = { 4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1,  1,  2,  2,
                                        2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1 };
static const int16_t ml_default[53] = { 1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1,  1,  1,  1,  1,  1,  1, 1,
                                        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  1,  1,  1,  1,  1,  1, 1,
                                        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1 };
static const int16_t of_default[29] = { 1, 1, 1, 1, 1, 1, 2, 2, 2, 1,  1,  1,  1,  1, 1,
                                        1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1 };

static const uint32_t ll_base[36] = { 0,  1,  2,   3,   4,   5,    6,    7,    8,    9,     10,    11,
                                      12, 13, 14,  15,  16,  18,   20,   22,   24,   28,    32,    40,
                                      48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536 };
static const uint8_t ll_bits[36] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  0,  0,  0,  0,  1,  1,
                                     1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint32_t ml_base[53] = { 3,   4,   5,    6,    7,    8,    9,     10,    11,   12, 13,
                                      14,  15,  16,   17,   18,   19,   20,    21,    22,   23, 24,
                                      25,  26,  27,   28,   29,   30,   31,    32,    33,   34, 35,
                                      37,  39,  41,   43,   47,   51,   59,    67,    83,   99, 131,
                                      259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539 };
static const uint8_t ml_bits[53] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  0,  0,  0,  0,  0,  0, 0,
                                     0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  0,  0,  0,  1,  1,  1, 1,
                                     2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

struct zframe {
    uint8_t *out;
    size_t cap, op, start; /* start: where this frame's output begins */
    uint32_t rep[3];
    struct zhuf huf;
    struct zfse ll, of, ml;
    int have_ll, have_of, have_ml;
    /* literals of the current block */
    const uint8_t *lit;
    size_t nlit, lused;
    int lit_rle;
    uint8_t lit_byte;
};

static int literals(struct zframe *z, const uint8_t *in, size_t len, size_t *used)
{
    if (len < 1) return DC_ETRUNC;
    unsigned type = in[0] & 3, fmt = (in[0] >> 2) & 3;
    size_t hs, regen, comp = 0;
    if (type < 2) {
        if (fmt == 0 || fmt == 2) {
            hs = 1;
            regen = in[0] >> 3;
        } else if (fmt == 1) {
            hs = 2;
            if (len < hs) return DC_ETRUNC;
            regen = (in[0] >> 4) | (size_t)in[1] << 4;
        } else {
            hs = 3;
            if (len < hs) return DC_ETRUNC;
            regen = (in[0] >> 4) | (size_t)in[1] << 4 | (size_t)in[2] << 12;
        }
    } else {
        hs = fmt < 2 ? 3 : fmt == 2 ? 4 : 5;
        if (len < hs) return DC_ETRUNC;
        uint64_t v = 0;
        for (size_t i = 0; i < hs; i++)
            v |= (uint64_t)in[i] << (8 * i);
        v >>= 4;
        unsigned w = fmt < 2 ? 10 : fmt == 2 ? 14 : 18;
        regen = (size_t)(v & ((1u << w) - 1));
        comp = (size_t)((v >> w) & ((1u << w) - 1));
    }
    if (regen > BLOCK_MAX) return DC_ECORRUPT;
    z->nlit = regen;
    z->lused = 0;
    z->lit_rle = 0;
    if (type == 0) {
        if (regen > len - hs) return DC_ETRUNC;
        z->lit = in + hs;
        *used = hs + regen;
        return DC_OK;
    }
    if (type == 1) {
        if (len - hs < 1) return DC_ETRUNC;
        z->lit_rle = 1;
        z->lit_byte = in[hs];
        *used = hs + 1;
        return DC_OK;
    }
    if (comp > len - hs) return DC_ETRUNC;
    const uint8_t *p = in + hs;
    size_t tree = 0;
    int rc;
    if (type == 2 && (rc = zhuf_read(&z->huf, p, comp, &tree))) return rc;
    if (tree > comp) return DC_ECORRUPT;
    /* decode into the tail of the output buffer */
    if (regen > z->cap - z->op) return DC_ENOSPC;
    uint8_t *dst = z->out + z->cap - regen;
    if ((rc = zhuf_decode(&z->huf, p + tree, comp - tree, fmt != 0, dst, regen))) return rc;
    if (fmt == 0 && regen > 1023) return DC_ECORRUPT;
    z->lit = dst;
    *used = hs + comp;
    return DC_OK;
}

/* Copies n literals to the output (which never passes the literals' read
 * position when the block fits: see the file comment). */
static int copy_lits(struct zframe *z, size_t n)
{
    if (n > z->nlit - z->lused) return DC_ECORRUPT;
    if (n > z->cap - z->op) return DC_ENOSPC;
    if (z->lit_rle) {
        for (size_t i = 0; i < n; i++)
            z->out[z->op + i] = z->lit_byte;
    } else {
        const uint8_t *s = z->lit + z->lused;
        uint8_t *d = z->out + z->op;
        if (d != s)
            for (size_t i = 0; i < n; i++)
                d[i] = s[i];
    }
    z->op += n;
    z->lused += n;
    return DC_OK;
}

/* the first byte not yet consumed among literals in the output buffer */
static size_t lit_floor(const struct zframe *z)
{
    if (z->lit_rle || !(z->lit >= z->out && z->lit < z->out + z->cap)) return z->cap;
    return (size_t)(z->lit - z->out) + z->lused;
}

static int table(struct zfse *t, int *have, unsigned mode, const uint8_t *in, size_t len, size_t *used,
                 const int16_t *def, unsigned ndef, unsigned deflog, unsigned max_log, unsigned max_sym)
{
    *used = 0;
    switch (mode) {
    case 0:
        *have = 1;
        return zfse_build(t, def, ndef, deflog);
    case 1:
        if (len < 1) return DC_ETRUNC;
        if (in[0] > max_sym) return DC_ECORRUPT;
        zfse_rle(t, in[0]);
        *used = 1;
        *have = 1;
        return DC_OK;
    case 2: {
        int rc = zfse_read(t, in, len, max_log, max_sym, used);
        if (rc) return rc;
        if (*used > len) return DC_ETRUNC;
        *have = 1;
        return DC_OK;
    }
    default:
        return *have ? DC_OK : DC_ECORRUPT;
    }
}

static int sequences(struct zframe *z, const uint8_t *in, size_t len)
{
    size_t p = 0, nseq, u;
    int rc;

    if (len < 1) return DC_ETRUNC;
    nseq = in[p++];
    if (nseq >= 128) {
        if (nseq == 255) {
            if (len < 3) return DC_ETRUNC;
            nseq = dc_le16(in + 1) + 0x7f00;
            p = 3;
        } else {
            if (len < 2) return DC_ETRUNC;
            nseq = ((nseq - 128) << 8) + in[1];
            p = 2;
        }
    }
    if (nseq == 0) return p == len ? copy_lits(z, z->nlit - z->lused) : DC_ECORRUPT;
    if (p >= len) return DC_ETRUNC;
    unsigned modes = in[p++];
    if (modes & 3) return DC_ECORRUPT;
    if ((rc = table(&z->ll, &z->have_ll, modes >> 6, in + p, len - p, &u, ll_default, 36, 6, 9, 35)))
        return rc;
    p += u;
    if ((rc = table(&z->of, &z->have_of, (modes >> 4) & 3, in + p, len - p, &u, of_default, 29, 5, 8, 31)))
        return rc;
    p += u;
    if ((rc = table(&z->ml, &z->have_ml, (modes >> 2) & 3, in + p, len - p, &u, ml_default, 53, 6, 9, 52)))
        return rc;
    p += u;
    struct zbits b;
    if (p >= len) return DC_ETRUNC;
    if ((rc = zb_init(&b, in + p, len - p))) return rc;
    unsigned sl = zfse_init(&z->ll, &b), so = zfse_init(&z->of, &b), sm = zfse_init(&z->ml, &b);
    for (size_t i = 0; i < nseq; i++) {
        unsigned oc = zfse_sym(&z->of, so), mc = zfse_sym(&z->ml, sm), lc = zfse_sym(&z->ll, sl);
        if (oc > 31 || mc > 52 || lc > 35) return DC_ECORRUPT;
        uint32_t ofv = (1u << oc) + (uint32_t)zb_read(&b, oc);
        size_t ml = ml_base[mc] + (size_t)zb_read(&b, ml_bits[mc]);
        size_t ll = ll_base[lc] + (size_t)zb_read(&b, ll_bits[lc]);
        uint32_t off;
        if (ofv > 3) {
            off = ofv - 3;
            z->rep[2] = z->rep[1];
            z->rep[1] = z->rep[0];
            z->rep[0] = off;
        } else {
            unsigned idx = ofv - 1 + (ll == 0); /* 0..3 */
            if (idx == 0) {
                off = z->rep[0];
            } else {
                off = idx == 3 ? z->rep[0] - 1 : z->rep[idx];
                if (idx == 3 && off == 0) return DC_ECORRUPT;
                if (idx != 1) z->rep[2] = z->rep[1];
                z->rep[1] = z->rep[0];
                z->rep[0] = off;
            }
        }
        if (i + 1 < nseq) {
            sl = zfse_next(&z->ll, sl, &b);
            sm = zfse_next(&z->ml, sm, &b);
            so = zfse_next(&z->of, so, &b);
        }
        if (b.pos < 0) return DC_ECORRUPT;
        if ((rc = copy_lits(z, ll))) return rc;
        if (off > z->op - z->start) return DC_ECORRUPT;
        if (ml > lit_floor(z) - z->op) return DC_ENOSPC;
        uint8_t *d = z->out + z->op;
        for (size_t k = 0; k < ml; k++)
            d[k] = d[(ptrdiff_t)k - (ptrdiff_t)off];
        z->op += ml;
    }
    if (b.pos != 0) return DC_ECORRUPT;
    return copy_lits(z, z->nlit - z->lused);
}

/* One frame at in; *used receives its length. */
static int frame(struct zframe *z, const uint8_t *in, size_t len, size_t *used)
{
    size_t p = 4;
    int rc;

    if (len < 5) return DC_ETRUNC;
    unsigned fhd = in[p++];
    if (fhd & 0x08) return DC_ECORRUPT; /* reserved bit */
    unsigned fcs_flag = fhd >> 6, single = (fhd >> 5) & 1, csum = (fhd >> 2) & 1, did = fhd & 3;
    uint64_t window = 0, fcs = 0;
    int has_fcs = fcs_flag || single;
    if (!single) {
        if (p >= len) return DC_ETRUNC;
        unsigned wd = in[p++], e = wd >> 3;
        if (e > 31 - 10) return DC_EUNSUPP;
        window = (1ull << (10 + e)) + ((1ull << (10 + e)) / 8) * (wd & 7);
    }
    static const unsigned did_size[4] = { 0, 1, 2, 4 };
    if (len - p < did_size[did]) return DC_ETRUNC;
    for (unsigned i = 0; i < did_size[did]; i++)
        if (in[p + i]) return DC_EUNSUPP; /* dictionaries are not supported */
    p += did_size[did];
    unsigned fsz = fcs_flag == 0 ? (single ? 1 : 0) : 1u << fcs_flag;
    if (len - p < fsz) return DC_ETRUNC;
    for (unsigned i = 0; i < fsz; i++)
        fcs |= (uint64_t)in[p + i] << (8 * i);
    if (fsz == 2) fcs += 256;
    p += fsz;
    if (single) window = fcs;
    (void)window;

    z->start = z->op;
    z->rep[0] = 1;
    z->rep[1] = 4;
    z->rep[2] = 8;
    z->huf.valid = 0;
    z->have_ll = z->have_of = z->have_ml = 0;
    for (;;) {
        if (len - p < 3) return DC_ETRUNC;
        uint32_t bh = (uint32_t)in[p] | (uint32_t)in[p + 1] << 8 | (uint32_t)in[p + 2] << 16;
        p += 3;
        unsigned last = bh & 1, type = (bh >> 1) & 3;
        size_t bsz = bh >> 3;
        size_t bstart = z->op;
        if (type == 3) return DC_ECORRUPT;
        if (type == 1) {
            if (bsz > BLOCK_MAX) return DC_ECORRUPT;
            if (len - p < 1) return DC_ETRUNC;
            if (bsz > z->cap - z->op) return DC_ENOSPC;
            for (size_t i = 0; i < bsz; i++)
                z->out[z->op + i] = in[p];
            z->op += bsz;
            p += 1;
        } else {
            if (bsz > BLOCK_MAX) return DC_ECORRUPT;
            if (len - p < bsz) return DC_ETRUNC;
            if (type == 0) {
                if (bsz > z->cap - z->op) return DC_ENOSPC;
                dc_copy(z->out + z->op, in + p, bsz);
                z->op += bsz;
            } else {
                size_t lu;
                if ((rc = literals(z, in + p, bsz, &lu))) return rc;
                if ((rc = sequences(z, in + p + lu, bsz - lu))) return rc;
                if (z->op - bstart > BLOCK_MAX) return DC_ECORRUPT;
            }
            p += bsz;
        }
        if (last) break;
    }
    if (has_fcs && fcs != z->op - z->start) return DC_ECORRUPT;
    if (csum) {
        if (len - p < 4) return DC_ETRUNC;
        uint64_t h = dc_xxh64(z->out + z->start, z->op - z->start, 0);
        if ((uint32_t)h != dc_le32(in + p)) return DC_ECORRUPT;
        p += 4;
    }
    *used = p;
    return DC_OK;
}

int dc_unzstd(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len)
{
    struct zframe z;
    size_t ip = 0;
    int frames = 0;

    if (!in || !out || !out_len) return DC_EARG;
    z.out = out;
    z.cap = out_cap;
    z.op = 0;
    while (ip < in_len) {
        size_t rem = in_len - ip, used;
        if (rem < 4) return frames ? DC_ECORRUPT : DC_ETRUNC;
        uint32_t magic = dc_le32(in + ip);
        if (magic == 0xFD2FB528u) {
            int rc = frame(&z, in + ip, rem, &used);
            if (rc) return rc;
            ip += used;
            frames++;
        } else if ((magic & 0xfffffff0u) == 0x184D2A50u) {
            if (rem < 8) return DC_ETRUNC;
            uint32_t sz = dc_le32(in + ip + 4);
            if (sz > rem - 8) return DC_ETRUNC;
            ip += 8 + (size_t)sz;
        } else if (frames && rem == 4) {
            /* the uncompressed size Linux appends to its payload */
            if (magic != (uint32_t)z.op) return DC_ECORRUPT;
            break;
        } else {
            return frames ? DC_ECORRUPT : DC_EFORMAT;
        }
    }
    if (!frames && ip == 0) return DC_ETRUNC;
    *out_len = z.op;
    return DC_OK;
}
