/* The VFR rule set's persistent copy, against our host xenstored (a Unix
 * socket): save, load, replace, and refusals of damaged copies. */
#include "t.h"
#include "vfr.h"
#include "xsd.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct vfr_ruleset *set_of(uint8_t dflt, const char *const *texts, unsigned n)
{
    struct vfr_rule r[8];
    char err[128];
    for (unsigned i = 0; i < n; i++)
        if (vfr_rule_parse(texts[i], &r[i], err, sizeof(err))) return NULL;
    return vfr_ruleset_new(dflt, r, n);
}

static bool same(const struct vfr_ruleset *a, const struct vfr_ruleset *b)
{
    if (!a || !b || a->n != b->n || a->dflt != b->dflt) return false;
    char x[VFR_RULE_TEXT], y[VFR_RULE_TEXT];
    for (unsigned i = 0; i < a->n; i++) {
        vfr_rule_format(&a->r[i], x, sizeof(x));
        vfr_rule_format(&b->r[i], y, sizeof(y));
        if (strcmp(x, y)) return false;
    }
    return true;
}

#define DIR "/local/domain/3/vfr"

void test_vfr_store(void)
{
    struct xsd sd;
    CHECK(xsd_start(&sd) == 0, "host xenstored started (NB_XENSTORED)");
    struct xsc *xs = xsd_conn(&sd);
    CHECK(xs != NULL, "connected to xenstored");
    if (!xs) goto out;
    int rc;
    char err[256] = "";
    static const struct vfr_gw none[VFR_MAX_GW];
    struct vfr_gw gw[VFR_MAX_GW];
    struct vfr_ruleset *got = vfr_store_load(xs, DIR, &rc, err, sizeof(err), gw);
    CHECK(!got && rc == 0, "nothing saved: no set, no error");
    static const char *const t1[] = { "in=vif1.0 proto=tcp dport=22 drop", "arp src=10.0.0.1 accept",
                                      "ip6 dst=fd00::/16 limit bps=1000 pps=10" };
    struct vfr_ruleset *s1 = set_of(VFR_DROP, t1, 3);
    CHECK(vfr_store_save(xs, DIR, s1, none) == 0, "save three rules");
    got = vfr_store_load(xs, DIR, &rc, err, sizeof(err), gw);
    CHECK(rc == 0 && same(got, s1), "load gives back the same set (%s)", err);
    free(got);
    char *v = NULL;
    CHECK(xsc_read(xs, DIR "/current", &v) == 0 && !strcmp(v, "1"), "generation 1 current");
    free(v), v = NULL;
    struct vfr_ruleset *s2 = set_of(VFR_ACCEPT, t1 + 1, 1);
    CHECK(vfr_store_save(xs, DIR, s2, none) == 0, "save a replacement");
    got = vfr_store_load(xs, DIR, &rc, err, sizeof(err), gw);
    CHECK(rc == 0 && same(got, s2), "load gives back the replacement");
    free(got);
    CHECK(xsc_read(xs, DIR "/set-1/count", &v) == -ENOENT, "the old generation is removed");
    free(v), v = NULL;
    /* a save that stopped before switching: the old set is what loads */
    xsc_write(xs, DIR "/set-3/default", "drop");
    xsc_write(xs, DIR "/set-3/count", "0");
    got = vfr_store_load(xs, DIR, &rc, err, sizeof(err), gw);
    CHECK(rc == 0 && same(got, s2), "an unpublished generation is not loaded");
    free(got);
    CHECK(vfr_store_save(xs, DIR, s1, none) == 0 &&
              (got = vfr_store_load(xs, DIR, &rc, err, sizeof(err), gw)) && same(got, s1),
          "a save over a leftover generation");
    free(got);
    /* damaged copies are refused with the node and the reason */
    xsc_read(xs, DIR "/current", &v);
    char p[128];
    snprintf(p, sizeof(p), DIR "/set-%s/1", v);
    xsc_write(xs, p, "arp src=fd00::1 accept");
    got = vfr_store_load(xs, DIR, &rc, err, sizeof(err), gw);
    CHECK(!got && rc == -EINVAL && strstr(err, p) && strstr(err, "IPv6 prefix"),
          "a bad rule node refused: %s", err);
    xsc_rm(xs, p);
    got = vfr_store_load(xs, DIR, &rc, err, sizeof(err), gw);
    CHECK(!got && rc == -ENOENT && strstr(err, p), "a missing rule node refused: %s", err);
    snprintf(p, sizeof(p), DIR "/set-%s/count", v);
    xsc_write(xs, p, "257");
    got = vfr_store_load(xs, DIR, &rc, err, sizeof(err), gw);
    CHECK(!got && rc == -EINVAL && strstr(err, "not a rule count"), "a count above 256 refused: %s", err);
    snprintf(p, sizeof(p), DIR "/set-%s/default", v);
    xsc_write(xs, p, "maybe");
    got = vfr_store_load(xs, DIR, &rc, err, sizeof(err), gw);
    CHECK(!got && rc == -EINVAL && strstr(err, "not accept or drop"), "a bad default refused: %s", err);
    free(v);
    xsc_write(xs, DIR "/current", "1x");
    got = vfr_store_load(xs, DIR, &rc, err, sizeof(err), gw);
    CHECK(!got && rc == -EINVAL && strstr(err, "not a generation"), "a bad current refused: %s", err);
    CHECK(vfr_store_save(xs, DIR, s2, none) == 0 &&
              (got = vfr_store_load(xs, DIR, &rc, err, sizeof(err), gw)) && same(got, s2),
          "a save repairs a bad current");
    free(got);
    /* router addresses are part of the saved state */
    struct vfr_gw two[VFR_MAX_GW] = { 0 };
    char text[200];
    vfr_gw_insert(two, "10.0.4.254/24");
    vfr_gw_insert(two, "10.0.5.254/24");
    CHECK(vfr_store_save(xs, DIR, s1, two) == 0 &&
              (got = vfr_store_load(xs, DIR, &rc, err, sizeof(err), gw)) && same(got, s1) &&
              (vfr_gw_text(gw, text, sizeof(text)), !strcmp(text, "10.0.4.254/24 10.0.5.254/24")),
          "router addresses saved and loaded with the set (%s)", text);
    free(got);
    xsc_read(xs, DIR "/current", &v);
    snprintf(p, sizeof(p), DIR "/set-%s/routes", v);
    free(v), v = NULL;
    CHECK(xsc_read(xs, p, &v) == 0 && !strcmp(v, "10.0.4.254/24 10.0.5.254/24"), "... as %s", p);
    free(v), v = NULL;
    static const char *const bad_routes[][2] = {
        { "10.0.4.254/24 10.0.4.1/16", "overlaps another routed subnet" },
        { "10.0.4.0/24", "is not a router address" },
        { "10.0.4.254/24 x", "is not a router address" },
        { "1.0.0.1/30 2.0.0.1/30 3.0.0.1/30 4.0.0.1/30 5.0.0.1/30 6.0.0.1/30 7.0.0.1/30 8.0.0.1/30 "
          "9.0.0.1/30",
          "one router address too many" },
    };
    for (unsigned i = 0; i < sizeof(bad_routes) / sizeof(bad_routes[0]); i++) {
        xsc_write(xs, p, bad_routes[i][0]);
        memcpy(gw, two, sizeof(gw));
        got = vfr_store_load(xs, DIR, &rc, err, sizeof(err), gw);
        CHECK(!got && rc == -EINVAL && strstr(err, p) && strstr(err, bad_routes[i][1]) &&
                  !memcmp(gw, two, sizeof(gw)),
              "damaged routes '%s' refused, nothing taken: %s", bad_routes[i][0], err);
    }
    xsc_rm(xs, p);
    memcpy(gw, two, sizeof(gw));
    CHECK((got = vfr_store_load(xs, DIR, &rc, err, sizeof(err), gw)) && rc == 0 && same(got, s1) &&
              !memcmp(gw, none, sizeof(gw)),
          "a set saved without routes (an older netback's) loads with none");
    free(got);
    free(s1);
    free(s2);
    xsc_free(xs);
out:
    xsd_stop(&sd);
}
