/* XXH64, the content checksum of Zstandard frames. */
#include "zstd_int.h"

#define P1 11400714785074694791ull
#define P2 14029467366897019727ull
#define P3 1609587929392839161ull
#define P4 9650029242287828579ull
#define P5 2870177450012600261ull

static uint64_t rotl(uint64_t x, unsigned r) { return (x << r) | (x >> (64 - r)); }

static uint64_t le64(const uint8_t *p) { return (uint64_t)dc_le32(p) | (uint64_t)dc_le32(p + 4) << 32; }

static uint64_t round1(uint64_t acc, uint64_t lane) { return rotl(acc + lane * P2, 31) * P1; }

uint64_t dc_xxh64(const uint8_t *p, size_t n, uint64_t seed)
{
    const uint8_t *end = p + n;
    uint64_t h;

    if (n >= 32) {
        uint64_t v[4] = { seed + P1 + P2, seed + P2, seed, seed - P1 };
        while (end - p >= 32) {
            for (int i = 0; i < 4; i++)
                v[i] = round1(v[i], le64(p + 8 * i));
            p += 32;
        }
        h = rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18);
        for (int i = 0; i < 4; i++)
            h = (h ^ round1(0, v[i])) * P1 + P4;
    } else {
        h = seed + P5;
    }
    h += n;
    while (end - p >= 8) {
        h ^= round1(0, le64(p));
        h = rotl(h, 27) * P1 + P4;
        p += 8;
    }
    if (end - p >= 4) {
        h ^= (uint64_t)dc_le32(p) * P1;
        h = rotl(h, 23) * P2 + P3;
        p += 4;
    }
    while (p < end) {
        h ^= *p++ * P5;
        h = rotl(h, 11) * P1;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}
