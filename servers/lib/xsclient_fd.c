/* xsclient_fd.c: the byte-stream transport of the xenstore client: a file
 * descriptor (/dev/xen/xenbus, a Unix socket) polled for each read/write. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "xsclient_int.h"

static int wait_fd(int fd, short ev, int timeout_ms)
{
    struct pollfd p = { fd, ev, 0 };
    int r = poll(&p, 1, timeout_ms);
    if (r < 0) return errno == EINTR ? 0 : -errno;
    if (!r) return -ETIMEDOUT;
    return (p.revents & (POLLERR | POLLNVAL)) ? -EIO : 0;
}

static int fd_send(void *ctx, const void *p, size_t n, int timeout_ms)
{
    int fd = (int)(intptr_t)ctx;
    while (n) {
        int rc = wait_fd(fd, POLLOUT, timeout_ms);
        if (rc) return rc;
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return -EIO;
        }
        p = (const char *)p + w;
        n -= (size_t)w;
    }
    return 0;
}

static ssize_t fd_recv(void *ctx, void *p, size_t n, int timeout_ms)
{
    int fd = (int)(intptr_t)ctx;
    for (;;) {
        int rc = wait_fd(fd, POLLIN, timeout_ms);
        if (rc) return rc;
        ssize_t r = read(fd, p, n);
        if (r > 0) return r;
        if (r == 0 || (errno != EINTR && errno != EAGAIN)) return -EIO;
    }
}

static const struct xsc_transport fd_transport = { fd_send, fd_recv, NULL };

struct xsc *xsc_new_fd(int fd) { return xsc_new_with(&fd_transport, (void *)(intptr_t)fd); }
