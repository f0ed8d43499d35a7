/* The domain-builder unit tests on the harness's checks named by a format
 * (passes unprinted: main reports per group), and the groups main runs. */
#ifndef DB_UNIT_H
#define DB_UNIT_H

#include <stdio.h>
#include <string.h>

#define UNIT_CHECK_FORMAT_NAMES
#include "check.h" /* tests/unit/harness: CHECK(cond, fmt, ...) */

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
void test_upgrade(void);
void test_statepg(void);
void test_imgcache(void);

#endif
