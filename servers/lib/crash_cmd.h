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

/* false if line is not one of the commands; returns only if the crash failed
 * (then it says why on stdout). */
bool crash_command(const char *prog, const char *line);

#endif
