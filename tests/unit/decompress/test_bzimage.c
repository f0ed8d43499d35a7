/* The bzImage setup header: payload location rules and every refusal, and
 * dc_kernel_unpack on a synthetic bzImage around an LZ4 payload. */
#include <stdlib.h>
#include <string.h>
#include "dtest.h"

#define IMG 4096

/* an LZ4 legacy payload whose output is a (tiny) ELF header start */
static const uint8_t payload[] = { 0x02, 0x21, 0x4c, 0x18, 0x09, 0, 0, 0, 0x80, 0x7f, 'E',
                                   'L',  'F',  2,    1,    1,    0, 8, 0, 0,    0 };

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

/* setup_sects 3: payload at (3+1)*512 + 0x40 */
static void make(uint8_t *img)
{
    memset(img, 0, IMG);
    img[0x1f1] = 3;
    put16(img + 0x1fe, 0xaa55);
    memcpy(img + 0x202, "HdrS", 4);
    put16(img + 0x206, 0x020f);
    put32(img + 0x248, 0x40);
    put32(img + 0x24c, sizeof(payload));
    put32(img + 0x260, 0x123000);
    memcpy(img + 4 * 512 + 0x40, payload, sizeof(payload));
}

static int parse(const uint8_t *img, size_t len, struct dc_bzimage *bz)
{
    uint8_t *copy = malloc(len);
    memcpy(copy, img, len);
    int rc = dc_bzimage_parse(copy, len, bz);
    free(copy);
    return rc;
}

void test_bzimage(void)
{
    uint8_t img[IMG];
    struct dc_bzimage bz;

    make(img);
    CHECK_EQ(dc_detect(img, IMG), DC_FMT_BZIMAGE, "bzimage: detected by its header");
    CHECK_EQ(parse(img, IMG, &bz), DC_OK, "bzimage: header parsed");
    CHECK_EQ(bz.payload_off, 4 * 512 + 0x40, "bzimage: payload offset (setup_sects+1)*512+off");
    CHECK_EQ(bz.payload_len, sizeof(payload), "bzimage: payload length");
    CHECK_EQ(bz.init_size, 0x123000, "bzimage: init_size");
    CHECK_EQ(bz.version, 0x020f, "bzimage: protocol version");
    CHECK_EQ(bz.payload_fmt, DC_FMT_LZ4_LEGACY, "bzimage: payload format");
    CHECK_EQ(dc_kernel_size_hint(img, IMG), 8, "bzimage: size hint from the payload trailer");

    uint8_t out[64];
    size_t got;
    CHECK_EQ(dc_kernel_unpack(img, IMG, out, sizeof(out), &got), DC_OK, "bzimage: unpacked");
    CHECK(got == 8 && memcmp(out,
                             "\x7f"
                             "ELF",
                             4) == 0,
          "bzimage: unpacked to the ELF bytes");

    make(img);
    img[0x1f1] = 0; /* 0 means 4 sectors */
    memmove(img + 5 * 512 + 0x40, img + 4 * 512 + 0x40, sizeof(payload));
    CHECK(parse(img, IMG, &bz) == DC_OK && bz.payload_off == 5 * 512 + 0x40,
          "bzimage: setup_sects 0 counts as 4");

    make(img);
    put32(img + 0x24c, IMG); /* payload runs past the file */
    CHECK_EQ(parse(img, IMG, &bz), DC_ETRUNC, "bzimage: payload beyond the image refused");
    make(img);
    put32(img + 0x248, 0xffffffffu); /* offset past the file, no wrap */
    CHECK_EQ(parse(img, IMG, &bz), DC_ETRUNC, "bzimage: payload offset beyond the image refused");
    make(img);
    put32(img + 0x248, 0xfffffff0u);
    put32(img + 0x24c, 0x20); /* offset+length would wrap in 32 bits */
    CHECK_EQ(parse(img, IMG, &bz), DC_ETRUNC, "bzimage: wrapping offset+length refused");
    make(img);
    put32(img + 0x24c, 0);
    CHECK_EQ(parse(img, IMG, &bz), DC_ECORRUPT, "bzimage: empty payload refused");
    make(img);
    put16(img + 0x206, 0x0207);
    CHECK_EQ(parse(img, IMG, &bz), DC_EUNSUPP, "bzimage: protocol before 2.08 refused");
    make(img);
    img[0x203] = 'X';
    CHECK_EQ(parse(img, IMG, &bz), DC_EFORMAT, "bzimage: bad HdrS magic refused");
    make(img);
    put16(img + 0x1fe, 0x55aa);
    CHECK_EQ(parse(img, IMG, &bz), DC_EFORMAT, "bzimage: bad boot flag refused");
    make(img);
    CHECK_EQ(parse(img, 0x210, &bz), DC_ETRUNC, "bzimage: header cut off refused");
    CHECK_EQ(parse(img, 0x100, &bz), DC_EFORMAT, "bzimage: tiny file refused");

    make(img);
    img[4 * 512 + 0x40 + 9] = 'X'; /* payload decompresses to a non-ELF */
    CHECK_EQ(dc_kernel_unpack(img, IMG, out, sizeof(out), &got), DC_EFORMAT,
             "bzimage: payload that is not an ELF refused");
    make(img);
    memcpy(img + 4 * 512 + 0x40, "BZh9", 4);
    CHECK_EQ(dc_kernel_unpack(img, IMG, out, sizeof(out), &got), DC_EUNSUPP,
             "bzimage: bzip2 payload reported unsupported");
    make(img);
    memset(img + 4 * 512 + 0x40, 0x33, 8);
    CHECK_EQ(dc_kernel_unpack(img, IMG, out, sizeof(out), &got), DC_EFORMAT,
             "bzimage: unknown payload refused");
    CHECK_EQ(dc_kernel_unpack(img, IMG, out, 4, &got), DC_EFORMAT,
             "bzimage: unknown payload refused before output is checked");
    make(img);
    CHECK_EQ(dc_kernel_unpack(img, IMG, out, 4, &got), DC_ENOSPC, "bzimage: output buffer too small");
    CHECK_EQ(dc_bzimage_parse(NULL, 0, &bz), DC_EARG, "bzimage: NULL arguments");
}
