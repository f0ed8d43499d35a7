/* VFR rules: their text form (parse and canonical format), matching, and
 * building an immutable rule set (see vfr.h; syntax in docs/netback.md). */
#include "vfr.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* A decimal number 0..max, nothing else. */
static bool num(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s) return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10) return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

static bool range(const char *s, uint16_t *lo, uint16_t *hi)
{
    char buf[16];
    uint64_t a, b;
    if (strlen(s) >= sizeof(buf)) return false;
    strcpy(buf, s);
    char *dash = strchr(buf, '-');
    if (dash) *dash = 0;
    if (!num(buf, 65535, &a)) return false;
    b = a;
    if (dash && !num(dash + 1, 65535, &b)) return false;
    if (b < a) return false;
    *lo = (uint16_t)a;
    *hi = (uint16_t)b;
    return true;
}

static const struct {
    const char *name;
    int proto;
} protos[] = {
    { "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "icmp6", 58 }, { "sctp", 132 }, { "udplite", 136 },
};

static bool ported(int proto) { return proto == 6 || proto == 17 || proto == 132 || proto == 136; }

int vfr_rule_parse(const char *text, struct vfr_rule *r, char *err, size_t errlen)
{
    char buf[VFR_RULE_TEXT];
    memset(r, 0, sizeof(*r));
    r->proto = -1;
    r->in_idx = r->out_idx = VFR_ANY_PORT;
    if (strlen(text) >= sizeof(buf))
        return fail(err, errlen, "rule longer than %d characters", VFR_RULE_TEXT - 1);
    strcpy(buf, text);
    bool have_action = false, lim_keys = false;
    char *save = NULL;
    for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        char *eq = strchr(t, '=');
        const char *v = eq ? eq + 1 : NULL;
        if (eq) *eq = 0;
        uint64_t n;
        if (!v && (!strcmp(t, "accept") || !strcmp(t, "drop") || !strcmp(t, "limit"))) {
            if (have_action) return fail(err, errlen, "more than one action");
            have_action = true;
            r->action = t[0] == 'a' ? VFR_ACCEPT : t[0] == 'd' ? VFR_DROP : VFR_LIMIT;
        } else if (!v && (!strcmp(t, "arp") || !strcmp(t, "ip4") || !strcmp(t, "ip6"))) {
            if (r->l3) return fail(err, errlen, "more than one of arp, ip4, ip6");
            r->l3 = t[0] == 'a' ? VFR_L3_ARP : t[2] == '4' ? VFR_L3_IP4 : VFR_L3_IP6;
        } else if (!v) {
            return fail(err, errlen, "unknown word '%s'", t);
        } else if (!strcmp(t, "in") || !strcmp(t, "out")) {
            char *dst = t[0] == 'i' ? r->in : r->out;
            if (!*v || strlen(v) >= VFR_NAME)
                return fail(err, errlen, "%s: a port name of 1 to %d characters", t, VFR_NAME - 1);
            if (*dst) return fail(err, errlen, "%s given twice", t);
            strcpy(dst, v);
        } else if (!strcmp(t, "smac") || !strcmp(t, "dmac")) {
            bool s = t[0] == 's';
            if ((s ? r->has_smac : r->has_dmac)) return fail(err, errlen, "%s given twice", t);
            if (vfr_mac_parse(v, s ? r->smac : r->dmac))
                return fail(err, errlen, "%s: '%s' is not a MAC address (xx:xx:xx:xx:xx:xx)", t, v);
            *(s ? &r->has_smac : &r->has_dmac) = true;
        } else if (!strcmp(t, "src") || !strcmp(t, "dst")) {
            bool s = t[1] == 'r';
            if ((s ? r->has_src : r->has_dst)) return fail(err, errlen, "%s given twice", t);
            if (vfr_prefix_parse(v, s ? &r->src : &r->dst))
                return fail(err, errlen, "%s: '%s' is not an address or prefix (host bits clear)", t, v);
            *(s ? &r->has_src : &r->has_dst) = true;
        } else if (!strcmp(t, "proto")) {
            if (r->proto >= 0) return fail(err, errlen, "proto given twice");
            for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
                if (!strcmp(v, protos[i].name)) r->proto = protos[i].proto;
            if (r->proto < 0 && num(v, 255, &n)) r->proto = (int)n;
            if (r->proto < 0)
                return fail(err, errlen, "proto: '%s' is not tcp, udp, icmp, icmp6, sctp, udplite or 0-255",
                            v);
        } else if (!strcmp(t, "sport") || !strcmp(t, "dport")) {
            bool s = t[0] == 's';
            if ((s ? r->has_sport : r->has_dport)) return fail(err, errlen, "%s given twice", t);
            if (!range(v, s ? &r->sport_lo : &r->dport_lo, s ? &r->sport_hi : &r->dport_hi))
                return fail(err, errlen, "%s: '%s' is not a port or LOW-HIGH range (0-65535)", t, v);
            *(s ? &r->has_sport : &r->has_dport) = true;
        } else if (!strcmp(t, "bps") || !strcmp(t, "pps") || !strcmp(t, "burst") || !strcmp(t, "pburst")) {
            uint64_t *dst = !strcmp(t, "bps")     ? &r->limit.bytes_per_s
                            : !strcmp(t, "pps")   ? &r->limit.pkts_per_s
                            : !strcmp(t, "burst") ? &r->limit.burst_bytes
                                                  : &r->limit.burst_pkts;
            if (*dst) return fail(err, errlen, "%s given twice", t);
            if (!num(v, 1ull << 32, &n) || !n)
                return fail(err, errlen, "%s: '%s' is not a number 1-4294967296", t, v);
            *dst = n;
            lim_keys = true;
        } else {
            return fail(err, errlen, "unknown key '%s'", t);
        }
    }
    if (!have_action) return fail(err, errlen, "no action (accept, drop or limit)");
    if (r->action == VFR_LIMIT && !vfr_limit_on(&r->limit))
        return fail(err, errlen, "limit needs bps= or pps=");
    if (r->action != VFR_LIMIT && lim_keys)
        return fail(err, errlen, "bps/pps/burst/pburst only go with limit");
    for (int i = 0; i < 2; i++) {
        bool has = i ? r->has_dst : r->has_src;
        int fam = i ? r->dst.family : r->src.family;
        if (!has) continue;
        if (r->l3 == VFR_L3_ANY) r->l3 = fam == 4 ? VFR_L3_IP4 : VFR_L3_IP6;
        if ((r->l3 == VFR_L3_IP6) != (fam == 6))
            return fail(err, errlen, "%s: an IPv%d prefix in a rule for %s", i ? "dst" : "src", fam,
                        r->l3 == VFR_L3_ARP   ? "arp"
                        : r->l3 == VFR_L3_IP4 ? "ip4"
                                              : "ip6");
    }
    if (r->proto >= 0 && r->l3 == VFR_L3_ARP) return fail(err, errlen, "proto does not go with arp");
    if ((r->has_sport || r->has_dport) && !ported(r->proto))
        return fail(err, errlen, "sport/dport need proto tcp, udp, sctp or udplite");
    return 0;
}

static void add(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
    if (*at >= len) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *at, len - *at, fmt, ap);
    va_end(ap);
    if (n > 0) *at += (size_t)n;
}

static void prefix_text(const struct vfr_prefix *p, char *s, size_t n)
{
    char a[INET6_ADDRSTRLEN];
    inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->a, a, sizeof(a));
    snprintf(s, n, "%s/%u", a, p->len);
}

void vfr_rule_format(const struct vfr_rule *r, char *buf, size_t len)
{
    size_t at = 0;
    char p[64];
    buf[0] = 0;
    if (*r->in) add(buf, len, &at, "in=%s ", r->in);
    if (*r->out) add(buf, len, &at, "out=%s ", r->out);
    const uint8_t *m[2] = { r->has_smac ? r->smac : NULL, r->has_dmac ? r->dmac : NULL };
    for (int i = 0; i < 2; i++)
        if (m[i])
            add(buf, len, &at, "%s=%02x:%02x:%02x:%02x:%02x:%02x ", i ? "dmac" : "smac", m[i][0], m[i][1],
                m[i][2], m[i][3], m[i][4], m[i][5]);
    if (r->l3) add(buf, len, &at, "%s ", r->l3 == VFR_L3_ARP ? "arp" : r->l3 == VFR_L3_IP4 ? "ip4" : "ip6");
    if (r->has_src) prefix_text(&r->src, p, sizeof(p)), add(buf, len, &at, "src=%s ", p);
    if (r->has_dst) prefix_text(&r->dst, p, sizeof(p)), add(buf, len, &at, "dst=%s ", p);
    if (r->proto >= 0) {
        const char *name = NULL;
        for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
            if (protos[i].proto == r->proto) name = protos[i].name;
        if (name)
            add(buf, len, &at, "proto=%s ", name);
        else
            add(buf, len, &at, "proto=%d ", r->proto);
    }
    if (r->has_sport)
        add(buf, len, &at, r->sport_lo == r->sport_hi ? "sport=%u " : "sport=%u-%u ", r->sport_lo,
            r->sport_hi);
    if (r->has_dport)
        add(buf, len, &at, r->dport_lo == r->dport_hi ? "dport=%u " : "dport=%u-%u ", r->dport_lo,
            r->dport_hi);
    add(buf, len, &at, "%s", r->action == VFR_ACCEPT ? "accept" : r->action == VFR_DROP ? "drop" : "limit");
    const struct vfr_limit *l = &r->limit;
    if (r->action == VFR_LIMIT) {
        if (l->bytes_per_s) add(buf, len, &at, " bps=%llu", (unsigned long long)l->bytes_per_s);
        if (l->pkts_per_s) add(buf, len, &at, " pps=%llu", (unsigned long long)l->pkts_per_s);
        if (l->burst_bytes) add(buf, len, &at, " burst=%llu", (unsigned long long)l->burst_bytes);
        if (l->burst_pkts) add(buf, len, &at, " pburst=%llu", (unsigned long long)l->burst_pkts);
    }
}

static bool in_range(uint16_t v, uint16_t lo, uint16_t hi) { return v >= lo && v <= hi; }

bool vfr_rule_matches(const struct vfr_rule *r, int in, int out, const struct vfr_pkt *p)
{
    if ((r->in_idx != VFR_ANY_PORT && r->in_idx != in) || (r->out_idx != VFR_ANY_PORT && r->out_idx != out))
        return false;
    if ((r->has_smac && memcmp(r->smac, p->src, 6)) || (r->has_dmac && memcmp(r->dmac, p->dst, 6)))
        return false;
    switch (r->l3) {
    case VFR_L3_ARP:
        if (p->type != VFR_ETH_ARP) return false;
        return (!r->has_src || vfr_prefix_has(&r->src, 4, p->arp_spa)) &&
               (!r->has_dst || vfr_prefix_has(&r->dst, 4, p->arp_tpa));
    case VFR_L3_IP4:
        if (p->family != 4) return false;
        break;
    case VFR_L3_IP6:
        if (p->family != 6) return false;
        break;
    }
    if ((r->has_src && !vfr_prefix_has(&r->src, p->family, p->sip)) ||
        (r->has_dst && !vfr_prefix_has(&r->dst, p->family, p->dip)))
        return false;
    if (r->proto >= 0 && (!p->family || p->proto != r->proto)) return false;
    /* a later fragment has no ports: a port rule does not match it */
    if ((r->has_sport || r->has_dport) && !p->ports) return false;
    if (r->has_sport && !in_range(p->sport, r->sport_lo, r->sport_hi)) return false;
    if (r->has_dport && !in_range(p->dport, r->dport_lo, r->dport_hi)) return false;
    return true;
}

struct vfr_ruleset *vfr_ruleset_new(uint8_t dflt, const struct vfr_rule *rules, unsigned n)
{
    if (n > VFR_MAX_RULES || dflt > VFR_DROP) return NULL;
    struct vfr_ruleset *s = calloc(1, sizeof(*s) + n * sizeof(struct vfr_rule));
    if (!s) return NULL;
    s->dflt = dflt;
    s->n = n;
    if (n) memcpy(s->r, rules, n * sizeof(struct vfr_rule));
    for (unsigned i = 0; i < n; i++)
        s->r[i].pkts = s->r[i].bytes = s->r[i].limited = 0;
    return s;
}
