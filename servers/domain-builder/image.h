/* Kernel image formats.  image_to_elf() turns what a config's `kernel`
 * names into a plain ELF: an ELF is used as is; a Linux bzImage or a bare
 * compressed stream goes through a decompressor from the table in image.c
 * (none is built in yet: LZ4/gzip/xz come with issue 6, they slot in there). */
#ifndef DB_IMAGE_H
#define DB_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* A decompressor: inflates in[0..len) into a malloc'd *out. */
typedef int (*image_inflate_fn)(const uint8_t *in, size_t len, uint8_t **out,
                                size_t *out_len, char *err, size_t errlen);

/* On success *elf points into img (*owned = NULL) or to a decompressed copy
 * the caller frees (*owned = *elf). */
int image_to_elf(const uint8_t *img, size_t len, const uint8_t **elf, size_t *elf_len,
                 uint8_t **owned, char *err, size_t errlen);

#endif
