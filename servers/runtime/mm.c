/* Frames and the kernel's direct map.  Every frame of the domain is mapped at
 * VIRT_BASE + pfn * 4 KiB (the bootstrap tables map the image and a little slack;
 * mm_init extends that to all pages).  Frames are handed out from a bitmap,
 * round robin (a freed frame is reused last: under QEMU's TCG, writing a frame
 * that held executed code is slow, which made restarts 30 times slower);
 * page-table writes go through mmu_update, queued and sent in batches. */
#include "rt.h"

#define MAX_PAGES (1UL << 18) /* 1 GiB: one kernel L2 covers the direct map */
static uint64_t used[MAX_PAGES / 64];
static unsigned long nr_pages, nr_free, hint, boot_pages;
/* Frames [0, m2p_end) have M2P entries; reading the M2P beyond them faults
 * (as on Xen).  An mfn from a PTE may be a device's BAR, far above RAM. */
static uint64_t m2p_end;

bool mfn_is_ours(uint64_t mfn, uint64_t *pfn)
{
    if (mfn >= m2p_end) return false;
    uint64_t p = m2p(mfn);
    if (p >= nr_pages || p2m[p] != mfn) return false;
    if (pfn) *pfn = p;
    return true;
}

static bool is_used(uint64_t pfn) { return used[pfn / 64] >> (pfn % 64) & 1; }
static void set_used(uint64_t pfn, bool u)
{
    if (u)
        used[pfn / 64] |= 1UL << (pfn % 64);
    else
        used[pfn / 64] &= ~(1UL << (pfn % 64));
}

long page_alloc_try(uint64_t *out)
{
    for (unsigned long i = 0; i < nr_pages; i++) {
        uint64_t pfn = (hint + i) % nr_pages;
        if (!is_used(pfn)) {
            set_used(pfn, true);
            nr_free--;
            hint = pfn + 1;
            memset(pfn_va(pfn), 0, PAGE_SIZE);
            *out = pfn;
            return 0;
        }
    }
    return -ENOMEM;
}

uint64_t page_alloc(void)
{
    uint64_t pfn;
    if (page_alloc_try(&pfn)) panic("out of memory");
    return pfn;
}

void page_free(uint64_t pfn)
{
    if (pfn >= nr_pages || !is_used(pfn)) panic("freeing free page %lx", (unsigned long)pfn);
    set_used(pfn, false);
    nr_free++;
}

unsigned long pages_free(void) { return nr_free; }

/* Frames of the boot layout (image, modules, start_info, …): never freed. */
bool page_is_boot(uint64_t pfn) { return pfn < boot_pages; }

long page_set_ro(uint64_t pfn, bool ro)
{
    uint64_t pte =
        (p2m[pfn] << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED | (ro ? 0 : _PAGE_RW | _PAGE_DIRTY);
    return HYPERVISOR_update_va_mapping((uint64_t)pfn_va(pfn), pte, UVMF_INVLPG);
}

static mmu_update_t queue[128];
static unsigned queued;

long pt_flush(void)
{
    if (!queued) return 0;
    unsigned done = 0;
    long rc = HYPERVISOR_mmu_update(queue, queued, &done, DOMID_SELF);
    if (rc)
        printf("runtime: mmu_update of %u entries failed at %u: %ld (ptr %lx val %lx)\n", queued, done, rc,
               (unsigned long)queue[done].ptr, (unsigned long)queue[done].val);
    queued = 0;
    return rc;
}

void pt_queue(uint64_t maddr, uint64_t val)
{
    if (queued == ARRAY_SIZE(queue) && pt_flush()) panic("page-table update failed");
    queue[queued++] = (mmu_update_t){ .ptr = maddr | MMU_NORMAL_PT_UPDATE, .val = val };
}

long mmuext(unsigned cmd, uint64_t arg1)
{
    struct mmuext_op op = { .cmd = cmd };
    op.arg1.mfn = arg1;
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

void tlb_flush(void) { mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0); }

static uint64_t *table_of(uint64_t entry)
{
    uint64_t pfn;
    if (!(entry & _PAGE_PRESENT) || !mfn_is_ours((entry & PTE_ADDR_MASK) >> PAGE_SHIFT, &pfn))
        panic("kernel page tables: bad entry %lx", (unsigned long)entry);
    return pfn_va(pfn);
}

/* Map every page not yet in the direct map, one new L1 per 2 MiB. */
static void extend_direct_map(void)
{
    uint64_t *l4 = (uint64_t *)start_info->pt_base;
    uint64_t *l3 = table_of(l4[511]);
    uint64_t *l2 = table_of(l3[510]);
    uint64_t l2_maddr = (p2m[va_pfn(l2)] << PAGE_SHIFT);
    for (uint64_t c = 0; c * 512 < nr_pages; c++) {
        if (l2[c] & _PAGE_PRESENT) continue;
        uint64_t l1pfn = page_alloc();
        uint64_t *l1 = pfn_va(l1pfn);
        for (uint64_t i = 0; i < 512 && c * 512 + i < nr_pages; i++)
            l1[i] =
                (p2m[c * 512 + i] << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
        if (page_set_ro(l1pfn, true)) panic("direct map: cannot make an L1 read-only");
        pt_queue(l2_maddr + c * 8, (p2m[l1pfn] << PAGE_SHIFT) | PTE_TABLE);
        if (pt_flush()) panic("direct map: cannot hook an L1 for %lx", (unsigned long)c << 21);
    }
}

void mm_init(void)
{
    nr_pages = MIN(start_info->nr_pages, MAX_PAGES);
    long top = hypercall(__HYPERVISOR_memory_op, XENMEM_maximum_ram_page, 0, 0, 0, 0);
    m2p_end = top > 0 ? (uint64_t)top : 0;
    /* Kernel, module package, p2m, start_info, xenstore, console, page tables and
     * the boot stack come first; everything after them is free. */
    uint64_t first_free = va_pfn((void *)start_info->pt_base) + start_info->nr_pt_frames + 1;
    for (uint64_t pfn = 0; pfn < nr_pages; pfn++)
        set_used(pfn, pfn < first_free);
    nr_free = nr_pages - first_free;
    boot_pages = first_free;
    hint = first_free;
    extend_direct_map();
}
