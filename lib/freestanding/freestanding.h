/* The freestanding C pieces the ring-0 core and every tiny PV kernel of the project
 * (the PV base lib/pv with the conformance guests' runtime and the service runtime)
 * need: string/memory functions and a small vsnprintf.  No libc; each user compiles
 * these files with its own flags. */
#ifndef TESSERA_FREESTANDING_H
#define TESSERA_FREESTANDING_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strstr(const char *h, const char *n);
/* base 0: 0x-prefixed hex or decimal; *end (if end) is the first byte not parsed. */
unsigned long strtoul(const char *s, const char **end, int base);
/* %d %i %u %x %X %p %s %c %% with l/ll/z length, flags - and 0, width, precision
 * (.N and .* for %s). */
int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
