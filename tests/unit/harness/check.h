/* The unit-test harness's checks: every check prints "ok - name" or "FAIL - name
 * (details at file:line)"; unit_end prints "N passed, M failed" (the line
 * tests/run.sh sums) and returns the exit status.  No kernel headers needed. */
#ifndef UNIT_CHECK_H
#define UNIT_CHECK_H

#include <stdbool.h>
#include <stdint.h>

extern int unit_passed, unit_failed;
/* The random tests' generator (xorshift64): *s is the test's own state, never 0,
 * so a seed repeats a run. */
static inline uint64_t unit_xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}
void unit_checkf(bool ok, const char *name, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void unit_check_eq(long got, long want, const char *name, const char *file, int line);
/* A check named by a printf format ("ok - <name>" / "FAIL - <name> (file:line)");
 * unit_quiet leaves passes unprinted (a program that reports per group). */
void unit_namef(bool ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
extern bool unit_quiet;
#ifdef UNIT_CHECK_FORMAT_NAMES
/* The servers' tests: CHECK(cond, fmt, ...) names the check with a format. */
#define CHECK(cond, ...) unit_namef(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#else
/* CHECK prints the failed condition; CHECK_EQ both values; CHECK_MSG a formatted detail. */
#define CHECK(cond, name)          unit_checkf(!!(cond), (name), __FILE__, __LINE__, "%s", #cond)
#define CHECK_EQ(got, want, name)  unit_check_eq((long)(got), (long)(want), (name), __FILE__, __LINE__)
#define CHECK_MSG(cond, name, ...) unit_checkf(!!(cond), (name), __FILE__, __LINE__, __VA_ARGS__)
#endif

void unit_begin(void); /* stdout line-buffered (interleaves with stderr) */
int unit_end(void);    /* the summary line; 1 if any check failed */

#endif
