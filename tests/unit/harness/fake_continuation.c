/* Host-test stand-ins for hypercall.c's continuation calls: preemption is due
 * once fake_preempt_after checks said no (-1: never), and a continuation is
 * recorded instead of rewriting guest registers (part of the harness's machine). */
#include <stdbool.h>
#include <stdint.h>
#include "fake_continuation.h"

long fake_preempt_after = -1;
long fake_preempt_checks;
struct fake_cont fake_cont;

bool hypercall_preempt_check(void)
{
    fake_preempt_checks++;
    return fake_preempt_after >= 0 && fake_preempt_checks > fake_preempt_after;
}

long hypercall_continue(unsigned op, unsigned n, const uint64_t *args)
{
    fake_cont.made++;
    fake_cont.op = op;
    fake_cont.n = n;
    for (unsigned i = 0; i < n && i < 6; i++)
        fake_cont.args[i] = args[i];
    return op;
}

void fake_preempt(long after)
{
    fake_preempt_after = after;
    fake_preempt_checks = 0;
    fake_cont = (struct fake_cont){ 0 };
}
