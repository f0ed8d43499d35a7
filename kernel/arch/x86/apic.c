/* The local APIC: enable, one-shot timer programmed from absolute system time,
 * IPIs, EOI.  The timer is calibrated against the (already calibrated) TSC. */
#include "lib.h"
#include "arch.h"
#include "apic.h"
#include "time.h"
#include "percpu.h"

void *map_phys(paddr_t pa, size_t len, bool uncached);
extern paddr_t lapic_phys;

#define APIC_ID       0x020
#define APIC_TPR      0x080
#define APIC_EOI      0x0b0
#define APIC_SVR      0x0f0
#define APIC_IRR      0x200
#define APIC_ICR_LO   0x300
#define APIC_ICR_HI   0x310
#define APIC_LVT_TMR  0x320
#define APIC_TMR_INIT 0x380
#define APIC_TMR_CUR  0x390
#define APIC_TMR_DIV  0x3e0

static volatile uint32_t *lapic;
static uint64_t ticks_per_ms;

static uint32_t rd(unsigned reg) { return lapic[reg / 4]; }
static void wr(unsigned reg, uint32_t v) { lapic[reg / 4] = v; }

static void calibrate(void)
{
    wr(APIC_TMR_DIV, 0x3);      /* divide by 16 */
    wr(APIC_LVT_TMR, 1u << 16); /* masked */
    wr(APIC_TMR_INIT, 0xffffffff);
    uint64_t t0 = now_ns();
    while (now_ns() - t0 < 10 * 1000 * 1000)
        pause();
    ticks_per_ms = (0xffffffffu - rd(APIC_TMR_CUR)) / 10;
    wr(APIC_TMR_INIT, 0);
    if (!ticks_per_ms) ticks_per_ms = 1;
    printk("tessera: LAPIC timer %lu ticks/ms\n", ticks_per_ms);
}

void lapic_init(void)
{
    if (!lapic) lapic = map_phys(lapic_phys, 4096, true);
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11)); /* global enable */
    wr(APIC_TPR, 0);
    wr(APIC_SVR, 0x100 | VEC_SPURIOUS);
    if (!ticks_per_ms) calibrate();
    wr(APIC_TMR_DIV, 0x3);
    wr(APIC_LVT_TMR, VEC_TIMER); /* one-shot */
}

uint32_t lapic_id(void);
uint32_t lapic_id(void)
{
    if (!lapic) lapic = map_phys(lapic_phys, 4096, true);
    return rd(APIC_ID) >> 24;
}

void lapic_eoi(void) { wr(APIC_EOI, 0); }

/* Is an interrupt waiting?  The hypervisor runs with IF clear, so long
 * hypercalls ask this to know when to stop and continue later. */
bool lapic_irq_pending(void)
{
    for (unsigned reg = APIC_IRR + 0x10; reg < APIC_IRR + 0x80; reg += 0x10)
        if (rd(reg)) return true;
    return false;
}

void lapic_set_deadline(uint64_t deadline_ns)
{
    if (!deadline_ns) {
        wr(APIC_TMR_INIT, 0);
        return;
    }
    uint64_t now = now_ns();
    uint64_t delta = deadline_ns > now ? deadline_ns - now : 0;
    uint64_t ticks = delta / 1000 * ticks_per_ms / 1000;
    if (ticks < 1) ticks = 1;
    if (ticks > 0xffffffffu) ticks = 0xffffffffu;
    wr(APIC_TMR_INIT, (uint32_t)ticks);
}

void send_ipi(unsigned cpu, unsigned vec)
{
    while (rd(APIC_ICR_LO) & (1u << 12))
        pause();
    wr(APIC_ICR_HI, cpu_apic_id[cpu] << 24);
    wr(APIC_ICR_LO, vec);
}

/* INIT / STARTUP IPIs for bringing up an application processor. */
void send_init_sipi(uint32_t apic_id, uint32_t page);
void send_init_sipi(uint32_t apic_id, uint32_t page)
{
    wr(APIC_ICR_HI, apic_id << 24);
    wr(APIC_ICR_LO, 0x4500); /* INIT, assert */
    uint64_t t = now_ns();
    while (now_ns() - t < 10 * 1000 * 1000)
        pause();
    for (int i = 0; i < 2; i++) {
        wr(APIC_ICR_HI, apic_id << 24);
        wr(APIC_ICR_LO, 0x4600 | page); /* STARTUP at page << 12 */
        t = now_ns();
        while (now_ns() - t < 200 * 1000)
            pause();
    }
}
