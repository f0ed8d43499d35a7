/* Multiboot module packages (see modpkg.h). */
#include "build/modpkg.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <xen/xen.h>

int modpkg_build(const struct modpkg_item *items, int n, uint8_t **out, size_t *len, char *err, size_t errlen)
{
    size_t head = (size_t)(n + 1) * sizeof(struct xen_multiboot_mod_list), strings = 0;
    uint64_t total = PAGE_4K;
    for (int i = 0; i < n; i++) {
        strings += strlen(items[i].cmdline) + 1;
        if (!items[i].len) return db_errf(err, errlen, "module %d is empty", i);
        total += (items[i].len + PAGE_4K - 1) & ~(PAGE_4K - 1);
    }
    if (head + strings > PAGE_4K) return db_errf(err, errlen, "module command lines longer than a page");
    if (total > 0xffffffffull) return db_errf(err, errlen, "modules larger than 4 GiB");
    uint8_t *p = calloc(1, total);
    if (!p) return db_errf(err, errlen, "out of memory for the module package");
    struct xen_multiboot_mod_list *list = (void *)p;
    size_t s = head, off = PAGE_4K;
    for (int i = 0; i < n; i++) {
        size_t cl = strlen(items[i].cmdline) + 1;
        memcpy(p + s, items[i].cmdline, cl);
        list[i] = (struct xen_multiboot_mod_list){ (uint32_t)off, (uint32_t)(off + items[i].len - 1),
                                                   (uint32_t)s, 0 };
        memcpy(p + off, items[i].data, items[i].len);
        s += cl;
        off += (items[i].len + PAGE_4K - 1) & ~(PAGE_4K - 1);
    }
    *out = p;
    *len = total;
    return 0;
}
