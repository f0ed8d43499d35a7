/* Null system call: getppid() through the raw syscall instruction. */
#include <sys/syscall.h>
#include <unistd.h>
#include "bench.h"

int main(int argc, char **argv)
{
	long n = bench_iters(argc, argv, 50000);
	long long t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return bench_report("null_syscall", n, bench_now_ns() - t0);
}
