/* fork() + execve() of this same static program (which exits at once when
 * called as "fork_exec -child") + waitpid(). */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

static char self[4096];

static long long run(long n)
{
    char *args[] = { self, "-child", NULL }, *env[] = { NULL };
    long long t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        pid_t p = fork();
        if (p < 0) return bench_fail("fork_exec", "fork"), -1;
        if (p == 0) {
            execve(self, args, env);
            _exit(127);
        }
        int st;
        if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            return bench_fail("fork_exec", "exec"), -1;
    }
    return bench_now_ns() - t0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-child") == 0) return 0;
    ssize_t l = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (l <= 0) return bench_fail("fork_exec", "readlink");
    self[l] = 0;
    return bench_main("fork_exec", argc, argv, 50, run);
}
