/* CPU-bound work with no system calls or memory traffic: an integer mixing
 * loop; ns per iteration.  The result is printed so it cannot be dropped. */
#include <stdint.h>
#include "bench.h"

static long long run(long n)
{
    uint64_t x = 88172645463325252ull;
    long long t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    long long t = bench_now_ns() - t0;
    return x == 0 ? bench_fail("cpu_loop", "zero"), -1 : t;
}

int main(int argc, char **argv) { return bench_main("cpu_loop", argc, argv, 300000000, run); }
