/* Internal helpers of the decompressors: byte access without libc. */
#ifndef TESSERA_DC_UTIL_H
#define TESSERA_DC_UTIL_H
#include "decompress.h"

static inline uint16_t dc_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static inline uint32_t dc_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void dc_copy(uint8_t *d, const uint8_t *s, size_t n)
{
    while (n >= 8) {
        uint64_t v;
        __builtin_memcpy(&v, s, 8);
        __builtin_memcpy(d, &v, 8);
        d += 8;
        s += 8;
        n -= 8;
    }
    while (n--)
        *d++ = *s++;
}
#endif
