/* Pipe round trip: one byte to a child process and one byte back. */
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

static long long run(long n);

int main(int argc, char **argv) { return bench_main("pipe_pingpong", argc, argv, 1000, run); }

/* A fresh pair of processes per run, so each run is alike. */
static long long run(long n)
{
    int ab[2], ba[2];
    char c = 'x';
    if (pipe(ab) || pipe(ba)) return bench_fail("pipe_pingpong", "pipe"), -1;
    pid_t p = fork();
    if (p < 0) return bench_fail("pipe_pingpong", "fork"), -1;
    if (p == 0) {
        close(ab[1]);
        close(ba[0]);
        for (;;) {
            if (read(ab[0], &c, 1) != 1) _exit(0);
            if (write(ba[1], &c, 1) != 1) _exit(1);
        }
    }
    close(ab[0]);
    close(ba[1]);
    long long t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1) return bench_fail("pipe_pingpong", "io"), -1;
    }
    long long t = bench_now_ns() - t0;
    close(ab[1]);
    close(ba[0]);
    waitpid(p, NULL, 0);
    return t;
}
