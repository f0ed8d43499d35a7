/* The unit-test harness's checks: every check prints "ok - name" or "FAIL - name
 * (details at file:line)"; unit_end prints "N passed, M failed" (the line
 * tests/run.sh sums) and returns the exit status.  No kernel headers needed. */
#ifndef UNIT_CHECK_H
#define UNIT_CHECK_H

#include <stdbool.h>

extern int unit_passed, unit_failed;
void unit_checkf(bool ok, const char *name, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void unit_check_eq(long got, long want, const char *name, const char *file, int line);
/* CHECK prints the failed condition; CHECK_EQ both values; CHECK_MSG a formatted detail. */
#define CHECK(cond, name)          unit_checkf(!!(cond), (name), __FILE__, __LINE__, "%s", #cond)
#define CHECK_EQ(got, want, name)  unit_check_eq((long)(got), (long)(want), (name), __FILE__, __LINE__)
#define CHECK_MSG(cond, name, ...) unit_checkf(!!(cond), (name), __FILE__, __LINE__, __VA_ARGS__)

void unit_begin(void); /* stdout line-buffered (interleaves with stderr) */
int unit_end(void);    /* the summary line; 1 if any check failed */

#endif
