/* Checks of the netback host tests: "ok - what" or "FAIL - what (file:line)"
 * per check, and the summary line tests/run.sh reads. */
#ifndef NB_T_H
#define NB_T_H
#include <stdio.h>

extern int t_pass, t_fail;
#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        if (cond) {                                                                                          \
            t_pass++;                                                                                        \
            printf("ok - ");                                                                                 \
            printf(__VA_ARGS__);                                                                             \
            printf("\n");                                                                                    \
        } else {                                                                                             \
            t_fail++;                                                                                        \
            printf("FAIL - ");                                                                               \
            printf(__VA_ARGS__);                                                                             \
            printf(" (%s:%d)\n", __FILE__, __LINE__);                                                        \
        }                                                                                                    \
    } while (0)

void test_vfr(void);
void test_vfr_store(void);
void test_netif(void);
void test_nb_xb(void);
void test_nic(void);

#endif
