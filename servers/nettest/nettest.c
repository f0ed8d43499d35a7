/*
 * nettest: a netfront test domain for netback's QEMU suites (issue 15), a
 * service-runtime program over nf.c.  It connects every vif the toolstack
 * gave it, then runs one mode:
 *   rate    three vifs: vif 0 (a guest-transmit limit) sends to vif 1, vif 1
 *           to vif 2 (a guest-receive limit); per direction a burst after
 *           idling, a sustained flood of large frames (the bytes/s limit)
 *           and one of small frames (the packets/s limit).  It prints what
 *           it measured on its clock (under -icount: instructions); the
 *           suite compares with the limits.
 *   flood S two vifs: vif 0 sends UDP to vif 1 for S seconds, the ports
 *           7001 and 7002 in turn, while the suite changes netback's rules;
 *           then the counts per port, sent and received.
 *   echo    answers every test frame sent to it (addresses swapped).
 *   route   two vifs on two subnets, netback routing between them
 *           (nt_route.c).
 *   hostile the conformance cases of nt_hostile.c on vif 0, with an echo
 *           domain (peer=MAC,IP) to show forwarding still works.
 * Lines start with "nettest: "; a failed check says FAIL.
 */
#include "nettest.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nf nt_vif[NT_VIFS];
unsigned nt_nvif;
uint8_t nt_ip[NT_VIFS][4];

/* The first IPv4 address of a vif's "ip" node (the backend's, which the
 * toolstack lets the frontend read). */
static void own_ip(struct nf *n, uint8_t ip[4])
{
    char p[160], *v = NULL;
    snprintf(p, sizeof(p), "%s/ip", n->bedir);
    memset(ip, 0, 4);
    if (xsc_read(nf_xs, p, &v) == 0) {
        v[strcspn(v, " /")] = 0;
        nf_parse_ip(v, ip);
    }
    free(v);
}

void nt_pump(unsigned ms)
{
    bool any = false;
    for (unsigned i = 0; i < nt_nvif; i++)
        any |= nf_poll(&nt_vif[i]);
    if (!any && ms) nf_wait(ms);
}

/* ---- rate ---- */

struct meter {
    uint64_t from, to; /* the window (ns) */
    uint64_t pkts, bytes, all;
    uint64_t first, last; /* arrival times in the window */
};
static struct meter meter;

static void count(struct nf *n, const uint8_t *f, size_t len, uint64_t now)
{
    (void)n;
    (void)f;
    meter.all++;
    if (now < meter.from || now >= meter.to) return;
    if (!meter.pkts) meter.first = now;
    meter.last = now;
    meter.pkts++;
    meter.bytes += len;
}

/* Send size-byte frames from s to d for ns (or n frames): as fast as the
 * ring takes them (fps 0), or paced at fps frames per second, sent in
 * 1 ms steps (the domain blocks in between: under -icount sleep=off idle
 * time costs nothing, so the suite runs in reasonable time).  Returns
 * the frames sent; *dt the time from the first send to the last
 * response. */
static uint64_t blast(unsigned s, unsigned d, size_t size, uint64_t ns, uint64_t n, uint64_t fps,
                      uint64_t *dt)
{
    static uint8_t f[NF_PAGE];
    struct nf *a = &nt_vif[s];
    uint64_t t0 = nf_now(), sent = 0, ok0 = a->tx_ok + a->tx_err;
    for (uint64_t now = t0; sent < n && now - t0 < ns; now = nf_now()) {
        /* frames due by now */
        uint64_t due = fps ? (now - t0) * fps / 1000000000ull + 1 : sent + 1;
        if (sent >= due) {
            nt_pump(1);
            continue;
        }
        nf_udp_frame(f, size, nt_vif[d].mac, a->mac, nt_ip[s], nt_ip[d], 7000, (uint32_t)sent, 0);
        if (nf_send(a, f, size) == 0)
            sent++;
        else
            nt_pump(1);
        nt_pump(0);
    }
    while (a->tx_ok + a->tx_err - ok0 < sent && nf_now() - t0 < ns + 2000000000ull)
        nt_pump(1);
    if (dt) *dt = nf_now() - t0;
    return sent;
}

static void idle(unsigned ms)
{
    uint64_t end = nf_now() + (uint64_t)ms * 1000000ull;
    while (nf_now() < end)
        nt_pump(1);
}

static void rate_phase(const char *name, unsigned s, unsigned d)
{
    uint64_t dt;
    /* burst: after idling (the buckets fill), 100 large frames at once */
    idle(500);
    meter = (struct meter){ .from = 0, .to = ~0ull };
    uint64_t sent = blast(s, d, 1400, 5000000000ull, 100, 0, &dt);
    idle(300);
    printf("nettest: %s burst: size 1400 sent %llu received %llu in %llu ns all %llu\n", name,
           (unsigned long long)sent, (unsigned long long)meter.pkts, (unsigned long long)dt,
           (unsigned long long)meter.all);
    /* sustained, large and then small frames: 0.5 s to empty the buckets,
     * then 2 s measured at the receiver */
    static const size_t sizes[2] = { 1400, 60 };
    static const uint64_t offer[2] = { 1500, 4000 };
    for (unsigned k = 0; k < 2; k++) {
        idle(500);
        uint64_t now = nf_now();
        meter = (struct meter){ .from = now + 500000000ull, .to = now + 2500000000ull };
        /* twice what the binding limit lets through (rate.cfg) */
        sent = blast(s, d, sizes[k], 2600000000ull, ~0ull, offer[k], NULL);
        idle(300);
        printf("nettest: %s sustained: size %zu sent %llu window %llu ns received %llu pkts %llu bytes all "
               "%llu\n",
               name, sizes[k], (unsigned long long)sent, (unsigned long long)(meter.to - meter.from),
               (unsigned long long)meter.pkts, (unsigned long long)meter.bytes,
               (unsigned long long)meter.all);
    }
}

static void rate(void)
{
    if (nt_nvif < 3) {
        printf("nettest: FAIL - rate needs 3 vifs, have %u\n", nt_nvif);
        return;
    }
    for (unsigned i = 0; i < 3; i++)
        nt_vif[i].on_rx = count;
    rate_phase("tx-limit", 0, 1);
    rate_phase("rx-limit", 1, 2);
    printf("nettest: rate done\n");
}

/* ---- flood ---- */

static uint64_t got[2];

static void by_port(struct nf *n, const uint8_t *f, size_t len, uint64_t now)
{
    (void)n;
    (void)now;
    uint16_t dport, kind;
    uint32_t seq;
    if (nf_udp_parse(f, len, &dport, &seq, &kind) && (dport == 7001 || dport == 7002)) got[dport - 7001]++;
}

static void flood(unsigned secs)
{
    static uint8_t f[NF_PAGE];
    if (nt_nvif < 2) {
        printf("nettest: FAIL - flood needs 2 vifs, have %u\n", nt_nvif);
        return;
    }
    struct nf *a = &nt_vif[0];
    nt_vif[1].on_rx = by_port;
    uint64_t sent[2] = { 0, 0 }, end = nf_now() + secs * 1000000000ull;
    printf("nettest: flood started\n");
    fflush(stdout);
    while (nf_now() < end) {
        unsigned k = (unsigned)((sent[0] + sent[1]) & 1);
        nf_udp_frame(f, 200, nt_vif[1].mac, a->mac, nt_ip[0], nt_ip[1], (uint16_t)(7001 + k),
                     (uint32_t)(sent[0] + sent[1]), 0);
        if (nf_send(a, f, 200) == 0)
            sent[k]++;
        else
            nt_pump(1);
        nt_pump(0);
    }
    idle(1000);
    printf("nettest: flood done: sent %llu %llu received %llu %llu tx-ok %llu tx-errors %llu\n",
           (unsigned long long)sent[0], (unsigned long long)sent[1], (unsigned long long)got[0],
           (unsigned long long)got[1], (unsigned long long)a->tx_ok, (unsigned long long)a->tx_err);
}

/* ---- echo ---- */

static void echo(struct nf *n, const uint8_t *f, size_t len, uint64_t now)
{
    (void)now;
    static uint8_t r[NF_PAGE];
    uint16_t dport, kind;
    uint32_t seq;
    if (!nf_udp_parse(f, len, &dport, &seq, &kind) || memcmp(f, n->mac, 6) || len > NF_PAGE) return;
    unsigned i = (unsigned)(n - nt_vif);
    nf_udp_frame(r, len, f + 6, n->mac, nt_ip[i], f + 26, dport, seq, (uint16_t)(kind | 0x8000));
    nf_send(n, r, len);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    int rc = nf_init();
    if (rc) {
        printf("nettest: FAIL - /dev/xen/{evtchn,gntalloc,xenbus}: %s\n", strerror(-rc));
        return 1;
    }
    unsigned want = !strcmp(mode, "hostile") ? 1 : NT_VIFS;
    for (unsigned i = 0; i < want; i++) {
        rc = nf_attach(&nt_vif[i], i);
        /* vif 0's nodes may come just after the domain starts */
        for (unsigned tries = 0; rc == -ENOENT && i == 0 && tries < 100; tries++) {
            nf_sleep_ms(100);
            rc = nf_attach(&nt_vif[i], i);
        }
        if (rc == -ENOENT && i > 0) break;
        if (rc) {
            printf("nettest: FAIL - vif %u: %s\n", i, strerror(-rc));
            return 1;
        }
        own_ip(&nt_vif[i], nt_ip[i]);
        nt_nvif = i + 1;
        if (!strcmp(mode, "hostile")) break;
        int st = nf_connect(&nt_vif[i], NULL);
        if (st != 4) {
            printf("nettest: FAIL - vif %u: the backend's state is %d, not Connected\n", i, st);
            return 1;
        }
    }
    printf("nettest: %s on domain %u, %u vif%s %s\n", mode, nf_self, nt_nvif, nt_nvif == 1 ? "" : "s",
           strcmp(mode, "hostile") ? "connected" : "attached");
    if (!strcmp(mode, "rate"))
        rate();
    else if (!strcmp(mode, "flood"))
        flood(argc > 2 ? (unsigned)atoi(argv[2]) : 10);
    else if (!strcmp(mode, "route"))
        nt_route();
    else if (!strcmp(mode, "hostile"))
        nt_hostile(argc - 2, argv + 2);
    else if (!strcmp(mode, "echo"))
        for (unsigned i = 0; i < nt_nvif; i++)
            nt_vif[i].on_rx = echo;
    else {
        printf("nettest: FAIL - unknown mode '%s' (rate, flood S, echo, route, hostile peer=MAC,IP)\n", mode);
        return 1;
    }
    /* stay (echo keeps answering; the other modes keep their vifs so
     * the suite can read netback's counters of them) */
    for (;;)
        nt_pump(1000);
}
