/* Zstandard: a small frame made by the zstd tool (checksummed), hand-made
 * raw and RLE blocks, skippable frames, Linux's size trailer, refusals;
 * every truncation refused and no bit flip yields a wrong output. */
#include <stdlib.h>
#include <string.h>
#include "dtest.h"

#define S(x) (const uint8_t *)(x), sizeof(x) - 1
static const char hello_zst[] =
    "\x28\xb5\x2f\xfd\x24\x30\xa5\x00\x00\x70\x68\x65\x6c\x6c\x6f\x20\x7a\x73\x74\x64\x2c\x20"
    "\x21\x0a\x01\x00\x77\x4a\x12\xce\x09\x90\xc2";
#define HN (sizeof(hello_zst) - 1)
static const char hello[] = "hello zstd, hello zstd, hello zstd, hello zstd!\n";
#define WN    (sizeof(hello) - 1)
#define MAGIC "\x28\xb5\x2f\xfd"

static void ok(const char *name, const uint8_t *in, size_t n, const char *want, size_t wn)
{
    uint8_t *out;
    size_t got;
    int rc = t_run(dc_unzstd, in, n, wn, &out, &got);
    CHECK(rc == DC_OK && got == wn && (wn == 0 || memcmp(out, want, wn) == 0), name);
    free(out);
}

static int run(const uint8_t *in, size_t n, size_t cap)
{
    size_t got;
    return t_run_exact(dc_unzstd, in, n, cap, &got);
}

void test_zstd(void)
{
    uint8_t buf[4 * HN];
    ok("zstd: frame from the zstd tool (XXH64 checked)", (const uint8_t *)hello_zst, HN, hello, WN);
    CHECK_EQ(dc_detect((const uint8_t *)hello_zst, HN), DC_FMT_ZSTD, "zstd: detected");
    CHECK_EQ(run((const uint8_t *)hello_zst, HN, WN - 1), DC_ENOSPC, "zstd: one byte short of output");
    int all = 1;
    for (size_t n = 0; n < HN; n++)
        if (run((const uint8_t *)hello_zst, n, 64) == DC_OK) all = 0;
    CHECK(all, "zstd: every truncation refused");
    int wrong = 0, refused = 0;
    for (size_t bit = 0; bit < HN * 8; bit++) {
        memcpy(buf, hello_zst, HN);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        uint8_t *out;
        size_t got;
        int rc = t_run(dc_unzstd, buf, HN, 64, &out, &got);
        if (rc != DC_OK)
            refused++;
        else if (got != WN || memcmp(out, hello, WN) != 0)
            wrong++;
        free(out);
    }
    CHECK(wrong == 0 && refused > (int)HN * 7, "zstd: no bit flip yields a wrong output");

    memcpy(buf, "\x5a\x2a\x4d\x18\x03\x00\x00\x00xyz", 11);
    memcpy(buf + 11, hello_zst, HN);
    ok("zstd: skippable frame first", buf, 11 + HN, hello, WN);
    memcpy(buf, hello_zst, HN);
    memcpy(buf + HN, "\x30\0\0\0", 4);
    ok("zstd: Linux's appended size", buf, HN + 4, hello, WN);
    buf[HN] = 0x31;
    CHECK_EQ(run(buf, HN + 4, 64), DC_ECORRUPT, "zstd: wrong appended size refused");
    memcpy(buf + HN, hello_zst, HN);
    char twice[2 * WN];
    memcpy(twice, hello, WN);
    memcpy(twice + WN, hello, WN);
    ok("zstd: two frames", buf, 2 * HN, twice, 2 * WN);

    ok("zstd: raw block", S(MAGIC "\x20\x05\x29\x00\x00hello"), "hello", 5);
    ok("zstd: RLE block", S(MAGIC "\x20\x04\x23\x00\x00x"), "xxxx", 4);
    ok("zstd: two blocks, no content size", S(MAGIC "\x00\x00\x10\x00\x00hi\x0b\x00\x00!"), "hi!", 3);
    CHECK_EQ(run(S(MAGIC "\x20\x06\x29\x00\x00hello"), 64), DC_ECORRUPT,
             "zstd: content size mismatch refused");
    CHECK_EQ(run(S(MAGIC "\x28\x05\x29\x00\x00hello"), 64), DC_ECORRUPT, "zstd: reserved header bit refused");
    CHECK_EQ(run(S(MAGIC "\x21\x07\x05\x29\x00\x00hello"), 64), DC_EUNSUPP,
             "zstd: dictionary reported unsupported");
    CHECK_EQ(run(S(MAGIC "\x20\x05\x2f\x00\x00hello"), 64), DC_ECORRUPT, "zstd: reserved block type refused");
    CHECK_EQ(run(S(MAGIC "\x20\x05\x29\x00\x00hel"), 64), DC_ETRUNC, "zstd: raw block cut off");
    CHECK_EQ(run(S(MAGIC "\x20\x04\x23\x00\x00x"), 3), DC_ENOSPC, "zstd: RLE block too big");
    CHECK_EQ(run(S(MAGIC "\x20\x04\x01\x00\x11x"), 1u << 20), DC_ECORRUPT,
             "zstd: block over 128 KiB refused");
    CHECK_EQ(run(S("\x28\xb5\x2f\xfe\x20\x04\x23\x00\x00x"), 64), DC_EFORMAT, "zstd: bad magic");
    CHECK_EQ(run(S("\x5a\x2a\x4d\x18\x09\x00\x00\x00xyz"), 64), DC_ETRUNC, "zstd: skippable frame cut off");
    size_t got;
    CHECK_EQ(dc_unzstd(NULL, 0, NULL, 0, &got), DC_EARG, "zstd: NULL arguments");
    CHECK_EQ(dc_xxh64((const uint8_t *)"", 0, 0), (long)0xEF46DB3751D8E999ull, "xxh64: empty input");
}
