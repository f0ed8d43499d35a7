/* The x86 Linux boot protocol setup header of a bzImage: where the payload is. */
#include "dc_util.h"

#define HDR_SETUP_SECTS 0x1f1
#define HDR_BOOT_FLAG   0x1fe
#define HDR_MAGIC       0x202
#define HDR_VERSION     0x206
#define HDR_PAYLOAD_OFF 0x248
#define HDR_PAYLOAD_LEN 0x24c
#define HDR_INIT_SIZE   0x260
#define HDR_END         0x264

int dc_bzimage_parse(const uint8_t *img, size_t len, struct dc_bzimage *bz)
{
    if (!img || !bz) return DC_EARG;
    if (len < HDR_VERSION + 2 || dc_le32(img + HDR_MAGIC) != 0x53726448u /* "HdrS" */ ||
        dc_le16(img + HDR_BOOT_FLAG) != 0xaa55)
        return DC_EFORMAT;
    bz->version = dc_le16(img + HDR_VERSION);
    if (bz->version < 0x0208) return DC_EUNSUPP; /* no payload fields before 2.08 */
    if (len < HDR_END) return DC_ETRUNC;
    bz->setup_sects = img[HDR_SETUP_SECTS];
    uint64_t sects = bz->setup_sects ? bz->setup_sects : 4;
    uint64_t off = (sects + 1) * 512 + dc_le32(img + HDR_PAYLOAD_OFF);
    uint64_t plen = dc_le32(img + HDR_PAYLOAD_LEN);
    if (plen == 0) return DC_ECORRUPT;
    if (off > len || plen > len - off) return DC_ETRUNC;
    bz->payload_off = (size_t)off;
    bz->payload_len = (size_t)plen;
    bz->init_size = bz->version >= 0x020a ? dc_le32(img + HDR_INIT_SIZE) : 0;
    bz->payload_fmt = dc_detect(img + off, (size_t)plen);
    return DC_OK;
}
