/* The harness's guest memory (see fake.h): the core's copy_from_guest,
 * copy_to_guest and cmpxchg_guest_u64 over host addresses, with the kernel's own
 * guest_range_ok deciding what is never guest memory. */
#include <string.h>
#include "fake.h"
#include "guest_access.h"

struct region {
    uint64_t start, end;
    bool writable;
};
static struct region regions[64];
static unsigned n_regions;
bool fake_guest_any;
uint64_t fake_bad_guest_lo, fake_bad_guest_hi;
int copy_to_fail;

void fake_guest_map(const void *p, size_t len, bool writable)
{
    if (n_regions < 64) regions[n_regions++] = (struct region){ (uint64_t)p, (uint64_t)p + len, writable };
}

void fake_guest_unmap_all(void) { n_regions = 0; }

void fake_guest_reset(void)
{
    n_regions = 0;
    fake_guest_any = false;
    fake_bad_guest_lo = fake_bad_guest_hi = 0;
    copy_to_fail = 0;
}

static bool guest_ok(uint64_t gva, size_t n, bool write)
{
    if (!guest_range_ok(gva, n) || gva < 0x10000 || (write && copy_to_fail)) return false;
    if (gva < fake_bad_guest_hi && gva + n > fake_bad_guest_lo) return false;
    if (fake_guest_any) return true;
    for (unsigned i = 0; i < n_regions; i++)
        if (gva >= regions[i].start && gva + n <= regions[i].end && (!write || regions[i].writable))
            return true;
    return false;
}

int copy_from_guest(void *dst, uint64_t gva, size_t n)
{
    if (!guest_ok(gva, n, false)) return -EFAULT;
    memcpy(dst, (void *)gva, n);
    return 0;
}

int copy_to_guest(uint64_t gva, const void *src, size_t n)
{
    if (!guest_ok(gva, n, true)) return -EFAULT;
    memcpy((void *)gva, src, n);
    return 0;
}

int cmpxchg_guest_u64(uint64_t gva, uint64_t *old, uint64_t new_val)
{
    if (!guest_ok(gva, 8, true)) return -EFAULT;
    __atomic_compare_exchange_n((uint64_t *)gva, old, new_val, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return 0;
}
