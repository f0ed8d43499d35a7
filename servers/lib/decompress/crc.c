/*
 * crc.c: the reflected CRCs the formats carry: CRC-32 (IEEE 802.3,
 * polynomial 0xEDB88320) as gzip and xz use it, and CRC-64 (ECMA-182,
 * polynomial 0xC96C5795D7870F42) as xz uses it. One routine serves both: a
 * reflected CRC shifts right, so a narrower one runs in the low bits of a
 * 64-bit register as long as the inversions are masked to its width.
 */
#include "dc_util.h"

static uint64_t crc_reflected(uint64_t crc, const uint8_t *p, size_t n, uint64_t poly, uint64_t mask)
{
    uint64_t table[16];

    /* a 16-entry nibble table, built on the stack: no static state */
    for (uint64_t i = 0; i < 16; i++) {
        uint64_t c = i;
        for (int k = 0; k < 4; k++)
            c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
        table[i] = c;
    }
    crc = ~crc & mask;
    while (n--) {
        crc ^= *p++;
        crc = (crc >> 4) ^ table[crc & 15];
        crc = (crc >> 4) ^ table[crc & 15];
    }
    return ~crc & mask;
}

uint32_t dc_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    return (uint32_t)crc_reflected(crc, p, n, 0xEDB88320u, 0xFFFFFFFFu);
}

uint64_t dc_crc64(uint64_t crc, const uint8_t *p, size_t n)
{
    return crc_reflected(crc, p, n, 0xC96C5795D7870F42ull, ~0ull);
}
