/*
 * xsmsg: scripted xenstore client over a Unix socket, for tests (see wire.h
 * for the script language). Usage: xsmsg SOCKET < script
 */
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "wire.h"

static int fd;

static int s_send(void *ctx, const void *buf, size_t len)
{
    (void)ctx;
    const char *p = buf;
    while (len) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w <= 0) return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int read_full(void *buf, size_t len, int timeout_ms)
{
    char *p = buf;
    while (len) {
        struct pollfd pf = { fd, POLLIN, 0 };
        int r = poll(&pf, 1, timeout_ms);
        if (r == 0) return 0;
        ssize_t n = read(fd, p, len);
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 1;
}

static int s_recv(void *ctx, struct xsd_sockmsg *h, char **payload, int timeout_ms)
{
    (void)ctx;
    int r = read_full(h, sizeof(*h), timeout_ms);
    if (r <= 0) return r;
    if (h->len > 65536) return -1;
    *payload = malloc(h->len + 1);
    if (!*payload) return -1;
    if (read_full(*payload, h->len, WIRE_REPLY_MS) <= 0) {
        free(*payload);
        return -1;
    }
    (*payload)[h->len] = '\0';
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: xsmsg SOCKET < script\n");
        return 2;
    }
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
    /*
     * A server that has just been started may not have bound or be listening
     * yet (its socket file appears between bind and listen): retry for a while.
     */
    for (int tries = 0;; tries++) {
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa))) break;
        int e = errno;
        if (fd >= 0) close(fd);
        if ((e != ENOENT && e != ECONNREFUSED) || tries >= 200) {
            errno = e;
            perror("xsmsg: connect");
            return 1;
        }
        usleep(50 * 1000);
    }
    struct wire_io io = { s_send, s_recv, NULL };
    return wire_script(&io, stdin, (uint32_t)getpid() << 8);
}
