/* Pipe round trip: one byte to a child process and one byte back. */
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

int main(int argc, char **argv)
{
	long n = bench_iters(argc, argv, 1000);
	int ab[2], ba[2];
	char c = 'x';
	if (pipe(ab) || pipe(ba))
		return bench_fail("pipe_pingpong", "pipe");
	pid_t p = fork();
	if (p < 0)
		return bench_fail("pipe_pingpong", "fork");
	if (p == 0) {
		close(ab[1]);
		close(ba[0]);
		for (;;) {
			if (read(ab[0], &c, 1) != 1)
				_exit(0);
			if (write(ba[1], &c, 1) != 1)
				_exit(1);
		}
	}
	close(ab[0]);
	close(ba[1]);
	long long t0 = bench_now_ns();
	for (long i = 0; i < n; i++) {
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			return bench_fail("pipe_pingpong", "io");
	}
	long long t = bench_now_ns() - t0;
	close(ab[1]);
	waitpid(p, NULL, 0);
	return bench_report("pipe_pingpong", n, t);
}
