/* Null system call: getppid() through the raw syscall instruction. */
#include <sys/syscall.h>
#include <unistd.h>
#include "bench.h"

static long long run(long n)
{
    long long t0 = bench_now_ns();
    for (long i = 0; i < n; i++)
        syscall(SYS_getppid);
    return bench_now_ns() - t0;
}

int main(int argc, char **argv) { return bench_main("null_syscall", argc, argv, 50000, run); }
