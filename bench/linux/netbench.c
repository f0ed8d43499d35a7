/* The network benchmark of bench/net.sh (static musl, in the guest's
 * initramfs): one program, modes chosen by the first argument, its fields
 * separated by '@' (the guest's init splits steps on blanks, ',' and '+'):
 *   up@ADDR[@IF]            load xen-netfront (and the modules listed in
 *                           /etc/netbench.modules, for native virtio-net;
 *                           twice, so that their order does not matter),
 *                           give IF (eth0) ADDR/24, wait until it is up
 *   serve                   forever: TCP on 5201 (sink 'S', echo 'R',
 *                           UDP count 'U' with the datagrams on UDP 5201)
 *   client@SERVER@SECS      against a server: TCP stream, 1-byte TCP
 *                           round trips, 18-byte UDP datagrams, SECS each
 *   hostsend@SECS           waits for one TCP connection on 5201 (the host,
 *                           through QEMU's forwarded port) and streams to it
 * Every measurement is taken with the guest's own clock (under -icount that
 * is executed instructions) and printed as one line
 *   netbench: test=NAME ... rate=X UNIT
 * that bench/net.sh parses. */
#include "bench.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PORT 5201
static char buf[65536];

static double secs_since(long long t0) { return (double)(bench_now_ns() - t0) / 1e9; }

static int die(const char *what)
{
    printf("netbench: error=%s errno=%d\n", what, errno);
    fflush(stdout);
    return 1;
}

static int full_write(int fd, const void *p, size_t n)
{
    for (size_t done = 0; done < n;) {
        ssize_t w = write(fd, (const char *)p + done, n - done);
        if (w <= 0) return -1;
        done += (size_t)w;
    }
    return 0;
}

static int full_read(int fd, void *p, size_t n)
{
    for (size_t done = 0; done < n;) {
        ssize_t r = read(fd, (char *)p + done, n - done);
        if (r <= 0) return -1;
        done += (size_t)r;
    }
    return 0;
}

static void nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int listener(int type)
{
    int fd = socket(AF_INET, type, 0), one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) return -1;
    if (type == SOCK_STREAM && listen(fd, 4) < 0) return -1;
    return fd;
}

static int up(char *addr, const char *ifname)
{
    char cmd[2048];
    /* xen-netfront fails to load natively, the virtio modules under Xen:
     * both harmless, the interface is what counts */
    snprintf(cmd, sizeof(cmd),
             "insmod /lib/modules/$(uname -r)/xen-netfront.ko 2>/dev/null; "
             "[ -f /etc/netbench.modules ] && for p in 1 2; do for m in $(cat /etc/netbench.modules); do "
             "grep -q \"^$m \" /proc/modules || insmod /lib/modules/$(uname -r)/$m.ko 2>&1 | "
             "sed \"s/^/netbench: pass $p: /\"; done; done; "
             "i=0; while [ ! -e /sys/class/net/%s ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; "
             "ip addr add %s/24 dev %s && ip link set %s up && "
             "i=0; while [ \"$(cat /sys/class/net/%s/operstate)\" != up ] && [ $i -lt 100 ]; do sleep 0.1; "
             "i=$((i+1)); done; echo \"netbench: up $(cat /sys/class/net/%s/operstate) %s\"",
             ifname, addr, ifname, ifname, ifname, ifname, addr);
    fflush(stdout);
    return system(cmd) == 0 ? 0 : 1;
}

/* the server: one connection at a time (the client's tests are sequential) */
static int serve(void)
{
    int l = listener(SOCK_STREAM), u = listener(SOCK_DGRAM);
    if (l < 0 || u < 0) return die("listen");
    printf("netbench: serving on %d\n", PORT);
    fflush(stdout);
    for (;;) {
        int c = accept(l, NULL, NULL);
        char mode;
        if (c < 0) continue;
        nodelay(c);
        if (full_read(c, &mode, 1) < 0) {
            close(c);
            continue;
        }
        if (mode == 'S') { /* sink: count until EOF, answer the count */
            uint64_t n = 0;
            ssize_t r;
            while ((r = read(c, buf, sizeof(buf))) > 0)
                n += (uint64_t)r;
            full_write(c, &n, sizeof(n));
        } else if (mode == 'R') { /* echo each byte */
            char b;
            while (read(c, &b, 1) == 1 && write(c, &b, 1) == 1) {}
        } else if (mode == 'U') { /* count datagrams until the control byte */
            uint64_t n = 0;
            char drain[2048];
            while (recv(u, drain, sizeof(drain), MSG_DONTWAIT) >= 0) {}
            full_write(c, "g", 1);
            for (;;) {
                struct pollfd p[2] = { { .fd = u, .events = POLLIN }, { .fd = c, .events = POLLIN } };
                if (poll(p, 2, -1) < 0) break;
                if (p[0].revents & POLLIN)
                    while (recv(u, drain, sizeof(drain), MSG_DONTWAIT) >= 0)
                        n++;
                if (p[1].revents) break;
            }
            read(c, drain, 1);
            full_write(c, &n, sizeof(n));
        }
        close(c);
    }
}

static int connect_to(const char *host, int secs_wait)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) return -1;
    long long t0 = bench_now_ns();
    for (;;) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
            nodelay(fd);
            return fd;
        }
        if (fd >= 0) close(fd);
        if (secs_since(t0) > secs_wait) return -1;
        usleep(200000);
    }
}

static int client(const char *host, double secs)
{
    /* TCP stream: SECS of 64 KiB writes, then the server's count after EOF */
    int c = connect_to(host, 120);
    if (c < 0) return die("connect");
    memset(buf, 0x5a, sizeof(buf));
    long long t0 = bench_now_ns();
    uint64_t sent = 0, got = 0;
    if (full_write(c, "S", 1) < 0) return die("stream");
    while (secs_since(t0) < secs) {
        if (full_write(c, buf, sizeof(buf)) < 0) return die("stream write");
        sent += sizeof(buf);
    }
    shutdown(c, SHUT_WR);
    if (full_read(c, &got, sizeof(got)) < 0 || got != sent) return die("stream count");
    double t = secs_since(t0);
    close(c);
    printf("netbench: test=tcp_stream bytes=%llu secs=%.3f rate=%.2f Mbit/s\n", (unsigned long long)got, t,
           (double)got * 8 / t / 1e6);
    fflush(stdout);

    /* 1-byte request/response */
    c = connect_to(host, 10);
    if (c < 0 || full_write(c, "R", 1) < 0) return die("rr");
    long n = 0;
    char b = 'x';
    t0 = bench_now_ns();
    while (secs_since(t0) < secs) {
        if (full_write(c, &b, 1) < 0 || full_read(c, &b, 1) < 0) return die("rr io");
        n++;
    }
    double t_rr = secs_since(t0);
    close(c);
    printf("netbench: test=tcp_rr trips=%ld secs=%.3f rate=%.1f us\n", n, t_rr, t_rr * 1e6 / (double)n);
    fflush(stdout);

    /* small UDP datagrams (18 bytes: 60-byte frames), as fast as they go */
    c = connect_to(host, 10);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
    inet_pton(AF_INET, host, &a.sin_addr);
    if (c < 0 || u < 0 || full_write(c, "U", 1) < 0 || full_read(c, &b, 1) < 0) return die("udp");
    uint64_t tx = 0, rx = 0;
    t0 = bench_now_ns();
    while (secs_since(t0) < secs)
        for (int i = 0; i < 16; i++)
            if (sendto(u, buf, 18, 0, (struct sockaddr *)&a, sizeof(a)) == 18) tx++;
    double t_u = secs_since(t0);
    usleep(500000); /* what is still on its way */
    if (full_write(c, "e", 1) < 0 || full_read(c, &rx, sizeof(rx)) < 0) return die("udp count");
    close(c);
    close(u);
    printf("netbench: test=udp_pps sent=%llu received=%llu secs=%.3f rate=%.0f pkt/s\n",
           (unsigned long long)tx, (unsigned long long)rx, t_u, (double)rx / t_u);
    fflush(stdout);
    return 0;
}

static int hostsend(double secs)
{
    int l = listener(SOCK_STREAM);
    if (l < 0) return die("listen");
    printf("netbench: hostsend listening on %d\n", PORT);
    fflush(stdout);
    int c = accept(l, NULL, NULL);
    if (c < 0) return die("accept");
    memset(buf, 0xa5, sizeof(buf));
    uint64_t sent = 0;
    long long t0 = bench_now_ns();
    while (secs_since(t0) < secs) {
        if (full_write(c, buf, sizeof(buf)) < 0) return die("hostsend write");
        sent += sizeof(buf);
    }
    shutdown(c, SHUT_WR);
    while (read(c, buf, sizeof(buf)) > 0) { /* the host closes once it has it all */
    }
    double t = secs_since(t0);
    printf("netbench: test=to_host bytes=%llu secs=%.3f rate=%.2f Mbit/s\n", (unsigned long long)sent, t,
           (double)sent * 8 / t / 1e6);
    fflush(stdout);
    close(c);
    close(l);
    return 0;
}

int main(int argc, char **argv)
{
    char *f[4] = { 0 };
    int n = 0;
    if (argc < 2) return die("usage: netbench up@ADDR[@IF] | serve | client@SERVER@SECS | hostsend@SECS");
    for (char *s = strtok(argv[1], "@"); s && n < 4; s = strtok(NULL, "@"))
        f[n++] = s;
    if (!strcmp(f[0], "up") && n >= 2) return up(f[1], n > 2 ? f[2] : "eth0");
    if (!strcmp(f[0], "serve")) return serve();
    if (!strcmp(f[0], "client") && n == 3) return client(f[1], atof(f[2]));
    if (!strcmp(f[0], "hostsend") && n == 2) return hostsend(atof(f[1]));
    return die("usage");
}
