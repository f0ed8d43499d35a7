/* The build lock, which serialises domain control (domctl.c) with builders'
 * foreign MMU operations (mm_hypercalls.c) so that a domain cannot go away under
 * either, and the ordered locking of two domains' d->lock. */
#include "domain.h"
#include "lib.h"

static spinlock_t build_lock = SPINLOCK_INIT;
void sched_quiescent_point(void) __attribute__((weak)); /* sched.c; absent in host tests */

int build_lock_acquire(void)
{
    const struct domain *me = current->domain;

    while (__atomic_exchange_n(&build_lock.locked, 1, __ATOMIC_ACQUIRE)) {
        if (me->state != DOM_RUNNING) return -EAGAIN; /* the holder may be waiting for us to leave */
        __builtin_ia32_pause();
        if (spin_wait_hook) spin_wait_hook();
        if (sched_quiescent_point)
            sched_quiescent_point(); /* no lookups yet: a destroyer need not wait for us */
    }
    return 0;
}

void build_lock_release(void) { spin_unlock(&build_lock); }

HOT_PATH void mm_lock_pair(struct domain *a, struct domain *b)
{
    if (!b || b == a) {
        spin_lock(&a->lock);
    } else {
        spin_lock(a->id < b->id ? &a->lock : &b->lock);
        spin_lock(a->id < b->id ? &b->lock : &a->lock);
    }
}

HOT_PATH void mm_unlock_pair(struct domain *a, struct domain *b)
{
    if (b && b != a) spin_unlock(&b->lock);
    spin_unlock(&a->lock);
}
