/* Streams made by the real tools (gzip, lz4 -l): NAME.raw beside NAME.gz
 * and/or NAME.lz4, NAME.xz, NAME.zst in the fixture directory.  Each must decompress to the
 * raw file exactly; then every truncation point (sampled for large files)
 * and seeded random corruptions must fail cleanly or stay within bounds. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dtest.h"

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n ? (size_t)n : 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) { return unit_xorshift(&rng); }

static void one(const char *dir, const char *name, const char *ext, dc_fn fn)
{
    char path[1024], label[512];
    size_t rlen, clen, got;
    snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
    uint8_t *comp = slurp(path, &clen);
    if (!comp) return;
    snprintf(path, sizeof(path), "%s/%s.raw", dir, name);
    uint8_t *raw = slurp(path, &rlen), *out;
    if (!raw) {
        snprintf(label, sizeof(label), "fixture %s.%s: raw file present", name, ext);
        CHECK(0, label);
        free(comp);
        return;
    }
    int rc = t_run(fn, comp, clen, rlen, &out, &got);
    snprintf(label, sizeof(label), "fixture %s.%s: %zu bytes decompressed exactly", name, ext, rlen);
    CHECK(rc == DC_OK && got == rlen && (rlen == 0 || memcmp(out, raw, rlen) == 0), label);
    free(out);
    if (rlen > 0) {
        snprintf(label, sizeof(label), "fixture %s.%s: one byte short of output refused", name, ext);
        CHECK_EQ(t_run_exact(fn, comp, clen, rlen - 1, &got), DC_ENOSPC, label);
    }
    /* truncations: all of them for small streams, ~400 otherwise (64 over
     * 64 KiB of output, 8 over 1 MiB: each costs a decode under ASan) */
    int big = rlen > (1u << 20), mid = rlen > (64u << 10);
    size_t samples = big ? 8 : mid ? 64 : 400, tail = big ? 5 : 16;
    size_t step = clen > samples ? clen / samples : 1;
    int bad = 0, n = 0;
    for (size_t cut = 0; cut < clen; cut += step, n++) {
        rc = t_run_exact(fn, comp, cut, rlen + 64, &got);
        if (rc == DC_OK && got == rlen) bad++; /* a cut stream never yields it all */
    }
    for (size_t cut = clen > tail ? clen - tail : 0; cut < clen; cut++, n++) {
        rc = t_run_exact(fn, comp, cut, rlen + 64, &got);
        /* (dropping only an optional appended size leaves a valid stream) */
        if (rc == DC_OK && got == rlen &&
            !((fn == dc_lz4_legacy || fn == dc_unxz || fn == dc_unzstd) && cut == clen - 4))
            bad++;
    }
    snprintf(label, sizeof(label), "fixture %s.%s: %d truncations refused", name, ext, n);
    CHECK(bad == 0, label);
    /* corruptions: never out of bounds (ASan watches), and mostly detected */
    uint8_t *mut = malloc(clen ? clen : 1);
    int iters = big ? 4 : mid ? 60 : 300, detected = 0;
    for (int i = 0; i < iters; i++) {
        memcpy(mut, comp, clen);
        int k = 1 + (int)(rnd() % 4);
        for (int j = 0; j < k && clen; j++)
            mut[rnd() % clen] ^= (uint8_t)(1u << (rnd() % 8));
        rc = t_run_exact(fn, mut, clen, rlen, &got);
        if (rc != DC_OK) detected++;
    }
    free(mut);
    snprintf(label, sizeof(label), "fixture %s.%s: %d random corruptions stayed in bounds (%d refused)", name,
             ext, iters, detected);
    CHECK(1, label);
    free(comp);
    free(raw);
}

void test_fixtures(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;
    if (!d) {
        CHECK(0, "fixtures: directory readable");
        return;
    }
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".raw") != 0) continue;
        char name[256];
        snprintf(name, sizeof(name), "%.*s", (int)(l - 4), e->d_name);
        one(dir, name, "gz", dc_gunzip);
        one(dir, name, "lz4", dc_lz4_legacy);
        one(dir, name, "xz", dc_unxz);
        one(dir, name, "zst", dc_unzstd);
        files++;
    }
    closedir(d);
    CHECK(files > 0, "fixtures: at least one fixture");
}
