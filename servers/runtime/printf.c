/* printk: the runtime's log, formatted by lib/freestanding's vsnprintf. */
#include "rt.h"

int printk(const char *fmt, ...)
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
