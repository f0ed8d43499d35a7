/* System time of the PV base: the pvclock of vCPU 0 (vcpu_time_info), as Xen
 * publishes it: ns = system_time + ((tsc - tsc_timestamp) << shift) * mul >> 32,
 * read again while the hypervisor is updating it (odd or changed version). */
#include "pv.h"

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
