/* .xz streams and raw LZMA2: a small stream made by Python's lzma module,
 * then every truncation and bit flip (the format checks everything), stream
 * padding, concatenation, Linux's size trailer, refusals; the x86 branch
 * converter on hand-made code. */
#include <stdlib.h>
#include <string.h>
#include "dtest.h"

#define S(x) (const uint8_t *)(x), sizeof(x) - 1
static const char hello_xz[] =
    "\xfd\x37\x7a\x58\x5a\x00\x00\x01\x69\x22\xde\x36\x02\x00\x21\x01\x16\x00\x00\x00\x74\x2f"
    "\xe5\xa3\xe0\x00\x1c\x00\x12\x5d\x00\x34\x19\x49\xee\x8d\xe9\x17\xd0\xb5\x12\x77\xc3\x8b"
    "\xcd\xb7\xd8\x00\x00\x00\x00\x00\xb7\x18\x06\xb0\x00\x01\x2a\x1d\xda\x15\xeb\x2c\x90\x42"
    "\x99\x0d\x01\x00\x00\x00\x00\x01\x59\x5a";
#define HN (sizeof(hello_xz) - 1)
static const char hello[] = "hello xz, hello xz, hello xz\n";
#define WN (sizeof(hello) - 1)

static void ok(const char *name, const uint8_t *in, size_t n, const char *want, size_t wn)
{
    uint8_t *out;
    size_t got;
    int rc = t_run(dc_unxz, in, n, wn, &out, &got);
    CHECK(rc == DC_OK && got == wn && memcmp(out, want, wn) == 0, name);
    free(out);
}

static int run(const uint8_t *in, size_t n, size_t cap)
{
    size_t got;
    return t_run_exact(dc_unxz, in, n, cap, &got);
}

static int lzma2(const uint8_t *in, size_t n, size_t cap, uint32_t dict, size_t *got)
{
    uint8_t *ib = malloc(n), *ob = malloc(cap ? cap : 1);
    memcpy(ib, in, n);
    int rc = dc_lzma2(ib, n, ob, cap, dict, got, NULL);
    free(ib);
    free(ob);
    return rc;
}

static void test_stream(void)
{
    uint8_t buf[4 * HN];
    ok("xz: one stream, CRC-32", (const uint8_t *)hello_xz, HN, hello, WN);
    CHECK_EQ(dc_detect((const uint8_t *)hello_xz, HN), DC_FMT_XZ, "xz: detected");
    CHECK_EQ(run((const uint8_t *)hello_xz, HN, WN - 1), DC_ENOSPC, "xz: one byte short of output");
    int all = 1;
    for (size_t n = 0; n < HN; n++)
        if (run((const uint8_t *)hello_xz, n, 64) == DC_OK) all = 0;
    CHECK(all, "xz: every truncation refused");
    all = 1;
    for (size_t bit = 0; bit < HN * 8; bit++) {
        memcpy(buf, hello_xz, HN);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (run(buf, HN, 64) == DC_OK) all = 0;
    }
    CHECK(all, "xz: every single-bit flip refused");

    memcpy(buf, hello_xz, HN);
    memset(buf + HN, 0, 4);
    ok("xz: stream padding", buf, HN + 4, hello, WN);
    CHECK_EQ(run(buf, HN + 3, 64), DC_ECORRUPT, "xz: padding not a multiple of four refused");
    memcpy(buf + HN + 4, hello_xz, HN);
    char twice[2 * WN];
    memcpy(twice, hello, WN);
    memcpy(twice + WN, hello, WN);
    ok("xz: concatenated streams (with padding between)", buf, 2 * HN + 4, twice, 2 * WN);
    memcpy(buf + HN, "\x1d\0\0\0", 4);
    ok("xz: Linux's appended size", buf, HN + 4, hello, WN);
    buf[HN] = 0x1e;
    CHECK_EQ(run(buf, HN + 4, 64), DC_ECORRUPT, "xz: wrong appended size refused");
    buf[HN] = 0x01;
    CHECK_EQ(run(buf, HN + 5, 64), DC_EFORMAT, "xz: garbage after the stream refused");

    /* SHA-256 check type (valid header CRC): not supported */
    memcpy(buf, hello_xz, HN);
    buf[7] = 0x0a;
    uint32_t c = dc_crc32(0, buf + 6, 2);
    for (int i = 0; i < 4; i++)
        buf[8 + i] = (uint8_t)(c >> (8 * i));
    CHECK_EQ(run(buf, HN, 64), DC_EUNSUPP, "xz: SHA-256 check reported unsupported");
    /* a filter other than x86 before LZMA2 (block header CRC recomputed) */
    memcpy(buf, hello_xz, HN);
    buf[13] = 0x01;                                  /* two filters */
    memcpy(buf + 14, "\x03\x00\x21\x01\x16\x00", 6); /* filter 3 (delta), no properties; LZMA2 */
    c = dc_crc32(0, buf + 12, 8);
    for (int i = 0; i < 4; i++)
        buf[20 + i] = (uint8_t)(c >> (8 * i));
    CHECK_EQ(run(buf, HN, 64), DC_EUNSUPP, "xz: unknown filter reported unsupported");
    CHECK_EQ(run(S("\xfd\x37\x7a\x58\x5a\x01"), 64), DC_EFORMAT, "xz: bad magic");
}

static void test_lzma2(void)
{
    size_t got;
    /* the LZMA2 data of hello_xz: "hello xz, " repeats at distance 10 */
    const uint8_t *l2 = (const uint8_t *)hello_xz + 24;
    size_t l2n = 26;
    CHECK(lzma2(l2, l2n, WN, 4096, &got) == DC_OK && got == WN, "lzma2: raw stream decoded");
    CHECK_EQ(lzma2(l2, l2n, WN, 8, &got), DC_ECORRUPT, "lzma2: distance beyond the dictionary size");
    CHECK_EQ(lzma2(l2, l2n - 1, WN, 4096, &got), DC_ETRUNC, "lzma2: missing end byte");
    CHECK(lzma2(S("\x01\x00\x01hi\x02\x00\x00!\x00"), 16, 4096, &got) == DC_OK && got == 3,
          "lzma2: stored chunks (dictionary reset, then none)");
    CHECK_EQ(lzma2(S("\x02\x00\x01hi\x00"), 16, 4096, &got), DC_ECORRUPT,
             "lzma2: first chunk without a dictionary reset");
    CHECK_EQ(lzma2(S("\xa0\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00"), 16, 4096, &got), DC_ECORRUPT,
             "lzma2: LZMA chunk before any properties");
    CHECK_EQ(lzma2(S("\xe0\x00\x00\x00\x04\xe1\x00\x00\x00\x00\x00\x00"), 16, 4096, &got), DC_ECORRUPT,
             "lzma2: properties out of range");
    CHECK_EQ(lzma2(S("\xe0\x00\x00\x00\x04\x15\x00\x00\x00\x00\x00\x00"), 16, 4096, &got), DC_ECORRUPT,
             "lzma2: lc + lp over 4 refused");
    CHECK_EQ(lzma2(S("\x03"), 16, 4096, &got), DC_ECORRUPT, "lzma2: control byte 3 refused");
    CHECK_EQ(lzma2(S("\x01\x00\x05hi"), 16, 4096, &got), DC_ETRUNC, "lzma2: stored chunk cut off");
    CHECK_EQ(lzma2(S("\x01\x00\x01hi\x00"), 1, 4096, &got), DC_ENOSPC, "lzma2: stored chunk too big");
}

static void test_bcj(void)
{
    uint8_t b[] = { 0xe8, 0x05, 0x01, 0x00, 0x00, 0x90, 0x90, 0x90, 0xe9, 0x0d, 0x00, 0x00, 0xff, 0x90 };
    dc_bcj_x86(b, sizeof(b), 0);
    CHECK(memcmp(b, "\xe8\x00\x01\x00\x00\x90\x90\x90\xe9\x00\x00\x00\xff\x90", sizeof(b)) == 0,
          "bcj x86: CALL and JMP operands made relative again");
    uint8_t s[] = { 0xe8, 0x05, 0x01, 0x00, 0x00 };
    dc_bcj_x86(s, sizeof(s), 0x1000);
    CHECK(memcmp(s, "\xe8\x00\xf1\xff\xff", 5) == 0, "bcj x86: start offset");
    uint8_t n[] = { 0xe8, 0x05, 0x01, 0x00, 0x12, 0xe8, 0x00, 0x00, 0x00 };
    dc_bcj_x86(n, sizeof(n), 0);
    CHECK(memcmp(n, "\xe8\x05\x01\x00\x12\xe8\x00\x00\x00", sizeof(n)) == 0,
          "bcj x86: operand with a top byte other than 00/FF left alone; tail under 5 bytes too");
}

void test_xz(void)
{
    test_stream();
    test_lzma2();
    test_bcj();
}
