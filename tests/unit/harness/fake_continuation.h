/* Control of the fake continuation calls (fake_continuation.c). */
#ifndef FAKE_CONTINUATION_H
#define FAKE_CONTINUATION_H
#include <stdint.h>
struct fake_cont {
    unsigned made, op, n;
    uint64_t args[6];
};
extern struct fake_cont fake_cont;
extern long fake_preempt_checks;
/* Preemption is due after `after` more checks said no (-1: never); clears fake_cont. */
void fake_preempt(long after);
#endif
