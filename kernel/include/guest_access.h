/* The only way the core touches guest virtual memory: copies that fail cleanly
 * with -EFAULT on a bad, unmapped, read-only or hypervisor address. */
#ifndef TESSERA_GUEST_ACCESS_H
#define TESSERA_GUEST_ACCESS_H

#include "types.h"
#include "layout.h"

int copy_from_guest(void *dst, uint64_t gva, size_t n);
int copy_to_guest(uint64_t gva, const void *src, size_t n);
/* Atomic compare-exchange of a naturally aligned guest word (ptwr, grant flags).
 * Returns 0 and stores the old value in *old, or -EFAULT. */
int cmpxchg_guest_u64(uint64_t gva, uint64_t *old, uint64_t new_val);
/* CR4.SMAP is on (cpu.c): the helpers open guest pages with stac/clac. */
extern bool smap_active;

static inline bool guest_range_ok(uint64_t gva, size_t n)
{
    uint64_t end = gva + n;
    if (end < gva) return false;
    /* Non-canonical hole and the hypervisor's reserved range are never guest memory. */
    if (gva < GUEST_LOW_END) return end <= GUEST_LOW_END;
    if (gva < HV_VIRT_START) return false;
    return gva >= HV_VIRT_END;
}

#endif
