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
    /* A table built on the stack (no static state): 16 entries, a nibble
     * a step, for short inputs; 256, a byte a step (half the instructions),
     * once the input is long enough to pay for building it (blkback's VBD
     * map copies at start-up, the builder's image CRCs). */
    uint64_t table[256];
    unsigned bits = n >= 4096 ? 8 : 4;
    for (uint64_t i = 0; i < (1u << bits); i++) {
        uint64_t c = i;
        for (unsigned k = 0; k < bits; k++)
            c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
        table[i] = c;
    }
    crc = ~crc & mask;
    if (bits == 8) {
        while (n--)
            crc = (crc >> 8) ^ table[(crc ^ *p++) & 255];
        return ~crc & mask;
    }
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
