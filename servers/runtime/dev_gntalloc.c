/* /dev/xen/gntalloc with Linux's ioctls: ALLOC_GREF allocates pages and grants
 * them to a domain (entries of the runtime's own grant table, refs from 8 up);
 * mmap of the returned offset maps the pages into the program; DEALLOC_GREF ends
 * the grants (a page still mapped or copied by the grantee is leaked, not reused).
 * Like gntdev mappings, allocations outlive a crashed instance: an ALLOC_GREF of
 * the next instance for the same domain, count and flags gets the same grants,
 * offset and address back (docs/service-runtime.md). */
#include "rt.h"
#include <linux/ioctl.h>
#include <xen/sys/gntalloc.h>

#define MAXG    32  /* pages per ALLOC_GREF: 16 of them cover NR_REFS */
#define NR_REFS 512 /* the table's first frame */
struct galloc {
    bool used, writable;
    void *owner; /* the open file, NULL while kept */
    domid_t domid;
    uint32_t count, mapped;
    uint64_t index, va;
    uint32_t refs[MAXG];
    uint64_t pfns[MAXG];
};
static struct galloc allocs[16];
static grant_entry_v1_t *gtab;
static bool ref_used[NR_REFS];
static uint64_t next_index;
static char gtab_window[4096] ALIGNED_PAGE;

static long gtab_init(void)
{
    if (gtab) return 0;
    xen_pfn_t mfn = 0;
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
    set_xen_guest_handle(st.frame_list, &mfn);
    if (HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1) || st.status != GNTST_okay) return -ENODEV;
    uint64_t pte = (mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
    if (HYPERVISOR_update_va_mapping((uint64_t)gtab_window, pte, UVMF_INVLPG)) return -ENODEV;
    gtab = (grant_entry_v1_t *)gtab_window;
    for (unsigned r = 0; r < GNTTAB_NR_RESERVED_ENTRIES; r++)
        ref_used[r] = true;
    return 0;
}

long gntalloc_open(struct file *f)
{
    f->priv = f;
    return gtab_init();
}

static struct galloc *by_va(uint64_t va)
{
    for (unsigned i = 0; i < ARRAY_SIZE(allocs); i++)
        if (allocs[i].used && allocs[i].va && va >= allocs[i].va &&
            va < allocs[i].va + allocs[i].count * PAGE_SIZE)
            return &allocs[i];
    return NULL;
}

bool gntalloc_owns(uint64_t va) { return by_va(va) != NULL; }

/* munmap of one page: the PTE goes (caller), the page stays granted. */
void gntalloc_unmapped(uint64_t va)
{
    struct galloc *a = by_va(va);
    if (a && --a->mapped == 0) a->va = 0;
}

/* Grant n fresh pages; a->count counts those granted so far. */
static long grant_pages(struct galloc *a, uint32_t n)
{
    for (a->count = 0; a->count < n; a->count++) {
        uint32_t r = GNTTAB_NR_RESERVED_ENTRIES, i = a->count;
        while (r < NR_REFS && ref_used[r])
            r++;
        if (r == NR_REFS || page_alloc_try(&a->pfns[i])) return -ENOMEM;
        ref_used[r] = true;
        a->refs[i] = r;
        gtab[r].frame = (uint32_t)p2m[a->pfns[i]];
        gtab[r].domid = a->domid;
        asm volatile("sfence" ::: "memory");
        gtab[r].flags = GTF_permit_access | (a->writable ? 0 : GTF_readonly);
    }
    return 0;
}

/* End every grant of a; pages the grantee still uses are leaked. */
static void release(struct galloc *a)
{
    if (a->va) uvm_unmap(a->va, a->count * PAGE_SIZE);
    for (uint32_t i = 0; i < a->count; i++) {
        uint16_t fl = gtab[a->refs[i]].flags;
        if (!(fl & (GTF_reading | GTF_writing)) &&
            __atomic_compare_exchange_n(&gtab[a->refs[i]].flags, &fl, 0, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST)) {
            ref_used[a->refs[i]] = false;
            page_free(a->pfns[i]);
        } else {
            printf("runtime: gntalloc: grant %u still in use; its page is not reused\n", a->refs[i]);
        }
    }
    a->used = false;
}

static struct galloc *claim_kept(void *owner, domid_t domid, uint32_t n, bool writable)
{
    for (unsigned i = 0; i < ARRAY_SIZE(allocs); i++)
        if (allocs[i].used && !allocs[i].owner && allocs[i].domid == domid && allocs[i].count == n &&
            allocs[i].writable == writable) {
            allocs[i].owner = owner;
            return &allocs[i];
        }
    return NULL;
}

static long alloc_gref(struct file *f, uint64_t arg)
{
    struct ioctl_gntalloc_alloc_gref h;
    size_t hdr = offsetof(struct ioctl_gntalloc_alloc_gref, gref_ids);
    if (copy_from_user(&h, arg, hdr)) return -EFAULT;
    if (!h.count || h.count > MAXG) return -EINVAL;
    bool wr = h.flags & GNTALLOC_FLAG_WRITABLE;
    struct galloc *a = claim_kept(f, h.domid, h.count, wr);
    for (unsigned i = 0; !a && i < ARRAY_SIZE(allocs); i++)
        if (!allocs[i].used) {
            a = &allocs[i];
            *a = (struct galloc){
                .used = true, .writable = wr, .owner = f, .domid = h.domid, .index = next_index
            };
            next_index += (uint64_t)MAXG * PAGE_SIZE;
            if (grant_pages(a, h.count)) {
                release(a);
                return -ENOMEM;
            }
        }
    if (!a) return -ENOMEM;
    if (copy_to_user(arg + offsetof(struct ioctl_gntalloc_alloc_gref, index), &a->index, 8) ||
        copy_to_user(arg + hdr, a->refs, a->count * sizeof(uint32_t)))
        return -EFAULT;
    return 0;
}

static struct galloc *by_index(struct file *f, uint64_t index)
{
    for (unsigned i = 0; i < ARRAY_SIZE(allocs); i++)
        if (allocs[i].used && allocs[i].owner == f && allocs[i].index == index) return &allocs[i];
    return NULL;
}

static long ga_ioctl(struct file *f, unsigned long cmd, uint64_t arg)
{
    struct ioctl_gntalloc_dealloc_gref d;
    switch (cmd) {
    case IOCTL_GNTALLOC_ALLOC_GREF:
        return alloc_gref(f, arg);
    case IOCTL_GNTALLOC_DEALLOC_GREF: {
        if (copy_from_user(&d, arg, sizeof(d))) return -EFAULT;
        struct galloc *a = by_index(f, d.index);
        if (!a || a->count != d.count) return -EINVAL;
        release(a);
        return 0;
    }
    default:
        return -ENOTTY;
    }
}

static long ga_mmap(struct file *f, uint64_t addr, uint64_t len, int prot, uint64_t off)
{
    struct galloc *a = by_index(f, off);
    if (!a || len != a->count * PAGE_SIZE) return -EINVAL;
    if (a->va) return (long)a->va; /* kept from the previous instance */
    for (uint32_t i = 0; i < a->count; i++) {
        uint64_t maddr;
        uvm_pte(addr + i * PAGE_SIZE, true, &maddr);
        pt_queue(maddr, (p2m[a->pfns[i]] << PAGE_SHIFT) | uvm_pte_flags(prot));
    }
    if (pt_flush()) return -ENOMEM;
    a->va = addr;
    a->mapped = a->count;
    return (long)addr;
}

static void ga_close(struct file *f, bool keep)
{
    for (unsigned i = 0; i < ARRAY_SIZE(allocs); i++) {
        if (!allocs[i].used || allocs[i].owner != f) continue;
        if (keep)
            allocs[i].owner = NULL;
        else
            release(&allocs[i]);
    }
}

const struct file_ops gntalloc_fops = {
    .ioctl = ga_ioctl,
    .mmap = ga_mmap,
    .close = ga_close,
    .mode = 0020000 | 0600,
    .rdev = (10 << 8) | 63,
};
