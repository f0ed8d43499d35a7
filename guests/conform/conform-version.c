/* conform-version: start-of-day state (registers, start_info, bootstrap layout,
 * shared_info, p2m/M2P), xen_version, vm_assist, console_io, hypercall register
 * conventions, the hypercall page (in the -hcp build) and unknown hypercalls.
 * Expected values are Xen 4.17's for a 64-bit PV domU (xen/common/kernel.c,
 * common/domain.c, drivers/char/console.c, arch/x86/pv/hypercall.c, libxc's
 * xg_dom_x86.c layout). */
#include "lib.h"

#define HV_DIRECTMAP 0xffff830000000000UL /* inside Xen's private range */
#define UNMAPPED_VA  0x0000100000000000UL /* nothing in L4 slot 32 */
#define NONCANON_VA  0x0000800000000000UL

static char ro_page[4096] ALIGNED_PAGE; /* remapped read-only in test_main */

static void test_boot_state(void)
{
    section("start of day");
    uint64_t si = (uint64_t)start_info;
    CHECK_EQ("entry RSI is the start_info address", boot_rsi, si);
    CHECK_EQ("entry CS is FLAT_KERNEL_CS (0xe033)", boot_cs, FLAT_KERNEL_CS);
    CHECK_EQ("entry SS is FLAT_KERNEL_SS (0xe02b)", boot_ss, FLAT_KERNEL_SS);
    CHECK_EQ("entry DS is the null selector", boot_ds, 0);
    CHECK_EQ("entry RFLAGS is 0x202 (IF only)", boot_rflags, 0x202);
    CHECK_EQ("builder zeroed .bss (memsz beyond filesz)", boot_bss_dirty, 0);
    DOMU_ONLY(CHECK_EQ("start_info magic is xen-3.0-x86_64", strcmp(start_info->magic, "xen-3.0-x86_64"), 0));
    CHECK_EQ("start_info is page aligned", si & 4095, 0);
    CHECK("start_info lies after the kernel image", si >= (uint64_t)_image_end);
    DOMU_ONLY(CHECK_EQ("start_info.flags has no SIF_PRIVILEGED/SIF_INITDOMAIN",
                       start_info->flags & (SIF_PRIVILEGED | SIF_INITDOMAIN), 0));
    /* libxc order: start_info, xenstore page, console page, L4 L3 L2 L1..., boot stack. */
    uint64_t si_pfn = va_to_pfn(start_info);
    DOMU_ONLY(CHECK_EQ("xenstore page follows start_info (store_mfn = p2m[si+1])", start_info->store_mfn,
                       pfn_to_mfn(si_pfn + 1)));
    DOMU_ONLY(CHECK_EQ("console page follows it (console.domU.mfn = p2m[si+2])", start_info->console.domU.mfn,
                       pfn_to_mfn(si_pfn + 2)));
    DOMU_ONLY(CHECK_EQ("pt_base is start_info + 3 pages", start_info->pt_base, si + 3 * 4096));
    uint64_t pt_end = start_info->pt_base + start_info->nr_pt_frames * 4096;
    CHECK_EQ("boot RSP is the top of the page after the page tables", boot_rsp, pt_end + 4096);
    /* The bootstrap map covers [VIRT_BASE, roundup_4M(stack end + 512K)) with 4K pages. */
    uint64_t map_end = (pt_end + 4096 + 512 * 1024 + (4UL << 20) - 1) & ~((4UL << 20) - 1);
    uint64_t l1s = (map_end - VIRT_BASE) >> 21;
    CHECK_EQ("nr_pt_frames = L4 + L3 + L2 + one L1 per 2 MiB mapped", start_info->nr_pt_frames, 3 + l1s);
    check_result("mfn_list lies in the mapped kernel area before start_info",
                 start_info->mfn_list >= (uint64_t)_image_end && start_info->mfn_list < si,
                 "mfn_list 0x%lx, image end %p, start_info 0x%lx", (unsigned long)start_info->mfn_list,
                 _image_end, (unsigned long)si);
    CHECK_EQ("nr_pages covers the mapped region", start_info->nr_pages >= va_to_pfn((void *)map_end), 1);
    bool nul = false;
    for (unsigned i = 0; i < sizeof(start_info->cmd_line); i++)
        if (!start_info->cmd_line[i]) {
            nul = true;
            break;
        }
    CHECK("cmd_line is NUL-terminated", nul);

    /* Bootstrap mappings: kernel writable, page tables read-only, 4 KiB leaves, L4[511]->L3[510]. */
    uint64_t *l4 = cur_l4;
    CHECK_EQ("kernel mapped via L4 slot 511 (present)", l4[511] & _PAGE_PRESENT, 1);
    uint64_t *pte;
    pte = pte_ptr((uint64_t)_image_start);
    CHECK("image start mapped present+writable", pte && (*pte & 3) == 3);
    pte = pte_ptr(start_info->pt_base);
    CHECK("L4 page mapped present read-only", pte && (*pte & 3) == 1);
    pte = pte_ptr(pt_end - 4096);
    CHECK("last page-table frame mapped present read-only", pte && (*pte & 3) == 1);
    pte = pte_ptr(boot_rsp - 4096);
    CHECK("boot stack mapped present+writable", pte && (*pte & 3) == 3);
    pte = pte_ptr(map_end - 4096);
    CHECK("last page of the 4 MiB-rounded area mapped", pte && (*pte & 1) == 1);
    pte = pte_ptr(map_end);
    CHECK("nothing mapped beyond it", !pte || !(*pte & 1));

    /* p2m and M2P agree for every page. */
    unsigned long bad = 0, first_bad = ~0UL, faults = 0, first_fault = ~0UL;
    for (unsigned long pfn = 0; pfn < start_info->nr_pages; pfn++) {
        uint64_t v;
        if (!m2p_read(p2m[pfn], &v)) {
            if (!faults) first_fault = p2m[pfn];
            faults++;
        } else if (v != pfn) {
            if (!bad) first_bad = pfn;
            bad++;
        }
    }
    check_result("M2P readable for every frame we own", faults == 0, "%lu faults, first mfn 0x%lx", faults,
                 first_fault);
    check_result("M2P[p2m[pfn]] == pfn for every pfn", bad == 0, "%lu mismatches, first pfn 0x%lx", bad,
                 first_bad);

    section("shared_info at start of day");
    unsigned masked = 0;
    for (unsigned i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        masked += shared->vcpu_info[i].evtchn_upcall_mask == 1;
    CHECK_EQ("evtchn_upcall_mask = 1 in all 32 vcpu_info slots", masked, XEN_LEGACY_MAX_VCPUS);
    CHECK_EQ("no upcall pending", vcpu0->evtchn_upcall_pending, 0);
    CHECK("vcpu_time_info.tsc_to_system_mul is non-zero", vcpu0->time.tsc_to_system_mul != 0);
    CHECK_EQ("vcpu_time_info.version is even", vcpu0->time.version & 1, 0);
    CHECK_EQ("wc_version is even", shared->wc_version & 1, 0);
    uint64_t t1 = vcpu0->time.system_time;
    CHECK("system_time is non-zero", t1 != 0);
    unsigned long pending = 0;
    for (unsigned i = 0; i < ARRAY_SIZE(shared->evtchn_pending); i++)
        pending |= shared->evtchn_pending[i];
    CHECK_EQ("no event channel pending", pending, 0);
}

static void test_xen_version(void)
{
    section("xen_version");
    char buf[1024];
    long rc;
    CHECK_EQ("XENVER_version is 4.17 (0x40011)", HYPERVISOR_xen_version(XENVER_version, NULL), 0x40011);
    CHECK_EQ("XENVER_version ignores its argument", HYPERVISOR_xen_version(XENVER_version, UNMAPPED_VA),
             0x40011);

    memset(buf, 0x5a, sizeof(buf));
    CHECK_EQ("XENVER_extraversion returns 0", HYPERVISOR_xen_version(XENVER_extraversion, buf), 0);
    CHECK("XENVER_extraversion writes a NUL-terminated string within 16 bytes", memchr_n(buf, 0, 16));
    CHECK_EQ("XENVER_extraversion leaves byte 16 alone", (uint8_t)buf[16], 0x5a);
    CHECK_EQ("XENVER_extraversion(NULL) = -EFAULT", HYPERVISOR_xen_version(XENVER_extraversion, NULL),
             -XEN_EFAULT);
    CHECK_EQ("XENVER_extraversion(unmapped) = -EFAULT",
             HYPERVISOR_xen_version(XENVER_extraversion, UNMAPPED_VA), -XEN_EFAULT);
    CHECK_EQ("XENVER_extraversion(hypervisor address) = -EFAULT",
             HYPERVISOR_xen_version(XENVER_extraversion, HV_DIRECTMAP), -XEN_EFAULT);
    CHECK_EQ("XENVER_extraversion(M2P, read-only) = -EFAULT",
             HYPERVISOR_xen_version(XENVER_extraversion, HYPERVISOR_VIRT_START), -XEN_EFAULT);
    CHECK_EQ("XENVER_extraversion(non-canonical) = -EFAULT",
             HYPERVISOR_xen_version(XENVER_extraversion, NONCANON_VA), -XEN_EFAULT);
    CHECK_EQ("XENVER_extraversion(read-only page) = -EFAULT",
             HYPERVISOR_xen_version(XENVER_extraversion, ro_page), -XEN_EFAULT);
    CHECK_EQ("XENVER_extraversion straddling into a read-only page = -EFAULT",
             HYPERVISOR_xen_version(XENVER_extraversion, (uint64_t)ro_page - 8), -XEN_EFAULT);

    xen_compile_info_t ci;
    memset(&ci, 0x5a, sizeof(ci));
    CHECK_EQ("XENVER_compile_info returns 0", HYPERVISOR_xen_version(XENVER_compile_info, &ci), 0);
    CHECK("XENVER_compile_info strings are NUL-terminated",
          memchr_n(ci.compiler, 0, 64) && memchr_n(ci.compile_by, 0, 16) &&
              memchr_n(ci.compile_domain, 0, 32) && memchr_n(ci.compile_date, 0, 32));
    CHECK_EQ("XENVER_compile_info(NULL) = -EFAULT", HYPERVISOR_xen_version(XENVER_compile_info, NULL),
             -XEN_EFAULT);

    xen_capabilities_info_t caps;
    memset(caps, 0x5a, sizeof(caps));
    CHECK_EQ("XENVER_capabilities returns 0", HYPERVISOR_xen_version(XENVER_capabilities, caps), 0);
    check_result("XENVER_capabilities starts with \"xen-3.0-x86_64 \"",
                 memchr_n(caps, 0, sizeof(caps)) && !strncmp(caps, "xen-3.0-x86_64 ", 15), "got \"%.40s\"",
                 caps);
    CHECK_EQ("XENVER_capabilities(NULL) = -EFAULT", HYPERVISOR_xen_version(XENVER_capabilities, NULL),
             -XEN_EFAULT);

    xen_changeset_info_t cs;
    memset(cs, 0x5a, sizeof(cs));
    CHECK_EQ("XENVER_changeset returns 0", HYPERVISOR_xen_version(XENVER_changeset, cs), 0);
    CHECK("XENVER_changeset is NUL-terminated", memchr_n(cs, 0, sizeof(cs)));

    xen_platform_parameters_t pp = { .virt_start = 1 };
    CHECK_EQ("XENVER_platform_parameters returns 0", HYPERVISOR_xen_version(XENVER_platform_parameters, &pp),
             0);
    CHECK_EQ("platform_parameters.virt_start = 0xffff800000000000", pp.virt_start, HYPERVISOR_VIRT_START);
    CHECK_EQ("XENVER_platform_parameters(NULL) = -EFAULT",
             HYPERVISOR_xen_version(XENVER_platform_parameters, NULL), -XEN_EFAULT);

    xen_feature_info_t fi = { .submap_idx = 0, .submap = 0xdeadbeef };
    rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
    CHECK_EQ("XENVER_get_features(0) returns 0", rc, 0);
    CHECK_EQ("get_features: mmu_pt_update_preserve_ad (5) set", (fi.submap >> 5) & 1, 1);
    CHECK_EQ("get_features: gnttab_map_avail_bits (7) set", (fi.submap >> 7) & 1, 1);
    CHECK_EQ("get_features: no writable_page_tables (0) / auto_translated_physmap (2)", fi.submap & 5, 0);
    DOMU_ONLY(CHECK_EQ("get_features: no dom0 bit (11) for a PV guest", (fi.submap >> 11) & 1, 0));
    fi.submap_idx = 1;
    CHECK_EQ("XENVER_get_features(submap 1) = -EINVAL", HYPERVISOR_xen_version(XENVER_get_features, &fi),
             -XEN_EINVAL);
    CHECK_EQ("XENVER_get_features(NULL) = -EFAULT", HYPERVISOR_xen_version(XENVER_get_features, NULL),
             -XEN_EFAULT);
    CHECK_EQ("XENVER_get_features(read-only page) = -EFAULT",
             HYPERVISOR_xen_version(XENVER_get_features, ro_page), -XEN_EFAULT);

    CHECK_EQ("XENVER_pagesize(NULL) = 4096", HYPERVISOR_xen_version(XENVER_pagesize, NULL), 4096);
    CHECK_EQ("XENVER_pagesize(non-NULL) = -EINVAL", HYPERVISOR_xen_version(XENVER_pagesize, buf),
             -XEN_EINVAL);
    xen_domain_handle_t h;
    CHECK_EQ("XENVER_guest_handle returns 0", HYPERVISOR_xen_version(XENVER_guest_handle, h), 0);
    CHECK_EQ("XENVER_guest_handle(NULL) = -EFAULT", HYPERVISOR_xen_version(XENVER_guest_handle, NULL),
             -XEN_EFAULT);
    CHECK_EQ("XENVER sub-op 11 = -ENOSYS", HYPERVISOR_xen_version(11, buf), -XEN_ENOSYS);
    CHECK_EQ("XENVER sub-op 0x7fffffff = -ENOSYS", HYPERVISOR_xen_version(0x7fffffff, buf), -XEN_ENOSYS);
    CHECK_EQ("XENVER sub-op -1 = -ENOSYS", HYPERVISOR_xen_version(-1, buf), -XEN_ENOSYS);
}

static void test_vm_assist(void)
{
    section("vm_assist and feature flags");
    xen_feature_info_t fi = { 0 };
    uint32_t pv_base = (1u << XENFEAT_memory_op_vnode_supported) | (1u << XENFEAT_mmu_pt_update_preserve_ad) |
                       (1u << XENFEAT_highmem_assist) | (1u << XENFEAT_gnttab_map_avail_bits) |
                       (1u << XENFEAT_direct_mapped);
    CHECK_EQ("enable pae_extended_cr3 = 0",
             HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3), 0);
    HYPERVISOR_xen_version(XENVER_get_features, &fi);
    DOMU_ONLY(CHECK_EQ("get_features(0) with pae_extended_cr3 = PV domU set | pae_pgdir_above_4gb", fi.submap,
                       pv_base | (1u << XENFEAT_pae_pgdir_above_4gb)));
    CHECK_EQ("disable pae_extended_cr3 = 0",
             HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_pae_extended_cr3), 0);
    HYPERVISOR_xen_version(XENVER_get_features, &fi);
    DOMU_ONLY(CHECK_EQ("get_features(0) without it = 0x220e0 (bits 5,6,7,13,17)", fi.submap, pv_base));
    CHECK_EQ("enable writable_pagetables = 0",
             HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0);
    CHECK_EQ("enable 4gb_segments = 0", HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_4gb_segments), 0);
    CHECK_EQ("enable runstate_update_flag = 0",
             HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag), 0);
    CHECK_EQ("enable m2p_strict = 0", HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_m2p_strict), 0);
    CHECK_EQ("disable m2p_strict = 0", HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_m2p_strict), 0);
    CHECK_EQ("vm_assist type 6 (undefined) = -EINVAL", HYPERVISOR_vm_assist(VMASST_CMD_enable, 6),
             -XEN_EINVAL);
    CHECK_EQ("vm_assist type 31 = -EINVAL", HYPERVISOR_vm_assist(VMASST_CMD_enable, 31), -XEN_EINVAL);
    CHECK_EQ("vm_assist type 64 = -EINVAL", HYPERVISOR_vm_assist(VMASST_CMD_enable, 64), -XEN_EINVAL);
    CHECK_EQ("vm_assist cmd 2 (valid type) = -ENOSYS",
             HYPERVISOR_vm_assist(2, VMASST_TYPE_writable_pagetables), -XEN_ENOSYS);
    CHECK_EQ("vm_assist cmd 2 (invalid type) = -EINVAL (type checked first)", HYPERVISOR_vm_assist(2, 6),
             -XEN_EINVAL);
}

static void test_console(void)
{
    section("console_io");
    static const char msg[] = "# console_io write check\n";
    CHECK_EQ("CONSOLEIO_write returns 0", HYPERVISOR_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg), 0);
    CHECK_EQ("CONSOLEIO_write of 0 bytes (NULL) = 0", HYPERVISOR_console_io(CONSOLEIO_write, 0, NULL), 0);
    CHECK_EQ("CONSOLEIO_write count is 32-bit: 1<<32 bytes from NULL = 0",
             HYPERVISOR_console_io(CONSOLEIO_write, 1UL << 32, NULL), 0);
    CHECK_EQ("CONSOLEIO_write(NULL, 5) = -EFAULT", HYPERVISOR_console_io(CONSOLEIO_write, 5, NULL),
             -XEN_EFAULT);
    CHECK_EQ("CONSOLEIO_write(unmapped) = -EFAULT", HYPERVISOR_console_io(CONSOLEIO_write, 5, UNMAPPED_VA),
             -XEN_EFAULT);
    CHECK_EQ("CONSOLEIO_write(hypervisor address) = -EFAULT",
             HYPERVISOR_console_io(CONSOLEIO_write, 16, HV_DIRECTMAP), -XEN_EFAULT);
    CHECK_EQ("CONSOLEIO_write(non-canonical) = -EFAULT",
             HYPERVISOR_console_io(CONSOLEIO_write, 16, NONCANON_VA), -XEN_EFAULT);
    char rbuf[16];
    CHECK_EQ("CONSOLEIO_read count 0 = 0", HYPERVISOR_console_io(CONSOLEIO_read, 0, rbuf), 0);
    CHECK_EQ("CONSOLEIO_read count > INT_MAX = -E2BIG",
             HYPERVISOR_console_io(CONSOLEIO_read, 0x80000000UL, rbuf), -XEN_E2BIG);
    CHECK_EQ("console_io cmd 2 = -ENOSYS", HYPERVISOR_console_io(2, 1, rbuf), -XEN_ENOSYS);
    CHECK_EQ("console_io cmd 0x1000 = -ENOSYS", HYPERVISOR_console_io(0x1000, 1, rbuf), -XEN_ENOSYS);
}

/* Xen preserves every register except rax (result), rcx/r11 (syscall) and, in debug
 * builds, the argument registers in use. Check rbx rbp r9 r12-r15 around a hypercall. */
static void test_registers(void)
{
    section("hypercall register conventions");
    uint64_t out[8];
    uint64_t in[8] = { 0x1111111111111111, 0x2222222222222222, 0x3333333333333333, 0x4444444444444444,
                       0x5555555555555555, 0x6666666666666666, 0x7777777777777777, 0 };
    long ret = (long)in;
    asm volatile("push %%rbx; push %%rbp; push %%r12; push %%r13; push %%r14; push %%r15\n\t"
                 "push %[out]\n\t"
                 "mov 0(%%rax), %%rbx; mov 8(%%rax), %%rbp; mov 16(%%rax), %%r9\n\t"
                 "mov 24(%%rax), %%r12; mov 32(%%rax), %%r13; mov 40(%%rax), %%r14\n\t"
                 "mov 48(%%rax), %%r15\n\t"
                 "xor %%edi, %%edi; xor %%esi, %%esi\n\t"
                 "mov $17, %%eax\n\t"
#ifdef HCPAGE
                 "call hypercall_page + 17 * 32\n\t"
#else
                 "syscall\n\t"
#endif
                 "xchg %%rax, (%%rsp)\n\t" /* rax <- out, result on stack */
                 "mov %%rbx, 0(%%rax); mov %%rbp, 8(%%rax); mov %%r9, 16(%%rax)\n\t"
                 "mov %%r12, 24(%%rax); mov %%r13, 32(%%rax); mov %%r14, 40(%%rax)\n\t"
                 "mov %%r15, 48(%%rax)\n\t"
                 "pop %%rax\n\t"
                 "pop %%r15; pop %%r14; pop %%r13; pop %%r12; pop %%rbp; pop %%rbx\n\t"
                 : "+a"(ret)
                 : [out] "r"(out)
                 : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
    CHECK_EQ("xen_version via raw call returns 0x40011", ret, 0x40011);
    static const char *names[] = { "rbx", "rbp", "r9", "r12", "r13", "r14", "r15" };
    for (unsigned i = 0; i < 7; i++) {
        char nm[64];
        snprintf(nm, sizeof(nm), "%s preserved across a hypercall", names[i]);
        CHECK_EQ(nm, out[i], in[i]);
    }
}

static void test_hypercall_page(void)
{
#ifdef HCPAGE
    section("hypercall page");
    static const uint8_t want17[] = {
        0x51, 0x41, 0x53, 0xb8, 17, 0, 0, 0, 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3
    };
    static const uint8_t want23[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 23, 0, 0, 0, 0x0f, 0x05 };
    CHECK_EQ("slot 17: push rcx; push r11; mov $17,eax; syscall; pop r11; pop rcx; ret",
             memcmp(hypercall_page + 17 * 32, want17, sizeof(want17)), 0);
    CHECK_EQ("slot 23 (iret): push rcx; push r11; push rax; mov $23,eax; syscall",
             memcmp(hypercall_page + 23 * 32, want23, sizeof(want23)), 0);
    unsigned good = 0;
    for (unsigned i = 0; i < 128; i++) {
        const uint8_t *p = (const uint8_t *)hypercall_page + i * 32;
        if (i == 23) continue;
        good += p[3] == 0xb8 && p[4] == i && p[8] == 0x0f && p[9] == 0x05 && p[13] == 0xc3;
    }
    CHECK_EQ("all 127 other slots hold a stub for their own number", good, 127);
    /* rcx and r11 survive a call through the page. */
    uint64_t rcx_out, r11_out;
    long ret;
    asm volatile("mov $0x1234, %%rcx; mov $0x5678, %%r11; xor %%edi, %%edi\n\t"
                 "call hypercall_page + 17 * 32\n\t"
                 "mov %%rcx, %1; mov %%r11, %2"
                 : "=a"(ret), "=r"(rcx_out), "=r"(r11_out)
                 :
                 : "rcx", "r11", "rdi", "rsi", "rdx", "r10", "r8", "memory");
    CHECK_EQ("page stub preserves rcx", rcx_out, 0x1234);
    CHECK_EQ("page stub preserves r11", r11_out, 0x5678);
    CHECK_EQ("unknown hypercall 11 via the page = -ENOSYS", hypercall_page_call(11, 0, 0, 0, 0, 0),
             -XEN_ENOSYS);
#endif
}

static void test_unknown_hypercalls(void)
{
    section("unknown hypercalls");
    static const long nrs[] = { 11,  38,  43,  44,   45,         46,
                                47,  56,  57,  63,   64,         100,
                                127, 128, 255, 1000, 0x7fffffff, (1L << 32) | __HYPERVISOR_xen_version,
                                -1L };
    for (unsigned i = 0; i < ARRAY_SIZE(nrs); i++) {
        char nm[80];
        snprintf(nm, sizeof(nm), "hypercall %ld (0x%lx) = -ENOSYS", nrs[i], nrs[i]);
        CHECK_EQ(nm, hypercall(nrs[i], 0, 0, 0, 0, 0), -XEN_ENOSYS);
    }
    CHECK_EQ("still alive: xen_version after unknown hypercalls",
             HYPERVISOR_xen_version(XENVER_version, NULL), 0x40011);
}

void test_main(void)
{
    test_boot_state();
    if (set_page_ro(ro_page)) printf("# warning: could not remap ro_page read-only\n");
    test_xen_version();
    test_vm_assist();
    test_console();
    test_registers();
    test_hypercall_page();
    test_unknown_hypercalls();
}
