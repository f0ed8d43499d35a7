/* Checked access to the program's memory.  The kernel sees user pages at their
 * user addresses (the shared L3); a range is usable when every page in it is
 * present and user-accessible, and writable for writes. */
#include "rt.h"

bool user_ok(uint64_t p, uint64_t len, bool write)
{
    if (len == 0) return true;
    if (p >= USER_TOP || len > USER_TOP - p) return false;
    for (uint64_t va = PAGE_ALIGN_DOWN(p); va < p + len; va += PAGE_SIZE) {
        uint64_t *pte = uvm_pte(va, false, NULL);
        if (!pte || !(*pte & _PAGE_PRESENT) || !(*pte & _PAGE_USER)) return false;
        if (write && !(*pte & _PAGE_RW)) return false;
    }
    return true;
}

long copy_from_user(void *dst, uint64_t src, size_t n)
{
    if (!user_ok(src, n, false)) return -EFAULT;
    memcpy(dst, (const void *)src, n);
    return 0;
}

long copy_to_user(uint64_t dst, const void *src, size_t n)
{
    if (!user_ok(dst, n, true)) return -EFAULT;
    memcpy((void *)dst, src, n);
    return 0;
}

/* Copy a NUL-terminated string of at most n-1 characters; -ENAMETOOLONG as -ERANGE. */
long strncpy_from_user(char *dst, uint64_t src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!user_ok(src + i, 1, false)) return -EFAULT;
        dst[i] = *(const char *)(src + i);
        if (!dst[i]) return (long)i;
    }
    return -ERANGE;
}
