/* The hypervisor's console ring (Xen's conring): the last 16 KiB printk wrote,
 * for XEN_SYSCTL_readconsole (`xl dmesg`).  The indices run freely (wrapping
 * at 2^32, a multiple of the size): producer p, oldest byte held c, p - c <= size. */
#include "lib.h"
#include "console.h"
#include "guest_access.h"
#include "spinlock.h"
#include <xen/sysctl.h>

#define CONRING_SIZE 16384u
static char conring[CONRING_SIZE];
static uint32_t conring_c, conring_p;
static spinlock_t conring_lock = SPINLOCK_INIT;

void conring_put(const char *s, size_t n)
{
    spin_lock(&conring_lock);
    while (n--)
        conring[conring_p++ % CONRING_SIZE] = *s++;
    if (conring_p - conring_c > CONRING_SIZE) conring_c = conring_p - CONRING_SIZE;
    spin_unlock(&conring_lock);
}

/* Xen's read_console_ring: from the oldest byte held, or from op->index when
 * `incremental` and it is held; `clear` forgets what was read.  As in Xen the
 * copy is unlocked (a reader racing printk may see newer text). */
long conring_read(struct xen_sysctl_readconsole *op)
{
    uint32_t c = __atomic_load_n(&conring_c, __ATOMIC_ACQUIRE);
    uint32_t p = __atomic_load_n(&conring_p, __ATOMIC_ACQUIRE), done = 0, len;

    if (op->incremental && (c <= p ? c < op->index && op->index <= p : c < op->index || op->index <= p))
        c = op->index;
    for (; c != p && done < op->count; c += len, done += len) {
        len = MIN(MIN(p - c, CONRING_SIZE - c % CONRING_SIZE), op->count - done);
        if (copy_to_guest((uint64_t)(uintptr_t)op->buffer.p + done, conring + c % CONRING_SIZE, len))
            return -EFAULT;
    }
    if (op->clear) {
        spin_lock(&conring_lock);
        conring_c = p - c > CONRING_SIZE ? p - CONRING_SIZE : c;
        spin_unlock(&conring_lock);
    }
    op->count = done;
    op->index = c;
    return 0;
}
