/* Fault injection for the restart suites (docs/restart.md), shared by the
 * driver programs' consoles: "crash" kills the program (SIGKILL, as a crash
 * ends it; the service runtime restarts it), "crash domain" crashes its whole
 * domain (SCHEDOP_shutdown with SHUTDOWN_crash, as a crash of the runtime
 * ends it; the domain builder rebuilds it with its id).  Each logs
 * "PROG: crashing (SIGKILL) at T us" or "PROG: crashing the domain at T us",
 * T the hypervisor's system time, which every domain reads alike. */
#ifndef TESSERA_CRASH_CMD_H
#define TESSERA_CRASH_CMD_H

#include <stdbool.h>
#include <time.h>

/* The hypervisor's system time in microseconds: the restart suites time a
 * restart with it from the crash (or the builder taking the domain down)
 * through the new incarnation's start-up to its first ring response. */
static inline unsigned long long restart_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000;
}

/* false if line is not one of the commands; returns only if the crash failed
 * (then it says why on stdout). */
bool crash_command(const char *prog, const char *line);

#endif
