/*
 * xs-ringc: scripted xenstore client speaking through a host domain ring
 * (ring_host.h), i.e. the way a guest's xenbus does, for tests. Creates the
 * ring files if missing. Only complete messages are taken off the response
 * ring, so events left unread stay there for the next invocation.
 * Usage: xs-ringc RINGDIR DOMID < script
 */
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "ring_host.h"
#include "wire.h"
#include "xsring.h"

static struct host_ring hr;

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void kick(void)
{
    char b = 1;
    if (write(hr.up_fd, &b, 1) < 0) {
        /* FIFO full: the server has a kick pending anyway */
    }
}

static void drain_down(int timeout_ms)
{
    struct pollfd pf = { hr.down_fd, POLLIN, 0 };
    if (poll(&pf, 1, timeout_ms) > 0) {
        char buf[64];
        while (read(hr.down_fd, buf, sizeof(buf)) > 0)
            ;
    }
}

static int r_send(void *ctx, const void *buf, size_t len)
{
    (void)ctx;
    struct xsring_dir req = xsring_requests(hr.intf);
    const char *p = buf;
    /* a request larger than the free space goes in as the server consumes */
    for (long end = now_ms() + WIRE_REPLY_MS; len && now_ms() < end;) {
        size_t w = xsring_write(&req, p, len);
        p += w;
        len -= w;
        kick();
        if (len) drain_down(1);
    }
    return len ? -1 : 0;
}

static int r_recv(void *ctx, struct xsd_sockmsg *h, char **payload, int timeout_ms)
{
    (void)ctx;
    struct xsring_dir rsp = xsring_responses(hr.intf);
    for (long end = now_ms() + timeout_ms;;) {
        if (xsring_peek(&rsp, 0, h, sizeof(*h))) {
            size_t total = sizeof(*h) + h->len;
            if (h->len > XENSTORE_PAYLOAD_MAX) return -1;
            if (total <= XENSTORE_RING_SIZE && xsring_peek(&rsp, 0, NULL, 0) &&
                xsring_readable(&rsp) >= (long)total) {
                char tmp[XENSTORE_RING_SIZE];
                xsring_peek(&rsp, 0, tmp, total);
                xsring_consume(&rsp, total);
                kick();
                *payload = malloc(h->len + 1);
                memcpy(*payload, tmp + sizeof(*h), h->len);
                (*payload)[h->len] = '\0';
                return 1;
            }
        }
        if (now_ms() >= end) return 0;
        drain_down(5);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: xs-ringc RINGDIR DOMID < script\n");
        return 2;
    }
    int e = host_ring_open(argv[1], (uint32_t)atoi(argv[2]), &hr);
    if (e) {
        fprintf(stderr, "xs-ringc: %s\n", strerror(-e));
        return 1;
    }
    struct wire_io io = { r_send, r_recv, NULL };
    int rc = wire_script(&io, stdin, (uint32_t)getpid() << 8);
    host_ring_close(&hr);
    return rc;
}
