/* The VFR's optional L3 routing (see vfr.h): the router's addresses (one
 * per routed IPv4 subnet), ARP answers for them, the ARP cache, the
 * forwarding of IPv4 frames sent to the router's MAC into another subnet
 * (TTL decremented, header checksum updated, MACs rewritten), and the ICMP
 * errors the router owes their senders. */
#include "vfr.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool in_net(const struct vfr_gw *g, const uint8_t *ip)
{
    struct vfr_prefix net = { .family = 4, .len = g->len };
    memcpy(net.a, g->ip, 4);
    return vfr_prefix_has(&net, 4, ip);
}

int vfr_gw_add(struct vfr *v, const char *text) { return vfr_gw_insert(v->gw, text); }

void vfr_gw_text(const struct vfr_gw *gw, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (int i = 0; i < VFR_MAX_GW; i++)
        if (gw[i].used && at < len) {
            int n = snprintf(buf + at, len - at, "%s%u.%u.%u.%u/%u", at ? " " : "", gw[i].ip[0], gw[i].ip[1],
                             gw[i].ip[2], gw[i].ip[3], gw[i].len);
            at += n > 0 ? (size_t)n : 0;
        }
}

int vfr_gw_insert(struct vfr_gw *gw, const char *text)
{
    char buf[32];
    const char *slash = strchr(text, '/');
    size_t n = slash ? (size_t)(slash - text) : 0;
    if (!slash || !n || n >= sizeof(buf)) return -EINVAL;
    memcpy(buf, text, n);
    buf[n] = 0;
    struct vfr_prefix a;
    char *end;
    if (vfr_prefix_parse(buf, &a) || a.family != 4 || slash[1] < '0' || slash[1] > '9') return -EINVAL;
    unsigned long len = strtoul(slash + 1, &end, 10);
    if (*end || len < 1 || len > 30) return -EINVAL;
    struct vfr_gw g = { .used = true, .len = (uint8_t)len };
    memcpy(g.ip, a.a, 4);
    /* neither the subnet's own address nor its broadcast address */
    uint32_t ip = (uint32_t)g.ip[0] << 24 | (uint32_t)g.ip[1] << 16 | (uint32_t)g.ip[2] << 8 | g.ip[3];
    uint32_t host = ip & ((1u << (32 - len)) - 1);
    if (!host || host == (1u << (32 - len)) - 1) return -EINVAL;
    int free_at = -1;
    for (int i = 0; i < VFR_MAX_GW; i++) {
        if (!gw[i].used) {
            if (free_at < 0) free_at = i;
            continue;
        }
        if (in_net(&gw[i], g.ip) || in_net(&g, gw[i].ip)) return -EEXIST; /* overlapping subnets */
    }
    if (free_at < 0) return -ENOSPC;
    gw[free_at] = g;
    return 0;
}

int vfr_gw_del(struct vfr *v, const char *addr)
{
    struct vfr_prefix a;
    if (vfr_prefix_parse(addr, &a) || a.family != 4 || a.len != 32) return -EINVAL;
    for (int i = 0; i < VFR_MAX_GW; i++)
        if (v->gw[i].used && !memcmp(v->gw[i].ip, a.a, 4)) {
            v->gw[i].used = false;
            return 0;
        }
    return -ENOENT;
}

static const struct vfr_gw *gw_for(const struct vfr *v, const uint8_t *ip)
{
    for (int i = 0; i < VFR_MAX_GW; i++)
        if (v->gw[i].used && in_net(&v->gw[i], ip)) return &v->gw[i];
    return NULL;
}

static bool any_gw(const struct vfr *v)
{
    for (int i = 0; i < VFR_MAX_GW; i++)
        if (v->gw[i].used) return true;
    return false;
}

static struct vfr_arp *arp_find(struct vfr *v, const uint8_t *ip, uint64_t now)
{
    for (int i = 0; i < VFR_ARP_SIZE; i++) {
        struct vfr_arp *e = &v->arp[i];
        if (e->used && !memcmp(e->ip, ip, 4) && v->port[e->port].used && now - e->seen_ns <= VFR_FDB_AGE_NS)
            return e;
    }
    return NULL;
}

/* What an ARP frame (that passed anti-spoofing) says about its sender,
 * for addresses in a routed subnet; the oldest entry makes room. */
static void arp_learn(struct vfr *v, const struct vfr_pkt *p, int port, uint64_t now)
{
    static const uint8_t none[4];
    if (!memcmp(p->arp_spa, none, 4) || !gw_for(v, p->arp_spa)) return;
    struct vfr_arp *e = arp_find(v, p->arp_spa, now);
    for (int i = 0; !e && i < VFR_ARP_SIZE; i++) {
        struct vfr_arp *c = &v->arp[i];
        if (!c->used || !v->port[c->port].used || now - c->seen_ns > VFR_FDB_AGE_NS) e = c;
    }
    for (int i = 0; !e && i < VFR_ARP_SIZE; i++)
        if (i == 0 || v->arp[i].seen_ns < e->seen_ns) e = &v->arp[i];
    *e = (struct vfr_arp){ .used = true, .port = (int16_t)port, .seen_ns = now };
    memcpy(e->ip, p->arp_spa, 4);
    memcpy(e->mac, p->arp_sha, 6);
}

static void put_arp(uint8_t *f, uint16_t op, const uint8_t *dst, const uint8_t *sha, const uint8_t *spa,
                    const uint8_t *tha, const uint8_t *tpa)
{
    memset(f, 0, 60);
    memcpy(f, dst, 6);
    memcpy(f + 6, sha, 6);
    f[12] = 0x08, f[13] = 0x06;
    f[15] = 1, f[16] = 0x08, f[18] = 6, f[19] = 4, f[21] = (uint8_t)op;
    memcpy(f + 22, sha, 6);
    memcpy(f + 28, spa, 4);
    memcpy(f + 32, tha, 6);
    memcpy(f + 38, tpa, 4);
}

/* A frame the router itself sends out of port (no rules: it is the
 * VFR's own traffic). */
static void own_xmit(struct vfr *v, int port, const uint8_t *f, size_t len)
{
    struct vfr_port *o = &v->port[port];
    if (v->ops.xmit(v->ops.ctx, port, f, len, NULL) < 0) {
        o->st.drop_xmit++;
        return;
    }
    o->st.out_pkts++;
    o->st.out_bytes += len;
}

static uint16_t csum(const uint8_t *d, size_t n) { return (uint16_t)~vfr_fold(vfr_sum16(0, d, n)); }

/* One host's address: not 0.0.0.0/8, loopback, multicast, class E or the
 * limited broadcast, nor a routed subnet's broadcast address. */
static bool one_host(const struct vfr *v, const uint8_t *a)
{
    if (!a[0] || a[0] == 127 || a[0] >= 224) return false;
    const struct vfr_gw *g = gw_for(v, a);
    if (!g) return true;
    uint32_t ip = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    uint32_t hostmask = (1u << (32 - g->len)) - 1;
    return (ip & hostmask) != hostmask;
}

/* The ICMP error (type, code) about p back to its sender on port, when
 * one is owed (RFC 1812 4.3.2.7) and the port's bucket allows. */
static void icmp_error(struct vfr *v, int port, const struct vfr_pkt *p, uint8_t type, uint8_t code,
                       uint64_t now)
{
    const uint8_t *h = p->f + 14;
    if ((h[6] & 0x1f) || h[7]) return; /* a later fragment */
    if (!one_host(v, p->sip) || !one_host(v, p->dip)) return;
    if (p->proto == 1 && p->l4off &&
        (p->icmp_type == 3 || p->icmp_type == 4 || p->icmp_type == 5 || p->icmp_type == 11 ||
         p->icmp_type == 12))
        return; /* never an error about an error */
    /* from the router's address in the sender's subnet (else its first) */
    const struct vfr_gw *g = gw_for(v, p->sip);
    for (int i = 0; !g && i < VFR_MAX_GW; i++)
        if (v->gw[i].used) g = &v->gw[i];
    struct vfr_port *in = &v->port[port];
    if (!g || !vfr_tb_take(&in->tb_icmp, now, 0)) return;
    size_t ihl = (size_t)(h[0] & 15) * 4, quote = ihl + 8;
    if (quote > p->l3end - 14) quote = p->l3end - 14;
    uint8_t r[14 + 20 + 8 + 60 + 8];
    size_t total = 20 + 8 + quote, len = 14 + total;
    memset(r, 0, sizeof(r));
    memcpy(r, p->src, 6);
    memcpy(r + 6, v->router_mac, 6);
    r[12] = 0x08;
    uint8_t *ip = r + 14, *ic = ip + 20;
    ip[0] = 0x45;
    ip[2] = (uint8_t)(total >> 8), ip[3] = (uint8_t)total;
    ip[8] = 64, ip[9] = 1;
    memcpy(ip + 12, g->ip, 4);
    memcpy(ip + 16, p->sip, 4);
    uint16_t c = csum(ip, 20);
    ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
    ic[0] = type, ic[1] = code;
    memcpy(ic + 8, h, quote);
    c = csum(ic, 8 + quote);
    ic[2] = (uint8_t)(c >> 8), ic[3] = (uint8_t)c;
    in->st.icmp_sent++;
    own_xmit(v, port, r, len < 60 ? 60 : len);
}

bool vfr_route(struct vfr *v, int port, const struct vfr_pkt *p, const void *meta, uint64_t now)
{
    if (!any_gw(v)) return false;
    struct vfr_port *ip = &v->port[port];
    if (p->type == VFR_ETH_ARP) {
        arp_learn(v, p, port, now);
        const struct vfr_gw *g = gw_for(v, p->arp_tpa);
        if (!g || memcmp(g->ip, p->arp_tpa, 4)) /* not for the router */
            return !memcmp(p->dst, v->router_mac, 6);
        if (p->arp_op == 1) { /* who has the router's address: answer */
            uint8_t r[60];
            put_arp(r, 2, p->src, v->router_mac, g->ip, p->arp_sha, p->arp_spa);
            own_xmit(v, port, r, 60);
        }
        return true;
    }
    if (p->type != VFR_ETH_IP4 || memcmp(p->dst, v->router_mac, 6)) return false;
    /* an IPv4 frame for the router: forward it into the subnet of its
     * destination */
    const struct vfr_gw *g = gw_for(v, p->dip);
    struct vfr_arp *e = g && memcmp(g->ip, p->dip, 4) ? arp_find(v, p->dip, now) : NULL;
    const uint8_t *h = p->f + 14;
    if (g && memcmp(g->ip, p->dip, 4) && h[8] <= 1) { /* would be forwarded, but its TTL runs out */
        ip->st.drop_ttl++;
        icmp_error(v, port, p, 11, 0, now);
        return true;
    }
    if (!g) { /* no routed subnet holds the destination */
        ip->st.drop_noroute++;
        icmp_error(v, port, p, 3, 0, now);
        return true;
    }
    if (!e) {
        ip->st.drop_noroute++;
        if (memcmp(g->ip, p->dip, 4)) { /* ask, so the next frame finds it */
            static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, zero[6];
            uint8_t r[60];
            put_arp(r, 1, bc, v->router_mac, g->ip, zero, p->dip);
            for (int o = 0; o < VFR_MAX_PORTS; o++)
                if (v->port[o].used && o != port) own_xmit(v, o, r, 60);
        }
        return true;
    }
    if (e->port == port) { /* back where it came from */
        ip->st.drop_noroute++;
        return true;
    }
    uint8_t *f = v->rbuf;
    memcpy(f, p->f, p->len);
    memcpy(f, e->mac, 6);
    memcpy(f + 6, v->router_mac, 6);
    uint8_t *nh = f + 14;
    /* TTL - 1 and the checksum's incremental update (RFC 1624): the
     * 16-bit word TTL/protocol goes down by 0x0100 */
    nh[8]--;
    uint32_t sum = (uint32_t)(~((nh[10] << 8) | nh[11]) & 0xffff) + 0xfeff;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    uint16_t c = (uint16_t)~sum;
    nh[10] = (uint8_t)(c >> 8);
    nh[11] = (uint8_t)c;
    struct vfr_pkt q;
    if (vfr_parse(f, p->len, &q)) return true;
    ip->st.routed++;
    vfr_deliver(v, __atomic_load_n(&v->rules, __ATOMIC_ACQUIRE), port, e->port, &q, meta, now);
    return true;
}
