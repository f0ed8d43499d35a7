/* Console output of the PV base: printf formats with lib/freestanding's vsnprintf
 * and hands the text to the kernel's console_write; console_io_write is the
 * CONSOLEIO_write path for kernels whose console is the hypervisor's. */
#include "pv.h"

void console_io_write(const char *s, size_t n)
{
    while (n) {
        long rc = HYPERVISOR_console_io(CONSOLEIO_write, n, s);
        if (rc < 0) return; /* nowhere else to report it */
        /* Xen returns 0 for a complete write; treat positive values as a count. */
        if (rc == 0 || (size_t)rc >= n) return;
        s += rc;
        n -= rc;
    }
}

int vprintf(const char *fmt, va_list ap)
{
    char buf[512];
    int r = vsnprintf(buf, sizeof(buf), fmt, ap);
    size_t n = (size_t)r < sizeof(buf) ? (size_t)r : sizeof(buf) - 1;
    console_write(buf, n);
    return r;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vprintf(fmt, ap);
    va_end(ap);
    return r;
}
