/*
 * Bounded decompressors for kernel images and ramdisks: the bzImage setup
 * header, LZ4 legacy frames, gzip (DEFLATE), xz (LZMA2, x86 BCJ), zstd.  Freestanding: only <stddef.h>
 * and <stdint.h>; no allocation, no libc.  Every read of the input and every
 * write of the output is checked against the lengths given; a malformed or
 * truncated stream returns a negative DC_E* code and never touches memory
 * outside [in, in+in_len) and [out, out+out_cap).
 */
#ifndef TESSERA_DECOMPRESS_H
#define TESSERA_DECOMPRESS_H
#include <stddef.h>
#include <stdint.h>

enum dc_err {
    DC_OK = 0,
    DC_EFORMAT = -1,  /* not this format (bad magic/header) */
    DC_ETRUNC = -2,   /* input ends inside the stream */
    DC_ECORRUPT = -3, /* invalid stream content (bad code, distance, checksum) */
    DC_ENOSPC = -4,   /* output larger than out_cap */
    DC_EUNSUPP = -5,  /* recognised but not supported (bzip2, lzma, xz, ...) */
    DC_EARG = -6,     /* bad arguments */
};

enum dc_format {
    DC_FMT_UNKNOWN = 0,
    DC_FMT_ELF,     /* uncompressed ELF image */
    DC_FMT_BZIMAGE, /* x86 Linux boot image (setup header) */
    DC_FMT_GZIP,
    DC_FMT_LZ4_LEGACY,
    DC_FMT_XZ,
    DC_FMT_ZSTD,
    DC_FMT_BZIP2,
    DC_FMT_LZMA,
    DC_FMT_LZO,
};

const char *dc_strerror(int err);
const char *dc_format_name(enum dc_format f);

/* Identifies a buffer by its leading bytes (a bzImage by its setup header). */
enum dc_format dc_detect(const uint8_t *in, size_t in_len);

/* The x86 boot protocol setup header of a bzImage. */
struct dc_bzimage {
    uint16_t version;    /* boot protocol version, e.g. 0x020f */
    uint8_t setup_sects; /* as in the header (0 means 4) */
    size_t payload_off;  /* file offset of the compressed kernel */
    size_t payload_len;
    uint32_t init_size; /* memory the kernel needs while decompressing */
    enum dc_format payload_fmt;
};
/* Parses the setup header; requires protocol >= 2.08 (payload fields) and a
 * payload that lies entirely inside the image. */
int dc_bzimage_parse(const uint8_t *img, size_t len, struct dc_bzimage *bz);

/* LZ4 legacy frames (magic 0x184C2102), as Linux compresses its payload:
 * independent blocks of at most 8 MiB output, optionally followed by a
 * 4-byte little-endian uncompressed size (checked when present). */
int dc_lz4_legacy(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len);

/* One raw LZ4 block; output may not reference bytes before `out`. */
int dc_lz4_block(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len);

/* Raw DEFLATE (RFC 1951).  *in_used receives the bytes consumed (rounded up
 * to the byte holding the last bit). */
int dc_inflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len,
               size_t *in_used);

/* gzip (RFC 1952), one or more members; CRC-32 and ISIZE are checked. */
int dc_gunzip(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len);

uint32_t dc_crc32(uint32_t crc, const uint8_t *p, size_t n);
uint64_t dc_crc64(uint64_t crc, const uint8_t *p, size_t n);

/* A raw LZMA2 stream (up to and including its end byte) with the given
 * dictionary size; back-references may not reach further.  Uses ~30 KiB of
 * stack for the coder's probabilities. */
int dc_lzma2(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, uint32_t dict_size,
             size_t *out_len, size_t *in_used);

/* .xz (one or more streams, stream padding, the 4-byte size Linux appends):
 * LZMA2 with an optional x86 branch filter; checks none, CRC-32, CRC-64
 * (SHA-256 and other filters: DC_EUNSUPP). */
int dc_unxz(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len);

/* Zstandard frames (and skippable frames; no dictionaries), XXH64 checked,
 * the 4-byte size Linux appends accepted when it matches. */
int dc_unzstd(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len);

/* The xz x86 branch converter, decoding direction, over a whole block. */
void dc_bcj_x86(uint8_t *buf, size_t size, uint32_t start);

/* Decompresses a stream of the given format (DC_FMT_ELF copies). */
int dc_decompress(enum dc_format fmt, const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                  size_t *out_len);

/* The uncompressed size the stream declares (gzip ISIZE, the size Linux
 * appends to its payloads), or 0 when unknown.  A hint for sizing the output
 * buffer only: decompression still checks out_cap. */
size_t dc_size_hint(enum dc_format fmt, const uint8_t *in, size_t in_len);

/* A kernel as a user hands it over: an ELF is copied, a bzImage's payload is
 * decompressed, a bare compressed stream is decompressed.  The result must be
 * an ELF image (checked: DC_EFORMAT otherwise). */
int dc_kernel_unpack(const uint8_t *img, size_t len, uint8_t *out, size_t out_cap, size_t *out_len);
/* Output buffer size dc_kernel_unpack needs (0 when unknown). */
size_t dc_kernel_size_hint(const uint8_t *img, size_t len);

#endif
