/* System time: TSC calibration, nanoseconds since boot, pvclock for vCPUs. */
#ifndef TESSERA_TIME_H
#define TESSERA_TIME_H
#include "types.h"
struct vcpu;
struct domain;
void time_init(void);
uint64_t now_ns(void);
uint64_t tsc_khz(void);
/* Publish the vCPU's vcpu_time_info (version protocol) for the current TSC. */
void update_vcpu_time(struct vcpu *v);
/* Publish wallclock (wc_sec/wc_nsec at system time 0) in d's shared_info. */
void update_wallclock(struct domain *d);
#endif
