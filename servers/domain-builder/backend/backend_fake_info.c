/* The fake hypervisor's log and vCPU state (see backend_fake.h): a console
 * ring with XEN_SYSCTL_readconsole's index rules (what tests put there with
 * fake_log), and each vCPU as getvcpuinfo and getvcpuaffinity report it. */
#include "backend/backend_fake.h"

#include <errno.h>
#include <string.h>

void fake_log(struct backend *b, const char *text)
{
    struct fake *f = fake_of(b);
    for (; *text; text++)
        f->log[f->log_p++ % FAKE_LOG] = *text;
    if (f->log_p - f->log_c > FAKE_LOG) f->log_c = f->log_p - FAKE_LOG;
}

int fake_readconsole(struct backend *b, int clear, int incremental, uint32_t *index, char *buf,
                     uint32_t *count)
{
    struct fake *f = fake_of(b);
    uint32_t c = f->log_c, n = 0;
    if (incremental && *index > f->log_c && *index <= f->log_p) c = *index;
    for (; c != f->log_p && n < *count; c++)
        buf[n++] = f->log[c % FAKE_LOG];
    if (clear) f->log_c = c;
    *index = c;
    *count = n;
    return 0;
}

int fake_vcpuinfo(struct backend *b, uint32_t domid, uint32_t vcpu, struct xen_domctl_getvcpuinfo *out)
{
    struct fake_dom *d = domid < FAKE_MAX_DOMS ? &fake_of(b)->dom[domid] : NULL;
    if (!d || !d->exists) return -ESRCH;
    if (vcpu >= d->vcpus) return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->vcpu = vcpu;
    out->online = (uint8_t)(d->ran != 0);
    out->running = (uint8_t)(d->ran && !d->paused && !d->shutdown);
    out->cpu = vcpu % 2;
    out->cpu_time = vcpu ? 0 : (d->ran ? 1000000ull * domid : 0); /* as fake_getinfo's total */
    return 0;
}

int fake_vcpu_affinity(struct backend *b, uint32_t domid, uint32_t vcpu, uint8_t *hard, uint8_t *soft,
                       uint32_t nbits)
{
    struct fake_dom *d = domid < FAKE_MAX_DOMS ? &fake_of(b)->dom[domid] : NULL;
    if (!d || !d->exists) return -ESRCH;
    if (vcpu >= d->vcpus) return -EINVAL;
    memset(hard, 0, (nbits + 7) / 8);
    memset(soft, 0, (nbits + 7) / 8);
    for (uint32_t i = 0; i < nbits && i < 2; i++) { /* the fake's two CPUs */
        if (!(d->pin_mask && i != d->pin_cpu)) hard[i / 8] |= (uint8_t)(1u << (i % 8));
        soft[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    return 0;
}
