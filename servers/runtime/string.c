/* strtoul_: the runtime's decimal parser (the string functions are in lib/freestanding). */
#include "rt.h"

unsigned long strtoul_(const char *s, const char **end)
{
    unsigned long v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (unsigned long)(*s++ - '0');
    if (end)
        *end = s;
    return v;
}
