/* Checks of the blkback host tests: "ok - what" / "FAIL - what (file:line)",
 * and the summary line tests/run.sh reads. */
#ifndef BB_T_H
#define BB_T_H
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

void test_virtio(void);
void test_vbd(void);
void test_blkback(void);
void test_xenbus(void);

#endif
