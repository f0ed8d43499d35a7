/* conform-vcpu: bringing up a second vCPU as an SMP PV kernel does (booted with
 * dom0_max_vcpus=2). VCPUOP_initialise takes and validates the new vCPU's L4 type
 * reference itself (no pin needed, as in Xen's arch_set_info_guest), refuses an L4
 * that cannot be typed or is not ours and leaves the vCPU uninitialised then,
 * answers -EEXIST once initialised; VCPUOP_up runs the vCPU, which takes itself
 * down again. Reference: Xen 4.17 common/domain.c (default_initialise_vcpu,
 * common_vcpu_op), arch/x86/domain.c arch_set_info_guest. */
#include "lib.h"

static volatile uint64_t vcpu1_runs;
static uint64_t vcpu1_stack[512] __attribute__((aligned(16)));

/* vCPU 1: count a run, then VCPUOP_down itself (again whenever brought up). */
extern char vcpu1_entry[];
asm(".text\n"
    "vcpu1_entry:\n\t"
    "lock incq vcpu1_runs(%rip)\n\t"
    "mov $24, %eax\n\t" /* __HYPERVISOR_vcpu_op */
    "mov $2, %edi\n\t"  /* VCPUOP_down */
    "mov $1, %esi\n\t"
    "xor %edx, %edx\n\t"
    "syscall\n\t"
    "jmp vcpu1_entry\n");

static struct vcpu_guest_context ctx;

static void fill_ctx(uint64_t l4_mfn) { vcpu_ctx_init(&ctx, vcpu1_entry, &vcpu1_stack[510], l4_mfn); }

/* A copy of the running kernel L4 (same address space). */
static uint64_t *l4_copy(void)
{
    uint64_t *l4 = alloc_page();
    memcpy(l4, cur_l4, 4096);
    return l4;
}

static long initialise(void) { return HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx); }

void test_main(void)
{
    section("VCPUOP_initialise");
    CHECK_EQ("VCPUOP_is_up(1) before anything = 0", HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    CHECK_EQ("VCPUOP_up(1) before initialise = -EINVAL", HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL);
    CHECK_EQ("VCPUOP_initialise(2) (no such vCPU) = -ENOENT", HYPERVISOR_vcpu_op(VCPUOP_initialise, 2, &ctx),
             -XEN_ENOENT);
    CHECK_EQ("VCPUOP_initialise(1, NULL) = -EFAULT", HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, NULL),
             -XEN_EFAULT);

    uint64_t *writable = l4_copy(); /* still mapped writable: cannot become an L4 */
    fill_ctx(va_to_mfn(writable));
    CHECK_EQ("L4 that is mapped writable = -EINVAL", initialise(), -XEN_EINVAL);
    fill_ctx(0xfffffffUL);
    CHECK_EQ("L4 frame that is not ours = -EINVAL", initialise(), -XEN_EINVAL);
    CHECK_EQ("the vCPU stayed uninitialised (VCPUOP_up = -EINVAL)", HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL),
             -XEN_EINVAL);

    uint64_t *l4 = l4_copy();
    CHECK_EQ("L4 copy remapped read-only", set_page_ro(l4), 0);
    uint64_t mfn = va_to_mfn(l4);
    fill_ctx(mfn);
    CHECK_EQ("VCPUOP_initialise with a valid but unpinned L4 = 0", initialise(), 0);
    CHECK_EQ("VCPUOP_initialise again = -EEXIST", initialise(), -XEN_EEXIST);
    CHECK_EQ("VCPUOP_initialise again with a bad pointer = -EFAULT (context read first)",
             HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, (void *)0x1000), -XEN_EFAULT);
    uint64_t pte = (mfn << 12) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
    CHECK_EQ("the context holds an L4 type reference: a writable mapping is refused (-EBUSY)",
             HYPERVISOR_update_va_mapping((uint64_t)l4, pte, UVMF_INVLPG), -XEN_EBUSY);
    CHECK_EQ("... and MMUEXT_UNPIN_TABLE (never pinned) = -EINVAL", mmuext_unpin(l4), -XEN_EINVAL);
    CHECK_EQ("VCPUOP_is_up(1) after initialise = 0", HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0);

    section("VCPUOP_up");
    CHECK_EQ("VCPUOP_up(1) = 0", HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), 0);
    for (unsigned i = 0; i < 100000 && !vcpu1_runs; i++)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    CHECK_EQ("vCPU 1 ran on the unpinned L4's address space", vcpu1_runs, 1);
    unsigned i;
    for (i = 0; i < 100000 && HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL); i++)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    CHECK_EQ("vCPU 1 took itself down (VCPUOP_is_up = 0)", HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    CHECK_EQ("VCPUOP_up(1) again = 0", HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), 0);
    for (i = 0; i < 100000 && vcpu1_runs < 2; i++)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    CHECK_EQ("... it ran again, from where it went down", vcpu1_runs, 2);
}
