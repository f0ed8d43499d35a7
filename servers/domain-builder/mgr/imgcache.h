/* The builder's cache of built images (issue 19): what read_images made of a
 * config's kernel, ramdisk and modules (the kernel already unpacked to ELF,
 * the modules as their multiboot package) and which program module 0 is, kept
 * for the next create of the same config, so that a thousand tiny domains
 * from one config read and pack their files once.  Only images from the
 * builder's own files are kept (boot modules: they never change while it
 * runs); files sent from the host are not.  Least recently used first out,
 * within IMGCACHE_BYTES. */
#ifndef DB_IMGCACHE_H
#define DB_IMGCACHE_H

#include <stddef.h>
#include <stdint.h>
#include "progelf.h"

#define IMGCACHE_ENTRIES 4
#define IMGCACHE_BYTES   (8u << 20)

struct imgcache_entry {
    char *key; /* NULL: free */
    uint8_t *kernel, *ramdisk;
    size_t kernel_len, ramdisk_len;
    struct progelf_info prog;
    uint32_t prog_crc;
    uint64_t last_use;
};

struct imgcache {
    struct imgcache_entry e[IMGCACHE_ENTRIES];
    uint64_t tick;
    unsigned hits, misses; /* for tests and the density notes */
};

/* The entry for key, or NULL (counted as a miss). */
const struct imgcache_entry *imgcache_get(struct imgcache *c, const char *key);
/* Keeps the images under key: on success the cache owns kernel (replaced by
 * its unpacked ELF when it was packed) and ramdisk and returns the entry;
 * NULL (the caller keeps both) when they cannot be kept: too large, the
 * kernel not an image we unpack, no memory. */
const struct imgcache_entry *imgcache_put(struct imgcache *c, const char *key, uint8_t *kernel,
                                          size_t kernel_len, uint8_t *ramdisk, size_t ramdisk_len,
                                          const struct progelf_info *prog, uint32_t prog_crc);
void imgcache_clear(struct imgcache *c);

#endif
