/* The VFR rule set's persistent copy in xenstore (see vfr.h): generations
 * written whole, then published by one write of dir/current. */
#include "vfr.h"
#include "xsclient.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATHLEN 256

static int gen_of(struct xsc *xs, const char *dir, unsigned long *gen)
{
    char p[PATHLEN], *v = NULL, *end;
    snprintf(p, sizeof(p), "%s/current", dir);
    int rc = xsc_read(xs, p, &v);
    if (rc) return rc;
    *gen = strtoul(v, &end, 10);
    rc = (*v < '0' || *v > '9' || *end || *gen >= 1000000000ul) ? -EINVAL : 0;
    free(v);
    return rc;
}

int vfr_store_save(struct xsc *xs, const char *dir, const struct vfr_ruleset *set, const struct vfr_gw *gw)
{
    if (strlen(dir) > PATHLEN - 32) return -ENAMETOOLONG;
    unsigned long old = 0;
    int rc = gen_of(xs, dir, &old);
    bool had = rc == 0;
    if (rc && rc != -ENOENT && rc != -EINVAL) return rc;
    unsigned long gen = had ? (old + 1) % 1000000000ul : 1;
    char p[PATHLEN], v[32], text[VFR_RULE_TEXT];
    snprintf(p, sizeof(p), "%s/set-%lu", dir, gen);
    xsc_rm(xs, p); /* a save that stopped half-way */
    snprintf(p, sizeof(p), "%s/set-%lu/default", dir, gen);
    if ((rc = xsc_write(xs, p, set->dflt == VFR_ACCEPT ? "accept" : "drop"))) return rc;
    snprintf(p, sizeof(p), "%s/set-%lu/count", dir, gen);
    snprintf(v, sizeof(v), "%u", set->n);
    if ((rc = xsc_write(xs, p, v))) return rc;
    for (unsigned i = 0; i < set->n; i++) {
        vfr_rule_format(&set->r[i], text, sizeof(text));
        snprintf(p, sizeof(p), "%s/set-%lu/%u", dir, gen, i);
        if ((rc = xsc_write(xs, p, text))) return rc;
    }
    char routes[VFR_MAX_GW * 20];
    vfr_gw_text(gw, routes, sizeof(routes));
    snprintf(p, sizeof(p), "%s/set-%lu/routes", dir, gen);
    if ((rc = xsc_write(xs, p, routes))) return rc;
    snprintf(p, sizeof(p), "%s/current", dir);
    snprintf(v, sizeof(v), "%lu", gen);
    if ((rc = xsc_write(xs, p, v))) return rc;
    if (had) {
        snprintf(p, sizeof(p), "%s/set-%lu", dir, old);
        xsc_rm(xs, p);
    }
    return 0;
}

struct vfr_ruleset *vfr_store_load(struct xsc *xs, const char *dir, int *rcp, char *err, size_t errlen,
                                   struct vfr_gw *gwp)
{
    struct vfr_gw gw[VFR_MAX_GW] = { 0 };
    char p[PATHLEN], *v = NULL, why[128];
    unsigned long gen;
    struct vfr_rule *rules = NULL;
    struct vfr_ruleset *set = NULL;
    *rcp = 0;
    if (strlen(dir) > PATHLEN - 32) {
        snprintf(err, errlen, "%s: path too long", dir);
        *rcp = -ENAMETOOLONG;
        return NULL;
    }
    int rc = gen_of(xs, dir, &gen);
    if (rc == -ENOENT) return NULL;
    if (rc) {
        snprintf(err, errlen, "%s/current: %s", dir,
                 rc == -EINVAL ? "not a generation number" : strerror(-rc));
        *rcp = rc;
        return NULL;
    }
    snprintf(p, sizeof(p), "%s/set-%lu/default", dir, gen);
    uint8_t dflt;
    if ((rc = xsc_read(xs, p, &v)) || (strcmp(v, "accept") && strcmp(v, "drop"))) {
        snprintf(err, errlen, "%s: %s", p, rc ? strerror(-rc) : "not accept or drop");
        goto bad;
    }
    dflt = v[0] == 'a' ? VFR_ACCEPT : VFR_DROP;
    free(v), v = NULL;
    snprintf(p, sizeof(p), "%s/set-%lu/count", dir, gen);
    char *end;
    unsigned long n = 0;
    if ((rc = xsc_read(xs, p, &v)) ||
        (n = strtoul(v, &end, 10), *v < '0' || *v > '9' || *end || n > VFR_MAX_RULES)) {
        snprintf(err, errlen, "%s: %s", p, rc ? strerror(-rc) : "not a rule count 0-256");
        goto bad;
    }
    free(v), v = NULL;
    rules = calloc(n ? n : 1, sizeof(*rules));
    if (!rules) {
        rc = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto bad;
    }
    for (unsigned long i = 0; i < n; i++) {
        snprintf(p, sizeof(p), "%s/set-%lu/%lu", dir, gen, i);
        if ((rc = xsc_read(xs, p, &v))) {
            snprintf(err, errlen, "%s: %s", p, strerror(-rc));
            goto bad;
        }
        if ((rc = vfr_rule_parse(v, &rules[i], why, sizeof(why)))) {
            snprintf(err, errlen, "%s: %s", p, why);
            goto bad;
        }
        free(v), v = NULL;
    }
    /* the router addresses (none in a set saved before they were kept) */
    snprintf(p, sizeof(p), "%s/set-%lu/routes", dir, gen);
    rc = xsc_read(xs, p, &v);
    if (rc && rc != -ENOENT) {
        snprintf(err, errlen, "%s: %s", p, strerror(-rc));
        goto bad;
    }
    for (char *save = NULL, *a = v ? strtok_r(v, " ", &save) : NULL; a; a = strtok_r(NULL, " ", &save)) {
        if ((rc = vfr_gw_insert(gw, a))) {
            snprintf(err, errlen, "%s: '%s' %s", p, a,
                     rc == -EEXIST   ? "overlaps another routed subnet"
                     : rc == -ENOSPC ? "is one router address too many"
                                     : "is not a router address ADDR/LEN");
            rc = -EINVAL; /* a damaged copy, whatever the table said */
            goto bad;
        }
    }
    free(v), v = NULL;
    rc = 0;
    set = vfr_ruleset_new(dflt, rules, (unsigned)n);
    free(rules);
    if (!set) {
        snprintf(err, errlen, "out of memory");
        *rcp = -ENOMEM;
    } else {
        memcpy(gwp, gw, sizeof(gw));
    }
    return set;
bad:
    free(v);
    free(rules);
    *rcp = rc ? rc : -EINVAL;
    return NULL;
}
