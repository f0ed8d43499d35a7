/* <sys/types.h> of lib/pv/libc (see errno.h). */
#ifndef PV_LIBC_SYS_TYPES_H
#define PV_LIBC_SYS_TYPES_H
#include <stddef.h>
typedef long ssize_t;
#endif
