/* Anonymous page faults: map a fresh region and write one byte per 4 KiB
 * page; ns per page (the mapping and unmapping are outside the timing). */
#include <sys/mman.h>
#include "bench.h"

#define CHUNK 8192L /* pages mapped at once (32 MiB): only the first touches are timed */

static long long run(long n)
{
    long long t = 0;
    for (long done = 0; done < n; done += CHUNK) {
        long k = n - done < CHUNK ? n - done : CHUNK;
        char *p = mmap(NULL, (size_t)k * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return bench_fail("page_fault", "mmap"), -1;
        long long t0 = bench_now_ns();
        for (long i = 0; i < k; i++)
            p[i * 4096] = 1;
        t += bench_now_ns() - t0;
        munmap(p, (size_t)k * 4096);
    }
    return t;
}

int main(int argc, char **argv) { return bench_main("page_fault", argc, argv, 8192, run); }
