/* The netback host tests: the harness's checks named by a format
 * (tests/unit/harness/check.h), and the test groups main runs. */
#ifndef NB_T_H
#define NB_T_H
#include <stdio.h>

#define UNIT_CHECK_FORMAT_NAMES
#include "check.h"

void test_vfr(void);
void test_vfr_store(void);
void test_netif(void);
void test_nb_xb(void);
void test_nic(void);

#endif
