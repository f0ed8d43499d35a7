/* Console output through HYPERVISOR_console_io(CONSOLEIO_write) and printf (formatted
 * by lib/freestanding's vsnprintf). */
#include "lib.h"

void console_write(const char *s, size_t n)
{
    while (n) {
        long rc = HYPERVISOR_console_io(CONSOLEIO_write, n, s);
        if (rc < 0)
            return;                     /* nowhere else to report it */
        /* Xen returns 0 for a complete write; treat positive values as a count. */
        if (rc == 0 || (size_t)rc >= n)
            return;
        s += rc;
        n -= rc;
    }
}

int printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    size_t n = (size_t)r < sizeof(buf) ? (size_t)r : sizeof(buf) - 1;
    console_write(buf, n);
    return r;
}
