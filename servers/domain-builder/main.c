/* domain-builder: the control plane program.  Opens the back end (the Xen
 * device files, or --fake on a host), starts the domains of the boot
 * configuration, then serves consoles, domain deaths and two xl shells: its
 * own console (stdin/stdout) and COM2.
 *
 *   domain-builder [--boot FILE] [--dir DIR]... [--com2 uart|none|unix:PATH]
 *                  [--fake MiB] [--exit-on-eof] [--create-times]
 */
#include "cfg/bootcfg.h"
#include "shell/com2.h"
#include "files.h"
#include "util.h"
#include "shell/xl.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct opts {
    const char *boot, *com2;
    struct files files;
    uint64_t fake_mb;
    int exit_on_eof, create_times;
};

static struct mgr m;
static struct imgcache images; /* a config's images, read once (mgr/imgcache.h) */
static struct com2 com2;
static struct xl_session con, ser;

static void out_stdout(void *ctx, const char *s)
{
    (void)ctx;
    printf("%s\n", s);
    fflush(stdout);
}

static void raw_stdout(void *ctx, const char *d, size_t n)
{
    (void)ctx;
    fwrite(d, 1, n, stdout);
    fflush(stdout);
}

static void out_com2(void *ctx, const char *s)
{
    (void)ctx;
    com2_write(&com2, s, strlen(s));
    com2_write(&com2, "\n", 1);
}

static void raw_com2(void *ctx, const char *d, size_t n)
{
    (void)ctx;
    com2_write(&com2, d, n);
}

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof(*o));
    o->com2 = "uart";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--exit-on-eof")) {
            o->exit_on_eof = 1;
            continue;
        }
        if (!strcmp(a, "--create-times")) {
            o->create_times = 1;
            continue;
        }
        if (!v) return fprintf(stderr, "domain-builder: %s needs a value\n", a), -1;
        i++;
        if (!strcmp(a, "--boot"))
            o->boot = v;
        else if (!strcmp(a, "--com2"))
            o->com2 = v;
        else if (!strcmp(a, "--fake"))
            o->fake_mb = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--dir") && o->files.ndirs < FILES_MAX_DIRS)
            o->files.dirs[o->files.ndirs++] = v;
        else
            return fprintf(stderr, "domain-builder: unknown option %s\n", a), -1;
    }
    if (!o->files.ndirs) o->files.dirs[o->files.ndirs++] = "/boot";
    return 0;
}

static void open_com2(const char *spec)
{
    char err[256] = "";
    int rc = 0;
    if (!strcmp(spec, "none")) return;
    if (!strcmp(spec, "uart"))
        rc = com2_open_uart(&com2, 0x2f8, err, sizeof(err));
    else if (!strncmp(spec, "unix:", 5))
        rc = com2_listen(&com2, spec + 5, err, sizeof(err));
    else
        rc = db_errf(err, sizeof(err), "unknown --com2 %s", spec);
    if (rc)
        printf("domain-builder: COM2 not available: %s\n", err);
    else
        printf("domain-builder: xl commands on COM2 (%s)\n", spec);
}

static void boot(struct opts *o)
{
    static struct bootcfg bc;
    char err[MGR_ERR_LEN];
    uint8_t *text;
    size_t len;
    if (!o->boot) return;
    if (files_read(&o->files, o->boot, 65536, &text, &len, err, sizeof(err)) ||
        bootcfg_parse(o->boot, (const char *)text, len, &bc, err, sizeof(err))) {
        printf("domain-builder: boot configuration: %s\n", err);
        return;
    }
    free(text);
    int failed = bootcfg_start(&m, &bc);
    printf("domain-builder: boot configuration done: %d domains started, %d failed\n", bc.n - failed, failed);
}

static void events(void)
{
    uint32_t port;
    for (int i = 0; i < 256 && !mgr_next_event(&m, &port); i++)
        mgr_event(&m, port);
}

/* One round: wait for input or events.  Nothing here runs on a timer: the
 * UART interrupts (without its interrupt it is polled every 20 ms), and it is
 * read continuously while a file arrives from the host; the first round
 * drains what arrived before. */
static int loop_once(int *stdin_open, int exit_on_eof)
{
    static bool started;
    struct pollfd p[3] = { { *stdin_open ? 0 : -1, POLLIN, 0 },
                           { com2_pollfd(&com2), POLLIN, 0 },
                           { m.b->ops->event_fd(m.b), POLLIN, 0 } };
    bool uart_polled = com2.kind == COM2_UART && com2_pollfd(&com2) < 0;
    int timeout = !started || ser.up.active ? 0 : uart_polled ? 20 : m.b->ops->event_fd(m.b) < 0 ? 50 : -1;
    started = true;
    if (poll(p, 3, timeout) < 0 && errno != EINTR) return -1;
    char buf[4096];
    int change;
    events();
    size_t n = ser.up.active ? com2_read_text(&com2, buf, sizeof(buf), &change)
                             : com2_read(&com2, buf, sizeof(buf), &change);
    if (change == COM2_CONNECTED)
        xl_hello(&ser);
    else if (change == COM2_GONE)
        xl_reset(&m, &ser); /* its console detached, its partial input dropped */
    if (n) xl_input(&m, &ser, buf, n);
    if (*stdin_open && (p[0].revents & (POLLIN | POLLHUP))) {
        ssize_t r = read(0, buf, sizeof(buf));
        if (r > 0)
            xl_input(&m, &con, buf, (size_t)r);
        else if (r == 0 || errno != EAGAIN) {
            *stdin_open = 0;
            xl_reset(&m, &con);
            if (exit_on_eof) return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    char err[256] = "";
    if (parse_opts(argc, argv, &o)) return 2;
    signal(SIGPIPE, SIG_IGN); /* a COM2 client that left must not end us */
    struct backend *b = o.fake_mb ? backend_fake_new(o.fake_mb << 8) : backend_privcmd_open(err, sizeof(err));
    if (!b || mgr_init(&m, b)) {
        printf("domain-builder: no hypervisor interface: %s\n", err);
        return 1;
    }
    m.read_file = files_read;
    m.file_ctx = &o.files;
    m.log = (struct db_out){ out_stdout, raw_stdout, NULL };
    m.now_ms = now_ms;
    m.create_times = o.create_times;
    m.imgcache = &images;
    con.out = (struct db_out){ out_stdout, raw_stdout, NULL };
    con.style = XL_LOG;
    ser.out = (struct db_out){ out_com2, raw_com2, NULL };
    ser.style = XL_TERMINAL;
    printf("domain-builder: domain %u, %s back end\n", b->self, o.fake_mb ? "fake" : "privcmd");
    open_com2(o.com2);
    if (mgr_adopt(&m))
        printf("domain-builder: domains of a previous instance are running: "
               "boot configuration not started again\n");
    else
        boot(&o);
    printf("domain-builder: xl shell ready: type commands here (xl help) or use scripts/xl "
           "on the host over COM2\n");
    if (com2.kind != COM2_NONE) xl_hello(&ser);
    int stdin_open = 1, rc;
    while (!(rc = loop_once(&stdin_open, o.exit_on_eof)))
        ;
    return rc < 0;
}
