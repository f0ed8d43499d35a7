/* gzip members: header fields, trailer checks, multiple members, CRC-32. */
#include <stdlib.h>
#include <string.h>
#include "dtest.h"

#define S(x) (const uint8_t *)(x), sizeof(x) - 1
#define HELLO_GZ                                                                                             \
    "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xcb\x48\xcd\xc9\xc9\x57\x48\xaf\xca"                           \
    "\x2c\xe0\x02\x00\x39\x7c\x63\x56\x0b\x00\x00\x00"

static void ok(const char *name, const uint8_t *in, size_t n, const char *want, size_t wn)
{
    uint8_t *out;
    size_t got;
    int rc = t_run(dc_gunzip, in, n, wn, &out, &got);
    CHECK(rc == DC_OK && got == wn && memcmp(out, want, wn) == 0, name);
    free(out);
}

static void err(const char *name, const uint8_t *in, size_t n, size_t cap, int want)
{
    size_t got;
    CHECK_EQ(t_run_exact(dc_gunzip, in, n, cap, &got), want, name);
}

void test_gzip(void)
{
    CHECK_EQ(dc_crc32(0, (const uint8_t *)"123456789", 9), 0xCBF43926u, "crc32: check value");
    CHECK_EQ(dc_crc32(dc_crc32(0, (const uint8_t *)"1234", 4), (const uint8_t *)"56789", 5), 0xCBF43926u,
             "crc32: incremental");
    ok("gzip: one member", S(HELLO_GZ), "hello gzip\n", 11);
    ok("gzip: two members", S(HELLO_GZ HELLO_GZ), "hello gzip\nhello gzip\n", 22);
    ok("gzip: trailing zero padding", S(HELLO_GZ "\0\0\0\0"), "hello gzip\n", 11);
    /* FNAME "a", FCOMMENT "b", FEXTRA of 2 bytes, FHCRC */
    uint8_t hdr[64] = { 0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 2, 3, 2, 0, 'x', 'y', 'a', 0, 'b', 0 };
    size_t hn = 18;
    uint32_t hc = dc_crc32(0, hdr, hn);
    hdr[hn++] = (uint8_t)hc;
    hdr[hn++] = (uint8_t)(hc >> 8);
    memcpy(hdr + hn, HELLO_GZ + 10, sizeof(HELLO_GZ) - 1 - 10);
    size_t total = hn + sizeof(HELLO_GZ) - 1 - 10;
    ok("gzip: FEXTRA, FNAME, FCOMMENT and FHCRC", hdr, total, "hello gzip\n", 11);
    hdr[18] ^= 1;
    err("gzip: bad header CRC refused", hdr, total, 64, DC_ECORRUPT);
    hdr[18] ^= 1;
    err("gzip: header name cut off", hdr, 15, 64, DC_ETRUNC);
    err("gzip: extra field cut off", hdr, 13, 64, DC_ETRUNC);
    err("gzip: bad magic", S("\x1f\x8c\x08\x00\x00\x00\x00\x00\x02\x03"), 64, DC_EFORMAT);
    err("gzip: method other than deflate", S("\x1f\x8b\x07\x00\x00\x00\x00\x00\x02\x03\x03\x00"), 64,
        DC_EUNSUPP);
    err("gzip: reserved flag refused", S("\x1f\x8b\x08\x20\x00\x00\x00\x00\x02\x03\x03\x00"), 64,
        DC_ECORRUPT);
    err("gzip: header cut off", S("\x1f\x8b\x08\x00\x00"), 64, DC_ETRUNC);
    char bad[sizeof(HELLO_GZ)];
    memcpy(bad, HELLO_GZ, sizeof(HELLO_GZ));
    bad[sizeof(HELLO_GZ) - 1 - 8] ^= 0x10;
    err("gzip: CRC-32 mismatch refused", (const uint8_t *)bad, sizeof(HELLO_GZ) - 1, 64, DC_ECORRUPT);
    memcpy(bad, HELLO_GZ, sizeof(HELLO_GZ));
    bad[sizeof(HELLO_GZ) - 1 - 4] ^= 1;
    err("gzip: ISIZE mismatch refused", (const uint8_t *)bad, sizeof(HELLO_GZ) - 1, 64, DC_ECORRUPT);
    err("gzip: trailer cut off", (const uint8_t *)HELLO_GZ, sizeof(HELLO_GZ) - 1 - 3, 64, DC_ETRUNC);
    int all = 1;
    for (size_t n = 0; n < sizeof(HELLO_GZ) - 1; n++) {
        size_t got;
        int rc = t_run_exact(dc_gunzip, (const uint8_t *)HELLO_GZ, n, 64, &got);
        if (rc == DC_OK) all = 0;
    }
    CHECK(all, "gzip: every truncation refused");
    err("gzip: garbage after the member refused", S(HELLO_GZ "\x01"), 64, DC_EFORMAT);
    err("gzip: output larger than the buffer", S(HELLO_GZ), 10, DC_ENOSPC);
}
