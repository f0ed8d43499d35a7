/* The hypervisor's log: printk (serialised, so lines of different pCPUs do not
 * mix), dprintk's switch, and panic, written to the arch's console device. */
#include "lib.h"
#include "arch.h"
#include "console.h"
#include "spinlock.h"

static spinlock_t log_lock = SPINLOCK_INIT;
bool debug_log;

void printk(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(buf) - 1) n = sizeof(buf) - 1;
    spin_lock(&log_lock);
    console_write(buf, (size_t)n);
    conring_put(buf, (size_t)n);
    spin_unlock(&log_lock);
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
