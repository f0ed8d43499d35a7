/*
 * Xen's shared rings (xen/io/ring.h) for backends.  ring.h leaves the memory
 * barriers to its includer and trusts the frontend's indices; a backend must
 * not.  This header supplies the barriers and the one check every backend
 * loop starts with: how many requests may be taken now, or that the
 * frontend published more than the ring can hold (it is broken or hostile:
 * disconnect it, never index with what it wrote).  Requests are then taken
 * with RING_COPY_REQUEST so they cannot change while being checked.
 */
#ifndef TESSERA_XENRING_H
#define TESSERA_XENRING_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

/* ring.h uses xen_mb() and friends, or mb() and friends under an older
 * interface version; both are fences here. */
#ifndef xen_mb
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
#ifndef mb
#define mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
#include <xen/io/ring.h>

/* The producer index, read once, then a read barrier so the requests it
 * covers are read after it. */
static inline RING_IDX xenring_read_prod(const volatile RING_IDX *prod)
{
    RING_IDX p = *prod;
    xen_rmb();
    return p;
}

/* For a back ring _r: the number of requests to take now (0 to RING_SIZE),
 * with the producer index in *(_rp); or -1 if the frontend's req_prod claims
 * more outstanding requests than the ring holds. */
#define XENRING_BACK_AVAILABLE(_r, _rp)                                                                      \
    ({                                                                                                       \
        RING_IDX __p = xenring_read_prod(&(_r)->sring->req_prod);                                            \
        long __n = RING_REQUEST_PROD_OVERFLOW(_r, __p) ? -1L : (long)(RING_IDX)(__p - (_r)->req_cons);       \
        if (__n > (long)RING_SIZE(_r)) __n = -1L; /* cons ahead of prod */                                   \
        *(_rp) = __p;                                                                                        \
        __n;                                                                                                 \
    })

#endif
