/* The frame allocator: free lists threaded through the frame table.  O(1)
 * alloc/free under one lock (any pCPU may allocate or free at any time), and
 * an exact free count so tests can detect leaked frames; and a domain's frames
 * (its page list, counted against max_pages).  A free frame is dirty (its
 * contents unknown: a dead domain's data, or boot memory) or clean (zeroed);
 * allocation takes a clean one first and zeroes a dirty one only when none is
 * left.  Idle pCPUs zero dirty frames a few at a time (frames_scrub): every
 * freed frame, and boot memory until CLEAN_POOL frames are clean, so creating a
 * domain does not pay for scrubbing (issue 19), and all of boot memory is not
 * touched (an emulator backs guest RAM lazily). */
#include "mm.h"
#include "lib.h"
#include "spinlock.h"
#include "domain.h"
#include "pci.h"

HOT_DATA struct page_info *frame_table;
HOT_DATA mfn_t max_mfn;
HOT_DATA uint64_t *m2p_table;

#ifndef CLEAN_POOL
#define CLEAN_POOL 4096 /* 16 MiB: a few tiny domains' worth */
#endif

static spinlock_t lock = SPINLOCK_INIT; /* innermost: taken under any other */
static uint32_t dirty_head = ~0u, clean_head = ~0u;
static uint64_t free_count, clean_count; /* on both lists; on the clean one */
static uint64_t freed_dirty;             /* frames freed since boot, to scrub even past CLEAN_POOL */

void frame_add_free_range(mfn_t first, mfn_t count)
{
    for (mfn_t m = first + count; m-- > first;)
        frame_free(m);
    freed_dirty = 0; /* boot memory: only CLEAN_POOL of it scrubbed ahead */
}

static mfn_t pop(uint32_t *head)
{
    mfn_t m = *head;
    *head = mfn_to_page(m)->next;
    return m;
}

mfn_t frame_alloc(void)
{
    spin_lock(&lock);
    bool clean = clean_head != ~0u;
    if (!clean && dirty_head == ~0u) {
        spin_unlock(&lock);
        return INVALID_MFN;
    }
    mfn_t m = pop(clean ? &clean_head : &dirty_head);
    clean_count -= clean;
    free_count--;
    *mfn_to_page(m) = (struct page_info){ .owner = DOMID_NONE, .next = ~0u };
    spin_unlock(&lock);
    if (!clean) memset(mfn_to_virt(m), 0, PAGE_SIZE); /* never leak one domain's data to another */
    return m;
}

/* Idle pCPUs: zero up to n dirty frames onto the clean list, one per hold of
 * the lock (the frame is on a list whenever the lock is free, so the free count
 * stays exact and an allocation never misses it); false when none is due. */
static bool scrub_on;
/* Not before domain 0 is built: its temporary p2m needs frames in ascending
 * order (dom_build.c), and scrubbed frames go back in the opposite order. */
void frames_scrub_start(void) { __atomic_store_n(&scrub_on, true, __ATOMIC_RELEASE); }

bool frames_scrub(unsigned n)
{
    if (!__atomic_load_n(&scrub_on, __ATOMIC_ACQUIRE)) return false;
    for (; n; n--) {
        spin_lock(&lock);
        if (dirty_head == ~0u || (!freed_dirty && clean_count >= CLEAN_POOL)) {
            if (dirty_head == ~0u) freed_dirty = 0;
            spin_unlock(&lock);
            return false;
        }
        mfn_t m = pop(&dirty_head);
        memset(mfn_to_virt(m), 0, PAGE_SIZE);
        mfn_to_page(m)->next = clean_head;
        clean_head = (uint32_t)m;
        clean_count++;
        freed_dirty -= !!freed_dirty;
        spin_unlock(&lock);
    }
    return true;
}

void frame_free(mfn_t m)
{
    struct page_info *pg = mfn_to_page(m);
    if (m2p_table) m2p_table[m] = ~0UL;
    spin_lock(&lock);
    *pg = (struct page_info){ .owner = DOMID_NONE, .flags = PGF_free, .next = dirty_head };
    dirty_head = (uint32_t)m;
    free_count++;
    freed_dirty++;
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
