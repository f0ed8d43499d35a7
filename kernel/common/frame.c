/* The frame allocator: a free list threaded through the frame table.  O(1)
 * alloc/free under one lock (any pCPU may allocate or free at any time), and
 * an exact free count so tests can detect leaked frames; and a domain's frames
 * (its page list, counted against max_pages). */
#include "mm.h"
#include "lib.h"
#include "spinlock.h"
#include "domain.h"
#include "pci.h"

HOT_DATA struct page_info *frame_table;
HOT_DATA mfn_t max_mfn;
HOT_DATA uint64_t *m2p_table;

static spinlock_t lock = SPINLOCK_INIT; /* innermost: taken under any other */
static uint32_t free_head = ~0u;
static uint64_t free_count;

void frame_add_free_range(mfn_t first, mfn_t count)
{
    for (mfn_t m = first + count; m-- > first;)
        frame_free(m);
}

mfn_t frame_alloc(void)
{
    spin_lock(&lock);
    if (free_head == ~0u) {
        spin_unlock(&lock);
        return INVALID_MFN;
    }
    mfn_t m = free_head;
    struct page_info *pg = mfn_to_page(m);
    free_head = pg->next;
    free_count--;
    *pg = (struct page_info){ .owner = DOMID_NONE, .next = ~0u };
    spin_unlock(&lock);
    memset(mfn_to_virt(m), 0, PAGE_SIZE); /* never leak one domain's data to another */
    return m;
}

void frame_free(mfn_t m)
{
    struct page_info *pg = mfn_to_page(m);
    if (m2p_table) m2p_table[m] = ~0UL;
    spin_lock(&lock);
    *pg = (struct page_info){ .owner = DOMID_NONE, .flags = PGF_free, .next = free_head };
    free_head = (uint32_t)m;
    free_count++;
    spin_unlock(&lock);
}

uint64_t frames_free_count(void) { return free_count; }

/* A frame for the domain: owned, allocated, mapped in nothing yet. */
mfn_t domain_alloc_page(struct domain *d)
{
    if (d->tot_pages >= d->max_pages) return INVALID_MFN;
    mfn_t m = frame_alloc();
    if (m == INVALID_MFN) return m;
    struct page_info *pg = mfn_to_page(m);
    pg->owner = d->id;
    pg->flags = PGF_allocated | PGF_dirty; /* new contents (log-dirty mode) */
    pg->next = d->page_list;
    d->page_list = (uint32_t)m;
    d->tot_pages++;
    iommu_page_changed(pg, d->id);
    return m;
}

/* Return every frame on d's page list (d is dying: nothing maps them any more). */
void domain_free_pages(struct domain *d)
{
    for (uint32_t m = d->page_list; m != ~0u;) {
        uint32_t next = mfn_to_page(m)->next;
        frame_free(m);
        m = next;
    }
    d->page_list = ~0u;
    d->tot_pages = 0;
}
