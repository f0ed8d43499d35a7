/* Time: system time from the pvclock in vcpu_time_info, wall-clock time from
 * shared_info's wc_* fields (the epoch time at system time 0). */
#include "rt.h"

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

uint64_t now_ns(void)
{
    const volatile struct vcpu_time_info *t = &vcpu0->time;
    uint32_t ver;
    uint64_t ns;
    do {
        ver = t->version;
        barrier();
        uint64_t delta = rdtsc() - t->tsc_timestamp;
        int8_t shift = t->tsc_shift;
        delta = shift < 0 ? delta >> -shift : delta << shift;
        ns = t->system_time + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
        barrier();
    } while ((ver & 1) || ver != t->version);
    return ns;
}

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

void time_init(void)
{
    if (!vcpu0->time.tsc_to_system_mul)
        printf("runtime: warning: no pvclock (tsc_to_system_mul = 0)\n");
}
