/* Kernel image formats (see image.h): an ELF is used as is; a Linux bzImage
 * or a bare compressed stream (gzip, LZ4 legacy) goes through the shared
 * bounded decompressors of servers/lib/decompress into a buffer of the size
 * the stream declares (at most IMAGE_MAX_ELF). */
#include "build/image.h"
#include "util.h"
#include "decompress.h"

#include <stdlib.h>
#include <string.h>

#define IMAGE_MAX_ELF (512u << 20)

int image_to_elf(const uint8_t *img, size_t len, const uint8_t **elf, size_t *elf_len, uint8_t **owned,
                 char *err, size_t errlen)
{
    *owned = NULL;
    enum dc_format f = dc_detect(img, len);
    if (f == DC_FMT_ELF || (len >= 4 && !memcmp(img, "\177ELF", 4))) {
        *elf = img;
        *elf_len = len;
        return 0;
    }
    if (f == DC_FMT_UNKNOWN)
        return db_errf(err, errlen, "kernel image: neither ELF nor a known compressed format");
    size_t cap = dc_kernel_size_hint(img, len);
    if (!cap || cap > IMAGE_MAX_ELF)
        return db_errf(err, errlen, "kernel image (%s): %s", dc_format_name(f),
                       cap ? "larger than 512 MiB unpacked" : "unpacked size unknown");
    uint8_t *out = malloc(cap);
    if (!out) return db_errf(err, errlen, "kernel image: out of memory (%zu bytes)", cap);
    int rc = dc_kernel_unpack(img, len, out, cap, elf_len);
    if (rc) {
        free(out);
        return db_errf(err, errlen, "kernel image (%s): %s", dc_format_name(f), dc_strerror(rc));
    }
    *elf = *owned = out;
    return 0;
}
