/* What the boot loader told us, in one loader-neutral form. */
#ifndef TESSERA_BOOTINFO_H
#define TESSERA_BOOTINFO_H

#include "types.h"

#define MAX_MEM_REGIONS  64
#define MAX_BOOT_MODULES 16

struct mem_region {
    paddr_t start, end;
}; /* usable RAM [start, end) */
struct boot_module {
    paddr_t start, end;
    char cmdline[1024];
}; /* Xen's MAX_GUEST_CMDLINE */

struct boot_info {
    const char *loader;
    char cmdline[256];
    unsigned nr_mem;
    struct mem_region mem[MAX_MEM_REGIONS];
    unsigned nr_mods;
    unsigned mods_given; /* what the loader passed: more than the table holds
                                       stops the boot (a dropped module would be missed silently) */
    struct boot_module mods[MAX_BOOT_MODULES];
};

extern struct boot_info boot_info;
void multiboot_parse(uint32_t magic, paddr_t info);
/* Value of "key=" on the hypervisor command line, or NULL; flags via cmdline_has. */
const char *cmdline_get(const char *key);
bool cmdline_has(const char *word);

#endif
