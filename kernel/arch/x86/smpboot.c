/* Starting the application processors: one at a time, through the real-mode
 * trampoline, each onto its own stack, into ap_start(). */
#include "lib.h"
#include "arch.h"
#include "apic.h"
#include "percpu.h"
#include "layout.h"
#include "time.h"
#include "sched.h"
#include "bootinfo.h"

#define TRAMPOLINE_PHYS 0x8000

extern const char trampoline_start[], trampoline_end[];
extern uint64_t t_cr3, t_stack, t_entry, t_cpu;
extern uint64_t *idle_pg_table;
uint64_t cpu_stack_top(unsigned id);
uint32_t lapic_id(void);
void send_init_sipi(uint32_t apic_id, uint32_t page);

static volatile unsigned cpus_online = 1;

static uint64_t boot_pml4_phys(void)
{
    uint64_t p;
    __asm__("movabs $boot_pml4, %0" : "=r"(p));
    return p;
}

_Noreturn void ap_start(unsigned id);
_Noreturn void ap_start(unsigned id)
{
    write_cr3((uint64_t)idle_pg_table - DIRECTMAP_START);
    cpu_init(id);
    lapic_init();
    __atomic_add_fetch(&cpus_online, 1, __ATOMIC_SEQ_CST);
    sched_start();
}

static void set_field(const uint64_t *field, uint64_t v)
{
    uint64_t off = (uint64_t)field - (uint64_t)trampoline_start;
    *(uint64_t *)(DIRECTMAP_START + TRAMPOLINE_PHYS + off) = v;
}

void smp_boot_aps(void)
{
    /* cpu 0 must be the boot CPU */
    uint32_t me = lapic_id();
    for (unsigned i = 1; i < nr_cpus; i++)
        if (cpu_apic_id[i] == me) {
            cpu_apic_id[i] = cpu_apic_id[0];
            cpu_apic_id[0] = me;
        }
    if (nr_cpus > 1 && cmdline_has("nosmp")) nr_cpus = 1;
    memcpy((void *)(DIRECTMAP_START + TRAMPOLINE_PHYS), trampoline_start,
           (size_t)(trampoline_end - trampoline_start));
    for (unsigned i = 1; i < nr_cpus; i++) {
        unsigned before = cpus_online;
        set_field(&t_cr3, boot_pml4_phys());
        set_field(&t_stack, cpu_stack_top(i) - 1024); /* below where guest frames go */
        set_field(&t_entry, (uint64_t)ap_start);
        set_field(&t_cpu, i);
        send_init_sipi(cpu_apic_id[i], TRAMPOLINE_PHYS >> 12);
        uint64_t t = now_ns();
        while (cpus_online == before && now_ns() - t < 1000 * 1000 * 1000ULL)
            pause();
        if (cpus_online == before) {
            printk("tessera: CPU %u (APIC %u) did not start\n", i, cpu_apic_id[i]);
            nr_cpus = i;
            break;
        }
    }
    printk("tessera: %u CPUs online\n", cpus_online);
}
