/* The rest of xl.cfg(5) as it applies to a PV guest, so that configs written
 * for Xen work unchanged or say exactly why not:
 *   honoured: max_event_channels, max_grant_frames (passed at createdomain),
 *     cpu_weight, cap (credit scheduler, set before the guest runs),
 *     maxvcpus (= vcpus), cpus = "all", localtime = 0, builder = "generic";
 *   refused with the reason: what Tessera does not do (security labels,
 *     bootloaders, virtual devices without back ends, vCPU pinning, hotplug,
 *     local-time wallclock, HVM);
 *   accepted with a one-line warning naming file:line: keys that have no
 *     meaning for a PV guest (HVM and device-model settings), as xl ignores
 *     them for PV. */
#include "cfg/domcfg_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int dc_warn(struct dc_ctx *c, int line, const char *fmt, ...)
{
    if (c->d->nwarn == DOM_MAX_WARN) return 0; /* the first ones say enough */
    char *w = c->d->warn[c->d->nwarn++];
    int n = snprintf(w, DOM_WARN_LEN, "%s:%d: warning: ", c->f->name, line);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && n < DOM_WARN_LEN) vsnprintf(w + n, DOM_WARN_LEN - (size_t)n, fmt, ap);
    va_end(ap);
    return 0;
}

/* HVM and device-model keys: xl reads them only for HVM guests. */
static const char *const hvm_only[] = {
    "viridian",
    "acpi",
    "acpi_s3",
    "acpi_s4",
    "acpi_laptop_slate",
    "apic",
    "pae",
    "hap",
    "nestedhvm",
    "vga",
    "videoram",
    "stdvga",
    "vnc",
    "vnclisten",
    "vncdisplay",
    "vncunused",
    "vncpasswd",
    "keymap",
    "sdl",
    "opengl",
    "nographic",
    "spice",
    "spicehost",
    "spiceport",
    "serial",
    "boot",
    "usb",
    "usbdevice",
    "usbversion",
    "soundhw",
    "firmware",
    "bios",
    "loader",
    "hpet",
    "timer_mode",
    "xen_platform_pci",
    "shadow_memory",
    "vpt_align",
    "device_model_version",
    "device_model_override",
    "device_model_stubdomain_override",
    "device_model_args",
    "device_model_args_hvm",
    "mmio_hole",
    "rdm",
    "rdm_mem_boundary",
    "altp2m",
    "vendor_device",
    "msi_translate",
    "smbios_firmware",
    "acpi_firmware",
    "ms_vm_genid",
    "gfx_passthru",
    "nomigrate",
    "vkb_device",
    "vga_device",
    NULL,
};

static const struct {
    const char *key, *why;
} refused[] = {
    { "seclabel", "XSM/FLASK security labels are not supported" },
    { "init_seclabel", "XSM/FLASK security labels are not supported" },
    { "device_model_stub_seclabel", "XSM/FLASK security labels are not supported" },
    { "bootloader", "a bootloader (pygrub) is not supported: name the image with "
                    "kernel = \"...\" (and ramdisk)" },
    { "bootloader_args", "a bootloader (pygrub) is not supported: name the image with "
                         "kernel = \"...\" (and ramdisk)" },
    { "iomem", "use devices = [ \"mmio=FIRST-LAST\" ] in a service domain" },
    { "ioports", "use devices = [ \"ioports=FIRST-LAST\" ] in a service domain" },
    { "irqs", "use devices = [ \"irq=N\" ] in a service domain" },
    { "dtdev", "device tree passthrough does not apply to x86" },
    { "vfb", "virtual framebuffers are not supported (no back end)" },
    { "vkb", "virtual keyboards are not supported (no back end)" },
    { "channel", "PV channels are not supported (no back end)" },
    { "vtpm", "virtual TPMs are not supported (no back end)" },
    { "p9", "9pfs shares are not supported (no back end)" },
    { "usbctrl", "PV USB is not supported (no back end)" },
    { "usbdev", "PV USB is not supported (no back end)" },
    { "vdispl", "virtual displays are not supported (no back end)" },
    { "vsnd", "virtual sound is not supported (no back end)" },
    { "cpus_soft", "soft vCPU affinity is not supported (the hypervisor has no vCPU affinity)" },
    { "tsc_mode", "TSC modes are not supported (the guest sees the host's TSC)" },
    { "on_watchdog", "watchdog actions are not supported yet (a watchdog shutdown is a crash: "
                     "on_crash applies)" },
    { "on_soft_reset", "soft reset is not supported" },
};

static int num(struct dc_ctx *c, const struct cfg_setting *s, unsigned long long lo, unsigned long long hi,
               uint32_t *out)
{
    if (dc_want(c, s, CFG_NUM)) return -1;
    if (s->num < lo || s->num > hi)
        return dc_fail(c, s->line, "'%s' must be between %llu and %llu", s->key, lo, hi);
    *out = (uint32_t)s->num;
    return 0;
}

int dc_compat(struct dc_ctx *c, const struct cfg_setting *s)
{
    struct domcfg *d = c->d;
    const char *k = s->key;
    uint32_t v = 0;
    for (int i = 0; hvm_only[i]; i++)
        if (!strcmp(k, hvm_only[i]))
            return dc_warn(c, s->line, "'%s' has no meaning for a PV guest: ignored", k);
    for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
        if (!strcmp(k, refused[i].key)) return dc_fail(c, s->line, "'%s': %s", k, refused[i].why);
    if (!strcmp(k, "max_event_channels")) return num(c, s, 1, DOM_MAX_EVTCHN, &d->max_evtchn_port);
    if (!strcmp(k, "max_grant_frames")) return num(c, s, 1, DOM_MAX_GNT_FRAMES, &d->max_grant_frames);
    if (!strcmp(k, "cpu_weight")) {
        d->cpu_weight_set = 1;
        return num(c, s, 1, 65535, &d->cpu_weight);
    }
    if (!strcmp(k, "cap")) {
        d->cpu_cap_set = 1; /* the upper bound (100 per CPU) is the hypervisor's */
        return num(c, s, 0, 65534, &d->cpu_cap);
    }
    if (!strcmp(k, "maxvcpus")) {
        c->maxvcpus_line = s->line;
        return num(c, s, 1, DOM_MAX_VCPUS, &c->maxvcpus);
    }
    if (!strcmp(k, "localtime")) {
        if (num(c, s, 0, 1, &v)) return -1;
        return v ? dc_fail(c, s->line,
                           "'localtime' = 1 is not supported: a guest's "
                           "wallclock is UTC")
                 : 0;
    }
    if (!strcmp(k, "cpus")) {
        if (s->type == CFG_STR && !strcmp(s->str, "all")) return 0;
        if (s->type == CFG_LIST && s->nitems == 1 && !strcmp(s->items[0].str, "all")) return 0;
        return dc_fail(c, s->line,
                       "'cpus': vCPU pinning is not supported (the hypervisor "
                       "has no vCPU affinity); use \"all\" or leave it out");
    }
    if (!strcmp(k, "builder")) {
        if (dc_want(c, s, CFG_STR)) return -1;
        if (strcmp(s->str, "generic") && strcmp(s->str, "linux"))
            return dc_fail(c, s->line, "only PV guests are supported (builder = \"generic\")");
        return 0;
    }
    return 1;
}

int dc_compat_final(struct dc_ctx *c)
{
    struct domcfg *d = c->d;
    if (c->maxvcpus_line && c->maxvcpus != d->vcpus)
        return dc_fail(c, c->maxvcpus_line > c->vcpus_line ? c->maxvcpus_line : c->vcpus_line,
                       "'maxvcpus' (%u) differs from 'vcpus' (%u): vCPU hotplug is not "
                       "supported yet; set both to the same number",
                       c->maxvcpus, d->vcpus);
    return 0;
}
