/* The one arch header of tiny inline-asm accessors (ports, MSRs, control registers,
 * TLB, CPUID).  Everything else in the core reaches the CPU through these. */
#ifndef TESSERA_ARCH_H
#define TESSERA_ARCH_H

#include <stdint.h>

#include "portio.h" /* lib/freestanding: inb/outb and friends */

/* A 64-bit address with bits 63..47 all equal (48-bit virtual addresses). */
static inline int is_canonical(uint64_t a) { return (uint64_t)((int64_t)(a << 16) >> 16) == a; }

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
                               uint32_t *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

#define DEFINE_CR(n)                                                                                         \
    static inline uint64_t read_cr##n(void)                                                                  \
    {                                                                                                        \
        uint64_t v;                                                                                          \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                                                    \
        return v;                                                                                            \
    }                                                                                                        \
    static inline void write_cr##n(uint64_t v) { __asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void invlpg(uint64_t va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void halt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }
static inline void pause(void) { __asm__ volatile("pause"); }
static inline void fxsave(void *p) { __asm__ volatile("fxsave64 (%0)" ::"r"(p) : "memory"); }
static inline void fxrstor(const void *p) { __asm__ volatile("fxrstor64 (%0)" ::"r"(p) : "memory"); }
static inline void clts(void) { __asm__ volatile("clts"); }
static inline void swapgs(void) { __asm__ volatile("swapgs" ::: "memory"); }

#define MSR_EFER           0xC0000080
#define MSR_STAR           0xC0000081
#define MSR_LSTAR          0xC0000082
#define MSR_CSTAR          0xC0000083
#define MSR_SFMASK         0xC0000084
#define MSR_FS_BASE        0xC0000100
#define MSR_GS_BASE        0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define MSR_TSC_AUX        0xC0000103
#define MSR_PAT            0x00000277
#define MSR_UCODE_REV      0x0000008B
#define MSR_APIC_BASE      0x0000001B
#define MSR_MISC_ENABLE    0x000001A0

#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_NXE (1u << 11)

#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)

#define CR4_TSD        (1u << 2)
#define CR4_DE         (1u << 3)
#define CR4_PSE        (1u << 4)
#define CR4_PAE        (1u << 5)
#define CR4_PGE        (1u << 7)
#define CR4_OSFXSR     (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_FSGSBASE   (1u << 16)
#define CR4_OSXSAVE    (1u << 18)
#define CR4_SMEP       (1u << 20)
#define CR4_SMAP       (1u << 21)

#endif
