/* The program's file descriptors: 0-2 are the console; open() knows the device
 * files /dev/xen/{evtchn,gntdev,gntalloc,privcmd,xenbus}, /dev/tessera/pci/SSSS:BB:DD.F
 * (dev_pci.c), /dev/tessera/irq/N (dev_irq.c), /dev/null, /dev/console and the
 * boot modules under /boot/ (bootfs.c). */
#include "rt.h"

#define O_ACCMODE       3
#define O_CLOEXEC       0x80000
#define F_DUPFD         0
#define F_GETFD         1
#define F_SETFD         2
#define F_GETFL         3
#define F_SETFL         4
#define F_DUPFD_CLOEXEC 1030

static struct file *fds[MAX_FDS];
static struct file pool[MAX_FDS];
static struct file stdio_file = { .ops = &console_fops, .refs = 1 };

static struct file *file_new(const struct file_ops *ops, int flags)
{
    for (unsigned i = 0; i < MAX_FDS; i++)
        if (!pool[i].refs) {
            pool[i] = (struct file){ .ops = ops, .flags = flags, .refs = 1 };
            return &pool[i];
        }
    return NULL;
}

static int fd_install(struct file *f)
{
    for (int i = 0; i < MAX_FDS; i++)
        if (!fds[i]) {
            fds[i] = f;
            return i;
        }
    return -EMFILE;
}

struct file *fd_get(int fd) { return fd >= 0 && fd < MAX_FDS ? fds[fd] : NULL; }

void fd_init(void)
{
    stdio_file.refs = 4; /* never dropped to 0 */
    for (int i = 0; i < 3; i++)
        fds[i] = &stdio_file;
}

static void file_put(struct file *f, bool keep)
{
    if (--f->refs == 0 && f->ops->close) f->ops->close(f, keep);
}

/* Newest first, so a grant mapping goes before the grant it maps. */
void fd_close_all(bool keep)
{
    for (int i = MAX_FDS - 1; i >= 0; i--)
        if (fds[i]) {
            file_put(fds[i], keep);
            fds[i] = NULL;
        }
}

static const struct {
    const char *path;
    const struct file_ops *ops;
    long (*open)(struct file *);
} devs[] = {
    { "/dev/xen/evtchn", &evtchn_fops, evtchn_open },
    { "/dev/xen/gntdev", &gntdev_fops, gntdev_open },
    { "/dev/xen/gntalloc", &gntalloc_fops, gntalloc_open },
    { "/dev/xen/privcmd", &privcmd_fops, privcmd_open },
    { "/dev/xen/xenbus", &xenbus_fops, xenbus_open },
    { "/dev/null", &null_fops, NULL },
    { "/dev/console", &console_fops, NULL },
};

long sys_open(uint64_t path, int flags)
{
    char name[64];
    long n = strncpy_from_user(name, path, sizeof(name));
    if (n < 0) return n == -ERANGE ? -ENOENT : n;
    for (unsigned i = 0; i < ARRAY_SIZE(devs); i++) {
        if (strcmp(name, devs[i].path)) continue;
        struct file *f = file_new(devs[i].ops, flags);
        if (!f) return -EMFILE;
        long rc = devs[i].open ? devs[i].open(f) : 0;
        if (rc) {
            f->refs = 0;
            return rc;
        }
        int fd = fd_install(f);
        if (fd < 0) file_put(f, false);
        return fd;
    }
    bool pci = !strncmp(name, "/dev/tessera/pci/", 17), irq = !strncmp(name, "/dev/tessera/irq/", 17);
    if (pci || irq || !strncmp(name, "/boot/", 6)) {
        struct file *f = file_new(pci ? &pci_fops : irq ? &irq_fops : &bootfs_fops, flags);
        if (!f) return -EMFILE;
        long rc = pci ? pci_open(f, name + 17) : irq ? irq_open(f, name + 17) : bootfs_open(f, name + 6);
        if (rc) {
            f->refs = 0;
            return rc;
        }
        int fd = fd_install(f);
        if (fd < 0) file_put(f, false);
        return fd;
    }
    return -ENOENT;
}

long sys_close(int fd)
{
    struct file *f = fd_get(fd);
    if (!f) return -EBADF;
    fds[fd] = NULL;
    file_put(f, false);
    return 0;
}

long sys_dup(int fd)
{
    struct file *f = fd_get(fd);
    if (!f) return -EBADF;
    int n = fd_install(f);
    if (n >= 0) f->refs++;
    return n;
}

long sys_fcntl(int fd, int cmd, uint64_t arg)
{
    struct file *f = fd_get(fd);
    if (!f) return -EBADF;
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        return sys_dup(fd);
    case F_GETFD:
    case F_SETFD:
        return 0;
    case F_GETFL:
        return f->flags & ~O_CLOEXEC;
    case F_SETFL:
        f->flags = (f->flags & O_ACCMODE) | ((int)arg & ~O_ACCMODE);
        return 0;
    default:
        return -EINVAL;
    }
}
