/*
 * nettest route: the VFR's L3 routing seen from two guests on two subnets
 * (tests/suites/63-netback-route.sh): vif 0 (10.0.4.0/24) and vif 1
 * (10.0.5.0/24), netback routing between them as 10.0.4.254 and
 * 10.0.5.254.  vif 0 asks for its gateway's MAC (ARP), sends UDP to vif 1's
 * address through it (the first frame finds no next hop: netback asks for
 * it on vif 1 and nettest answers as a guest would), then again: vif 1
 * gets it with the TTL one lower, the router's MAC as the source and a
 * correct header checksum; a frame with TTL 1 never arrives, vif 0 gets
 * an ICMP time exceeded for it instead, and a datagram to 192.168.9.9 (no
 * routed subnet) brings an ICMP network unreachable, each from 10.0.4.254
 * quoting the datagram's header.
 */
#include "nettest.h"
#include <stdio.h>
#include <string.h>

static unsigned npass, nfail;
static uint8_t got[2][NF_PAGE];
static size_t got_len[2];
static unsigned got_n[2];

static void check(const char *what, long v, long want)
{
    if (v == want)
        npass++, printf("nettest: PASS %s\n", what);
    else
        nfail++, printf("nettest: FAIL %s: got %ld, want %ld\n", what, v, want);
}

static void keep(struct nf *n, const uint8_t *f, size_t len, uint64_t now)
{
    (void)now;
    unsigned i = (unsigned)(n - nt_vif);
    if (i > 1 || len > NF_PAGE) return;
    memcpy(got[i], f, len);
    got_len[i] = len;
    got_n[i]++;
}

/* Wait up to ms for a frame on vif i (more than seen): true if one came. */
static bool await(unsigned i, unsigned seen, unsigned ms)
{
    uint64_t end = nf_now() + (uint64_t)ms * 1000000ull;
    while (got_n[i] == seen && nf_now() < end)
        nt_pump(5);
    return got_n[i] != seen;
}

static size_t arp(uint8_t *f, uint16_t op, const uint8_t *dst, const uint8_t *sha, const uint8_t *spa,
                  const uint8_t *tha, const uint8_t *tpa)
{
    memset(f, 0, 60);
    memcpy(f, dst, 6);
    memcpy(f + 6, sha, 6);
    f[12] = 0x08, f[13] = 0x06, f[15] = 1, f[16] = 0x08, f[18] = 6, f[19] = 4, f[21] = (uint8_t)op;
    memcpy(f + 22, sha, 6);
    memcpy(f + 28, spa, 4);
    memcpy(f + 32, tha, 6);
    memcpy(f + 38, tpa, 4);
    return 60;
}

/* e is an ICMP error (type, code 0) from the router (rmac, gw) to the
 * guest (mac, ip) quoting orig's IP header and 8 bytes. */
static void icmp_error_is(const uint8_t *e, size_t len, const uint8_t *mac, const uint8_t *rmac,
                          const uint8_t *gw, const uint8_t *ip, uint8_t type, const uint8_t *orig,
                          const char *what)
{
    char t[96];
    const uint8_t *h = e + 14, *ic = h + 20;
    snprintf(t, sizeof(t), "... an ICMP %s (%u/0) from the router's MAC and address", what, type);
    check(t,
          len >= 14 + 56 && !memcmp(e, mac, 6) && !memcmp(e + 6, rmac, 6) && e[12] == 8 && e[13] == 0 &&
              h[9] == 1 && !memcmp(h + 12, gw, 4) && !memcmp(h + 16, ip, 4) && ic[0] == type && ic[1] == 0,
          1);
    check("... its header and ICMP checksums right", nf_csum16(h, 20) == 0 && nf_csum16(ic, 36) == 0, 1);
    check("... quoting the datagram's header and 8 bytes", !memcmp(ic + 8, orig, 28), 1);
}

void nt_route(void)
{
    static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, zero[6];
    static const uint8_t gw0[4] = { 10, 0, 4, 254 }, gw1[4] = { 10, 0, 5, 254 };
    static uint8_t f[NF_PAGE];
    struct nf *a = &nt_vif[0], *b = &nt_vif[1];
    if (nt_nvif < 2) {
        printf("nettest: FAIL - route needs 2 vifs\n");
        return;
    }
    a->on_rx = b->on_rx = keep;
    /* the gateway's MAC */
    unsigned s0 = got_n[0];
    nf_send(a, f, arp(f, 1, bc, a->mac, nt_ip[0], zero, gw0));
    check("ARP for 10.0.4.254 answered", await(0, s0, 3000), 1);
    uint8_t rmac[6];
    memcpy(rmac, got[0] + 22, 6);
    check("the answer: an ARP reply from 10.0.4.254",
          got_len[0] >= 42 && got[0][21] == 2 && !memcmp(got[0] + 28, gw0, 4) && !memcmp(got[0], a->mac, 6),
          1);
    printf("nettest: router MAC %02x:%02x:%02x:%02x:%02x:%02x\n", rmac[0], rmac[1], rmac[2], rmac[3], rmac[4],
           rmac[5]);
    /* UDP to 10.0.5.1 through the router: the next hop is asked for */
    unsigned s1 = got_n[1];
    size_t len = nf_udp_frame(f, 200, rmac, a->mac, nt_ip[0], nt_ip[1], 7000, 1, 1);
    nf_send(a, f, len);
    check("the router asks vif 1 for 10.0.5.1", await(1, s1, 3000), 1);
    check("... an ARP request from 10.0.5.254 for 10.0.5.1",
          got[1][21] == 1 && !memcmp(got[1] + 28, gw1, 4) && !memcmp(got[1] + 38, nt_ip[1], 4) &&
              !memcmp(got[1] + 6, rmac, 6),
          1);
    nf_send(b, f, arp(f, 2, rmac, b->mac, nt_ip[1], rmac, gw1));
    nt_pump(50);
    /* again: now it goes through */
    s1 = got_n[1];
    len = nf_udp_frame(f, 200, rmac, a->mac, nt_ip[0], nt_ip[1], 7000, 2, 2);
    nf_send(a, f, len);
    check("UDP 10.0.4.1 -> 10.0.5.1 routed to vif 1", await(1, s1, 3000), 1);
    uint16_t dport, kind;
    uint32_t seq;
    check("... the same datagram (seq 2)", nf_udp_parse(got[1], got_len[1], &dport, &seq, &kind) && seq == 2,
          1);
    check("... TTL 64 -> 63", got[1][22], 63);
    check("... from the router's MAC to vif 1's", !memcmp(got[1] + 6, rmac, 6) && !memcmp(got[1], b->mac, 6),
          1);
    check("... its header checksum right", nf_csum16(got[1] + 14, 20), 0);
    /* TTL 1 is not forwarded */
    s1 = got_n[1];
    len = nf_udp_frame(f, 200, rmac, a->mac, nt_ip[0], nt_ip[1], 7000, 3, 3);
    f[22] = 1;
    f[24] = f[25] = 0;
    uint16_t c = nf_csum16(f + 14, 20);
    f[24] = (uint8_t)(c >> 8), f[25] = (uint8_t)c;
    nf_send(a, f, len);
    unsigned s0b = got_n[0];
    check("TTL 1: not forwarded", await(1, s1, 1000), 0);
    check("... vif 0 gets an ICMP error for it", await(0, s0b, 2000), 1);
    icmp_error_is(got[0], got_len[0], a->mac, rmac, gw0, nt_ip[0], 11, f + 14, "time exceeded");
    /* no route: network unreachable */
    static const uint8_t far[4] = { 192, 168, 9, 9 };
    len = nf_udp_frame(f, 200, rmac, a->mac, nt_ip[0], far, 7000, 4, 4);
    s0b = got_n[0];
    nf_send(a, f, len);
    check("192.168.9.9 (no route): vif 0 gets an ICMP error", await(0, s0b, 2000), 1);
    icmp_error_is(got[0], got_len[0], a->mac, rmac, gw0, nt_ip[0], 3, f + 14, "network unreachable");
    printf("nettest: route done: %u passed, %u failed\n", npass, nfail);
}
