/* Raw DEFLATE: stored, fixed and dynamic blocks, and every refusal.  The
 * malformed streams were written bit by bit (see the comment of each). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dtest.h"

#define S(x) (const uint8_t *)(x), sizeof(x) - 1

static int inflate_fn(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *got)
{
    return dc_inflate(in, n, out, cap, got, NULL);
}

static void ok(const char *name, const uint8_t *in, size_t n, const char *want, size_t wn)
{
    uint8_t *out;
    size_t got;
    int rc = t_run(inflate_fn, in, n, wn, &out, &got);
    CHECK(rc == DC_OK && got == wn && (wn == 0 || memcmp(out, want, wn) == 0), name);
    free(out);
}

static void err(const char *name, const uint8_t *in, size_t n, size_t cap, int want)
{
    size_t got;
    CHECK_EQ(t_run_exact(inflate_fn, in, n, cap, &got), want, name);
}

/* 1671 bytes of text, compressed by zlib at level 9 into one dynamic block */
static const char dyn[] =
    "\x9d\xd2\xcb\x11\x82\x30\x18\x04\xe0\xbb\x55\x50\x82\x49\xc8\xcb\x6e\x10\x68\x40\xe8\x7f"
    "\xd4\x19\x8f\xe6\x3b\x90\xeb\xce\xbf\xd9\xd7\xb9\x1f\xc7\xfe\x5a\xa6\xfb\x63\x5a\xbe\xef"
    "\xf9\x79\xeb\xba\x6e\xdb\x7e\x3b\x7f\x50\x18\x43\xf3\x18\xea\x20\x2c\x63\x2c\xe6\x31\x96"
    "\x70\x37\xe3\xbf\x02\x99\x0d\xee\x12\x64\x82\x72\xae\x63\xac\x46\x70\x42\x09\x54\x16\xdc"
    "\x75\xa5\x09\x7b\x55\x73\xc0\x7f\x19\x9c\x5d\xed\x69\x48\xda\x9f\xfe\x03\x67\x86\xbf\x86"
    "\xa8\x11\x67\x44\xeb\x0d\x9c\x19\x32\x23\xa2\x6e\x1a\xbc\x46\x0d\x0f\x01\x77\x0d\xf5\x15"
    "\x55\x0b\xef\x09\xfe\x82\x7a\x40\xeb\x58\x44\x83\xf5\x8a\x38\xab\xee\xd2\x45\xec\xa2\x16"
    "\x79\x90\xf7\x72\x2d\x69\x35\xa4\x66\xb5\x88\x7f\x4b\x7a\x03";

static void test_dynamic(void)
{
    char want[2000];
    size_t wn = 0, got, used = 0;
    for (int i = 0; i < 60; i++)
        wn += (size_t)snprintf(want + wn, sizeof(want) - wn, "tessera %d: aaaaabbbbcccdde\n", i * i % 97);
    CHECK_EQ(wn, 1671, "inflate: dynamic sample text length");
    ok("inflate: dynamic Huffman block", S(dyn), want, wn);
    uint8_t *out = malloc(wn);
    CHECK(dc_inflate((const uint8_t *)dyn, sizeof(dyn) - 1, out, wn, &got, &used) == DC_OK &&
              used == sizeof(dyn) - 1,
          "inflate: consumed length reported");
    free(out);
    /* every truncation fails cleanly; every single-bit flip never overruns */
    int trunc_ok = 1;
    for (size_t n = 0; n < sizeof(dyn) - 1; n++) {
        int rc = t_run_exact(inflate_fn, (const uint8_t *)dyn, n, wn, &got);
        if (rc != DC_ETRUNC && rc != DC_ECORRUPT) trunc_ok = 0;
    }
    CHECK(trunc_ok, "inflate: every truncation of the dynamic block refused");
    uint8_t flip[sizeof(dyn)];
    int flips_err = 0;
    for (size_t bit = 0; bit < (sizeof(dyn) - 1) * 8; bit++) {
        memcpy(flip, dyn, sizeof(dyn) - 1);
        flip[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (t_run_exact(inflate_fn, flip, sizeof(dyn) - 1, wn, &got) != DC_OK) flips_err++;
    }
    CHECK(flips_err > 0, "inflate: bit flips of the dynamic block stay in bounds");
    err("inflate: dynamic block into a short buffer", S(dyn), wn - 1, DC_ENOSPC);
}

void test_inflate(void)
{
    ok("inflate: stored block",
       S("\x01\x05\x00\xfa\xff"
         "hello"),
       "hello", 5);
    ok("inflate: empty fixed block", S("\x03\x00"), "", 0);
    ok("inflate: fixed block with an overlapping match", S("\x4b\x04\x02\x00"), "aaaa", 4);
    ok("inflate: fixed block (zlib level 9)",
       S("\xcb\x48\xcd\xc9\xc9\x57\xc8\x40\x27\x75\x14\x4a\x52\x8b\x8b\x53\x8b\x12\x15\x01"),
       "hello hello hello hello, tessera!", 33);
    ok("inflate: non-final fixed block then stored block", S("\x02\x04\x02\x00\xfd\xff\x68\x69"), "hi", 2);
    test_dynamic();
    err("inflate: empty input", S(""), 16, DC_ETRUNC);
    err("inflate: stored block with a bad NLEN",
        S("\x01\x05\x00\xfb\xff"
          "hello"),
        16, DC_ECORRUPT);
    err("inflate: stored block beyond the input",
        S("\x01\x05\x00\xfa\xff"
          "hel"),
        16, DC_ETRUNC);
    err("inflate: stored block header cut off", S("\x01\x05\x00"), 16, DC_ETRUNC);
    err("inflate: stored block larger than the output",
        S("\x01\x05\x00\xfa\xff"
          "hello"),
        4, DC_ENOSPC);
    err("inflate: block type 3 refused", S("\x07"), 16, DC_ECORRUPT);
    /* 'a', then length 3 at distance 2: only one byte of history */
    err("inflate: distance beyond the output start", S("\x4b\x04\x42\x00"), 16, DC_ECORRUPT);
    /* fixed-code literal/length symbol 286 */
    err("inflate: length symbol 286 refused", S("\x1b\x03\x00"), 16, DC_ECORRUPT);
    /* 'a', length 3, fixed distance code 30 */
    err("inflate: distance symbol 30 refused", S("\x4b\x04\x3e\x00"), 16, DC_ECORRUPT);
    /* dynamic header with HLIT = 287 */
    err("inflate: dynamic HLIT over 286 refused", S("\xf5\x00\x00\x00\x00\x00"), 16, DC_ECORRUPT);
    /* 19 code-length codes, all of length 1 */
    err("inflate: over-subscribed code lengths refused",
        S("\x05\xe0\x93\x24\x49\x92\x24\x49\x92\x00\x00\x00"), 16, DC_ECORRUPT);
    /* first code length is "repeat previous" */
    err("inflate: repeat with no previous length refused", S("\x05\x00\x02\x24\x00\x00"), 16, DC_ECORRUPT);
    /* every literal/length code length zero: no end-of-block code */
    err("inflate: missing end-of-block code refused",
        S("\x05\x00\x02\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
          "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
        16, DC_ECORRUPT);
    /* a zero run of 10 where 2 lengths are left */
    err("inflate: code-length repeat past the end refused",
        S("\x05\x00\x10\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
          "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xe0\x01\x00\x00"),
        16, DC_ECORRUPT);
    size_t got;
    CHECK_EQ(dc_inflate(NULL, 0, NULL, 0, &got, NULL), DC_EARG, "inflate: NULL arguments");
}
