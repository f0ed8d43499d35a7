/* LZ4 blocks and legacy frames: hand-made streams, every refusal. */
#include <stdlib.h>
#include <string.h>
#include "dtest.h"

#define S(x) (const uint8_t *)(x), sizeof(x) - 1

static void block_ok(const char *name, const uint8_t *in, size_t n, const char *want, size_t wn)
{
    uint8_t *out;
    size_t got;
    int rc = t_run(dc_lz4_block, in, n, wn, &out, &got);
    CHECK(rc == DC_OK && got == wn && memcmp(out, want, wn) == 0, name);
    free(out);
}

static void block_err(const char *name, const uint8_t *in, size_t n, size_t cap, int want)
{
    size_t got;
    CHECK_EQ(t_run_exact(dc_lz4_block, in, n, cap, &got), want, name);
}

static void test_blocks(void)
{
    block_ok("lz4 block: literals only", S("\x50hello"), "hello", 5);
    block_ok("lz4 block: overlapping match (offset 2)",
             S("\x22"
               "ab\x02\x00\x10!"),
             "abababab!", 9);
    block_ok("lz4 block: literal length extension",
             S("\xf0\x05"
               "abcdefghijklmnopqrst"),
             "abcdefghijklmnopqrst", 20);
    char want[286];
    memset(want, 'a', 285);
    want[285] = 'b';
    block_ok("lz4 block: match length extension (284 bytes, offset 1)",
             S("\x1f"
               "a\x01\x00\xff\x0a\x10"
               "b"),
             want, 286);
    char far[40];
    memcpy(far, "0123456789abcdef", 16);
    memcpy(far + 16, "0123456789abcdef", 16);
    memcpy(far + 32, "01234567", 8);
    block_ok("lz4 block: match at distance 16, length 24 (chunked copy)",
             S("\xff\x01"
               "0123456789abcdef\x10\x00\x05\x00"),
             far, 40);
    block_err("lz4 block: empty input", S(""), 16, DC_ETRUNC);
    block_err("lz4 block: offset 0 refused",
              S("\x11"
                "a\x00\x00\x10"
                "b"),
              64, DC_ECORRUPT);
    block_err("lz4 block: offset before the output start refused",
              S("\x11"
                "a\x02\x00\x10"
                "b"),
              64, DC_ECORRUPT);
    block_err("lz4 block: literals beyond the input", S("\x50he"), 64, DC_ETRUNC);
    block_err("lz4 block: length extension cut off", S("\xf0"), 64, DC_ETRUNC);
    block_err("lz4 block: endless length extension", S("\xf0\xff\xff\xff\xff"), 64, DC_ETRUNC);
    block_err("lz4 block: offset cut off",
              S("\x11"
                "a\x01"),
              64, DC_ETRUNC);
    block_err("lz4 block: block ending in a match",
              S("\x11"
                "a\x01\x00"),
              64, DC_ETRUNC);
    block_err("lz4 block: literals larger than the output", S("\x50hello"), 4, DC_ENOSPC);
    block_err("lz4 block: match larger than the output",
              S("\x1f"
                "a\x01\x00\xff\x0a\x10"
                "b"),
              200, DC_ENOSPC);
    block_err("lz4 block: huge match length",
              S("\x1f"
                "a\x01\x00\xff\xff\xff\xff\xff\x01\x10"
                "b"),
              1000, DC_ENOSPC);
}

static void frame_ok(const char *name, const uint8_t *in, size_t n, const char *want, size_t wn)
{
    uint8_t *out;
    size_t got;
    int rc = t_run(dc_lz4_legacy, in, n, wn, &out, &got);
    CHECK(rc == DC_OK && got == wn && (wn == 0 || memcmp(out, want, wn) == 0), name);
    free(out);
}

static void frame_err(const char *name, const uint8_t *in, size_t n, size_t cap, int want)
{
    size_t got;
    CHECK_EQ(t_run_exact(dc_lz4_legacy, in, n, cap, &got), want, name);
}

#define MAGIC "\x02\x21\x4c\x18"

static void test_frames(void)
{
    frame_ok("lz4 legacy: one block", S(MAGIC "\x06\0\0\0\x50hello"), "hello", 5);
    frame_ok("lz4 legacy: one block and the size trailer", S(MAGIC "\x06\0\0\0\x50hello\x05\0\0\0"), "hello",
             5);
    frame_ok("lz4 legacy: two blocks", S(MAGIC "\x06\0\0\0\x50hello\x02\0\0\0\x10!"), "hello!", 6);
    frame_ok("lz4 legacy: concatenated frames",
             S(MAGIC "\x06\0\0\0\x50hello" MAGIC "\x02\0\0\0\x10!\x06\0\0\0"), "hello!", 6);
    frame_ok("lz4 legacy: magic only (empty)", S(MAGIC), "", 0);
    frame_err("lz4 legacy: bad magic", S("\x02\x21\x4c\x19\x06\0\0\0\x50hello"), 16, DC_EFORMAT);
    frame_err("lz4 legacy: short magic", S("\x02\x21"), 16, DC_EFORMAT);
    frame_err("lz4 legacy: wrong size trailer", S(MAGIC "\x06\0\0\0\x50hello\x06\0\0\0"), 16, DC_ECORRUPT);
    frame_err("lz4 legacy: zero block size", S(MAGIC "\0\0\0\0\x50hello"), 16, DC_ECORRUPT);
    frame_err("lz4 legacy: block size over the format bound", S(MAGIC "\0\0\x90\0\x50hello"), 16,
              DC_ECORRUPT);
    frame_err("lz4 legacy: block beyond the input", S(MAGIC "\x07\0\0\0\x50hello"), 16, DC_ETRUNC);
    frame_err("lz4 legacy: stray bytes after a block", S(MAGIC "\x06\0\0\0\x50hello\x01\x02"), 16, DC_ETRUNC);
    frame_err("lz4 legacy: output larger than the buffer", S(MAGIC "\x06\0\0\0\x50hello"), 3, DC_ENOSPC);
    frame_err("lz4 legacy: corrupt block",
              S(MAGIC "\x06\0\0\0\x11"
                      "a\x05\x00\x10"
                      "b"),
              16, DC_ECORRUPT);
    size_t got;
    CHECK_EQ(dc_lz4_legacy(NULL, 0, NULL, 0, &got), DC_EARG, "lz4 legacy: NULL arguments");
}

void test_lz4(void)
{
    test_blocks();
    test_frames();
}
