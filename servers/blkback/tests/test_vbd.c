/* The VBD map on a fake disk: commands, attachment rules, translation, and
 * crash consistency (a map update torn at every point, or lost before its
 * flush, leaves the map before or after the change, never a third). */
#include "t.h"
#include "fake_vblk.h"
#include "disk_io.h"
#include "decompress.h"
#include <stdlib.h>
#include <string.h>
#include <xen/errno.h>

#define DISK (64 * 2048) /* 64 MiB */

struct rig {
    struct fvb *f;
    struct vblk blk;
    struct disk_io dio;
    struct vbd_io io;
    struct vbd_map m;
};

static int rig_up(struct rig *r, struct fvb *f)
{
    r->f = f;
    int rc = vblk_init(&r->blk, fvb_vdev(f), 64);
    if (!rc) rc = disk_io_init(&r->dio, &r->blk, 0);
    r->io = disk_io_ops(&r->dio);
    return rc ? rc : vbd_load(&r->m, &r->io, r->blk.capacity);
}

static int cmd(struct rig *r, const char *line, char *out)
{
    return vbd_command(&r->m, &r->io, line, out, 512);
}

/* The same VBDs (by name: a reboot reads them into slots in order) */
static bool same_map(const struct vbd_map *a, const struct vbd_map *b)
{
    if (a->n != b->n) return false;
    for (unsigned i = 0; i < VBD_MAX; i++) {
        const struct vbd *v = &a->vbd[i], *w = v->name[0] ? vbd_find((struct vbd_map *)b, v->name) : NULL;
        if (v->name[0] && (!w || v->nextents != w->nextents || v->sectors != w->sectors ||
                           memcmp(v->ext, w->ext, v->nextents * sizeof(struct vbd_extent))))
            return false;
    }
    return true;
}

static void commands(void)
{
    struct rig r;
    char out[512];
    CHECK(rig_up(&r, fvb_new(DISK)) == 0 && r.m.n == 0 && r.m.generation == 0,
          "a blank disk loads as an empty map");
    CHECK(cmd(&r, "create a 8M", out) == 0 && !strcmp(out, "ok a 8 MiB, 1 extent, detached"),
          "create a 8M: '%s'", out);
    CHECK(r.m.vbd[0].ext[0].start == VBD_DATA_START && r.m.vbd[0].sectors == 8 * 2048,
          "a's extent starts at 1 MiB, 8 MiB long");
    CHECK(cmd(&r, "create b 1", out) == 0 && r.m.vbd[1].sectors == VBD_UNIT,
          "create b 1 (byte): rounded up to 1 MiB");
    CHECK(cmd(&r, "create a 1M", out) == -XEN_EEXIST && !strcmp(out, "error: vbd 'a' exists"),
          "create of an existing name: -EEXIST");
    CHECK(cmd(&r, "create bad/name 1M", out) == -XEN_EINVAL, "a name with '/': -EINVAL");
    CHECK(cmd(&r, "create c 0", out) == -XEN_EINVAL, "size 0: -EINVAL");
    CHECK(cmd(&r, "create c 12Q", out) == -XEN_EINVAL, "size with a bad suffix: -EINVAL");
    CHECK(cmd(&r, "create c 99999999999999999999", out) == -XEN_EINVAL, "a size that overflows: -EINVAL");
    CHECK(cmd(&r, "create c 64M", out) == -XEN_ENOSPC && r.m.n == 2,
          "larger than the free space: -ENOSPC, nothing changed");
    CHECK(cmd(&r, "create c", out) == -XEN_EINVAL && cmd(&r, "create c 1M x", out) == -XEN_EINVAL,
          "wrong number of words: -EINVAL");
    CHECK(cmd(&r, "frobnicate a", out) == -XEN_EINVAL && cmd(&r, "", out) == -XEN_EINVAL,
          "unknown or empty command: -EINVAL");
    CHECK(cmd(&r, "grow a 12M", out) == 0 && r.m.vbd[0].nextents == 2 && r.m.vbd[0].sectors == 12 * 2048,
          "grow a to 12M: b sits after it, so a second extent");
    CHECK(cmd(&r, "grow a 4M", out) == -XEN_EINVAL, "grow to a smaller size: -EINVAL");
    CHECK(cmd(&r, "grow zz 4M", out) == -XEN_ENOENT, "grow of an unknown vbd: -ENOENT");
    CHECK(cmd(&r, "grow b 3M", out) == 0 && r.m.vbd[1].nextents == 2 && r.m.vbd[1].sectors == 3 * 2048,
          "grow b: a's second extent follows it, so b gets a second extent too");
    CHECK(cmd(&r, "grow b 5M", out) == 0 && r.m.vbd[1].nextents == 2 && r.m.vbd[1].ext[1].len == 4 * 2048,
          "grow b again: the free space follows its last extent, which grows");
    CHECK(cmd(&r, "list", out) == 0 &&
              !strcmp(out, "ok 2 vbds\na 12 MiB, 2 extents, detached\nb 5 MiB, 2 extents, detached"),
          "list: a header line and a line per vbd");
    struct vbd *v;
    CHECK(vbd_attach(&r.m, "a", 5, true, &v) == 0 && v == &r.m.vbd[0], "attach a rw to d5");
    CHECK(vbd_attach(&r.m, "a", 6, false, &v) == -XEN_EBUSY, "a read-only attach while d5 has it rw: -EBUSY");
    CHECK(vbd_attach(&r.m, "a", 6, true, &v) == -XEN_EBUSY, "a second rw attach: -EBUSY");
    CHECK(cmd(&r, "delete a", out) == -XEN_EBUSY, "delete while attached: -EBUSY");
    vbd_detach(&r.m.vbd[0], 5);
    CHECK(vbd_attach(&r.m, "a", 6, false, &v) == 0 && vbd_attach(&r.m, "a", 7, false, &v) == 0,
          "ro to d6 and d7");
    CHECK(vbd_attach(&r.m, "a", 8, true, &v) == -XEN_EBUSY, "rw while others have it ro: -EBUSY");
    CHECK(cmd(&r, "list", out) == 0 && strstr(out, "a 12 MiB, 2 extents, ro d6 d7"),
          "list shows the ro attachments");
    CHECK(vbd_attach(&r.m, "nope", 8, true, &v) == -XEN_ENOENT, "attach of an unknown vbd: -ENOENT");
    vbd_detach(&r.m.vbd[0], 6);
    vbd_detach(&r.m.vbd[0], 7);

    /* Translation through the two extents of a. */
    struct vbd_piece pc[4];
    const struct vbd *a = &r.m.vbd[0];
    int n = vbd_translate(a, 8 * 2048 - 4, 8, pc, 4);
    CHECK(n == 2 && pc[0].phys == a->ext[0].start + 8 * 2048 - 4 && pc[0].len == 4 &&
              pc[1].phys == a->ext[1].start && pc[1].len == 4,
          "8 sectors across a's extent boundary: two pieces in order");
    CHECK(vbd_translate(a, 12 * 2048 - 1, 2, pc, 4) == -XEN_EINVAL, "one sector past the end: -EINVAL");
    CHECK(vbd_translate(a, ~0ull, 2, pc, 4) == -XEN_EINVAL &&
              vbd_translate(a, 1, ~0ull, pc, 4) == -XEN_EINVAL,
          "overflowing sector or count: -EINVAL");
    CHECK(vbd_translate(a, 0, 0, pc, 4) == -XEN_EINVAL, "count 0: -EINVAL");
    CHECK(vbd_translate(a, 0, 12 * 2048, pc, 1) == -XEN_E2BIG, "more pieces than room: -E2BIG");

    /* The map survives a reboot. */
    struct vbd_map before = r.m;
    struct rig r2;
    CHECK(rig_up(&r2, fvb_reboot(r.f)) == 0 && same_map(&before, &r2.m) &&
              r2.m.generation == before.generation,
          "after a reboot the map is the same (generation %llu)", (unsigned long long)r2.m.generation);
    /* A device attached to a later VBD keeps pointing at it when an
     * earlier one goes (bb_dev.vbd is a pointer into the map). */
    CHECK(cmd(&r2, "create z 1M", out) == 0, "create z 1M");
    struct vbd *z = vbd_find(&r2.m, "z"), *za;
    CHECK(z == &r2.m.vbd[2] && vbd_attach(&r2.m, "z", 9, true, &za) == 0 && za == z, "z attached rw to d9");
    CHECK(cmd(&r2, "delete b", out) == 0 && r2.m.n == 2 && !strcmp(out, "ok deleted b"), "delete b");
    CHECK(vbd_find(&r2.m, "z") == z && !strcmp(z->name, "z") && z->rw_dom == 9 && z->sectors == VBD_UNIT &&
              !r2.m.vbd[1].name[0],
          "deleting b frees its slot and moves nothing: z, attached, is where its device points");
    CHECK(cmd(&r2, "delete z", out) == -XEN_EBUSY && !strcmp(out, "error: vbd 'z' is attached"),
          "delete of an attached vbd: -EBUSY");
    vbd_detach(z, 9);
    CHECK(cmd(&r2, "delete z", out) == 0 && r2.m.n == 1, "delete z once detached");
    CHECK(cmd(&r2, "create c 2M", out) == 0 && r2.m.vbd[1].ext[0].start == a->ext[0].start + 8 * 2048,
          "create c reuses b's space (first fit)");

    /* Damage: one copy bad (the other is used), both bad (refused). */
    uint64_t gen = r2.m.generation;
    uint64_t newest = (gen & 1) ? VBD_COPY1 : VBD_COPY0, older = (gen & 1) ? VBD_COPY0 : VBD_COPY1;
    fvb_media(r2.f)[newest * 512 + 100] ^= 1;
    struct rig r3;
    CHECK(rig_up(&r3, fvb_reboot(r2.f)) == 0 && r3.m.generation == gen - 1 && r3.m.n == 1,
          "newest copy damaged: the older one (generation %llu, before 'create c') is used",
          (unsigned long long)(gen - 1));
    fvb_free(r3.f);
    fvb_media(r2.f)[older * 512 + 7] ^= 0x80;
    CHECK(rig_up(&r3, fvb_reboot(r2.f)) == -XEN_EIO, "both copies damaged: -EIO (never formatted over)");
    fvb_free(r3.f);
    fvb_media(r2.f)[newest * 512 + 100] ^= 1;
    /* A copy with a valid CRC but overlapping extents is not believed. */
    uint8_t *cp = fvb_media(r2.f) + newest * 512;
    uint64_t overlap = VBD_DATA_START; /* c's extent moved onto a's */
    memcpy(cp + 40 + 552 + 40, &overlap, 8);
    uint32_t zero = 0, crc;
    memcpy(cp + 12, &zero, 4);
    crc = dc_crc32(0, cp, 65536);
    memcpy(cp + 12, &crc, 4);
    CHECK(rig_up(&r3, fvb_reboot(r2.f)) == -XEN_EIO,
          "a checksummed copy with overlapping extents is refused too");
    fvb_free(r3.f);
    fvb_free(r.f);
    fvb_free(r2.f);
}

/* ensure NAME SIZE (make run's boot config): creates once; after a reboot
 * the VBD, its extents and its data are kept, whatever size is asked. */
static void ensure(void)
{
    struct rig r, r2;
    char out[512];
    CHECK(rig_up(&r, fvb_new(DISK)) == 0, "a blank disk");
    CHECK(cmd(&r, "ensure data 8M", out) == 0 && !strcmp(out, "ok data 8 MiB, 1 extent, detached") &&
              r.m.n == 1,
          "ensure data 8M on a blank disk creates it: '%s'", out);
    fvb_media(r.f)[r.m.vbd[0].ext[0].start * 512] = 0x5a;
    uint64_t gen = r.m.generation;
    CHECK(rig_up(&r2, fvb_reboot(r.f)) == 0 && cmd(&r2, "ensure data 16M", out) == 0 &&
              !strcmp(out, "ok (kept) data 8 MiB, 1 extent, detached") && r2.m.n == 1 &&
              r2.m.generation == gen && fvb_media(r2.f)[r2.m.vbd[0].ext[0].start * 512] == 0x5a,
          "after a reboot: kept as it was (no map write, the data there): '%s'", out);
    CHECK(cmd(&r2, "ensure data 0", out) == -XEN_EINVAL && cmd(&r2, "ensure data", out) == -XEN_EINVAL &&
              cmd(&r2, "ensure bad/name 1M", out) == -XEN_EINVAL,
          "ensure with a bad size, no size or a bad name: -EINVAL, as create");
    CHECK(cmd(&r2, "ensure big 64M", out) == -XEN_ENOSPC && r2.m.n == 1,
          "ensure larger than the free space: -ENOSPC, nothing changed");
    fvb_free(r.f);
    fvb_free(r2.f);
}

/* Tear the map write of a command at every point; the map after a reboot is
 * the old one or (write complete) the new one. */
static void torn(void)
{
    static const unsigned keeps[] = { 0, 1, 2, 8, 63, 64, 65, 127 };
    int good = 0, total = 0;
    char out[512];
    for (unsigned k = 0; k <= sizeof(keeps) / sizeof(keeps[0]); k++) {
        for (int which = 0; which < 2; which++) {
            struct rig r;
            rig_up(&r, fvb_new(DISK));
            cmd(&r, "create a 4M", out);
            if (which) cmd(&r, "create b 4M", out);
            struct vbd_map old = r.m;
            /* What the command makes of the map when nothing fails. */
            struct rig tw;
            rig_up(&tw, fvb_reboot(r.f));
            cmd(&tw, "grow a 9M", out);
            struct vbd_map want = tw.m;
            fvb_free(tw.f);
            bool full = k == sizeof(keeps) / sizeof(keeps[0]);
            fvb_crash_after_writes(r.f, 0, full ? 128 : keeps[k]);
            int rc = cmd(&r, "grow a 9M", out);
            struct rig r2;
            int lrc = rig_up(&r2, fvb_reboot(r.f));
            total++;
            if (rc != 0 && lrc == 0 && (same_map(&old, &r2.m) || same_map(&want, &r2.m)))
                good++;
            else
                printf("# keep %u (slot %d): command %d, load %d\n", full ? 128 : keeps[k], which, rc, lrc);
            fvb_free(r.f);
            fvb_free(r2.f);
        }
    }
    CHECK(good == total,
          "a map update torn after 0-128 sectors (both copy slots): the old or the new map after a reboot, "
          "never another, %d/%d",
          good, total);

    /* A torn first write (the format) on a blank disk. */
    struct fvb *f = fvb_new(DISK);
    fvb_crash_after_writes(f, 0, 5);
    struct rig r;
    CHECK(rig_up(&r, f) != 0, "the format write torn: loading fails then");
    struct rig r2;
    CHECK(rig_up(&r2, fvb_reboot(f)) == 0 && r2.m.n == 0,
          "and the next start formats again (no vbd could exist yet)");
    fvb_free(f);
    fvb_free(r2.f);

    /* The disk too small for a map. */
    CHECK(rig_up(&r, fvb_new(2048)) == -XEN_ENOSPC, "a 1 MiB disk: -ENOSPC");
    fvb_free(r.f);
}

void test_vbd(void)
{
    commands();
    ensure();
    torn();
}
