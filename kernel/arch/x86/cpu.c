/* Per-pCPU processor setup: GDT page with Xen's selectors, TSS, IDT, the syscall
 * MSRs and control registers. */
#include "types.h"
#include "lib.h"
#include "arch.h"
#include "layout.h"
#include "percpu.h"
#include "domain.h"
#include "mm.h"
#include "apic.h"
#include "bootinfo.h"
#include "guest_access.h"

#define STACK_SIZE (16 * 1024)

struct percpu cpus[NR_CPUS];
static uint8_t stacks[NR_CPUS][STACK_SIZE] __attribute__((aligned(4096)));
static uint8_t ist_stacks[NR_CPUS][3][4096] __attribute__((aligned(4096)));
static uint8_t db_stacks[NR_CPUS][8192] __attribute__((aligned(4096))); /* IST 4: #DB */

uint64_t cpu_stack_top(unsigned id) { return (uint64_t)&stacks[id][STACK_SIZE]; }
static uint64_t idt[256 * 2] __attribute__((aligned(16)));
static mfn_t zero_mfn = INVALID_MFN;

extern const uint64_t entry_stubs[256];
extern char syscall_entry[], syscall32_entry[], debug_entry[];

static void set_gate(unsigned vec, uint64_t handler, unsigned dpl, unsigned ist)
{
    idt[vec * 2] = (handler & 0xffff) | ((uint64_t)HV_CS << 16) | ((uint64_t)ist << 32) |
                   ((uint64_t)(0x8e | (dpl << 5)) << 40) | ((handler >> 16 & 0xffff) << 48);
    idt[vec * 2 + 1] = handler >> 32;
}

static void idt_init(void)
{
    for (unsigned v = 0; v < 256; v++) {
        unsigned dpl = (v == 3 || v == 4 || v == 0x80) ? 3 : 0;
        unsigned ist = v == 2 ? 2 : v == 8 ? 1 : v == 18 ? 3 : 0;
        set_gate(v, entry_stubs[v], dpl, ist);
    }
    set_gate(1, (uint64_t)debug_entry, 0, 4);
}

static void gdt_init(struct percpu *p)
{
    uint64_t *g = p->gdt_page;   /* index i here = GDT entry 7168 + i */
    g[1] = 0x00af9b000000ffffUL; /* 0xe008 ring-0 64-bit code */
    g[2] = 0x00cf93000000ffffUL; /* 0xe010 ring-0 data */
    g[4] = 0x00cffb000000ffffUL; /* 0xe023 ring-3 32-bit code */
    g[5] = 0x00cff3000000ffffUL; /* 0xe02b ring-3 data */
    g[6] = 0x00affb000000ffffUL; /* 0xe033 ring-3 64-bit code */
    uint64_t tss = (uint64_t)p->tss;
    g[8] = (sizeof(p->tss) - 1) | ((tss & 0xffffff) << 16) | (0x89UL << 40) | ((tss >> 24 & 0xff) << 56);
    g[9] = tss >> 32;
}

/* Map the vCPU's GDT frames (or a zero page) into this pCPU's window. */
void load_guest_gdt(struct vcpu *v)
{
    unsigned cpu = this_cpu()->cpu_id;
    unsigned frames = v ? (v->arch.gdt_ents + 511) / 512 : 0;
    for (unsigned i = 0; i < MAX_GDT_FRAMES; i++)
        gdt_window_set(cpu, i, i < frames ? v->arch.gdt_frames[i] : zero_mfn);
}

/* Map the LDT pages v has mapped so far into this pCPU's window and load LDTR
 * (Xen's load_LDT): a null LDT for no vCPU or an empty LDT. */
void load_guest_ldt(struct vcpu *v)
{
    struct percpu *p = this_cpu();
    unsigned ents = v ? v->arch.ldt_ents : 0;
    for (unsigned i = 0; i < LDT_PAGES; i++)
        gdt_window_set(p->cpu_id, LDT_WINDOW_PAGE + i,
                       ents && (v->arch.ldt_mapped & (1u << i)) ? v->arch.ldt_frames[i] : INVALID_MFN);
    if (!ents) {
        __asm__ volatile("lldt %w0" ::"r"(0));
        return;
    }
    uint64_t base = LDT_WINDOW(p->cpu_id), limit = ents * 8 - 1;
    p->gdt_page[10] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x82UL << 40) | ((limit >> 16) << 48) |
                      ((base >> 24 & 0xff) << 56); /* P, type LDT */
    p->gdt_page[11] = base >> 32;
    __asm__ volatile("lldt %w0" ::"r"(HV_LDT));
}

static mfn_t virt_to_mfn_image(const void *p) { return ((uint64_t)p - HV_IMAGE_VIRT) >> PAGE_SHIFT; }

void cpu_init(unsigned id)
{
    struct percpu *p = &cpus[id];
    p->self = p;
    p->cpu_id = id;
    p->stack_top = (uint64_t)&stacks[id][STACK_SIZE];
    wrmsr(MSR_GS_BASE, (uint64_t)p);
    wrmsr(MSR_KERNEL_GS_BASE, 0);

    if (zero_mfn == INVALID_MFN) zero_mfn = frame_alloc();
    gdt_init(p);
    gdt_window_set(id, 14, virt_to_mfn_image(p->gdt_page));
    gdt_window_set(id, 15, zero_mfn);
    load_guest_gdt(NULL);

    /* TSS: RSP0 and the IST stacks (#DF, NMI, #MC, #DB); no I/O bitmap. */
    uint8_t *tss = (uint8_t *)p->tss;
    *(uint64_t *)(tss + 4) = p->stack_top;
    for (int i = 0; i < 3; i++)
        *(uint64_t *)(tss + 36 + 8 * i) = (uint64_t)&ist_stacks[id][i][4096];
    *(uint64_t *)(tss + 36 + 8 * 3) = (uint64_t)&db_stacks[id][8192];
    *(uint16_t *)(tss + 102) = sizeof(p->tss);

    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) gdtr = { GDT_WINDOW_SIZE - 1, GDT_WINDOW(id) },
                              idtr = { sizeof(idt) - 1, (uint64_t)idt };
    if (id == 0) idt_init();
    __asm__ volatile("lgdt %0; lidt %1" ::"m"(gdtr), "m"(idtr));
    __asm__ volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:" ::"i"(HV_CS)
                     : "rax", "memory");
    __asm__ volatile("mov %0, %%ss; mov %1, %%ds; mov %1, %%es" ::"r"(HV_DS), "r"(0));
    __asm__ volatile("ltr %w0" ::"r"(HV_TSS));
    load_guest_ldt(NULL); /* LDTR's reset value would name guest memory */

    /* syscall: ring-0 CS 0xe008/SS 0xe010; sysret CS 0xe033/SS 0xe02b (STAR[63:48] = 0xe023). */
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
    wrmsr(MSR_STAR, ((uint64_t)FLAT_USER_CS32 << 48) | ((uint64_t)HV_CS << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_CSTAR, (uint64_t)syscall32_entry);
    wrmsr(MSR_SFMASK, X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_AC | X86_EFLAGS_NT);

    uint32_t a, b, c, d;
    cpuid_count(7, 0, &a, &b, &c, &d);
    uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
    cr4 &= ~(CR4_TSD | CR4_SMAP | CR4_PGE);
    if (b & (1u << 7)) cr4 |= CR4_SMEP; /* the core never executes guest memory */
    /* SMAP: the core reads or writes guest memory only inside the copy helpers
     * (guest_access.c); "nosmap" leaves it off. */
    bool smap = (b & (1u << 20)) && !cmdline_has("nosmap");
    if (id == 0)
        printk("tessera: SMAP %s\n", smap                ? "on"
                                     : !(b & (1u << 20)) ? "off (not offered by the CPU)"
                                                         : "off (nosmap)");
    if (smap) {
        cr4 |= CR4_SMAP;
        smap_active = true;
    }
    write_cr4(cr4);
    write_cr0((read_cr0() | CR0_WP | CR0_MP | CR0_NE) & ~(CR0_EM | CR0_TS));
}
