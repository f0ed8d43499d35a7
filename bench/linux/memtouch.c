/* Touches N MiB (default 64) of heap memory page by page, reads it back, and
 * prints "memtouch: BYTES bytes touched" -- the 64 MiB check of the tests. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long mib = argc > 1 ? strtol(argv[1], NULL, 0) : 64;
    size_t sz = (size_t)mib << 20, sum = 0;
    unsigned char *p = malloc(sz);
    if (!p) {
        printf("memtouch: malloc of %zu bytes failed\n", sz);
        return 1;
    }
    for (size_t o = 0; o < sz; o += 4096)
        p[o] = (unsigned char)(o >> 12);
    for (size_t o = 0; o < sz; o += 4096)
        sum += p[o] == (unsigned char)(o >> 12) ? 4096 : 0;
    printf("memtouch: %zu bytes touched\n", sum);
    free(p);
    return sum == sz ? 0 : 1;
}
