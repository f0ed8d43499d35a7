/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as gzip uses it. */
#include "dc_util.h"

uint32_t dc_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    uint32_t table[16];

    /* a 16-entry nibble table, built on the stack: no static state */
    for (uint32_t i = 0; i < 16; i++) {
        uint32_t c = i;
        for (int k = 0; k < 4; k++)
            c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
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
