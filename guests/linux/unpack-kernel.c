/*
 * Host tool: unpacks a kernel image (bzImage, compressed stream or ELF) into
 * its ELF with servers/lib/decompress -- the code the domain builder uses.
 *   unpack-kernel IN OUT     prints "format payload-format bytes"
 */
#include <stdio.h>
#include <stdlib.h>
#include "decompress.h"

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f) return NULL;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1 << 20;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0) break;
        n += r;
    }
    fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    size_t len, out_len, cap;
    uint8_t *img, *out;
    struct dc_bzimage bz;
    enum dc_format f, pf;

    if (argc != 3) {
        fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
        return 2;
    }
    if (!(img = slurp(argv[1], &len))) {
        perror(argv[1]);
        return 1;
    }
    f = pf = dc_detect(img, len);
    if (f == DC_FMT_BZIMAGE && dc_bzimage_parse(img, len, &bz) == DC_OK) pf = bz.payload_fmt;
    cap = dc_kernel_size_hint(img, len);
    if (cap == 0 || cap > (1u << 30)) {
        fprintf(stderr, "%s: %s image without a usable size (%zu)\n", argv[1], dc_format_name(f), cap);
        return 1;
    }
    if (!(out = malloc(cap))) return 1;
    int rc = dc_kernel_unpack(img, len, out, cap, &out_len);
    if (rc != DC_OK) {
        fprintf(stderr, "%s: %s/%s: %s\n", argv[1], dc_format_name(f), dc_format_name(pf), dc_strerror(rc));
        return 1;
    }
    FILE *o = fopen(argv[2], "wb");
    if (!o || fwrite(out, 1, out_len, o) != out_len || fclose(o) != 0) {
        perror(argv[2]);
        return 1;
    }
    printf("%s %s %zu\n", dc_format_name(f), dc_format_name(pf), out_len);
    return 0;
}
