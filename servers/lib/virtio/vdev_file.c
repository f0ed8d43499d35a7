/* struct vdev over the service runtime's PCI device file (servers/lib/tpci.h):
 * config space by ioctl, BARs mapped once and accessed with volatile loads and
 * stores, DMA pages from anonymous memory with their bus addresses, interrupts
 * by poll/read/write on the file. */
#include "vdev_file.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int cfg_read(void *ctx, unsigned off, unsigned size, uint32_t *val)
{
    struct vdev_file *v = ctx;
    struct tpci_cfg c = { off, size, 0 };
    if (ioctl(v->fd, TPCI_CFG_READ, &c)) return -errno;
    *val = c.val;
    return 0;
}

static int cfg_write(void *ctx, unsigned off, unsigned size, uint32_t val)
{
    struct vdev_file *v = ctx;
    struct tpci_cfg c = { off, size, val };
    return ioctl(v->fd, TPCI_CFG_WRITE, &c) ? -errno : 0;
}

/* The BAR's mapping, made on first use. */
static volatile uint8_t *bar(struct vdev_file *v, unsigned b, uint64_t off, unsigned size)
{
    if (b >= 6) return NULL;
    if (!v->bar[b]) {
        struct tpci_bar info = { .bar = b };
        if (ioctl(v->fd, TPCI_BAR_INFO, &info) || !(info.flags & TPCI_BAR_MEM) || !info.size) return NULL;
        void *p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, TPCI_BAR_OFFSET(b));
        if (p == MAP_FAILED) return NULL;
        v->bar[b] = p;
        v->bar_size[b] = info.size;
    }
    if (off > v->bar_size[b] || size > v->bar_size[b] - off || off % size) return NULL;
    return v->bar[b] + off;
}

static int bar_read(void *ctx, unsigned b, uint64_t off, unsigned size, uint64_t *val)
{
    volatile uint8_t *p = bar(ctx, b, off, size);
    if (!p) return -EINVAL;
    switch (size) {
    case 1:
        *val = *p;
        break;
    case 2:
        *val = *(volatile uint16_t *)p;
        break;
    case 4:
        *val = *(volatile uint32_t *)p;
        break;
    case 8:
        *val = *(volatile uint64_t *)p;
        break;
    default:
        return -EINVAL;
    }
    return 0;
}

static int bar_write(void *ctx, unsigned b, uint64_t off, unsigned size, uint64_t val)
{
    volatile uint8_t *p = bar(ctx, b, off, size);
    if (!p) return -EINVAL;
    switch (size) {
    case 1:
        *p = (uint8_t)val;
        break;
    case 2:
        *(volatile uint16_t *)p = (uint16_t)val;
        break;
    case 4:
        *(volatile uint32_t *)p = (uint32_t)val;
        break;
    case 8:
        *(volatile uint64_t *)p = val;
        break;
    default:
        return -EINVAL;
    }
    return 0;
}

static void *dma_page(void *ctx, uint64_t *bus)
{
    struct vdev_file *v = ctx;
    void *p = mmap(NULL, VDEV_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    struct tpci_dma d = { (uint64_t)(uintptr_t)p, 0 };
    if (ioctl(v->fd, TPCI_DMA_ADDR, &d)) {
        munmap(p, VDEV_PAGE);
        return NULL;
    }
    memset(p, 0, VDEV_PAGE);
    *bus = d.bus;
    return p;
}

static int irq_enable(void *ctx, unsigned nvec)
{
    struct vdev_file *v = ctx;
    struct tpci_irq q = { nvec ? nvec : 1, 0 };
    if (ioctl(v->fd, TPCI_IRQ_ENABLE, &q)) return -errno;
    return (int)q.enabled;
}

static int irq_wait(void *ctx, int timeout_ms, uint32_t *fired)
{
    struct vdev_file *v = ctx;
    struct pollfd pfd = { v->fd, POLLIN, 0 };
    int n = poll(&pfd, 1, timeout_ms);
    if (n < 0) return -errno;
    if (n == 0) return -ETIMEDOUT;
    uint32_t m = 0;
    if (read(v->fd, &m, 4) != 4) return -EIO;
    /* Re-arm before the caller looks at the rings, so a completion after
     * that look raises a new interrupt. */
    if (write(v->fd, &m, 4) != 4) return -EIO;
    *fired = m;
    return 0;
}

static const struct vdev_ops file_ops = { cfg_read, cfg_write,  bar_read, bar_write,
                                          dma_page, irq_enable, irq_wait };

int vdev_file_open(struct vdev_file *v, const char *sbdf)
{
    char path[64];
    memset(v, 0, sizeof(*v));
    snprintf(path, sizeof(path), "/dev/tessera/pci/%s", sbdf);
    v->fd = open(path, O_RDWR | O_NONBLOCK);
    if (v->fd < 0) return -errno;
    v->vdev = (struct vdev){ &file_ops, v };
    return 0;
}
