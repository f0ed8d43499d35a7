/* mmap 64 MiB anonymous, touch every page, munmap: ns per whole cycle. */
#include <sys/mman.h>
#include "bench.h"

#define SZ (64ul << 20)

static long long run(long n)
{
    long long t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        volatile char *p = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return bench_fail("mmap_64m", "mmap"), -1;
        for (unsigned long o = 0; o < SZ; o += 4096)
            p[o] = 1;
        if (munmap((void *)p, SZ)) return bench_fail("mmap_64m", "munmap"), -1;
    }
    return bench_now_ns() - t0;
}

int main(int argc, char **argv) { return bench_main("mmap_64m", argc, argv, 2, run); }
