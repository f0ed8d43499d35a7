/* Minimal test harness for the domain-builder unit tests: CHECK prints
 * "ok - what" or "FAIL - what (file:line)"; main prints the summary line. */
#ifndef DB_UNIT_H
#define DB_UNIT_H

#include <stdio.h>
#include <string.h>

extern int unit_pass, unit_fail;

#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        if (cond) {                                                                                          \
            unit_pass++;                                                                                     \
        } else {                                                                                             \
            unit_fail++;                                                                                     \
            printf("FAIL - ");                                                                               \
            printf(__VA_ARGS__);                                                                             \
            printf(" (%s:%d)\n", __FILE__, __LINE__);                                                        \
        }                                                                                                    \
    } while (0)

#define CHECK_STR(got, want, what)                                                                           \
    do {                                                                                                     \
        const char *g_ = (got), *w_ = (want);                                                                \
        CHECK(!strcmp(g_, w_), "%s: got \"%s\", want \"%s\"", what, g_, w_);                                 \
    } while (0)

void test_cfg(void);
void test_vbd(void);
void test_vif(void);
void test_layout(void);
void test_build(void);
void test_xlcmd(void);
void test_policy(void);
void test_console(void);
void test_bootcfg(void);
void test_xl(void);
void test_save(void);

#endif
