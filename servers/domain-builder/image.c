/* Kernel image probing (see image.h): ELF, Linux bzImage (its payload is a
 * compressed ELF), or a bare compressed stream. */
#include "image.h"
#include "util.h"

#include <string.h>

struct codec {
    const char *name;
    const uint8_t magic[4];
    size_t magic_len;
    image_inflate_fn inflate;       /* NULL: not built in yet */
};

static const struct codec codecs[] = {
    { "gzip", { 0x1f, 0x8b }, 2, NULL },
    { "LZ4", { 0x02, 0x21, 0x4c, 0x18 }, 4, NULL },
    { "xz", { 0xfd, '7', 'z', 'X' }, 4, NULL },
    { "bzip2", { 'B', 'Z', 'h' }, 3, NULL },
    { "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4, NULL },
};

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int inflate(const uint8_t *p, size_t len, const uint8_t **elf, size_t *elf_len,
                   uint8_t **owned, const char *what, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof(codecs) / sizeof(*codecs); i++) {
        const struct codec *c = &codecs[i];
        if (len < c->magic_len || memcmp(p, c->magic, c->magic_len))
            continue;
        if (!c->inflate)
            return db_errf(err, errlen, "%s with a %s payload: no %s decompressor built in "
                           "(give the raw ELF, e.g. from extract-vmlinux)", what, c->name, c->name);
        if (c->inflate(p, len, owned, elf_len, err, errlen))
            return -1;
        *elf = *owned;
        return 0;
    }
    return db_errf(err, errlen, "%s: unknown compression", what);
}

int image_to_elf(const uint8_t *img, size_t len, const uint8_t **elf, size_t *elf_len,
                 uint8_t **owned, char *err, size_t errlen)
{
    *owned = NULL;
    if (len >= 4 && !memcmp(img, "\177ELF", 4)) {
        *elf = img;
        *elf_len = len;
        return 0;
    }
    if (len >= 0x250 && !memcmp(img + 0x202, "HdrS", 4)) {
        uint64_t setup = ((uint64_t)(img[0x1f1] ? img[0x1f1] : 4) + 1) * 512;
        uint64_t off = setup + le32(img + 0x248), plen = le32(img + 0x24c);
        if ((img[0x206] | img[0x207] << 8) < 0x208)
            return db_errf(err, errlen, "bzImage boot protocol older than 2.08");
        if (off > len || len - off < plen || !plen)
            return db_errf(err, errlen, "bzImage payload outside the file");
        return inflate(img + off, plen, elf, elf_len, owned, "bzImage", err, errlen);
    }
    return inflate(img, len, elf, elf_len, owned, "kernel image", err, errlen);
}
