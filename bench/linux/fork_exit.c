/* fork(), child _exit(0), parent waitpid(): one process lifetime per op. */
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

int main(int argc, char **argv)
{
	long n = bench_iters(argc, argv, 100);
	long long t0 = bench_now_ns();
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			return bench_fail("fork_exit", "fork");
		if (p == 0)
			_exit(0);
		int st;
		if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return bench_fail("fork_exit", "wait");
	}
	return bench_report("fork_exit", n, bench_now_ns() - t0);
}
