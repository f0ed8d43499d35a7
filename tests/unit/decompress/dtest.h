/* Host unit tests of servers/lib/decompress: the harness's checks and helpers. */
#ifndef DTEST_H
#define DTEST_H
#include <stddef.h>
#include <stdint.h>
#include "check.h"
#include "decompress.h"

/* Runs a decoder into an exactly sized heap buffer (so ASan sees any overrun). */
typedef int (*dc_fn)(const uint8_t *, size_t, uint8_t *, size_t, size_t *);
int t_run(dc_fn fn, const uint8_t *in, size_t in_len, size_t cap, uint8_t **out, size_t *out_len);
/* Same, with the input copied to an exactly sized heap buffer too. */
int t_run_exact(dc_fn fn, const uint8_t *in, size_t in_len, size_t cap, size_t *out_len);

void test_lz4(void);
void test_inflate(void);
void test_gzip(void);
void test_bzimage(void);
void test_detect(void);
void test_xz(void);
void test_zstd(void);
uint64_t dc_xxh64(const uint8_t *p, size_t n, uint64_t seed);
void test_fixtures(const char *dir);
#endif
