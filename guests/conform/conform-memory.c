/* conform-memory: memory_op (memory_map, machphys_mapping, maximum_ram_page,
 * current/maximum reservation, increase/decrease reservation, populate_physmap) and
 * sched_op (yield, shutdown_code, remote_shutdown, bad arguments; the final poweroff is
 * the runtime's). Reference: Xen 4.17 common/memory.c, arch/x86/mm.c arch_memory_op,
 * common/sched/core.c do_sched_op. */
#include "lib.h"

#define UNMAPPED_VA  0x0000100000000000UL
#define HV_DIRECTMAP 0xffff830000000000UL

struct e820 {
    uint64_t addr, size;
    uint32_t type;
} __attribute__((packed));

static void test_maps(void)
{
    section("memory_op: maps and reservations");
    struct e820 map[8];
    memset(map, 0xff, sizeof(map));
    struct xen_memory_map mm = { .nr_entries = 8 };
    set_xen_guest_handle(mm.buffer, (void *)map);
    DOMU_ONLY(CHECK_EQ("XENMEM_memory_map = 0", HYPERVISOR_memory_op(XENMEM_memory_map, &mm), 0));
    DOMU_ONLY(CHECK_EQ("one entry", mm.nr_entries, 1));
    DOMU_ONLY(CHECK("it is RAM from 0 covering nr_pages",
                    map[0].addr == 0 && map[0].type == 1 && map[0].size >= start_info->nr_pages * 4096));
    CHECK_EQ("XENMEM_memory_map(NULL) = -EFAULT", HYPERVISOR_memory_op(XENMEM_memory_map, NULL), -XEN_EFAULT);
    static char ro[4096] ALIGNED_PAGE;
    set_page_ro(ro);
    mm.nr_entries = 8;
    set_xen_guest_handle(mm.buffer, (void *)ro);
    DOMU_ONLY(CHECK_EQ("XENMEM_memory_map into a read-only buffer = -EFAULT",
                       HYPERVISOR_memory_op(XENMEM_memory_map, &mm), -XEN_EFAULT));
    CHECK_EQ("XENMEM_machphys_mapping into a read-only page = -EFAULT",
             HYPERVISOR_memory_op(XENMEM_machphys_mapping, ro), -XEN_EFAULT);
    CHECK_EQ("XENMEM_current_reservation with an unmapped domid pointer = -EFAULT",
             HYPERVISOR_memory_op(XENMEM_current_reservation, UNMAPPED_VA), -XEN_EFAULT);
    mm.nr_entries = 8;
    set_xen_guest_handle(mm.buffer, (void *)UNMAPPED_VA);
    DOMU_ONLY(CHECK_EQ("XENMEM_memory_map with an unmapped buffer = -EFAULT",
                       HYPERVISOR_memory_op(XENMEM_memory_map, &mm), -XEN_EFAULT));

    struct xen_machphys_mapping mp = { 0 };
    CHECK_EQ("XENMEM_machphys_mapping = 0", HYPERVISOR_memory_op(XENMEM_machphys_mapping, &mp), 0);
    CHECK_EQ("v_start = 0xffff800000000000", mp.v_start, 0xffff800000000000UL);
    CHECK_EQ("v_end = 0xffff804000000000", mp.v_end, 0xffff804000000000UL);
    DOMU_ONLY(CHECK_EQ("max_mfn = (256 GiB / 8) - 1", mp.max_mfn, (0x4000000000UL / 8) - 1));
    CHECK_EQ("XENMEM_machphys_mapping(read-only M2P) = -EFAULT",
             HYPERVISOR_memory_op(XENMEM_machphys_mapping, HYPERVISOR_VIRT_START), -XEN_EFAULT);

    long maxram = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
    unsigned long top = 0;
    for (unsigned long i = 0; i < start_info->nr_pages; i++)
        if (p2m[i] > top) top = p2m[i];
    check_result("XENMEM_maximum_ram_page is above every frame we own", maxram > (long)top,
                 "got %ld, highest mfn 0x%lx", maxram, top);
    CHECK_EQ("XENMEM_maximum_ram_page ignores its argument",
             HYPERVISOR_memory_op(XENMEM_maximum_ram_page, &mp), maxram);
    CHECK_EQ("XENMEM_maximum_ram_page with a continuation index (cmd | 1<<6) = -EINVAL",
             HYPERVISOR_memory_op(XENMEM_maximum_ram_page | (1 << 6), NULL), -XEN_EINVAL);

    domid_t self = DOMID_SELF, nobody = 1000;
    long cur = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
    long max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);
    DOMU_ONLY(CHECK_EQ("XENMEM_current_reservation = start_info.nr_pages", cur, start_info->nr_pages));
    check_result("XENMEM_maximum_reservation >= current", max >= cur, "max %ld cur %ld", max, cur);
    CHECK_EQ("XENMEM_current_reservation(NULL) = -EFAULT",
             HYPERVISOR_memory_op(XENMEM_current_reservation, NULL), -XEN_EFAULT);
    CHECK_EQ("XENMEM_current_reservation(domain 1000) = -ESRCH",
             HYPERVISOR_memory_op(XENMEM_current_reservation, &nobody), -XEN_ESRCH);
    CHECK_EQ("memory_op 99 = -ENOSYS", HYPERVISOR_memory_op(99, &self), -XEN_ENOSYS);
    CHECK_EQ("memory_op 0x7fff = -ENOSYS", HYPERVISOR_memory_op(0x7fff, &self), -XEN_ENOSYS);

    section("memory_op: balloon operations");
    xen_pfn_t list[4] = { 0 };
    struct xen_memory_reservation r = { .nr_extents = 1, .extent_order = 0, .domid = DOMID_SELF };
    set_xen_guest_handle(r.extent_start, list);
    long rc = HYPERVISOR_memory_op(XENMEM_increase_reservation, &r);
    long expect = max > cur ? 1 : 0;
    CHECK_EQ("increase_reservation of 1 page = 1 if below the maximum, else 0", rc, expect);
    if (rc == 1) {
        uint64_t mfn = list[0];
        CHECK_EQ("current_reservation grew by 1", HYPERVISOR_memory_op(XENMEM_current_reservation, &self),
                 cur + 1);
        CHECK_EQ("the new frame is ours: MACHPHYS_UPDATE = 0",
                 mmu_update1((mfn << 12) | MMU_MACHPHYS_UPDATE, start_info->nr_pages + 5), 0);
        CHECK_EQ("decrease_reservation of it = 1", HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 1);
        CHECK_EQ("current_reservation back", HYPERVISOR_memory_op(XENMEM_current_reservation, &self), cur);
        CHECK_EQ("decrease_reservation of it again = 0 (no longer ours)",
                 HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0);
        CHECK_EQ("MACHPHYS_UPDATE of the released frame = -EINVAL",
                 mmu_update1((mfn << 12) | MMU_MACHPHYS_UPDATE, 0), -XEN_EINVAL);
        static char win[4096] ALIGNED_PAGE;
        CHECK_EQ("mapping the released frame = -EBUSY (owned by nobody)",
                 HYPERVISOR_update_va_mapping((uint64_t)win, (mfn << 12) | 0x63, UVMF_INVLPG), -XEN_EBUSY);
    }
    list[0] = start_info->nr_pages + 7;
    rc = HYPERVISOR_memory_op(XENMEM_populate_physmap, &r);
    CHECK_EQ("populate_physmap of 1 page = 1 if below the maximum, else 0", rc, expect);
    if (rc == 1) {
        CHECK_EQ("populate_physmap returned an MFN whose M2P entry is the requested pfn", m2p_safe(list[0]),
                 start_info->nr_pages + 7);
        CHECK_EQ("decrease_reservation of it = 1", HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 1);
    }
    r.extent_order = 30;
    CHECK_EQ("increase_reservation with extent_order 30 = 0 extents",
             HYPERVISOR_memory_op(XENMEM_increase_reservation, &r), 0);
    r.extent_order = 0;
    list[0] = 0x7ffffffUL;
    CHECK_EQ("decrease_reservation of a frame not owned = 0",
             HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0);
    set_xen_guest_handle(r.extent_start, (xen_pfn_t *)UNMAPPED_VA);
    CHECK_EQ("decrease_reservation with an unmapped extent list = 0",
             HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0);
    /* Reservation ops report the number of extents done: a bad argument pointer is 0. */
    CHECK_EQ("increase_reservation(NULL) = 0 extents",
             HYPERVISOR_memory_op(XENMEM_increase_reservation, NULL), 0);
    CHECK_EQ("increase_reservation(hypervisor address) = 0 extents",
             HYPERVISOR_memory_op(XENMEM_increase_reservation, HV_DIRECTMAP), 0);
    CHECK_EQ("current_reservation unchanged at the end",
             HYPERVISOR_memory_op(XENMEM_current_reservation, &self), cur);
}

static void test_sched(void)
{
    section("sched_op");
    CHECK_EQ("SCHEDOP_yield = 0", HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
    CHECK_EQ("sched_op_compat yield = 0", HC2(__HYPERVISOR_sched_op_compat, SCHEDOP_yield, 0), 0);
    CHECK_EQ("SCHEDOP 99 = -ENOSYS", HYPERVISOR_sched_op(99, NULL), -XEN_ENOSYS);
    CHECK_EQ("SCHEDOP_shutdown(NULL) = -EFAULT", HYPERVISOR_sched_op(SCHEDOP_shutdown, NULL), -XEN_EFAULT);
    CHECK_EQ("SCHEDOP_shutdown(unmapped) = -EFAULT", HYPERVISOR_sched_op(SCHEDOP_shutdown, UNMAPPED_VA),
             -XEN_EFAULT);
    sched_shutdown_t code = { .reason = SHUTDOWN_poweroff };
    CHECK_EQ("SCHEDOP_shutdown_code = 0", HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &code), 0);
    CHECK_EQ("SCHEDOP_shutdown_code(NULL) = -EFAULT", HYPERVISOR_sched_op(SCHEDOP_shutdown_code, NULL),
             -XEN_EFAULT);
    sched_remote_shutdown_t rs = { .domain_id = 1000, .reason = SHUTDOWN_poweroff };
    CHECK_EQ("SCHEDOP_remote_shutdown of domain 1000 = -ESRCH",
             HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs), -XEN_ESRCH);
    struct sched_poll poll = { .nr_ports = 200 };
    CHECK_EQ("SCHEDOP_poll with 200 ports = -EINVAL", HYPERVISOR_sched_op(SCHEDOP_poll, &poll), -XEN_EINVAL);
    CHECK_EQ("still running after all that", HYPERVISOR_xen_version(XENVER_version, NULL), 0x40011);

    section("event delivery on hypercall return; SCHEDOP_block");
    /* A pending upcall is delivered when a hypercall returns with events unmasked. */
    event_upcalls = 0;
    vcpu0->evtchn_upcall_pending = 1;
    vcpu0->evtchn_upcall_mask = 0;
    HYPERVISOR_xen_version(XENVER_version, NULL);
    uint8_t mask_after = vcpu0->evtchn_upcall_mask;
    vcpu0->evtchn_upcall_mask = 1;
    CHECK_EQ("pending upcall delivered on the hypercall's return", event_upcalls, 1);
    CHECK_EQ("event callback runs with events masked", last_trap.mask_in_handler, 1);
    CHECK_EQ("event frame: saved mask 0 in CS bits 32-39, CS RPL 0", last_trap.cs, 0xe030);
    CHECK_EQ("event frame: RFLAGS.IF = 1", last_trap.rflags & 0x200, 0x200);
    CHECK_EQ("iret from the callback unmasks again", mask_after, 0);
    event_upcalls = 0;
    vcpu0->evtchn_upcall_pending = 1;
    HYPERVISOR_xen_version(XENVER_version, NULL);
    CHECK_EQ("no delivery while masked", event_upcalls, 0);
    CHECK_EQ("... the pending flag stays", vcpu0->evtchn_upcall_pending, 1);
    /* SCHEDOP_block enables events and returns at once when one is pending. */
    CHECK_EQ("SCHEDOP_block with an upcall pending returns 0", HYPERVISOR_sched_op(SCHEDOP_block, NULL), 0);
    mask_after = vcpu0->evtchn_upcall_mask;
    vcpu0->evtchn_upcall_mask = 1;
    CHECK_EQ("SCHEDOP_block unmasked events and the upcall was delivered", event_upcalls, 1);
    CHECK_EQ("... events left enabled after block", mask_after, 0);
}

void test_main(void)
{
    test_maps();
    test_sched();
}
