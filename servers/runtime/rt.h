/* The service runtime: a small PV kernel that runs one Linux/musl program in guest
 * user mode.  Shared declarations of all runtime files (see docs/service-runtime.md). */
#ifndef RT_H
#define RT_H

#include "pv.h"
#include <xen/io/console.h>
#include "lerrno.h"

#define PAGE_ALIGN_UP(x)   (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ALIGN_DOWN(x) ((x) & ~(PAGE_SIZE - 1))

#define PTE_TABLE (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* ---- start of day and globals (start.c) ---- */
extern domid_t self_domid;
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ---- runtime options (options.c) ---- */
struct rt_options {
    bool restart;
    unsigned max_restarts;
    unsigned restart_window; /* seconds; 0: restarts count for the domain's whole life */
    bool trace;
    char name[32];
};
extern struct rt_options opts;
void options_parse(const char *cmdline);
const char *word_next(const char **p, size_t *len);

/* ---- console (console.c; printf is the PV base's) ---- */
void console_init(void);
bool console_readable(void);
long console_read(uint64_t buf, size_t n, bool nonblock);

/* ---- traps (traps.c; the entry stubs are the PV base's) ---- */
void traps_init(void);

/* ---- frames and the kernel direct map (mm.c) ---- */
static inline void *pfn_va(uint64_t pfn) { return (void *)(VIRT_BASE + (pfn << PAGE_SHIFT)); }
static inline uint64_t va_pfn(const void *va) { return ((uint64_t)va - VIRT_BASE) >> PAGE_SHIFT; }
bool mfn_is_ours(uint64_t mfn, uint64_t *pfn);
void mm_init(void);
uint64_t page_alloc(void);          /* a zeroed frame (pfn), mapped RW; panics when out */
long page_alloc_try(uint64_t *pfn); /* 0 or -ENOMEM */
void page_free(uint64_t pfn);
unsigned long pages_free(void);
bool page_is_boot(uint64_t pfn);
long page_set_ro(uint64_t pfn, bool ro); /* the frame's direct-map entry */
/* Queued page-table writes (machine address of the entry, new value). */
void pt_queue(uint64_t maddr, uint64_t val);
long pt_flush(void);
long mmuext(unsigned cmd, uint64_t arg1);
void tlb_flush(void);

/* ---- user address space (uvm.c, uaccess.c) ---- */
#define USER_ELF_MIN    0x10000UL
#define USER_MMAP_BASE  0x1000000000UL /* 64 GiB: anonymous and device mappings */
#define USER_STACK_TOP  0x7ffffff000UL /* just below 512 GiB (one L4 slot) */
#define USER_STACK_SIZE (256 * 1024UL)
#define USER_TOP        0x8000000000UL
void uvm_init(void);
uint64_t *uvm_l3(void);
uint64_t *uvm_pte(uint64_t va, bool create, uint64_t *maddr);
long uvm_map_anon(uint64_t va, uint64_t len, int prot);
long uvm_map_frame(uint64_t va, uint64_t mfn, int prot, domid_t foreign);
long uvm_unmap(uint64_t va, uint64_t len);
long uvm_protect(uint64_t va, uint64_t len, int prot);
void uvm_reset(void); /* drop everything but kept grant mappings */
uint64_t uvm_alloc_va(uint64_t len);
uint64_t uvm_pte_flags(int prot);
bool uvm_mfn(uint64_t va, uint64_t *mfn);
bool user_ok(uint64_t p, uint64_t len, bool write);
long copy_from_user(void *dst, uint64_t src, size_t n);
long copy_to_user(uint64_t dst, const void *src, size_t n);
long strncpy_from_user(char *dst, uint64_t src, size_t n);
#define PROT_READ  1
#define PROT_WRITE 2
#define PROT_EXEC  4

/* ---- time (time.c) ---- */
void wallclock(uint64_t *sec, uint32_t *nsec);
void time_init(void);

/* ---- events: the PV base's (lib/pv/events.c); VIRQ_TIMER bound (time.c) ---- */
void events_init(void);

/* ---- boot modules (modules.c, bootfs.c) ---- */
struct file;
bool boot_module(unsigned k, const uint8_t **data, size_t *size, const char **cmdline);
long bootfs_open(struct file *f, const char *name);

/* ---- the program (proc.c, elf.c) ---- */
struct program {
    const uint8_t *image;
    size_t size;
    const char *cmdline;
};
extern unsigned instance; /* 1 for the first run, +1 per restart */
long elf_load(const uint8_t *img, size_t size, uint64_t *entry, uint64_t *phdr, uint16_t *phnum,
              uint64_t *brk);
uint64_t stack_build(const char *cmdline, uint64_t entry, uint64_t phdr, uint16_t phnum);
void proc_run(const struct program *p) __attribute__((noreturn));
void proc_exit(int status) __attribute__((noreturn));
void proc_crash(struct pv_regs *r, int sig, const char *why) __attribute__((noreturn));
long brk_set(uint64_t addr);
void brk_init(uint64_t start);

/* ---- syscalls (syscall.c and friends) ---- */
void syscall_entry(struct pv_regs *r);
long sys_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off);
long sys_munmap(uint64_t addr, uint64_t len);
long sys_mprotect(uint64_t addr, uint64_t len, int prot);
long sys_mremap(uint64_t old, uint64_t old_len, uint64_t new_len, int flags);
long sys_clock_gettime(int clk, uint64_t ts);
long sys_nanosleep(int clk, int flags, uint64_t req, uint64_t rem);
long sys_poll(uint64_t fds, unsigned nfds, int64_t timeout_ns);
long sys_ppoll(uint64_t fds, unsigned nfds, uint64_t ts);
long sys_getrandom(uint64_t buf, size_t len, unsigned flags);
long sys_uname(uint64_t buf);

/* ---- files (fd.c, devices) ---- */
struct file;
struct file_ops {
    long (*pread)(struct file *f, uint64_t buf, size_t n, uint64_t off); /* regular files */
    uint64_t (*size)(struct file *f);
    long (*read)(struct file *f, uint64_t buf, size_t n);
    long (*write)(struct file *f, uint64_t buf, size_t n);
    long (*ioctl)(struct file *f, unsigned long cmd, uint64_t arg);
    long (*mmap)(struct file *f, uint64_t addr, uint64_t len, int prot, uint64_t off);
    unsigned (*poll)(struct file *f); /* POLLIN/POLLOUT bits now */
    void (*close)(struct file *f, bool keep);
    int mode; /* S_IFCHR etc. for fstat */
    unsigned rdev;
};
struct file {
    const struct file_ops *ops;
    void *priv;
    int flags;
    int refs;
    uint64_t pos;
};
#define MAX_FDS 64
void fd_init(void);
void fd_close_all(bool keep);
struct file *fd_get(int fd);
long sys_open(uint64_t path, int flags);
long sys_close(int fd);
long sys_read(int fd, uint64_t buf, size_t n);
long sys_write(int fd, uint64_t buf, size_t n);
long sys_readv(int fd, uint64_t iov, int cnt);
long sys_writev(int fd, uint64_t iov, int cnt);
long sys_ioctl(int fd, unsigned long cmd, uint64_t arg);
long sys_fstat(int fd, uint64_t st);
long sys_pread(int fd, uint64_t buf, size_t n, int64_t off);
long sys_lseek(int fd, int64_t off, int whence);
long sys_fcntl(int fd, int cmd, uint64_t arg);
long sys_dup(int fd);
extern const struct file_ops xenbus_fops, bootfs_fops, null_fops, console_fops, evtchn_fops, gntdev_fops,
    gntalloc_fops, privcmd_fops, pci_fops, irq_fops;
long pci_open(struct file *f, const char *sbdf);
long irq_open(struct file *f, const char *gsi);
long iopl_set_floor(unsigned level);
long evtchn_open(struct file *f);
long gntdev_open(struct file *f);
long gntalloc_open(struct file *f);
long xenbus_open(struct file *f);
bool gntalloc_owns(uint64_t va);
void gntalloc_unmapped(uint64_t va);
long privcmd_open(struct file *f);
bool gntdev_owns(uint64_t va, uint64_t mfn);
void gntdev_unmap_va(uint64_t va);
bool gntdev_kept_va(uint64_t va);
/* A user page fault at va on a grant the core revoked: a zeroed page now
 * stands there (the program carries on).  See dev_gntdev.c. */
bool gntdev_fault(uint64_t va);
void privcmd_drop(void);
#define POLLIN     0x001
#define POLLOUT    0x004
#define POLLERR    0x008
#define POLLNVAL   0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100

#endif
