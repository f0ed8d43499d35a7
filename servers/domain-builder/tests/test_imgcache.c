/* The builder's image cache (mgr/imgcache.c, issue 19) against the fake back
 * end: the second create of a config reads no file and builds the same domain;
 * different module arguments or files are other entries; a packed kernel is
 * kept unpacked; the least recently used entry goes first; an image over the
 * cache's size and a config sent from the host are never kept; a failed read
 * keeps nothing. */
#include "unit.h"
#include "backend/backend_fake.h"
#include "mkelf.h"
#include "mgr/mgr.h"

#include <stdlib.h>

static uint8_t kernel[64 << 10], gz[64 << 10];
static size_t kernel_len, gz_len;
static uint8_t prog[4096], *big;
static const size_t big_len = IMGCACHE_BYTES + 4096;
static int reads;

static int rd(void *ctx, const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
    (void)ctx;
    const uint8_t *src = NULL;
    size_t n = 0;
    char cfg[160];
    int k;
    if (sscanf(path, "c%d.cfg", &k) == 1) { /* cK.cfg: module svc with argument n=K */
        n = (size_t)snprintf(cfg, sizeof(cfg), "name='c%d'\nkernel='k.elf'\nmemory=4\nmodules=['svc n=%d']\n",
                             k, k % 100);
        src = (const uint8_t *)cfg;
    } else if (!strcmp(path, "gz.cfg")) {
        src = (const uint8_t *)"name='gz'\nkernel='k.gz'\nmemory=4\n", n = strlen((const char *)src);
    } else if (!strcmp(path, "nomod.cfg")) {
        src = (const uint8_t *)"name='nomod'\nkernel='k.elf'\nmemory=4\n", n = strlen((const char *)src);
    } else if (!strcmp(path, "big.cfg")) {
        src = (const uint8_t *)"name='big'\nkernel='k.elf'\nmemory=24\nramdisk='big'\n",
        n = strlen((const char *)src);
    } else if (!strcmp(path, "bad.cfg")) {
        src = (const uint8_t *)"name='bad'\nkernel='k.elf'\nmemory=4\nmodules=['nosuch x=1']\n",
        n = strlen((const char *)src);
    } else {
        reads++;
        if (!strcmp(path, "k.elf")) src = kernel, n = kernel_len;
        if (!strcmp(path, "k.gz")) src = gz, n = gz_len;
        if (!strcmp(path, "svc")) src = prog, n = sizeof(prog);
        if (!strcmp(path, "big")) src = big, n = big_len;
    }
    if (!src || n > max) {
        snprintf(err, errlen, "%s: %s", path, src ? "too large" : "No such file or directory");
        return -1;
    }
    *buf = malloc(n);
    memcpy(*buf, src, n);
    *len = n;
    return 0;
}

static int create(struct mgr *m, const char *path, uint32_t *id)
{
    char err[MGR_ERR_LEN] = "";
    int rc = mgr_create(m, path, NULL, 0, id, err, sizeof(err));
    if (rc) printf("# create %s: %s\n", path, err);
    return rc;
}

/* kernel.gz: the kernel packed with the gzip tool */
static void make_gz(void)
{
    char dir[] = "/tmp/db-ic-XXXXXX", cmd[256], path[64];
    if (!mkdtemp(dir)) return;
    snprintf(path, sizeof(path), "%s/k", dir);
    FILE *f = fopen(path, "w");
    CHECK(f && fwrite(kernel, 1, kernel_len, f) == kernel_len && !fclose(f), "write the kernel");
    snprintf(cmd, sizeof(cmd), "gzip -9 %s && cat %s.gz", path, path);
    FILE *p = popen(cmd, "r");
    gz_len = p ? fread(gz, 1, sizeof(gz), p) : 0;
    if (p) pclose(p);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0 && gz_len > 18 && gz_len < kernel_len, "gzip made a smaller image (%zu)", gz_len);
}

void test_imgcache(void)
{
    static struct mgr m;
    static struct imgcache c;
    struct backend *b = backend_fake_new(1 << 15);
    struct mkelf_opts o = {
        .virt_base = 0xffffffff80000000ull, .paddr = 0x100000, .text_size = 0x3000, .data_size = 0x1000
    };
    kernel_len = mkelf(kernel, sizeof(kernel), &o);
    memcpy(prog, kernel, 64); /* any bytes: the runtime's program is not checked here */
    make_gz();
    big = calloc(1, big_len);
    CHECK(mgr_init(&m, b) == 0, "manager up");
    m.read_file = rd;
    m.imgcache = &c;
    uint32_t id[8];

    reads = 0;
    CHECK(!create(&m, "c1.cfg", &id[0]) && reads == 2, "first create: kernel and module read (%d)", reads);
    struct mgr_dom *d1 = mgr_find(&m, "c1");
    CHECK(!create(&m, "c101.cfg", &id[1]) && reads == 2, "same files and arguments: nothing read (%d)",
          reads);
    struct mgr_dom *d2 = mgr_find(&m, "c101");
    CHECK(d1 && d2 && d1->prog_crc == d2->prog_crc && d1->prog_crc && c.hits == 1 && c.misses == 1,
          "the cached one: the same program CRC (hits %u, misses %u)", c.hits, c.misses);
    struct fake *f = fake_of(b);
    CHECK(f->dom[id[0]].ran && f->dom[id[1]].ran &&
              f->dom[id[0]].ctx.user_regs.rip == f->dom[id[1]].ctx.user_regs.rip &&
              f->dom[id[0]].ctx.user_regs.rsi - f->dom[id[0]].ctx.user_regs.rsp ==
                  f->dom[id[1]].ctx.user_regs.rsi - f->dom[id[1]].ctx.user_regs.rsp,
          "both built and running alike");
    CHECK(!create(&m, "c2.cfg", &id[2]) && reads == 4, "other module arguments: another entry (%d)", reads);

    /* a packed kernel is kept unpacked */
    CHECK(!create(&m, "gz.cfg", &id[3]) && reads == 5, "gzip kernel: read (%d)", reads);
    int unpacked = 0;
    for (int i = 0; i < IMGCACHE_ENTRIES; i++)
        unpacked |= c.e[i].key && !strncmp(c.e[i].key, "k.gz\n", 5) && c.e[i].kernel_len == kernel_len &&
                    !memcmp(c.e[i].kernel, kernel, kernel_len);
    CHECK(unpacked, "gzip kernel: kept as the unpacked ELF");
    mgr_destroy(&m, mgr_find(&m, "gz"), (char[MGR_ERR_LEN]){ 0 }, MGR_ERR_LEN);
    CHECK(!create(&m, "gz.cfg", &id[3]) && reads == 5 && f->dom[id[3]].ran,
          "gzip kernel again: from the cache");

    /* four entries: c1 (used last but two), c2, gz, and nomod; one more puts out c1... */
    CHECK(!create(&m, "nomod.cfg", &id[4]) && reads == 6, "no modules, no ramdisk: the kernel read (%d)",
          reads);
    mgr_destroy(&m, d1, (char[MGR_ERR_LEN]){ 0 }, MGR_ERR_LEN);
    CHECK(!create(&m, "c3.cfg", &id[5]) && reads == 8, "a fifth entry: read (%d)", reads);
    CHECK(!create(&m, "c1.cfg", &id[6]) && reads == 10, "the least recently used one was put out (%d)",
          reads);
    CHECK(!create(&m, "c103.cfg", &id[7]) && reads == 10, "a recent one is still there (%d)", reads);

    /* too large to keep: read every time, built all the same */
    int before = reads;
    CHECK(!create(&m, "big.cfg", &id[0]), "a ramdisk over the cache's size: built");
    mgr_destroy(&m, mgr_find(&m, "big"), (char[MGR_ERR_LEN]){ 0 }, MGR_ERR_LEN);
    CHECK(!create(&m, "big.cfg", &id[0]) && reads == before + 4, "...and read again, not kept (%d)",
          reads - before);
    size_t total = 0;
    for (int i = 0; i < IMGCACHE_ENTRIES; i++)
        total += c.e[i].key ? c.e[i].kernel_len + c.e[i].ramdisk_len : 0;
    CHECK(total <= IMGCACHE_BYTES, "the cache within its size (%zu)", total);

    /* a read that fails keeps nothing */
    int keys = 0, keys_after = 0;
    for (int i = 0; i < IMGCACHE_ENTRIES; i++)
        keys += c.e[i].key != NULL;
    CHECK(create(&m, "bad.cfg", &id[0]) && !mgr_find(&m, "bad"),
          "a module that cannot be read: create fails");
    for (int i = 0; i < IMGCACHE_ENTRIES; i++)
        keys_after += c.e[i].key && !strstr(c.e[i].key, "nosuch");
    CHECK(keys_after == keys, "...and nothing of it is kept (%d of %d)", keys_after, keys);
    imgcache_clear(&c);
    backend_fake_free(b);
    free(big);
}
