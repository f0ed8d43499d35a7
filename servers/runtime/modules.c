/* The runtime's start_info module package (SIF_MULTIBOOT_MOD): entry 0 is the
 * program, the others are handed to it as read-only files (bootfs.c). */
#include "rt.h"

static const uint8_t *package(void)
{
    if (!(start_info->flags & SIF_MULTIBOOT_MOD) || !start_info->mod_len) return NULL;
    return (start_info->flags & SIF_MOD_START_PFN) ? pfn_va(start_info->mod_start)
                                                   : (const uint8_t *)start_info->mod_start;
}

/* Module k: its bytes and command line; false past the last one. */
bool boot_module(unsigned k, const uint8_t **data, size_t *size, const char **cmdline)
{
    const uint8_t *pkg = package();
    if (!pkg) return false;
    const struct xen_multiboot_mod_list *m = (const void *)pkg;
    for (unsigned i = 0; i <= k; i++)
        if (i * sizeof(*m) >= PAGE_SIZE || m[i].mod_end <= m[i].mod_start ||
            m[i].mod_end >= start_info->mod_len)
            return false;
    *data = pkg + m[k].mod_start;
    *size = m[k].mod_end - m[k].mod_start + 1;
    *cmdline = m[k].cmdline ? (const char *)pkg + m[k].cmdline : "";
    return true;
}
