/* Freestanding string and memory functions (gcc may also emit calls to memset and
 * memcpy).  Bulk copies and fills move quadwords: emulators such as QEMU's TCG run
 * the byte string instructions one byte at a time. */
#include <stdint.h>
#include "freestanding.h"

void *memset(void *d, int c, size_t n)
{
    void *p = d;
    uint64_t v = 0x0101010101010101ULL * (unsigned char)c;
    size_t q = n / 8, b = n % 8;
    __asm__ volatile("rep stosq" : "+D"(p), "+c"(q) : "a"(v) : "memory");
    __asm__ volatile("rep stosb" : "+D"(p), "+c"(b) : "a"(v) : "memory");
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    void *p = d;
    size_t q = n / 8, b = n % 8;
    __asm__ volatile("rep movsq" : "+D"(p), "+S"(s), "+c"(q) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(p), "+S"(s), "+c"(b) : : "memory");
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    if (p < q || p >= q + n) return memcpy(d, s, n);
    while (n--)
        p[n] = q[n];
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q) return *p - *q;
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    for (; n; n--, p++)
        if (*p == (unsigned char)c) return (void *)p;
    return NULL;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b) return (unsigned char)*a - (unsigned char)*b;
        if (!*a) return 0;
    }
    return 0;
}

char *strstr(const char *h, const char *n)
{
    size_t l = strlen(n);
    for (; *h; h++)
        if (!strncmp(h, n, l)) return (char *)h;
    return l ? NULL : (char *)h;
}

unsigned long strtoul(const char *s, const char **end, int base)
{
    unsigned long v = 0;
    if (base == 0) {
        base = 10;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
            base = 16;
            s += 2;
        }
    }
    for (;; s++) {
        int dgt;
        if (*s >= '0' && *s <= '9')
            dgt = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            dgt = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            dgt = *s - 'A' + 10;
        else
            break;
        if (dgt >= base) break;
        v = v * (unsigned long)base + (unsigned long)dgt;
    }
    if (end) *end = s;
    return v;
}
