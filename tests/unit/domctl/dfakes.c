/* The fake machine of the domctl unit tests: malloc'ed machine memory, a domain
 * table with simplified domain_create/destroy/pause/unpause (same state rules
 * as domain.c), guest memory as registered host ranges, and recorders for the
 * services domctl.c, pagetype.c and mm_hypercalls.c call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include "dtest.h"
#include "flush.h"
#include "guest_access.h"
#include "sched_policy.h"

struct domain *domain_table[MAX_DOMAINS];
struct domain *builder;
static struct vcpu *cur;
uint32_t sp_last_weight, sp_last_cap;
int n_flush_domain;
bool debug_log;
static uint8_t *machine;

void *mfn_to_virt(mfn_t m)
{
    if (m >= FAKE_FRAMES) {
        fprintf(stderr, "mfn_to_virt(%#lx) out of range\n", m);
        abort();
    }
    return machine + m * PAGE_SIZE;
}
uint64_t *fake_table(mfn_t m) { return mfn_to_virt(m); }

void flush_tlb_local(void) {}
void flush_tlb_one_local(uint64_t va) { (void)va; }
void flush_tlb_domain(struct domain *d) { (void)d; n_flush_domain++; }
void arch_load_guest_cr3(struct vcpu *v) { (void)v; }
uint64_t hv_l4e(unsigned slot) { return 0x8000000000000000UL | ((uint64_t)slot << 12) | 0x63; }
bool check_descriptor(uint64_t *desc) { return *desc != 0xBAD; }
/* Debug registers (debugreg.c needs the hardware): kept as given; DR7 refuses GD. */
int set_debugreg(struct vcpu *v, unsigned reg, uint64_t value)
{
    if (reg == 7 && (value & 0x2000))
        return -EPERM;
    v->arch.debugreg[reg] = value;
    return 0;
}
void ldt_switch(struct vcpu *v, uint64_t base, uint32_t ents) { v->arch.ldt_base = base; v->arch.ldt_ents = ents; }
struct vcpu *current_vcpu(void) { return cur; }
void fake_set_current(struct domain *d) { cur = d->vcpu[0]; }
void fake_machine(uint8_t *mem) { machine = mem; }
struct domain *domain_lookup(domid_t id) { return id < MAX_DOMAINS ? domain_table[id] : NULL; }

int sp_set_params(struct domain *d, uint32_t weight, uint32_t cap)
{
    if (weight < 1 || weight > 65535 || cap > 200)       /* 2 pCPUs */
        return -EINVAL;
    d->sched.weight = sp_last_weight = weight;
    d->sched.cap = sp_last_cap = cap;
    return 0;
}

void printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (getenv("UNIT_VERBOSE"))
        vfprintf(stderr, fmt, ap);
    va_end(ap);
}

_Noreturn void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    abort();
}

/* ---- guest memory ---- */
struct region { uint64_t start, end; bool writable; };
static struct region regions[64];
static unsigned n_regions;

void fake_guest_map(const void *p, size_t len, bool writable)
{
    if (n_regions < 64)
        regions[n_regions++] = (struct region){ (uint64_t)p, (uint64_t)p + len, writable };
}

static bool guest_ok(uint64_t gva, size_t n, bool write)
{
    for (unsigned i = 0; guest_range_ok(gva, n) && i < n_regions; i++)
        if (gva >= regions[i].start && gva + n <= regions[i].end && (!write || regions[i].writable))
            return true;
    return false;
}

int copy_from_guest(void *dst, uint64_t gva, size_t n)
{
    if (!guest_ok(gva, n, false))
        return -EFAULT;
    memcpy(dst, (void *)gva, n);
    return 0;
}

int copy_to_guest(uint64_t gva, const void *src, size_t n)
{
    if (!guest_ok(gva, n, true))
        return -EFAULT;
    memcpy((void *)gva, src, n);
    return 0;
}
