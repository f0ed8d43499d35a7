/* The kernel services the harness fakes (see fake.h): log, current vCPU, domain
 * lookup through the kernel's domain_table, TLB-flush and CR3 recorders, the
 * hypervisor's L4 slots and descriptor checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include "fake.h"
#include "flush.h"
#include "pt.h"

bool debug_log;
__thread struct vcpu *fake_current;
struct domain *domain_table[MAX_DOMAINS];
int n_flush_local, n_flush_one, n_flush_domain, n_load_cr3;
uint64_t last_flush_va;
void (*fake_flush_domain_hook)(struct domain *d);

void printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (getenv("UNIT_VERBOSE")) vfprintf(stderr, fmt, ap);
    va_end(ap);
}

_Noreturn void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "PANIC: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

struct vcpu *current_vcpu(void) { return fake_current; }
struct domain *domain_lookup(domid_t id) { return id < MAX_DOMAINS ? domain_table[id] : NULL; }
/* the kernel's sparse table is a flat one here; loops visit every id */
unsigned domid_end = MAX_DOMAINS;
int domain_table_set(domid_t id, struct domain *d)
{
    domain_table[id] = d;
    return 0;
}
void fake_unregister_all(void) { memset(domain_table, 0, sizeof(domain_table)); }

/* One pCPU's flush clock (flush.h): every full flush ticks it. */
uint64_t fake_tlb_clock;
void flush_tlb_local(void)
{
    n_flush_local++;
    fake_tlb_clock++;
}
uint64_t tlb_clock_now(void) { return fake_tlb_clock; }
void flush_tlb_one_local(uint64_t va)
{
    n_flush_one++;
    last_flush_va = va;
}
void arch_load_guest_cr3(struct vcpu *v)
{
    (void)v;
    n_load_cr3++;
    fake_tlb_clock++;
}
uint64_t hv_l4e(unsigned slot) { return HV_L4E(slot); }
bool check_descriptor(uint64_t *desc) { return *desc != BAD_DESCRIPTOR; }
/* The LDT as the arch code would load it: recorded in the vCPU only. */
void ldt_switch(struct vcpu *v, uint64_t base, uint32_t ents)
{
    v->arch.ldt_base = base;
    v->arch.ldt_ents = ents;
}

void flush_tlb_domain(struct domain *d)
{
    n_flush_domain++;
    fake_tlb_clock++;
    if (fake_flush_domain_hook) fake_flush_domain_hook(d);
}
/* Counted as a flush of the domain only when the (one) pCPU was not flushed since. */
void flush_tlb_domain_since(struct domain *d, uint64_t stamp)
{
    if (fake_tlb_clock <= stamp) flush_tlb_domain(d);
}

void fake_kernel_reset(void)
{
    debug_log = getenv("UNIT_VERBOSE") != NULL; /* show the core's dprintk lines */
    n_flush_local = n_flush_one = n_flush_domain = n_load_cr3 = 0;
    fake_tlb_clock = 1; /* a pCPU has flushed before any stamp is taken */
    last_flush_va = 0;
    fake_flush_domain_hook = NULL;
    fake_current = NULL;
    fake_unregister_all();
}
