/* The functions behind lib/pv/libc's headers that the PV base can provide
 * itself (malloc and free are the kernel's): clock_gettime on the pvclock and
 * atoi on lib/freestanding's strtoul. */
#include "pv.h"
#include "libc/time.h"

int clock_gettime(clockid_t clk, struct timespec *ts)
{
    if (clk != CLOCK_MONOTONIC) return -XEN_EINVAL;
    uint64_t ns = now_ns();
    ts->tv_sec = (time_t)(ns / 1000000000UL);
    ts->tv_nsec = (long)(ns % 1000000000UL);
    return 0;
}

int atoi(const char *s)
{
    bool neg = *s == '-';
    return (int)(neg ? -(long)strtoul(s + 1, NULL, 10) : (long)strtoul(s, NULL, 10));
}
