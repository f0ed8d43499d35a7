/* The VFR library: frame parsing (malformed headers refused), prefixes and
 * MACs, token buckets, rule text (round trip and every refusal), the
 * learning bridge, anti-spoofing, rules and their counters, rate limits in
 * both directions, atomic replacement through commands. */
#include "t.h"
#include "frames.h"
#include "vfr.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MS  1000000ull
#define SEC 1000000000ull

static const uint8_t MA[6] = { 0x00, 0x16, 0x3e, 0, 0, 1 }, MB[6] = { 0x00, 0x16, 0x3e, 0, 0, 2 },
                     MX[6] = { 0x52, 0x54, 0, 0, 0, 9 }, BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t IA[4] = { 10, 0, 0, 1 }, IB[4] = { 10, 0, 0, 2 }, IX[4] = { 10, 0, 0, 9 }, I0[4] = { 0 },
                     IBC[4] = { 255, 255, 255, 255 };

/* The fake owner: what was sent out of which port. */
static struct {
    int port;
    size_t len;
} sent[64];
static unsigned nsent;
static bool fail_xmit;
static uint8_t last[2048]; /* the last frame sent */
static int xmit(void *ctx, int port, const uint8_t *f, size_t len, const void *meta)
{
    (void)ctx, (void)f, (void)meta;
    if (fail_xmit) return -1;
    if (nsent < 64) sent[nsent].port = port, sent[nsent].len = len;
    nsent++;
    memcpy(last, f, len < sizeof(last) ? len : sizeof(last));
    return 0;
}
/* Ports a frame went out of, as a bit mask. */
static unsigned outs(void)
{
    unsigned m = 0;
    for (unsigned i = 0; i < nsent && i < 64; i++)
        m |= 1u << sent[i].port;
    return m;
}

static uint8_t f[2048];

static void test_parse(void)
{
    struct vfr_pkt p;
    size_t n = fr_ip4(f, MB, MA, IA, IB, 6, 1234, 80, 0);
    CHECK(vfr_parse(f, n, &p) == 0 && p.family == 4 && p.proto == 6 && p.ports && p.sport == 1234 &&
              p.dport == 80,
          "parse: IPv4 TCP ports 1234 -> 80");
    CHECK(vfr_parse(f, 13, &p) == -EINVAL, "parse: a 13-byte frame is refused");
    CHECK(vfr_parse(f, 14 + 19, &p) == -EINVAL, "parse: IPv4 header cut short refused");
    f[14] = 0x44;
    CHECK(vfr_parse(f, n, &p) == -EINVAL, "parse: IPv4 IHL 4 refused");
    f[14] = 0x4f;
    CHECK(vfr_parse(f, n, &p) == -EINVAL, "parse: IPv4 IHL 15 past the total length refused");
    f[14] = 0x45;
    f[17] = 200;
    CHECK(vfr_parse(f, n, &p) == -EINVAL, "parse: IPv4 total length past the frame refused");
    f[17] = 28;
    f[14] = 0x65;
    CHECK(vfr_parse(f, n, &p) == -EINVAL, "parse: version 6 in an IPv4 ethertype refused");
    f[14] = 0x45;
    f[20] = 0x00, f[21] = 0x10; /* fragment offset 16 */
    f[14 + 6] = 0x00, f[14 + 7] = 0x10;
    CHECK(vfr_parse(f, n, &p) == 0 && !p.ports, "parse: a later IPv4 fragment has no ports");
    CHECK(vfr_parse(f, n + 30, &p) == 0, "parse: Ethernet padding after the IPv4 packet is fine");

    uint8_t s6[16] = { 0xfd, 0, [15] = 1 }, d6[16] = { 0xfd, 0, [15] = 2 };
    n = fr_ip6(f, MB, MA, s6, d6, 17, 53, 5353, 8);
    CHECK(vfr_parse(f, n, &p) == 0 && p.family == 6 && p.proto == 17 && p.sport == 53 && p.dport == 5353,
          "parse: IPv6 UDP ports");
    /* a hop-by-hop header in front of UDP */
    uint8_t *h = f + 14;
    memmove(h + 48, h + 40, 8);
    memset(h + 40, 0, 8);
    h[40] = 17, h[41] = 0, h[6] = 0, h[5] = 16;
    n += 8;
    CHECK(vfr_parse(f, n, &p) == 0 && p.proto == 17 && p.dport == 5353, "parse: IPv6 hop-by-hop then UDP");
    h[41] = 3; /* 32 bytes: past the payload */
    CHECK(vfr_parse(f, n, &p) == -EINVAL, "parse: IPv6 extension header past the payload refused");
    /* nine destination-options headers: a chain longer than 8 */
    n = fr_ip6(f, MB, MA, s6, d6, 60, 0, 0, 72);
    for (int i = 0; i < 9; i++)
        h[40 + i * 8] = 60;
    CHECK(vfr_parse(f, n, &p) == -EINVAL, "parse: 9 IPv6 extension headers refused");
    n = fr_ip6(f, MB, MA, s6, d6, 17, 1, 2, 8);
    h[5] = 200;
    CHECK(vfr_parse(f, n, &p) == -EINVAL, "parse: IPv6 payload length past the frame refused");
    n = fr_arp(f, BC, MA, 1, MA, IA, IB);
    CHECK(vfr_parse(f, n, &p) == 0 && p.arp_op == 1 && !memcmp(p.arp_spa, IA, 4) && !memcmp(p.arp_tpa, IB, 4),
          "parse: ARP request");
    f[14 + 4] = 8;
    CHECK(vfr_parse(f, n, &p) == -EINVAL, "parse: ARP with 8-byte hardware addresses refused");
    CHECK(vfr_parse(f, n - 1, &p) == -EINVAL, "parse: ARP cut short refused");
}

static void test_addr(void)
{
    struct vfr_prefix p;
    uint8_t a[16];
    CHECK(vfr_prefix_parse("10.1.0.0/16", &p) == 0 && p.family == 4 && p.len == 16, "prefix 10.1.0.0/16");
    memcpy(a, (uint8_t[]){ 10, 1, 200, 3 }, 4);
    CHECK(vfr_prefix_has(&p, 4, a), "10.1.200.3 in 10.1.0.0/16");
    a[1] = 2;
    CHECK(!vfr_prefix_has(&p, 4, a), "10.2.200.3 not in 10.1.0.0/16");
    CHECK(vfr_prefix_parse("10.0.0.7", &p) == 0 && p.len == 32, "a bare IPv4 address is a /32");
    CHECK(vfr_prefix_parse("0.0.0.0/0", &p) == 0 && vfr_prefix_has(&p, 4, a) && !vfr_prefix_has(&p, 6, a),
          "0.0.0.0/0 holds every IPv4 address and no IPv6 one");
    CHECK(vfr_prefix_parse("fd00:1::/33", &p) == 0 && p.family == 6 && p.len == 33, "prefix fd00:1::/33");
    CHECK(vfr_prefix_parse("10.0.0.1/24", &p) == -EINVAL, "prefix with host bits set refused");
    CHECK(vfr_prefix_parse("10.0.0.0/33", &p) == -EINVAL, "prefix /33 refused");
    CHECK(vfr_prefix_parse("10.0.0.0/", &p) == -EINVAL, "prefix with an empty length refused");
    CHECK(vfr_prefix_parse("10.0.0.0/-1", &p) == -EINVAL, "prefix /-1 refused");
    CHECK(vfr_prefix_parse("10.0.0", &p) == -EINVAL, "three-part address refused");
    CHECK(vfr_prefix_parse("", &p) == -EINVAL, "empty prefix refused");
    uint8_t m[6];
    CHECK(vfr_mac_parse("00:16:3E:0a:0b:0c", m) == 0 && m[2] == 0x3e && m[5] == 0x0c, "MAC parse");
    CHECK(vfr_mac_parse("00:16:3e:0a:0b", m) == -EINVAL && vfr_mac_parse("00:16:3e:0a:0b:0g", m) == -EINVAL &&
              vfr_mac_parse("00-16-3e-0a-0b-0c", m) == -EINVAL &&
              vfr_mac_parse(" 0:16:3e:0a:0b:0c", m) == -EINVAL,
          "MAC parse refuses short, non-hex, dashes, spaces");
}

static void test_tb(void)
{
    struct vfr_tb t;
    vfr_tb_init(&t, &(struct vfr_limit){ .bytes_per_s = 1000, .burst_bytes = 1000 }, 0);
    CHECK(vfr_tb_take(&t, 0, 1000) && !vfr_tb_take(&t, 0, 1), "bucket 1000 B/s: the burst, then nothing");
    CHECK(!vfr_tb_take(&t, 499 * MS, 500) && vfr_tb_take(&t, 500 * MS, 1) && vfr_tb_take(&t, 500 * MS, 499) &&
              !vfr_tb_take(&t, 500 * MS, 1),
          "bucket refills 500 bytes in 0.5 s, not in 0.499 s");
    vfr_tb_init(&t, &(struct vfr_limit){ .bytes_per_s = 1000, .burst_bytes = 1000 }, 0);
    CHECK(vfr_tb_take(&t, 0, 3000), "a frame larger than the burst passes a full bucket");
    CHECK(!vfr_tb_take(&t, SEC, 1) && vfr_tb_take(&t, 2500 * MS, 500) && !vfr_tb_take(&t, 2500 * MS, 1),
          "... and leaves a debt: nothing at 1 s, 500 bytes at 2.5 s");
    vfr_tb_init(&t, &(struct vfr_limit){ .pkts_per_s = 10, .burst_pkts = 2 }, 0);
    CHECK(vfr_tb_take(&t, 0, 9000) && vfr_tb_take(&t, 0, 9000) && !vfr_tb_take(&t, 0, 1) &&
              vfr_tb_take(&t, 100 * MS, 1) && !vfr_tb_take(&t, 100 * MS, 1),
          "bucket 10 p/s, burst 2: two, then one per 100 ms");
    /* the long-run rate: 100-byte frames every ms for 10 s at 10000 B/s */
    vfr_tb_init(&t, &(struct vfr_limit){ .bytes_per_s = 10000, .burst_bytes = 1000 }, 0);
    uint64_t ok = 0;
    for (uint64_t ms = 0; ms < 10000; ms++)
        ok += vfr_tb_take(&t, ms * MS, 100) ? 100 : 0;
    CHECK(ok == 10000 * 10 - 100 + 1000,
          "10 s at 10000 B/s with a 1000-byte burst passes %llu bytes (want 100900)", (unsigned long long)ok);
    vfr_tb_init(&t, &(struct vfr_limit){ .bytes_per_s = 1ull << 40 }, 0);
    CHECK(vfr_tb_take(&t, UINT64_MAX / 2, 1000) && t.lim.bytes_per_s == 1ull << 32,
          "huge rates are capped and a huge clock jump does not overflow");
    vfr_tb_init(&t, &(struct vfr_limit){ .bytes_per_s = 100000 }, 0);
    CHECK(t.lim.burst_bytes == 65536, "default byte burst: at least one 64 KiB frame");
}

static void roundtrip(const char *in, const char *want)
{
    struct vfr_rule r, r2;
    char err[128] = "", out[VFR_RULE_TEXT] = "", out2[VFR_RULE_TEXT] = "";
    int rc = vfr_rule_parse(in, &r, err, sizeof(err));
    if (!rc) vfr_rule_format(&r, out, sizeof(out));
    int rc2 = rc ? rc : vfr_rule_parse(out, &r2, err, sizeof(err));
    if (!rc2) vfr_rule_format(&r2, out2, sizeof(out2));
    CHECK(rc == 0 && rc2 == 0 && !strcmp(out, want) && !strcmp(out2, want),
          "rule '%s' reads as '%s' (got '%s' %s)", in, want, out, err);
}

static void refused(const char *in, const char *why)
{
    struct vfr_rule r;
    char err[128] = "";
    int rc = vfr_rule_parse(in, &r, err, sizeof(err));
    CHECK(rc == -EINVAL && strstr(err, why), "rule '%.60s' refused: %s (got %d '%s')", in, why, rc, err);
}

static void test_rule_text(void)
{
    roundtrip("drop", "drop");
    roundtrip("  in=vif1.0   proto=tcp dport=22 drop ", "in=vif1.0 proto=tcp dport=22 drop");
    roundtrip("accept dst=10.0.0.0/8 src=10.1.2.3 out=nic proto=udp sport=1000-2000",
              "out=nic ip4 src=10.1.2.3/32 dst=10.0.0.0/8 proto=udp sport=1000-2000 accept");
    roundtrip("arp src=10.0.0.1 smac=00:16:3E:00:00:01 accept",
              "smac=00:16:3e:00:00:01 arp src=10.0.0.1/32 accept");
    roundtrip("dst=fd00::/16 proto=icmp6 limit pps=5", "ip6 dst=fd00::/16 proto=icmp6 limit pps=5");
    roundtrip("limit bps=1000 burst=3000 pburst=4 pps=9 dmac=ff:ff:ff:ff:ff:ff proto=47",
              "dmac=ff:ff:ff:ff:ff:ff proto=47 limit bps=1000 pps=9 burst=3000 pburst=4");
    refused("", "no action");
    refused("in=vif1.0", "no action");
    refused("accept drop", "more than one action");
    refused("arp ip4 drop", "more than one of");
    refused("frobnicate drop", "unknown word");
    refused("colour=red drop", "unknown key");
    refused("in= drop", "port name");
    refused("in=abcdefghijklmnop drop", "port name");
    refused("in=a in=b drop", "in given twice");
    refused("smac=00:16:3e:00:00 drop", "not a MAC");
    refused("src=10.0.0.1/24 drop", "not an address or prefix");
    refused("src=10.0.0.1 src=10.0.0.2 drop", "src given twice");
    refused("ip6 src=10.0.0.1 drop", "IPv4 prefix in a rule for ip6");
    refused("arp dst=fd00::1 drop", "IPv6 prefix in a rule for arp");
    refused("src=10.0.0.1 dst=fd00::1 drop", "IPv6 prefix in a rule for ip4");
    refused("proto=gre drop", "proto:");
    refused("proto=256 drop", "proto:");
    refused("proto=tcp proto=udp drop", "proto given twice");
    refused("arp proto=tcp drop", "proto does not go with arp");
    refused("dport=80 drop", "need proto tcp");
    refused("proto=icmp dport=80 drop", "need proto tcp");
    refused("proto=tcp dport=90-80 drop", "not a port or LOW-HIGH");
    refused("proto=tcp dport=65536 drop", "not a port or LOW-HIGH");
    refused("proto=tcp sport=1- drop", "not a port or LOW-HIGH");
    refused("proto=tcp sport=+1 drop", "not a port or LOW-HIGH");
    refused("limit", "limit needs bps= or pps=");
    refused("limit bps=0", "not a number");
    refused("limit bps=4294967297", "not a number");
    refused("limit bps=1 bps=2", "bps given twice");
    refused("accept pps=3", "only go with limit");
    char longr[400];
    memset(longr, 'a', sizeof(longr) - 1);
    longr[sizeof(longr) - 1] = 0;
    refused(longr, "longer than");
}

static struct vfr V;
static int pa, pb, pn;

static void port_cfg(struct vfr_port_cfg *c, const char *name, const uint8_t *mac, const char *ip4,
                     const char *ip6)
{
    memset(c, 0, sizeof(*c));
    strcpy(c->name, name);
    c->vif = mac != NULL;
    c->antispoof = true;
    if (mac) memcpy(c->mac, mac, 6);
    if (ip4) vfr_prefix_parse(ip4, &c->ip4[c->n4++]);
    if (ip6) vfr_prefix_parse(ip6, &c->ip6[c->n6++]);
}

static void setup(void)
{
    vfr_fini(&V);
    vfr_init(&V, &(struct vfr_ops){ xmit, NULL });
    struct vfr_port_cfg c;
    port_cfg(&c, "vif1.0", MA, "10.0.0.1", "fd00::1");
    pa = vfr_port_add(&V, &c, 0);
    port_cfg(&c, "vif2.0", MB, "10.0.0.2", NULL);
    pb = vfr_port_add(&V, &c, 0);
    port_cfg(&c, "nic", NULL, NULL, NULL);
    pn = vfr_port_add(&V, &c, 0);
    nsent = 0;
    fail_xmit = false;
}

static unsigned send(int port, size_t n, uint64_t now)
{
    nsent = 0;
    vfr_input(&V, port, f, n, NULL, now);
    return outs();
}

static void test_bridge(void)
{
    setup();
    CHECK(pa == 0 && pb == 1 && pn == 2, "three ports: two vifs and the NIC");
    struct vfr_port_cfg c;
    port_cfg(&c, "vif1.0", MX, NULL, NULL);
    CHECK(vfr_port_add(&V, &c, 0) == -EEXIST, "a second port named vif1.0 refused");
    port_cfg(&c, "vif3.0", MA, NULL, NULL);
    CHECK(vfr_port_add(&V, &c, 0) == -EEXIST, "a vif with another vif's MAC refused");
    port_cfg(&c, "vif3.0", BC, NULL, NULL);
    CHECK(vfr_port_add(&V, &c, 0) == -EINVAL, "a vif with a multicast MAC refused");
    port_cfg(&c, "", MX, NULL, NULL);
    CHECK(vfr_port_add(&V, &c, 0) == -EINVAL, "a port without a name refused");
    port_cfg(&c, "vif3.0", MX, NULL, NULL);
    c.ip4[0].family = 6, c.n4 = 1;
    CHECK(vfr_port_add(&V, &c, 0) == -EINVAL, "an IPv6 prefix among the IPv4 ones refused");
    c.n4 = VFR_MAX_PREFIXES + 1;
    CHECK(vfr_port_add(&V, &c, 0) == -EINVAL, "too many prefixes refused");

    size_t n = fr_arp(f, BC, MA, 1, MA, IA, IB);
    CHECK(send(pa, n, 0) == (1u << pb | 1u << pn) && nsent == 2,
          "ARP broadcast from vif1.0 floods to vif2.0 and nic");
    n = fr_ip4(f, MB, MA, IA, IB, 6, 1000, 80, 100);
    CHECK(send(pa, n, 0) == 1u << pb && nsent == 1 && sent[0].len == n,
          "unicast to vif2.0's MAC goes to vif2.0 only");
    n = fr_ip4(f, MX, MA, IA, IX, 6, 1000, 80, 0);
    CHECK(send(pa, n, 0) == (1u << pb | 1u << pn), "unknown unicast floods");
    n = fr_ip4(f, MA, MX, IX, IA, 6, 80, 1000, 0);
    CHECK(send(pn, n, 0) == 1u << pa, "from the NIC to vif1.0's MAC");
    n = fr_ip4(f, MX, MA, IA, IX, 6, 1000, 80, 0);
    CHECK(send(pa, n, 0) == 1u << pn, "the NIC's learned MAC: vif1.0 -> nic only");
    n = fr_ip4(f, MX, MX, IX, IX, 6, 1, 2, 0);
    CHECK(send(pn, n, 0) == 0, "a frame for a MAC behind its own port goes nowhere");
    /* the NIC claims vif2.0's MAC: the static entry stays */
    n = fr_ip4(f, BC, MB, IB, IBC, 17, 1, 2, 0);
    send(pn, n, 0);
    n = fr_ip4(f, MB, MA, IA, IB, 6, 1000, 80, 0);
    CHECK(send(pa, n, 0) == 1u << pb, "a vif's MAC seen on the NIC does not move it");
    /* aging */
    n = fr_ip4(f, MX, MA, IA, IX, 6, 1000, 80, 0);
    CHECK(send(pa, n, VFR_FDB_AGE_NS + 1) == (1u << pb | 1u << pn), "a learned MAC ages out after 300 s");
    vfr_port_del(&V, pn);
    CHECK(send(pa, n, VFR_FDB_AGE_NS + 1) == 1u << pb, "a deleted port gets nothing");
    struct vfr_port_cfg nc;
    port_cfg(&nc, "nic", NULL, NULL, NULL);
    pn = vfr_port_add(&V, &nc, 0);
    fail_xmit = true;
    n = fr_ip4(f, MB, MA, IA, IB, 6, 1000, 80, 0);
    send(pa, n, 0);
    CHECK(V.port[pb].st.drop_xmit == 1 && V.port[pb].st.out_pkts == 7,
          "a port that cannot take a frame: drop_xmit");
    fail_xmit = false;
    CHECK(V.port[pa].st.in_pkts == 8 && V.port[pb].st.out_pkts == 7,
          "per-port counters: vif1.0 in 8, vif2.0 out 7 (%llu %llu)",
          (unsigned long long)V.port[pa].st.in_pkts, (unsigned long long)V.port[pb].st.out_pkts);
}

/* Sends frame f (n bytes) from vif1.0: true when it was forwarded, and the
 * spoof counter moved by exactly want_spoof. */
static bool passes(size_t n, bool want)
{
    uint64_t sp = V.port[pa].st.drop_spoof;
    unsigned o = send(pa, n, 0);
    return want ? (o != 0 && V.port[pa].st.drop_spoof == sp) : (o == 0 && V.port[pa].st.drop_spoof == sp + 1);
}

static void test_spoof(void)
{
    setup();
    uint8_t s6[16] = { 0xfd, [15] = 1 }, x6[16] = { 0xfd, [15] = 9 }, d6[16] = { 0xff, 2, [15] = 1 };
    uint8_t ll[16] = { 0xfe, 0x80, [8] = 0x02, 0x16, 0x3e, 0xff, 0xfe, 0, 0, 1 }, z6[16] = { 0 };
    CHECK(passes(fr_ip4(f, MB, MA, IA, IB, 6, 1, 2, 0), true), "spoof: own MAC and IP pass");
    CHECK(passes(fr_ip4(f, MB, MB, IA, IB, 6, 1, 2, 0), false), "spoof: another vif's source MAC dropped");
    CHECK(passes(fr_ip4(f, MB, MA, IX, IB, 6, 1, 2, 0), false), "spoof: a foreign source IPv4 dropped");
    CHECK(passes(fr_ip4(f, BC, MA, I0, IBC, 17, 68, 67, 0), true), "spoof: DHCP request from 0.0.0.0 passes");
    CHECK(passes(fr_ip4(f, BC, MA, I0, IBC, 6, 68, 67, 0), false), "spoof: TCP from 0.0.0.0 dropped");
    CHECK(passes(fr_arp(f, BC, MA, 1, MA, IA, IB), true), "spoof: own ARP request passes");
    CHECK(passes(fr_arp(f, BC, MA, 2, MB, IA, IB), false), "spoof: ARP with another sender MAC dropped");
    CHECK(passes(fr_arp(f, BC, MA, 2, MA, IB, IB), false), "spoof: ARP claiming another guest's IP dropped");
    CHECK(passes(fr_arp(f, BC, MA, 1, MA, I0, IB), true), "spoof: ARP probe (sender 0.0.0.0) passes");
    CHECK(passes(fr_ip6(f, MB, MA, s6, d6, 17, 1, 2, 8), true), "spoof: configured IPv6 source passes");
    CHECK(passes(fr_ip6(f, MB, MA, ll, d6, 17, 1, 2, 8), true), "spoof: own EUI-64 link-local source passes");
    ll[15] = 2;
    CHECK(passes(fr_ip6(f, MB, MA, ll, d6, 17, 1, 2, 8), false), "spoof: another link-local source dropped");
    CHECK(passes(fr_ip6(f, MB, MA, x6, d6, 17, 1, 2, 8), false), "spoof: a foreign IPv6 source dropped");
    CHECK(passes(fr_ip6(f, MB, MA, z6, d6, 58, 135 << 8, 0, 24), true), "spoof: DAD from :: (ICMPv6) passes");
    CHECK(passes(fr_ip6(f, MB, MA, z6, d6, 17, 1, 2, 8), false), "spoof: UDP from :: dropped");
    size_t n = fr_ip6(f, MB, MA, s6, d6, 58, 136 << 8, 0, 24);
    memcpy(f + 14 + 48, x6, 16);
    CHECK(passes(n, false), "spoof: neighbour advertisement for a foreign target dropped");
    memcpy(f + 14 + 48, s6, 16);
    CHECK(passes(n, true), "spoof: neighbour advertisement for its own address passes");
    CHECK(passes(fr_eth(f, BC, MA, 0x88cc) + 46, false),
          "spoof: other ethertypes (LLDP) from a guest dropped");
    CHECK(passes(fr_eth(f, BC, MA, 0x8100) + 46, false), "spoof: VLAN-tagged frames from a guest dropped");
    uint64_t mal = V.port[pa].st.drop_malformed;
    n = fr_ip4(f, MB, BC, IA, IB, 6, 1, 2, 0);
    CHECK(send(pa, n, 0) == 0 && V.port[pa].st.drop_malformed == mal + 1,
          "a multicast source MAC: dropped as malformed");
    n = fr_ip4(f, MB, MA, IA, IB, 6, 1, 2, 0);
    f[17] = 255;
    CHECK(send(pa, n, 0) == 0 && V.port[pa].st.drop_malformed == mal + 2,
          "a bad IPv4 length: dropped as malformed");
    CHECK(V.port[pa].st.drop_spoof == 11, "vif1.0 counted 11 spoofed frames (%llu)",
          (unsigned long long)V.port[pa].st.drop_spoof);
    /* the NIC is not checked; a vif with anti-spoofing off neither */
    n = fr_ip4(f, MA, MX, IX, IA, 6, 1, 2, 0);
    CHECK(send(pn, n, 0) == 1u << pa, "the NIC sends any source");
    V.port[pa].cfg.antispoof = false;
    CHECK(passes(fr_ip4(f, MB, MX, IX, IB, 6, 1, 2, 0), true), "anti-spoofing off: any source passes");
}

static int cmd(const char *line, char *out)
{
    static char buf[4096];
    char *o = out ? out : buf;
    return vfr_command(&V, line, o, 4096, 0);
}

static void test_rules(void)
{
    setup();
    static char out[4096];
    size_t n22 = fr_ip4(f, MB, MA, IA, IB, 6, 1000, 22, 0);
    CHECK(cmd("add in=vif1.0 proto=tcp dport=22 drop", out) == 1 &&
              !strcmp(out, "added 0: in=vif1.0 proto=tcp dport=22 drop"),
          "add a rule (%s)", out);
    CHECK(send(pa, n22, 0) == 0 && V.port[pb].st.drop_rule == 1 && V.rules->r[0].pkts == 1 &&
              V.rules->r[0].bytes == n22,
          "TCP to port 22 from vif1.0 dropped, counted on the rule and the port");
    uint8_t save = f[37];
    f[37] = 23;
    CHECK(send(pa, n22, 0) == 1u << pb && V.rules->r[0].pkts == 1, "TCP to port 23 passes");
    f[37] = save;
    n22 = fr_ip4(f, MA, MB, IB, IA, 6, 1000, 22, 0);
    CHECK(send(pb, n22, 0) == 1u << pa, "port 22 from vif2.0 passes (rule is for in=vif1.0)");
    CHECK(cmd("add 0 out=vif9.0 drop", NULL) == 1 && V.rules->r[0].out_idx == -2,
          "a rule for a port nobody has");
    CHECK(send(pb, n22, 0) == 1u << pa && V.rules->r[0].pkts == 0, "... matches nothing");
    CHECK(V.rules->r[1].pkts == 1, "the other rule's counters survived the replacement");
    struct vfr_port_cfg c;
    port_cfg(&c, "vif9.0", MX, "10.0.0.9", NULL);
    int p9 = vfr_port_add(&V, &c, 0);
    CHECK(p9 >= 0 && V.rules->r[0].out_idx == p9, "... and applies once vif9.0 exists");
    size_t nb = fr_arp(f, BC, MA, 1, MA, IA, IX);
    CHECK(send(pa, nb, 0) == (1u << pb | 1u << pn), "the broadcast goes everywhere but vif9.0");
    CHECK(cmd("del 0", out) == 1 && !strcmp(out, "deleted 0: out=vif9.0 drop  [1 pkts 42 bytes]") &&
              V.rules->n == 1,
          "del 0 answers with the rule and its last counts");
    CHECK(cmd("add arp dst=10.0.0.2 drop", NULL) == 1, "an ARP rule on the target address");
    CHECK(send(pa, fr_arp(f, BC, MA, 1, MA, IA, IB), 0) == 0 &&
              send(pa, fr_arp(f, BC, MA, 1, MA, IA, IX), 0) != 0,
          "ARP for 10.0.0.2 dropped, for 10.0.0.9 not");
    CHECK(cmd("default drop", out) == 1 && send(pa, fr_ip4(f, MB, MA, IA, IB, 17, 1, 2, 0), 0) == 0,
          "default drop: unmatched frames dropped");
    CHECK(cmd("add 0 ip4 src=10.0.0.0/24 proto=udp dport=1-10 accept", NULL) == 1 &&
              send(pa, fr_ip4(f, MB, MA, IA, IB, 17, 1, 2, 0), 0) == 1u << pb &&
              send(pa, fr_ip4(f, MB, MA, IA, IB, 17, 1, 11, 0), 0) == 0,
          "accept UDP 1-10 from 10.0.0.0/24 before the default");
    CHECK(cmd("default accept", NULL) == 1 &&
              cmd("add 0 out=vif2.0 proto=icmp limit pps=2 pburst=2", NULL) == 1,
          "a limit rule");
    unsigned got = 0;
    for (int i = 0; i < 5; i++)
        got += send(pa, fr_ip4(f, MB, MA, IA, IB, 1, 0x0800, 0, 0), 0) != 0;
    CHECK(got == 2 && V.rules->r[0].pkts == 5 && V.rules->r[0].limited == 3,
          "the limit lets 2 of 5 through at once");
    CHECK(send(pa, fr_ip4(f, MB, MA, IA, IB, 1, 0x0800, 0, 0), 500 * MS) != 0,
          "... and one more after 0.5 s");
    CHECK(cmd("rules", out) == 0 &&
              strstr(out, "0: out=vif2.0 proto=icmp limit pps=2 pburst=2  [6 pkts 252 bytes 3 limited]") &&
              strstr(out, "default accept"),
          "rules lists rules with counters");
    CHECK(cmd("del 0", out) == 1 &&
              !strcmp(out,
                      "deleted 0: out=vif2.0 proto=icmp limit pps=2 pburst=2  [6 pkts 252 bytes 3 limited]"),
          "del of a limit rule answers with its last counts and drops");
    CHECK(cmd("add 0 out=vif2.0 proto=icmp limit pps=2 pburst=2", NULL) == 1 && V.rules->r[0].pkts == 0,
          "the same rule added again starts from zero");
    CHECK(cmd("add 0 ip6 dst=fd00::/16 drop", NULL) == 1, "an IPv6 rule");
    uint8_t s6[16] = { 0xfd, [15] = 1 }, d6[16] = { 0xfd, [15] = 2 }, e6[16] = { 0xfe, [15] = 2 };
    CHECK(send(pa, fr_ip6(f, MB, MA, s6, d6, 17, 1, 2, 8), 0) == 0 &&
              send(pa, fr_ip6(f, MB, MA, s6, e6, 17, 1, 2, 8), 0) != 0,
          "IPv6 to fd00::/16 dropped, to fe00::/16 not");
    CHECK(cmd("add 0 smac=00:16:3e:00:00:01 dmac=00:16:3e:00:00:02 drop", NULL) == 1 &&
              send(pa, fr_ip4(f, MB, MA, IA, IB, 17, 5, 5, 0), 0) == 0 &&
              send(pa, fr_ip4(f, MX, MA, IA, IX, 17, 5, 5, 0), 0) != 0,
          "a MAC pair rule");
    /* refusals leave the set alone */
    struct vfr_ruleset *before = V.rules;
    CHECK(cmd("add 99 drop", out) == -EINVAL && strstr(out, "position 99"),
          "add at a position past the end refused");
    CHECK(cmd("add proto=tcp dport=99999 drop", out) == -EINVAL && strstr(out, "dport"),
          "add of a bad rule refused");
    CHECK(cmd("del 17", out) == -EINVAL && cmd("del x", NULL) == -EINVAL && cmd("del ", NULL) == -EINVAL,
          "del of no rule refused");
    CHECK(cmd("reboot", out) == -EINVAL && strstr(out, "unknown command"), "unknown command refused");
    CHECK(V.rules == before, "refused commands leave the rule set in place");
    for (int i = V.rules->n; i < VFR_MAX_RULES; i++)
        cmd("add drop", NULL);
    CHECK(V.rules->n == VFR_MAX_RULES && cmd("add drop", out) == -EINVAL && strstr(out, "already 256"),
          "at most 256 rules");
    CHECK(cmd("counters", out) == 0 && strstr(out, "vif1.0 in "), "counters lists ports");
    CHECK(cmd("ports", out) == 0 && strstr(out, "0 vif1.0 vif 00:16:3e:00:00:01 ipv4 1 ipv6 1"),
          "ports lists the config");
    char tiny[8];
    CHECK(vfr_command(&V, "counters", tiny, sizeof(tiny), 0) == 0 && strlen(tiny) == 7,
          "a short reply buffer truncates");
}

static void test_rates(void)
{
    setup();
    vfr_port_del(&V, pa);
    struct vfr_port_cfg c;
    port_cfg(&c, "vif1.0", MA, "10.0.0.1", NULL);
    c.in = (struct vfr_limit){ .bytes_per_s = 10000, .burst_bytes = 1000 };
    pa = vfr_port_add(&V, &c, 0);
    vfr_port_del(&V, pb);
    port_cfg(&c, "vif2.0", MB, "10.0.0.2", NULL);
    c.out = (struct vfr_limit){ .pkts_per_s = 100, .burst_pkts = 1 };
    pb = vfr_port_add(&V, &c, 0);
    unsigned ok = 0;
    size_t n = fr_ip4(f, MX, MA, IA, IX, 17, 1, 2, 72); /* 114 bytes */
    for (uint64_t ms = 0; ms < 1000; ms++)
        ok += send(pa, n, ms * MS) != 0;
    CHECK(n == 114 && ok == (10000 + 1000 - 114) / 114 + 1,
          "vif1.0 sending 114-byte frames each ms at 10000 B/s: %u pass", ok);
    CHECK(V.port[pa].st.drop_rate_in == 1000 - ok, "... the rest counted drop_rate_in");
    ok = 0;
    uint64_t d0 = V.port[pb].st.drop_rate_out;
    n = fr_ip4(f, MB, MX, IX, IB, 17, 1, 2, 0);
    for (uint64_t ms = 0; ms < 1000; ms++)
        ok += send(pn, n, 2 * SEC + ms * MS) != 0;
    CHECK(ok == 100 && V.port[pb].st.drop_rate_out == d0 + 900,
          "vif2.0 receiving 1000 frames in 1 s at 100 p/s: %u", ok);
}

static uint16_t sum16(const uint8_t *d, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(d[i] << 8 | d[i + 1]);
    if (n & 1) s += (uint32_t)d[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

static uint16_t ip_sum(const uint8_t *h)
{
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2)
        s += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* An ICMP error frame: to dmac from smac, IPv4 from sip to dip (TTL 64,
 * header checksum right), type/code, ICMP checksum right, quoting the IP
 * header (20 bytes) and 8 bytes of orig_ip. */
static bool icmp_err_ok(const uint8_t *e, size_t len, const uint8_t *dmac, const uint8_t *smac,
                        const uint8_t *sip, const uint8_t *dip, uint8_t type, uint8_t code,
                        const uint8_t *orig_ip)
{
    const uint8_t *h = e + 14, *ic = h + 20;
    size_t tot = (size_t)(h[2] << 8 | h[3]);
    return len == 14 + 20 + 8 + 28 && tot == 20 + 8 + 28 && !memcmp(e, dmac, 6) && !memcmp(e + 6, smac, 6) &&
           e[12] == 0x08 && e[13] == 0 && h[0] == 0x45 && h[8] == 64 && h[9] == 1 &&
           !memcmp(h + 12, sip, 4) && !memcmp(h + 16, dip, 4) && ip_sum(h) == 0xffff && ic[0] == type &&
           ic[1] == code && sum16(ic, tot - 20) == 0xffff && !memcmp(ic + 8, orig_ip, 28);
}

static void test_route(void)
{
    static const uint8_t MC[6] = { 0x00, 0x16, 0x3e, 0, 0, 3 }, IC[4] = { 10, 0, 1, 3 },
                         GA[4] = { 10, 0, 0, 254 }, GC[4] = { 10, 0, 1, 254 }, FAR[4] = { 192, 168, 0, 1 };
    static const uint8_t RM[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };
    setup();
    struct vfr_port_cfg c;
    port_cfg(&c, "vif3.0", MC, "10.0.1.3", NULL);
    int pc = vfr_port_add(&V, &c, 0);
    static char out[4096];
    CHECK(!memcmp(V.router_mac, RM, 6), "the router's MAC is fe:ff:ff:ff:ff:ff");
    size_t n = fr_ip4(f, RM, MA, IA, IC, 17, 1, 2, 0);
    CHECK(send(pa, n, 0) == (1u << pb | 1u << pn | 1u << pc) && V.port[pa].st.routed == 0,
          "no router address: a frame to the router's MAC is an unknown destination (flooded)");
    CHECK(vfr_gw_add(&V, "10.0.0.0/24") == -EINVAL && vfr_gw_add(&V, "10.0.0.255/24") == -EINVAL &&
              vfr_gw_add(&V, "10.0.0.254") == -EINVAL && vfr_gw_add(&V, "10.0.0.254/31") == -EINVAL &&
              vfr_gw_add(&V, "10.0.0.254/0") == -EINVAL && vfr_gw_add(&V, "fd00::1/64") == -EINVAL &&
              vfr_gw_add(&V, "10.0.0.x/24") == -EINVAL && vfr_gw_add(&V, "10.0.0.254/24x") == -EINVAL,
          "router addresses refused: the subnet's own, its broadcast, no length, /31, /0, IPv6, junk");
    CHECK(cmd("route 10.0.0.254/24", out) == 1 && !strcmp(out, "route added 10.0.0.254/24") &&
              cmd("route 10.0.1.254/24", NULL) == 1,
          "route 10.0.0.254/24, route 10.0.1.254/24");
    CHECK(cmd("route 10.0.1.1/16", out) == -EINVAL && !strcmp(out, "error: the subnet overlaps a routed one"),
          "an overlapping subnet refused");
    CHECK(cmd("route 10.0.0.0/24", out) == -EINVAL && strstr(out, "LEN 1-30"),
          "route: a bad address says why");
    CHECK(cmd("routes", out) == 0 && !strcmp(out, "router fe:ff:ff:ff:ff:ff\n10.0.0.254/24\n10.0.1.254/24"),
          "routes lists the router's MAC and addresses");
    unsigned added = 0;
    char t[32];
    for (int i = 0; i < 10; i++) {
        snprintf(t, sizeof(t), "172.16.%d.1/30", i);
        added += vfr_gw_add(&V, t) == 0;
    }
    CHECK(added == VFR_MAX_GW - 2 && vfr_gw_add(&V, "172.17.0.1/30") == -ENOSPC,
          "at most %d router addresses", VFR_MAX_GW);
    for (int i = 0; i < 10; i++) {
        snprintf(t, sizeof(t), "172.16.%d.1", i);
        vfr_gw_del(&V, t);
    }
    CHECK(vfr_gw_del(&V, "172.16.0.1") == -ENOENT && vfr_gw_del(&V, "x") == -EINVAL, "route del refusals");
    /* ARP for the router's address: answered on the port it came from */
    n = fr_arp(f, BC, MA, 1, MA, IA, GA);
    CHECK(send(pa, n, 0) == 1u << pa && nsent == 1 && !memcmp(last, MA, 6) && !memcmp(last + 6, RM, 6) &&
              last[21] == 2 && !memcmp(last + 22, RM, 6) && !memcmp(last + 28, GA, 4) &&
              !memcmp(last + 32, MA, 6) && !memcmp(last + 38, IA, 4),
          "ARP for 10.0.0.254 answered from fe:ff:ff:ff:ff:ff on vif1.0 only");
    n = fr_arp(f, BC, MA, 1, MA, IA, IB);
    CHECK(send(pa, n, 0) == (1u << pb | 1u << pn | 1u << pc), "ARP for another guest still floods");
    /* vif1.0 -> 10.0.1.3 through the router: the next hop is not known yet */
    n = fr_ip4(f, RM, MA, IA, IC, 17, 1, 2, 100);
    CHECK(send(pa, n, 0) == (1u << pb | 1u << pn | 1u << pc) && V.port[pa].st.drop_noroute == 1 &&
              last[21] == 1 && !memcmp(last + 6, RM, 6) && !memcmp(last + 28, GC, 4) &&
              !memcmp(last + 38, IC, 4),
          "an unknown next hop: the frame dropped (noroute), the router asks who has 10.0.1.3");
    n = fr_arp(f, RM, MC, 2, MC, IC, GC);
    CHECK(send(pc, n, 0) == 0, "the answer to the router is the router's (learned, not forwarded)");
    n = fr_ip4(f, RM, MA, IA, IC, 17, 1, 2, 100);
    uint16_t s0 = ip_sum(f + 14);
    f[24] = (uint8_t)(~s0 >> 8), f[25] = (uint8_t)~s0; /* a valid header checksum */
    uint8_t orig[2048];
    memcpy(orig, f, n);
    CHECK(send(pa, n, 0) == 1u << pc && nsent == 1 && V.port[pa].st.routed == 1, "routed to vif3.0 only");
    CHECK(!memcmp(last, MC, 6) && !memcmp(last + 6, RM, 6) && last[22] == 63 && ip_sum(last + 14) == 0xffff &&
              !memcmp(last + 26, orig + 26, n - 26),
          "MACs rewritten, TTL 64 -> 63, the header checksum still right, the rest untouched");
    f[22] = 1;
    memcpy(orig, f, n);
    CHECK(send(pa, n, 0) == 1u << pa && nsent == 1 && V.port[pa].st.drop_ttl == 1 &&
              V.port[pa].st.icmp_sent == 1,
          "TTL 1: not forwarded, counted, an ICMP error back to vif1.0 only");
    CHECK(icmp_err_ok(last, sent[0].len, MA, RM, GA, IA, 11, 0, orig + 14),
          "... time exceeded (11/0) to 00:16:3e:00:00:01 from fe:ff:ff:ff:ff:ff, 10.0.0.254 -> 10.0.0.1, TTL "
          "64, both checksums right, quoting the header and 8 bytes");
    f[22] = 0;
    CHECK(send(pa, n, 0) == 1u << pa && V.port[pa].st.drop_ttl == 2 && V.port[pa].st.icmp_sent == 2 &&
              last[34] == 11,
          "TTL 0: time exceeded too");
    f[22] = 64;
    memcpy(f + 30, FAR, 4);
    memcpy(orig, f, n);
    CHECK(send(pa, n, 0) == 1u << pa && nsent == 1 && V.port[pa].st.drop_noroute == 2 &&
              V.port[pa].st.icmp_sent == 3 && icmp_err_ok(last, sent[0].len, MA, RM, GA, IA, 3, 0, orig + 14),
          "no routed subnet holds 192.168.0.1: dropped, network unreachable (3/0) back to vif1.0");
    /* errors the router does not owe */
    n = fr_ip4(f, RM, MA, IA, FAR, 1, 3 << 8, 0, 0);
    CHECK(send(pa, n, 0) == 0 && V.port[pa].st.drop_noroute == 3 && V.port[pa].st.icmp_sent == 3,
          "none about an ICMP error (destination unreachable to 192.168.0.1)");
    n = fr_ip4(f, RM, MA, IA, FAR, 1, 8 << 8, 0, 0);
    CHECK(send(pa, n, 0) == 1u << pa && V.port[pa].st.icmp_sent == 4, "... but one about an echo request");
    n = fr_ip4(f, RM, MA, IA, FAR, 17, 1, 2, 0);
    f[20] = 0x00, f[21] = 0x10; /* fragment offset 16 */
    CHECK(send(pa, n, 0) == 0 && V.port[pa].st.drop_noroute == 5 && V.port[pa].st.icmp_sent == 4,
          "none about a later fragment");
    f[20] = 0x20, f[21] = 0; /* the first fragment (more fragments) */
    CHECK(send(pa, n, 0) == 1u << pa && V.port[pa].st.icmp_sent == 5, "... but one about a first fragment");
    static const uint8_t BCAST[4] = { 10, 0, 1, 255 }, MCAST[4] = { 224, 0, 0, 9 };
    n = fr_ip4(f, RM, MA, IA, BCAST, 17, 1, 2, 0);
    f[22] = 1;
    CHECK(send(pa, n, 0) == 0 && V.port[pa].st.drop_ttl == 3 && V.port[pa].st.icmp_sent == 5,
          "none about a datagram to a subnet's broadcast address");
    n = fr_ip4(f, RM, MA, IA, MCAST, 17, 1, 2, 0);
    CHECK(send(pa, n, 0) == 0 && V.port[pa].st.drop_noroute == 7 && V.port[pa].st.icmp_sent == 5,
          "none about a datagram to a multicast address");
    /* at most VFR_ICMP_BURST at once, then VFR_ICMP_PPS a second, per port */
    n = fr_ip4(f, RM, MA, IA, FAR, 17, 1, 2, 0);
    unsigned got = 0;
    for (int i = 0; i < 30; i++)
        got += send(pa, n, 10 * SEC) != 0;
    CHECK(got == VFR_ICMP_BURST && V.port[pa].st.icmp_sent == 5 + VFR_ICMP_BURST,
          "30 unroutable frames at once: %u errors (the burst)", got);
    got = 0;
    for (int i = 0; i < 200; i++)
        got += send(pa, n, 10 * SEC + (uint64_t)(i + 1) * 10 * MS) != 0;
    CHECK(got == 2 * VFR_ICMP_PPS, "one every 10 ms for 2 s: %u errors (%d a second)", got, VFR_ICMP_PPS);
    CHECK(cmd("counters", out) == 0 && strstr(out, " ttl 3 noroute 237 routed 1 icmp 35\n"),
          "counters show the ICMP errors sent");
    n = fr_ip4(f, RM, MA, IA, IC, 17, 1, 2, 100);
    CHECK(cmd("add in=vif1.0 out=vif3.0 drop", NULL) == 1 && send(pa, n, 0) == 0 &&
              V.port[pc].st.drop_rule == 1 && V.rules->r[0].pkts == 1,
          "the rules judge a routed frame (in = where it came from, out = the next hop's port)");
    CHECK(cmd("del 0", NULL) == 1 && cmd("route del 10.0.1.254", out) == 1 &&
              !strcmp(out, "route deleted 10.0.1.254") && send(pa, n, 20 * SEC) == 1u << pa &&
              V.port[pa].st.drop_noroute == 238 && last[34] == 3,
          "route del: 10.0.1.0/24 is no longer routed (network unreachable)");
    vfr_port_del(&V, pc);
    CHECK(cmd("route 10.0.1.254/24", NULL) == 1 && send(pa, n, 0) == (1u << pb | 1u << pn) &&
              V.port[pa].st.drop_noroute == 239,
          "a next hop whose port went is unknown again (asked for on the ports left)");
}

void test_vfr(void)
{
    test_parse();
    test_addr();
    test_tb();
    test_rule_text();
    test_bridge();
    test_spoof();
    test_rules();
    test_rates();
    test_route();
    vfr_fini(&V);
}
