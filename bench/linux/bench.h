/* Shared helpers of the Linux guest benchmarks: a monotonic clock in
 * nanoseconds, the iteration count from argv, and the one result line
 *   bench: name=NAME iters=N ns_per_op=X.X
 * that bench/linux.sh and the tests parse. */
#ifndef TESSERA_BENCH_H
#define TESSERA_BENCH_H
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline long long bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static inline long bench_iters(int argc, char **argv, long dflt)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 0) : dflt;
	return n > 0 ? n : dflt;
}

static inline int bench_report(const char *name, long iters, long long ns)
{
	printf("bench: name=%s iters=%ld ns_per_op=%.1f\n", name, iters, (double)ns / (double)iters);
	fflush(stdout);
	return 0;
}

static inline int bench_fail(const char *name, const char *what)
{
	printf("bench: name=%s error=%s\n", name, what);
	fflush(stdout);
	return 1;
}
#endif
