/* mmap 64 MiB anonymous, touch every page, munmap: ns per whole cycle. */
#include <sys/mman.h>
#include "bench.h"

#define SZ (64ul << 20)

int main(int argc, char **argv)
{
	long n = bench_iters(argc, argv, 2);
	long long t0 = bench_now_ns();
	for (long i = 0; i < n; i++) {
		volatile char *p = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
					-1, 0);
		if (p == MAP_FAILED)
			return bench_fail("mmap_64m", "mmap");
		for (unsigned long o = 0; o < SZ; o += 4096)
			p[o] = 1;
		if (munmap((void *)p, SZ))
			return bench_fail("mmap_64m", "munmap");
	}
	return bench_report("mmap_64m", n, bench_now_ns() - t0);
}
