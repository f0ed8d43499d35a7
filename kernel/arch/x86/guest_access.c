/* Copies to and from guest virtual memory.  The core runs on the guest's page
 * tables, so a copy is a plain string move guarded by the exception table: a
 * fault (unmapped, read-only with CR0.WP, or a supervisor-only page) ends it
 * with -EFAULT.  Addresses in the hypervisor's range are refused up front. */
#include "lib.h"
#include "guest_access.h"
#include "domain.h"
#include "traps.h"

size_t raw_copy(void *dst, const void *src, size_t n);
int raw_cmpxchg8(uint64_t *p, uint64_t *old, uint64_t new_val);

int copy_from_guest(void *dst, uint64_t gva, size_t n)
{
    if (!guest_range_ok(gva, n))
        return -EFAULT;
    return raw_copy(dst, (const void *)gva, n) ? -EFAULT : 0;
}

int copy_to_guest(uint64_t gva, const void *src, size_t n)
{
    if (!guest_range_ok(gva, n))
        return -EFAULT;
    return raw_copy((void *)gva, src, n) ? -EFAULT : 0;
}

int cmpxchg_guest_u64(uint64_t gva, uint64_t *old, uint64_t new_val)
{
    if ((gva & 7) || !guest_range_ok(gva, 8))
        return -EFAULT;
    return raw_cmpxchg8((uint64_t *)gva, old, new_val);
}
