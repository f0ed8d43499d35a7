/* Memory system calls: brk (grows in place after the program's image), mmap of
 * anonymous memory or of a device file, munmap, mprotect, mremap (anonymous
 * memory: shrink in place, grow by moving the frames when allowed).  Anonymous memory is
 * allocated and zeroed at mmap time (no demand paging). */
#include "rt.h"

#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20
#define BRK_MAX       (USER_MMAP_BASE - 0x1000000UL)

static uint64_t brk_start, brk_cur;

void brk_init(uint64_t start) { brk_start = brk_cur = start; }

long brk_set(uint64_t addr)
{
    if (addr < brk_start || addr > BRK_MAX) return (long)brk_cur;
    uint64_t old_end = PAGE_ALIGN_UP(brk_cur), new_end = PAGE_ALIGN_UP(addr);
    if (new_end > old_end && uvm_map_anon(old_end, new_end - old_end, PROT_READ | PROT_WRITE))
        return (long)brk_cur;
    if (new_end < old_end) uvm_unmap(new_end, old_end - new_end);
    brk_cur = addr;
    return (long)brk_cur;
}

long sys_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off)
{
    if (!len || (off & (PAGE_SIZE - 1)) || (addr & (PAGE_SIZE - 1))) return -EINVAL;
    len = PAGE_ALIGN_UP(len);
    if (flags & MAP_FIXED) {
        if (addr < USER_ELF_MIN || addr >= USER_TOP || len > USER_TOP - addr) return -EINVAL;
        uvm_unmap(addr, len);
    } else {
        addr = uvm_alloc_va(len);
        if (!addr) return -ENOMEM;
    }
    if (!(flags & MAP_ANONYMOUS)) {
        struct file *f = fd_get(fd);
        if (!f) return -EBADF;
        if (!f->ops->mmap) return -ENODEV;
        return f->ops->mmap(f, addr, len, prot, off);
    }
    long rc = uvm_map_anon(addr, len, prot);
    return rc ? rc : (long)addr;
}

long sys_munmap(uint64_t addr, uint64_t len)
{
    if ((addr & (PAGE_SIZE - 1)) || !len || addr >= USER_TOP || len > USER_TOP - addr) return -EINVAL;
    return uvm_unmap(addr, PAGE_ALIGN_UP(len));
}

long sys_mprotect(uint64_t addr, uint64_t len, int prot)
{
    if ((addr & (PAGE_SIZE - 1)) || addr >= USER_TOP || len > USER_TOP - addr) return -EINVAL;
    return uvm_protect(addr, PAGE_ALIGN_UP(len), prot);
}

/* Move the program's own frames of [from, from+len) to [to, to+len). */
static long move_pages(uint64_t from, uint64_t to, uint64_t len)
{
    for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
        uint64_t *pte = uvm_pte(from + off, false, NULL);
        if (!pte || !*pte || !mfn_is_ours((*pte & PTE_ADDR_MASK) >> PAGE_SHIFT, NULL)) return -EFAULT;
    }
    for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
        uint64_t old_ma, new_ma;
        uint64_t *pte = uvm_pte(from + off, false, &old_ma);
        uint64_t v = *pte;
        uvm_pte(to + off, true, &new_ma);
        pt_queue(new_ma, v);
        pt_queue(old_ma, 0);
    }
    if (pt_flush()) return -ENOMEM;
    tlb_flush();
    return 0;
}

long sys_mremap(uint64_t old, uint64_t old_len, uint64_t new_len, int flags)
{
    old_len = PAGE_ALIGN_UP(old_len);
    new_len = PAGE_ALIGN_UP(new_len);
    if ((old & (PAGE_SIZE - 1)) || !new_len || (flags & ~1) || old >= USER_TOP || old_len > USER_TOP - old)
        return -EINVAL;
    if (new_len <= old_len) {
        if (new_len < old_len) uvm_unmap(old + new_len, old_len - new_len);
        return (long)old;
    }
    if (!(flags & 1)) /* MREMAP_MAYMOVE */
        return -ENOMEM;
    uint64_t to = uvm_alloc_va(new_len);
    if (!to) return -ENOMEM;
    long rc = move_pages(old, to, old_len);
    if (rc) return rc;
    int prot = PROT_READ | PROT_WRITE;
    rc = uvm_map_anon(to + old_len, new_len - old_len, prot);
    return rc ? rc : (long)to;
}
