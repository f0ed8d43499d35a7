/* Local APIC, IPIs and SMP bring-up. */
#ifndef TESSERA_APIC_H
#define TESSERA_APIC_H
#include "types.h"
#include "percpu.h"

#define NR_CPUS       16
#define VEC_TIMER     0xf0
#define VEC_IPI_KICK  0xf1 /* re-check pending events / scheduling */
#define VEC_IPI_FLUSH 0xf2 /* TLB shootdown */
#define VEC_SPURIOUS  0xff

extern unsigned nr_cpus;
extern uint32_t cpu_apic_id[NR_CPUS];

void acpi_find_cpus(void);
void lapic_init(void);
void lapic_eoi(void);
bool lapic_irq_pending(void);
/* One-shot timer interrupt at absolute system time deadline_ns (0 = none). */
void lapic_set_deadline(uint64_t deadline_ns);
void send_ipi(unsigned cpu, unsigned vec);
void smp_boot_aps(void);
/* Inline: every entry and exit asks (a call cost more than the load). */
static inline unsigned smp_processor_id(void) { return this_cpu()->cpu_id; }
#endif
