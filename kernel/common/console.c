/* The hypervisor's log: printk (serialised, so lines of different pCPUs do not
 * mix), dprintk's switch, and panic, written to the arch's console device. */
#include "lib.h"
#include "arch.h"
#include "console.h"
#include "spinlock.h"

static spinlock_t log_lock = SPINLOCK_INIT;
bool debug_log;

void log_write(const char *s, size_t n, bool ring)
{
    spin_lock(&log_lock);
    console_write(s, n);
    if (ring) conring_put(s, n);
    spin_unlock(&log_lock);
}

void printk(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    log_write(buf, n > (int)sizeof(buf) - 1 ? sizeof(buf) - 1 : (size_t)n, true);
}

_Noreturn void panic(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_write("tessera: PANIC: ", 16);
    console_write(buf, strlen(buf));
    console_write("\n", 1);
    for (;;) {
        cli();
        halt();
    }
}
