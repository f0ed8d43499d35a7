/* Helpers shared by the builder's files (see util.h). */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>

int db_errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || !errlen) return -1;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}
