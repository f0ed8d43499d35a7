/* Format detection and the size hint. */
#include <string.h>
#include "dtest.h"

#define D(x) dc_detect((const uint8_t *)(x), sizeof(x) - 1)

void test_detect(void)
{
    CHECK_EQ(D("\x7f"
               "ELF\x02"),
             DC_FMT_ELF, "detect: ELF");
    CHECK_EQ(D("\x1f\x8b\x08"), DC_FMT_GZIP, "detect: gzip");
    CHECK_EQ(D("\x02\x21\x4c\x18"), DC_FMT_LZ4_LEGACY, "detect: lz4 legacy");
    CHECK_EQ(D("\xfd"
               "7zXZ\0"),
             DC_FMT_XZ, "detect: xz");
    CHECK_EQ(D("\x28\xb5\x2f\xfd"), DC_FMT_ZSTD, "detect: zstd");
    CHECK_EQ(D("BZh9"), DC_FMT_BZIP2, "detect: bzip2");
    CHECK_EQ(D("\x5d\0\0\x80"), DC_FMT_LZMA, "detect: lzma");
    CHECK_EQ(D("\x89LZO"), DC_FMT_LZO, "detect: lzo");
    CHECK_EQ(D("\x02\x21\x4c"), DC_FMT_UNKNOWN, "detect: short input");
    CHECK_EQ(dc_detect(NULL, 4), DC_FMT_UNKNOWN, "detect: NULL");
    CHECK(strcmp(dc_format_name(DC_FMT_LZ4_LEGACY), "lz4-legacy") == 0, "detect: format names");
    CHECK(strcmp(dc_strerror(DC_ETRUNC), "truncated input") == 0, "detect: error names");
    CHECK_EQ(dc_size_hint(DC_FMT_GZIP, (const uint8_t *)"\x1f\x8b\0\0\x34\x12\0\0", 8), 0x1234,
             "size hint: trailing 32-bit size");
    CHECK_EQ(dc_size_hint(DC_FMT_GZIP, (const uint8_t *)"\x1f\x8b", 2), 0, "size hint: too short");
    CHECK_EQ(dc_size_hint(DC_FMT_UNKNOWN, (const uint8_t *)"abcdefgh", 8), 0, "size hint: unknown format");
    uint8_t out[8];
    size_t got;
    CHECK(dc_decompress(DC_FMT_ELF,
                        (const uint8_t *)"\x7f"
                                         "ELF",
                        4, out, 8, &got) == DC_OK &&
              got == 4 &&
              memcmp(out,
                     "\x7f"
                     "ELF",
                     4) == 0,
          "decompress: ELF copied");
    CHECK_EQ(dc_decompress(DC_FMT_ELF,
                           (const uint8_t *)"\x7f"
                                            "ELF",
                           4, out, 3, &got),
             DC_ENOSPC, "decompress: ELF larger than the buffer");
    CHECK_EQ(dc_decompress(DC_FMT_BZIP2, (const uint8_t *)"x", 1, out, 8, &got), DC_EUNSUPP,
             "decompress: bzip2 unsupported");
    CHECK_EQ(dc_decompress(DC_FMT_UNKNOWN, (const uint8_t *)"x", 1, out, 8, &got), DC_EFORMAT,
             "decompress: unknown format");
}
