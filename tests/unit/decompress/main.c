/* Host unit tests of the decompressors; argv[1] may name a fixture directory
 * (made by tests/suites/15-unit-decompress.sh from the gzip and lz4 tools). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dtest.h"

int t_run(dc_fn fn, const uint8_t *in, size_t in_len, size_t cap, uint8_t **out, size_t *out_len)
{
    uint8_t *ib = malloc(in_len ? in_len : 1), *ob = malloc(cap ? cap : 1);
    if (in_len) memcpy(ib, in, in_len);
    *out_len = (size_t)-1;
    int rc = fn(ib, in_len, ob, cap, out_len);
    free(ib);
    if (out)
        *out = ob;
    else
        free(ob);
    return rc;
}

int t_run_exact(dc_fn fn, const uint8_t *in, size_t in_len, size_t cap, size_t *out_len)
{
    return t_run(fn, in, in_len, cap, NULL, out_len);
}

int main(int argc, char **argv)
{
    unit_begin();
    test_detect();
    test_lz4();
    test_inflate();
    test_gzip();
    test_bzimage();
    test_xz();
    test_zstd();
    if (argc > 1) test_fixtures(argv[1]);
    return unit_end();
}
