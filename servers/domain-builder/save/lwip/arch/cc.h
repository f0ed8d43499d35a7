/* lwIP's port header (arch/cc.h) for the domain builder (musl, or the host
 * C library in host builds): the diagnostics hooks and random numbers. */
#ifndef DB_LWIP_ARCH_CC_H
#define DB_LWIP_ARCH_CC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LWIP_PLATFORM_DIAG(x)                                                                                \
    do {                                                                                                     \
        printf x;                                                                                            \
    } while (0)
/* An lwIP assertion is a bug in the builder or in lwIP, not hostile input. */
#define LWIP_PLATFORM_ASSERT(x)                                                                              \
    do {                                                                                                     \
        fprintf(stderr, "domain-builder: lwIP assertion '%s' failed at %s:%d\n", (x), __FILE__, __LINE__);   \
        abort();                                                                                             \
    } while (0)
/* TCP's initial sequence numbers and ports (migrate_net.c), not for keys */
uint32_t db_lwip_rand(void);
#define LWIP_RAND() db_lwip_rand()

#endif
