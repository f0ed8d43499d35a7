/* The harness's check reporting (see check.h). */
#include <stdio.h>
#include <stdarg.h>
#include "check.h"

int unit_passed, unit_failed;
bool unit_quiet;

void unit_checkf(bool ok, const char *name, const char *file, int line, const char *fmt, ...)
{
    if (ok) {
        unit_passed++;
        printf("ok - %s\n", name);
        return;
    }
    unit_failed++;
    printf("FAIL - %s (", name);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf(" at %s:%d)\n", file, line);
}

void unit_namef(bool ok, const char *file, int line, const char *fmt, ...)
{
    if (ok) {
        unit_passed++;
        if (unit_quiet) return;
    } else {
        unit_failed++;
    }
    va_list ap;
    va_start(ap, fmt);
    printf("%s - ", ok ? "ok" : "FAIL");
    vprintf(fmt, ap);
    va_end(ap);
    if (ok)
        printf("\n");
    else
        printf(" (%s:%d)\n", file, line);
}

void unit_check_eq(long got, long want, const char *name, const char *file, int line)
{
    unit_checkf(got == want, name, file, line, "got %ld (%#lx), want %ld (%#lx)", got, got, want, want);
}

void unit_begin(void) { setvbuf(stdout, NULL, _IOLBF, 0); }

int unit_end(void)
{
    printf("%d passed, %d failed\n", unit_passed, unit_failed);
    return unit_failed ? 1 : 0;
}
