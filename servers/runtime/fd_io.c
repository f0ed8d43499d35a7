/* read/pread/lseek/write/readv/writev/ioctl/fstat on file descriptors, and the console file
 * (stdin reads the domain's console input, stdout/stderr write its output; it is
 * not a terminal). */
#include "rt.h"

#define TCGETS     0x5401
#define TIOCGWINSZ 0x5413

long sys_read(int fd, uint64_t buf, size_t n)
{
    struct file *f = fd_get(fd);
    if (!f) return -EBADF;
    if (!user_ok(buf, n, true)) return -EFAULT;
    if (f->ops->pread) {
        long r = f->ops->pread(f, buf, n, f->pos);
        if (r > 0) f->pos += (uint64_t)r;
        return r;
    }
    return f->ops->read ? f->ops->read(f, buf, n) : -EINVAL;
}

long sys_pread(int fd, uint64_t buf, size_t n, int64_t off)
{
    struct file *f = fd_get(fd);
    if (!f) return -EBADF;
    if (!f->ops->pread) return -ESPIPE;
    if (off < 0) return -EINVAL;
    if (!user_ok(buf, n, true)) return -EFAULT;
    return f->ops->pread(f, buf, n, (uint64_t)off);
}

long sys_lseek(int fd, int64_t off, int whence)
{
    struct file *f = fd_get(fd);
    if (!f) return -EBADF;
    if (!f->ops->size) return -ESPIPE;
    int64_t base = whence == 0   ? 0
                   : whence == 1 ? (int64_t)f->pos
                   : whence == 2 ? (int64_t)f->ops->size(f)
                                 : -1;
    if (base < 0 || base + off < 0) return -EINVAL;
    f->pos = (uint64_t)(base + off);
    return (long)f->pos;
}

long sys_write(int fd, uint64_t buf, size_t n)
{
    struct file *f = fd_get(fd);
    if (!f) return -EBADF;
    if (!user_ok(buf, n, false)) return -EFAULT;
    return f->ops->write ? f->ops->write(f, buf, n) : -EINVAL;
}

struct iovec_ {
    uint64_t base, len;
};

static long rw_vec(int fd, uint64_t iovp, int cnt, bool wr)
{
    struct iovec_ iov[16];
    if (cnt < 0 || cnt > 16) return -EINVAL;
    if (copy_from_user(iov, iovp, (size_t)cnt * sizeof(iov[0]))) return -EFAULT;
    long total = 0;
    for (int i = 0; i < cnt; i++) {
        if (!iov[i].len) continue;
        long r = wr ? sys_write(fd, iov[i].base, iov[i].len) : sys_read(fd, iov[i].base, iov[i].len);
        if (r < 0) return total ? total : r;
        total += r;
        if ((uint64_t)r < iov[i].len) break;
    }
    return total;
}

long sys_readv(int fd, uint64_t iov, int cnt) { return rw_vec(fd, iov, cnt, false); }
long sys_writev(int fd, uint64_t iov, int cnt) { return rw_vec(fd, iov, cnt, true); }

long sys_ioctl(int fd, unsigned long cmd, uint64_t arg)
{
    struct file *f = fd_get(fd);
    if (!f) return -EBADF;
    /* The command is 32 bits, as in Linux (libc passes an int, which the
     * system call sign-extends when its direction bit 31 is set). */
    return f->ops->ioctl ? f->ops->ioctl(f, (uint32_t)cmd, arg) : -ENOTTY;
}

long sys_fstat(int fd, uint64_t stp)
{
    struct file *f = fd_get(fd);
    if (!f) return -EBADF;
    uint64_t st[18]; /* struct stat, x86-64: 144 bytes */
    memset(st, 0, sizeof(st));
    st[2] = 1;                                                        /* st_nlink */
    st[3] = (uint64_t)(f->ops->mode ? f->ops->mode : 0020000 | 0600); /* st_mode, uid 0 */
    st[5] = f->ops->rdev;                                             /* st_rdev */
    st[6] = f->ops->size ? f->ops->size(f) : 0;                       /* st_size */
    st[7] = 4096;                                                     /* st_blksize */
    st[8] = (st[6] + 511) / 512;                                      /* st_blocks */
    return copy_to_user(stp, st, sizeof(st));
}

static long cons_read(struct file *f, uint64_t buf, size_t n)
{
    return console_read(buf, n, f->flags & 04000);
}
static long null_read(struct file *f, uint64_t buf, size_t n)
{
    (void)f;
    (void)buf;
    (void)n;
    return 0;
}

static long cons_write(struct file *f, uint64_t buf, size_t n)
{
    (void)f;
    console_write((const char *)buf, n);
    return (long)n;
}

static long cons_ioctl(struct file *f, unsigned long cmd, uint64_t arg)
{
    (void)f;
    (void)cmd;
    (void)arg;
    return -ENOTTY; /* TCGETS, TIOCGWINSZ: not a terminal */
}

static unsigned cons_poll(struct file *f)
{
    (void)f;
    return POLLOUT | (console_readable() ? POLLIN : 0);
}
static unsigned null_poll(struct file *f)
{
    (void)f;
    return POLLIN | POLLOUT;
}

static long null_write(struct file *f, uint64_t buf, size_t n)
{
    (void)f;
    (void)buf;
    return (long)n;
}

const struct file_ops null_fops = {
    .read = null_read,
    .write = null_write,
    .ioctl = cons_ioctl,
    .poll = null_poll,
    .mode = 0020000 | 0666,
    .rdev = (1 << 8) | 3,
};

const struct file_ops console_fops = {
    .read = cons_read,
    .write = cons_write,
    .ioctl = cons_ioctl,
    .poll = cons_poll,
    .mode = 0020000 | 0620,
    .rdev = (5 << 8) | 1,
};
