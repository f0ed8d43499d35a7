/* COM2 transports (see com2.h). */
#include "shell/com2.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <sys/io.h>
#endif

#define UART_LSR_DR   0x01
#define UART_LSR_THRE 0x20

int com2_open_fds(struct com2 *c, int rfd, int wfd)
{
    memset(c, 0, sizeof(*c));
    c->kind = COM2_FDS;
    c->rfd = rfd;
    c->wfd = wfd;
    c->lfd = -1;
    return fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK);
}

int com2_listen(struct com2 *c, const char *path, char *err, size_t errlen)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    memset(c, 0, sizeof(*c));
    c->kind = COM2_UNIX;
    c->rfd = c->wfd = -1;
    if (strlen(path) >= sizeof(a.sun_path)) return db_errf(err, errlen, "%s: socket path too long", path);
    strcpy(a.sun_path, path);
    unlink(path);
    c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c->lfd < 0 || bind(c->lfd, (struct sockaddr *)&a, sizeof(a)) || listen(c->lfd, 1))
        return db_errf(err, errlen, "%s: %s", path, strerror(errno));
    return 0;
}

#if defined(__x86_64__)
static uint8_t inb_(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static void outb_(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
#endif

int com2_open_uart(struct com2 *c, uint16_t base, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
#if defined(__x86_64__)
    if (ioperm(base, 8, 1))
        return db_errf(err, errlen, "no access to I/O ports %#x-%#x: %s", base, base + 7, strerror(errno));
    /* No UART there (QEMU without a second -serial): the ports read all ones, so
     * the receive loop would see an endless stream of 0xff bytes and spin on
     * emulated port reads.  The scratch register tells. */
    outb_(base + 7, 0xa5);
    uint8_t s1 = inb_(base + 7);
    outb_(base + 7, 0x5a);
    if (s1 != 0xa5 || inb_(base + 7) != 0x5a) return db_errf(err, errlen, "no UART at I/O port %#x", base);
    c->kind = COM2_UART;
    c->base = base;
    c->rfd = c->wfd = c->lfd = -1;
    outb_(base + 1, 0x00); /* no interrupts */
    outb_(base + 3, 0x80); /* divisor latch */
    outb_(base + 0, 0x01); /* 115200 baud */
    outb_(base + 1, 0x00);
    outb_(base + 3, 0x03); /* 8N1 */
    outb_(base + 2, 0x07); /* FIFOs on, cleared, interrupt from the first byte */
    outb_(base + 4, 0x0b); /* DTR, RTS, OUT2 (gates the interrupt line) */
    c->lfd = open("/dev/tessera/irq/3", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (c->lfd >= 0) outb_(base + 1, 0x01); /* interrupt: received data */
    return 0;
#else
    (void)base;
    return db_errf(err, errlen, "no UART on this architecture");
#endif
}

int com2_pollfd(const struct com2 *c)
{
    if (c->kind == COM2_UNIX) return c->rfd >= 0 ? c->rfd : c->lfd;
    if (c->kind == COM2_UART) return c->lfd;
    return c->kind == COM2_FDS ? c->rfd : -1;
}

static size_t uart_read(struct com2 *c, char *buf, size_t n)
{
    size_t k = 0;
#if defined(__x86_64__)
    while (k < n && (inb_(c->base + 5) & UART_LSR_DR))
        buf[k++] = (char)inb_(c->base);
#else
    (void)c, (void)buf, (void)n;
#endif
    return k;
}

size_t com2_read_text(struct com2 *c, char *buf, size_t n, int *change)
{
    if (c->kind != COM2_UART) return com2_read(c, buf, n, change);
    *change = COM2_SAME;
    size_t k = 0;
#if defined(__x86_64__)
    while (k < n && (buf[k] = (char)inb_(c->base)) != 0)
        k++;
#else
    (void)buf, (void)n;
#endif
    return k;
}

size_t com2_read(struct com2 *c, char *buf, size_t n, int *change)
{
    *change = COM2_SAME;
    if (c->kind == COM2_UART) {
        uint32_t irqs;
        if (c->lfd >= 0) (void)!read(c->lfd, &irqs, sizeof(irqs)); /* the count, cleared; then drain */
        return uart_read(c, buf, n);
    }
    if (c->kind == COM2_UNIX && c->rfd < 0) {
        c->rfd = c->wfd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        *change = c->rfd >= 0 ? COM2_CONNECTED : COM2_SAME;
        return 0;
    }
    if (c->kind == COM2_NONE || c->rfd < 0) return 0;
    ssize_t r = read(c->rfd, buf, n);
    if (r > 0) return (size_t)r;
    if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        *change = COM2_GONE;
        if (c->kind == COM2_UNIX) {
            close(c->rfd);
            c->rfd = c->wfd = -1; /* wait for the next client */
        } else
            c->kind = COM2_NONE;
    }
    return 0;
}

void com2_write(struct com2 *c, const char *buf, size_t n)
{
    if (c->kind == COM2_UART) {
#if defined(__x86_64__)
        for (size_t i = 0; i < n; i++) {
            for (int spin = 0; spin < 100000 && !(inb_(c->base + 5) & UART_LSR_THRE); spin++)
                ;
            outb_(c->base, (uint8_t)buf[i]);
        }
#endif
        return;
    }
    if (c->wfd < 0) return;
    while (n) {
        ssize_t w = write(c->wfd, buf, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return; /* a stuck client loses output, never blocks us */
        buf += w;
        n -= (size_t)w;
    }
}
