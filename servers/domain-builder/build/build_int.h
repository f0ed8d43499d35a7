/* Internal to build*.c: the state of one build. */
#ifndef DB_BUILD_INT_H
#define DB_BUILD_INT_H

#include "build/build.h"
#include "build/xenelf.h"

#define BUILD_MAP_CHUNK 256 /* pages per mapping when copying */

struct bst {
    struct backend *b;
    const struct build_in *in;
    struct build_out *out;
    struct xenelf elf;
    const uint8_t *elf_img;
    size_t elf_len;
    uint64_t *p2m; /* pfn -> mfn, nr_pages entries */
    char *err;
    size_t errlen;
};

/* Copies len bytes (src NULL: fills with 0xff) to pseudo-physical byte
 * address off, mapping at most BUILD_MAP_CHUNK pages at a time. */
int bst_put(struct bst *s, uint64_t off, const void *src, size_t len);
void *bst_map(struct bst *s, uint64_t pfn, size_t n);
int bst_unmap(struct bst *s, void *va, size_t n);

int build_p2m(struct bst *s);
int build_page_tables(struct bst *s);
int build_kernel(struct bst *s);

#endif
