/* Time: wall-clock time from shared_info's wc_* fields (the epoch time at system
 * time 0); system time is the PV base's pvclock (now_ns). */
#include "rt.h"

void wallclock(uint64_t *sec, uint32_t *nsec)
{
    uint32_t ver;
    uint64_t s;
    uint32_t ns;
    do {
        ver = shared->wc_version;
        barrier();
        s = shared->wc_sec | ((uint64_t)shared->wc_sec_hi << 32);
        ns = shared->wc_nsec;
        barrier();
    } while ((ver & 1) || ver != shared->wc_version);
    uint64_t t = (uint64_t)ns + now_ns();
    *sec = s + t / 1000000000UL;
    *nsec = (uint32_t)(t % 1000000000UL);
}

void events_init(void)
{
    if (events_bind_timer()) panic("cannot bind VIRQ_TIMER");
}

void time_init(void)
{
    if (!vcpu0->time.tsc_to_system_mul) printf("runtime: warning: no pvclock (tsc_to_system_mul = 0)\n");
}
