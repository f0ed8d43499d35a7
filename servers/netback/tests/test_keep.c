/* netback's counters across a restart of its program (nb_keep.c): an
 * instance counts, syncs into a region, and a new instance (fresh VFR and
 * netback, the same region) gets the counts back: rules by their text
 * (a changed rule starts at 0), ports and vifs by name whenever they
 * appear, in any slot; ports that never come back are forgotten after the
 * wait; a sync that stopped before naming its slot leaves the previous
 * snapshot; a region not written by netback, of another layout, or whose
 * snapshot was changed after its sync is refused with the reason and
 * started afresh; the builder's list of state pages is checked. */
#include "t.h"
#include "nb_keep.h"
#include "xsstate.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t MA[6] = { 0x00, 0x16, 0x3e, 0, 9, 1 }, MB[6] = { 0x00, 0x16, 0x3e, 0, 9, 2 };

struct inst {
    struct vfr v;
    struct nb b;
    struct nb_vif vif[4];
    struct nb_keep k;
};

static int port(struct inst *s, const char *name, const uint8_t *mac)
{
    return t_vfr_port(&s->v, name, mac, NULL);
}

static void vif_on(struct inst *s, int p, unsigned i)
{
    nb_vif_init(&s->vif[i], &s->b, 1, p);
    s->b.vif_of[p] = &s->vif[i];
}

static void start(struct inst *s, const char *const *rules, unsigned n)
{
    memset(s, 0, sizeof(*s));
    vfr_init(&s->v, &(struct vfr_ops){ 0 });
    nb_init(&s->b, &s->v, &(struct nb_env){ 0 });
    struct vfr_rule r[4];
    char err[128];
    for (unsigned i = 0; i < n; i++)
        vfr_rule_parse(rules[i], &r[i], err, sizeof(err));
    free(vfr_rules_replace(&s->v, vfr_ruleset_new(VFR_ACCEPT, r, n), 0));
}

static void stop(struct inst *s)
{
    nb_fini(&s->b);
    vfr_fini(&s->v);
    free(s->k.old);
}

void test_keep(void)
{
    static struct inst a, b;
    size_t size = nb_keep_size();
    CHECK(size <= 16 * 4096, "keep: the region fits netback's 16 kept pages (%zu bytes)", size);
    uint8_t *region = calloc(1, size);
    char why[160];
    const char *r1[] = { "ip4 proto=udp dport=7001 drop", "arp accept", "ip6 drop" };

    /* instance 1 counts */
    start(&a, r1, 3);
    CHECK(nb_keep_attach(&a.k, region, 0, why, sizeof(why)) == 0,
          "keep: an empty region: no previous counters");
    CHECK(nb_keep_rules(&a.k, &a.v) == 0, "keep: ... and no rule counts to give");
    int pn = port(&a, "nic", NULL), pa = port(&a, "vif5.0", MA), pb = port(&a, "vif6.0", MB);
    vif_on(&a, pa, 0);
    vif_on(&a, pb, 1);
    CHECK(nb_keep_sync(&a.k, &a.b, 1) == 0, "keep: the first sync gives nothing back");
    a.v.rules->r[0].pkts = 17, a.v.rules->r[0].bytes = 1700;
    a.v.rules->r[2].pkts = 3, a.v.rules->r[2].bytes = 300, a.v.rules->r[2].limited = 1;
    a.v.port[pn].st.in_pkts = 40, a.v.port[pn].st.icmp_sent = 2;
    a.v.port[pa].st.drop_spoof = 4, a.v.port[pa].st.out_bytes = 999;
    a.v.port[pb].st.drop_rate_in = 7;
    a.vif[0].st.tx_pkts = 11, a.vif[0].st.gso_segmented = 5;
    a.vif[1].st.rx_errors = 2;
    nb_keep_sync(&a.k, &a.b, 2);

    /* a sync torn before it named its slot: the counts above stay */
    a.v.port[pa].st.drop_spoof = 1000;
    struct nb_keep_hdr *h = (struct nb_keep_hdr *)region;
    uint32_t cur = ((volatile uint32_t *)h)[2];
    nb_keep_sync(&a.k, &a.b, 3);
    ((volatile uint32_t *)h)[2] = cur; /* as if the program died before the store */
    stop(&a);

    /* instance 2: the rule set changed in one rule, ports come back in
     * another order and later, one never */
    const char *r2[] = { "arp accept", "ip4 proto=udp dport=7001 drop", "ip6 proto=tcp drop" };
    start(&b, r2, 3);
    CHECK(nb_keep_attach(&b.k, region, 100, why, sizeof(why)) == 1,
          "keep: the previous instance's counters found");
    CHECK(nb_keep_rules(&b.k, &b.v) == 2, "keep: 2 of 3 rules have the same text");
    CHECK(b.v.rules->r[1].pkts == 17 && b.v.rules->r[1].bytes == 1700,
          "keep: a moved rule keeps its counts (17 pkts, 1700 bytes)");
    CHECK(b.v.rules->r[2].pkts == 0 && b.v.rules->r[2].limited == 0, "keep: a changed rule starts at 0");
    int qb = port(&b, "vif6.0", MB);
    b.v.port[qb].st.drop_rate_in = 1; /* counted before the first sync */
    CHECK(nb_keep_sync(&b.k, &b.b, 101) == 1, "keep: one port back in the first sync");
    CHECK(b.v.port[qb].st.drop_rate_in == 8, "keep: its counts added to what it counted meanwhile (1 + 7)");
    vif_on(&b, qb, 0);
    nb_keep_sync(&b.k, &b.b, 102);
    CHECK(b.vif[0].st.rx_errors == 2, "keep: the vif's statistics once it runs again");
    nb_keep_sync(&b.k, &b.b, 103);
    CHECK(b.v.port[qb].st.drop_rate_in == 8 && b.vif[0].st.rx_errors == 2, "keep: given back only once");
    int qn = port(&b, "nic", NULL);
    CHECK(nb_keep_sync(&b.k, &b.b, 104) == 1 && b.v.port[qn].st.in_pkts == 40 &&
              b.v.port[qn].st.icmp_sent == 2,
          "keep: the NIC port's counts (40 in, 2 ICMP)");
    stop(&b);

    /* instance 3, restarted before vif5.0 came back: it is still kept */
    start(&b, r2, 3);
    CHECK(nb_keep_attach(&b.k, region, 200, why, sizeof(why)) == 1 && nb_keep_rules(&b.k, &b.v) == 3,
          "keep: restarted again");
    int qa = port(&b, "vif5.0", MA);
    vif_on(&b, qa, 1);
    nb_keep_sync(&b.k, &b.b, 201);
    CHECK(b.v.port[qa].st.drop_spoof == 4 && b.v.port[qa].st.out_bytes == 999 && b.vif[1].st.tx_pkts == 11 &&
              b.vif[1].st.gso_segmented == 5,
          "keep: a port back two instances later (the torn sync's 1000 never seen)");
    CHECK(b.v.rules->r[1].pkts == 17, "keep: the rule's counts across two restarts");
    vfr_port_del(&b.v, qa);
    b.b.vif_of[qa] = NULL;
    nb_keep_sync(&b.k, &b.b, 202);
    qa = port(&b, "vif5.0", MA);
    nb_keep_sync(&b.k, &b.b, 203);
    CHECK(b.v.port[qa].st.drop_spoof == 0, "keep: a vif removed and added again in one instance starts at 0");
    stop(&b);

    /* ports not back within the wait are forgotten */
    start(&b, r2, 3);
    nb_keep_attach(&b.k, region, 1000, why, sizeof(why));
    nb_keep_sync(&b.k, &b.b, 1000 + 121000000000ull);
    stop(&b);
    start(&b, r2, 3);
    nb_keep_attach(&b.k, region, 2000, why, sizeof(why));
    qa = port(&b, "vif9.0", MA);
    qb = port(&b, "vif6.0", MB);
    CHECK(nb_keep_sync(&b.k, &b.b, 2001) == 0 && b.v.port[qb].st.drop_rate_in == 0,
          "keep: a port gone longer than the wait is forgotten");
    stop(&b);

    /* hostile or damaged regions: refused with the reason, started afresh */
    start(&b, r2, 3);
    CHECK(nb_keep_attach(&b.k, region, 3000, why, sizeof(why)) == 1, "keep: a good region");
    nb_keep_sync(&b.k, &b.b, 3001);
    stop(&b);
    uint32_t hc = ((volatile uint32_t *)region)[2];
    uint8_t *slot = region + (hc ? nb_keep_size() / 2 + 32 : 64); /* the current slot: header, then two */
    slot[0x10 + 3] ^= 0x40;                                       /* a port's name */
    start(&b, r2, 3);
    CHECK(nb_keep_attach(&b.k, region, 0, why, sizeof(why)) == -EINVAL && strstr(why, "checksum") &&
              strstr(why, "a damaged snapshot"),
          "keep: a snapshot changed after its sync is refused (%s)", why);
    CHECK(nb_keep_rules(&b.k, &b.v) == 0, "keep: ... and gives no counts");
    stop(&b);
    start(&b, r2, 3);
    CHECK(nb_keep_attach(&b.k, region, 0, why, sizeof(why)) == 1 && nb_keep_rules(&b.k, &b.v) == 0 &&
              nb_keep_sync(&b.k, &b.b, 1) == 0,
          "keep: ... the region started afresh: an empty snapshot");
    stop(&b);
    memset(region, 0x5a, size);
    start(&b, r2, 3);
    CHECK(nb_keep_attach(&b.k, region, 0, why, sizeof(why)) == -EINVAL &&
              !strcmp(why, "not netback's counters (magic 5a5a5a5a5a5a5a5a)") &&
              nb_keep_rules(&b.k, &b.v) == 0,
          "keep: a region of garbage is refused (%s)", why);
    stop(&b);
    ((volatile uint32_t *)region)[3] += 8; /* size */
    start(&b, r2, 3);
    CHECK(nb_keep_attach(&b.k, region, 0, why, sizeof(why)) == -EINVAL && !strncmp(why, "size ", 5),
          "keep: a region of another size is refused (%s)", why);
    stop(&b);
    ((volatile uint32_t *)region)[4] = 1; /* version */
    start(&b, r2, 3);
    CHECK(nb_keep_attach(&b.k, region, 0, why, sizeof(why)) == -EINVAL &&
              !strcmp(why, "layout version 1, not 2"),
          "keep: a region of another layout version is refused (%s)", why);
    stop(&b);
    ((volatile uint32_t *)region)[2] = 7; /* current slot */
    start(&b, r2, 3);
    CHECK(nb_keep_attach(&b.k, region, 0, why, sizeof(why)) == -EINVAL && !strcmp(why, "current slot 7"),
          "keep: a current slot past the two is refused (%s)", why);
    stop(&b);
    memset(region, 0, size);
    start(&b, r2, 3);
    CHECK(nb_keep_attach(&b.k, region, 0, why, sizeof(why)) == 0, "keep: a zeroed region: nothing to refuse");
    stop(&b);

    /* the builder's list of state pages (xsstate.h) */
    static uint8_t first[4096];
    uint32_t list[18] = { 17, 50 }, refs[16];
    for (unsigned i = 2; i < 18; i++)
        list[i] = 100 + i;
    memcpy(first + XSSTATE_REFS_OFF, list, sizeof(list));
    CHECK(nb_keep_state_list(first, 50, refs, 16, why, sizeof(why)) == 16 && refs[0] == 102 &&
              refs[15] == 117,
          "state pages: 16 after the first");
    CHECK(nb_keep_state_list(first, 51, refs, 16, why, sizeof(why)) == -EINVAL &&
              !strcmp(why, "the list starts with grant 50, not 51"),
          "state pages: a list for another grant is refused (%s)", why);
    list[0] = 2;
    memcpy(first + XSSTATE_REFS_OFF, list, 4);
    CHECK(nb_keep_state_list(first, 50, refs, 16, why, sizeof(why)) == -EINVAL &&
              strstr(why, "the list names 2 pages"),
          "state pages: too few for the region are refused (%s)", why);
    list[0] = 0xffffffffu;
    memcpy(first + XSSTATE_REFS_OFF, list, 4);
    CHECK(nb_keep_state_list(first, 50, refs, 16, why, sizeof(why)) == -EINVAL,
          "state pages: a count of 2^32-1 is refused (%s)", why);
    free(region);
}
