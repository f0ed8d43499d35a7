/* Memory system calls: brk (grows in place after the program's image), mmap of
 * anonymous memory or of a device file, munmap, mprotect.  Anonymous memory is
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
    if (addr < brk_start || addr > BRK_MAX)
        return (long)brk_cur;
    uint64_t old_end = PAGE_ALIGN_UP(brk_cur), new_end = PAGE_ALIGN_UP(addr);
    if (new_end > old_end && uvm_map_anon(old_end, new_end - old_end, PROT_READ | PROT_WRITE))
        return (long)brk_cur;
    if (new_end < old_end)
        uvm_unmap(new_end, old_end - new_end);
    brk_cur = addr;
    return (long)brk_cur;
}

long sys_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off)
{
    if (!len || (off & (PAGE_SIZE - 1)) || (addr & (PAGE_SIZE - 1)))
        return -EINVAL;
    len = PAGE_ALIGN_UP(len);
    if (flags & MAP_FIXED) {
        if (addr < USER_ELF_MIN || addr >= USER_TOP || len > USER_TOP - addr)
            return -EINVAL;
        uvm_unmap(addr, len);
    } else {
        addr = uvm_alloc_va(len);
        if (!addr)
            return -ENOMEM;
    }
    if (!(flags & MAP_ANONYMOUS)) {
        struct file *f = fd_get(fd);
        if (!f)
            return -EBADF;
        if (!f->ops->mmap)
            return -ENODEV;
        return f->ops->mmap(f, addr, len, prot, off);
    }
    long rc = uvm_map_anon(addr, len, prot);
    return rc ? rc : (long)addr;
}

long sys_munmap(uint64_t addr, uint64_t len)
{
    if ((addr & (PAGE_SIZE - 1)) || !len || addr >= USER_TOP || len > USER_TOP - addr)
        return -EINVAL;
    return uvm_unmap(addr, PAGE_ALIGN_UP(len));
}

long sys_mprotect(uint64_t addr, uint64_t len, int prot)
{
    if ((addr & (PAGE_SIZE - 1)) || addr >= USER_TOP || len > USER_TOP - addr)
        return -EINVAL;
    return uvm_protect(addr, PAGE_ALIGN_UP(len), prot);
}
