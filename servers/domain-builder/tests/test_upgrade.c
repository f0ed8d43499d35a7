/* xl restart NAME IMAGE (issue 16's live upgrade) against the fake back end:
 * a service domain's program replaced by a new build, with its arguments;
 * each refusal (no such image, not an ELF program the runtime loads, no
 * program note, another program) leaves the running domain untouched; an
 * image that passes the checks but cannot be built falls back to the
 * previous program; xl list -v shows the program and version. */
#include "unit.h"
#include "backend/backend_fake.h"
#include "mkelf.h"
#include "shell/xl.h"
#include "shell_out.h"
#include "elf64.h"
#include "decompress.h"

#include <stdlib.h>
#include <xen/sched.h>

static uint8_t kernel[64 << 10];
static size_t kernel_len;

/* Programs: a static executable with one PT_LOAD and, unless note is NULL,
 * the program note in a SHT_NOTE section. */
struct prog {
    const char *path, *name, *version;
    size_t size;  /* file size (the segment's file bytes grow with it) */
    int bad_seg;  /* the segment's file bytes run past the end of the file */
    int dyn;      /* ET_DYN (a dynamically linked or PIE program) */
    uint8_t *img; /* built by mkprog */
};

static void mkprog(struct prog *p)
{
    size_t size = p->size ? p->size : 4096;
    uint8_t *b = p->img = calloc(1, size);
    Elf64_Ehdr eh = { .e_type = ET_EXEC,
                      .e_machine = EM_X86_64,
                      .e_version = 1,
                      .e_entry = 0x401000,
                      .e_phoff = 64,
                      .e_ehsize = 64,
                      .e_phentsize = sizeof(Elf64_Phdr),
                      .e_phnum = 1 };
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[5] = 1; /* little-endian */
    eh.e_ident[6] = 1;
    Elf64_Phdr ph = { .p_type = PT_LOAD,
                      .p_flags = PF_R | PF_X,
                      .p_offset = 0,
                      .p_vaddr = 0x400000,
                      .p_filesz = p->bad_seg ? size + 4096 : size,
                      .p_memsz = size + 4096 };
    if (p->name) {
        /* section headers at 1024: a null one and the note's; the note at 512 */
        char desc[64];
        uint32_t dsz = (uint32_t)(strlen(p->name) + 1 + strlen(p->version) + 1), nh[3] = { 8, dsz, 1 };
        memcpy(desc, p->name, strlen(p->name) + 1);
        memcpy(desc + strlen(p->name) + 1, p->version, strlen(p->version) + 1);
        memcpy(b + 512, nh, 12);
        memcpy(b + 524, "Tessera", 8);
        memcpy(b + 532, desc, dsz);
        Elf64_Shdr sh = { .sh_type = SHT_NOTE, .sh_offset = 512, .sh_size = (12 + 8 + dsz + 3) & ~3u };
        memcpy(b + 1024 + sizeof(sh), &sh, sizeof(sh));
        eh.e_shoff = 1024;
        eh.e_shentsize = sizeof(Elf64_Shdr);
        eh.e_shnum = 2;
    }
    if (p->dyn) eh.e_type = 3; /* ET_DYN */
    memcpy(b, &eh, sizeof(eh));
    memcpy(b + 64, &ph, sizeof(ph));
}

static struct prog progs[] = {
    { "svc-1", "svc", "1", 0, 0, 0, NULL },     { "svc-2", "svc", "2", 0, 0, 0, NULL },
    { "other-1", "other", "1", 0, 0, 0, NULL }, { "nonote", NULL, NULL, 0, 0, 0, NULL },
    { "badseg", "svc", "3", 0, 1, 0, NULL },    { "huge", "svc", "4", 6u << 20, 0, 0, NULL },
    { "pie", "svc", "5", 0, 0, 1, NULL },       { "svc-3", "svc", "3", 0, 0, 0, NULL },
};

static const char svc_cfg[] =
    "name='svc'\nkernel='k.elf'\nmemory=4\ncapabilities=['IO']\non_crash='restart'\n"
    "modules=['svc-1 arg=1 two']\n";

static int rd(void *ctx, const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
    (void)ctx;
    const uint8_t *src = NULL;
    size_t n = 0;
    if (!strcmp(path, "k.elf")) src = kernel, n = kernel_len;
    if (!strcmp(path, "svc.cfg")) src = (const uint8_t *)svc_cfg, n = strlen(svc_cfg);
    if (!strcmp(path, "junk")) src = (const uint8_t *)"#!/bin/sh\necho hello\n", n = 21;
    for (size_t i = 0; i < sizeof(progs) / sizeof(*progs); i++)
        if (!strcmp(path, progs[i].path)) src = progs[i].img, n = progs[i].size ? progs[i].size : 4096;
    return file_answer(src, n, path, max, buf, len, err, errlen);
}

/* The program column of xl list -v for svc ("" if none). */
static const char *listed_program(struct mgr *m, struct xl_session *s)
{
    run(m, s, "xl list -v svc\n");
    const char *p = nout == 2 ? strstr(out[1], "  svc ") : NULL;
    return p ? p + 2 : "";
}

void test_upgrade(void)
{
    static struct mgr m;
    static struct xl_session s;
    struct backend *b = backend_fake_new(1 << 14);
    kernel_len = mkelf_small(kernel, sizeof(kernel));
    for (size_t i = 0; i < sizeof(progs) / sizeof(*progs); i++)
        mkprog(&progs[i]);
    CHECK(mgr_init(&m, b) == 0, "manager up");
    m.read_file = rd;
    m.log = (struct db_out){ take, NULL, NULL };
    s.out = (struct db_out){ take, NULL, NULL };
    run(&m, &s, "xl create svc.cfg\n");
    struct mgr_dom *d = mgr_find(&m, "svc");
    CHECK(d != NULL, "svc created");
    if (!d) return;
    uint32_t id = d->domid;
    char want[128];
    snprintf(want, sizeof(want), "svc 1 %08x", (unsigned)d->prog_crc);
    CHECK_STR(listed_program(&m, &s), want, "xl list -v: the program, its version and image CRC-32");
    run(&m, &s, "xl list -v\n");
    CHECK(nout >= 1 && strstr(out[0], "Time(s)  Program"), "xl list -v: a Program column (%s)", out[0]);

    /* refusals: nothing about the running domain changes */
    static const struct {
        const char *cmd, *msg;
    } refused[] = {
        { "xl restart svc nosuch\n", "xl: nosuch: No such file or directory" },
        { "xl restart svc junk\n", "xl: junk: not a program the runtime can load: not an ELF file" },
        { "xl restart svc badseg\n", "xl: badseg: not a program the runtime can load: a loaded segment lies "
                                     "outside the file or the program "
                                     "area" },
        { "xl restart svc nonote\n",
          "xl: nonote: not a service program (no program note: servers/lib/progver.h)" },
        { "xl restart svc other-1\n", "xl: other-1 is program other, svc runs svc" },
        { "xl restart svc pie\n", "xl: pie: not a program the runtime can load: not a static executable "
                                  "(ET_EXEC); link with musl-gcc -static" },
        /* a PV kernel is no program: its segments lie in the kernel's area */
        { "xl restart svc k.elf\n", "xl: k.elf: not a program the runtime can load: a loaded segment lies "
                                    "outside the file or the program area" },
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
        uint64_t l4 = fake_of(b)->dom[id].l4_mfn;
        run(&m, &s, refused[i].cmd);
        CHECK_STR(nout ? out[0] : "", refused[i].msg, refused[i].cmd);
        CHECK(mgr_find(&m, "svc") == d && d->domid == id && fake_of(b)->dom[id].l4_mfn == l4 &&
                  !fake_of(b)->dom[id].paused && !strcmp(d->cfg.module[0], "svc-1 arg=1 two"),
              "%s: the running domain untouched", refused[i].cmd);
    }
    run(&m, &s, "xl restart svc a b\n");
    CHECK(nout && strstr(out[0], "xl restart NAME [IMAGE]"), "xl restart with three words: its usage");

    /* the upgrade: the same id, the new image with the old arguments */
    uint64_t l4 = fake_of(b)->dom[id].l4_mfn;
    run(&m, &s, "xl restart svc svc-2\n");
    snprintf(want, sizeof(want), "restarted svc as domain %u with program svc version 2", id);
    CHECK_STR(nout ? out[nout - 1] : "", want, "xl restart svc svc-2");
    CHECK(d->domid == id && fake_of(b)->dom[id].l4_mfn != l4 && fake_of(b)->dom[id].ran,
          "rebuilt with its id and running");
    CHECK_STR(d->cfg.module[0], "svc-2 arg=1 two", "the program module is the new image, with its arguments");
    snprintf(want, sizeof(want), "svc 2 %08x", (unsigned)d->prog_crc);
    CHECK_STR(listed_program(&m, &s), want, "xl list -v: version 2");
    /* a later crash rebuilds the new program */
    fake_shutdown(b, id, SHUTDOWN_crash);
    uint32_t p;
    while (!mgr_next_event(&m, &p))
        mgr_event(&m, p);
    CHECK(d->domid == id && !strcmp(d->prog.version, "2"), "a crash after the upgrade rebuilds version 2");
    /* an image the runtime would load, too large for the domain: the build
     * fails after the old incarnation is gone, so the previous program comes back */
    run(&m, &s, "xl restart svc huge\n");
    CHECK_STR(nout ? out[nout - 1] : "",
              "xl: the new program of svc did not start; restarted with its previous one",
              "an upgrade whose build fails");
    CHECK(mgr_find(&m, "svc") == d && d->domid == id && !strcmp(d->prog.version, "2") &&
              !strcmp(d->cfg.module[0], "svc-2 arg=1 two") && fake_of(b)->dom[id].ran,
          "... back on version 2 with its id (%s, %s)", d->prog.version, d->cfg.module[0]);
    /* an image sent from the host (scripts/xl restart svc FILE puts it
     * first): kept for later restarts even when a newer file of that name
     * comes */
    char err[256];
    struct prog *p3 = &progs[sizeof(progs) / sizeof(*progs) - 1];
    uint8_t *copy = malloc(4096);
    memcpy(copy, p3->img, 4096);
    CHECK(!hostfiles_reserve(&m.host, 4096, err, sizeof(err)), "room for a host file");
    hostfiles_add(&m.host, "svc-3", copy, 4096, dc_crc32(0, copy, 4096));
    run(&m, &s, "xl restart svc host:svc-3\n");
    snprintf(want, sizeof(want), "restarted svc as domain %u with program svc version 3", id);
    CHECK_STR(nout ? out[nout - 1] : "", want, "xl restart svc host:svc-3");
    CHECK_STR(d->cfg.module[0], "host:svc-3 arg=1 two", "the module names the host file");
    static const uint8_t junk[] = "a newer svc-3";
    uint8_t *j = malloc(sizeof(junk));
    memcpy(j, junk, sizeof(junk));
    CHECK(!hostfiles_reserve(&m.host, sizeof(junk), err, sizeof(err)), "room for another");
    hostfiles_add(&m.host, "svc-3", j, sizeof(junk), dc_crc32(0, j, sizeof(junk)));
    fake_shutdown(b, id, SHUTDOWN_crash);
    while (!mgr_next_event(&m, &p))
        mgr_event(&m, p);
    CHECK(d->domid == id && !strcmp(d->prog.version, "3"),
          "a crash rebuilds the host image it was upgraded to, not a newer one of its name (%s)",
          d->prog.version);
    run(&m, &s, "xl restart svc host:nothere\n");
    CHECK_STR(nout ? out[0] : "",
              "xl: nothere: not sent from the host (scripts/xl create sends the files a config names)",
              "an image the host did not send");
    mgr_destroy(&m, d, err, sizeof(err));
    for (size_t i = 0; i < sizeof(progs) / sizeof(*progs); i++)
        free(progs[i].img);
    backend_fake_free(b);
}
