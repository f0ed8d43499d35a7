/* Internal interfaces of the Zstandard decoder (RFC 8878): bit readers, FSE
 * and Huffman tables. */
#ifndef TESSERA_ZSTD_INT_H
#define TESSERA_ZSTD_INT_H
#include "dc_util.h"

/* Backward bit stream: bits are read from the end of [p, p+len) towards the
 * start, after the final 1 marker bit.  Reads before the start yield zeros
 * and leave pos negative, which callers check. */
struct zbits {
    const uint8_t *p;
    size_t len;
    int64_t pos; /* bits still unread */
};
int zb_init(struct zbits *b, const uint8_t *p, size_t len);
uint64_t zb_read(struct zbits *b, unsigned n); /* n <= 56 */
uint64_t zb_peek(const struct zbits *b, unsigned n);
static inline void zb_skip(struct zbits *b, unsigned n) { b->pos -= n; }

/* FSE decoding table */
#define ZFSE_MAXLOG 9
struct zfse_cell {
    uint8_t sym, bits;
    uint16_t base;
};
struct zfse {
    unsigned log;
    struct zfse_cell t[1u << ZFSE_MAXLOG];
};
/* Reads a table description (forward bits) of at most max_log accuracy and
 * max_sym symbols; *used receives its length in bytes. */
int zfse_read(struct zfse *f, const uint8_t *in, size_t len, unsigned max_log, unsigned max_sym,
              size_t *used);
/* Builds a table from normalized counts (-1 = "less than one"). */
int zfse_build(struct zfse *f, const int16_t *norm, unsigned nsym, unsigned log);
void zfse_rle(struct zfse *f, uint8_t sym);
static inline unsigned zfse_init(const struct zfse *f, struct zbits *b)
{
    return (unsigned)zb_read(b, f->log);
}
static inline unsigned zfse_sym(const struct zfse *f, unsigned st) { return f->t[st].sym; }
static inline unsigned zfse_next(const struct zfse *f, unsigned st, struct zbits *b)
{
    return f->t[st].base + (unsigned)zb_read(b, f->t[st].bits);
}

/* Huffman table for literals */
#define ZHUF_MAXBITS 11
struct zhuf {
    unsigned maxbits;
    int valid;
    uint8_t sym[1u << ZHUF_MAXBITS], bits[1u << ZHUF_MAXBITS];
};
/* Reads a Huffman tree description; *used receives its length. */
int zhuf_read(struct zhuf *h, const uint8_t *in, size_t len, size_t *used);
/* Decodes n literals from 1 or 4 streams in [in, in+len). */
int zhuf_decode(const struct zhuf *h, const uint8_t *in, size_t len, int four, uint8_t *out, size_t n);

uint64_t dc_xxh64(const uint8_t *p, size_t n, uint64_t seed);
#endif
