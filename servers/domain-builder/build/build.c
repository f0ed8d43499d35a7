/* Building a PV domain (see build.h): the order of operations, start_info,
 * the reserved grant entries, the pre-connected event channels and the
 * initial vCPU state.  Values as Xen's toolstack sets them
 * (docs/domain-builder.md has the table). */
#include "build/build_int.h"
#include "build/image.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/grant_table.h>

#define BE(s) ((s)->b->ops)

static int step(struct bst *s, int rc, const char *what)
{
    if (rc) /* the hypervisor's own frames for the domain (createdomain, grant or port pages) */
        return db_errf(s->err, s->errlen, "%s%s failed: %s (%d)", rc == -ENOMEM ? "out of memory: " : "",
                       what, strerror(-rc), rc);
    return 0;
}

/* Hardware of the "devices" key: I/O ports and PCI functions go to the
 * hypervisor (a function's BARs and MSIs come with it); bare IRQs and MMIO
 * ranges have no delegation call, so they are refused.  Then the "pci" key. */
static int assign(struct bst *s, uint32_t sbdf)
{
    int rc = BE(s)->assign_device(s->b, s->out->domid, sbdf);
    if (rc)
        return db_errf(s->err, s->errlen, "pci %04x:%02x:%02x.%u: assign_device failed (%d)", sbdf >> 16,
                       (sbdf >> 8) & 0xff, (sbdf >> 3) & 31, sbdf & 7, rc);
    return 0;
}

static int devices(struct bst *s)
{
    static const char *kind[] = { "ioports", "irq", "mmio", "pci" };
    const struct domcfg *c = s->in->cfg;
    for (int i = 0; i < c->ndev; i++) {
        const struct dom_dev *d = &c->dev[i];
        if (d->kind == DEV_PCI) {
            if (assign(s, (uint32_t)d->first)) return -1;
            continue;
        }
        if (d->kind != DEV_IOPORTS)
            return db_errf(s->err, s->errlen, "device %d (%s): not supported yet", i, kind[d->kind]);
        int rc = BE(s)->ioport_permission(s->b, s->out->domid, (uint32_t)d->first,
                                          (uint32_t)(d->last - d->first + 1), 1);
        if (rc)
            return db_errf(s->err, s->errlen,
                           "devices: I/O ports %#llx-%#llx refused by the "
                           "hypervisor: %s%s",
                           (unsigned long long)d->first, (unsigned long long)d->last, strerror(-rc),
                           rc == -EPERM ? " (the builder can only pass on ports it holds itself)" : "");
    }
    for (int i = 0; i < c->npci; i++)
        if (assign(s, c->pci[i])) return -1;
    return 0;
}

/* "out of memory: NAME needs N MiB, F MiB free" (what to do is clear from it) */
static int no_memory(struct bst *s, uint64_t pages)
{
    uint64_t total = 0, freep = 0;
    uint32_t cpus;
    BE(s)->physinfo(s->b, &total, &freep, &cpus);
    return db_errf(s->err, s->errlen, "out of memory: %s needs %llu MiB, %llu MiB free", s->in->cfg->name,
                   (unsigned long long)(pages >> 8), (unsigned long long)(freep >> 8));
}

static int create(struct bst *s)
{
    const struct domcfg *c = s->in->cfg;
    uint32_t id = s->in->domid;
    uint64_t total, freep;
    uint32_t cpus;
    /* checked first, so that a guest too large for the machine changes nothing */
    if (!BE(s)->physinfo(s->b, &total, &freep, &cpus) && freep < s->out->layout.nr_pages)
        return no_memory(s, s->out->layout.nr_pages);
    int rc = BE(s)->create(s->b, c->vcpus, c->max_evtchn_port, c->max_grant_frames, &id);
    if (rc == -EEXIST) return db_errf(s->err, s->errlen, "domain id %u is taken", id);
    if (step(s, rc, "createdomain")) return -1;
    s->out->domid = id;
    if (c->caps && step(s, BE(s)->set_caps(s->b, id, c->caps), "set_capabilities")) return -1;
    return devices(s) || step(s, BE(s)->set_max_mem(s->b, id, (uint64_t)c->maxmem_mb * 1024), "max_mem");
}

/* The frames of the domain's pfns: frames[i] holds pfn i on entry, its MFN after. */
static int populate(struct bst *s, uint64_t *frames, uint64_t n)
{
    int rc = BE(s)->populate(s->b, s->out->domid, frames, n);
    return rc == -ENOMEM ? no_memory(s, n) : step(s, rc, "populate_physmap");
}

static int create_and_populate(struct bst *s)
{
    uint64_t n = s->out->layout.nr_pages;
    if (create(s)) return -1;
    s->p2m = malloc(n * sizeof(*s->p2m));
    if (!s->p2m) return db_errf(s->err, s->errlen, "out of memory for the p2m");
    for (uint64_t i = 0; i < n; i++)
        s->p2m[i] = i;
    return populate(s, s->p2m, n);
}

/* Entries 0 (console, for us) and 1 (xenstore, for the xenstore domain). */
static int grants(struct bst *s)
{
    uint64_t gmfn;
    if (step(s, BE(s)->grant_frame(s->b, s->out->domid, &gmfn), "grant table setup")) return -1;
    grant_entry_v1_t *g = BE(s)->map(s->b, s->out->domid, &gmfn, 1);
    if (!g) return db_errf(s->err, s->errlen, "cannot map the grant table");
    g[GNTTAB_RESERVED_CONSOLE] =
        (grant_entry_v1_t){ GTF_permit_access, (domid_t)s->b->self, (uint32_t)s->out->console_mfn };
    if (s->in->xenstore_domid != BUILD_NO_XENSTORE)
        g[GNTTAB_RESERVED_XENSTORE] = (grant_entry_v1_t){ GTF_permit_access, (domid_t)s->in->xenstore_domid,
                                                          (uint32_t)s->out->store_mfn };
    return bst_unmap(s, g, 1);
}

static int channels(struct bst *s)
{
    struct build_out *o = s->out;
    if (step(s, BE(s)->alloc_unbound(s->b, o->domid, s->b->self, &o->console_port), "console event channel"))
        return -1;
    o->store_port = 0;
    if (s->in->xenstore_domid == BUILD_NO_XENSTORE) return 0;
    return step(s, BE(s)->alloc_unbound(s->b, o->domid, s->in->xenstore_domid, &o->store_port),
                "xenstore event channel");
}

static void fill_start_info(struct bst *s, start_info_t *si, uint64_t shared_info_mfn)
{
    const struct pv_layout *l = &s->out->layout;
    memset(si, 0, sizeof(*si));
    snprintf(si->magic, sizeof(si->magic), "xen-3.0-x86_64");
    si->nr_pages = l->nr_pages;
    si->shared_info = shared_info_mfn << 12;
    si->flags = (l->nregions == 2 ? SIF_VIRT_P2M_4TOOLS : 0) |
                (l->mod_pages && !l->mod_mapped ? SIF_MOD_START_PFN : 0) |
                (l->mod_pages && s->in->multiboot ? SIF_MULTIBOOT_MOD : 0);
    si->store_mfn = s->out->store_mfn;
    si->store_evtchn = s->out->store_port;
    si->console.domU.mfn = s->out->console_mfn;
    si->console.domU.evtchn = s->out->console_port;
    si->pt_base = l->virt_base + (l->l4_pfn << 12);
    si->nr_pt_frames = l->nr_pt;
    si->mfn_list = l->p2m_va;
    if (l->mod_pages) {
        si->mod_start = l->mod_mapped ? l->virt_base + (l->mod_pfn << 12) : l->mod_pfn;
        si->mod_len = l->mod_mapped ? s->in->ramdisk_len : l->mod_pages << 12;
    }
    snprintf((char *)si->cmd_line, sizeof(si->cmd_line), "%s", s->in->cfg->cmdline);
    si->first_p2m_pfn = l->first_p2m_pfn;
    si->nr_p2m_frames = l->nr_p2m_frames;
}

static int start_info(struct bst *s)
{
    db_dominfo info;
    if (step(s, BE(s)->getinfo(s->b, s->out->domid, &info), "getdomaininfo")) return -1;
    start_info_t si;
    fill_start_info(s, &si, info.shared_info_frame);
    return bst_put(s, s->out->layout.start_info_pfn << 12, &si, sizeof(si));
}

static int vcpu0(struct bst *s)
{
    static struct vcpu_guest_context c;
    const struct pv_layout *l = &s->out->layout;
    memset(&c, 0, sizeof(c));
    c.flags = VGCF_in_kernel | VGCF_online;
    c.user_regs.rip = s->out->entry = s->elf.entry;
    c.user_regs.rsp = s->out->stack_va = l->virt_base + ((l->stack_pfn + 1) << 12);
    c.user_regs.rsi = s->out->start_info_va = l->virt_base + (l->start_info_pfn << 12);
    c.user_regs.rflags = 0x200;
    c.user_regs.cs = FLAT_KERNEL_CS;
    c.user_regs.ss = c.user_regs.ds = c.user_regs.es = FLAT_KERNEL_SS;
    c.kernel_ss = FLAT_KERNEL_SS;
    c.kernel_sp = c.user_regs.rsp;
    c.ctrlreg[3] = xen_pfn_to_cr3(s->p2m[l->l4_pfn]);
    return step(s, BE(s)->setvcpucontext(s->b, s->out->domid, 0, &c), "setvcpucontext");
}

static int load_image(struct bst *s)
{
    const struct build_in *in = s->in;
    const struct pv_layout *l = &s->out->layout;
    s->out->console_mfn = s->p2m[l->console_pfn];
    s->out->store_mfn = s->p2m[l->store_pfn];
    if (build_kernel(s)) return -1;
    if (l->mod_pages && bst_put(s, l->mod_pfn << 12, in->ramdisk, in->ramdisk_len)) return -1;
    if (build_p2m(s) || channels(s) || grants(s) || start_info(s) || build_page_tables(s)) return -1;
    if (step(s, BE(s)->pin_l4(s->b, s->out->domid, s->p2m[l->l4_pfn]), "pin L4")) return -1;
    return vcpu0(s);
}

static int prepare(struct bst *s, uint8_t **owned)
{
    const struct build_in *in = s->in;
    if (image_to_elf(in->kernel, in->kernel_len, &s->elf_img, &s->elf_len, owned, s->err, s->errlen) ||
        xenelf_parse(s->elf_img, s->elf_len, &s->elf, s->err, s->errlen)) {
        /* say which file: "vmlinuz: kernel image (gzip): ..." */
        char why[256];
        snprintf(why, sizeof(why), "%s", s->err);
        return in->cfg->kernel[0] ? db_errf(s->err, s->errlen, "%s: %s", in->cfg->kernel, why) : -1;
    }
    uint64_t pages = (uint64_t)in->cfg->memory_mb << 8;
    return layout_compute(&s->elf, pages, in->ramdisk ? in->ramdisk_len : 0, &s->out->layout, s->err,
                          s->errlen);
}

int build_domain(struct backend *b, const struct build_in *in, struct build_out *out, char *err,
                 size_t errlen)
{
    struct bst s = { .b = b, .in = in, .out = out, .err = err, .errlen = errlen };
    uint8_t *owned = NULL;
    memset(out, 0, sizeof(*out));
    int rc = prepare(&s, &owned);
    if (!rc) {
        rc = create_and_populate(&s);
        if (!rc) rc = load_image(&s);
        if (rc && out->domid) b->ops->destroy(b, out->domid); /* our mappings are gone by now */
    }
    free(s.p2m);
    free(owned);
    return rc;
}

int build_restore_create(struct backend *b, const struct build_in *in, struct build_out *out,
                         uint64_t *frames, uint64_t n, char *err, size_t errlen)
{
    struct bst s = { .b = b, .in = in, .out = out, .err = err, .errlen = errlen };
    memset(out, 0, sizeof(*out));
    out->layout.nr_pages = n;
    int rc = create(&s);
    if (!rc) rc = populate(&s, frames, n);
    if (rc && out->domid) b->ops->destroy(b, out->domid);
    return rc;
}

int build_restore_links(struct backend *b, const struct build_in *in, struct build_out *out, char *err,
                        size_t errlen)
{
    struct bst s = { .b = b, .in = in, .out = out, .err = err, .errlen = errlen };
    return channels(&s) || grants(&s) ? -1 : 0;
}

void build_hypercall_page(uint8_t *page)
{
    static const uint8_t call[] = { 0x51, 0x41, 0x53, 0xb8, 0,    0,
                                    0,    0, /* push rcx; push r11; mov $n,%eax */
                                    0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3 }; /* syscall; pop r11; pop rcx; ret */
    static const uint8_t iret[] = {
        0x51, 0x41, 0x53, 0x50, 0xb8, __HYPERVISOR_iret, 0, 0, 0, 0x0f, 0x05
    }; /* push rcx,r11,rax; syscall */
    memset(page, 0xcc, 4096);
    for (int i = 0; i < 128; i++) {
        uint8_t *p = page + i * 32;
        if (i == __HYPERVISOR_iret) {
            memcpy(p, iret, sizeof(iret));
            continue;
        }
        memcpy(p, call, sizeof(call));
        p[4] = (uint8_t)i;
    }
}
