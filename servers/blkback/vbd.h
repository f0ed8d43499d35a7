/*
 * Virtual block devices: a VBD is a name and an ordered list of extents of
 * the physical disk; its sector s is the s-th sector of the concatenation.
 * The map of all VBDs lives on the disk itself (sectors 128-255 and 256-383,
 * two copies, each with a generation number and a CRC-32): a change is
 * written to the copy not holding the newest generation, then flushed, and
 * only then believed; a torn or lost write leaves the other copy, the state
 * before the change.  Data extents start at 1 MiB and are allocated in whole
 * MiB.  Attachments (read-write to one domain, read-only to many) are the
 * running backend's and not kept on disk.
 */
#ifndef TESSERA_VBD_H
#define TESSERA_VBD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VBD_MAX          64
#define VBD_MAX_EXTENTS  32
#define VBD_NAME_MAX     31
#define VBD_UNIT         2048ull /* allocation unit, sectors (1 MiB) */
#define VBD_COPY_SECTORS 128ull  /* 64 KiB per map copy */
#define VBD_COPY0        128ull
#define VBD_COPY1        256ull
#define VBD_DATA_START   2048ull
#define VBD_MAX_RO       16

struct vbd_extent {
    uint64_t start, len;
}; /* physical sectors */

struct vbd {
    char name[VBD_NAME_MAX + 1];
    unsigned nextents;
    struct vbd_extent ext[VBD_MAX_EXTENTS];
    uint64_t sectors; /* sum of the extents */
    int rw_dom;       /* attached read-write (-1: none) */
    unsigned nro;
    uint16_t ro_dom[VBD_MAX_RO]; /* attached read-only */
};

struct vbd_map {
    uint64_t disk_sectors;
    uint64_t generation; /* of the newest copy on disk */
    unsigned n;          /* VBDs: the slots with a name */
    /* A VBD keeps its slot while it exists (an attached device points at
     * it); a deleted one leaves a free slot (name ""), the next create's. */
    struct vbd vbd[VBD_MAX];
};

/* Sector I/O of the map's copies: nsect sectors at sector, synchronous.
 * 0 or -errno. */
struct vbd_io {
    int (*read)(void *ctx, uint64_t sector, void *buf, unsigned nsect);
    int (*write)(void *ctx, uint64_t sector, const void *buf, unsigned nsect);
    int (*flush)(void *ctx);
    void *ctx;
};

/* Read the map from the disk.  A disk with no map at all gets an empty one
 * written.  -XEN_EIO: the copies are there but none is valid (never guessed
 * over); -XEN_ENOSPC: the disk is too small to hold a map and data. */
int vbd_load(struct vbd_map *m, const struct vbd_io *io, uint64_t disk_sectors);

/* The control plane's commands, one line each:
 *   create NAME SIZE     SIZE in bytes, with K, M, G or T (1024-based)
 *   ensure NAME SIZE     create unless NAME exists ("ok (kept) ..." then;
 *                        its size is left as it is)
 *   grow NAME SIZE       to a larger size
 *   delete NAME          (not while attached)
 *   list
 * out gets the reply ("ok ..." or "error: ..."); returns 0 or -errno. */
int vbd_command(struct vbd_map *m, const struct vbd_io *io, const char *line, char *out, size_t outlen);

struct vbd *vbd_find(struct vbd_map *m, const char *name);
/* Attach for domid: rw only when nobody else is attached, ro when nobody has
 * it rw.  0, -XEN_ENOENT, -XEN_EBUSY. */
int vbd_attach(struct vbd_map *m, const char *name, uint16_t domid, bool rw, struct vbd **out);
void vbd_detach(struct vbd *v, uint16_t domid);

struct vbd_piece {
    uint64_t phys, len;
};
/* Where sectors [sector, sector+count) of v are: up to max pieces in order.
 * Returns the number of pieces, or -XEN_EINVAL when any sector is outside
 * the VBD (nothing is returned then), -XEN_E2BIG over max pieces. */
int vbd_translate(const struct vbd *v, uint64_t sector, uint64_t count, struct vbd_piece *out, unsigned max);

#endif
