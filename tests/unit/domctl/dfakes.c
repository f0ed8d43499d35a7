/* The domctl unit tests' own fakes: the scheduler's parameter setter (with
 * a recorder) and the current-vCPU switch; the rest is the harness's. */
#include "dtest.h"
#include "sched_policy.h"

uint32_t sp_last_weight, sp_last_cap;
unsigned nr_cpus = 2;
/* createdomain's limits as event_channel.c and grant_table.c would get them */
unsigned last_max_port, last_max_frames, last_max_maptrack;
void evtchn_set_max_port(struct domain *d, unsigned max_port)
{
    (void)d;
    last_max_port = max_port;
}
void gnttab_set_max_frames(struct domain *d, unsigned n, unsigned maptrack_frames)
{
    (void)d;
    last_max_frames = n;
    last_max_maptrack = maptrack_frames;
}

void fake_set_current(struct domain *d) { fake_current = d->vcpu[0]; }
/* Debug registers (debugreg.c needs the hardware): kept as given; DR7 refuses GD. */
int set_debugreg(struct vcpu *v, unsigned reg, uint64_t value)
{
    if (reg == 7 && (value & 0x2000)) return -EPERM;
    v->arch.debugreg[reg] = value;
    return 0;
}

int sp_set_params(struct domain *d, uint32_t weight, uint32_t cap)
{
    if (weight < 1 || weight > 65535 || cap > 200) /* 2 pCPUs */
        return -EINVAL;
    d->sched.weight = sp_last_weight = weight;
    d->sched.cap = sp_last_cap = cap;
    return 0;
}
