/* Split virtqueues, driver side (see virtq.h). */
#include "virtq.h"
#include <xen/errno.h>

/* The layouts of virtio 1.x, 2.7 (little-endian; x86 only). */
struct vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};
struct vq_avail {
    uint16_t flags, idx, ring[];
};
struct vq_used_elem {
    uint32_t id, len;
};
struct vq_used {
    uint16_t flags, idx;
    struct vq_used_elem ring[];
};
#define VQ_DESC_F_NEXT      1
#define VQ_DESC_F_WRITE     2
#define VQ_USED_F_NO_NOTIFY 1

/* The device reads and writes these pages behind the compiler's back. */
#define VQ_ACCESS(x) (*(volatile __typeof__(x) *)&(x))

int virtq_init(struct virtq *q, struct vdev *d, unsigned index, unsigned size)
{
    if (size == 0 || size > VIRTQ_MAX || (size & (size - 1))) return -XEN_EINVAL;
    __builtin_memset(q, 0, sizeof(*q));
    q->desc = d->ops->dma_page(d->ctx, &q->desc_bus);
    q->avail = q->desc ? d->ops->dma_page(d->ctx, &q->avail_bus) : NULL;
    q->used = q->avail ? d->ops->dma_page(d->ctx, &q->used_bus) : NULL;
    if (!q->used) return -XEN_ENOMEM; /* pages already taken stay with the device */
    q->index = index;
    q->size = size;
    for (unsigned i = 0; i < size; i++)
        q->next[i] = (uint16_t)(i + 1);
    q->free_head = 0;
    q->num_free = (uint16_t)size;
    return 0;
}

int virtq_add(struct virtq *q, const struct virtq_buf *b, unsigned n, void *cookie)
{
    if (n == 0 || n > q->size || !cookie) return -XEN_EINVAL;
    for (unsigned i = 1; i < n; i++)
        if (b[i - 1].device_writes && !b[i].device_writes) return -XEN_EINVAL;
    if (n > q->num_free) return -XEN_ENOSPC;
    struct vq_desc *desc = q->desc;
    uint16_t head = q->free_head, at = head;
    for (unsigned i = 0; i < n; i++) {
        desc[at].addr = b[i].bus;
        desc[at].len = b[i].len;
        desc[at].flags =
            (uint16_t)((b[i].device_writes ? VQ_DESC_F_WRITE : 0) | (i + 1 < n ? VQ_DESC_F_NEXT : 0));
        desc[at].next = q->next[at];
        at = q->next[at];
    }
    q->free_head = at;
    q->num_free = (uint16_t)(q->num_free - n);
    q->chain_len[head] = (uint16_t)n;
    q->cookie[head] = cookie;
    struct vq_avail *avail = q->avail;
    avail->ring[q->avail_idx & (q->size - 1)] = head;
    /* The entry before the index that publishes it. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    q->avail_idx++;
    VQ_ACCESS(avail->idx) = q->avail_idx;
    return 0;
}

bool virtq_kick_needed(const struct virtq *q)
{
    /* The index store must be visible before the flag is read (a device
     * clearing NO_NOTIFY then checking idx must not miss both). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    const struct vq_used *used = q->used;
    return !(VQ_ACCESS(used->flags) & VQ_USED_F_NO_NOTIFY);
}

void *virtq_get(struct virtq *q, uint32_t *len)
{
    struct vq_used *used = q->used;
    for (;;) {
        uint16_t idx = VQ_ACCESS(used->idx);
        if (idx == q->last_used) return NULL;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        struct vq_used_elem e = used->ring[q->last_used & (q->size - 1)];
        q->last_used++;
        if (e.id >= q->size || !q->cookie[e.id]) {
            q->bad_used++;
            continue;
        }
        void *cookie = q->cookie[e.id];
        q->cookie[e.id] = NULL;
        /* Return the chain to the free list.  The links are our own
         * copy, not the table's (the device can write the table). */
        uint16_t at = (uint16_t)e.id, n = q->chain_len[e.id];
        for (uint16_t i = 1; i < n; i++)
            at = q->next[at];
        q->next[at] = q->free_head;
        q->free_head = (uint16_t)e.id;
        q->num_free = (uint16_t)(q->num_free + n);
        if (len) *len = e.len;
        return cookie;
    }
}

unsigned virtq_in_flight(const struct virtq *q) { return q->size - q->num_free; }
