/* Save and restore against the fake back end (docs/save-restore.md): a
 * built domain is made to look suspended as Linux leaves itself (p2m
 * published through shared_info, console and store frames as PFNs in
 * start_info, vCPU 0's rdx the start_info frame), saved, checked, and
 * restored onto fresh frames; every damaged or hostile image is refused
 * before anything is created. */
#include "unit.h"
#include "backend/backend_fake.h"
#include "build/build.h"
#include "build/pgtable.h"
#include "cfg/domcfg.h"
#include "decompress.h"
#include "mkelf.h"
#include "save/canon.h"
#include "save/cfgtext.h"
#include "save/migrate.h"
#include "save/save.h"
#include "save/stream.h"
#include "shell/xl.h"
#include "public/tessera.h"

#include <errno.h>
#include <stdlib.h>
#include <xen/sched.h>
#include <xen/domctl.h>

static uint8_t img[1 << 20];

static const struct mkelf_opts tiny = {
    .virt_base = 0xffffffff80000000ull,
    .paddr = 0x200000,
    .text_size = 0x3000,
    .data_size = 0x1000,
    .bss = 0x1000,
    .entry_off = 0x100,
};

static uint64_t *page(struct backend *b, uint64_t mfn) { return (uint64_t *)fake_frame(b, mfn); }

/* The guest's translation of va through the tables rooted at l4 (leaf entry). */
static uint64_t walk(struct backend *b, uint64_t l4, uint64_t va)
{
    uint64_t t = l4;
    for (int shift = 39; shift >= 12; shift -= 9) {
        uint64_t e = page(b, t)[(va >> shift) & 511];
        if (!(e & 1)) return 0;
        if (shift == 12) return e;
        t = (e & 0x000ffffffffff000ull) >> 12;
    }
    return 0;
}

static struct domcfg cfg;
static struct build_out bo;
static uint64_t p2m[1024];

/* Builds a 4 MiB domain and leaves it as a suspended Linux would be: its p2m
 * published as frame lists, or (virt) as Linux does given SIF_VIRT_P2M_4TOOLS,
 * a virtual array in the page tables p2m_cr3 names. */
static uint32_t suspended_guest(struct backend *b, int virt)
{
    char err[256] = "";
    memset(&cfg, 0, sizeof(cfg));
    strcpy(cfg.name, "tiny");
    strcpy(cfg.kernel, "tiny.elf");
    strcpy(cfg.cmdline, "count \"quoted\"");
    cfg.memory_mb = cfg.maxmem_mb = 4;
    cfg.vcpus = 1;
    cfg.caps = TESSERA_CAP_CONSOLE;
    cfg.max_evtchn_port = 1023;
    cfg.max_grant_frames = 32;
    size_t len = mkelf(img, sizeof(img), &tiny);
    struct build_in in = { &cfg, img, len, NULL, 0, 0, 7, 0 };
    if (build_domain(b, &in, &bo, err, sizeof(err))) return 0;
    struct fake_dom *d = &fake_of(b)->dom[bo.domid];
    const struct pv_layout *l = &bo.layout;
    for (uint64_t i = 0; i < l->nr_pages; i++)
        p2m[i] = page(b, walk(b, d->l4_mfn, l->p2m_va + ((i / 512) << 12)) >> 12)[i % 512];
    /* memory the guest wrote: each free page says its pfn */
    for (uint64_t pfn = l->map_end_pfn; pfn < l->nr_pages; pfn++)
        page(b, p2m[pfn])[7] = 0x5a5a000000000000ull | pfn;
    /* its p2m published as Linux does: a frame list at the last pfn, the list of lists before it */
    uint64_t fl = l->nr_pages - 1, fll = l->nr_pages - 2;
    memset(page(b, p2m[fl]), 0, 4096);
    memset(page(b, p2m[fll]), 0, 4096);
    for (uint64_t i = 0; i < l->p2m_pages; i++)
        page(b, p2m[fl])[i] = p2m[l->p2m_pfn + i];
    page(b, p2m[fll])[0] = p2m[fl];
    struct shared_info *si = (void *)fake_frame(b, d->shared_info_mfn);
    si->arch.max_pfn = l->nr_pages;
    si->arch.pfn_to_mfn_frame_list_list = virt ? ~0ull : p2m[fll];
    si->arch.p2m_cr3 = virt ? xen_pfn_to_cr3(d->l4_mfn) : 0;
    si->arch.p2m_vaddr = virt ? l->p2m_va : 0;
    start_info_t *st = (void *)fake_frame(b, p2m[l->start_info_pfn]);
    st->console.domU.mfn = l->console_pfn; /* Linux's pre-suspend */
    st->store_mfn = l->store_pfn;
    b->ops->unpause(b, bo.domid);
    d->ctx.user_regs.rdx = p2m[l->start_info_pfn]; /* HYPERVISOR_suspend(start_info mfn) */
    d->ctx.user_regs.rax = 0;
    fake_shutdown(b, bo.domid, SHUTDOWN_suspend);
    return bo.domid;
}

static int parse(const uint8_t *data, size_t len, char *err, size_t errlen)
{
    struct save_image im;
    return save_parse(data, len, &im, err, errlen);
}

/* Rewrites the CRC of the record at off after a test changed it. */
static void reseal(uint8_t *data, size_t off)
{
    uint32_t len;
    memcpy(&len, data + off + 4, 4);
    size_t padded = ((size_t)len + 7) & ~(size_t)7;
    uint32_t crc = dc_crc32(0, data + off, 8 + padded);
    memcpy(data + off + 8 + padded, &crc, 4);
}

/* Offset of the first record of this type. */
static size_t find_rec(const uint8_t *data, size_t len, uint32_t type)
{
    for (size_t off = SAVE_HDR_LEN; off + 8 <= len;) {
        uint32_t t, n;
        memcpy(&t, data + off, 4);
        memcpy(&n, data + off + 4, 4);
        if (t == type) return off;
        off += 8 + (((size_t)n + 7) & ~(size_t)7) + 8;
    }
    return 0;
}

static void expect_refused(const uint8_t *data, size_t len, const char *want, const char *what)
{
    char err[256] = "";
    int rc = parse(data, len, err, sizeof(err));
    CHECK(rc == -1 && strstr(err, want), "%s: refused with \"%s\" (got %d \"%s\")", what, want, rc, err);
}

static void hostile(const struct save_buf *w)
{
    uint8_t *c = malloc(w->len);
    memcpy(c, w->data, w->len);
    expect_refused(c, 10, "no TESSAVE header", "a 10-byte file");
    c[0] = 'X';
    expect_refused(c, w->len, "not a Tessera save image", "wrong magic");
    memcpy(c, w->data, w->len);
    c[8] = 2;
    expect_refused(c, w->len, "version 2, this builder reads version 1", "wrong version");
    memcpy(c, w->data, w->len);
    c[w->len / 2] ^= 0x40;
    expect_refused(c, w->len, "bad checksum", "a flipped bit in the pages");
    memcpy(c, w->data, w->len);
    expect_refused(c, w->len - 4096, "truncated", "truncated by a page");
    expect_refused(c, w->len - 16, "truncated", "END record cut off");
    expect_refused(c, SAVE_HDR_LEN, "truncated", "header only");
    /* well-sealed but wrong contents */
    size_t pd = find_rec(c, w->len, SREC_PAGE_DATA);
    uint64_t e;
    memcpy(&e, c + pd + 16, 8);
    uint64_t bad = e | 0xfffff;
    memcpy(c + pd + 16, &bad, 8);
    reseal(c, pd);
    expect_refused(c, w->len, "out of range", "a pfn beyond the p2m");
    bad = (e & SAVE_PFN_MASK) | 0x5ull << 60;
    memcpy(c + pd + 16, &bad, 8);
    reseal(c, pd);
    expect_refused(c, w->len, "unknown type", "a reserved page type");
    memcpy(c, w->data, w->len);
    size_t vc = find_rec(c, w->len, SREC_VCPU);
    c[vc] = 9;
    reseal(c, vc);
    expect_refused(c, w->len, "unknown record type 9", "an unknown record");
    c[vc] = SREC_CONFIG;
    reseal(c, vc);
    expect_refused(c, w->len, "record 2 twice", "a second CONFIG record");
    memcpy(c, w->data, w->len);
    size_t pm = find_rec(c, w->len, SREC_P2M_FRAMES);
    c[pm + 8 + 2] = 0x10; /* frame 0 at pfn 0x100000 and up */
    reseal(c, pm);
    expect_refused(c, w->len, "P2M_FRAMES: frame 0 at pfn", "a p2m frame outside the image");
    memcpy(c, w->data, w->len);
    size_t dm = find_rec(c, w->len, SREC_DOMAIN);
    c[dm + 8] = 9; /* vcpus */
    reseal(c, dm);
    expect_refused(c, w->len, "DOMAIN record: 9 vCPUs", "nine vCPUs");
    free(c);
    uint8_t *longer = malloc(w->len + 8);
    memcpy(longer, w->data, w->len);
    memset(longer + w->len, 0, 8);
    expect_refused(longer, w->len + 8, "after its END record", "bytes after END");
    free(longer);
}

/* A copy of the image whose first L1 table's first present entry names a
 * pfn beyond the image: it parses, and the restore finds it while it writes
 * the tables into the new domain (which it then destroys). */
static char err_bad[256];
static int bad_table_restore(struct backend *b, const struct save_buf *w, const struct build_in *in,
                             struct build_out *o)
{
    uint8_t *c = malloc(w->len);
    struct save_image im;
    const uint8_t *pos = NULL, *data;
    const uint64_t *ents;
    uint32_t count;
    int done = 0, rc = -1;
    memcpy(c, w->data, w->len);
    if (save_parse(c, w->len, &im, err_bad, sizeof(err_bad))) goto out;
    while (!done && !save_next_pages(&im, &pos, &count, &ents, &data))
        for (uint32_t i = 0, k = 0; !done && i < count;
             k += save_type_has_data(save_pfn_type(ents[i])), i++) {
            if (save_type_level(save_pfn_type(ents[i])) != 1) continue;
            uint64_t *t = (uint64_t *)(c + (data - c) + (size_t)k * 4096);
            for (int e = 0; !done && e < 512; e++)
                if (t[e] & 1) {
                    t[e] = (t[e] & 0xfff) | (im.dom.nr_pfns + 5) << 12;
                    done = 1;
                }
            if (done) reseal(c, (size_t)((const uint8_t *)ents - c) - 16);
        }
    if (done && !save_parse(c, w->len, &im, err_bad, sizeof(err_bad)))
        rc = restore_domain(b, &im, in, o, err_bad, sizeof(err_bad));
out:
    free(c);
    return done ? rc : 0;
}

static void check_restored(struct backend *b, uint32_t id, const struct build_out *o)
{
    struct fake_dom *d = &fake_of(b)->dom[id];
    const struct pv_layout *l = &bo.layout;
    uint64_t np[1024];
    int bad = 0;
    CHECK(d->paused && !d->ran && d->mappings == 0 && fake_of(b)->live_maps == 0 && d->ctx_set,
          "restored: paused, not run, no mapping, vCPU 0 set");
    CHECK(d->tot_pages == l->nr_pages, "restored: %llu pages", (unsigned long long)d->tot_pages);
    /* the guest's p2m, read through its restored tables, names the new frames */
    for (uint64_t i = 0; i < l->nr_pages; i++) {
        np[i] = page(b, walk(b, d->l4_mfn, l->p2m_va + ((i / 512) << 12)) >> 12)[i % 512];
        bad += fake_of(b)->owner[np[i]] != id;
    }
    CHECK(!bad, "restored: the guest's p2m names its own new frames (%d not)", bad);
    for (uint64_t pfn = 0; pfn < l->map_end_pfn; pfn++)
        bad += (walk(b, d->l4_mfn, l->virt_base + (pfn << 12)) >> 12 & 0xffffffffffull) != np[pfn];
    CHECK(!bad, "restored: page tables map each pfn's new frame (%d wrong)", bad);
    for (uint64_t pfn = l->map_end_pfn; pfn < l->nr_pages - 2; pfn++)
        bad += page(b, np[pfn])[7] != (0x5a5a000000000000ull | pfn);
    CHECK(!bad, "restored: memory contents (%d pages wrong)", bad);
    CHECK(d->l4_mfn == np[l->l4_pfn] && d->ctx.ctrlreg[3] == np[l->l4_pfn] << 12,
          "restored: L4 pinned, CR3 in machine form");
    CHECK(d->ctx.user_regs.rdx == np[l->start_info_pfn] && d->ctx.user_regs.rax == 0,
          "restored: rdx the new start_info frame, the suspend returns 0");
    const start_info_t *st = (const void *)fake_frame(b, np[l->start_info_pfn]);
    CHECK(st->console.domU.mfn == np[l->console_pfn] && st->store_mfn == np[l->store_pfn] &&
              st->console.domU.evtchn == o->console_port && st->store_evtchn == o->store_port &&
              st->shared_info == d->shared_info_mfn << 12,
          "restored: start_info has the new console, store and shared info");
    CHECK(o->console_mfn == np[l->console_pfn] && o->store_mfn == np[l->store_pfn],
          "restored: console and store frames reported");
}

static void test_roundtrip(void)
{
    struct backend *b = backend_fake_new(1 << 14);
    char err[256] = "", text[4096];
    uint32_t id = suspended_guest(b, 0);
    CHECK(id != 0, "a suspended guest");
    if (!id) return backend_fake_free(b);
    int tl = save_cfg_text(&cfg, text, sizeof(text));
    CHECK(tl > 0, "config as text");
    struct domcfg again;
    CHECK(tl > 0 && !domcfg_parse("saved", text, (size_t)tl, &again, err, sizeof(err)) &&
              !strcmp(again.cmdline, cfg.cmdline) && again.caps == cfg.caps && again.memory_mb == 4,
          "the text parses back to the same config: %s", err);

    struct save_buf w;
    CHECK(save_domain(b, 99, text, (size_t)tl, &w, err, sizeof(err)) == -1 && strstr(err, "no domain 99"),
          "save of a missing domain: %s", err);
    struct fake_dom *d = &fake_of(b)->dom[id];
    d->reason = SHUTDOWN_poweroff;
    CHECK(save_domain(b, id, text, (size_t)tl, &w, err, sizeof(err)) == -1 &&
              strstr(err, "has not suspended"),
          "save of a domain that did not suspend: %s", err);
    d->reason = SHUTDOWN_suspend;
    int rc = save_domain(b, id, text, (size_t)tl, &w, err, sizeof(err));
    CHECK(rc == 0, "save: %s", err);
    if (rc) return backend_fake_free(b);
    CHECK(fake_of(b)->live_maps == 0 && d->paused, "save: no mapping left, domain paused");
    struct save_image im;
    rc = save_parse(w.data, w.len, &im, err, sizeof(err));
    CHECK(rc == 0 && im.dom.nr_pfns == bo.layout.nr_pages && im.dom.vcpus == 1 &&
              im.dom.start_info_pfn == bo.layout.start_info_pfn && im.nr_pages == bo.layout.nr_pages,
          "the image parses: %llu pages, start_info pfn %llu: %s", (unsigned long long)im.nr_pages,
          (unsigned long long)im.dom.start_info_pfn, err);
    /* canonical form: the saved L4 names PFNs, not MFNs */
    const uint8_t *pos = NULL, *data;
    const uint64_t *ents;
    uint32_t count;
    int l4s = 0, canon = 0;
    while (!rc && !save_next_pages(&im, &pos, &count, &ents, &data))
        for (uint32_t i = 0, k = 0; i < count; i++) {
            if (save_pfn_type(ents[i]) == (XEN_DOMCTL_PFINFO_L4TAB | XEN_DOMCTL_PFINFO_LPINTAB)) {
                l4s++;
                canon = ((const uint64_t *)(data + (size_t)k * 4096))[511] >> 12 == (bo.layout.l4_pfn + 1);
            }
            k += save_type_has_data(save_pfn_type(ents[i]));
        }
    CHECK(l4s == 1 && canon, "one pinned L4 saved, its entries hold PFNs");
    hostile(&w);

    /* a checkpoint: the domain runs on, its suspend cancelled */
    CHECK(b->ops->resume(b, id) == 0 && !d->shutdown && !d->paused && d->ctx.user_regs.rax == 1,
          "resume after a checkpoint: running, suspend returns 1");
    CHECK(b->ops->destroy(b, id) == 0, "the saved domain destroyed");

    /* restore; a config too small for the image fails and leaves nothing */
    struct domcfg rcfg;
    domcfg_parse("saved", im.cfg, im.cfg_len, &rcfg, err, sizeof(err));
    struct build_in in = { &rcfg, NULL, 0, NULL, 0, 0, 7, 0 };
    struct build_out o;
    uint64_t free0, total;
    uint32_t cpus;
    b->ops->physinfo(b, &total, &free0, &cpus);
    rcfg.maxmem_mb = 2;
    rc = restore_domain(b, &im, &in, &o, err, sizeof(err));
    uint64_t free1;
    b->ops->physinfo(b, &total, &free1, &cpus);
    db_dominfo info;
    CHECK(rc == -1 && free1 == free0 && b->ops->getinfo(b, 1, &info) == -ESRCH && fake_of(b)->live_maps == 0,
          "restore into 2 MiB refused, nothing left: %s", err);
    rcfg.maxmem_mb = 4;
    rc = bad_table_restore(b, &w, &in, &o);
    b->ops->physinfo(b, &total, &free1, &cpus);
    CHECK(rc == -1 && strstr(err_bad, "which has no page") && free1 == free0 &&
              b->ops->getinfo(b, 1, &info) == -ESRCH && fake_of(b)->live_maps == 0,
          "a table naming a pfn without a page: refused after the domain was made, nothing left: %s",
          err_bad);
    rc = restore_domain(b, &im, &in, &o, err, sizeof(err));
    CHECK(rc == 0, "restore: %s", err);
    if (!rc) check_restored(b, o.domid, &o);
    save_free(&w);
    backend_fake_free(b);
}

/* The m2p used for canonical frames refuses a frame at two pfns. */
static void test_migrate(void);
static void rx_parts(void);

static void test_canon(void)
{
    uint64_t p[4] = { 10, 20, SAVE_NO_FRAME, 30 }, dup[3] = { 5, 6, 5 };
    struct save_m2p m;
    CHECK(save_m2p_build(&m, p, 4) == 0 && save_m2p_lookup(&m, 30) == 3 && save_m2p_lookup(&m, 20) == 1 &&
              save_m2p_lookup(&m, 11) == SAVE_NO_FRAME,
          "m2p from a p2m with a hole");
    save_m2p_free(&m);
    CHECK(save_m2p_build(&m, dup, 3) == -1, "a frame at two pfns refused");
}

static char said[8][300];
static int nsaid;
static void take(void *ctx, const char *line)
{
    (void)ctx;
    if (nsaid < 8) snprintf(said[nsaid++], sizeof(said[0]), "%s", line);
}

static const char *xl(struct mgr *m, struct xl_session *s, const char *line)
{
    nsaid = 0;
    said[0][0] = 0;
    xl_exec(m, s, line);
    return said[0];
}

/* The xl verbs through the manager: refusals, then a restore from the store. */
static void test_xl_verbs(void)
{
    static struct mgr m;
    static struct xl_session s;
    struct backend *b = backend_fake_new(1 << 14);
    char err[256] = "", text[4096];
    uint32_t id = suspended_guest(b, 1);
    int tl = save_cfg_text(&cfg, text, sizeof(text));
    struct save_buf w;
    int rc = id && tl > 0 ? save_domain(b, id, text, (size_t)tl, &w, err, sizeof(err)) : -1;
    CHECK(rc == 0, "a saved image, the p2m found as a virtual array: %s", err);
    if (rc) return backend_fake_free(b);
    b->ops->destroy(b, id);
    mgr_init(&m, b);
    s.out = (struct db_out){ take, NULL, NULL };
    m.xenstore_domid = BUILD_NO_XENSTORE;
    static const uint8_t junk[32] = { 'T', 'E', 'S', 'S', 'A', 'V', 'E', '\n', 1, [16] = 0xde };
    hostfiles_add(&m.host, "junk", memcpy(malloc(sizeof(junk)), junk, sizeof(junk)), sizeof(junk), 0);
    CHECK_STR(xl(&m, &s, "xl restore junk"), "xl: junk: save image header damaged (checksum)",
              "a damaged header refused");
    CHECK_STR(xl(&m, &s, "xl restore nosuch"), "xl: nosuch: no such save image (xl save, or scripts/xl put)",
              "a missing image");
    CHECK_STR(xl(&m, &s, "xl save nosuch x"), "xl: no such domain", "save of a missing domain");
    CHECK_STR(xl(&m, &s, "xl save tiny"), "xl: usage: xl save [-c] DOMAIN NAME", "save usage");
    db_dominfo info;
    CHECK(b->ops->getinfo(b, 1, &info) == -ESRCH, "nothing created by the refusals");
    hostfiles_add(&m.host, "tiny.sav", w.data, w.len, 0);
    CHECK_STR(xl(&m, &s, "xl restore tiny.sav"), "restored domain 1 (tiny)", "xl restore");
    struct mgr_dom *d = mgr_find(&m, "tiny");
    struct fake_dom *fd = &fake_of(b)->dom[1];
    CHECK(d && d->cons && fd->ran && !fd->paused && fake_of(b)->live_maps == 0,
          "restored: managed, console connected, running, no mapping left");
    CHECK_STR(xl(&m, &s, "xl restore tiny.sav"), "xl: a domain of that name exists",
              "a second restore of a running name refused");
    backend_fake_free(b);
}

/* The devices written out for a restore under another domid: a vif's
 * derived MAC pinned, the config text parsed back with the same devices;
 * a hole in the vif list and a spec too long refused. */
static void test_cfg_pin(void)
{
    static struct domcfg c, back;
    char err[256] = "", text[8192];
    memset(&c, 0, sizeof(c));
    strcpy(c.name, "net");
    strcpy(c.kernel, "k.elf");
    c.memory_mb = c.maxmem_mb = 4;
    c.vcpus = 1;
    c.max_evtchn_port = 1023;
    c.max_grant_frames = 32;
    strcpy(c.vif[0], "ip=10.0.0.1, backend=netback");
    strcpy(c.vif[1], " mac=00:16:3e:aa:bb:cc");
    strcpy(c.vif[2], "");
    c.nvif = 3;
    strcpy(c.disk[0], "vdev=xvda, access=rw, target=data");
    c.ndisk = 1;
    CHECK(save_cfg_pin(&c, 261, err, sizeof(err)) == 0, "pin: %s", err);
    CHECK_STR(c.vif[0], "ip=10.0.0.1, backend=netback, mac=00:16:3e:01:05:00",
              "pin: the derived MAC written");
    CHECK_STR(c.vif[1], " mac=00:16:3e:aa:bb:cc", "pin: a given MAC kept");
    CHECK_STR(c.vif[2], "mac=00:16:3e:01:05:02", "pin: an empty spec gets its MAC");
    int tl = save_cfg_text(&c, text, sizeof(text));
    CHECK(tl > 0 && domcfg_parse("img", text, (size_t)tl, &back, err, sizeof(err)) == 0,
          "pin: parsed back: %s", err);
    CHECK(back.nvif == 3 && back.ndisk == 1 && !strcmp(back.vif[0], c.vif[0]) &&
              !strcmp(back.vif[2], c.vif[2]) && !strcmp(back.disk[0], c.disk[0]),
          "pin: the same vifs and disk after a round trip");
    strcpy(c.vif[0], "#");
    CHECK(save_cfg_pin(&c, 261, err, sizeof(err)) == -1, "pin: a hole refused");
    CHECK_STR(err,
              "vif 0 was detached and vif 2 follows it: a save image cannot keep the hole "
              "(network-detach the later ones too)",
              "pin: the hole's reason");
    memset(c.vif[0], 'x', DOM_SPEC_MAX - 8);
    c.vif[0][DOM_SPEC_MAX - 8] = 0;
    CHECK(save_cfg_pin(&c, 261, err, sizeof(err)) == -1 && strstr(err, "vif 0: its spec with mac=") != NULL,
          "pin: no room for the MAC refused: %s", err);
}

void test_save(void)
{
    test_canon();
    test_cfg_pin();
    test_roundtrip();
    test_migrate();
    rx_parts();
    test_xl_verbs();
}

/* Live migration over the fake back end (save/migrate.c): the sender's
 * rounds as the guest "writes" pages between them, the receiver building the
 * copy part by part; a stream cut in its first round or its last part. */
struct mig {
    struct backend *b;
    uint32_t id;
    struct migrate_rx rx;
    uint64_t at, cut;
    int round;
};

static void guest_writes(struct mig *t, uint64_t from, uint64_t n, uint64_t tag)
{
    struct fake_dom *d = &fake_of(t->b)->dom[t->id];
    for (uint64_t pfn = from; pfn < from + n; pfn++) {
        page(t->b, p2m[pfn])[8] = tag | pfn;
        d->dirty[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
    }
}

static int mig_send(void *ctx, const uint8_t *data, size_t len, int last, char *err, size_t errlen)
{
    struct mig *t = ctx;
    (void)last;
    size_t n = t->cut - t->at < len ? (size_t)(t->cut - t->at) : len;
    t->at += n;
    int rc = migrate_rx_part(&t->rx, data, n, err, errlen);
    if (rc >= 0 && n < len) {
        migrate_rx_abort(&t->rx);
        snprintf(err, errlen, "cut");
        return -1;
    }
    return rc < 0 ? -1 : 0;
}

static int mig_suspend(void *ctx, char *err, size_t errlen)
{
    struct mig *t = ctx;
    (void)err, (void)errlen;
    guest_writes(t, bo.layout.nr_pages - 400 + 300, 1, 0x3333000000000000ull); /* while it suspends */
    fake_shutdown(t->b, t->id, SHUTDOWN_suspend);
    return 0;
}

/* Round 1: 100 pages written, round 2: 80, round 3: 2 (few enough to stop). */
static void mig_between(void *ctx)
{
    struct mig *t = ctx;
    uint64_t base = bo.layout.nr_pages - 400; /* free memory */
    t->round++;
    if (t->round == 1) guest_writes(t, base, 100, 0x1111000000000000ull);
    if (t->round == 2) guest_writes(t, base + 100, 80, 0x2222000000000000ull);
    if (t->round == 3) guest_writes(t, base + 200, 2, 0x2222000000000000ull);
}

static uint64_t mig_now(void) { return 0; }

static int migrate_once(struct mig *t, uint64_t cut, struct migrate_stats *st, char *err, size_t errlen)
{
    static struct domcfg rcfg;
    char text[4096];
    memset(t, 0, sizeof(*t));
    t->b = backend_fake_new(1 << 14);
    t->id = suspended_guest(t->b, 0);
    t->cut = cut;
    struct fake_dom *d = &fake_of(t->b)->dom[t->id];
    d->shutdown = d->paused = 0; /* running, as before its suspend */
    int tl = save_cfg_text(&cfg, text, sizeof(text));
    migrate_rx_init(&t->rx, t->b, &rcfg, 7);
    const struct migrate_link link = { t, mig_send, mig_suspend, mig_between, mig_now };
    int rc = migrate_send(t->b, t->id, text, (size_t)tl, &link, st, err, errlen);
    if (rc) migrate_rx_abort(&t->rx); /* as the shell does */
    return rc;
}

static void test_migrate(void)
{
    struct mig t;
    struct migrate_stats st;
    char err[256] = "";
    const struct pv_layout *l = &bo.layout;
    int rc = migrate_once(&t, ~0ull, &st, err, sizeof(err));
    struct fake_dom *d = &fake_of(t.b)->dom[t.id];
    CHECK(rc == 0 && t.rx.state == 2, "migrate: sent and built: %s", err);
    CHECK(st.rounds == 3 && st.pages[0] == l->nr_pages && st.pages[1] == 100 && st.pages[2] == 80 &&
              st.final_pages == 3,
          "migrate: rounds of %llu, %llu, %llu pages, then %llu stopped", (unsigned long long)st.pages[0],
          (unsigned long long)st.pages[1], (unsigned long long)st.pages[2],
          (unsigned long long)st.final_pages);
    CHECK(d->shutdown && d->paused && !d->log_dirty,
          "migrate: the source is left suspended, paused, not logging");
    uint64_t total = st.bytes;
    if (!rc && t.rx.state == 2) {
        check_restored(t.b, t.rx.out.domid, &t.rx.out);
        struct fake_dom *n = &fake_of(t.b)->dom[t.rx.out.domid];
        int bad = 0;
        for (uint64_t pfn = l->nr_pages - 400; pfn < l->nr_pages - 400 + 301; pfn++) {
            uint64_t np = page(t.b, walk(t.b, n->l4_mfn, l->p2m_va + ((pfn / 512) << 12)) >> 12)[pfn % 512];
            uint64_t k = pfn - (l->nr_pages - 400);
            uint64_t want = k < 100                           ? 0x1111000000000000ull | pfn
                            : k < 180 || k == 200 || k == 201 ? 0x2222000000000000ull | pfn
                            : k == 300                        ? 0x3333000000000000ull | pfn
                                                              : page(t.b, p2m[pfn])[8];
            bad += page(t.b, np)[8] != want;
        }
        CHECK(!bad, "migrate: every page written during the rounds and the suspend arrived (%d wrong)", bad);
    }
    backend_fake_free(t.b);

    /* cut in the first round: nothing built, the source runs on and logs no more */
    rc = migrate_once(&t, 100000, &st, err, sizeof(err));
    d = &fake_of(t.b)->dom[t.id];
    db_dominfo info;
    CHECK(rc == -1 && strstr(err, "truncated in a record") && t.rx.state == -1,
          "migrate: a stream cut in its first round refused: %s", err);
    CHECK(!d->shutdown && !d->paused && !d->log_dirty && fake_of(t.b)->live_maps == 0 &&
              t.b->ops->getinfo(t.b, t.id + 1, &info) == -ESRCH,
          "migrate: source running, not logging; no domain left behind");
    backend_fake_free(t.b);

    /* cut 100 bytes before the end: the suspended source is resumed */
    rc = migrate_once(&t, total - 100, &st, err, sizeof(err));
    d = &fake_of(t.b)->dom[t.id];
    CHECK(rc == -1 && strstr(err, "truncated") && t.rx.state == -1,
          "migrate: a stream cut in its last part refused: %s", err);
    CHECK(!d->shutdown && !d->paused && !d->log_dirty && d->ctx.user_regs.rax == 1 &&
              t.b->ops->getinfo(t.b, t.id + 1, &info) == -ESRCH && fake_of(t.b)->live_maps == 0,
          "migrate: the source resumed (suspend returns 1), no domain left behind");
    backend_fake_free(t.b);
}

/* A save image fed to the receiver in parts, whole and hostile. */
static void rx_parts(void)
{
    static struct domcfg rcfg;
    struct backend *b = backend_fake_new(1 << 14);
    char err[256] = "", text[4096];
    uint32_t id = suspended_guest(b, 0);
    int tl = save_cfg_text(&cfg, text, sizeof(text));
    struct save_buf w;
    if (!id || tl < 0 || save_domain(b, id, text, (size_t)tl, &w, err, sizeof(err))) {
        CHECK(0, "rx: a save image to split: %s", err);
        return backend_fake_free(b);
    }
    b->ops->destroy(b, id);
    uint64_t tot, free0, free1;
    uint32_t cpus;
    b->ops->physinfo(b, &tot, &free0, &cpus);
    size_t pages_at = find_rec(w.data, w.len, SREC_PAGE_DATA), second;
    uint32_t n;
    memcpy(&n, w.data + pages_at + 4, 4);
    second = pages_at + 8 + ((n + 7u) & ~7u) + 8; /* after the first PAGE_DATA record (512 PFNs) */
    size_t end = w.len - 16;                      /* after all of them: END is left */
    struct migrate_rx x;
    struct {
        size_t split, tail;
        const char *want;
    } bad[] = {
        { SAVE_HDR_LEN, w.len, "not a Tessera save image" }, /* the first part lacks the header */
        { pages_at, w.len, "lacks its pages" },              /* nothing to build from */
        { second - 5, w.len, "truncated in a record" },      /* a part ending inside a record */
        { second, w.len, "0x200 gains a page" },             /* PFNs 512.. had none in the first part */
        { end, w.len, "is not in its last part" },           /* vCPU state in the first part */
        { end, end, "no END record" },                       /* the link closed before END */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        migrate_rx_init(&x, b, &rcfg, 7);
        int rc = bad[i].split == SAVE_HDR_LEN
                     ? migrate_rx_part(&x, w.data + SAVE_HDR_LEN, w.len - SAVE_HDR_LEN, err, sizeof(err))
                     : migrate_rx_part(&x, w.data, bad[i].split, err, sizeof(err));
        if (rc == 0)
            rc = migrate_rx_part(&x, w.data + bad[i].split, bad[i].tail - bad[i].split, err, sizeof(err));
        if (rc == 0) { /* the stream ended without END: the link closed */
            migrate_rx_abort(&x);
            snprintf(err, sizeof(err), "no END record");
        }
        b->ops->physinfo(b, &tot, &free1, &cpus);
        CHECK(rc <= 0 && strstr(err, bad[i].want) && free1 == free0 && x.state == -1 &&
                  fake_of(b)->live_maps == 0,
              "rx: refused with \"%s\", nothing left (got %d \"%s\")", bad[i].want, rc, err);
    }
    /* whole in one part: built; a part after it refused */
    migrate_rx_init(&x, b, &rcfg, 7);
    int rc = migrate_rx_part(&x, w.data, w.len, err, sizeof(err));
    CHECK(rc == 1 && x.state == 2, "rx: a whole image as one part builds the domain: %s", err);
    if (rc == 1) check_restored(b, x.out.domid, &x.out);
    CHECK(migrate_rx_part(&x, w.data, w.len, err, sizeof(err)) == -1 && strstr(err, "after its end"),
          "rx: a part after END refused: %s", err);
    migrate_rx_abort(&x);
    save_free(&w);
    backend_fake_free(b);
}
