/*
 * The x86 branch converter of the xz format (filter 0x04), decoding side:
 * the encoder turned the relative operands of CALL (E8) and JMP (E9) into
 * absolute addresses so that repeated calls compress better; this turns them
 * back.  A candidate opcode is converted only when its operand's top byte is
 * 00 or FF and the bytes just before it do not look like other candidates
 * whose operands would overlap it (the encoder applied the same rules).
 */
#include "dc_util.h"

static int top_byte_ok(uint8_t b) { return b == 0x00 || b == 0xff; }

void dc_bcj_x86(uint8_t *buf, size_t size, uint32_t start)
{
    /* unconverted candidates among the last three bytes: bit k = k bytes back
     * (bit 0 is the candidate just looked at); `wide` marks those whose
     * operand's top byte was 00/FF */
    unsigned seen = 0, wide = 0;
    size_t last = 0;
    int any = 0;

    if (size < 5) return;
    for (size_t p = 0; p <= size - 5;) {
        if (buf[p] != 0xe8 && buf[p] != 0xe9) {
            p++;
            continue;
        }
        size_t age = any ? p - last : 4;
        if (age > 3) {
            seen = wide = 0;
        } else {
            seen = (seen << age) & 0xe;
            wide = (wide << age) & 0xe;
        }
        last = p;
        any = 1;
        unsigned near = seen >> 1; /* bit 0: 1 back, bit 1: 2 back, bit 2: 3 back */
        if (top_byte_ok(buf[p + 4]) && wide == 0 && (near == 0 || near == 1 || near == 2 || near == 4)) {
            uint32_t v = dc_le32(buf + p + 1), addr = start + (uint32_t)p + 5, rel;
            /* the previous candidate (k bytes back) could have hidden a byte
             * of this operand: undo the encoder's flips while they apply */
            unsigned k = near == 1 ? 1 : near == 2 ? 2 : near == 4 ? 3 : 0;
            for (;;) {
                rel = v - addr;
                if (k == 0 || !top_byte_ok((uint8_t)(rel >> (24 - 8 * k)))) break;
                v = rel ^ ((1u << (32 - 8 * k)) - 1);
            }
            buf[p + 1] = (uint8_t)rel;
            buf[p + 2] = (uint8_t)(rel >> 8);
            buf[p + 3] = (uint8_t)(rel >> 16);
            buf[p + 4] = (rel >> 24) & 1 ? 0xff : 0x00;
            seen = wide = 0;
            p += 5;
        } else {
            seen |= 1;
            if (top_byte_ok(buf[p + 4])) wide |= 1;
            p++;
        }
    }
}
