/* Kernel image formats.  image_to_elf() turns what a config's `kernel`
 * names into a plain ELF: an ELF is used as is; a Linux bzImage or a bare
 * compressed stream is unpacked with servers/lib/decompress. */
#ifndef DB_IMAGE_H
#define DB_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* On success *elf points into img (*owned = NULL) or to a decompressed copy
 * the caller frees (*owned = *elf). */
int image_to_elf(const uint8_t *img, size_t len, const uint8_t **elf, size_t *elf_len, uint8_t **owned,
                 char *err, size_t errlen);

#endif
