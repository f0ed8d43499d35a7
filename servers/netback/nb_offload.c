/* Offloads netback does in software when the receiver cannot: completing a
 * TCP/UDP checksum a sender left blank, and cutting a TCP GSO frame into
 * MSS-sized segments.  Both parse the frame with the VFR's parser, so every
 * offset used was checked against the frame's length. */
#include "netback.h"
#include <errno.h>
#include <string.h>

/* The pseudo-header sum (RFC 793 / RFC 8200 section 8.1). */
static uint32_t pseudo(const struct vfr_pkt *p, size_t l4len)
{
    uint32_t s = 0;
    size_t alen = p->family == 4 ? 4 : 16;
    s = vfr_sum16(s, p->sip, alen);
    s = vfr_sum16(s, p->dip, alen);
    s += p->proto;
    s += (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
    return s;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }

/* Where the checksum field of proto sits in its header, or 0. */
static size_t csum_at(uint8_t proto) { return proto == 6 ? 16 : proto == 17 ? 6 : 0; }

int nb_csum_fill(uint8_t *f, size_t len)
{
    struct vfr_pkt p;
    if (vfr_parse(f, len, &p) || !p.family || !p.ports || !csum_at(p.proto)) return -EINVAL;
    size_t l4len = p.l3end - p.l4off, at = p.l4off + csum_at(p.proto);
    if (at + 2 > p.l3end || (p.proto == 6 && l4len < 20) || (p.proto == 17 && l4len < 8)) return -EINVAL;
    put16(f + at, 0);
    uint16_t c = (uint16_t)~vfr_fold(vfr_sum16(pseudo(&p, l4len), f + p.l4off, l4len));
    if (p.proto == 17 && !c) c = 0xffff;
    put16(f + at, c);
    return 0;
}

int nb_gso_segment(const uint8_t *f, size_t len, unsigned mss, uint8_t *seg,
                   int (*out)(void *ctx, const uint8_t *s, size_t n), void *ctx)
{
    struct vfr_pkt p;
    if (!mss || vfr_parse(f, len, &p) || !p.family || p.proto != 6 || !p.ports || p.l3end - p.l4off < 20)
        return -EINVAL;
    /* IPv6 extension headers would need their lengths rewritten: only a
     * plain IPv6 header is cut. */
    size_t l3off = 14;
    if (p.family == 6 && p.l4off != l3off + 40) return -EINVAL;
    size_t thl = (size_t)(f[p.l4off + 12] >> 4) * 4, hl = p.l4off + thl;
    if (thl < 20 || hl > p.l3end) return -EINVAL;
    size_t pay = p.l3end - hl;
    uint32_t seq = (uint32_t)f[p.l4off + 4] << 24 | (uint32_t)f[p.l4off + 5] << 16 |
                   (uint32_t)f[p.l4off + 6] << 8 | f[p.l4off + 7];
    uint16_t id = (uint16_t)(f[l3off + 4] << 8 | f[l3off + 5]);
    uint8_t flags = f[p.l4off + 13];
    size_t off = 0;
    unsigned i = 0;
    do {
        size_t n = pay - off < mss ? pay - off : mss;
        bool last = off + n >= pay;
        memcpy(seg, f, hl);
        memcpy(seg + hl, f + hl + off, n);
        uint8_t *ip = seg + l3off, *th = seg + p.l4off;
        if (p.family == 4) {
            put16(ip + 2, (uint16_t)(hl - l3off + n));
            put16(ip + 4, (uint16_t)(id + i));
            put16(ip + 10, 0);
            put16(ip + 10, (uint16_t)~vfr_fold(vfr_sum16(0, ip, p.l4off - l3off)));
        } else {
            put16(ip + 4, (uint16_t)(hl - p.l4off + n));
        }
        uint32_t s = seq + (uint32_t)off;
        th[4] = (uint8_t)(s >> 24), th[5] = (uint8_t)(s >> 16), th[6] = (uint8_t)(s >> 8), th[7] = (uint8_t)s;
        /* FIN and PSH end the frame: on its last segment only; CWR is
         * for its first */
        th[13] = (uint8_t)(flags & ~((last ? 0 : 0x09) | (i ? 0x80 : 0)));
        struct vfr_pkt sp;
        size_t sl = hl + n;
        if (vfr_parse(seg, sl, &sp)) return -EINVAL;
        put16(th + 16, 0);
        put16(th + 16, (uint16_t)~vfr_fold(vfr_sum16(pseudo(&sp, sl - p.l4off), th, sl - p.l4off)));
        int rc = out(ctx, seg, sl);
        if (rc) return rc;
        off += n;
        i++;
    } while (off < pay);
    return 0;
}

int nb_emit_plain(uint8_t *scratch, const uint8_t *f, size_t len, const struct nb_meta *m,
                  int (*out)(void *ctx, const uint8_t *s, size_t n), void *ctx)
{
    if (m->gso_type) return nb_gso_segment(f, len, m->gso_size, scratch, out, ctx);
    if (m->csum_blank && len <= NB_MAX_FRAME) {
        memcpy(scratch, f, len);
        (void)nb_csum_fill(scratch, len); /* not TCP/UDP: nothing to fill */
        return out(ctx, scratch, len);
    }
    return out(ctx, f, len);
}
