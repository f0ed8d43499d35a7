/* System call dispatch: the syscall callback delivers the program's `syscall`
 * here with Linux's registers (rax = number; rdi rsi rdx r10 r8 r9).  Calls the
 * runtime does not implement return -ENOSYS and are logged once per number. */
#include "rt.h"
#include <asm/unistd_64.h>

static uint64_t fs_base;
static uint8_t logged[512];

static long arch_prctl(int code, uint64_t addr)
{
    switch (code) {
    case 0x1002: /* ARCH_SET_FS */
        if (addr >= USER_TOP) return -EPERM;
        fs_base = addr;
        return HYPERVISOR_set_segment_base(SEGBASE_FS, addr) ? -EINVAL : 0;
    case 0x1003: /* ARCH_GET_FS */
        return copy_to_user(addr, &fs_base, 8);
    default:
        return -EINVAL;
    }
}

/* I/O ports: the virtual IOPL (PHYSDEVOP_set_iopl); the hypervisor still checks
 * the domain's IO capability and port ranges.  ioperm() raises the IOPL to 3.
 * The runtime itself needs IOPL 1 (its kernel mode counts as ring 1) while a
 * PCI device file is open, for the config ports (dev_pci.c): the level set is
 * the larger of the program's and that floor. */
static unsigned iopl_program, iopl_floor;

static long apply_iopl(void)
{
    struct physdev_set_iopl s = { .iopl = MAX(iopl_program, iopl_floor) };
    return HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &s) ? -EPERM : 0;
}

static long set_iopl(unsigned level)
{
    if (level > 3) return -EINVAL;
    unsigned old = iopl_program;
    iopl_program = level;
    long rc = apply_iopl();
    if (rc) iopl_program = old;
    return rc;
}

long iopl_set_floor(unsigned level)
{
    iopl_floor = level;
    return apply_iopl();
}

static long sig_noop(uint64_t old, size_t size)
{
    static const uint8_t zero[32];
    if (old && size <= sizeof(zero)) return copy_to_user(old, zero, size);
    return 0;
}

static long unknown(long nr)
{
    if (nr < 0 || nr >= (long)sizeof(logged) || !logged[nr])
        printf("runtime: system call %ld not implemented (-ENOSYS)\n", nr);
    if (nr >= 0 && nr < (long)sizeof(logged)) logged[nr] = 1;
    return -ENOSYS;
}

static long do_syscall(struct pv_regs *r, long nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                       uint64_t a5, uint64_t a6)
{
    switch (nr) {
    case __NR_read:
        return sys_read((int)a1, a2, a3);
    case __NR_write:
        return sys_write((int)a1, a2, a3);
    case __NR_readv:
        return sys_readv((int)a1, a2, (int)a3);
    case __NR_writev:
        return sys_writev((int)a1, a2, (int)a3);
    case __NR_open:
        return sys_open(a1, (int)a2);
    case __NR_openat:
        return sys_open(a2, (int)a3);
    case __NR_close:
        return sys_close((int)a1);
    case __NR_ioctl:
        return sys_ioctl((int)a1, a2, a3);
    case __NR_fstat:
        return sys_fstat((int)a1, a2);
    case __NR_fcntl:
        return sys_fcntl((int)a1, (int)a2, a3);
    case __NR_dup:
        return sys_dup((int)a1);
    case __NR_lseek:
        return sys_lseek((int)a1, (int64_t)a2, (int)a3);
    case __NR_pread64:
        return sys_pread((int)a1, a2, a3, (int64_t)a4);
    case __NR_stat:
    case __NR_lstat:
    case __NR_access:
        return -ENOENT;
    case __NR_mmap:
        return sys_mmap(a1, a2, (int)a3, (int)a4, (int)a5, a6);
    case __NR_munmap:
        return sys_munmap(a1, a2);
    case __NR_mprotect:
        return sys_mprotect(a1, a2, (int)a3);
    case __NR_madvise:
        return 0;
    case __NR_mremap:
        return sys_mremap(a1, a2, a3, (int)a4);
    case __NR_brk:
        return brk_set(a1);
    case __NR_clock_gettime:
        return sys_clock_gettime((int)a1, a2);
    case __NR_clock_nanosleep:
        return sys_nanosleep((int)a1, (int)a2, a3, a4);
    case __NR_nanosleep:
        return sys_nanosleep(1, 0, a1, a2);
    case __NR_poll:
        return sys_poll(a1, (unsigned)a2, (int64_t)(int)a3 * 1000000);
    case __NR_ppoll:
        return sys_ppoll(a1, (unsigned)a2, a3);
    case __NR_getrandom:
        return sys_getrandom(a1, a2, (unsigned)a3);
    case __NR_uname:
        return sys_uname(a1);
    case __NR_arch_prctl:
        return arch_prctl((int)a1, a2);
    case __NR_set_tid_address:
        return 1;
    case __NR_getpid:
    case __NR_gettid:
        return 1;
    case __NR_getppid:
        return 0;
    case __NR_getuid:
    case __NR_geteuid:
    case __NR_getgid:
    case __NR_getegid:
        return 0;
    case __NR_sched_yield:
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        return 0;
    case __NR_rt_sigprocmask:
        return sig_noop(a3, a4);
    case __NR_rt_sigaction:
        return sig_noop(a3, a4 + 24);
    case __NR_sigaltstack:
        return 0;
    case __NR_iopl:
        return set_iopl((unsigned)a1);
    case __NR_ioperm:
        return a3 ? set_iopl(3) : 0;
    case __NR_tkill:
        return a2 ? (proc_crash(NULL, (int)a2, "sent by the program"), 0) : 0;
    case __NR_tgkill:
        return a3 ? (proc_crash(NULL, (int)a3, "sent by the program"), 0) : 0;
    case __NR_kill:
        return a2 ? (proc_crash(NULL, (int)a2, "sent by the program"), 0) : 0;
    case __NR_exit:
    case __NR_exit_group:
        proc_exit((int)a1);
    default:
        (void)r;
        (void)a5;
        return unknown(nr);
    }
}

void syscall_entry(struct pv_regs *r)
{
    long nr = (long)r->rax;
    long ret = do_syscall(r, nr, r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9);
    if (opts.trace)
        printf("runtime: syscall %ld(%lx, %lx, %lx) = %ld\n", nr, (unsigned long)r->rdi,
               (unsigned long)r->rsi, (unsigned long)r->rdx, ret);
    r->rax = (uint64_t)ret;
}
