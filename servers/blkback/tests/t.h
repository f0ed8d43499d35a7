/* The blkback host tests: the harness's checks named by a format
 * (tests/unit/harness/check.h), and the test groups main runs. */
#ifndef BB_T_H
#define BB_T_H
#include <stdio.h>

#define UNIT_CHECK_FORMAT_NAMES
#include "check.h"

void test_virtio(void);
void test_vbd(void);
void test_blkback(void);
void test_xenbus(void);

#endif
