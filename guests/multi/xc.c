/* The multi-domain guests' "libxc": see xc.h and docs/capabilities.md ("Building a
 * domain, step by step"). */
#include "xc.h"

bool on_tessera;

void xc_init(void)
{
    uint32_t caps;
    on_tessera = xc_get_caps(DOMID_SELF, &caps) == 0;
}

/* ---- domctl / sysctl ---- */

void xc_domctl_init(struct xen_domctl *dc, uint32_t cmd, domid_t dom)
{
    memset(dc, 0, sizeof(*dc));
    dc->cmd = cmd;
    dc->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    dc->domain = dom;
}

static struct xen_domctl dc; /* one at a time; kept out of the small stack */

long xc_create(unsigned max_vcpus, domid_t *out)
{
    xc_domctl_init(&dc, XEN_DOMCTL_createdomain, 0);
    struct xen_domctl_createdomain *c = &dc.u.createdomain;
    c->max_vcpus = max_vcpus;
    /* Values libxl passes on Xen 4.17 (Tessera applies max_evtchn_port and max_grant_frames, as Xen). */
    c->max_evtchn_port = 1023;
    c->max_grant_frames = 32;
    c->max_maptrack_frames = 1024;
    c->grant_opts = XEN_DOMCTL_GRANT_version(1);
    long rc = HYPERVISOR_domctl(&dc);
    if (!rc) *out = dc.domain;
    return rc;
}

long xc_set_caps(domid_t d, uint32_t caps)
{
    xc_domctl_init(&dc, TESSERA_DOMCTL_set_capabilities, d);
    tessera_domctl_u(&dc, struct tessera_domctl_caps)->caps = caps;
    return HYPERVISOR_domctl(&dc);
}

long xc_get_caps(domid_t d, uint32_t *caps)
{
    xc_domctl_init(&dc, TESSERA_DOMCTL_get_capabilities, d);
    long rc = HYPERVISOR_domctl(&dc);
    if (!rc) *caps = tessera_domctl_u(&dc, struct tessera_domctl_caps)->caps;
    return rc;
}

long xc_max_mem(domid_t d, uint64_t kb)
{
    xc_domctl_init(&dc, XEN_DOMCTL_max_mem, d);
    dc.u.max_mem.max_memkb = kb;
    return HYPERVISOR_domctl(&dc);
}

long xc_simple(uint32_t cmd, domid_t d)
{
    xc_domctl_init(&dc, cmd, d);
    return HYPERVISOR_domctl(&dc);
}

long xc_getinfo(domid_t d, struct xen_domctl_getdomaininfo *out)
{
    xc_domctl_init(&dc, XEN_DOMCTL_getdomaininfo, d);
    long rc = HYPERVISOR_domctl(&dc);
    if (!rc) *out = dc.u.getdomaininfo;
    return rc;
}

long xc_sched_credit(domid_t d, bool put, uint16_t *weight, uint16_t *cap)
{
    xc_domctl_init(&dc, XEN_DOMCTL_scheduler_op, d);
    /* Tessera answers as the credit scheduler; Debian's Xen 4.17 runs credit2 (same
     * weight/cap layout) and refuses any other sched_id with -EINVAL. */
    dc.u.scheduler_op.sched_id = on_tessera ? XEN_SCHEDULER_CREDIT : XEN_SCHEDULER_CREDIT2;
    dc.u.scheduler_op.cmd = put ? XEN_DOMCTL_SCHEDOP_putinfo : XEN_DOMCTL_SCHEDOP_getinfo;
    if (put) {
        dc.u.scheduler_op.u.credit.weight = *weight;
        dc.u.scheduler_op.u.credit.cap = *cap;
    }
    long rc = HYPERVISOR_domctl(&dc);
    if (!rc && !put) {
        *weight = dc.u.scheduler_op.u.credit.weight;
        *cap = dc.u.scheduler_op.u.credit.cap;
    }
    return rc;
}

long xc_free_pages(uint64_t *free_pages)
{
    static struct xen_sysctl sc;
    memset(&sc, 0, sizeof(sc));
    sc.cmd = XEN_SYSCTL_physinfo;
    sc.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    long rc = HYPERVISOR_sysctl(&sc);
    if (!rc) *free_pages = sc.u.physinfo.free_pages;
    return rc;
}

long xc_populate(domid_t d, uint64_t *pfns, unsigned long n)
{
    struct xen_memory_reservation r = { .nr_extents = n, .extent_order = 0, .domid = d };
    set_xen_guest_handle(r.extent_start, (xen_pfn_t *)pfns);
    return HYPERVISOR_memory_op(XENMEM_populate_physmap, &r);
}

/* ---- boot modules ---- */

bool module_get(unsigned i, const void **data, size_t *len, const char **cmdline)
{
    if (!start_info->mod_start || !start_info->mod_len) return false;
    const char *base = (start_info->flags & SIF_MOD_START_PFN) ? pfn_to_va(start_info->mod_start)
                                                               : (const char *)start_info->mod_start;
    if (!(start_info->flags & SIF_MULTIBOOT_MOD)) {
        /* Xen's dom0: the one module after the kernel is the initrd. */
        if (i) return false;
        *data = base;
        *len = start_info->mod_len;
        *cmdline = "";
        return true;
    }
    const struct xen_multiboot_mod_list *l = (const void *)base;
    for (unsigned k = 0; k <= i; k++)
        if (!l[k].mod_start && !l[k].mod_end) return false;
    *data = base + l[i].mod_start;
    *len = l[i].mod_end - l[i].mod_start + 1;
    *cmdline = base + l[i].cmdline;
    return true;
}

/* ---- the foreign-mapping window ---- */

char xc_window[WIN_PAGES][4096] ALIGNED_PAGE;
static uint64_t win_ma[WIN_PAGES], win_orig[WIN_PAGES];

void win_invlpg(const void *va)
{
    struct mmuext_op op = { .cmd = MMUEXT_INVLPG_LOCAL };
    op.arg1.linear_addr = (unsigned long)va;
    HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static void win_init(unsigned slot)
{
    if (!win_ma[slot]) {
        win_ma[slot] = pte_maddr((uint64_t)xc_window[slot]);
        win_orig[slot] = *pte_ptr((uint64_t)xc_window[slot]);
    }
}

long win_map(unsigned slot, uint64_t mfn, domid_t d, bool rw)
{
    win_init(slot);
    mmu_update_t u = { .ptr = win_ma[slot] | MMU_NORMAL_PT_UPDATE,
                       .val = (mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_NX |
                              (rw ? _PAGE_RW | _PAGE_DIRTY : 0) };
    long rc = HYPERVISOR_mmu_update(&u, 1, NULL, d);
    win_invlpg(xc_window[slot]);
    return rc;
}

long win_unmap(unsigned slot)
{
    win_init(slot);
    long rc = mmu_update1(win_ma[slot] | MMU_NORMAL_PT_UPDATE, win_orig[slot]);
    win_invlpg(xc_window[slot]);
    return rc;
}

/* ---- the builder ---- */

#include "elf64.h"

#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((uint64_t)(a)-1))

/* Lays the child out by the project's one set of PV layout rules. */
static long do_layout(struct child *c)
{
    struct pv_layout_req q = { .nr_pages = c->nr_pages,
                               .virt_base = c->v_start,
                               .kern_end_pfn = c->kernel_pfns };
    if (pv_layout_compute(&q, &c->l)) return -ENOMEM;
    c->free_pfn = c->l.stack_pfn + 1;
    return 0;
}

static void fill_start_info(const struct child *c, start_info_t *si, const char *cmdline)
{
    memcpy(si->magic, "xen-3.0-x86_64", 15);
    si->nr_pages = c->nr_pages;
    si->shared_info = c->shared_info_mfn << PAGE_SHIFT;
    si->flags = 0;
    si->store_mfn = c->p2m[c->l.store_pfn];
    si->console.domU.mfn = c->p2m[c->l.console_pfn];
    si->pt_base = c->v_start + c->l.l4_pfn * PAGE_SIZE;
    si->nr_pt_frames = c->l.nr_pt;
    si->mfn_list = c->l.p2m_va;
    size_t n = strlen(cmdline);
    if (n > MAX_GUEST_CMDLINE - 1) n = MAX_GUEST_CMDLINE - 1;
    memcpy(si->cmd_line, cmdline, n);
}

static void fill_page(const struct child *c, const uint8_t *elf, const struct elf64_ehdr *eh, uint64_t pfn,
                      uint8_t *page, const char *cmdline)
{
    if (pfn < c->kernel_pfns) {
        for (unsigned i = 0; i < eh->phnum; i++) {
            const struct elf64_phdr *ph = (const void *)(elf + eh->phoff + i * eh->phentsize);
            if (ph->type != PT_LOAD) continue;
            uint64_t ps = pfn << PAGE_SHIFT, pe = ps + PAGE_SIZE;
            uint64_t fs = ph->paddr, fe = ph->paddr + ph->filesz;
            uint64_t s = fs > ps ? fs : ps, e = fe < pe ? fe : pe;
            if (s < e) memcpy(page + (s - ps), elf + ph->offset + (s - fs), e - s);
        }
    } else if (pfn >= c->l.p2m_pfn && pfn < c->l.p2m_pfn + c->l.p2m_pages) {
        pv_p2m_fill(&c->l, pfn - c->l.p2m_pfn, (uint64_t *)page, c->p2m);
    } else if (pfn == c->l.start_info_pfn) {
        fill_start_info(c, (start_info_t *)page, cmdline);
    } else if (pv_layout_is_pt(&c->l, pfn)) {
        pv_pt_fill(&c->l, pfn, (uint64_t *)page, c->p2m, NULL, NULL);
    }
}

static struct vcpu_guest_context ctxt;

static long parse_elf(struct child *c, const uint8_t *elf, size_t len)
{
    const struct elf64_ehdr *eh = (const void *)elf;
    if (len < sizeof(*eh) || memcmp(elf, "\177ELF", 4) || elf[4] != 2) return -EINVAL;
    bool first = true;
    for (unsigned i = 0; i < eh->phnum; i++) {
        const struct elf64_phdr *ph = (const void *)(elf + eh->phoff + i * eh->phentsize);
        if (ph->type != PT_LOAD) continue;
        if (ph->offset + ph->filesz > len) return -EINVAL;
        if (first) c->v_start = ph->vaddr - ph->paddr;
        first = false;
        uint64_t end = ALIGN_UP(ph->paddr + ph->memsz, PAGE_SIZE) >> PAGE_SHIFT;
        if (end > c->kernel_pfns) c->kernel_pfns = end;
    }
    c->entry = eh->entry;
    return first ? -EINVAL : 0;
}

long xc_build_create(struct child *c, const void *image, size_t len, uint32_t caps, uint64_t nr_pages,
                     unsigned max_vcpus, const char **what)
{
    long rc;

    memset(c, 0, sizeof(*c));
    *what = "ELF image";
    if (nr_pages > XC_MAX_PAGES || (rc = parse_elf(c, image, len))) return -EINVAL;
    c->nr_pages = nr_pages;
    *what = "layout (too few pages)";
    if ((rc = do_layout(c))) return rc;

    *what = "createdomain"; /* step 1 */
    if ((rc = xc_create(max_vcpus, &c->domid))) return rc;
    /* As libxc: Xen 4.17 allocates the vCPUs here (Tessera at createdomain; it
     * accepts the same count). */
    *what = "max_vcpus";
    xc_domctl_init(&dc, XEN_DOMCTL_max_vcpus, c->domid);
    dc.u.max_vcpus.max = max_vcpus;
    if ((rc = HYPERVISOR_domctl(&dc))) return rc;
    *what = "set_capabilities";                                   /* step 2 */
    if (caps && on_tessera && (rc = xc_set_caps(c->domid, caps))) /* Xen: no such domctl */
        return rc;
    *what = "max_mem"; /* step 3 */
    if ((rc = xc_max_mem(c->domid, nr_pages * 4))) return rc;
    struct xen_domctl_getdomaininfo info;
    *what = "getdomaininfo";
    if ((rc = xc_getinfo(c->domid, &info))) return rc;
    if (info.domain != c->domid) return -ESRCH;
    c->shared_info_mfn = info.shared_info_frame;
    *what = "populate_physmap"; /* step 4 */
    for (uint64_t i = 0; i < nr_pages; i++)
        c->p2m[i] = i;
    rc = xc_populate(c->domid, c->p2m, nr_pages);
    if (rc != (long)nr_pages) return rc < 0 ? rc : -ENOMEM;
    *what = "done";
    return 0;
}

long xc_build_load(struct child *c, const void *image, const char *cmdline, const char **what)
{
    const uint8_t *elf = image;
    const struct elf64_ehdr *eh = image;
    long rc;

    /* Steps 5-8: every page of the bootstrap area through the window, the rest cleared. */
    *what = "foreign mmu_update (map)";
    for (uint64_t pfn = 0; pfn < c->free_pfn; pfn++) {
        if ((rc = win_map(0, c->p2m[pfn], c->domid, true))) return rc;
        memset(xc_window[0], 0, PAGE_SIZE);
        fill_page(c, elf, eh, pfn, (uint8_t *)xc_window[0], cmdline);
        if ((rc = win_unmap(0))) {
            *what = "mmu_update (unmap)";
            return rc;
        }
    }
    *what = "mmuext_op CLEAR_PAGE (foreign)";
    uint64_t nr_pages = c->nr_pages;
    for (uint64_t pfn = c->free_pfn; pfn < nr_pages;) {
        struct mmuext_op ops[32];
        unsigned n = 0;
        for (; n < 32 && pfn < nr_pages; n++, pfn++) {
            ops[n].cmd = MMUEXT_CLEAR_PAGE;
            ops[n].arg1.mfn = c->p2m[pfn];
        }
        if ((rc = HYPERVISOR_mmuext_op(ops, n, NULL, c->domid))) return rc;
    }
    /* Reserved grant entries: 0 console, 1 xenstore, both for the builder (us). */
    *what = "setup_table (foreign)";
    xen_pfn_t gframe = 0;
    struct gnttab_setup_table st = { .dom = c->domid, .nr_frames = 1 };
    set_xen_guest_handle(st.frame_list, &gframe);
    rc = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1);
    if (rc || st.status) return rc ? rc : st.status;
    *what = "map grant frame";
    if ((rc = win_map(0, gframe, c->domid, true))) return rc;
    grant_entry_v1_t *gt = (grant_entry_v1_t *)xc_window[0];
    gt[GNTTAB_RESERVED_CONSOLE].domid = 0;
    gt[GNTTAB_RESERVED_CONSOLE].frame = (uint32_t)c->p2m[c->l.console_pfn];
    gt[GNTTAB_RESERVED_XENSTORE].domid = 0;
    gt[GNTTAB_RESERVED_XENSTORE].frame = (uint32_t)c->p2m[c->l.store_pfn];
    barrier();
    gt[GNTTAB_RESERVED_CONSOLE].flags = GTF_permit_access;
    gt[GNTTAB_RESERVED_XENSTORE].flags = GTF_permit_access;
    if ((rc = win_unmap(0))) return rc;

    *what = "mmuext_op PIN_L4_TABLE (foreign)"; /* step 9 */
    struct mmuext_op pin = { .cmd = MMUEXT_PIN_L4_TABLE };
    pin.arg1.mfn = c->p2m[c->l.l4_pfn];
    if ((rc = HYPERVISOR_mmuext_op(&pin, 1, NULL, c->domid))) return rc;

    *what = "setvcpucontext"; /* step 10 */
    memset(&ctxt, 0, sizeof(ctxt));
    ctxt.flags = VGCF_in_kernel | VGCF_online;
    ctxt.user_regs.rip = c->entry;
    ctxt.user_regs.rsp = c->v_start + (c->l.stack_pfn + 1) * PAGE_SIZE;
    ctxt.user_regs.rsi = c->v_start + c->l.start_info_pfn * PAGE_SIZE;
    ctxt.user_regs.cs = FLAT_KERNEL_CS;
    ctxt.user_regs.ss = ctxt.user_regs.ds = ctxt.user_regs.es = FLAT_KERNEL_SS;
    ctxt.user_regs.rflags = 0x200;
    ctxt.kernel_ss = FLAT_KERNEL_SS;
    ctxt.kernel_sp = ctxt.user_regs.rsp;
    ctxt.ctrlreg[3] = xen_pfn_to_cr3(c->p2m[c->l.l4_pfn]);
    xc_domctl_init(&dc, XEN_DOMCTL_setvcpucontext, c->domid);
    dc.u.vcpucontext.vcpu = 0;
    set_xen_guest_handle(dc.u.vcpucontext.ctxt, &ctxt);
    if ((rc = HYPERVISOR_domctl(&dc))) return rc;
    *what = "done";
    return 0;
}

long xc_build(struct child *c, const void *image, size_t len, uint32_t caps, uint64_t nr_pages,
              unsigned max_vcpus, const char *cmdline, const char **what)
{
    long rc = xc_build_create(c, image, len, caps, nr_pages, max_vcpus, what);
    return rc ? rc : xc_build_load(c, image, cmdline, what);
}

/* ---- event channels ---- */

long evtchn_alloc_unbound(domid_t dom, domid_t remote, evtchn_port_t *port)
{
    evtchn_alloc_unbound_t op = { .dom = dom, .remote_dom = remote };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);
    if (!rc) *port = op.port;
    return rc;
}

long evtchn_bind_interdomain(domid_t remote, evtchn_port_t rport, evtchn_port_t *local)
{
    evtchn_bind_interdomain_t op = { .remote_dom = remote, .remote_port = rport };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);
    if (!rc) *local = op.local_port;
    return rc;
}

long evtchn_send(evtchn_port_t p)
{
    evtchn_send_t op = { .port = p };
    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

long evtchn_close(evtchn_port_t p)
{
    evtchn_close_t op = { .port = p };
    return HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
}

long evtchn_status(domid_t dom, evtchn_port_t p, evtchn_status_t *st)
{
    memset(st, 0, sizeof(*st));
    st->dom = dom;
    st->port = p;
    return HYPERVISOR_event_channel_op(EVTCHNOP_status, st);
}

long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
    evtchn_bind_virq_t op = { .virq = virq, .vcpu = vcpu };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);
    if (!rc) *port = op.port;
    return rc;
}

bool evtchn_test_and_clear(evtchn_port_t p)
{
    unsigned long bit = 1UL << (p % 64);
    return __atomic_fetch_and(&shared->evtchn_pending[p / 64], ~bit, __ATOMIC_SEQ_CST) & bit;
}

long evtchn_wait(evtchn_port_t p, uint64_t deadline)
{
    for (;;) {
        if (evtchn_test_and_clear(p)) return 0;
        if (deadline && now_ns() >= deadline) return -ETIMEDOUT;
        struct sched_poll sp = { .nr_ports = 1, .timeout = deadline };
        set_xen_guest_handle(sp.ports, &p);
        HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
    }
}

/* ---- grant tables ---- */

static char gt_page[4096] ALIGNED_PAGE;

grant_entry_v1_t *gnttab_self(void)
{
    xen_pfn_t f = 0;
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
    set_xen_guest_handle(st.frame_list, &f);
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1);
    if (rc || st.status) return NULL;
    uint64_t pte = (f << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX;
    if (HYPERVISOR_update_va_mapping((uint64_t)gt_page, pte, UVMF_INVLPG)) return NULL;
    return (grant_entry_v1_t *)gt_page;
}

void gnttab_grant(grant_entry_v1_t *gt, grant_ref_t ref, domid_t to, uint64_t frame, bool ro)
{
    gt[ref].domid = to;
    gt[ref].frame = (uint32_t)frame;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    gt[ref].flags = GTF_permit_access | (ro ? GTF_readonly : 0);
}

bool gnttab_end_access(grant_entry_v1_t *gt, grant_ref_t ref)
{
    uint16_t flags = __atomic_load_n(&gt[ref].flags, __ATOMIC_SEQ_CST);
    do {
        if (flags & (GTF_reading | GTF_writing)) return false;
    } while (
        !__atomic_compare_exchange_n(&gt[ref].flags, &flags, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    return true;
}
