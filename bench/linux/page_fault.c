/* Anonymous page faults: map a fresh region and write one byte per 4 KiB
 * page; ns per page (the mapping and unmapping are outside the timing). */
#include <sys/mman.h>
#include "bench.h"

int main(int argc, char **argv)
{
	long n = bench_iters(argc, argv, 8192);
	char *p = mmap(NULL, (size_t)n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (p == MAP_FAILED)
		return bench_fail("page_fault", "mmap");
	long long t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		p[i * 4096] = 1;
	long long t = bench_now_ns() - t0;
	munmap(p, (size_t)n * 4096);
	return bench_report("page_fault", n, t);
}
