/* Switching the pCPU between vCPUs: guest registers, segment bases and selectors,
 * FPU state, debug registers, GDT window and page tables. */
#include "lib.h"
#include "arch.h"
#include "domain.h"
#include "percpu.h"
#include "traps.h"
#include "flush.h"
#include "layout.h"
#include "time.h"
#include "debugreg.h"

extern uint64_t *idle_pg_table;

HOT_PATH void arch_load_guest_cr3(struct vcpu *v)
{
    mfn_t t = v->arch.kernel_mode ? v->arch.guest_table : v->arch.guest_table_user;
    if (t == INVALID_MFN) t = v->arch.guest_table;
    load_cr3(t << PAGE_SHIFT);
}

void load_idle_cr3(void)
{
    load_cr3((uint64_t)idle_pg_table - DIRECTMAP_START);
    load_guest_ldt(NULL);
}

static uint16_t read_sel(int which)
{
    uint16_t s = 0;
    switch (which) {
    case 0:
        __asm__ volatile("mov %%ds, %0" : "=r"(s));
        break;
    case 1:
        __asm__ volatile("mov %%es, %0" : "=r"(s));
        break;
    case 2:
        __asm__ volatile("mov %%fs, %0" : "=r"(s));
        break;
    case 3:
        __asm__ volatile("mov %%gs, %0" : "=r"(s));
        break;
    }
    return s;
}

/* Save the state of the vCPU leaving this pCPU. */
void arch_save_vcpu(struct vcpu *v)
{
    v->arch.regs = *guest_regs();
    v->arch.ds = read_sel(0);
    v->arch.es = read_sel(1);
    v->arch.fs = read_sel(2);
    v->arch.gs = read_sel(3);
    v->arch.fs_base = rdmsr(MSR_FS_BASE);
    uint64_t active_gs = rdmsr(MSR_KERNEL_GS_BASE);
    if (v->arch.kernel_mode)
        v->arch.gs_base_kernel = active_gs;
    else
        v->arch.gs_base_user = active_gs;
    clts();
    fxsave(v->arch.fpu_area);
    debugreg_switch_out(v);
}

/* Load a data selector; a selector the CPU refuses becomes null (returns false). */
#define LOAD_SEG(seg, sel, ok)                                                                               \
    __asm__ volatile("1: movl %k1, %%" seg "\n2:\n"                                                          \
                     ".pushsection .text.fixup, \"ax\"\n"                                                    \
                     "3: xorl %k0, %k0\n movl %k0, %%" seg "\n jmp 2b\n"                                     \
                     ".popsection\n"                                                                         \
                     ".pushsection __ex_table, \"a\"\n .quad 1b, 3b\n .popsection"                           \
                     : "+r"(ok)                                                                              \
                     : "r"((uint32_t)(sel)))

/* Load v onto this pCPU: its frame becomes the one return_to_guest restores. */
void arch_load_vcpu(struct vcpu *v)
{
    debugreg_switch_in(v); /* first: nothing of the last vCPU fires below */
    load_guest_gdt(v);
    load_guest_ldt(v);
    arch_load_guest_cr3(v);
    /* Selectors first: loading %fs/%gs clobbers the bases, which are restored after.
     * An LDT selector may fault on its LDT page (traps.c maps it) with our GS base. */
    uint64_t percpu = (uint64_t)this_cpu();
    uint32_t ok = 1;
    LOAD_SEG("ds", v->arch.ds, ok);
    LOAD_SEG("es", v->arch.es, ok);
    LOAD_SEG("fs", v->arch.fs, ok);
    LOAD_SEG("gs", v->arch.gs, ok);
    wrmsr(MSR_GS_BASE, percpu);
    if (!ok) printk("tessera: d%u: bad saved selector replaced by null\n", v->domain->id);
    wrmsr(MSR_FS_BASE, v->arch.fs_base);
    wrmsr(MSR_KERNEL_GS_BASE, v->arch.kernel_mode ? v->arch.gs_base_kernel : v->arch.gs_base_user);
    clts();
    fxrstor(v->arch.fpu_area);
    if (v->arch.fpu_ts) write_cr0(read_cr0() | CR0_TS);
    update_vcpu_time(v);
    *guest_regs() = v->arch.regs;
}
