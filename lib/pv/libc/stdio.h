/* <stdio.h> of lib/pv/libc (see errno.h): the PV base's printf and
 * lib/freestanding's snprintf; no streams. */
#ifndef PV_LIBC_STDIO_H
#define PV_LIBC_STDIO_H
#include "pv.h"
#endif
