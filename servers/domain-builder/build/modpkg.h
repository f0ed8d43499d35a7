/* A Xen multiboot module package (start_info flag SIF_MULTIBOOT_MOD): one
 * page of struct xen_multiboot_mod_list entries (offsets relative to the
 * package, end inclusive, a zero entry last) with the command lines after
 * them, then each module on a page boundary. */
#ifndef DB_MODPKG_H
#define DB_MODPKG_H

#include <stddef.h>
#include <stdint.h>

struct modpkg_item {
    const uint8_t *data;
    size_t len;
    const char *cmdline;
};

/* Builds the package into a malloc'd *out. */
int modpkg_build(const struct modpkg_item *items, int n, uint8_t **out, size_t *len, char *err,
                 size_t errlen);

#endif
