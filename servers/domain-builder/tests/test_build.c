/* PV build against the fake back end: the produced start_info, page
 * tables, p2m, grant entries, event channels and vCPU state are compared
 * with the layout rules; failures leave no domain and no mapping behind. */
#include "unit.h"
#include "backend/backend_fake.h"
#include "build/build.h"
#include "build/modpkg.h"
#include "build/pgtable.h"
#include "mkelf.h"
#include "public/tessera.h"
#include "util.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <xen/grant_table.h>

static uint8_t img[1 << 20];

/* The guest's own translation of va through its tables in fake memory. */
static uint64_t walk(struct backend *b, uint64_t l4mfn, uint64_t va)
{
    uint64_t t = l4mfn;
    for (int shift = 39; shift >= 12; shift -= 9) {
        uint64_t e = ((uint64_t *)fake_frame(b, t))[(va >> shift) & 511];
        if (!(e & 1)) return 0;
        if (shift == 12) return e;
        t = (e & 0x000ffffffffff000ull) >> 12;
    }
    return 0;
}

static const struct mkelf_opts linux_opts = {
    .virt_base = 0xffffffff80000000ull,
    .paddr = 0x200000,
    .text_size = 0x5000,
    .data_size = 0x2000,
    .bss = 0x3000,
    .entry_off = 0x100,
    .init_p2m = 0x8000000000ull,
    .hypercall_page_off = 0x1000,
    .mod_start_pfn = 1,
};

static void check_tables(struct backend *b, const struct build_out *o, const uint64_t *p2m)
{
    const struct pv_layout *l = &o->layout;
    uint64_t l4 = p2m[l->l4_pfn];
    int bad = 0, ro = 0;
    for (uint64_t pfn = 0; pfn < l->map_end_pfn; pfn++) {
        uint64_t e = walk(b, l4, l->virt_base + (pfn << 12));
        uint64_t want = p2m[pfn] << 12 | (pv_layout_is_pt(l, pfn) ? (PV_PTE_P | PV_PTE_A) : PV_PTE_LEAF);
        bad += e != want;
        ro += pv_layout_is_pt(l, pfn);
    }
    CHECK(!bad, "every bootstrap page maps its frame (%d wrong)", bad);
    CHECK(ro == (int)l->nr_pt, "page-table frames read-only");
    CHECK(walk(b, l4, l->virt_base + (l->map_end_pfn << 12)) == 0, "nothing mapped beyond");
    for (uint64_t i = 0; i < l->p2m_pages; i++)
        bad += walk(b, l4, l->p2m_va + (i << 12)) != (p2m[l->p2m_pfn + i] << 12 | PV_PTE_LEAF);
    CHECK(!bad, "p2m mapped at INIT_P2M");
    const uint64_t *t4 = (const uint64_t *)fake_frame(b, l4);
    CHECK(t4[511] == (p2m[l->l4_pfn + 1] << 12 | PV_PTE_UPPER), "L4[511] -> first L3, 0x67");
    CHECK(t4[1] == (p2m[l->region[1].tables_pfn] << 12 | PV_PTE_UPPER), "L4[1] -> p2m L3");
    int others = 0;
    for (int i = 0; i < 512; i++)
        others += i != 1 && i != 511 && t4[i];
    CHECK(!others, "no other L4 slot used (hypervisor slots left to the hypervisor)");
}

static void check_p2m(struct backend *b, const struct build_out *o, const uint64_t *p2m)
{
    const struct pv_layout *l = &o->layout;
    int bad = 0;
    for (uint64_t i = 0; i < l->p2m_pages * 512; i++) {
        uint64_t pfn = l->p2m_pfn + i / 512;
        uint64_t v = ((uint64_t *)fake_frame(b, p2m[pfn]))[i % 512];
        bad += v != (i < l->nr_pages ? p2m[i] : ~0ull);
    }
    CHECK(!bad, "p2m list: mfns then ~0 to the page end (%d wrong)", bad);
    struct fake *f = fake_of(b);
    for (uint64_t i = 0; i < l->nr_pages; i++)
        bad += f->owner[p2m[i]] != o->domid;
    CHECK(!bad, "every p2m frame belongs to the domain");
}

static void check_start_info(struct backend *b, const struct build_out *o, const uint64_t *p2m, size_t rdlen)
{
    const struct pv_layout *l = &o->layout;
    const start_info_t *si = (const void *)fake_frame(b, p2m[l->start_info_pfn]);
    struct fake_dom *d = &fake_of(b)->dom[o->domid];
    CHECK_STR(si->magic, "xen-3.0-x86_64", "magic");
    CHECK(si->nr_pages == l->nr_pages, "nr_pages");
    CHECK(si->shared_info == d->shared_info_mfn << 12, "shared_info machine address");
    CHECK(si->flags == (SIF_VIRT_P2M_4TOOLS | SIF_MOD_START_PFN), "flags %#x", si->flags);
    CHECK(si->store_mfn == p2m[l->store_pfn] && si->console.domU.mfn == p2m[l->console_pfn],
          "store and console mfns");
    CHECK(si->store_evtchn == o->store_port && si->console.domU.evtchn == o->console_port &&
              si->console.domU.evtchn != 0,
          "event channels");
    CHECK(si->pt_base == l->virt_base + (l->l4_pfn << 12) && si->nr_pt_frames == l->nr_pt,
          "pt_base, nr_pt_frames");
    CHECK(si->mfn_list == 0x8000000000ull, "mfn_list");
    CHECK(si->mod_start == l->mod_pfn && si->mod_len == PFN_UP(rdlen) << 12, "module as pfn");
    CHECK(si->first_p2m_pfn == l->p2m_pfn && si->nr_p2m_frames == l->nr_p2m_frames,
          "first_p2m_pfn, nr_p2m_frames");
    CHECK_STR((const char *)si->cmd_line, "console=hvc0 quiet", "cmd_line");
}

static void check_vcpu(struct backend *b, const struct build_out *o, const uint64_t *p2m)
{
    const struct pv_layout *l = &o->layout;
    struct fake_dom *d = &fake_of(b)->dom[o->domid];
    const struct vcpu_guest_context *c = &d->ctx;
    CHECK(d->ctx_set && d->l4_mfn == p2m[l->l4_pfn], "L4 pinned, context set");
    CHECK(c->user_regs.rip == 0xffffffff80200100ull, "rip = ENTRY");
    CHECK(c->user_regs.rsi == l->virt_base + (l->start_info_pfn << 12), "rsi = start_info");
    CHECK(c->user_regs.rsp == l->virt_base + ((l->stack_pfn + 1) << 12) && c->kernel_sp == c->user_regs.rsp,
          "rsp = top of boot stack");
    CHECK(c->user_regs.cs == 0xe033 && c->user_regs.ss == 0xe02b && c->kernel_ss == 0xe02b,
          "flat kernel selectors");
    CHECK(c->flags == (VGCF_in_kernel | VGCF_online), "VGCF_in_kernel|online");
    CHECK(c->ctrlreg[3] == p2m[l->l4_pfn] << 12, "cr3");
}

static void check_grants_and_ports(struct backend *b, const struct build_out *o, const uint64_t *p2m,
                                   uint32_t xs)
{
    struct fake_dom *d = &fake_of(b)->dom[o->domid];
    const grant_entry_v1_t *g = (const void *)fake_frame(b, d->grant_mfn);
    CHECK(g[0].flags == GTF_permit_access && g[0].domid == b->self &&
              g[0].frame == p2m[o->layout.console_pfn],
          "grant 0: console page to us");
    CHECK(g[1].flags == GTF_permit_access && g[1].domid == xs && g[1].frame == p2m[o->layout.store_pfn],
          "grant 1: store page to xenstore");
    CHECK(g[2].flags == 0, "other entries empty");
    CHECK(d->port[o->console_port].state == 1 && d->port[o->console_port].remote_dom == b->self,
          "console port unbound for us");
    CHECK(d->port[o->store_port].state == 1 && d->port[o->store_port].remote_dom == xs,
          "store port unbound for xenstore");
}

static struct domcfg cfg_for(uint32_t mb)
{
    struct domcfg c;
    memset(&c, 0, sizeof(c));
    strcpy(c.name, "t");
    strcpy(c.cmdline, "console=hvc0 quiet");
    c.memory_mb = c.maxmem_mb = mb;
    c.vcpus = 2;
    c.caps = TESSERA_CAP_IO;
    c.max_evtchn_port = 1023;
    c.max_grant_frames = 32;
    return c;
}

static void test_linux_like(void)
{
    struct backend *b = backend_fake_new(1 << 16);
    struct domcfg c = cfg_for(64);
    static uint8_t rd[10000];
    c.ndev = 2;
    c.dev[0] = (struct dom_dev){ DEV_IOPORTS, 0x60, 0x64 };
    c.dev[1] = (struct dom_dev){ DEV_PCI, 0x20, 0x20 };
    c.npci = 1;
    c.pci[0] = 0x28;
    memset(rd, 0xab, sizeof(rd));
    size_t len = mkelf(img, sizeof(img), &linux_opts);
    struct build_in in = { &c, img, len, rd, sizeof(rd), 0, 7, 0 };
    struct build_out o;
    char err[256] = "";
    int rc = build_domain(b, &in, &o, err, sizeof(err));
    CHECK(rc == 0, "build: %s", err);
    if (rc) return backend_fake_free(b);
    struct fake_dom *d = &fake_of(b)->dom[o.domid];
    uint64_t *p2m = malloc(o.layout.nr_pages * 8);
    /* the p2m as the guest sees it: read through its own tables */
    for (uint64_t i = 0; i < o.layout.nr_pages; i++) {
        uint64_t pte = walk(b, d->l4_mfn, o.layout.p2m_va + ((i / 512) << 12));
        p2m[i] = ((uint64_t *)fake_frame(b, pte >> 12))[i % 512];
    }
    CHECK(d->paused && !d->ran && d->mappings == 0 && fake_of(b)->live_maps == 0,
          "paused, not run, no mapping left");
    CHECK(d->caps == TESSERA_CAP_IO && d->max_pages == 64 * 256 && d->tot_pages == 64 * 256,
          "caps, max_pages, tot_pages");
    CHECK(d->vcpus == 2, "vcpus");
    CHECK(d->nioports == 1 && d->ioport_first[0] == 0x60 && d->ioport_nr[0] == 5, "I/O ports granted");
    CHECK(d->npci == 2 && d->pci[0] == 0x20 && d->pci[1] == 0x28,
          "pci functions assigned (devices, then pci)");
    check_tables(b, &o, p2m);
    check_p2m(b, &o, p2m);
    check_start_info(b, &o, p2m, sizeof(rd));
    check_vcpu(b, &o, p2m);
    check_grants_and_ports(b, &o, p2m, 7);
    const uint8_t *k = fake_frame(b, p2m[0x200]);
    CHECK(k[0] == 1 && k[1] == 8, "kernel text at pfn 0x200");
    const uint8_t *hc = fake_frame(b, p2m[0x201]);
    CHECK(hc[0] == 0x51 && hc[3] == 0xb8 && hc[32 + 4] == 1 && hc[23 * 32 + 5] == 23,
          "hypercall page written");
    const uint8_t *bss = fake_frame(b, p2m[0x208]);
    CHECK(bss[0] == 0 && bss[4095] == 0, "bss zero");
    const uint8_t *m = fake_frame(b, p2m[o.layout.mod_pfn + 2]);
    CHECK(m[0] == 0xab && m[10000 - 8193] == 0xab && m[10000 - 8192] == 0, "ramdisk copied");
    CHECK(b->ops->unpause(b, o.domid) == 0 && d->ran, "unpause");
    free(p2m);
    backend_fake_free(b);
}

static void test_package(void)
{
    static const uint8_t a[5000] = { 1 }, b[3] = { 'x', 'y', 'z' };
    struct modpkg_item it[2] = { { a, sizeof(a), "prog arg1" }, { b, sizeof(b), "data" } };
    uint8_t *p;
    size_t len;
    char err[128] = "";
    CHECK(modpkg_build(it, 2, &p, &len, err, sizeof(err)) == 0, "package: %s", err);
    const struct xen_multiboot_mod_list *l = (const void *)p;
    CHECK(len == 4 * 4096, "one descriptor page, modules page aligned");
    CHECK(l[0].mod_start == 4096 && l[0].mod_end == 4096 + 4999 && l[1].mod_start == 3 * 4096 &&
              l[1].mod_end == 3 * 4096 + 2 && l[2].mod_start == 0 && l[2].mod_end == 0,
          "entries");
    CHECK(!strcmp((char *)p + l[0].cmdline, "prog arg1") && !strcmp((char *)p + l[1].cmdline, "data") &&
              l[0].cmdline >= 3 * sizeof(*l),
          "command lines after the terminator");
    CHECK(p[4096] == 1 && p[3 * 4096 + 2] == 'z', "contents");
    free(p);
    struct modpkg_item empty = { a, 0, "e" };
    CHECK(modpkg_build(&empty, 1, &p, &len, err, sizeof(err)) == -1 && !strcmp(err, "module 0 is empty"),
          "empty module refused");
}

static void test_plain(void)
{
    struct backend *b = backend_fake_new(1 << 14);
    struct domcfg c = cfg_for(8);
    struct mkelf_opts op = linux_opts;
    op.init_p2m = 0;
    op.hypercall_page_off = 0;
    op.mod_start_pfn = 0;
    size_t len = mkelf(img, sizeof(img), &op);
    struct build_in in = { &c, img, len, NULL, 0, 5, BUILD_NO_XENSTORE, 0 };
    struct build_out o;
    char err[256] = "";
    CHECK(build_domain(b, &in, &o, err, sizeof(err)) == 0, "plain build: %s", err);
    CHECK(o.domid == 5, "wanted domain id kept");
    CHECK(o.store_port == 0, "no xenstore: store_evtchn 0");
    struct fake_dom *d = &fake_of(b)->dom[o.domid];
    const start_info_t *si = (const void *)fake_frame(b, walk(b, d->l4_mfn, o.start_info_va) >> 12);
    CHECK(si->flags == 0 && si->mod_start == 0 && si->mod_len == 0, "no flags, no module");
    CHECK(si->mfn_list == o.layout.virt_base + (o.layout.p2m_pfn << 12), "p2m in the mapping");
    const grant_entry_v1_t *g = (const void *)fake_frame(b, d->grant_mfn);
    CHECK(g[1].flags == 0, "no xenstore grant");
    backend_fake_free(b);
}

/* A module package for a kernel without MOD_START_PFN: mapped, flagged. */
static void test_multiboot(void)
{
    struct backend *b = backend_fake_new(1 << 14);
    struct domcfg c = cfg_for(8);
    struct mkelf_opts op = linux_opts;
    op.init_p2m = 0;
    op.mod_start_pfn = 0;
    static uint8_t pkg[3 * 4096 + 10];
    pkg[3 * 4096] = 0x77;
    size_t len = mkelf(img, sizeof(img), &op);
    struct build_in in = { &c, img, len, pkg, sizeof(pkg), 0, BUILD_NO_XENSTORE, 1 };
    struct build_out o;
    char err[256] = "";
    CHECK(build_domain(b, &in, &o, err, sizeof(err)) == 0, "multiboot build: %s", err);
    struct fake_dom *d = &fake_of(b)->dom[o.domid];
    const start_info_t *si = (const void *)fake_frame(b, walk(b, d->l4_mfn, o.start_info_va) >> 12);
    CHECK(si->flags == SIF_MULTIBOOT_MOD, "SIF_MULTIBOOT_MOD only (flags %#x)", si->flags);
    CHECK(si->mod_start == o.layout.virt_base + (o.layout.mod_pfn << 12) && si->mod_len == sizeof(pkg),
          "package mapped after the kernel, exact length");
    CHECK(*(uint8_t *)fake_frame(b, walk(b, d->l4_mfn, si->mod_start + 3 * 4096) >> 12) == 0x77,
          "package contents reachable at mod_start");
    backend_fake_free(b);
}

static void expect_fail(struct backend *b, struct build_in *in, const char *msg)
{
    struct build_out o;
    char err[256] = "";
    uint64_t tot0, free0, tot1, free1;
    uint32_t cpus;
    b->ops->physinfo(b, &tot0, &free0, &cpus);
    CHECK(build_domain(b, in, &o, err, sizeof(err)) == -1, "refused: %s", msg);
    CHECK_STR(err, msg, "build error");
    b->ops->physinfo(b, &tot1, &free1, &cpus);
    db_dominfo info;
    CHECK(free1 == free0 && b->ops->getinfo(b, 1, &info) == -ESRCH && fake_of(b)->live_maps == 0,
          "nothing left behind (%s)", msg);
}

static void test_failures(void)
{
    struct backend *b = backend_fake_new(1 << 14);
    struct domcfg c = cfg_for(8);
    struct mkelf_opts op = linux_opts;
    size_t len = mkelf(img, sizeof(img), &op);
    struct build_in in = { &c, img, len, NULL, 0, 0, BUILD_NO_XENSTORE, 0 };
    c.ndev = 2;
    c.dev[0] = (struct dom_dev){ DEV_IOPORTS, 0x2f8, 0x2ff };
    c.dev[1] = (struct dom_dev){ DEV_IRQ, 3, 3 };
    expect_fail(b, &in, "device 1 (irq): not supported yet");
    c.dev[1] = (struct dom_dev){ DEV_IOPORTS, 0x3f8, 0x10007 };
    expect_fail(b, &in, "devices: I/O ports 0x3f8-0x10007 refused by the hypervisor: Invalid argument");
    c.dev[1] = (struct dom_dev){ DEV_PCI, 0x18, 0x18 };
    expect_fail(b, &in, "pci 0000:00:03.0: assign_device failed (-19)");
    c.ndev = 1;
    c.npci = 1;
    c.pci[0] = 0x10030;
    expect_fail(b, &in, "pci 0001:00:06.0: assign_device failed (-19)");
    c.npci = 0;
    c.ndev = 0;
    c.memory_mb = 1;
    expect_fail(b, &in, "memory too small: the layout needs 1028 pages, the domain has 256");
    c.memory_mb = c.maxmem_mb = 70;
    expect_fail(b, &in, "out of memory: t needs 70 MiB, 63 MiB free");
    /* nothing was created: the check comes before createdomain */
    db_dominfo di;
    CHECK(b->ops->getinfo(b, 1, &di) == -ESRCH, "no domain left by the memory check");
    /* Enough free for the domain's pages but not for the hypervisor's own
     * (createdomain takes 2 frames here): populate_physmap runs out, the half
     * built domain goes (expect_fail: no domain, every frame back). */
    struct fake *f = fake_of(b);
    uint64_t tot, fr, held = 0;
    uint32_t cpus;
    b->ops->physinfo(b, &tot, &fr, &cpus);
    for (uint64_t m = 1; m < f->nframes && (fr - held) % 256 != 1; m++)
        if (f->owner[m] == FAKE_FREE) f->owner[m] = FAKE_MAX_DOMS - 1, held++;
    c.memory_mb = c.maxmem_mb = (uint32_t)((fr - held) >> 8);
    char want[96];
    snprintf(want, sizeof(want), "out of memory: t needs %u MiB, 0 MiB free", c.memory_mb);
    expect_fail(b, &in, want);
    for (uint64_t m = 1; m < f->nframes; m++)
        if (f->owner[m] == FAKE_MAX_DOMS - 1) f->owner[m] = FAKE_FREE;
    c.memory_mb = c.maxmem_mb = 8;
    c.max_evtchn_port = 511;
    c.max_grant_frames = 4;
    uint32_t before = fake_of(b)->dom[1].exists;
    struct build_out o;
    char e[256];
    CHECK(!before && build_domain(b, &in, &o, e, sizeof(e)) == 0 &&
              fake_of(b)->dom[o.domid].max_evtchn_port == 511 &&
              fake_of(b)->dom[o.domid].max_grant_frames == 4,
          "max_event_channels / max_grant_frames reach createdomain: %s", e);
    b->ops->destroy(b, o.domid);
    c.max_evtchn_port = 1023;
    c.max_grant_frames = 32;
    c.memory_mb = c.maxmem_mb = 8;
    fake_of(b)->fail_create = -ENOMEM;
    expect_fail(b, &in, "out of memory: createdomain failed: Cannot allocate memory (-12)");
    in.kernel_len = 10;
    expect_fail(b, &in, "not an ELF file");
    in.kernel_len = len;
    img[18] = 3; /* e_machine = i386 */
    expect_fail(b, &in, "not an x86-64 ELF64 image");
    mkelf(img, sizeof(img), &op);
    img[16] = ET_DYN;
    expect_fail(b, &in, "not an executable ELF image");
    op.no_notes = 1;
    mkelf(img, sizeof(img), &op);
    expect_fail(b, &in, "no Xen ELF notes (not a PV kernel)");
    op = linux_opts;
    op.xen_version = "xen-4.0";
    mkelf(img, sizeof(img), &op);
    expect_fail(b, &in, "XEN_VERSION note is \"xen-4.0\", not \"xen-3.0\"");
    op = linux_opts;
    op.entry_off = 0x100000;
    mkelf(img, sizeof(img), &op);
    expect_fail(b, &in, "entry 0xffffffff80300000 outside the kernel");
    op = linux_opts;
    op.init_p2m = 0x8000001000ull;
    mkelf(img, sizeof(img), &op);
    expect_fail(b, &in, "INIT_P2M 0x8000001000 is not 512 GiB aligned");
    op = linux_opts;
    in.kernel_len = mkelf(img, sizeof(img), &op) - 0x100;
    expect_fail(b, &in, "segment 1 lies outside the file");
    in.kernel_len = len;
    memcpy(img, "\x1f\x8b\x08", 3);
    memset(img + len - 4, 0, 4); /* declared size: none */
    expect_fail(b, &in, "kernel image (gzip): unpacked size unknown");
    memcpy(img + len - 4, "\x00\x10\x00\x00", 4); /* 4 KiB */
    memcpy(img, "\x02\x21\x4c\x18", 4);
    expect_fail(b, &in, "kernel image (lz4-legacy): truncated input");
    memcpy(img, "\x7f\x45\x4c", 3);
    img[3] = 0;
    expect_fail(b, &in, "kernel image: neither ELF nor a known compressed format");
    backend_fake_free(b);
}

/* A gzip-compressed kernel (made with the gzip tool) builds like the ELF. */
static void test_gzip_kernel(void)
{
    char dir[] = "/tmp/db-gz-XXXXXX", cmd[256], path[64];
    if (!mkdtemp(dir)) return;
    size_t len = mkelf(img, sizeof(img), &linux_opts);
    snprintf(path, sizeof(path), "%s/k", dir);
    FILE *f = fopen(path, "w");
    CHECK(f && fwrite(img, 1, len, f) == len && !fclose(f), "write the kernel");
    snprintf(cmd, sizeof(cmd), "gzip -9 %s && cat %s.gz", path, path);
    static uint8_t gz[sizeof(img)];
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(gz, 1, sizeof(gz), p) : 0;
    if (p) pclose(p);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0 && n > 18 && n < len, "gzip made a smaller image (%zu)", n);
    struct backend *b = backend_fake_new(1 << 14);
    struct domcfg c = cfg_for(8);
    struct build_in in = { &c, gz, n, NULL, 0, 0, BUILD_NO_XENSTORE, 0 };
    struct build_out o;
    char err[256] = "";
    CHECK(build_domain(b, &in, &o, err, sizeof(err)) == 0, "gzip kernel builds: %s", err);
    struct fake_dom *d = &fake_of(b)->dom[o.domid];
    const uint8_t *k = fake_frame(b, walk(b, d->l4_mfn, 0xffffffff80200000ull) >> 12);
    CHECK(o.entry == 0xffffffff80200100ull && k[0] == 1 && k[1] == 8, "unpacked kernel in place");
    backend_fake_free(b);
}

void test_build(void)
{
    test_gzip_kernel();
    test_linux_like();
    test_plain();
    test_package();
    test_multiboot();
    test_failures();
}
