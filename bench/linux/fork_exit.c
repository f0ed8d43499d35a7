/* fork(), child _exit(0), parent waitpid(): one process lifetime per op. */
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

static long long run(long n)
{
    long long t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        pid_t p = fork();
        if (p < 0) return bench_fail("fork_exit", "fork"), -1;
        if (p == 0) _exit(0);
        int st;
        if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            return bench_fail("fork_exit", "wait"), -1;
    }
    return bench_now_ns() - t0;
}

int main(int argc, char **argv) { return bench_main("fork_exit", argc, argv, 100, run); }
