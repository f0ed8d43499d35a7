/* The list-valued xl.cfg keys: vif and disk specifications (checked, then
 * kept as text for the device back ends), Tessera's capabilities and
 * devices.  Every element is checked; the message names its own line. */
#include "cfg/domcfg_int.h"
#include "public/tessera.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Next comma-separated field of *p into buf (spaces trimmed); 0 at the end. */
static int next_field(const char **p, char *buf, size_t size)
{
    if (!**p) return 0;
    const char *e = strchr(*p, ',');
    size_t n = e ? (size_t)(e - *p) : strlen(*p);
    const char *s = *p;
    *p += n + (e != NULL);
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= size) n = size - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    return 1;
}

static int in_set(const char *v, const char *const *set)
{
    for (; *set; set++)
        if (!strcmp(v, *set)) return 1;
    return 0;
}

static int is_mac(const char *v)
{
    for (int i = 0; i < 6; i++) {
        if (!isxdigit((unsigned char)v[0]) || !isxdigit((unsigned char)v[1])) return 0;
        if (v[2] != (i == 5 ? 0 : ':')) return 0;
        v += 3;
    }
    return 1;
}

static int check_vif(struct dc_ctx *c, const struct cfg_item *it)
{
    static const char *const keys[] = { "mac",     "bridge",   "ip",          "backend",   "vifname",
                                        "script",  "model",    "type",        "rate",      "gatewaydev",
                                        "rx-rate", "rate-pps", "rx-rate-pps", "antispoof", NULL };
    char f[DOM_SPEC_MAX + 1];
    const char *p = it->str;
    while (next_field(&p, f, sizeof(f))) {
        char *eq = strchr(f, '=');
        if (!f[0] && !*p) break; /* "" or a trailing comma */
        if (!eq) return dc_fail(c, it->line, "vif: '%s' is not key=value", f);
        *eq = 0;
        if (!in_set(f, keys)) return dc_fail(c, it->line, "vif: unknown key '%s'", f);
        if (!eq[1]) return dc_fail(c, it->line, "vif: empty value for '%s'", f);
        if (!strcmp(f, "mac") && !is_mac(eq + 1)) return dc_fail(c, it->line, "vif: bad mac '%s'", eq + 1);
        if (!strcmp(f, "mac") && (strtoul(eq + 1, NULL, 16) & 1))
            return dc_fail(c, it->line, "vif: mac '%s' is a multicast address", eq + 1);
        char *end;
        unsigned long long n = strtoull(eq + 1, &end, 10);
        if (strstr(f, "-pps") && (*end || !isdigit((unsigned char)eq[1]) || !n || n > (1ull << 32)))
            return dc_fail(c, it->line, "vif: %s '%s' is not a number of packets/s (1-4294967296)", f,
                           eq + 1);
        if (!strcmp(f, "antispoof") && strcmp(eq + 1, "0") && strcmp(eq + 1, "1"))
            return dc_fail(c, it->line, "vif: antispoof '%s' is not 0 or 1", eq + 1);
    }
    return 0;
}

int dc_vif(struct dc_ctx *c, const struct cfg_setting *s)
{
    if (dc_want(c, s, CFG_LIST)) return -1;
    if (s->nitems > DOM_MAX_VIFS)
        return dc_fail(c, s->items[DOM_MAX_VIFS].line, "more than %d vifs", DOM_MAX_VIFS);
    for (int i = 0; i < s->nitems; i++) {
        if (strlen(s->items[i].str) > DOM_SPEC_MAX)
            return dc_fail(c, s->items[i].line, "vif: longer than %d characters", DOM_SPEC_MAX);
        if (check_vif(c, &s->items[i])) return -1;
        strcpy(c->d->vif[i], s->items[i].str);
    }
    c->d->nvif = s->nitems;
    return 0;
}

static int is_vdev(const char *v)
{
    if (strncmp(v, "xvd", 3) && strncmp(v, "hd", 2) && strncmp(v, "sd", 2)) return 0;
    v += v[0] == 'x' ? 3 : 2;
    if (!islower((unsigned char)*v)) return 0;
    while (islower((unsigned char)*v))
        v++;
    while (isdigit((unsigned char)*v))
        v++;
    return *v == 0;
}

/* One disk field: key=value, or positional (target first, then format,
 * vdev and access recognised by their form, as xl's legacy syntax). */
static int disk_field(struct dc_ctx *c, const struct cfg_item *it, char *f, int *pos, int *have_vdev)
{
    static const char *const keys[] = { "target",  "format",      "vdev",   "access", "devtype",
                                        "backend", "backendtype", "script", NULL };
    static const char *const formats[] = { "raw", "qcow", "qcow2", "vhd", "qed", NULL };
    static const char *const access[] = { "r", "ro", "w", "rw", NULL };
    char *eq = strchr(f, '=');
    const char *v = eq ? eq + 1 : f;
    if (eq) {
        *eq = 0;
        if (!in_set(f, keys)) return dc_fail(c, it->line, "disk: unknown key '%s'", f);
    }
    const char *k = eq                   ? f
                    : (*pos)++ == 0      ? "target"
                    : in_set(v, formats) ? "format"
                    : in_set(v, access)  ? "access"
                                         : "vdev";
    if (!strcmp(k, "vdev") && !is_vdev(v)) return dc_fail(c, it->line, "disk: bad virtual device '%s'", v);
    if (!strcmp(k, "access") && !in_set(v, access)) return dc_fail(c, it->line, "disk: bad access '%s'", v);
    if (!strcmp(k, "format") && !in_set(v, formats))
        return dc_fail(c, it->line, "disk: unknown format '%s'", v);
    *have_vdev |= !strcmp(k, "vdev");
    return 0;
}

int dc_disk(struct dc_ctx *c, const struct cfg_setting *s)
{
    if (dc_want(c, s, CFG_LIST)) return -1;
    if (s->nitems > DOM_MAX_DISKS)
        return dc_fail(c, s->items[DOM_MAX_DISKS].line, "more than %d disks", DOM_MAX_DISKS);
    for (int i = 0; i < s->nitems; i++) {
        const struct cfg_item *it = &s->items[i];
        char f[DOM_SPEC_MAX + 1];
        const char *p = it->str;
        int pos = 0, vdev = 0;
        if (strlen(it->str) > DOM_SPEC_MAX)
            return dc_fail(c, it->line, "disk: longer than %d characters", DOM_SPEC_MAX);
        while (next_field(&p, f, sizeof(f)))
            if (disk_field(c, it, f, &pos, &vdev)) return -1;
        if (!vdev) return dc_fail(c, it->line, "disk: no virtual device (vdev) in '%s'", it->str);
        strcpy(c->d->disk[i], it->str);
    }
    c->d->ndisk = s->nitems;
    return 0;
}

static const char *const cap_names[] = { "BUILD", "IO", "XENSTORE", "CONSOLE", "SCHED", NULL };

int dc_caps(struct dc_ctx *c, const struct cfg_setting *s)
{
    if (dc_want(c, s, CFG_LIST)) return -1;
    for (int i = 0; i < s->nitems; i++) {
        int bit = -1;
        for (int b = 0; cap_names[b]; b++)
            if (!strcasecmp(s->items[i].str, cap_names[b])) bit = b;
        if (bit < 0)
            return dc_fail(c, s->items[i].line,
                           "unknown capability '%s' "
                           "(BUILD, IO, XENSTORE, CONSOLE, SCHED)",
                           s->items[i].str);
        if (c->d->caps & (1u << bit))
            return dc_fail(c, s->items[i].line, "capability %s listed twice", cap_names[bit]);
        c->d->caps |= 1u << bit;
    }
    return 0;
}

void dom_caps_str(uint32_t caps, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (int b = 0; cap_names[b] && n < len; b++)
        if (caps & (1u << b)) n += snprintf(buf + n, len - n, "%s%s", n ? "," : "", cap_names[b]);
    if (!buf[0]) snprintf(buf, len, "-");
}

int domcfg_check_element(const char *key, const char *spec, char *err, size_t errlen)
{
    static struct domcfg scratch; /* large: the checks write the element into it */
    struct cfg_item it = { (char *)spec, 1 };
    struct cfg_setting s = { .type = CFG_LIST, .line = 1, .nitems = 1, .items = &it };
    struct cfg_file f = { .name = "" };
    struct dc_ctx c = { .f = &f, .d = &scratch, .err = err, .errlen = errlen };
    snprintf(s.key, sizeof(s.key), "%s", key);
    int rc = strcmp(key, "vif") ? dc_disk(&c, &s) : dc_vif(&c, &s);
    if (rc && !strncmp(err, ":1: ", 4)) memmove(err, err + 4, strlen(err + 4) + 1); /* no file, no line */
    return rc;
}
