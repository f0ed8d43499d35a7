/* Basic types, Xen public ABI headers and small helpers shared by all of the core. */
#ifndef TESSERA_TYPES_H
#define TESSERA_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <xen/xen.h>
#include <xen/errno.h>

typedef uint64_t mfn_t;
typedef uint64_t paddr_t;
typedef uint64_t vaddr_t;

#define PAGE_SHIFT  12
#define PAGE_SIZE   (1UL << PAGE_SHIFT)
#define PAGE_MASK   (~(PAGE_SIZE - 1))
#define INVALID_MFN (~0UL)

#define ARRAY_SIZE(a)         (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)        (((x) + (a)-1) & ~((uint64_t)(a)-1))
#define ALIGN_DOWN(x, a)      ((x) & ~((uint64_t)(a)-1))
#define likely(x)             __builtin_expect(!!(x), 1)
#define unlikely(x)           __builtin_expect(!!(x), 0)
#define container_of(p, T, m) ((T *)((char *)(p)-offsetof(T, m)))
#define MIN(a, b)             ((a) < (b) ? (a) : (b))
#define MAX(a, b)             ((a) > (b) ? (a) : (b))
#define BUILD_BUG_ON(c)       _Static_assert(!(c), #c)
/* The code and data every guest system call, page fault and hypercall uses,
 * kept together (linker.ld) so that they span few pages: under QEMU's TCG each
 * page touched costs a software-TLB refill after every guest CR3 switch
 * (docs/performance.md). */
#define HOT_PATH __attribute__((section(".text.hot")))
#define HOT_DATA __attribute__((section(".data.hot")))

/* Errors are negative Xen errno values (XEN_EPERM ...); these names keep code short. */
#define EPERM      XEN_EPERM
#define ENOENT     XEN_ENOENT
#define ESRCH      XEN_ESRCH
#define E2BIG      XEN_E2BIG
#define EBADF      XEN_EBADF
#define EAGAIN     XEN_EAGAIN
#define ENOMEM     XEN_ENOMEM
#define EACCES     XEN_EACCES
#define EFAULT     XEN_EFAULT
#define EBUSY      XEN_EBUSY
#define EEXIST     XEN_EEXIST
#define EINVAL     XEN_EINVAL
#define ENOSPC     XEN_ENOSPC
#define ENOSYS     XEN_ENOSYS
#define EOPNOTSUPP XEN_EOPNOTSUPP
#define ENODEV     XEN_ENODEV
#define ENXIO      XEN_ENXIO
#define ERANGE     XEN_ERANGE

#endif
