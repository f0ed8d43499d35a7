/* Frame builders for the netback host tests: Ethernet with ARP, IPv4 and
 * IPv6 (TCP/UDP/ICMPv6) payloads, written into a caller's buffer. */
#ifndef NB_FRAMES_H
#define NB_FRAMES_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline size_t fr_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = (uint8_t)(type >> 8);
    f[13] = (uint8_t)type;
    return 14;
}

static inline size_t fr_arp(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t op,
                            const uint8_t *sha, const uint8_t *spa, const uint8_t *tpa)
{
    size_t n = fr_eth(f, dst, src, 0x0806);
    uint8_t *a = f + n;
    memset(a, 0, 28);
    a[1] = 1, a[2] = 8, a[4] = 6, a[5] = 4, a[7] = (uint8_t)op;
    memcpy(a + 8, sha, 6);
    memcpy(a + 14, spa, 4);
    memcpy(a + 24, tpa, 4);
    return n + 28;
}

/* IPv4 with an L4 header of 8 bytes (ports first) and pay bytes more. */
static inline size_t fr_ip4(uint8_t *f, const uint8_t *dst, const uint8_t *src, const uint8_t *sip,
                            const uint8_t *dip, uint8_t proto, uint16_t sport, uint16_t dport, size_t pay)
{
    size_t n = fr_eth(f, dst, src, 0x0800);
    uint8_t *h = f + n;
    size_t tot = 20 + 8 + pay;
    memset(h, 0, tot);
    h[0] = 0x45;
    h[2] = (uint8_t)(tot >> 8), h[3] = (uint8_t)tot;
    h[8] = 64;
    h[9] = proto;
    memcpy(h + 12, sip, 4);
    memcpy(h + 16, dip, 4);
    h[20] = (uint8_t)(sport >> 8), h[21] = (uint8_t)sport, h[22] = (uint8_t)(dport >> 8),
    h[23] = (uint8_t)dport;
    return n + tot;
}

/* IPv6 with an L4 header of l4len bytes (ports or ICMPv6 type first). */
static inline size_t fr_ip6(uint8_t *f, const uint8_t *dst, const uint8_t *src, const uint8_t *sip,
                            const uint8_t *dip, uint8_t proto, uint16_t sport, uint16_t dport, size_t l4len)
{
    size_t n = fr_eth(f, dst, src, 0x86dd);
    uint8_t *h = f + n;
    memset(h, 0, 40 + l4len);
    h[0] = 0x60;
    h[4] = (uint8_t)(l4len >> 8), h[5] = (uint8_t)l4len;
    h[6] = proto;
    h[7] = 64;
    memcpy(h + 8, sip, 16);
    memcpy(h + 24, dip, 16);
    h[40] = (uint8_t)(sport >> 8), h[41] = (uint8_t)sport, h[42] = (uint8_t)(dport >> 8),
    h[43] = (uint8_t)dport;
    return n + 40 + l4len;
}
#endif
