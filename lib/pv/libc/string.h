/* <string.h> for C code built into a tiny PV kernel (lib/pv/libc: see errno.h):
 * the string functions are lib/freestanding's. */
#ifndef PV_LIBC_STRING_H
#define PV_LIBC_STRING_H
#include "freestanding.h"
#endif
