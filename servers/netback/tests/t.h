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
void test_keep(void);
/* A VFR port (a vif with anti-spoofing when mac is given, else the NIC),
 * with one IPv4 address or prefix when ip is given: its index. */
struct vfr;
int t_vfr_port(struct vfr *v, const char *name, const unsigned char *mac, const char *ip);

#endif
