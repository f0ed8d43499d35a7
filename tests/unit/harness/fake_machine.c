/* The harness's machine memory (see fake.h): malloc'ed frames, a frame table and
 * M2P managed by the core's own frame.c, domain frames from the core's
 * domain_alloc_page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake.h"
#include "pci.h"

static uint8_t *machine;
static mfn_t machine_frames;

void *mfn_to_virt(mfn_t m)
{
    if (m >= machine_frames) {
        fprintf(stderr, "mfn_to_virt(%#lx) out of range\n", m);
        abort();
    }
    return machine + m * PAGE_SIZE;
}

uint64_t *fake_table(mfn_t m) { return mfn_to_virt(m); }

void fake_machine_reset(mfn_t nframes)
{
    static struct page_info *ft;
    static uint64_t *m2p;

    if (!machine) {
        machine_frames = nframes;
        machine = aligned_alloc(PAGE_SIZE, nframes * PAGE_SIZE);
        ft = calloc(nframes, sizeof(*ft));
        m2p = calloc(nframes, sizeof(*m2p));
    }
    frame_table = ft;
    max_mfn = machine_frames;
    m2p_table = m2p;
    /* Empty frame.c's free lists (it keeps static state), then refill them. */
    while (frame_alloc() != INVALID_MFN)
        ;
    memset(machine, 0xCC, machine_frames * PAGE_SIZE); /* after: frame_alloc zeroes */
    memset(ft, 0, machine_frames * sizeof(*ft));
    frame_add_free_range(1, machine_frames - 1);
    frames_scrub_start();
}

mfn_t fake_alloc(struct domain *d)
{
    mfn_t m = domain_alloc_page(d);
    if (m == INVALID_MFN) panic("fake machine out of frames for domain %u", d->id);
    return m;
}

bool fake_counts_zero(mfn_t first, mfn_t end, const struct domain *owner)
{
    for (mfn_t m = first; m < end; m++) {
        const struct page_info *pg = mfn_to_page(m);
        if ((owner && pg->owner != owner->id) || (pg->flags & PGF_free)) continue;
        if (pg->count || pg->type_count || (pg->flags & PGF_pinned)) {
            printk("mfn %lu: owner %u count %u type %u type_count %u\n", m, pg->owner, pg->count, pg->type,
                   pg->type_count);
            return false;
        }
    }
    return true;
}

/* Device delegation as pagetype.c and frame.c see it on a machine without devices;
 * weak: a test that links pci_dev.c gets the core's. */
__attribute__((weak)) int pci_mmio_get(const struct domain *d, mfn_t m, bool writable)
{
    (void)d;
    (void)m;
    (void)writable;
    return 1;
}
__attribute__((weak)) bool pci_mmio_put(mfn_t m)
{
    (void)m;
    return false;
}
__attribute__((weak)) void iommu_page_changed(struct page_info *pg, domid_t owner)
{
    (void)pg;
    (void)owner;
}
