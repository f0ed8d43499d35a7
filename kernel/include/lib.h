/* Freestanding string/memory helpers and the log (printk). */
#ifndef TESSERA_LIB_H
#define TESSERA_LIB_H

#include "types.h"
#include <stdarg.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strstr(const char *h, const char *n);
unsigned long strtoul(const char *s, const char **end, int base);

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Debug log, enabled with "debug" on the hypervisor command line. */
extern bool debug_log;
#define dprintk(...) do { if (debug_log) printk(__VA_ARGS__); } while (0)
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define ASSERT(c) do { if (unlikely(!(c))) panic("assertion failed: %s at %s:%d", #c, __FILE__, __LINE__); } while (0)

#endif
