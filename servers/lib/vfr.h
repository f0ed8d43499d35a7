/*
 * The virtual firewall-router (VFR): the switch every virtual interface and
 * the physical NIC attach to, as ports.  It is a library with no I/O of its
 * own: the owner (netback) hands it each frame a port received (vfr_input)
 * and it calls the owner's xmit for each port the frame goes out of.
 *
 * Per frame, in this order:
 *   1. parse (Ethernet, ARP, IPv4, IPv6 with extension headers, TCP/UDP/SCTP
 *      ports); a frame whose headers contradict its length is dropped;
 *   2. anti-spoofing on the ingress port (on by default for a vif): the
 *      Ethernet source must be the vif's MAC; only ARP, IPv4 and IPv6 are
 *      allowed; IPv4 sources must be inside the vif's configured prefixes
 *      (0.0.0.0 only for a DHCP client request); ARP's sender hardware
 *      address must be the MAC and its sender IP a configured address (or
 *      0.0.0.0, a probe); IPv6 sources must be configured, the vif's EUI-64
 *      link-local address, or :: for duplicate address detection (ICMPv6),
 *      and a neighbour advertisement's target must be an address the vif
 *      may use;
 *   3. the ingress port's token bucket (what the guest sends);
 *   3a. L3 routing when router addresses are set (vfr_route.c, below):
 *      ARP for the router and IPv4 frames to its MAC end here (a routed
 *      frame goes on to 5 for its next hop's port);
 *   4. L2 forwarding: a learning bridge (vif MACs are static entries nobody
 *      can take over; others are learned from frames that passed 2 and age
 *      out); unknown, broadcast and multicast destinations flood;
 *   5. per output port: the ordered rules, first match wins (accept, drop,
 *      or limit: a token bucket of the rule's own; what it lets through is
 *      accepted), else the rule set's default; then the output port's
 *      token bucket (what the guest receives); then xmit.
 * Counters: per port (in/out packets and bytes, drops by reason) and per
 * rule (matched packets and bytes, packets a limit dropped).
 *
 * Rule sets are immutable once built: a change builds a new set and
 * replaces the old one with one pointer store (vfr_rules_replace), so no
 * frame sees half a rule set.  Counters of rules that appear in both sets
 * (same canonical text) carry over.  Rules are text (vfr_rule_parse /
 * vfr_rule_format, the syntax in docs/netback.md) so the control plane and
 * the persistent copy (vfr_store.c) use one form.
 *
 * Time is the caller's (nanoseconds, monotonic) so tests are deterministic.
 */
#ifndef TESSERA_VFR_H
#define TESSERA_VFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VFR_MAX_PORTS    64
#define VFR_MAX_PREFIXES 8 /* configured addresses per family per vif */
#define VFR_MAX_RULES    256
#define VFR_NAME         16 /* port names: "vif5.0", "nic" */
#define VFR_RULE_TEXT    256
#define VFR_FDB_SIZE     1024 /* learned MACs (power of two) */
#define VFR_FDB_AGE_NS   (300ull * 1000000000ull)
#define VFR_ANY_PORT     (-1)

/* A rate: 0 means no limit in that unit.  Bursts of 0 get a default of
 * 1/20 s of the rate (at least one 64 KiB frame, or 16 packets). */
struct vfr_limit {
    uint64_t bytes_per_s, pkts_per_s;
    uint64_t burst_bytes, burst_pkts;
};

/* A token bucket in bytes and packets (scaled by 1e9 so refills are exact
 * in integers).  A frame passes when both buckets hold enough, or when a
 * bucket is full (a frame larger than the burst would otherwise never
 * pass); a bucket may then go into debt, so the long-run rate holds. */
struct vfr_tb {
    struct vfr_limit lim;
    int64_t tok_b, tok_p;
    uint64_t last_ns;
};
void vfr_tb_init(struct vfr_tb *t, const struct vfr_limit *lim, uint64_t now_ns);
bool vfr_tb_take(struct vfr_tb *t, uint64_t now_ns, size_t bytes);
static inline bool vfr_limit_on(const struct vfr_limit *l) { return l->bytes_per_s || l->pkts_per_s; }

/* An address prefix (family 4 or 6). */
struct vfr_prefix {
    uint8_t family, len;
    uint8_t a[16];
};
bool vfr_prefix_has(const struct vfr_prefix *p, int family, const uint8_t *addr);
/* "10.0.0.2", "10.0.0.0/24", "fd00::1/64".  0 or -EINVAL. */
int vfr_prefix_parse(const char *s, struct vfr_prefix *p);
int vfr_mac_parse(const char *s, uint8_t mac[6]);

/* What parsing a frame found. */
struct vfr_pkt {
    const uint8_t *f;
    size_t len;
    const uint8_t *dst, *src;
    uint16_t type;  /* ethertype */
    uint8_t family; /* 4 or 6 for IP, 0 otherwise */
    size_t l3end;   /* IP: where the packet ends (padding follows) */
    size_t l4off;   /* IP: where the L4 header starts (0: not reached) */
    uint8_t proto;  /* IP protocol (after IPv6 extension headers) */
    bool ports;     /* sport/dport valid (not a later fragment) */
    uint16_t sport, dport;
    uint8_t sip[16], dip[16]; /* IPv4 in the first 4 bytes */
    /* ARP (Ethernet/IPv4 only) */
    uint16_t arp_op;
    uint8_t arp_sha[6], arp_spa[4], arp_tpa[4];
    /* ICMP / ICMPv6 */
    uint8_t icmp_type;
    bool nd_target; /* an ICMPv6 neighbour advertisement */
    uint8_t nd_tgt[16];
};
#define VFR_ETH_ARP 0x0806
#define VFR_ETH_IP4 0x0800
#define VFR_ETH_IP6 0x86dd
/* 0, or -EINVAL when the frame's headers are malformed. */
int vfr_parse(const uint8_t *f, size_t len, struct vfr_pkt *p);
/* The Internet checksum (RFC 1071): vfr_sum16 adds n bytes as big-endian
 * 16-bit words to s; vfr_fold folds the carries (complement it to store). */
uint32_t vfr_sum16(uint32_t s, const uint8_t *p, size_t n);
uint16_t vfr_fold(uint32_t s);

enum { VFR_ACCEPT, VFR_DROP, VFR_LIMIT };
enum { VFR_L3_ANY, VFR_L3_ARP, VFR_L3_IP4, VFR_L3_IP6 };

struct vfr_rule {
    /* match */
    char in[VFR_NAME], out[VFR_NAME]; /* "" = any port */
    bool has_smac, has_dmac;
    uint8_t smac[6], dmac[6];
    uint8_t l3; /* VFR_L3_* */
    bool has_src, has_dst;
    struct vfr_prefix src, dst; /* for ARP: sender/target IPv4 */
    int proto;                  /* -1 any */
    bool has_sport, has_dport;
    uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
    /* action */
    uint8_t action;
    struct vfr_limit limit;
    /* state: resolved ports (VFR_ANY_PORT, or -2 for a name no port has),
     * the limit's bucket, counters */
    int in_idx, out_idx;
    struct vfr_tb tb;
    uint64_t pkts, bytes, limited;
};

struct vfr_ruleset {
    uint8_t dflt; /* VFR_ACCEPT or VFR_DROP */
    unsigned n;
    struct vfr_rule r[];
};

/* One rule from text.  0, or -EINVAL with a reason in err. */
int vfr_rule_parse(const char *text, struct vfr_rule *r, char *err, size_t errlen);
/* The canonical text (what parse reads back to the same rule). */
void vfr_rule_format(const struct vfr_rule *r, char *buf, size_t len);
/* A set from n rules (copied).  NULL if out of memory or n too large. */
struct vfr_ruleset *vfr_ruleset_new(uint8_t dflt, const struct vfr_rule *rules, unsigned n);
bool vfr_rule_matches(const struct vfr_rule *r, int in, int out, const struct vfr_pkt *p);

struct vfr_port_cfg {
    char name[VFR_NAME];
    bool vif;       /* a guest's interface (else the NIC) */
    bool antispoof; /* vifs: on unless the control plane says */
    uint8_t mac[6];
    unsigned n4, n6;
    struct vfr_prefix ip4[VFR_MAX_PREFIXES], ip6[VFR_MAX_PREFIXES];
    struct vfr_limit in, out; /* in: what the port sends to the VFR */
};

struct vfr_port_stats {
    uint64_t in_pkts, in_bytes, out_pkts, out_bytes;
    uint64_t drop_malformed, drop_spoof, drop_rate_in, drop_rule, drop_rate_out, drop_xmit;
    /* routing (frames to the router's MAC): TTL ran out, no route or
     * next hop (yet), forwarded; ICMP errors sent back for this port's
     * frames (time exceeded, destination unreachable) */
    uint64_t drop_ttl, drop_noroute, routed, icmp_sent;
};

struct vfr_port {
    bool used;
    struct vfr_port_cfg cfg;
    struct vfr_tb tb_in, tb_out;
    struct vfr_tb tb_icmp; /* the router's ICMP errors about this port's frames */
    struct vfr_port_stats st;
};

struct vfr_fdb {
    uint8_t mac[6];
    int16_t port; /* -1 free */
    bool fixed;   /* a vif's own MAC */
    uint64_t seen_ns;
};

struct vfr_ops {
    /* Send a frame out of a port; meta is what vfr_input got.  0, or
     * <0 when the port could not take it (counted as drop_xmit). */
    int (*xmit)(void *ctx, int port, const uint8_t *f, size_t len, const void *meta);
    void *ctx;
};

/* L3 routing (vfr_route.c), off until a router address is added: the
 * VFR owns one IPv4 address per routed subnet (ip/len), answers ARP for
 * it with router_mac (fe:ff:ff:ff:ff:ff, the MAC Xen's netback gives its
 * side of a vif), learns the ARP senders of routed subnets, and forwards
 * an IPv4 frame sent to router_mac into the subnet of its destination:
 * TTL decremented (a frame with TTL 1 or 0 is dropped, drop_ttl), the
 * header checksum updated, the MACs rewritten, then the rules and the
 * output port's limit as for any frame (in = the port it came from, out =
 * the next hop's).  A next hop not yet in the ARP cache costs the frame
 * (drop_noroute) and sends an ARP request from the router.  The router
 * owes the sender an ICMP error (RFC 792/1812) for a frame whose TTL runs
 * out (time exceeded) and for a destination no routed subnet holds
 * (network unreachable), sent from its address in the sender's subnet
 * back to the sender's MAC, quoting the IP header and 8 bytes; none about
 * an ICMP error, a later fragment, or a source or destination that is not
 * one host; at most VFR_ICMP_PPS a second per input port (burst
 * VFR_ICMP_BURST), so a guest cannot make the router flood. */
#define VFR_ICMP_PPS   10
#define VFR_ICMP_BURST 10
#define VFR_MAX_GW     8
#define VFR_ARP_SIZE   64
struct vfr_gw {
    bool used;
    uint8_t ip[4], len;
};
struct vfr_arp {
    bool used;
    uint8_t ip[4], mac[6];
    int16_t port;
    uint64_t seen_ns;
};

struct vfr {
    struct vfr_ops ops;
    struct vfr_ruleset *rules; /* replaced with one pointer store */
    struct vfr_port port[VFR_MAX_PORTS];
    struct vfr_fdb fdb[VFR_FDB_SIZE];
    uint8_t router_mac[6];
    struct vfr_gw gw[VFR_MAX_GW];
    struct vfr_arp arp[VFR_ARP_SIZE];
    uint8_t rbuf[65536]; /* a routed frame being rewritten */
};

/* A router address "10.0.0.254/24": 0, -EINVAL (not ADDR/1-30, or the
 * subnet's own or broadcast address), -EEXIST (overlaps a routed subnet),
 * -ENOSPC.  vfr_gw_insert does it on any table of VFR_MAX_GW. */
int vfr_gw_add(struct vfr *v, const char *text);
int vfr_gw_insert(struct vfr_gw *gw, const char *text);
/* The table as "10.0.0.254/24 10.0.1.254/24" ("" when empty). */
void vfr_gw_text(const struct vfr_gw *gw, char *buf, size_t len);
/* 0 or -EINVAL/-ENOENT. */
int vfr_gw_del(struct vfr *v, const char *addr);
/* vfr_input's routing step: true when the frame was the router's (an ARP
 * for or to it, an IPv4 frame to router_mac), handled here. */
bool vfr_route(struct vfr *v, int port, const struct vfr_pkt *p, const void *meta, uint64_t now);
/* The rules, the output port's limit and xmit for one output port. */
struct vfr_ruleset;
void vfr_deliver(struct vfr *v, struct vfr_ruleset *rs, int in, int out, const struct vfr_pkt *p,
                 const void *meta, uint64_t now);

/* Start with no ports and an empty accept-all rule set.  0 or -ENOMEM. */
int vfr_init(struct vfr *v, const struct vfr_ops *ops);
void vfr_fini(struct vfr *v);
/* Add a port: its index, or -EINVAL (bad config), -EEXIST (name or vif
 * MAC taken), -ENOSPC. */
int vfr_port_add(struct vfr *v, const struct vfr_port_cfg *cfg, uint64_t now_ns);
void vfr_port_del(struct vfr *v, int port);
int vfr_port_find(const struct vfr *v, const char *name);
/* A frame port received. */
void vfr_input(struct vfr *v, int port, const uint8_t *f, size_t len, const void *meta, uint64_t now_ns);
/* Install a new set (ports resolved, counters of identical rules carried
 * over); returns the old set for the caller to free. */
struct vfr_ruleset *vfr_rules_replace(struct vfr *v, struct vfr_ruleset *set, uint64_t now_ns);

/* The control plane's commands (netback's console): "rules", "add [POS]
 * RULE", "del N", "default accept|drop", "ports", "counters".  The reply
 * goes to out.  Returns 1 when the rule set changed (persist it), 0 when
 * not, -EINVAL for a bad command (out says why). */
int vfr_command(struct vfr *v, const char *line, char *out, size_t outlen, uint64_t now_ns);

/* Persistence in xenstore under dir (e.g. /local/domain/<self>/vfr):
 * dir/set-<gen>/default and dir/set-<gen>/<i> hold a set, dir/set-<gen>/routes
 * the router addresses (vfr_gw_text), and dir/current names the generation
 * in use; a save writes the new generation first and then switches current
 * with one write, so a restart finds the old or the new state, never a mix. */
struct xsc;
int vfr_store_save(struct xsc *xs, const char *dir, const struct vfr_ruleset *set, const struct vfr_gw *gw);
/* The saved set (and its router addresses in gw, all unused when none were
 * saved), or NULL with *rc = 0 when none was saved, or NULL with *rc < 0
 * and err = "path: reason" when it cannot be read back (gw then untouched). */
struct vfr_ruleset *vfr_store_load(struct xsc *xs, const char *dir, int *rc, char *err, size_t errlen,
                                   struct vfr_gw *gw);

#endif
