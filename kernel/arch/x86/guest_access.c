/* Copies to and from guest virtual memory.  The core runs on the guest's page
 * tables, so a copy is a plain string move guarded by the exception table: a
 * fault (unmapped, read-only with CR0.WP, or a supervisor-only page) ends it
 * with -EFAULT.  Addresses in the hypervisor's range are refused up front.
 * With SMAP on (cpu.c), these helpers are the only places that open guest
 * (user-mode) pages to the core, with stac/clac around the access itself;
 * any other touch of guest memory faults in the hypervisor. */
#include "lib.h"
#include "guest_access.h"
#include "domain.h"
#include "traps.h"

size_t raw_copy(void *dst, const void *src, size_t n);
int raw_cmpxchg8(uint64_t *p, uint64_t *old, uint64_t new_val);

/* Set by cpu_init; entry.S also clears RFLAGS.AC on every entry when set. */
HOT_DATA bool smap_active;

static inline void guest_open(void)
{
    if (smap_active) __asm__ volatile("stac" ::: "memory");
}

static inline void guest_close(void)
{
    if (smap_active) __asm__ volatile("clac" ::: "memory");
}

HOT_PATH int copy_from_guest(void *dst, uint64_t gva, size_t n)
{
    if (!guest_range_ok(gva, n)) return -EFAULT;
    guest_open();
    size_t left = raw_copy(dst, (const void *)gva, n);
    guest_close();
    return left ? -EFAULT : 0;
}

HOT_PATH int copy_to_guest(uint64_t gva, const void *src, size_t n)
{
    if (!guest_range_ok(gva, n)) return -EFAULT;
    guest_open();
    size_t left = raw_copy((void *)gva, src, n);
    guest_close();
    return left ? -EFAULT : 0;
}

int cmpxchg_guest_u64(uint64_t gva, uint64_t *old, uint64_t new_val)
{
    if ((gva & 7) || !guest_range_ok(gva, 8)) return -EFAULT;
    guest_open();
    int rc = raw_cmpxchg8((uint64_t *)gva, old, new_val);
    guest_close();
    return rc;
}
