/* /dev/xen/privcmd with Linux's ioctls.  IOCTL_PRIVCMD_HYPERCALL forwards a
 * hypercall (the hypervisor checks the domain's capabilities), except those that
 * would change the runtime's own CPU or page-table state (-EPERM).  mmap of the
 * device reserves addresses; IOCTL_PRIVCMD_MMAPBATCH(_V2) maps another domain's
 * frames there with mmu_update(foreigndom) — the domain builder's view of a
 * domain it is building, or (mapped PROT_READ) of a paused domain it saves;
 * the frames get the protection the region was mmapped with, as in Linux.
 * Foreign mappings end with the program's instance. */
#include "rt.h"
#include <linux/ioctl.h>
#include <xen/sys/privcmd.h>

struct region {
    uint64_t va, len;
    int prot;
};
static struct region regions[16];

long privcmd_open(struct file *f)
{
    (void)f;
    return 0;
}
void privcmd_drop(void) { memset(regions, 0, sizeof(regions)); }

static bool refused(uint64_t op, const __u64 *a)
{
    switch (op) {
    case __HYPERVISOR_set_trap_table:
    case __HYPERVISOR_stack_switch:
    case __HYPERVISOR_set_callbacks:
    case __HYPERVISOR_fpu_taskswitch:
    case __HYPERVISOR_iret:
    case __HYPERVISOR_set_segment_base:
    case __HYPERVISOR_callback_op:
    case __HYPERVISOR_update_va_mapping:
    case __HYPERVISOR_update_va_mapping_otherdomain:
        return true;
    case __HYPERVISOR_mmu_update:
    case __HYPERVISOR_mmuext_op:
        return (domid_t)a[3] == DOMID_SELF;
    default:
        return false;
    }
}

static long do_hypercall(uint64_t arg)
{
    privcmd_hypercall_t h;
    if (copy_from_user(&h, arg, sizeof(h))) return -EFAULT;
    if (h.op >= 64 || refused(h.op, h.arg)) return -EPERM;
    return hypercall((long)h.op, (long)h.arg[0], (long)h.arg[1], (long)h.arg[2], (long)h.arg[3],
                     (long)h.arg[4]);
}

/* The region [va, va + len) lies in, or NULL. */
static const struct region *region_of(uint64_t va, uint64_t len)
{
    for (unsigned i = 0; i < ARRAY_SIZE(regions); i++)
        if (regions[i].len && va >= regions[i].va && len <= regions[i].len &&
            va - regions[i].va <= regions[i].len - len)
            return &regions[i];
    return NULL;
}

/* v2: per-frame results in err[]; v1: failures flagged in arr[] (top nibble). */
static long mmapbatch(uint64_t arg, bool v2)
{
    struct privcmd_mmapbatch_v2 b;
    size_t sz = v2 ? sizeof(b) : sizeof(struct privcmd_mmapbatch);
    if (copy_from_user(&b, arg, sz)) return -EFAULT;
    const struct region *r = b.num ? region_of(b.addr, (uint64_t)b.num * PAGE_SIZE) : NULL;
    if (!r || (b.addr & (PAGE_SIZE - 1))) return -EINVAL;
    long ret = 0;
    for (unsigned i = 0; i < b.num; i++) {
        xen_pfn_t mfn;
        uint64_t at = (uint64_t)b.arr + (uint64_t)i * sizeof(mfn);
        if (copy_from_user(&mfn, at, sizeof(mfn))) return -EFAULT;
        int rc = (int)uvm_map_frame(b.addr + (uint64_t)i * PAGE_SIZE, mfn, r->prot, b.dom);
        if (rc == -ENOENT) ret = -ENOENT;
        if (v2 && copy_to_user((uint64_t)b.err + (uint64_t)i * sizeof(int), &rc, sizeof(int))) return -EFAULT;
        if (!v2 && rc) {
            mfn |= PRIVCMD_MMAPBATCH_MFN_ERROR;
            if (copy_to_user(at, &mfn, sizeof(mfn))) return -EFAULT;
        }
    }
    tlb_flush();
    return ret;
}

static long pc_ioctl(struct file *f, unsigned long cmd, uint64_t arg)
{
    (void)f;
    switch (cmd) {
    case IOCTL_PRIVCMD_HYPERCALL:
        return do_hypercall(arg);
    case IOCTL_PRIVCMD_MMAPBATCH:
        return mmapbatch(arg, false);
    case IOCTL_PRIVCMD_MMAPBATCH_V2:
        return mmapbatch(arg, true);
    case IOCTL_PRIVCMD_RESTRICT:
        return 0;
    default:
        return -ENOTTY;
    }
}

static long pc_mmap(struct file *f, uint64_t addr, uint64_t len, int prot, uint64_t off)
{
    (void)f;
    (void)off;
    for (unsigned i = 0; i < ARRAY_SIZE(regions); i++)
        if (!regions[i].len) {
            regions[i] = (struct region){ addr, len, prot & PROT_WRITE ? PROT_READ | PROT_WRITE : PROT_READ };
            return (long)addr;
        }
    return -ENOMEM;
}

const struct file_ops privcmd_fops = {
    .ioctl = pc_ioctl,
    .mmap = pc_mmap,
    .mode = 0020000 | 0600,
    .rdev = (10 << 8) | 60,
};
