/* Format identification by leading bytes; error and format names. */
#include "dc_util.h"

static int starts(const uint8_t *in, size_t len, const char *m, size_t n)
{
    if (len < n) return 0;
    for (size_t i = 0; i < n; i++)
        if (in[i] != (uint8_t)m[i]) return 0;
    return 1;
}

enum dc_format dc_detect(const uint8_t *in, size_t len)
{
    if (!in) return DC_FMT_UNKNOWN;
    if (starts(in, len,
               "\x7f"
               "ELF",
               4))
        return DC_FMT_ELF;
    if (starts(in, len, "\x1f\x8b", 2)) return DC_FMT_GZIP;
    if (starts(in, len, "\x02\x21\x4c\x18", 4)) return DC_FMT_LZ4_LEGACY;
    if (starts(in, len,
               "\xfd"
               "7zXZ\0",
               6))
        return DC_FMT_XZ;
    if (starts(in, len, "\x28\xb5\x2f\xfd", 4)) return DC_FMT_ZSTD;
    if (starts(in, len, "BZh", 3)) return DC_FMT_BZIP2;
    if (starts(in, len, "\x5d\0\0", 3)) return DC_FMT_LZMA;
    if (starts(in, len, "\x89LZO", 4)) return DC_FMT_LZO;
    if (len >= 0x206 && starts(in + 0x202, len - 0x202, "HdrS", 4)) return DC_FMT_BZIMAGE;
    return DC_FMT_UNKNOWN;
}

const char *dc_format_name(enum dc_format f)
{
    switch (f) {
    case DC_FMT_ELF:
        return "elf";
    case DC_FMT_BZIMAGE:
        return "bzimage";
    case DC_FMT_GZIP:
        return "gzip";
    case DC_FMT_LZ4_LEGACY:
        return "lz4-legacy";
    case DC_FMT_XZ:
        return "xz";
    case DC_FMT_ZSTD:
        return "zstd";
    case DC_FMT_BZIP2:
        return "bzip2";
    case DC_FMT_LZMA:
        return "lzma";
    case DC_FMT_LZO:
        return "lzo";
    default:
        return "unknown";
    }
}

const char *dc_strerror(int err)
{
    switch (err) {
    case DC_OK:
        return "ok";
    case DC_EFORMAT:
        return "not this format";
    case DC_ETRUNC:
        return "truncated input";
    case DC_ECORRUPT:
        return "corrupt stream";
    case DC_ENOSPC:
        return "output too large";
    case DC_EUNSUPP:
        return "unsupported format";
    case DC_EARG:
        return "bad arguments";
    default:
        return "unknown error";
    }
}
