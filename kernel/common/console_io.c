/* console_io: direct console writes for domains holding CAP_CONSOLE, logged
 * line by line with a "(dN) " prefix so interleaved domains stay readable. */
#include "lib.h"
#include "hypercall.h"
#include "guest_access.h"
#include "domain.h"
#include "console.h"
#include "spinlock.h"

#define LINE_MAX 256

struct line_buf {
    char buf[LINE_MAX];
    unsigned len;
};
static struct line_buf lines[MAX_DOMAINS];
static spinlock_t lines_lock = SPINLOCK_INIT; /* a domain's vCPUs write on several pCPUs */

static void flush_line(domid_t id, struct line_buf *l)
{
    char out[LINE_MAX + 16];
    const struct domain *d = domain_lookup(id);
    l->buf[l->len] = 0;
    /* Xen keeps the hardware domain's output out of the console ring: the first domain's */
    log_write(out, (size_t)snprintf(out, sizeof(out), "(d%u) %s\n", id, l->buf),
              !d || d->parent != DOMID_INVALID);
    l->len = 0;
}

static void put_char(domid_t id, char c)
{
    struct line_buf *l = &lines[id];
    if (c == '\n') {
        flush_line(id, l);
        return;
    }
    if (c == '\r' || c == 0) return;
    l->buf[l->len++] = (c >= 32 && c < 127) || c == '\t' ? c : '?';
    if (l->len == LINE_MAX - 1) flush_line(id, l);
}

long do_console_io(uint64_t cmd, uint64_t count, uint64_t buffer, uint64_t a4, uint64_t a5)
{
    struct domain *d = current->domain;
    if (!has_cap(d, CAP_CONSOLE)) return -EPERM;
    switch (cmd) {
    case CONSOLEIO_write: {
        uint32_t n = (uint32_t)count; /* Xen's count is an unsigned int */
        if (n > INT32_MAX) return -E2BIG;
        char chunk[128];
        for (uint32_t done = 0; done < n;) {
            uint32_t k = MIN(n - done, (uint32_t)sizeof(chunk));
            if (copy_from_guest(chunk, buffer + done, k)) return -EFAULT;
            spin_lock(&lines_lock);
            for (uint32_t i = 0; i < k; i++)
                put_char(d->id, chunk[i]);
            spin_unlock(&lines_lock);
            done += k;
        }
        return 0;
    }
    case CONSOLEIO_read: {
        uint32_t n = (uint32_t)count;
        if (n > INT32_MAX) return -E2BIG;
        char chunk[128];
        size_t got = serial_rx_read(chunk, MIN((size_t)n, sizeof(chunk)));
        if (got && copy_to_guest(buffer, chunk, got))
            return -EFAULT; /* (the bytes are gone: input is a stream) */
        return (long)got;
    } /* no input is routed to domains through console_io */
    default:
        return -ENOSYS;
    }
}
