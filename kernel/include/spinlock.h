/* Test-and-set spinlocks (the core runs with interrupts off). */
#ifndef TESSERA_SPINLOCK_H
#define TESSERA_SPINLOCK_H

typedef struct {
    volatile int locked;
} spinlock_t;
#define SPINLOCK_INIT                                                                                        \
    {                                                                                                        \
        0                                                                                                    \
    }

/* Called while spinning: the core runs with interrupts off, so a CPU waiting for
 * a lock must still answer TLB-shootdown requests (weak: absent in host tests). */
void spin_wait_hook(void) __attribute__((weak));

static inline void spin_lock(spinlock_t *l)
{
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
            __builtin_ia32_pause();
            if (spin_wait_hook) spin_wait_hook();
        }
}
static inline void spin_unlock(spinlock_t *l) { __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE); }

#endif
