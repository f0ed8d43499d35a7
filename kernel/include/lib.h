/* Freestanding string/memory helpers (lib/freestanding, built with the core's flags)
 * and the log (printk). */
#ifndef TESSERA_LIB_H
#define TESSERA_LIB_H

#include "types.h"
#include "freestanding.h"

void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Debug log, enabled with "debug" on the hypervisor command line. */
extern bool debug_log;
#define dprintk(...)                                                                                         \
    do {                                                                                                     \
        if (debug_log) printk(__VA_ARGS__);                                                                  \
    } while (0)
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define ASSERT(c)                                                                                            \
    do {                                                                                                     \
        if (unlikely(!(c))) panic("assertion failed: %s at %s:%d", #c, __FILE__, __LINE__);                  \
    } while (0)

#endif
