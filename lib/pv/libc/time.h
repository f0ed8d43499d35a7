/* <time.h> of lib/pv/libc (see errno.h): CLOCK_MONOTONIC is the pvclock's
 * system time (now_ns); other clocks are -EINVAL. */
#ifndef PV_LIBC_TIME_H
#define PV_LIBC_TIME_H
#include <stdint.h>
typedef long time_t;
struct timespec {
    time_t tv_sec;
    long tv_nsec;
};
typedef int clockid_t;
#define CLOCK_MONOTONIC 1
int clock_gettime(clockid_t clk, struct timespec *ts);
#endif
