/* Time: the TSC calibrated against PIT channel 2, the scale (mul/shift) that
 * turns TSC deltas into nanoseconds exactly as pvclock guests compute them, the
 * boot wallclock from the CMOS RTC, and the per-vCPU vcpu_time_info. */
#include "lib.h"
#include "arch.h"
#include "time.h"
#include "domain.h"

static uint64_t boot_tsc, tsc_hz;
static uint32_t scale_mul;
static int8_t scale_shift;
static uint64_t boot_wall_sec;
static uint32_t boot_wall_nsec;

static uint32_t pit_latch(void) /* PIT channel 2's count, latched */
{
    outb(0x43, 0x80);
    uint32_t c = inb(0x42);
    return c | (uint32_t)inb(0x42) << 8;
}

/* TSC ticks per second: the least of six measurements over ~25 ms between two
 * latched counts, the first TSC read before its latch and the last after its
 * own.  A stall of the vCPU (a loaded host under an emulator: hundreds of ms
 * were seen) can then only make a measurement too high, even when the 16-bit
 * count wrapped unseen; polling for the end of one count, as before, gave 3 to
 * 7 times the TSC's rate. */
static uint64_t calibrate_tsc(void)
{
    const uint64_t pit_hz = 1193182;
    uint64_t hz = ~0ULL, t0, t1;
    outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
    for (int i = 0; i < 6; i++) {
        outb(0x43, 0xb0); /* ch2, lo/hi, mode 0: counts down from 0xffff */
        outb(0x42, 0xff);
        outb(0x42, 0xff);
        pit_latch(); /* thrown away: the count loads on the next PIT clock */
        t0 = rdtsc();
        uint32_t c0 = pit_latch(), c1;
        do {
            c1 = pit_latch();
            t1 = rdtsc();
        } while (c1 <= c0 && c0 - c1 < 30000);
        if (c1 < c0 && (t1 - t0) * pit_hz / (c0 - c1) < hz) hz = (t1 - t0) * pit_hz / (c0 - c1);
    }
    return hz;
}

/* Choose shift and 32-bit mul with ns = ((delta << shift) * mul) >> 32. */
static void set_scale(uint64_t hz)
{
    int shift = 0;
    uint64_t tps = hz;
    while (tps > 2000000000UL) {
        tps >>= 1;
        shift--;
    }
    while (tps <= 1000000000UL) {
        tps <<= 1;
        shift++;
    }
    scale_mul = (uint32_t)((1000000000UL << 32) / tps);
    scale_shift = (int8_t)shift;
}

static uint64_t scale_delta(uint64_t delta)
{
    delta = scale_shift < 0 ? delta >> -scale_shift : delta << scale_shift;
    return (uint64_t)(((unsigned __int128)delta * scale_mul) >> 32);
}

static unsigned bcd(unsigned v) { return (v & 15) + (v >> 4) * 10; }
static unsigned cmos(unsigned reg)
{
    outb(0x70, (uint8_t)reg);
    return inb(0x71);
}

static uint64_t rtc_seconds(void)
{
    while (cmos(0x0a) & 0x80)
        pause();
    unsigned s = cmos(0), mi = cmos(2), h = cmos(4), d = cmos(7), mo = cmos(8), y = cmos(9);
    if (!(cmos(0x0b) & 4)) {
        s = bcd(s);
        mi = bcd(mi);
        h = bcd(h & 0x7f);
        d = bcd(d);
        mo = bcd(mo);
        y = bcd(y);
    }
    y += 2000;
    /* days since 1970-01-01 (civil-from-days inverse) */
    int64_t yy = y - (mo <= 2), era = yy / 400;
    int64_t yoe = yy - era * 400, mp = (mo + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d - 1, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return (uint64_t)days * 86400 + h * 3600 + mi * 60 + s;
}

void time_init(void)
{
    tsc_hz = calibrate_tsc();
    boot_tsc = rdtsc();
    set_scale(tsc_hz);
    /* The RTC counts whole seconds: wait for the next tick so the wallclock is
     * exact to the TSC, then refer it back to system time 0. */
    uint64_t first = rtc_seconds(), sec, edge_ns;
    uint64_t give_up = rdtsc() + 2 * tsc_hz;
    do {
        sec = rtc_seconds();
        edge_ns = now_ns();
    } while (sec == first && rdtsc() < give_up);
    uint64_t wall_ns = sec * 1000000000ULL - edge_ns;
    boot_wall_sec = wall_ns / 1000000000ULL;
    boot_wall_nsec = (uint32_t)(wall_ns % 1000000000ULL);
    printk("tessera: TSC %lu kHz, wallclock %lu\n", tsc_hz / 1000, boot_wall_sec);
}

uint64_t tsc_khz(void) { return tsc_hz / 1000; }
uint64_t now_ns(void) { return scale_delta(rdtsc() - boot_tsc); }

void update_vcpu_time(struct vcpu *v)
{
    struct vcpu_time_info *t = &v->vcpu_info->time;
    uint64_t tsc = rdtsc();
    t->version++;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t->tsc_timestamp = tsc;
    t->system_time = scale_delta(tsc - boot_tsc);
    t->tsc_to_system_mul = scale_mul;
    t->tsc_shift = scale_shift;
    t->flags = 1; /* XEN_PVCLOCK_TSC_STABLE_BIT: one time base */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t->version++;
}

void update_wallclock(struct domain *d)
{
    struct shared_info *s = d->shared_info;
    s->wc_version++;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    s->wc_sec = (uint32_t)boot_wall_sec;
    s->wc_sec_hi = (uint32_t)(boot_wall_sec >> 32);
    s->wc_nsec = boot_wall_nsec;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    s->wc_version++;
}
