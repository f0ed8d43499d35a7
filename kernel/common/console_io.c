/* console_io: direct console writes for domains holding CAP_CONSOLE, logged
 * line by line with a "(dN) " prefix so interleaved domains stay readable. */
#include "lib.h"
#include "hypercall.h"
#include "guest_access.h"
#include "domain.h"
#include "console.h"
#include "spinlock.h"

#define LINE_MAX sizeof(((struct domain *)0)->console_line.buf)

static spinlock_t lines_lock = SPINLOCK_INIT; /* a domain's vCPUs write on several pCPUs */

static void flush_line(struct domain *d)
{
    char out[LINE_MAX + 16];
    d->console_line.buf[d->console_line.len] = 0;
    /* Xen keeps the hardware domain's output out of the console ring: the first domain's */
    log_write(out, (size_t)snprintf(out, sizeof(out), "(d%u) %s\n", d->id, d->console_line.buf),
              d->parent != DOMID_INVALID);
    d->console_line.len = 0;
}

static void put_char(struct domain *d, char c)
{
    if (c == '\n') {
        flush_line(d);
        return;
    }
    if (c == '\r' || c == 0) return;
    d->console_line.buf[d->console_line.len++] = (c >= 32 && c < 127) || c == '\t' ? c : '?';
    if (d->console_line.len == LINE_MAX - 1) flush_line(d);
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
                put_char(d, chunk[i]);
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
