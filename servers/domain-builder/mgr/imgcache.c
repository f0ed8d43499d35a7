/* The builder's cache of built images (see imgcache.h). */
#include "mgr/imgcache.h"
#include "build/image.h"
#include "decompress.h" /* servers/lib: the unpacked size of a packed kernel */

#include <stdlib.h>
#include <string.h>

static void drop(struct imgcache_entry *e)
{
    free(e->key);
    free(e->kernel);
    free(e->ramdisk);
    memset(e, 0, sizeof(*e));
}

const struct imgcache_entry *imgcache_get(struct imgcache *c, const char *key)
{
    for (int i = 0; i < IMGCACHE_ENTRIES; i++)
        if (c->e[i].key && !strcmp(c->e[i].key, key)) {
            c->e[i].last_use = ++c->tick;
            c->hits++;
            return &c->e[i];
        }
    c->misses++;
    return NULL;
}

static size_t bytes(const struct imgcache_entry *e) { return e->key ? e->kernel_len + e->ramdisk_len : 0; }

const struct imgcache_entry *imgcache_put(struct imgcache *c, const char *key, uint8_t *kernel,
                                          size_t kernel_len, uint8_t *ramdisk, size_t ramdisk_len,
                                          const struct progelf_info *prog, uint32_t prog_crc)
{
    const uint8_t *elf;
    size_t elf_len;
    uint8_t *owned = NULL;
    char why[8];
    /* not unpacked only to be thrown away: a packed kernel too large to keep is left to the build */
    if (dc_detect(kernel, kernel_len) != DC_FMT_ELF &&
        dc_kernel_size_hint(kernel, kernel_len) > IMGCACHE_BYTES)
        return NULL;
    if (image_to_elf(kernel, kernel_len, &elf, &elf_len, &owned, why, sizeof(why))) return NULL;
    if (elf_len > IMGCACHE_BYTES || ramdisk_len > IMGCACHE_BYTES - elf_len) {
        free(owned);
        return NULL;
    }
    char *k = strdup(key);
    if (!k) {
        free(owned);
        return NULL;
    }
    /* room: least recently used out until the new one fits beside the rest */
    for (;;) {
        size_t used = 0;
        struct imgcache_entry *lru = NULL, *slot = NULL;
        for (int i = 0; i < IMGCACHE_ENTRIES; i++) {
            struct imgcache_entry *e = &c->e[i];
            used += bytes(e);
            if (!e->key && !slot) slot = e;
            if (e->key && (!lru || e->last_use < lru->last_use)) lru = e;
        }
        if (slot && used + elf_len + ramdisk_len <= IMGCACHE_BYTES) {
            if (owned) free(kernel);
            *slot = (struct imgcache_entry){
                k, owned ? owned : kernel, ramdisk, elf_len, ramdisk_len, *prog, prog_crc, ++c->tick
            };
            return slot;
        }
        drop(lru); /* there is one: the new entry alone fits */
    }
}

void imgcache_clear(struct imgcache *c)
{
    for (int i = 0; i < IMGCACHE_ENTRIES; i++)
        drop(&c->e[i]);
}
