/* Kernel images as users hand them over: ELF, bzImage or a bare compressed stream. */
#include "dc_util.h"

int dc_decompress(enum dc_format fmt, const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                  size_t *out_len)
{
    if (!in || !out || !out_len) return DC_EARG;
    switch (fmt) {
    case DC_FMT_ELF:
        if (in_len > out_cap) return DC_ENOSPC;
        dc_copy(out, in, in_len);
        *out_len = in_len;
        return DC_OK;
    case DC_FMT_GZIP:
        return dc_gunzip(in, in_len, out, out_cap, out_len);
    case DC_FMT_LZ4_LEGACY:
        return dc_lz4_legacy(in, in_len, out, out_cap, out_len);
    case DC_FMT_XZ:
        return dc_unxz(in, in_len, out, out_cap, out_len);
    case DC_FMT_ZSTD:
        return dc_unzstd(in, in_len, out, out_cap, out_len);
    case DC_FMT_BZIP2:
    case DC_FMT_LZMA:
    case DC_FMT_LZO:
        return DC_EUNSUPP;
    default:
        return DC_EFORMAT;
    }
}

size_t dc_size_hint(enum dc_format fmt, const uint8_t *in, size_t in_len)
{
    if (!in) return 0;
    switch (fmt) {
    case DC_FMT_ELF:
        return in_len;
    case DC_FMT_GZIP:
    case DC_FMT_LZ4_LEGACY:
    case DC_FMT_XZ:
    case DC_FMT_ZSTD:
    case DC_FMT_BZIP2:
    case DC_FMT_LZMA:
    case DC_FMT_LZO:
        return in_len >= 8 ? dc_le32(in + in_len - 4) : 0;
    default:
        return 0;
    }
}

static int kernel_locate(const uint8_t *img, size_t len, const uint8_t **p, size_t *n, enum dc_format *fmt)
{
    struct dc_bzimage bz;
    enum dc_format f = dc_detect(img, len);
    if (f == DC_FMT_BZIMAGE) {
        int rc = dc_bzimage_parse(img, len, &bz);
        if (rc) return rc;
        *p = img + bz.payload_off;
        *n = bz.payload_len;
        *fmt = bz.payload_fmt;
    } else {
        *p = img;
        *n = len;
        *fmt = f;
    }
    return *fmt == DC_FMT_UNKNOWN || *fmt == DC_FMT_BZIMAGE ? DC_EFORMAT : DC_OK;
}

size_t dc_kernel_size_hint(const uint8_t *img, size_t len)
{
    const uint8_t *p;
    size_t n;
    enum dc_format f;
    if (!img || kernel_locate(img, len, &p, &n, &f)) return 0;
    return dc_size_hint(f, p, n);
}

int dc_kernel_unpack(const uint8_t *img, size_t len, uint8_t *out, size_t out_cap, size_t *out_len)
{
    const uint8_t *p;
    size_t n, got;
    enum dc_format f;
    int rc;
    if (!img || !out || !out_len) return DC_EARG;
    if ((rc = kernel_locate(img, len, &p, &n, &f))) return rc;
    if ((rc = dc_decompress(f, p, n, out, out_cap, &got))) return rc;
    if (dc_detect(out, got) != DC_FMT_ELF) return DC_EFORMAT;
    *out_len = got;
    return DC_OK;
}
