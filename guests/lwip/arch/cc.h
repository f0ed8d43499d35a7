/* lwIP's port header (arch/cc.h) for the lwIP guest: the platform is a tiny PV
 * kernel without libc (lib/pv and lib/pv/libc), so lwIP's own ctype, the
 * printf formats and the diagnostics hooks come from here. */
#ifndef LWIP_ARCH_CC_H
#define LWIP_ARCH_CC_H

#include <stdint.h>
#include <stddef.h>
#include "pv.h"

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_UNISTD_H   1
#define LWIP_NO_CTYPE_H    1
#define LWIP_NO_LIMITS_H   1
#define INT_MAX            __INT_MAX__
#define X8_F               "02x"
#define U16_F              "u"
#define S16_F              "d"
#define X16_F              "x"
#define U32_F              "u"
#define S32_F              "d"
#define X32_F              "x"
#define SZT_F              "zu"
typedef long ssize_t;
#define SSIZE_MAX __LONG_MAX__

#define LWIP_PLATFORM_DIAG(x)                                                                                \
    do {                                                                                                     \
        printf x;                                                                                            \
    } while (0)
/* An lwIP assertion is a bug in the guest or in lwIP, not a hostile input:
 * say where and crash the domain (the toolstack's on_crash decides). */
void lwip_guest_assert(const char *msg, int line, const char *file) __attribute__((noreturn));
#define LWIP_PLATFORM_ASSERT(x) lwip_guest_assert((x), __LINE__, __FILE__)
/* RDRAND-free: lwIP's random numbers (TCP ISNs, DHCP xids, ports) from the
 * guest's generator (main.c). */
uint32_t lwip_guest_rand(void);
#define LWIP_RAND() lwip_guest_rand()

#endif
