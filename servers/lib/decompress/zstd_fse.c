/* Zstandard's FSE (tANS) tables: the normalized-count description and the
 * decoding table spread from it. */
#include "zstd_int.h"

/* forward bit reader over a table description */
struct fwd {
    const uint8_t *p;
    size_t len, bit;
};

static unsigned fwd_peek(const struct fwd *r, unsigned n)
{
    unsigned v = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t b = r->bit + i;
        if (b / 8 < r->len) v |= (unsigned)((r->p[b / 8] >> (b % 8)) & 1) << i;
    }
    return v;
}

int zfse_read(struct zfse *f, const uint8_t *in, size_t len, unsigned max_log, unsigned max_sym, size_t *used)
{
    struct fwd r = { in, len, 0 };
    int16_t norm[256];
    unsigned sym = 0;

    if (len < 1) return DC_ETRUNC;
    unsigned log = fwd_peek(&r, 4) + 5;
    r.bit = 4;
    if (log > max_log) return DC_ECORRUPT;
    int remaining = (1 << log) + 1, threshold = 1 << log;
    unsigned nbits = log + 1;
    while (remaining > 1) {
        if (sym > max_sym) return DC_ECORRUPT;
        int max = (2 * threshold - 1) - remaining, v;
        unsigned low = fwd_peek(&r, nbits - 1);
        if ((int)low < max) {
            v = (int)low;
            r.bit += nbits - 1;
        } else {
            v = (int)fwd_peek(&r, nbits);
            if (v >= threshold) v -= max;
            r.bit += nbits;
        }
        if (r.bit > len * 8) return DC_ETRUNC;
        int p = v - 1; /* -1: "less than one" */
        norm[sym++] = (int16_t)p;
        remaining -= p < 0 ? -p : p;
        if (remaining < 1) return DC_ECORRUPT;
        if (p == 0) {
            /* zeros follow in 2-bit repeat counts (3 = more to come) */
            unsigned rep;
            do {
                rep = fwd_peek(&r, 2);
                r.bit += 2;
                if (r.bit > len * 8) return DC_ETRUNC;
                for (unsigned k = 0; k < rep; k++) {
                    if (sym > max_sym) return DC_ECORRUPT;
                    norm[sym++] = 0;
                }
            } while (rep == 3);
        }
        while (remaining < threshold) {
            nbits--;
            threshold >>= 1;
        }
    }
    if (remaining != 1) return DC_ECORRUPT;
    *used = (r.bit + 7) / 8;
    return zfse_build(f, norm, sym, log);
}

int zfse_build(struct zfse *f, const int16_t *norm, unsigned nsym, unsigned log)
{
    unsigned size = 1u << log, high = size - 1, pos = 0;
    uint16_t next[256];

    if (log > ZFSE_MAXLOG || nsym == 0 || nsym > 256) return DC_ECORRUPT;
    f->log = log;
    /* "less than one" symbols take the last cells */
    for (unsigned s = 0; s < nsym; s++) {
        if (norm[s] == -1) {
            if (high == 0) return DC_ECORRUPT;
            f->t[high--].sym = (uint8_t)s;
            next[s] = 1;
        } else {
            next[s] = (uint16_t)norm[s];
        }
    }
    /* spread the others over the rest with a fixed odd step */
    unsigned step = (size >> 1) + (size >> 3) + 3, mask = size - 1, total = 0;
    for (unsigned s = 0; s < nsym; s++) {
        for (int i = 0; i < norm[s]; i++) {
            if (++total > high + 1) return DC_ECORRUPT;
            f->t[pos].sym = (uint8_t)s;
            do
                pos = (pos + step) & mask;
            while (pos > high);
        }
    }
    if (pos != 0) return DC_ECORRUPT;
    for (unsigned u = 0; u < size; u++) {
        unsigned s = f->t[u].sym, n = next[s]++, hb = 0;
        while ((2u << hb) <= n)
            hb++;
        unsigned bits = log - hb;
        f->t[u].bits = (uint8_t)bits;
        f->t[u].base = (uint16_t)((n << bits) - size);
    }
    return DC_OK;
}

void zfse_rle(struct zfse *f, uint8_t sym)
{
    f->log = 0;
    f->t[0].sym = sym;
    f->t[0].bits = 0;
    f->t[0].base = 0;
}
