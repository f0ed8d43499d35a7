/* Small helpers shared by the builder's files. */
#ifndef DB_UTIL_H
#define DB_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT_4K 12
#define PAGE_4K       4096ull
#define PFN_UP(x)     (((x) + PAGE_4K - 1) >> PAGE_SHIFT_4K)

/* snprintf into err (if non-NULL); always returns -1. */
int db_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
