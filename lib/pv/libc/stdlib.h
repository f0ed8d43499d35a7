/* <stdlib.h> of lib/pv/libc (see errno.h): the kernel that uses lib/pv/libc
 * provides malloc, calloc and free (e.g. over its own heap). */
#ifndef PV_LIBC_STDLIB_H
#define PV_LIBC_STDLIB_H
#include <stddef.h>
#include "freestanding.h"
void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void free(void *p);
int atoi(const char *s);
#endif
