/*
 * xs-bench: xenstore throughput over a Unix socket, for any server that
 * speaks the wire protocol (ours, or Xen's). One synchronous client, as the
 * dom0 tools are. Usage: xs-bench SOCKET read|write|directory|transaction|fanout N
 * Prints "<ops per second>" (fanout: watch events delivered per second to
 * 100 watchers, one per connection).
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#define WATCHERS 100

static const char *sock_path;

static int conn(void)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
        perror("xs-bench: connect");
        exit(1);
    }
    return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w <= 0) {
            perror("xs-bench: write");
            exit(1);
        }
        c += w;
        n -= (size_t)w;
    }
}

static void recv_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r <= 0) {
            fprintf(stderr, "xs-bench: connection closed\n");
            exit(1);
        }
        c += r;
        n -= (size_t)r;
    }
}

static uint32_t req_seq;

static void request(int fd, uint32_t type, uint32_t tx, const char *a, size_t al, const char *b, size_t bl)
{
    char buf[8192];
    struct xsd_sockmsg h = { type, ++req_seq, tx, (uint32_t)(al + bl) };
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), a, al);
    if (bl) memcpy(buf + sizeof(h) + al, b, bl);
    send_all(fd, buf, sizeof(h) + al + bl);
}

/* Read messages until the reply to the last request; returns its type and
 * copies its payload to out. Watch events are skipped. */
static uint32_t reply(int fd, char *out, size_t size)
{
    for (;;) {
        struct xsd_sockmsg h;
        char body[XENSTORE_PAYLOAD_MAX + 1];
        recv_all(fd, &h, sizeof(h));
        if (h.len > XENSTORE_PAYLOAD_MAX) exit(1);
        recv_all(fd, body, h.len);
        body[h.len] = '\0';
        if (h.type == XS_WATCH_EVENT) continue;
        if (out) {
            size_t l = h.len < size - 1 ? h.len : size - 1;
            memcpy(out, body, l);
            out[l] = '\0';
        }
        if (h.type == XS_ERROR) {
            fprintf(stderr, "xs-bench: error %s\n", body);
            exit(1);
        }
        return h.type;
    }
}

static void rpc(int fd, uint32_t type, uint32_t tx, const char *a, size_t al, const char *b, size_t bl,
                char *out, size_t size)
{
    request(fd, type, tx, a, al, b, bl);
    reply(fd, out, size);
}

#define S(x) x, sizeof(x)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Count complete watch events in fd's stream; returns how many were read. */
struct reader {
    int fd;
    size_t have;
    char buf[65536];
    long events;
};

static void drain_events(struct reader *r)
{
    ssize_t n = read(r->fd, r->buf + r->have, sizeof(r->buf) - r->have);
    if (n <= 0) {
        fprintf(stderr, "xs-bench: watcher connection closed\n");
        exit(1);
    }
    r->have += (size_t)n;
    size_t off = 0;
    while (r->have - off >= sizeof(struct xsd_sockmsg)) {
        struct xsd_sockmsg h;
        memcpy(&h, r->buf + off, sizeof(h));
        if (r->have - off < sizeof(h) + h.len) break;
        if (h.type == XS_WATCH_EVENT) r->events++;
        off += sizeof(h) + h.len;
    }
    memmove(r->buf, r->buf + off, r->have - off);
    r->have -= off;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: xs-bench SOCKET read|write|directory|transaction|fanout N\n");
        return 2;
    }
    sock_path = argv[1];
    const char *mode = argv[2];
    long n = atol(argv[3]);
    int fd = conn();
    char out[4096];
    rpc(fd, XS_WRITE, 0, S("/bench/key"), S("0123456789abcdef") - 1, NULL, 0);
    for (int i = 0; i < 20; i++) {
        char p[64];
        int l = snprintf(p, sizeof(p), "/bench/dir/entry-%02d", i) + 1;
        rpc(fd, XS_WRITE, 0, p, (size_t)l, "v", 1, NULL, 0);
    }
    double t0 = now(), t1;
    if (!strcmp(mode, "read")) {
        for (long i = 0; i < n; i++)
            rpc(fd, XS_READ, 0, S("/bench/key"), NULL, 0, NULL, 0);
    } else if (!strcmp(mode, "write")) {
        for (long i = 0; i < n; i++)
            rpc(fd, XS_WRITE, 0, S("/bench/key"), S("0123456789abcdef") - 1, NULL, 0);
    } else if (!strcmp(mode, "directory")) {
        for (long i = 0; i < n; i++)
            rpc(fd, XS_DIRECTORY, 0, S("/bench/dir"), NULL, 0, NULL, 0);
    } else if (!strcmp(mode, "transaction")) {
        for (long i = 0; i < n; i++) {
            rpc(fd, XS_TRANSACTION_START, 0, "", 1, NULL, 0, out, sizeof(out));
            uint32_t tx = (uint32_t)strtoul(out, NULL, 10);
            rpc(fd, XS_WRITE, tx, S("/bench/tx"), S("0123456789abcdef") - 1, NULL, 0);
            rpc(fd, XS_TRANSACTION_END, tx, "T", 2, NULL, 0, NULL, 0);
        }
    } else if (!strcmp(mode, "fanout")) {
        static struct reader w[WATCHERS];
        for (int i = 0; i < WATCHERS; i++) {
            char tok[16];
            int tl = snprintf(tok, sizeof(tok), "w%d", i) + 1;
            w[i].fd = conn();
            rpc(w[i].fd, XS_WATCH, 0, S("/bench/fan"), tok, (size_t)tl, NULL, 0);
        }
        /* each watcher's initial event may arrive before or after its
         * reply; count from zero once all are registered */
        usleep(100000);
        for (int i = 0; i < WATCHERS; i++) {
            struct pollfd pf = { w[i].fd, POLLIN, 0 };
            while (poll(&pf, 1, 0) > 0)
                drain_events(&w[i]);
            w[i].events = 0;
        }
        t0 = now();
        struct pollfd pf[WATCHERS + 1];
        long done = 0, want = n * WATCHERS;
        for (long i = 0; i < n; i++) {
            request(fd, XS_WRITE, 0, S("/bench/fan/x"), "1", 1);
            reply(fd, NULL, 0);
            /* keep watchers drained so no server has to queue */
            for (int j = 0; j < WATCHERS; j++)
                pf[j] = (struct pollfd){ w[j].fd, POLLIN, 0 };
            if (poll(pf, WATCHERS, 0) > 0)
                for (int j = 0; j < WATCHERS; j++)
                    if (pf[j].revents & POLLIN) drain_events(&w[j]);
        }
        for (;;) {
            done = 0;
            for (int j = 0; j < WATCHERS; j++)
                done += w[j].events;
            if (done >= want) break;
            for (int j = 0; j < WATCHERS; j++)
                pf[j] = (struct pollfd){ w[j].fd, POLLIN, 0 };
            if (poll(pf, WATCHERS, 5000) <= 0) {
                fprintf(stderr, "xs-bench: only %ld of %ld events arrived\n", done, want);
                return 1;
            }
            for (int j = 0; j < WATCHERS; j++)
                if (pf[j].revents & POLLIN) drain_events(&w[j]);
        }
        t1 = now();
        printf("%.0f\n", (double)want / (t1 - t0));
        return 0;
    } else {
        fprintf(stderr, "xs-bench: unknown mode %s\n", mode);
        return 2;
    }
    t1 = now();
    printf("%.0f\n", (double)n / (t1 - t0));
    return 0;
}
