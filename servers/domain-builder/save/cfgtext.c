/* A domain's configuration written back as xl.cfg text, for the save
 * stream's CONFIG record: a restore reads it with the same parser as
 * `xl create`, so a hostile save file gets exactly the config checks. */
#include "save/cfgtext.h"
#include "public/tessera.h"
#include "mgr/mgr_vif.h"
#include "util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct out {
    char *buf;
    size_t size, len;
    int over;
};

static void emit(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->size - o->len)
        o->over = 1;
    else
        o->len += (size_t)n;
}

/* A double-quoted string with cfg.c's escapes. */
static void quoted(struct out *o, const char *s)
{
    emit(o, "\"");
    for (; *s && !o->over; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            emit(o, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            emit(o, "\\x%02x", c);
        else
            emit(o, "%c", c);
    }
    emit(o, "\"");
}

static void str_key(struct out *o, const char *key, const char *v)
{
    emit(o, "%s = ", key);
    quoted(o, v);
    emit(o, "\n");
}

static void list_key(struct out *o, const char *key, const char (*v)[DOM_SPEC_MAX + 1], int n)
{
    if (!n) return;
    emit(o, "%s = [ ", key);
    for (int i = 0; i < n; i++) {
        quoted(o, v[i]);
        emit(o, ", ");
    }
    emit(o, "]\n");
}

static void caps(struct out *o, uint32_t c)
{
    static const char *names[] = { "BUILD", "IO", "XENSTORE", "CONSOLE", "SCHED" };
    if (!c) return;
    emit(o, "capabilities = [ ");
    for (unsigned i = 0; i < 5; i++)
        if (c & (1u << i)) emit(o, "\"%s\", ", names[i]);
    emit(o, "]\n");
}

static void devices(struct out *o, const struct domcfg *c)
{
    static const char *fmt[] = { "ioports=%#llx-%#llx", "irq=%llu", "mmio=%#llx-%#llx" };
    if (c->ndev) emit(o, "devices = [ ");
    for (int i = 0; i < c->ndev; i++) {
        const struct dom_dev *d = &c->dev[i];
        emit(o, "\"");
        if (d->kind == DEV_PCI)
            emit(o, "pci=%04llx:%02llx:%02llx.%llu", d->first >> 16, (d->first >> 8) & 0xff,
                 (d->first >> 3) & 31, d->first & 7);
        else
            emit(o, fmt[d->kind], (unsigned long long)d->first, (unsigned long long)d->last);
        emit(o, "\", ");
    }
    if (c->ndev) emit(o, "]\n");
    if (c->npci) emit(o, "pci = [ ");
    for (int i = 0; i < c->npci; i++)
        emit(o, "\"%04x:%02x:%02x.%u\", ", c->pci[i] >> 16, (c->pci[i] >> 8) & 0xff, (c->pci[i] >> 3) & 31,
             c->pci[i] & 7);
    if (c->npci) emit(o, "]\n");
}

int save_cfg_text(const struct domcfg *c, char *buf, size_t size)
{
    struct out o = { buf, size, 0, 0 };
    if (!size) return -1;
    buf[0] = 0;
    str_key(&o, "name", c->name);
    str_key(&o, "kernel", c->kernel);
    if (c->ramdisk[0]) str_key(&o, "ramdisk", c->ramdisk);
    list_key(&o, "modules", c->module, c->nmod);
    if (c->cmdline[0]) str_key(&o, "extra", c->cmdline);
    emit(&o, "memory = %u\nmaxmem = %u\nvcpus = %u\n", c->memory_mb, c->maxmem_mb, c->vcpus);
    emit(&o, "on_poweroff = \"%s\"\non_reboot = \"%s\"\non_crash = \"%s\"\n", dom_action_name(c->on_poweroff),
         dom_action_name(c->on_reboot), dom_action_name(c->on_crash));
    caps(&o, c->caps);
    list_key(&o, "vif", c->vif, c->nvif);
    list_key(&o, "disk", c->disk, c->ndisk);
    devices(&o, c);
    emit(&o, "max_event_channels = %u\nmax_grant_frames = %u\n", c->max_evtchn_port, c->max_grant_frames);
    if (c->cpu_weight_set) emit(&o, "cpu_weight = %u\n", c->cpu_weight);
    if (c->cpu_cap_set) emit(&o, "cap = %u\n", c->cpu_cap);
    return o.over ? -1 : (int)o.len;
}

/* Does the comma-separated spec have the key (as mgr_vif_parse reads it)? */
static int has_key(const char *spec, const char *key)
{
    size_t kl = strlen(key);
    for (const char *f = spec; f; f = strchr(f, ',')) {
        f += *f == ',';
        while (isspace((unsigned char)*f))
            f++;
        if (!strncmp(f, key, kl) && f[kl] == '=') return 1;
    }
    return 0;
}

int save_cfg_pin(struct domcfg *c, uint32_t domid, char *err, size_t errlen)
{
    for (int i = 0; i < c->nvif; i++) {
        struct mgr_vif v;
        char *s = c->vif[i];
        if (s[0] == VIF_DETACHED)
            return db_errf(err, errlen,
                           "vif %d was detached and vif %d follows it: a save image cannot keep "
                           "the hole (network-detach the later ones too)",
                           i, c->nvif - 1);
        if (mgr_vif_parse(s, domid, (uint32_t)i, &v))
            return db_errf(err, errlen, "vif %d: bad spec '%s'", i, s);
        if (has_key(s, "mac")) continue;
        size_t n = strlen(s);
        if (n + 6 + strlen(v.mac) > DOM_SPEC_MAX)
            return db_errf(err, errlen, "vif %d: its spec with mac=%s is too long", i, v.mac);
        snprintf(s + n, DOM_SPEC_MAX + 1 - n, "%smac=%s", n ? ", " : "", v.mac);
    }
    return 0;
}
