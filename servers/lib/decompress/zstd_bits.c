/* Zstandard's backward bit streams. */
#include "zstd_int.h"

int zb_init(struct zbits *b, const uint8_t *p, size_t len)
{
    if (len == 0) return DC_ECORRUPT;
    uint8_t last = p[len - 1];
    if (last == 0) return DC_ECORRUPT; /* no end marker */
    int hb = 7;
    while (!(last & (1u << hb)))
        hb--;
    b->p = p;
    b->len = len;
    b->pos = (int64_t)(len - 1) * 8 + hb;
    return DC_OK;
}

uint64_t zb_peek(const struct zbits *b, unsigned n)
{
    if (n == 0) return 0;
    int64_t lo = b->pos - n; /* lowest bit wanted */
    uint64_t v = 0;
    /* gather bits [lo, pos) bytewise; bits below 0 read as zero */
    int64_t first = lo < 0 ? 0 : lo;
    for (int64_t byte = first / 8; byte * 8 < b->pos; byte++) {
        int64_t sh = byte * 8 - lo; /* where this byte's bit 0 lands in v */
        uint64_t x = b->p[byte];
        if (sh >= 0)
            v |= sh < 64 ? x << sh : 0;
        else
            v |= x >> -sh;
    }
    return v & ((1ull << n) - 1);
}

uint64_t zb_read(struct zbits *b, unsigned n)
{
    uint64_t v = zb_peek(b, n);
    b->pos -= n;
    return v;
}
