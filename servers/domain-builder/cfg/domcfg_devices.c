/* The "devices" key: hardware a service domain is given (it needs the IO
 * capability).  Elements: "ioports=FIRST[-LAST]", "irq=N",
 * "mmio=MFN[-MFN]", "pci=SEG:BUS:DEV.FN".  Numbers are decimal or 0x hex;
 * ranges are inclusive and must not be reversed. */
#include "cfg/domcfg_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* A whole decimal or 0x-hex number at *p, at most max; advances *p. */
static int parse_num(const char **p, uint64_t max, uint64_t *out)
{
    const char *s = *p;
    int base = 10;
    uint64_t v = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, s += 2;
    const char *d0 = s;
    for (;; s++) {
        int d = isdigit((unsigned char)*s)                  ? *s - '0'
                : base == 16 && isxdigit((unsigned char)*s) ? (tolower((unsigned char)*s) - 'a' + 10)
                                                            : -1;
        if (d < 0) break;
        if (v > (max - (uint64_t)d) / (uint64_t)base) return -1;
        v = v * base + d;
    }
    if (s == d0) return -1;
    *p = s;
    *out = v;
    return 0;
}

static int parse_range(const char *v, uint64_t max, struct dom_dev *dev)
{
    if (parse_num(&v, max, &dev->first)) return -1;
    dev->last = dev->first;
    if (*v == '-') {
        v++;
        if (parse_num(&v, max, &dev->last) || dev->last < dev->first) return -1;
    }
    return *v ? -1 : 0;
}

static int parse_pci(const char *v, struct dom_dev *dev)
{
    unsigned long seg, bus, slot, fn;
    int n = 0;
    /* fields are hex digits only, as lspci prints them */
    for (const char *p = v; *p; p++)
        if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.') return -1;
    if (sscanf(v, "%4lx:%2lx:%2lx.%1lx%n", &seg, &bus, &slot, &fn, &n) != 4 || v[n]) return -1;
    if (slot > 31 || fn > 7) return -1;
    dev->first = dev->last = (uint64_t)seg << 16 | bus << 8 | slot << 3 | fn;
    return 0;
}

static int parse_dev(const char *spec, struct dom_dev *dev)
{
    const char *eq = strchr(spec, '=');
    if (!eq) return -1;
    size_t k = (size_t)(eq - spec);
    const char *v = eq + 1;
    if (k == 7 && !strncmp(spec, "ioports", 7)) {
        dev->kind = DEV_IOPORTS;
        return parse_range(v, 0xffff, dev);
    }
    if (k == 3 && !strncmp(spec, "irq", 3)) {
        dev->kind = DEV_IRQ;
        return parse_range(v, 255, dev) || dev->first != dev->last || !dev->first ? -1 : 0;
    }
    if (k == 4 && !strncmp(spec, "mmio", 4)) {
        dev->kind = DEV_MMIO;
        return parse_range(v, (1ull << 40) - 1, dev);
    }
    if (k == 3 && !strncmp(spec, "pci", 3)) {
        dev->kind = DEV_PCI;
        return parse_pci(v, dev);
    }
    return -1;
}

int dc_devices(struct dc_ctx *c, const struct cfg_setting *s)
{
    if (dc_want(c, s, CFG_LIST)) return -1;
    c->devices_line = s->line;
    if (s->nitems > DOM_MAX_DEVS)
        return dc_fail(c, s->items[DOM_MAX_DEVS].line, "more than %d devices", DOM_MAX_DEVS);
    for (int i = 0; i < s->nitems; i++)
        if (parse_dev(s->items[i].str, &c->d->dev[i]))
            return dc_fail(c, s->items[i].line,
                           "bad device '%s' (ioports=A-B, irq=N, "
                           "mmio=A-B or pci=SSSS:BB:DD.F)",
                           s->items[i].str);
    c->d->ndev = s->nitems;
    return 0;
}

/* xl.cfg's "pci" key: each element "[DDDD:]BB:DD.F" (xl's per-device
 * options and virtual slots are not supported). */
int dc_pci(struct dc_ctx *c, const struct cfg_setting *s)
{
    if (dc_want(c, s, CFG_LIST)) return -1;
    if (s->nitems > DOM_MAX_DEVS)
        return dc_fail(c, s->items[DOM_MAX_DEVS].line, "more than %d pci devices", DOM_MAX_DEVS);
    for (int i = 0; i < s->nitems; i++) {
        char full[DOM_SPEC_MAX + 8];
        const char *v = s->items[i].str;
        struct dom_dev dev;
        int colons = 0;
        for (const char *p = v; *p; p++)
            colons += *p == ':';
        snprintf(full, sizeof(full), "%s%.*s", colons == 1 ? "0000:" : "", DOM_SPEC_MAX, v);
        if (strchr(v, ',') || strchr(v, '@'))
            return dc_fail(c, s->items[i].line, "pci '%s': options and virtual slots are not supported", v);
        if (strlen(v) > 12 || parse_pci(full, &dev))
            return dc_fail(c, s->items[i].line, "bad pci device '%s' ([DDDD:]BB:DD.F)", v);
        c->d->pci[i] = (uint32_t)dev.first;
    }
    c->d->npci = s->nitems;
    return 0;
}

/* Tessera's "modules" key: files handed to the kernel as a Xen multiboot
 * module package (SIF_MULTIBOOT_MOD), each "FILE [ARGS]"; the service
 * runtime runs the first one as its program. */
int dc_modules(struct dc_ctx *c, const struct cfg_setting *s)
{
    if (dc_want(c, s, CFG_LIST)) return -1;
    c->modules_line = s->line;
    if (!s->nitems) return dc_fail(c, s->line, "'modules' is empty");
    if (s->nitems > DOM_MAX_MODULES)
        return dc_fail(c, s->items[DOM_MAX_MODULES].line, "more than %d modules", DOM_MAX_MODULES);
    for (int i = 0; i < s->nitems; i++) {
        const char *m = s->items[i].str;
        if (!m[0] || m[0] == ' ') return dc_fail(c, s->items[i].line, "module %d: no file name", i);
        if (strlen(m) > DOM_SPEC_MAX)
            return dc_fail(c, s->items[i].line, "module %d: longer than %d characters", i, DOM_SPEC_MAX);
        strcpy(c->d->module[i], m);
    }
    c->d->nmod = s->nitems;
    return 0;
}
