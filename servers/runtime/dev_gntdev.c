/* /dev/xen/gntdev with Linux's ioctls: MAP_GRANT_REF records grant references
 * and returns an mmap offset; mmap of that offset maps the grants into the
 * program (GNTTABOP_map_grant_ref at the user address); munmap and
 * UNMAP_GRANT_REF undo it; GRANT_COPY runs GNTTABOP_copy segment by segment.
 * Mappings outlive a crashed instance: they stay mapped at the same address and
 * a MAP_GRANT_REF of the next instance with the same (domid, ref) list gets the
 * same offset back, whose mmap returns that address (docs/service-runtime.md). */
#include "rt.h"
#include <linux/ioctl.h>
#include <xen/sys/gntdev.h>

#define MAXG 16
struct gmap {
    bool used;
    void *owner; /* the open file, NULL while kept */
    uint32_t count;
    uint64_t index, va;
    struct ioctl_gntdev_grant_ref refs[MAXG];
    grant_handle_t handles[MAXG];
    bool mapped[MAXG];
    uint64_t dead[MAXG]; /* pfn + 1 of the zeroed page standing in for a revoked grant */
};
/* One per mapping a back end holds: the builder maps every domain's console
 * ring, xenstored every store page (1,000 domains: bench/density.sh).  The
 * table grows a page at a time, so a program that maps nothing (every tiny
 * guest) pays nothing for it. */
#define PER_PAGE (PAGE_SIZE / sizeof(struct gmap))
#define MAX_MAPS 2048
static struct gmap *pages[(MAX_MAPS + PER_PAGE - 1) / PER_PAGE];
static unsigned nmaps; /* slots in the pages allocated so far */
static uint64_t next_index;

static struct gmap *slot(unsigned i) { return &pages[i / PER_PAGE][i % PER_PAGE]; }

/* A free slot, adding a page to the table when all are taken; NULL if full. */
static struct gmap *free_slot(void)
{
    for (unsigned i = 0; i < nmaps; i++)
        if (!slot(i)->used) return slot(i);
    uint64_t pfn;
    if (nmaps + PER_PAGE > MAX_MAPS || page_alloc_try(&pfn)) return NULL;
    pages[nmaps / PER_PAGE] = pfn_va(pfn);
    nmaps += PER_PAGE;
    return slot(nmaps - PER_PAGE);
}

long gntdev_open(struct file *f)
{
    f->priv = f;
    return 0;
}

static struct gmap *by_va(uint64_t va)
{
    for (unsigned i = 0; i < nmaps; i++) {
        struct gmap *m = slot(i);
        if (m->used && m->va && va >= m->va && va < m->va + m->count * PAGE_SIZE) return m;
    }
    return NULL;
}

bool gntdev_owns(uint64_t va, uint64_t mfn)
{
    (void)mfn;
    struct gmap *m = by_va(va);
    return m && m->mapped[(va - m->va) / PAGE_SIZE];
}

bool gntdev_kept_va(uint64_t va) { return gntdev_owns(va, 0); }

static long unmap_page(struct gmap *m, unsigned i)
{
    if (!m->mapped[i]) return 0;
    if (m->dead[i]) { /* the core already dropped the grant mapping */
        uint64_t maddr;
        uvm_pte(m->va + i * PAGE_SIZE, false, &maddr);
        pt_queue(maddr, 0);
        long rc = pt_flush();
        page_free(m->dead[i] - 1);
        m->dead[i] = 0;
        m->mapped[i] = false;
        return rc;
    }
    struct gnttab_unmap_grant_ref u = { .host_addr = m->va + i * PAGE_SIZE, .handle = m->handles[i] };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);
    m->mapped[i] = false;
    return rc ? rc : u.status;
}

void gntdev_unmap_va(uint64_t va)
{
    struct gmap *m = by_va(va);
    if (m) unmap_page(m, (unsigned)((va - m->va) / PAGE_SIZE));
}

/* The core clears the PTEs of grant mappings when the granting domain dies
 * (docs/grant-tables.md), where Xen keeps them until the holder unmaps.  A
 * program touching such a page (a backend still serving a ring whose
 * frontend was just destroyed, before xenstore tells it) gets a zeroed page
 * of its own there instead of a SIGSEGV.  True if the fault at va was that. */
bool gntdev_fault(uint64_t va)
{
    struct gmap *m = by_va(va);
    uint64_t maddr;
    if (!m) return false;
    unsigned i = (unsigned)((va - m->va) / PAGE_SIZE);
    const uint64_t *pte = uvm_pte(va & ~(PAGE_SIZE - 1), false, &maddr);
    if (!m->mapped[i] || m->dead[i] || !pte || (*pte & _PAGE_PRESENT)) return false;
    uint64_t pfn;
    if (page_alloc_try(&pfn)) return false;
    pt_queue(maddr, (p2m[pfn] << PAGE_SHIFT) | uvm_pte_flags(PROT_READ | PROT_WRITE));
    if (pt_flush()) {
        page_free(pfn);
        return false;
    }
    m->dead[i] = pfn + 1;
    printf("runtime: gntdev: grant %u of domain %u was revoked (the domain died): a zeroed page stands in\n",
           m->refs[i].ref, m->refs[i].domid);
    return true;
}

static void release(struct gmap *m)
{
    for (unsigned i = 0; i < m->count; i++)
        unmap_page(m, i);
    m->used = false;
}

static struct gmap *claim_kept(void *owner, const struct ioctl_gntdev_grant_ref *refs, uint32_t n)
{
    for (unsigned i = 0; i < nmaps; i++) {
        struct gmap *m = slot(i);
        if (m->used && !m->owner && m->count == n && !memcmp(m->refs, refs, n * sizeof(refs[0]))) {
            m->owner = owner;
            return m;
        }
    }
    return NULL;
}

static long map_refs(struct file *f, uint64_t arg)
{
    struct ioctl_gntdev_map_grant_ref h;
    struct ioctl_gntdev_grant_ref refs[MAXG];
    if (copy_from_user(&h, arg, offsetof(struct ioctl_gntdev_map_grant_ref, refs))) return -EFAULT;
    if (!h.count || h.count > MAXG) return -EINVAL;
    if (copy_from_user(refs, arg + offsetof(struct ioctl_gntdev_map_grant_ref, refs),
                       h.count * sizeof(refs[0])))
        return -EFAULT;
    struct gmap *m = claim_kept(f, refs, h.count);
    if (!m) {
        if (!(m = free_slot())) return -ENOMEM;
        *m = (struct gmap){ .used = true, .owner = f, .count = h.count, .index = next_index };
        memcpy(m->refs, refs, h.count * sizeof(refs[0]));
        next_index += (uint64_t)MAXG * PAGE_SIZE;
    }
    return copy_to_user(arg + offsetof(struct ioctl_gntdev_map_grant_ref, index), &m->index, 8);
}

static long unmap_refs(struct file *f, uint64_t arg)
{
    struct ioctl_gntdev_unmap_grant_ref u;
    if (copy_from_user(&u, arg, sizeof(u))) return -EFAULT;
    for (unsigned i = 0; i < nmaps; i++) {
        struct gmap *m = slot(i);
        if (m->used && m->owner == f && m->index == u.index && m->count == u.count) {
            release(m);
            return 0;
        }
    }
    return -EINVAL;
}

static long gnt_mmap(struct file *f, uint64_t addr, uint64_t len, int prot, uint64_t off)
{
    struct gmap *m = NULL;
    for (unsigned i = 0; i < nmaps; i++)
        if (slot(i)->used && slot(i)->owner == f && slot(i)->index == off) m = slot(i);
    if (!m || len != m->count * PAGE_SIZE) return -EINVAL;
    if (m->va) return (long)m->va; /* kept from the previous instance */
    m->va = addr;
    for (unsigned i = 0; i < m->count; i++) {
        uvm_pte(addr + i * PAGE_SIZE, true, NULL);
        struct gnttab_map_grant_ref op = {
            .host_addr = addr + i * PAGE_SIZE,
            .ref = m->refs[i].ref,
            .dom = (domid_t)m->refs[i].domid,
            .flags = GNTMAP_host_map | GNTMAP_application_map | (prot & PROT_WRITE ? 0 : GNTMAP_readonly),
        };
        long rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);
        if (rc || op.status != GNTST_okay) {
            printf("runtime: gntdev: map of grant %u from domain %u failed (%ld, status %d)\n",
                   m->refs[i].ref, m->refs[i].domid, rc, op.status);
            for (unsigned j = 0; j < i; j++)
                unmap_page(m, j);
            m->va = 0;
            return -EFAULT;
        }
        m->handles[i] = op.handle;
        m->mapped[i] = true;
    }
    return (long)addr;
}

long gntdev_grant_copy(uint64_t arg);

static long gnt_ioctl(struct file *f, unsigned long cmd, uint64_t arg)
{
    switch (cmd) {
    case IOCTL_GNTDEV_MAP_GRANT_REF:
        return map_refs(f, arg);
    case IOCTL_GNTDEV_UNMAP_GRANT_REF:
        return unmap_refs(f, arg);
    case IOCTL_GNTDEV_GRANT_COPY:
        return gntdev_grant_copy(arg);
    case IOCTL_GNTDEV_SET_MAX_GRANTS:
        return 0;
    default:
        return -ENOTTY;
    }
}

static void gnt_close(struct file *f, bool keep)
{
    for (unsigned i = 0; i < nmaps; i++) {
        struct gmap *m = slot(i);
        if (!m->used || m->owner != f) continue;
        if (keep)
            m->owner = NULL;
        else
            release(m);
    }
}

const struct file_ops gntdev_fops = {
    .ioctl = gnt_ioctl,
    .mmap = gnt_mmap,
    .close = gnt_close,
    .mode = 0020000 | 0600,
    .rdev = (10 << 8) | 62,
};
