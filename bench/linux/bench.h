/* Shared helpers of the Linux guest benchmarks: a monotonic clock in
 * nanoseconds, the iteration count (from argv, else from the environment
 * variable bench_NAME, which a kernel command line's bench_NAME=N sets for
 * /init and its children, else calibrated so that one measurement takes at
 * least a second of guest time), and the one result line
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

/* The fixed count for NAME (argv[1], else $bench_NAME), or 0: calibrate. */
static inline long bench_fixed(const char *name, int argc, char **argv)
{
    char var[64];
    snprintf(var, sizeof var, "bench_%s", name);
    const char *s = argc > 1 ? argv[1] : getenv(var);
    long n = s ? strtol(s, NULL, 0) : 0;
    return n > 0 ? n : 0;
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

#define BENCH_MIN_NS 1000000000ll /* a measurement shorter than this is repeated longer */

/* Runs run(n) (elapsed ns, or < 0 after printing a failure) with the fixed
 * count, or from dflt upwards until one run lasts BENCH_MIN_NS of guest time
 * (the shorter runs are the warm-up), and reports the last run. */
static inline int bench_main(const char *name, int argc, char **argv, long dflt, long long (*run)(long n))
{
    long fixed = bench_fixed(name, argc, argv);
    long n = fixed ? fixed : dflt;
    long long ns = run(n);
    while (!fixed && ns >= 0 && ns < BENCH_MIN_NS && n < (1l << 40)) {
        long long f = ns > 0 ? (BENCH_MIN_NS + BENCH_MIN_NS / 4) / ns + 1 : 16;
        n *= f > 16 ? 16 : f;
        ns = run(n);
    }
    return ns < 0 ? 1 : bench_report(name, n, ns);
}
#endif
