/*
 * LZMA2 (the xz format's only compression filter): chunks of LZMA-coded or
 * stored data.  The LZMA decoder keeps its probabilities in a caller-sized
 * struct on the stack (lc + lp <= 4 bounds the literal coder) and decodes
 * into one flat output buffer, which is also the dictionary.
 */
#include "dc_util.h"

#define PROB_INIT 1024
#define NSTATES   12
#define POS_MAX   16           /* 1 << pb, pb <= 4 */
#define LIT_MAX   (0x300 << 4) /* 0x300 << (lc + lp), lc + lp <= 4 */

struct lenc {
    uint16_t choice, choice2, low[POS_MAX][8], mid[POS_MAX][8], high[256];
};

struct lzma {
    /* range decoder over [in, end) */
    const uint8_t *in;
    size_t pos, end;
    uint32_t range, code;
    int overrun;
    /* coder state */
    unsigned lc, lp, pb, state;
    uint32_t rep[4];
    uint16_t is_match[NSTATES][POS_MAX], is_rep[NSTATES], is_rep0[NSTATES], is_rep1[NSTATES],
        is_rep2[NSTATES], is_rep0_long[NSTATES][POS_MAX], slot[4][64], spec[114], align[16];
    struct lenc len, replen;
    uint16_t lit[LIT_MAX];
};

static void lzma_reset(struct lzma *z)
{
    uint16_t *p = &z->is_match[0][0];
    uint16_t *e = (uint16_t *)((uint8_t *)z + sizeof(*z));
    while (p < e)
        *p++ = PROB_INIT;
    z->state = 0;
    z->rep[0] = z->rep[1] = z->rep[2] = z->rep[3] = 0;
}

static uint8_t rc_byte(struct lzma *z)
{
    if (z->pos >= z->end) {
        z->overrun = 1;
        return 0;
    }
    return z->in[z->pos++];
}

static int rc_init(struct lzma *z)
{
    if (rc_byte(z) != 0) return DC_ECORRUPT;
    z->code = 0;
    for (int i = 0; i < 4; i++)
        z->code = z->code << 8 | rc_byte(z);
    z->range = 0xffffffffu;
    if (z->code == 0xffffffffu) return DC_ECORRUPT;
    return z->overrun ? DC_ETRUNC : DC_OK;
}

static void rc_norm(struct lzma *z)
{
    if (z->range < (1u << 24)) {
        z->range <<= 8;
        z->code = z->code << 8 | rc_byte(z);
    }
}

static unsigned rc_bit(struct lzma *z, uint16_t *p)
{
    uint32_t bound = (z->range >> 11) * *p;
    unsigned bit;
    if (z->code < bound) {
        z->range = bound;
        *p = (uint16_t)(*p + ((2048 - *p) >> 5));
        bit = 0;
    } else {
        z->range -= bound;
        z->code -= bound;
        *p = (uint16_t)(*p - (*p >> 5));
        bit = 1;
    }
    rc_norm(z);
    return bit;
}

/* n bits, most significant first, through a binary tree of probabilities */
static unsigned rc_tree(struct lzma *z, uint16_t *p, unsigned n)
{
    unsigned m = 1;
    for (unsigned i = 0; i < n; i++)
        m = m << 1 | rc_bit(z, p + m);
    return m - (1u << n);
}

/* n bits, least significant first */
static unsigned rc_rtree(struct lzma *z, uint16_t *p, unsigned n)
{
    unsigned m = 1, v = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned b = rc_bit(z, p + m);
        m = m << 1 | b;
        v |= b << i;
    }
    return v;
}

static uint32_t rc_direct(struct lzma *z, unsigned n)
{
    uint32_t v = 0;
    while (n--) {
        z->range >>= 1;
        unsigned b = z->code >= z->range;
        if (b) z->code -= z->range;
        v = v << 1 | b;
        rc_norm(z);
    }
    return v;
}

static unsigned len_decode(struct lzma *z, struct lenc *l, unsigned ps)
{
    if (!rc_bit(z, &l->choice)) return 2 + rc_tree(z, l->low[ps], 3);
    if (!rc_bit(z, &l->choice2)) return 10 + rc_tree(z, l->mid[ps], 3);
    return 18 + rc_tree(z, l->high, 8);
}

struct dict {
    uint8_t *out;
    size_t cap, pos, start; /* start: where the dictionary was last reset */
    uint32_t size;          /* dictionary size from the block header */
};

/* Decodes one LZMA chunk producing exactly `want` bytes. */
static int lzma_chunk(struct lzma *z, struct dict *d, size_t want)
{
    size_t stop = d->pos + want;
    if (want > d->cap - d->pos) return DC_ENOSPC;
    while (d->pos < stop) {
        unsigned ps = (unsigned)(d->pos & ((1u << z->pb) - 1));
        if (z->overrun) return DC_ETRUNC;
        if (!rc_bit(z, &z->is_match[z->state][ps])) {
            unsigned prev = d->pos > d->start ? d->out[d->pos - 1] : 0;
            unsigned ls = (unsigned)(((d->pos & ((1u << z->lp) - 1)) << z->lc) + (prev >> (8 - z->lc)));
            uint16_t *p = z->lit + 0x300 * ls;
            unsigned sym = 1;
            if (z->state >= 7) {
                /* the byte at rep0 steers the first bits while they agree */
                if (z->rep[0] >= d->pos - d->start) return DC_ECORRUPT;
                unsigned mb = d->out[d->pos - z->rep[0] - 1];
                while (sym < 0x100) {
                    unsigned m = (mb >> 7) & 1;
                    mb <<= 1;
                    unsigned b = rc_bit(z, p + 0x100 + (m << 8) + sym);
                    sym = sym << 1 | b;
                    if (b != m) break;
                }
            }
            while (sym < 0x100)
                sym = sym << 1 | rc_bit(z, p + sym);
            d->out[d->pos++] = (uint8_t)sym;
            z->state = z->state < 4 ? 0 : z->state < 10 ? z->state - 3 : z->state - 6;
            continue;
        }
        unsigned len;
        if (!rc_bit(z, &z->is_rep[z->state])) {
            len = len_decode(z, &z->len, ps);
            z->rep[3] = z->rep[2];
            z->rep[2] = z->rep[1];
            z->rep[1] = z->rep[0];
            z->state = z->state < 7 ? 7 : 10;
            unsigned ls = len - 2 < 3 ? len - 2 : 3;
            unsigned slot = rc_tree(z, z->slot[ls], 6);
            uint32_t dist;
            if (slot < 4) {
                dist = slot;
            } else {
                unsigned nd = (slot >> 1) - 1;
                dist = (2u | (slot & 1)) << nd;
                if (slot < 14) {
                    dist += rc_rtree(z, z->spec + dist - slot - 1, nd);
                } else {
                    dist += rc_direct(z, nd - 4) << 4;
                    dist += rc_rtree(z, z->align, 4);
                }
            }
            if (dist == 0xffffffffu) return DC_ECORRUPT; /* end marker: not allowed inside LZMA2 */
            z->rep[0] = dist;
        } else {
            if (!rc_bit(z, &z->is_rep0[z->state])) {
                if (!rc_bit(z, &z->is_rep0_long[z->state][ps])) {
                    /* one byte at rep0 */
                    if (z->rep[0] >= d->pos - d->start) return DC_ECORRUPT;
                    d->out[d->pos] = d->out[d->pos - z->rep[0] - 1];
                    d->pos++;
                    z->state = z->state < 7 ? 9 : 11;
                    continue;
                }
            } else {
                uint32_t dist;
                if (!rc_bit(z, &z->is_rep1[z->state])) {
                    dist = z->rep[1];
                } else {
                    if (!rc_bit(z, &z->is_rep2[z->state])) {
                        dist = z->rep[2];
                    } else {
                        dist = z->rep[3];
                        z->rep[3] = z->rep[2];
                    }
                    z->rep[2] = z->rep[1];
                }
                z->rep[1] = z->rep[0];
                z->rep[0] = dist;
            }
            len = len_decode(z, &z->replen, ps);
            z->state = z->state < 7 ? 8 : 11;
        }
        if (z->rep[0] >= d->pos - d->start || z->rep[0] >= d->size) return DC_ECORRUPT;
        if (len > stop - d->pos) return DC_ECORRUPT; /* a match may not cross the chunk's end */
        uint8_t *o = d->out + d->pos;
        size_t back = (size_t)z->rep[0] + 1;
        for (unsigned i = 0; i < len; i++)
            o[i] = o[(ptrdiff_t)i - (ptrdiff_t)back];
        d->pos += len;
    }
    if (z->overrun) return DC_ETRUNC;
    return DC_OK;
}

/* Decodes an LZMA2 stream; *in_used receives the bytes up to its end marker. */
int dc_lzma2(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, uint32_t dict_size,
             size_t *out_len, size_t *in_used)
{
    struct lzma z;
    struct dict d = { .out = out, .cap = out_cap, .size = dict_size };
    size_t ip = 0;
    int need_dict = 1, need_props = 1;

    if (!in || !out || !out_len) return DC_EARG;
    for (;;) {
        if (ip >= in_len) return DC_ETRUNC;
        unsigned ctrl = in[ip++];
        if (ctrl == 0) break;
        if (ctrl == 1 || ctrl == 2) {
            if (in_len - ip < 2) return DC_ETRUNC;
            size_t n = (size_t)(in[ip] << 8 | in[ip + 1]) + 1;
            ip += 2;
            if (ctrl == 1) {
                d.start = d.pos;
                need_dict = 0;
            } else if (need_dict) {
                return DC_ECORRUPT;
            }
            if (n > in_len - ip) return DC_ETRUNC;
            if (n > d.cap - d.pos) return DC_ENOSPC;
            dc_copy(d.out + d.pos, in + ip, n);
            d.pos += n;
            ip += n;
            continue;
        }
        if (ctrl < 0x80) return DC_ECORRUPT;
        if (in_len - ip < 4) return DC_ETRUNC;
        size_t unpacked = ((size_t)(ctrl & 0x1f) << 16 | (size_t)in[ip] << 8 | in[ip + 1]) + 1;
        size_t packed = (size_t)(in[ip + 2] << 8 | in[ip + 3]) + 1;
        ip += 4;
        unsigned reset = (ctrl >> 5) & 3;
        if (reset == 3) {
            d.start = d.pos;
            need_dict = 0;
        } else if (need_dict) {
            return DC_ECORRUPT;
        }
        if (reset >= 2) {
            if (ip >= in_len) return DC_ETRUNC;
            unsigned pr = in[ip++];
            if (pr >= 9 * 5 * 5) return DC_ECORRUPT;
            z.lc = pr % 9;
            pr /= 9;
            z.lp = pr % 5;
            z.pb = pr / 5;
            if (z.lc + z.lp > 4) return DC_ECORRUPT;
            need_props = 0;
        } else if (need_props) {
            return DC_ECORRUPT;
        }
        if (reset >= 1) lzma_reset(&z);
        if (packed > in_len - ip) return DC_ETRUNC;
        z.in = in;
        z.pos = ip;
        z.end = ip + packed;
        z.overrun = 0;
        int rc = rc_init(&z);
        if (rc) return rc;
        if ((rc = lzma_chunk(&z, &d, unpacked))) return rc;
        if (z.pos != z.end || z.code != 0) return DC_ECORRUPT; /* the chunk must end where its size says */
        ip = z.end;
    }
    *out_len = d.pos;
    if (in_used) *in_used = ip;
    return DC_OK;
}
