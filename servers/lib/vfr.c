/* The VFR's ports, anti-spoofing, learning bridge and forwarding path (see
 * vfr.h for the order of checks). */
#include "vfr.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int vfr_init(struct vfr *v, const struct vfr_ops *ops)
{
    memset(v, 0, sizeof(*v));
    v->ops = *ops;
    for (unsigned i = 0; i < VFR_FDB_SIZE; i++)
        v->fdb[i].port = -1;
    memset(v->router_mac, 0xff, 6);
    v->router_mac[0] = 0xfe;
    v->rules = vfr_ruleset_new(VFR_ACCEPT, NULL, 0);
    return v->rules ? 0 : -ENOMEM;
}

void vfr_fini(struct vfr *v)
{
    free(v->rules);
    v->rules = NULL;
}

static bool mcast(const uint8_t *mac) { return mac[0] & 1; }
static bool zero(const uint8_t *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i]) return false;
    return true;
}

/* ---- the forwarding database ---- */

static unsigned fdb_hash(const uint8_t *mac)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 6; i++)
        h = (h ^ mac[i]) * 16777619u;
    return h & (VFR_FDB_SIZE - 1);
}

#define FDB_PROBE 8

static struct vfr_fdb *fdb_find(struct vfr *v, const uint8_t *mac)
{
    unsigned h = fdb_hash(mac);
    for (unsigned i = 0; i < FDB_PROBE; i++) {
        struct vfr_fdb *e = &v->fdb[(h + i) & (VFR_FDB_SIZE - 1)];
        if (e->port >= 0 && !memcmp(e->mac, mac, 6)) return e;
    }
    return NULL;
}

/* Learn (or pin, fixed) mac on port.  A fixed entry is never moved by
 * learning; a full probe window gives up its oldest learned entry. */
static bool fdb_learn(struct vfr *v, const uint8_t *mac, int port, bool fixed, uint64_t now)
{
    struct vfr_fdb *e = fdb_find(v, mac);
    if (e) {
        if (e->fixed && !fixed) return e->port == port;
        if (fixed && e->fixed && e->port != port) return false;
        e->port = (int16_t)port;
        e->fixed = fixed;
        e->seen_ns = now;
        return true;
    }
    unsigned h = fdb_hash(mac);
    struct vfr_fdb *victim = NULL;
    for (unsigned i = 0; i < FDB_PROBE; i++) {
        struct vfr_fdb *c = &v->fdb[(h + i) & (VFR_FDB_SIZE - 1)];
        if (c->port < 0 || (!c->fixed && now - c->seen_ns > VFR_FDB_AGE_NS)) {
            victim = c;
            break;
        }
        if (!c->fixed && (!victim || c->seen_ns < victim->seen_ns)) victim = c;
    }
    if (!victim) return false;
    memcpy(victim->mac, mac, 6);
    victim->port = (int16_t)port;
    victim->fixed = fixed;
    victim->seen_ns = now;
    return true;
}

/* ---- ports ---- */

static void resolve(const struct vfr *v, struct vfr_ruleset *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        struct vfr_rule *r = &s->r[i];
        r->in_idx = *r->in ? vfr_port_find(v, r->in) : VFR_ANY_PORT;
        r->out_idx = *r->out ? vfr_port_find(v, r->out) : VFR_ANY_PORT;
        if (r->in_idx == -ENOENT) r->in_idx = -2;
        if (r->out_idx == -ENOENT) r->out_idx = -2;
    }
}

int vfr_port_find(const struct vfr *v, const char *name)
{
    for (int i = 0; i < VFR_MAX_PORTS; i++)
        if (v->port[i].used && !strcmp(v->port[i].cfg.name, name)) return i;
    return -ENOENT;
}

int vfr_port_add(struct vfr *v, const struct vfr_port_cfg *cfg, uint64_t now)
{
    size_t nl = strnlen(cfg->name, VFR_NAME);
    if (!nl || nl == VFR_NAME || cfg->n4 > VFR_MAX_PREFIXES || cfg->n6 > VFR_MAX_PREFIXES) return -EINVAL;
    if (cfg->vif && (mcast(cfg->mac) || zero(cfg->mac, 6))) return -EINVAL;
    for (unsigned i = 0; i < cfg->n4; i++)
        if (cfg->ip4[i].family != 4) return -EINVAL;
    for (unsigned i = 0; i < cfg->n6; i++)
        if (cfg->ip6[i].family != 6) return -EINVAL;
    if (vfr_port_find(v, cfg->name) >= 0) return -EEXIST;
    if (cfg->vif) {
        struct vfr_fdb *e = fdb_find(v, cfg->mac);
        if (e && e->fixed) return -EEXIST;
    }
    int idx = -1;
    for (int i = 0; i < VFR_MAX_PORTS && idx < 0; i++)
        if (!v->port[i].used) idx = i;
    if (idx < 0) return -ENOSPC;
    if (cfg->vif && !fdb_learn(v, cfg->mac, idx, true, now))
        return -ENOSPC; /* every slot of its probe window pinned */
    struct vfr_port *p = &v->port[idx];
    memset(p, 0, sizeof(*p));
    p->cfg = *cfg;
    vfr_tb_init(&p->tb_in, &cfg->in, now);
    vfr_tb_init(&p->tb_out, &cfg->out, now);
    vfr_tb_init(&p->tb_icmp, &(struct vfr_limit){ .pkts_per_s = VFR_ICMP_PPS, .burst_pkts = VFR_ICMP_BURST },
                now);
    p->used = true;
    resolve(v, v->rules);
    return idx;
}

void vfr_port_del(struct vfr *v, int port)
{
    if (port < 0 || port >= VFR_MAX_PORTS || !v->port[port].used) return;
    v->port[port].used = false;
    for (unsigned i = 0; i < VFR_FDB_SIZE; i++)
        if (v->fdb[i].port == port) v->fdb[i].port = -1;
    resolve(v, v->rules);
}

/* ---- anti-spoofing ---- */

static bool has_addr(const struct vfr_port_cfg *c, int family, const uint8_t *a)
{
    const struct vfr_prefix *p = family == 4 ? c->ip4 : c->ip6;
    unsigned n = family == 4 ? c->n4 : c->n6;
    for (unsigned i = 0; i < n; i++)
        if (vfr_prefix_has(&p[i], family, a)) return true;
    return false;
}

/* fe80::/64 with the EUI-64 interface id of the vif's MAC. */
static bool own_link_local(const struct vfr_port_cfg *c, const uint8_t *a)
{
    static const uint8_t pre[8] = { 0xfe, 0x80 };
    const uint8_t *m = c->mac;
    uint8_t id[8] = { (uint8_t)(m[0] ^ 2), m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5] };
    return !memcmp(a, pre, 8) && !memcmp(a + 8, id, 8);
}

static bool v6_ok(const struct vfr_port_cfg *c, const uint8_t *a)
{
    return has_addr(c, 6, a) || own_link_local(c, a);
}

static bool spoofed(const struct vfr_port_cfg *c, const struct vfr_pkt *p)
{
    if (memcmp(p->src, c->mac, 6)) return true;
    switch (p->type) {
    case VFR_ETH_ARP:
        if (memcmp(p->arp_sha, c->mac, 6)) return true;
        return !zero(p->arp_spa, 4) && !has_addr(c, 4, p->arp_spa);
    case VFR_ETH_IP4:
        if (zero(p->sip, 4)) /* a DHCP client before it has an address */
            return !(p->proto == 17 && p->ports && p->sport == 68 && p->dport == 67);
        return !has_addr(c, 4, p->sip);
    case VFR_ETH_IP6:
        if (zero(p->sip, 16)) { /* duplicate address detection */
            if (p->proto != 58) return true;
        } else if (!v6_ok(c, p->sip)) {
            return true;
        }
        return p->nd_target && !v6_ok(c, p->nd_tgt);
    }
    return true; /* no other L2 traffic from a guest */
}

/* ---- forwarding ---- */

void vfr_deliver(struct vfr *v, struct vfr_ruleset *rs, int in, int out, const struct vfr_pkt *p,
                 const void *meta, uint64_t now)
{
    struct vfr_port *o = &v->port[out];
    uint8_t act = rs->dflt;
    for (unsigned i = 0; i < rs->n; i++) {
        struct vfr_rule *r = &rs->r[i];
        if (!vfr_rule_matches(r, in, out, p)) continue;
        r->pkts++;
        r->bytes += p->len;
        act = r->action;
        if (act == VFR_LIMIT) {
            if (vfr_tb_take(&r->tb, now, p->len)) {
                act = VFR_ACCEPT;
            } else {
                r->limited++;
                act = VFR_DROP;
            }
        }
        break;
    }
    if (act != VFR_ACCEPT) {
        o->st.drop_rule++;
        return;
    }
    if (vfr_limit_on(&o->cfg.out) && !vfr_tb_take(&o->tb_out, now, p->len)) {
        o->st.drop_rate_out++;
        return;
    }
    if (v->ops.xmit(v->ops.ctx, out, p->f, p->len, meta) < 0) {
        o->st.drop_xmit++;
        return;
    }
    o->st.out_pkts++;
    o->st.out_bytes += p->len;
}

void vfr_input(struct vfr *v, int port, const uint8_t *f, size_t len, const void *meta, uint64_t now)
{
    if (port < 0 || port >= VFR_MAX_PORTS || !v->port[port].used) return;
    struct vfr_port *ip = &v->port[port];
    ip->st.in_pkts++;
    ip->st.in_bytes += len;
    struct vfr_pkt p;
    if (vfr_parse(f, len, &p) || mcast(p.src)) {
        ip->st.drop_malformed++;
        return;
    }
    if (ip->cfg.vif && ip->cfg.antispoof && spoofed(&ip->cfg, &p)) {
        ip->st.drop_spoof++;
        return;
    }
    if (vfr_limit_on(&ip->cfg.in) && !vfr_tb_take(&ip->tb_in, now, len)) {
        ip->st.drop_rate_in++;
        return;
    }
    /* Only a vif with anti-spoofing off, or the NIC, teaches the bridge
     * other MACs; a pinned vif MAC never moves (fdb_learn). */
    if (!ip->cfg.vif || !ip->cfg.antispoof) fdb_learn(v, p.src, port, false, now);
    /* frames for the router (ARP for its addresses, IPv4 to its MAC) */
    if (vfr_route(v, port, &p, meta, now)) return;
    struct vfr_ruleset *rs = __atomic_load_n(&v->rules, __ATOMIC_ACQUIRE);
    struct vfr_fdb *e = mcast(p.dst) ? NULL : fdb_find(v, p.dst);
    if (e && !e->fixed && now - e->seen_ns > VFR_FDB_AGE_NS) e = NULL;
    if (e) {
        if (e->port != port) /* else: the destination is behind the port it came from */
            vfr_deliver(v, rs, port, e->port, &p, meta, now);
        return;
    }
    for (int o = 0; o < VFR_MAX_PORTS; o++)
        if (o != port && v->port[o].used) vfr_deliver(v, rs, port, o, &p, meta, now);
}

struct vfr_ruleset *vfr_rules_replace(struct vfr *v, struct vfr_ruleset *set, uint64_t now)
{
    struct vfr_ruleset *old = v->rules;
    resolve(v, set);
    char a[VFR_RULE_TEXT], b[VFR_RULE_TEXT];
    for (unsigned i = 0; i < set->n; i++) {
        struct vfr_rule *r = &set->r[i];
        vfr_tb_init(&r->tb, &r->limit, now);
        vfr_rule_format(r, a, sizeof(a));
        for (unsigned j = 0; old && j < old->n; j++) {
            vfr_rule_format(&old->r[j], b, sizeof(b));
            if (!strcmp(a, b)) {
                r->pkts = old->r[j].pkts;
                r->bytes = old->r[j].bytes;
                r->limited = old->r[j].limited;
                r->tb = old->r[j].tb;
                break;
            }
        }
    }
    /* Everything of the new set is written before it is published. */
    __atomic_store_n(&v->rules, set, __ATOMIC_RELEASE);
    return old;
}
