/* CRC-64 (ECMA-182, reflected, polynomial 0xC96C5795D7870F42), as xz uses it. */
#include "dc_util.h"

uint64_t dc_crc64(uint64_t crc, const uint8_t *p, size_t n)
{
    uint64_t table[16];

    for (uint64_t i = 0; i < 16; i++) {
        uint64_t c = i;
        for (int k = 0; k < 4; k++)
            c = (c & 1) ? (c >> 1) ^ 0xC96C5795D7870F42ull : c >> 1;
        table[i] = c;
    }
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        crc = (crc >> 4) ^ table[crc & 15];
        crc = (crc >> 4) ^ table[crc & 15];
    }
    return ~crc;
}
