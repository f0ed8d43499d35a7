/* Ticket-free test-and-set spinlocks (the core runs with interrupts off). */
#ifndef TESSERA_SPINLOCK_H
#define TESSERA_SPINLOCK_H

typedef struct { volatile int locked; } spinlock_t;
#define SPINLOCK_INIT { 0 }

static inline void spin_lock(spinlock_t *l)
{
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (l->locked)
            __builtin_ia32_pause();
}
static inline void spin_unlock(spinlock_t *l) { __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE); }

#endif
