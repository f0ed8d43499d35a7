/* fork() + execve() of this same static program (which exits at once when
 * called as "fork_exec -child") + waitpid(). */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "-child") == 0)
		return 0;
	long n = bench_iters(argc, argv, 50);
	char self[4096];
	ssize_t l = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (l <= 0)
		return bench_fail("fork_exec", "readlink");
	self[l] = 0;
	char *args[] = { self, "-child", NULL }, *env[] = { NULL };
	long long t0 = bench_now_ns();
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			return bench_fail("fork_exec", "fork");
		if (p == 0) {
			execve(self, args, env);
			_exit(127);
		}
		int st;
		if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return bench_fail("fork_exec", "exec");
	}
	return bench_report("fork_exec", n, bench_now_ns() - t0);
}
