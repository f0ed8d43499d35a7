/* Builds the first domain from the first boot module, as Xen's toolstack lays
 * out a PV guest: kernel loaded by p_paddr, then (mapped, read-only) a multiboot
 * module package with the remaining boot modules, the p2m list, start_info, the
 * xenstore and console pages, the
 * bootstrap page tables (L4, L3s, L2s, L1s), a boot stack and at least 512 KiB
 * of slack, all mapped 4 KiB at VIRT_BASE and ending on a 4 MiB boundary.  The
 * L4 is pinned before the vCPU starts, so the tree is validated from the start. */
#include "lib.h"
#include "mm.h"
#include "domain.h"
#include "elf.h"
#include "bootinfo.h"
#include "layout.h"
#include "pv_layout.h"
#include "sched.h"
#include "ioport.h"
#include "pci.h"

#define MiB (1UL << 20)

struct build {
    struct domain *d;
    uint64_t nr_pages;
    mfn_t *p2m; /* hypervisor-side copy while building */
    struct pv_layout l;
    uint64_t mods_len;
};

/* "dom0_initrd": hand module 1 over as Xen hands dom0 its initrd (a plain,
 * writable pfn range with SIF_MOD_START_PFN) instead of the module package. */
static bool plain_initrd(void) { return boot_info.nr_mods > 1 && cmdline_has("dom0_initrd"); }

static void *pfn_virt(struct build *b, uint64_t pfn) { return mfn_to_virt(b->p2m[pfn]); }
static void *pa_virt(uint64_t pa, void *ctx) { return pfn_virt(ctx, pa >> PAGE_SHIFT); }

/* The bootstrap tables and the module package are read-only; only the kernel
 * image is executable (Linux checks for W+X mappings). */
static unsigned page_rights(void *ctx, uint64_t pfn)
{
    struct build *b = ctx;
    bool ro = pv_layout_is_pt(&b->l, pfn) ||
              (!plain_initrd() && pfn >= b->l.mod_pfn + 1 && pfn < b->l.mod_pfn + b->l.mod_pages);
    return (ro ? 0 : PV_MAP_RW) | (pfn >= b->l.kern_end_pfn ? PV_MAP_NX : 0);
}

/* Module package: descriptor page(s) then each module, page aligned (Xen's
 * struct xen_multiboot_mod_list with addresses relative to the package). */
static uint64_t mods_size(void)
{
    if (plain_initrd()) return ALIGN_UP(boot_info.mods[1].end - boot_info.mods[1].start, PAGE_SIZE);
    uint64_t sz = PAGE_SIZE;
    for (unsigned i = 1; i < boot_info.nr_mods; i++)
        sz += ALIGN_UP(boot_info.mods[i].end - boot_info.mods[i].start, PAGE_SIZE);
    return boot_info.nr_mods > 1 ? sz : 0;
}

static const char *skip_word(const char *s)
{
    while (*s && *s != ' ')
        s++;
    while (*s == ' ')
        s++;
    return s;
}

static void fill_modules(struct build *b)
{
    if (!b->l.mod_pages) return;
    if (plain_initrd()) {
        struct boot_module *m = &boot_info.mods[1];
        uint64_t len = m->end - m->start;
        for (uint64_t done = 0; done < len; done += PAGE_SIZE)
            memcpy(pfn_virt(b, b->l.mod_pfn + done / PAGE_SIZE), (void *)(DIRECTMAP_START + m->start + done),
                   MIN(PAGE_SIZE, len - done));
        b->mods_len = len;
        return;
    }
    struct xen_multiboot_mod_list *list = pfn_virt(b, b->l.mod_pfn);
    char *strings = (char *)&list[boot_info.nr_mods]; /* after the terminator */
    uint64_t off = PAGE_SIZE;
    for (unsigned i = 1; i < boot_info.nr_mods; i++) {
        struct boot_module *m = &boot_info.mods[i];
        uint64_t len = m->end - m->start;
        for (uint64_t done = 0; done < len; done += PAGE_SIZE) {
            uint64_t pfn = b->l.mod_pfn + (off + done) / PAGE_SIZE;
            memcpy(pfn_virt(b, pfn), (void *)(DIRECTMAP_START + m->start + done), MIN(PAGE_SIZE, len - done));
            mfn_to_page(b->p2m[pfn])->flags |= PGF_readonly;
        }
        const char *cl = skip_word(m->cmdline);
        size_t cl_len = MIN(strlen(cl), (size_t)200);
        list[i - 1] = (struct xen_multiboot_mod_list){ (uint32_t)off, (uint32_t)(off + len - 1),
                                                       (uint32_t)(strings - (char *)list), 0 };
        memcpy(strings, cl, cl_len);
        strings += cl_len + 1;
        off += ALIGN_UP(len, PAGE_SIZE);
    }
    b->mods_len = off;
}

static void fill_hypercall_page(struct build *b, const struct xen_elf_info *ei)
{
    if (!ei->hypercall_page) return;
    uint8_t *p = pfn_virt(b, (ei->hypercall_page - b->l.virt_base) >> PAGE_SHIFT);
    for (unsigned i = 0; i < PAGE_SIZE / 32; i++, p += 32) {
        static const uint8_t stub[] = {
            0x51, 0x41, 0x53, 0xb8, 0, 0, 0, 0, 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3
        };
        static const uint8_t iret[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 23, 0, 0, 0, 0x0f, 0x05 };
        memset(p, 0xcc, 32);
        if (i == __HYPERVISOR_iret) {
            memcpy(p, iret, sizeof(iret));
        } else {
            memcpy(p, stub, sizeof(stub));
            p[4] = (uint8_t)i;
        }
    }
}

static void fill_start_info(struct build *b, const struct xen_elf_info *ei, const char *cmdline)
{
    start_info_t *si = pfn_virt(b, b->l.start_info_pfn);
    memcpy(si->magic, "xen-3.0-x86_64", 15);
    si->nr_pages = b->nr_pages;
    si->shared_info = b->d->shared_info_mfn << PAGE_SHIFT;
    si->flags = 0; /* no dom0 here: privilege is the capability set */
    si->store_mfn = b->p2m[b->l.store_pfn];
    si->console.domU.mfn = b->p2m[b->l.console_pfn];
    si->pt_base = b->l.virt_base + b->l.l4_pfn * PAGE_SIZE;
    si->nr_pt_frames = b->l.nr_pt;
    si->mfn_list = b->l.p2m_va;
    if (b->l.mod_pages) {
        si->flags |= plain_initrd() ? SIF_MOD_START_PFN : SIF_MULTIBOOT_MOD | SIF_MOD_START_PFN;
        si->mod_start = b->l.mod_pfn;
        si->mod_len = b->mods_len;
    }
    size_t n = MIN(strlen(cmdline), (size_t)MAX_GUEST_CMDLINE - 1);
    memcpy(si->cmd_line, cmdline, n);
    for (uint64_t k = 0; k < b->l.p2m_pages; k++)
        pv_p2m_fill(&b->l, k, pfn_virt(b, b->l.p2m_pfn + k), b->p2m);
    (void)ei;
}

static int alloc_memory(struct build *b)
{
    /* The temporary p2m must be linear in the direct map, i.e. physically
     * contiguous; the allocator hands out ascending frames, so at boot it is. */
    static mfn_t chunk_mfn[4096];
    uint64_t p2m_bytes = ALIGN_UP(b->nr_pages * sizeof(mfn_t), PAGE_SIZE);
    if (p2m_bytes > ARRAY_SIZE(chunk_mfn) * PAGE_SIZE) return -ENOMEM;
    unsigned nchunks = (unsigned)(p2m_bytes / PAGE_SIZE);
    for (unsigned i = 0; i < nchunks; i++) {
        chunk_mfn[i] = frame_alloc();
        if (chunk_mfn[i] == INVALID_MFN || (i && chunk_mfn[i] != chunk_mfn[i - 1] + 1)) return -ENOMEM;
    }
    b->p2m = mfn_to_virt(chunk_mfn[0]);
    for (uint64_t pfn = 0; pfn < b->nr_pages; pfn++) {
        mfn_t m = domain_alloc_page(b->d);
        if (m == INVALID_MFN) return -ENOMEM;
        b->p2m[pfn] = m;
        m2p_table[m] = pfn;
    }
    return 0;
}

static void free_temp_p2m(struct build *b)
{
    uint64_t pages = ALIGN_UP(b->nr_pages * sizeof(mfn_t), PAGE_SIZE) >> PAGE_SHIFT;
    mfn_t first = ((uint64_t)b->p2m - DIRECTMAP_START) >> PAGE_SHIFT;
    for (uint64_t i = 0; i < pages; i++)
        frame_free(first + i);
}

static void init_vcpu(struct build *b, const struct xen_elf_info *ei, mfn_t l4)
{
    struct vcpu *v = b->d->vcpu[0];
    struct cpu_regs *r = &v->arch.regs;
    memset(r, 0, sizeof(*r));
    r->rip = ei->entry;
    r->rsp = b->l.virt_base + (b->l.stack_pfn + 1) * PAGE_SIZE;
    r->rsi = b->l.virt_base + b->l.start_info_pfn * PAGE_SIZE;
    r->rflags = X86_EFLAGS_IF | X86_EFLAGS_MBS;
    r->cs = FLAT_KERNEL_CS;
    r->ss = FLAT_KERNEL_SS;
    v->arch.kernel_mode = true;
    v->arch.kernel_ss = FLAT_KERNEL_SS;
    v->arch.kernel_sp = r->rsp;
    v->arch.guest_table = l4;
    v->online = true;
    v->initialised = true;
}

/* Build domain 0 from boot module 0; returns the domain or NULL (logged). */
struct domain *build_first_domain(void)
{
    struct boot_module *km = &boot_info.mods[0];
    struct xen_elf_info ei;
    const char *why;
    const uint8_t *img = (const uint8_t *)(DIRECTMAP_START + km->start);
    if (boot_info.nr_mods == 0) panic("no boot module: nothing to run");
    if (elf_parse(img, km->end - km->start, &ei, &why)) panic("first boot module: %s", why);

    const char *mem = cmdline_get("dom0_mem");
    uint64_t mem_bytes = mem ? strtoul(mem, NULL, 10) * MiB : 32 * MiB;
    uint64_t need = ALIGN_UP(ei.pend, PAGE_SIZE) + mods_size() + 8 * MiB;
    uint64_t nr_pages = MAX(mem_bytes, need) >> PAGE_SHIFT;

    /* "dom0_max_vcpus=N" (Xen's option, single-number form): vCPU 0 starts, the
     * others wait for VCPUOP_initialise/VCPUOP_up. */
    const char *nv = cmdline_get("dom0_max_vcpus");
    const char *end = nv;
    unsigned long nr_vcpus = nv ? strtoul(nv, &end, 10) : 1;
    if (nr_vcpus < 1 || nr_vcpus > MAX_VCPUS || (nv && *end && *end != ' ')) {
        char word[24];
        size_t n = 0;
        for (; nv[n] && nv[n] != ' ' && n < sizeof(word) - 1; n++)
            word[n] = nv[n];
        word[n] = 0;
        panic("dom0_max_vcpus=%s: must be 1 to %u", word, MAX_VCPUS);
    }
    struct domain *d = domain_create(0, DOMID_INVALID, CAP_ALL, (unsigned)nr_vcpus, nr_pages);
    if (!d) panic("cannot create domain 0");
    memcpy(d->name, "Domain-0", 9);
    /* The first domain drives COM2 (the xl command port) unless told otherwise. */
    const char *io = cmdline_get("dom0_ioports");
    ioport_parse_ranges(d, io ? io : "0x2f8-0x2ff");
    pci_assign_boot(d, cmdline_get("dom0_pci"));
    struct build b = { .d = d, .nr_pages = nr_pages };
    if (alloc_memory(&b)) panic("not enough memory for domain 0 (%lu pages)", nr_pages);
    struct pv_layout_req q = { .nr_pages = nr_pages,
                               .virt_base = ei.virt_base,
                               .kern_end_pfn = ALIGN_UP(ei.pend, PAGE_SIZE) >> PAGE_SHIFT,
                               .mod_pages = mods_size() >> PAGE_SHIFT,
                               .mod_mapped = 1 };
    if (pv_layout_compute(&q, &b.l)) panic("domain 0 image does not fit in %lu pages", nr_pages);

    elf_load(img, &ei, pa_virt, &b);
    fill_hypercall_page(&b, &ei);
    fill_modules(&b);
    fill_start_info(&b, &ei, skip_word(km->cmdline));
    uint64_t pfn;
    for (uint64_t i = 0; (pfn = pv_pt_frame(&b.l, i)) != ~0ull; i++)
        pv_pt_fill(&b.l, pfn, pfn_virt(&b, pfn), b.p2m, page_rights, &b);

    mfn_t l4 = b.p2m[b.l.l4_pfn];
    spin_lock(&d->lock);
    int rc = get_page_and_type(l4, d, PGT_l4);
    if (!rc) {
        mfn_to_page(l4)->flags |= PGF_pinned;
        rc = get_root_table(d, l4);
    }
    if (!rc) mm_set_ro_mpt(l4, true); /* loaded as its CR3: the M2P from the first instruction */
    spin_unlock(&d->lock);
    if (rc) panic("domain 0 bootstrap page tables failed validation (%d)", rc);
    init_vcpu(&b, &ei, l4);
    free_temp_p2m(&b);
    frames_scrub_start();

    printk("tessera: domain 0: %lu pages, entry %lx, virt %lx-%lx, %u modules%s\n", nr_pages, ei.entry,
           b.l.virt_base, b.l.virt_base + (b.l.map_end_pfn << PAGE_SHIFT), boot_info.nr_mods - 1,
           ei.hypercall_page ? ", hypercall page" : "");
    domain_unpause(d);
    return d;
}
