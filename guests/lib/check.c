/* The check framework: one line per check, a summary at the end. */
#include "lib.h"

unsigned checks_passed, checks_failed;

void check_result(const char *name, bool ok, const char *fmt, ...)
{
    if (ok) {
        checks_passed++;
        printf("ok - %s\n", name);
        return;
    }
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    checks_failed++;
    printf("FAIL - %s (%s)\n", name, buf);
}

void section(const char *title) { printf("# %s\n", title); }

bool xen_dom0_oracle;

void skip_check(const char *what)
{
    printf("# skipped (domU-only expectation, running as Xen dom0): %.120s\n", what);
}
