/*
 * DEFLATE decoder (RFC 1951) into one flat output buffer, which is also the
 * history window.  Huffman codes are canonical; a 9-bit lookup table decodes
 * short codes in one step and longer ones are decoded bit by bit.
 */
#include "dc_util.h"

#define MAXBITS   15
#define FASTBITS  9
#define MAXLCODES 288
#define MAXDCODES 32

struct bitrd {
    const uint8_t *in;
    size_t len, pos;
    uint64_t buf;
    unsigned cnt;
};

struct huff {
    uint16_t count[MAXBITS + 1];
    uint16_t sym[MAXLCODES];
    uint16_t fast[1u << FASTBITS]; /* (length << 9 | symbol), 0 = use the slow path */
};

static void refill(struct bitrd *b)
{
    while (b->cnt <= 56 && b->pos < b->len) {
        b->buf |= (uint64_t)b->in[b->pos++] << b->cnt;
        b->cnt += 8;
    }
}

static int getbits(struct bitrd *b, unsigned n, unsigned *v)
{
    if (b->cnt < n) {
        refill(b);
        if (b->cnt < n) return DC_ETRUNC;
    }
    *v = (unsigned)(b->buf & ((1ull << n) - 1));
    b->buf >>= n;
    b->cnt -= n;
    return DC_OK;
}

/* Builds the decoding tables from code lengths; refuses over-subscribed sets. */
static int huff_build(struct huff *h, const uint8_t *lens, unsigned n)
{
    uint16_t offs[MAXBITS + 2];
    int left = 1;

    for (unsigned i = 0; i <= MAXBITS; i++)
        h->count[i] = 0;
    for (unsigned i = 0; i < n; i++)
        h->count[lens[i]]++;
    for (unsigned l = 1; l <= MAXBITS; l++) {
        left <<= 1;
        left -= h->count[l];
        if (left < 0) return DC_ECORRUPT;
    }
    offs[1] = 0;
    for (unsigned l = 1; l <= MAXBITS; l++)
        offs[l + 1] = (uint16_t)(offs[l] + h->count[l]);
    for (unsigned i = 0; i < n; i++)
        if (lens[i]) h->sym[offs[lens[i]]++] = (uint16_t)i;
    for (unsigned i = 0; i < (1u << FASTBITS); i++)
        h->fast[i] = 0;
    /* canonical codes in order; short ones go into the table bit-reversed */
    unsigned code = 0, idx = 0;
    for (unsigned l = 1; l <= FASTBITS; l++) {
        for (unsigned k = 0; k < h->count[l]; k++, code++, idx++) {
            unsigned rev = 0;
            for (unsigned j = 0; j < l; j++)
                rev |= ((code >> j) & 1u) << (l - 1 - j);
            for (unsigned f = rev; f < (1u << FASTBITS); f += 1u << l)
                h->fast[f] = (uint16_t)(l << 9 | h->sym[idx]);
        }
        code <<= 1;
    }
    return DC_OK;
}

static int decode(struct bitrd *b, const struct huff *h, unsigned *sym)
{
    if (b->cnt < FASTBITS) refill(b);
    if (b->cnt >= FASTBITS) {
        uint16_t e = h->fast[b->buf & ((1u << FASTBITS) - 1)];
        if (e) {
            unsigned l = e >> 9;
            b->buf >>= l;
            b->cnt -= l;
            *sym = e & 511u;
            return DC_OK;
        }
    }
    int code = 0, first = 0, index = 0;
    for (unsigned l = 1; l <= MAXBITS; l++) {
        unsigned bit;
        if (getbits(b, 1, &bit) != DC_OK) return DC_ETRUNC;
        code |= (int)bit;
        int count = h->count[l];
        if (code - first < count) {
            *sym = h->sym[index + code - first];
            return DC_OK;
        }
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return DC_ECORRUPT;
}

static const uint16_t len_base[29] = { 3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                       31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t len_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                       2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t dist_base[30] = { 1,    2,    3,    4,    5,    7,    9,    13,    17,    25,
                                        33,   49,   65,   97,   129,  193,  257,  385,   513,   769,
                                        1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
static const uint8_t dist_extra[30] = { 0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                        6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

struct outbuf {
    uint8_t *p;
    size_t cap, n;
};

static int codes(struct bitrd *b, struct outbuf *o, const struct huff *lc, const struct huff *dc)
{
    for (;;) {
        unsigned sym, v;
        int rc = decode(b, lc, &sym);
        if (rc) return rc;
        if (sym < 256) {
            if (o->n >= o->cap) return DC_ENOSPC;
            o->p[o->n++] = (uint8_t)sym;
            continue;
        }
        if (sym == 256) return DC_OK;
        sym -= 257;
        if (sym >= 29) return DC_ECORRUPT;
        if ((rc = getbits(b, len_extra[sym], &v))) return rc;
        size_t len = len_base[sym] + v;
        if ((rc = decode(b, dc, &sym))) return rc;
        if (sym >= 30) return DC_ECORRUPT;
        if ((rc = getbits(b, dist_extra[sym], &v))) return rc;
        size_t dist = dist_base[sym] + v;
        if (dist > o->n) return DC_ECORRUPT;
        if (len > o->cap - o->n) return DC_ENOSPC;
        uint8_t *d = o->p + o->n;
        const uint8_t *s = d - dist;
        if (dist >= len)
            dc_copy(d, s, len);
        else
            for (size_t i = 0; i < len; i++)
                d[i] = s[i];
        o->n += len;
    }
}

static int block_stored(struct bitrd *b, struct outbuf *o)
{
    /* give back the whole bytes still in the bit buffer */
    b->cnt -= b->cnt % 8;
    b->pos -= b->cnt / 8;
    b->buf = 0;
    b->cnt = 0;
    if (b->len - b->pos < 4) return DC_ETRUNC;
    unsigned len = dc_le16(b->in + b->pos), nlen = dc_le16(b->in + b->pos + 2);
    b->pos += 4;
    if ((len ^ 0xffffu) != nlen) return DC_ECORRUPT;
    if (len > b->len - b->pos) return DC_ETRUNC;
    if (len > o->cap - o->n) return DC_ENOSPC;
    dc_copy(o->p + o->n, b->in + b->pos, len);
    b->pos += len;
    o->n += len;
    return DC_OK;
}

static int block_fixed(struct bitrd *b, struct outbuf *o)
{
    struct huff lc, dc;
    uint8_t lens[MAXLCODES];
    unsigned i;
    for (i = 0; i < 144; i++)
        lens[i] = 8;
    for (; i < 256; i++)
        lens[i] = 9;
    for (; i < 280; i++)
        lens[i] = 7;
    for (; i < 288; i++)
        lens[i] = 8;
    huff_build(&lc, lens, 288);
    for (i = 0; i < 32; i++)
        lens[i] = 5; /* 30 and 31 exist but are invalid */
    huff_build(&dc, lens, 32);
    return codes(b, o, &lc, &dc);
}

static const uint8_t clen_order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };

static int block_dynamic(struct bitrd *b, struct outbuf *o)
{
    struct huff lc, dc;
    uint8_t lens[MAXLCODES + MAXDCODES];
    unsigned nlen, ndist, ncode, v, i;
    int rc;

    if ((rc = getbits(b, 5, &nlen)) || (rc = getbits(b, 5, &ndist)) || (rc = getbits(b, 4, &ncode)))
        return rc;
    nlen += 257;
    ndist += 1;
    ncode += 4;
    if (nlen > 286 || ndist > 30) return DC_ECORRUPT;
    for (i = 0; i < 19; i++)
        lens[i] = 0;
    for (i = 0; i < ncode; i++) {
        if ((rc = getbits(b, 3, &v))) return rc;
        lens[clen_order[i]] = (uint8_t)v;
    }
    if ((rc = huff_build(&lc, lens, 19))) return rc;
    for (i = 0; i < nlen + ndist;) {
        unsigned sym, rep;
        uint8_t val = 0;
        if ((rc = decode(b, &lc, &sym))) return rc;
        if (sym < 16) {
            lens[i++] = (uint8_t)sym;
            continue;
        }
        if (sym == 16) {
            if (i == 0) return DC_ECORRUPT;
            val = lens[i - 1];
            if ((rc = getbits(b, 2, &rep))) return rc;
            rep += 3;
        } else if (sym == 17) {
            if ((rc = getbits(b, 3, &rep))) return rc;
            rep += 3;
        } else {
            if ((rc = getbits(b, 7, &rep))) return rc;
            rep += 11;
        }
        if (rep > nlen + ndist - i) return DC_ECORRUPT;
        while (rep--)
            lens[i++] = val;
    }
    if (lens[256] == 0) return DC_ECORRUPT; /* no end-of-block code */
    if ((rc = huff_build(&lc, lens, nlen)) || (rc = huff_build(&dc, lens + nlen, ndist))) return rc;
    return codes(b, o, &lc, &dc);
}

int dc_inflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len,
               size_t *in_used)
{
    struct bitrd b = { .in = in, .len = in_len };
    struct outbuf o = { .p = out, .cap = out_cap };
    unsigned last, type;
    int rc;

    if (!in || !out || !out_len) return DC_EARG;
    do {
        if ((rc = getbits(&b, 1, &last)) || (rc = getbits(&b, 2, &type))) return rc;
        if (type == 0)
            rc = block_stored(&b, &o);
        else if (type == 1)
            rc = block_fixed(&b, &o);
        else if (type == 2)
            rc = block_dynamic(&b, &o);
        else
            rc = DC_ECORRUPT;
        if (rc) return rc;
    } while (!last);
    *out_len = o.n;
    if (in_used) *in_used = b.pos - b.cnt / 8;
    return DC_OK;
}
