/* The VFR's frame parser and address helpers (see vfr.h).  Every length
 * comes from the frame and is checked against what was received before it
 * is used; IPv6 extension headers are followed a bounded number of times. */
#include "vfr.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void l4(struct vfr_pkt *p, const uint8_t *h, size_t n)
{
    p->l4off = (size_t)(h - p->f);
    switch (p->proto) {
    case 6:
    case 17:
    case 132:
    case 136: /* TCP, UDP, SCTP, UDP-Lite */
        if (n >= 4) {
            p->ports = true;
            p->sport = be16(h);
            p->dport = be16(h + 2);
        }
        break;
    case 1:
        if (n >= 1) p->icmp_type = h[0];
        break;
    case 58:
        if (n >= 1) p->icmp_type = h[0];
        if (n >= 24 && h[0] == 136) { /* neighbour advertisement: target at 8 */
            p->nd_target = true;
            memcpy(p->nd_tgt, h + 8, 16);
        }
        break;
    }
}

static int ip4(struct vfr_pkt *p, const uint8_t *h, size_t n)
{
    if (n < 20 || h[0] >> 4 != 4) return -EINVAL;
    size_t ihl = (size_t)(h[0] & 15) * 4, tot = be16(h + 2);
    if (ihl < 20 || tot < ihl || tot > n) return -EINVAL;
    p->family = 4;
    p->l3end = (size_t)(h - p->f) + tot;
    p->proto = h[9];
    memcpy(p->sip, h + 12, 4);
    memcpy(p->dip, h + 16, 4);
    if ((be16(h + 6) & 0x1fff) == 0) /* the first (or only) fragment */
        l4(p, h + ihl, tot - ihl);
    return 0;
}

static int ip6(struct vfr_pkt *p, const uint8_t *h, size_t n)
{
    if (n < 40 || h[0] >> 4 != 6) return -EINVAL;
    size_t pl = be16(h + 4);
    if (40 + pl > n) return -EINVAL;
    p->family = 6;
    p->l3end = (size_t)(h - p->f) + 40 + pl;
    memcpy(p->sip, h + 8, 16);
    memcpy(p->dip, h + 24, 16);
    uint8_t nh = h[6];
    const uint8_t *e = h + 40;
    size_t left = pl;
    for (int i = 0; i < 8; i++) {
        if (nh == 0 || nh == 43 || nh == 60) { /* hop-by-hop, routing, destination */
            if (left < 8 || (size_t)(e[1] + 1) * 8 > left) return -EINVAL;
            size_t l = (size_t)(e[1] + 1) * 8;
            nh = e[0];
            e += l;
            left -= l;
        } else if (nh == 44) { /* fragment */
            if (left < 8) return -EINVAL;
            bool later = (be16(e + 2) & 0xfff8) != 0;
            nh = e[0];
            e += 8;
            left -= 8;
            if (later) {
                p->proto = nh;
                return 0;
            }
        } else {
            p->proto = nh;
            l4(p, e, left);
            return 0;
        }
    }
    return -EINVAL; /* a chain longer than any sender needs */
}

int vfr_parse(const uint8_t *f, size_t len, struct vfr_pkt *p)
{
    memset(p, 0, sizeof(*p));
    p->f = f;
    p->len = len;
    if (len < 14) return -EINVAL;
    p->dst = f;
    p->src = f + 6;
    p->type = be16(f + 12);
    const uint8_t *h = f + 14;
    size_t n = len - 14;
    switch (p->type) {
    case VFR_ETH_IP4:
        return ip4(p, h, n);
    case VFR_ETH_IP6:
        return ip6(p, h, n);
    case VFR_ETH_ARP:
        /* Ethernet (1) / IPv4 (0x0800), 6- and 4-byte addresses */
        if (n < 28 || be16(h) != 1 || be16(h + 2) != 0x0800 || h[4] != 6 || h[5] != 4) return -EINVAL;
        p->arp_op = be16(h + 6);
        memcpy(p->arp_sha, h + 8, 6);
        memcpy(p->arp_spa, h + 14, 4);
        memcpy(p->arp_tpa, h + 24, 4);
        return 0;
    }
    return 0;
}

bool vfr_prefix_has(const struct vfr_prefix *p, int family, const uint8_t *a)
{
    if (p->family != family) return false;
    unsigned full = p->len / 8, rest = p->len % 8;
    if (memcmp(p->a, a, full)) return false;
    if (!rest) return true;
    uint8_t m = (uint8_t)(0xff << (8 - rest));
    return (p->a[full] & m) == (a[full] & m);
}

int vfr_prefix_parse(const char *s, struct vfr_prefix *p)
{
    char buf[64];
    size_t n = strlen(s);
    if (!n || n >= sizeof(buf)) return -EINVAL;
    memcpy(buf, s, n + 1);
    memset(p, 0, sizeof(*p));
    char *slash = strchr(buf, '/');
    if (slash) *slash = 0;
    if (inet_pton(AF_INET, buf, p->a) == 1)
        p->family = 4;
    else if (inet_pton(AF_INET6, buf, p->a) == 1)
        p->family = 6;
    else
        return -EINVAL;
    unsigned max = p->family == 4 ? 32 : 128;
    p->len = (uint8_t)max;
    if (slash) {
        char *end;
        const char *d = slash + 1;
        if (*d < '0' || *d > '9') return -EINVAL;
        unsigned long l = strtoul(d, &end, 10);
        if (*end || l > max) return -EINVAL;
        p->len = (uint8_t)l;
    }
    /* host bits must be clear: "10.0.0.1/24" is a typo, not a prefix */
    for (unsigned b = p->len; b < max; b++)
        if (p->a[b / 8] & (0x80 >> (b % 8))) return -EINVAL;
    return 0;
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int vfr_mac_parse(const char *s, uint8_t mac[6])
{
    if (strlen(s) != 17) return -EINVAL;
    for (int i = 0; i < 6; i++) {
        int h = hexv(s[i * 3]), l = hexv(s[i * 3 + 1]);
        if (h < 0 || l < 0 || (i < 5 && s[i * 3 + 2] != ':')) return -EINVAL;
        mac[i] = (uint8_t)(h << 4 | l);
    }
    return 0;
}

uint32_t vfr_sum16(uint32_t s, const uint8_t *p, size_t n)
{
    for (; n > 1; p += 2, n -= 2)
        s += (uint32_t)(p[0] << 8 | p[1]);
    if (n) s += (uint32_t)(p[0] << 8);
    return s;
}

uint16_t vfr_fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}
