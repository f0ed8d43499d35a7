/*
 * main.c: the xenstored program on the host: command line, the Unix-socket
 * transport (privileged, as dom0 tools expect; optional unprivileged sockets
 * that act as a given domain, for testing), domain rings through ring_host,
 * and the poll loop that serves everything fairly: each client gets at most
 * one read per round, and one that does not drain its replies stops being
 * read until it does.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ring_host.h"
#include "xenstored.h"

/* Requests taken from one client per round of the poll loop. */
#define MSGS_PER_ROUND 32

struct listener {
    int fd;
    uint32_t domid;
    bool privileged;
    char *path;
};

struct sock {
    struct sock *next;
    int fd;
    struct xs_conn *c;
    size_t rstart, rend;
    char rbuf[16384];
};

struct dring {
    struct dring *next;
    struct host_ring hr;
    struct xs_ring *ring;
    struct xs_conn *c;
    bool busy;
};

static struct listener listeners[16];
static unsigned nlisteners;
static struct sock *socks;
static struct dring *drings;
static const char *ring_dir;
static volatile sig_atomic_t stop;

static const struct xs_conn_ops sock_ops = { NULL };
static const struct xs_conn_ops ring_conn_ops = { NULL };
static const struct xs_ring_ops ring_ops = { host_ring_notify };

static struct xs_conn *hook_introduce(void *ctx, struct xs_server *s, uint32_t domid, uint64_t mfn,
                                      uint32_t port)
{
    (void)ctx;
    (void)mfn;
    (void)port;
    if (!ring_dir) return NULL;
    struct dring *d = calloc(1, sizeof(*d));
    if (!d) abort();
    if (host_ring_open(ring_dir, domid, &d->hr)) {
        free(d);
        return NULL;
    }
    d->c = xs_conn_new(s, domid, false, true, &ring_conn_ops, d);
    xs_conn_set_out_total(d->c, d->hr.intf->rsp_prod);
    d->ring = xs_ring_new(d->c, d->hr.intf, &ring_ops, &d->hr);
    d->next = drings;
    drings = d;
    return d->c;
}

static void hook_release(void *ctx, struct xs_conn *c)
{
    (void)ctx;
    for (struct dring **pp = &drings; *pp; pp = &(*pp)->next) {
        if ((*pp)->c == c) {
            struct dring *d = *pp;
            *pp = d->next;
            xs_ring_free(d->ring);
            host_ring_close(&d->hr);
            free(d);
            return;
        }
    }
}

static int listen_on(const char *path, uint32_t domid, bool privileged)
{
    if (nlisteners == sizeof(listeners) / sizeof(listeners[0])) return -1;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "xenstored: socket path too long: %s\n", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    unlink(path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 128)) {
        fprintf(stderr, "xenstored: cannot listen on %s: %s\n", path, strerror(errno));
        return -1;
    }
    chmod(path, privileged ? 0600 : 0666);
    listeners[nlisteners++] = (struct listener){ fd, domid, privileged, strdup(path) };
    return 0;
}

static void sock_close(struct sock *k)
{
    for (struct sock **pp = &socks; *pp; pp = &(*pp)->next) {
        if (*pp == k) {
            *pp = k->next;
            break;
        }
    }
    xs_conn_free(k->c);
    close(k->fd);
    free(k);
}

/* Write queued output; returns false if the connection failed. */
static bool sock_flush(struct sock *k)
{
    for (;;) {
        const void *data;
        size_t n = xs_conn_out_peek(k->c, &data);
        if (!n) return true;
        ssize_t w = send(k->fd, data, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        xs_conn_out_advance(k->c, (size_t)w);
    }
}

/* Feed buffered input; read more if the buffer is empty. false: close. */
static bool sock_input(struct sock *k, bool readable)
{
    if (k->rstart == k->rend && readable) {
        ssize_t r = read(k->fd, k->rbuf, sizeof(k->rbuf));
        if (r == 0) return false;
        if (r < 0) return errno == EAGAIN || errno == EINTR;
        k->rstart = 0;
        k->rend = (size_t)r;
    }
    if (k->rstart < k->rend)
        k->rstart += xs_conn_feed_n(k->c, k->rbuf + k->rstart, k->rend - k->rstart, MSGS_PER_ROUND);
    return !xs_conn_dead(k->c);
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: xenstored [options]\n"
                    "  -s, --socket PATH          privileged socket (default $XENSTORED_PATH or\n"
                    "                             /var/run/xenstored/socket)\n"
                    "  -u, --unpriv-socket D:PATH socket whose clients act as domain D, unprivileged\n"
                    "  -d, --state-dir DIR        persist state (snapshot + journal) in DIR\n"
                    "  -r, --ring-dir DIR         domain rings are files in DIR (host stand-in)\n"
                    "  -E, --entry-nb N           nodes per domain (1000)\n"
                    "  -S, --entry-size N         bytes per value (2048)\n"
                    "  -W, --watch-nb N           watches per connection (128)\n"
                    "  -t, --transaction N        open transactions per connection (10)\n"
                    "  -A, --perm-nb N            permission entries per node (5)\n"
                    "      --sync                 fdatasync the journal after every request\n"
                    "  -F, --pid-file FILE        write our pid to FILE once listening\n"
                    "  -V, --verbose              log every request\n");
}

int main(int argc, char **argv)
{
    struct xs_config cfg;
    xs_config_default(&cfg);
    const char *sock_path = getenv("XENSTORED_PATH");
    const char *pid_file = NULL;
    const char *unpriv[8];
    unsigned nunpriv = 0;
    static const struct option opts[] = {
        { "socket", 1, NULL, 's' },    { "unpriv-socket", 1, NULL, 'u' },
        { "state-dir", 1, NULL, 'd' }, { "ring-dir", 1, NULL, 'r' },
        { "entry-nb", 1, NULL, 'E' },  { "entry-size", 1, NULL, 'S' },
        { "watch-nb", 1, NULL, 'W' },  { "transaction", 1, NULL, 't' },
        { "perm-nb", 1, NULL, 'A' },   { "sync", 0, NULL, 'y' },
        { "pid-file", 1, NULL, 'F' },  { "verbose", 0, NULL, 'V' },
        { "help", 0, NULL, 'h' },      { NULL, 0, NULL, 0 },
    };
    int o, rc;
    while ((o = getopt_long(argc, argv, "s:u:d:r:E:S:W:t:A:F:Vh", opts, NULL)) != -1) {
        switch (o) {
        case 's':
            sock_path = optarg;
            break;
        case 'u':
            if (nunpriv < 8) unpriv[nunpriv++] = optarg;
            break;
        case 'd':
            cfg.state_dir = optarg;
            break;
        case 'r':
            ring_dir = optarg;
            break;
        case 'y':
            cfg.sync = true;
            break;
        case 'F':
            pid_file = optarg;
            break;
        default:
            if ((rc = xs_config_option(&cfg, o, optarg, usage)) >= 0) return rc;
        }
    }
    if (!sock_path) sock_path = "/var/run/xenstored/socket";
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    struct xs_server *s = xs_server_new(&cfg);
    static const struct xs_domain_hooks hooks = { hook_introduce, hook_release, NULL };
    rc = xs_server_recover(s, &hooks);
    if (rc) {
        fprintf(stderr, "xenstored: cannot recover state from %s: %s\n", cfg.state_dir, strerror(-rc));
        return 1;
    }
    for (struct dring *d = drings; d; d = d->next) {
        xs_ring_resync(d->ring);
        d->busy = true; /* requests may have arrived while we were down */
    }
    if (listen_on(sock_path, 0, true)) return 1;
    for (unsigned i = 0; i < nunpriv; i++) {
        char *colon = strchr(unpriv[i], ':');
        if (!colon) {
            usage();
            return 2;
        }
        if (listen_on(colon + 1, (uint32_t)atoi(unpriv[i]), false)) return 1;
    }
    if (pid_file) {
        FILE *f = fopen(pid_file, "w");
        if (f) {
            fprintf(f, "%d\n", (int)getpid());
            fclose(f);
        }
    }

    struct pollfd *pfd = NULL;
    size_t pcap = 0;
    while (!stop) {
        /* poll set, in this order: rings, sockets, listeners */
        size_t n = 0, need = nlisteners;
        for (struct sock *k = socks; k; k = k->next)
            need++;
        for (struct dring *d = drings; d; d = d->next)
            need++;
        if (need > pcap) {
            pcap = need * 2;
            pfd = realloc(pfd, pcap * sizeof(*pfd));
            if (!pfd) abort();
        }
        bool pending = false;
        for (struct dring *d = drings; d; d = d->next) {
            pfd[n++] = (struct pollfd){ d->hr.up_fd, POLLIN, 0 };
            if (d->busy) pending = true;
        }
        for (struct sock *k = socks; k; k = k->next) {
            short ev = 0;
            if (!xs_conn_throttled(k->c)) {
                if (k->rstart < k->rend)
                    pending = true;
                else
                    ev |= POLLIN;
            }
            if (xs_conn_out_pending(k->c)) ev |= POLLOUT;
            pfd[n++] = (struct pollfd){ k->fd, ev, 0 };
        }
        for (unsigned l = 0; l < nlisteners; l++)
            pfd[n++] = (struct pollfd){ listeners[l].fd, POLLIN, 0 };
        if (poll(pfd, n, pending ? 0 : 1000) < 0 && errno != EINTR) break;
        size_t i = 0;
        for (struct dring *d = drings; d; d = d->next, i++) {
            if (pfd[i].revents & POLLIN) {
                host_ring_ack(&d->hr);
                d->busy = true;
            }
            if (d->busy) d->busy = xs_ring_service(d->ring, 8);
        }
        /* a socket request may release a ring: drings is re-read below */
        for (struct sock *k = socks; k; i++) {
            struct sock *next = k->next;
            short re = pfd[i].revents;
            bool ok = true;
            if ((re & (POLLIN | POLLHUP | POLLERR)) || k->rstart < k->rend)
                ok = sock_input(k, re & (POLLIN | POLLHUP | POLLERR));
            if (ok) ok = sock_flush(k);
            if (!ok) sock_close(k);
            k = next;
        }
        for (unsigned l = 0; l < nlisteners; l++, i++) {
            if (!(pfd[i].revents & POLLIN)) continue;
            int fd = accept4(listeners[l].fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) continue;
            struct sock *k = calloc(1, sizeof(*k));
            if (!k) abort();
            k->fd = fd;
            k->c = xs_conn_new(s, listeners[l].domid, listeners[l].privileged, false, &sock_ops, k);
            k->next = socks;
            socks = k;
        }
        /* watch events this round's requests queued for others */
        for (struct sock *q = socks; q;) {
            struct sock *next = q->next;
            if (xs_conn_out_pending(q->c) && !sock_flush(q)) sock_close(q);
            q = next;
        }
        for (struct dring *d = drings; d; d = d->next)
            if (xs_conn_out_pending(d->c)) xs_ring_flush(d->ring);
        xs_server_maybe_compact(s);
    }
    while (socks)
        sock_close(socks);
    for (unsigned l = 0; l < nlisteners; l++) {
        close(listeners[l].fd);
        unlink(listeners[l].path);
        free(listeners[l].path);
    }
    xs_server_free(s);
    free(pfd);
    return 0;
}
