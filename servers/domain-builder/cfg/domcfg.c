/* The meaning of the xl.cfg keys (scalars here; lists in domcfg_lists.c).
 * Each known key has a handler that checks its type and range; an unknown
 * key is an error (a typo must not silently give a domain defaults).  All
 * checks run before anything is returned, so a bad file changes nothing. */
#include "cfg/domcfg.h"
#include "cfg/domcfg_int.h"
#include "public/tessera.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dc_fail(struct dc_ctx *c, int line, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(c->err, c->errlen, "%s:%d: ", c->f->name, line);
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < c->errlen) vsnprintf(c->err + n, c->errlen - n, fmt, ap);
    va_end(ap);
    return -1;
}

int dc_want(struct dc_ctx *c, const struct cfg_setting *s, enum cfg_type t)
{
    static const char *what[] = { "a quoted string", "a number", "a list" };
    if (s->type == t) return 0;
    return dc_fail(c, s->line, "'%s' must be %s", s->key, what[t]);
}

static int copy_str(struct dc_ctx *c, const struct cfg_setting *s, char *dst, size_t size, int allow_empty)
{
    if (dc_want(c, s, CFG_STR)) return -1;
    size_t n = strlen(s->str);
    if (!n && !allow_empty) return dc_fail(c, s->line, "'%s' is empty", s->key);
    if (n >= size) return dc_fail(c, s->line, "'%s' longer than %zu characters", s->key, size - 1);
    memcpy(dst, s->str, n + 1);
    return 0;
}

static int h_name(struct dc_ctx *c, const struct cfg_setting *s)
{
    if (copy_str(c, s, c->d->name, sizeof(c->d->name), 0)) return -1;
    int digits = 1;
    /* what xl accepts, less what the xl shell would split or quote: blanks,
     * quotes, backslash, '#', ';' and '/' (xenstore paths) */
    for (const char *p = s->str; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= ' ' || ch >= 0x7f || strchr("\"'\\#;/", ch))
            return ch < ' ' || ch >= 0x7f ? dc_fail(c, s->line, "bad character (byte %#x) in name", ch)
                                          : dc_fail(c, s->line, "bad character '%c' in name", ch);
        digits &= isdigit((unsigned char)*p) != 0;
    }
    if (!isalnum((unsigned char)s->str[0]))
        return dc_fail(c, s->line, "name must start with a letter or digit");
    if (digits) return dc_fail(c, s->line, "name must not be a number (it would look like a domain id)");
    return 0;
}

static int h_kernel(struct dc_ctx *c, const struct cfg_setting *s)
{
    return copy_str(c, s, c->d->kernel, sizeof(c->d->kernel), 0);
}

static int h_ramdisk(struct dc_ctx *c, const struct cfg_setting *s)
{
    c->ramdisk_line = s->line;
    return copy_str(c, s, c->d->ramdisk, sizeof(c->d->ramdisk), 1);
}

static int h_cmdline(struct dc_ctx *c, const struct cfg_setting *s)
{
    const struct cfg_setting *o = cfg_get(c->f, !strcmp(s->key, "extra") ? "cmdline" : "extra");
    if (o && o < s) return dc_fail(c, s->line, "both 'cmdline' and 'extra' are set (line %d)", o->line);
    if (o) return 0; /* reported at the later of the two */
    return copy_str(c, s, c->d->cmdline, sizeof(c->d->cmdline), 1);
}

static int num_range(struct dc_ctx *c, const struct cfg_setting *s, unsigned long long lo,
                     unsigned long long hi, uint32_t *out)
{
    if (dc_want(c, s, CFG_NUM)) return -1;
    if (s->num < lo || s->num > hi)
        return dc_fail(c, s->line, "'%s' must be between %llu and %llu", s->key, lo, hi);
    *out = (uint32_t)s->num;
    return 0;
}

static int h_memory(struct dc_ctx *c, const struct cfg_setting *s)
{
    return num_range(c, s, 1, DOM_MAX_MEM_MB, &c->d->memory_mb);
}

static int h_maxmem(struct dc_ctx *c, const struct cfg_setting *s)
{
    c->maxmem_line = s->line;
    return num_range(c, s, 1, DOM_MAX_MEM_MB, &c->d->maxmem_mb);
}

static int h_vcpus(struct dc_ctx *c, const struct cfg_setting *s)
{
    c->vcpus_line = s->line;
    return num_range(c, s, 1, DOM_MAX_VCPUS, &c->d->vcpus);
}

static int h_action(struct dc_ctx *c, const struct cfg_setting *s)
{
    static const char *unsupported[] = { "rename-restart", "coredump-destroy", "coredump-restart",
                                         "soft-reset" };
    enum dom_action *a = !strcmp(s->key, "on_poweroff") ? &c->d->on_poweroff
                         : !strcmp(s->key, "on_reboot") ? &c->d->on_reboot
                                                        : &c->d->on_crash;
    if (dc_want(c, s, CFG_STR)) return -1;
    for (enum dom_action i = ACT_DESTROY; i <= ACT_PRESERVE; i++)
        if (!strcmp(s->str, dom_action_name(i))) {
            *a = i;
            return 0;
        }
    for (size_t i = 0; i < sizeof(unsupported) / sizeof(*unsupported); i++)
        if (!strcmp(s->str, unsupported[i]))
            return dc_fail(c, s->line, "'%s' action \"%s\" is not supported", s->key, s->str);
    return dc_fail(c, s->line, "'%s' must be \"destroy\", \"restart\" or \"preserve\"", s->key);
}

static int h_type(struct dc_ctx *c, const struct cfg_setting *s)
{
    if (dc_want(c, s, CFG_STR)) return -1;
    if (strcmp(s->str, "pv")) return dc_fail(c, s->line, "only type = \"pv\" is supported");
    return 0;
}

static int h_domid(struct dc_ctx *c, const struct cfg_setting *s)
{
    return num_range(c, s, 1, 0x7FEF, &c->d->domid); /* below DOMID_FIRST_RESERVED */
}

static int h_state_pages(struct dc_ctx *c, const struct cfg_setting *s)
{
    c->state_line = s->line;
    return num_range(c, s, 1, DOM_MAX_STATEPG, &c->d->state_pages);
}

static const struct dc_key keys[] = {
    { "name", h_name },          { "kernel", h_kernel },
    { "ramdisk", h_ramdisk },    { "extra", h_cmdline },
    { "cmdline", h_cmdline },    { "memory", h_memory },
    { "maxmem", h_maxmem },      { "vcpus", h_vcpus },
    { "on_poweroff", h_action }, { "on_reboot", h_action },
    { "on_crash", h_action },    { "type", h_type },
    { "vif", dc_vif },           { "disk", dc_disk },
    { "capabilities", dc_caps }, { "devices", dc_devices },
    { "modules", dc_modules },   { "pci", dc_pci },
    { "domid", h_domid },        { "state_pages", h_state_pages },
};

static int apply(struct dc_ctx *c, const struct cfg_setting *s)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
        if (!strcmp(keys[i].key, s->key)) return keys[i].fn(c, s);
    int rc = dc_compat(c, s);
    return rc == 1 ? dc_fail(c, s->line, "unknown setting '%s'", s->key) : rc;
}

static int final_checks(struct dc_ctx *c)
{
    int last = 1;
    for (int i = 0; i < c->f->n; i++)
        last = c->f->s[i].line > last ? c->f->s[i].line : last;
    if (!c->d->name[0]) return dc_fail(c, last, "missing 'name'");
    if (!c->d->kernel[0]) return dc_fail(c, last, "missing 'kernel'");
    if (!c->maxmem_line)
        c->d->maxmem_mb = c->d->memory_mb;
    else if (c->d->maxmem_mb < c->d->memory_mb)
        return dc_fail(c, c->maxmem_line, "'maxmem' (%u) is below 'memory' (%u)", c->d->maxmem_mb,
                       c->d->memory_mb);
    if (c->ramdisk_line && c->modules_line)
        return dc_fail(c, c->ramdisk_line > c->modules_line ? c->ramdisk_line : c->modules_line,
                       "both 'ramdisk' and 'modules' are set");
    if (c->d->ndev && !(c->d->caps & TESSERA_CAP_IO))
        return dc_fail(c, c->devices_line, "'devices' needs capability IO");
    /* the pages are named on the program's command line (module 0) */
    if (c->d->state_pages && !c->d->nmod)
        return dc_fail(c, c->state_line, "'state_pages' needs a program ('modules') to give them to");
    if (c->d->state_pages && (c->d->caps & TESSERA_CAP_XENSTORE))
        return dc_fail(c, c->state_line, "'state_pages': the xenstore domain has its own");
    return dc_compat_final(c);
}

int domcfg_from_cfg(const struct cfg_file *f, struct domcfg *out, char *err, size_t errlen)
{
    static struct domcfg d; /* large: not on the stack */
    struct dc_ctx c = { .f = f, .d = &d, .err = err, .errlen = errlen };
    memset(&d, 0, sizeof(d));
    d.memory_mb = DOM_DEFAULT_MB;
    d.vcpus = 1;
    d.on_poweroff = ACT_DESTROY;
    d.on_reboot = ACT_RESTART;
    d.on_crash = ACT_DESTROY;
    d.max_evtchn_port = 1023; /* xl's default max_event_channels */
    d.max_grant_frames = DOM_MAX_GNT_FRAMES;
    for (int i = 0; i < f->n; i++)
        if (apply(&c, &f->s[i])) return -1;
    if (final_checks(&c)) return -1;
    *out = d;
    return 0;
}

int domcfg_parse(const char *name, const char *text, size_t len, struct domcfg *out, char *err, size_t errlen)
{
    return domcfg_parse_extra(name, text, len, NULL, out, err, errlen);
}

int domcfg_parse_extra(const char *name, const char *text, size_t len, const char *extra, struct domcfg *out,
                       char *err, size_t errlen)
{
    struct cfg_file f;
    size_t xlen = extra ? strlen(extra) : 0;
    char *all = NULL;
    int over = 0;
    if (xlen) {
        /* as xl: the file, a newline, the extra lines; their line numbers
         * continue the file's */
        if (len > CFG_MAX_SIZE || xlen > CFG_MAX_SIZE || !(all = malloc(len + xlen + 2)))
            return dc_fail(
                &(struct dc_ctx){ .f = &(struct cfg_file){ .name = name }, .err = err, .errlen = errlen }, 1,
                "file and command line larger than %d bytes", CFG_MAX_SIZE);
        memcpy(all, text, len);
        all[len] = '\n';
        memcpy(all + len + 1, extra, xlen);
        all[len + 1 + xlen] = '\n';
        over = 2;
        for (size_t i = 0; i < len; i++)
            over += text[i] == '\n';
        text = all;
        len += xlen + 2;
    }
    int rc = cfg_parse_over(name, text, len, over, &f, err, errlen);
    free(all);
    if (rc) return -1;
    rc = domcfg_from_cfg(&f, out, err, errlen);
    cfg_free(&f);
    return rc;
}

const char *dom_action_name(enum dom_action a)
{
    return a == ACT_DESTROY ? "destroy" : a == ACT_RESTART ? "restart" : "preserve";
}
