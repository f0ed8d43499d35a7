/* Clocks and sleeping: CLOCK_REALTIME* from the wall clock, every other clock
 * from system time; sleeps arm the singleshot timer (VIRQ_TIMER) and block. */
#include "rt.h"

#define NSEC 1000000000UL
struct ts {
    int64_t sec, nsec;
};

static uint64_t realtime_offset(void)
{
    uint64_t s;
    uint32_t ns;
    wallclock(&s, &ns);
    return s * NSEC + ns - now_ns();
}

static bool is_realtime(int clk) { return clk == 0 || clk == 5 || clk == 8; }

long sys_clock_gettime(int clk, uint64_t tsp)
{
    if (clk < 0 || clk > 11) return -EINVAL;
    uint64_t t = now_ns() + (is_realtime(clk) ? realtime_offset() : 0);
    struct ts ts = { (int64_t)(t / NSEC), (int64_t)(t % NSEC) };
    return copy_to_user(tsp, &ts, sizeof(ts));
}

long sys_nanosleep(int clk, int flags, uint64_t reqp, uint64_t remp)
{
    struct ts req;
    if (copy_from_user(&req, reqp, sizeof(req))) return -EFAULT;
    if (req.sec < 0 || req.nsec < 0 || req.nsec >= (int64_t)NSEC || clk < 0 || clk > 11) return -EINVAL;
    uint64_t t = (uint64_t)req.sec * NSEC + (uint64_t)req.nsec, deadline;
    if (flags & 1) { /* TIMER_ABSTIME */
        uint64_t off = is_realtime(clk) ? realtime_offset() : 0;
        deadline = t > off ? t - off : 1;
    } else {
        deadline = now_ns() + t;
    }
    wait_until(NULL, NULL, deadline ? deadline : 1);
    if (remp && !(flags & 1)) {
        struct ts zero = { 0, 0 };
        copy_to_user(remp, &zero, sizeof(zero));
    }
    return 0;
}
