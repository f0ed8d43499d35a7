/* state_pages = N (mgr_state.c) against the fake back end: a service
 * domain's pages, ours, granted to its id and listed in the first page; a
 * crash and an xl restart rebuild it with the same pages, contents intact
 * (the list written again from ours); a destroy zeroes them and a later
 * domain given that id gets them zeroed, not new ones; the config's checks;
 * the argument its program gets. */
#include "unit.h"
#include "backend/backend_fake.h"
#include "mkelf.h"
#include "shell/xl.h"
#include "shell_out.h"

#include <stdlib.h>
#include <xen/sched.h>

static uint8_t kernel[64 << 10];
static size_t kernel_len;
static const char sp_cfg[] = "name='sp'\nkernel='k.elf'\nmemory=4\ncapabilities=['IO']\non_crash='restart'\n"
                             "modules=['prog a=1']\nstate_pages=40\n";

static int rd(void *ctx, const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
    (void)ctx;
    const uint8_t *src = NULL;
    size_t n = 0;
    if (!strcmp(path, "k.elf")) src = kernel, n = kernel_len;
    if (!strcmp(path, "sp.cfg")) src = (const uint8_t *)sp_cfg, n = strlen(sp_cfg);
    if (!strcmp(path, "prog")) src = (const uint8_t *)"program", n = 7;
    return file_answer(src, n, path, max, buf, len, err, errlen);
}

static void cfg_refused(const char *text, const char *why)
{
    static struct domcfg c;
    char err[256] = "";
    int rc = domcfg_parse("t.cfg", text, strlen(text), &c, err, sizeof(err));
    CHECK(rc < 0 && !strcmp(err, why), "refused: %s (%s)", why, err);
}

void test_statepg(void)
{
    static struct mgr m;
    static struct xl_session s;
    cfg_refused("name='a'\nkernel='k'\nmodules=['p']\nstate_pages=0\n",
                "t.cfg:4: 'state_pages' must be between 1 and 256");
    cfg_refused("name='a'\nkernel='k'\nmodules=['p']\nstate_pages=257\n",
                "t.cfg:4: 'state_pages' must be between 1 and 256");
    cfg_refused("name='a'\nkernel='k'\nstate_pages=2\n",
                "t.cfg:3: 'state_pages' needs a program ('modules') to give them to");
    cfg_refused("name='a'\nkernel='k'\nmodules=['p']\ncapabilities=['XENSTORE']\nstate_pages=2\n",
                "t.cfg:5: 'state_pages': the xenstore domain has its own");

    struct backend *b = backend_fake_new(1 << 14);
    struct mkelf_opts o = {
        .virt_base = 0xffffffff80000000ull, .paddr = 0x100000, .text_size = 0x3000, .data_size = 0x1000
    };
    kernel_len = mkelf(kernel, sizeof(kernel), &o);
    CHECK(mgr_init(&m, b) == 0, "manager up");
    m.read_file = rd;
    m.log = (struct db_out){ take, NULL, NULL };
    s.out = (struct db_out){ take, NULL, NULL };
    run(&m, &s, "xl create sp.cfg\n");
    struct mgr_dom *d = mgr_find(&m, "sp");
    CHECK(d != NULL, "sp created");
    if (!d) return;
    uint32_t id = d->domid;
    struct fake *f = fake_of(b);
    char want[128];
    snprintf(want, sizeof(want), "domain-builder: sp: 40 state pages granted to domain %u (grant 8)", id);
    CHECK(seen(want), "%s", want);
    CHECK(f->ngranted == 2 && f->granted_to[0] == id && f->granted_to[1] == id && d->state_for == id,
          "in two chunks (32 + 8 pages), granted to its id");
    uint32_t n, r[40];
    memcpy(&n, f->granted[0] + XSSTATE_REFS_OFF, 4);
    memcpy(r, f->granted[0] + XSSTATE_REFS_OFF + 4, sizeof(r));
    CHECK(n == 40 && r[0] == 8 && r[32] == 40 && r[39] == 47, "the first page lists the 40 (%u: %u..%u)", n,
          r[0], r[39]);

    /* the program's state, and a list it overwrote */
    f->granted[0][0] = 0xab;
    f->granted[1][8 * 4096 - 1] = 0xcd;
    memset(f->granted[0] + XSSTATE_REFS_OFF, 0xee, 16);
    fake_shutdown(b, id, SHUTDOWN_crash);
    uint32_t p;
    while (!mgr_next_event(&m, &p))
        mgr_event(&m, p);
    memcpy(&n, f->granted[0] + XSSTATE_REFS_OFF, 4);
    memcpy(r, f->granted[0] + XSSTATE_REFS_OFF + 4, 8);
    CHECK(d->domid == id && f->ngranted == 2 && f->granted[0][0] == 0xab &&
              f->granted[1][8 * 4096 - 1] == 0xcd,
          "a crash: rebuilt with its id and the same pages, contents intact");
    CHECK(n == 40 && r[0] == 8 && r[1] == 9, "... the list written again from ours");
    run(&m, &s, "xl restart sp\n");
    CHECK(d->domid == id && f->ngranted == 2 && f->granted[0][0] == 0xab, "xl restart: the same");

    /* the argument its program gets */
    char args[64] = "a=1";
    CHECK(mgr_state_prepare(&m, d, id, args, sizeof(args)) == 0 && !strcmp(args, "a=1 state=0:8"),
          "module 0 gets state=BUILDER:GREF (%s)", args);
    char tiny[13] = "a=1";
    CHECK(mgr_state_prepare(&m, d, id, tiny, sizeof(tiny)) < 0 && !strcmp(tiny, "a=1"),
          "... not cut short when it does not fit");

    /* destroyed for good: zeroed, and reused for the next domain of that id */
    char err[256];
    CHECK(mgr_destroy(&m, d, err, sizeof(err)) == 0, "destroyed");
    CHECK(f->granted[0][0] == 0 && f->granted[1][8 * 4096 - 1] == 0 &&
              !memcmp(f->granted[0] + XSSTATE_REFS_OFF, &(uint32_t){ 40 }, 4),
          "its pages zeroed, the list kept");
    f->granted[0][5] = 1; /* as if another user of the id had written */
    run(&m, &s, "xl create sp.cfg\n");
    d = mgr_find(&m, "sp");
    CHECK(d && d->domid == id && f->ngranted == 2 && f->granted[0][5] == 0,
          "a new domain with that id: the same pages, zeroed, none granted anew");
    if (d) mgr_destroy(&m, d, err, sizeof(err));
    backend_fake_free(b);
}
