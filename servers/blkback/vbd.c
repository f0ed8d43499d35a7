/* The VBD map: on-disk copies, commands, attachment, translation (vbd.h). */
#include "vbd.h"
#include "decompress.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/errno.h>

/* One copy on disk (64 KiB, little-endian). */
#define MAGIC "TSRVBDM1"
struct disk_hdr {
    char magic[8];
    uint32_t version, crc; /* crc: CRC-32 of the whole copy with crc = 0 */
    uint64_t generation, disk_sectors;
    uint32_t nvbd, reserved;
};
struct disk_vbd {
    char name[VBD_NAME_MAX + 1];
    uint32_t nextents, reserved;
    struct vbd_extent ext[VBD_MAX_EXTENTS];
};
#define COPY_BYTES (VBD_COPY_SECTORS * 512)
_Static_assert(sizeof(struct disk_hdr) + VBD_MAX * sizeof(struct disk_vbd) <= COPY_BYTES, "map fits a copy");

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > VBD_NAME_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-' || s[i] == '_' || s[i] == '.'))
            return false;
    return true;
}

/* Everything a map must satisfy, whether read from disk or about to be
 * written: names valid and unique, extents inside the data area, no two
 * extents overlapping. */
static bool map_valid(const struct vbd_map *m)
{
    unsigned used = 0;
    for (unsigned i = 0; i < VBD_MAX; i++) {
        const struct vbd *v = &m->vbd[i];
        if (!v->name[0]) continue;
        used++;
        if (!memchr(v->name, 0, sizeof(v->name)) || !name_ok(v->name) || v->nextents == 0 ||
            v->nextents > VBD_MAX_EXTENTS)
            return false;
        for (unsigned j = 0; j < i; j++)
            if (m->vbd[j].name[0] && !strcmp(m->vbd[j].name, v->name)) return false;
        for (unsigned e = 0; e < v->nextents; e++) {
            const struct vbd_extent *x = &v->ext[e];
            if (x->len == 0 || x->start < VBD_DATA_START || x->start > m->disk_sectors ||
                x->len > m->disk_sectors - x->start)
                return false;
            for (unsigned k = 0; k <= i; k++) /* (a free slot has no extents) */
                for (unsigned f = 0; f < (k == i ? e : m->vbd[k].nextents); f++) {
                    const struct vbd_extent *y = &m->vbd[k].ext[f];
                    if (x->start < y->start + y->len && y->start < x->start + x->len) return false;
                }
        }
    }
    return used == m->n;
}

static void serialize(const struct vbd_map *m, uint8_t *buf)
{
    memset(buf, 0, COPY_BYTES);
    struct disk_hdr h = {
        .version = 1, .generation = m->generation, .disk_sectors = m->disk_sectors, .nvbd = m->n
    };
    memcpy(h.magic, MAGIC, 8);
    for (unsigned i = 0, k = 0; i < VBD_MAX; i++) {
        if (!m->vbd[i].name[0]) continue;
        struct disk_vbd d = { .nextents = m->vbd[i].nextents };
        memcpy(d.name, m->vbd[i].name, sizeof(d.name));
        memcpy(d.ext, m->vbd[i].ext, sizeof(d.ext));
        memcpy(buf + sizeof(h) + k++ * sizeof(d), &d, sizeof(d));
    }
    memcpy(buf, &h, sizeof(h));
    h.crc = dc_crc32(0, buf, COPY_BYTES);
    memcpy(buf, &h, sizeof(h));
}

/* 1 valid (into *m), 0 all zero (never written), -1 damaged. */
static int parse(const uint8_t *buf, uint64_t disk_sectors, struct vbd_map *m)
{
    struct disk_hdr h;
    memcpy(&h, buf, sizeof(h));
    bool zero = true;
    for (size_t i = 0; i < COPY_BYTES && zero; i++)
        zero = buf[i] == 0;
    if (zero) return 0;
    uint32_t crc = h.crc;
    struct disk_hdr z = h;
    z.crc = 0;
    uint8_t *tmp = malloc(COPY_BYTES);
    if (!tmp) return -1;
    memcpy(tmp, buf, COPY_BYTES);
    memcpy(tmp, &z, sizeof(z));
    bool crc_ok = dc_crc32(0, tmp, COPY_BYTES) == crc;
    free(tmp);
    if (!crc_ok || memcmp(h.magic, MAGIC, 8) || h.version != 1 || h.nvbd > VBD_MAX ||
        h.disk_sectors > disk_sectors) /* a map for a larger disk is not this disk's */
        return -1;
    memset(m, 0, sizeof(*m));
    m->disk_sectors = disk_sectors;
    m->generation = h.generation;
    m->n = h.nvbd;
    for (unsigned i = 0; i < m->n; i++) {
        struct disk_vbd d;
        memcpy(&d, buf + sizeof(h) + i * sizeof(d), sizeof(d));
        struct vbd *v = &m->vbd[i];
        memcpy(v->name, d.name, sizeof(v->name));
        v->nextents = d.nextents;
        if (d.nextents > VBD_MAX_EXTENTS) return -1;
        memcpy(v->ext, d.ext, sizeof(v->ext));
        v->rw_dom = -1;
        for (unsigned e = 0; e < v->nextents; e++) {
            if (v->ext[e].len > UINT64_MAX - v->sectors) return -1;
            v->sectors += v->ext[e].len;
        }
    }
    return map_valid(m) ? 1 : -1;
}

/* Write m as generation m->generation + 1 to the copy that does not hold the
 * newest; m->generation moves on only once the copy is on the media. */
static int commit(struct vbd_map *m, const struct vbd_io *io)
{
    if (!map_valid(m)) return -XEN_EINVAL;
    uint8_t *buf = malloc(COPY_BYTES);
    if (!buf) return -XEN_ENOMEM;
    m->generation++;
    serialize(m, buf);
    uint64_t where = (m->generation & 1) ? VBD_COPY1 : VBD_COPY0;
    int rc = io->write(io->ctx, where, buf, (unsigned)VBD_COPY_SECTORS);
    if (!rc) rc = io->flush(io->ctx);
    free(buf);
    if (rc) m->generation--;
    return rc;
}

int vbd_load(struct vbd_map *m, const struct vbd_io *io, uint64_t disk_sectors)
{
    if (disk_sectors < VBD_DATA_START + VBD_UNIT) return -XEN_ENOSPC;
    uint8_t *buf = malloc(COPY_BYTES);
    struct vbd_map *c[2] = { malloc(sizeof(struct vbd_map)), malloc(sizeof(struct vbd_map)) };
    int st[2] = { -1, -1 }, rc = 0;
    if (!buf || !c[0] || !c[1]) {
        rc = -XEN_ENOMEM;
        goto out;
    }
    for (int i = 0; i < 2; i++) {
        rc = io->read(io->ctx, i ? VBD_COPY1 : VBD_COPY0, buf, (unsigned)VBD_COPY_SECTORS);
        if (rc) goto out;
        st[i] = parse(buf, disk_sectors, c[i]);
    }
    if (st[0] == 1 || st[1] == 1) {
        int best = st[0] == 1 && (st[1] != 1 || c[0]->generation > c[1]->generation) ? 0 : 1;
        *m = *c[best];
    } else if (st[0] == 0 || st[1] == 0) {
        /* Never formatted, or the format itself was cut short (a VBD
         * can only exist once a valid copy does, see commit). */
        memset(m, 0, sizeof(*m));
        m->disk_sectors = disk_sectors;
        m->generation = 0;
        uint8_t *z = calloc(1, COPY_BYTES);
        serialize(m, buf);
        rc = z ? io->write(io->ctx, VBD_COPY0, buf, (unsigned)VBD_COPY_SECTORS) : -XEN_ENOMEM;
        if (!rc) rc = io->write(io->ctx, VBD_COPY1, z, (unsigned)VBD_COPY_SECTORS);
        if (!rc) rc = io->flush(io->ctx);
        free(z);
    } else {
        rc = -XEN_EIO;
    }
out:
    free(buf);
    free(c[0]);
    free(c[1]);
    return rc;
}

struct vbd *vbd_find(struct vbd_map *m, const char *name)
{
    for (unsigned i = 0; i < VBD_MAX; i++)
        if (m->vbd[i].name[0] && !strcmp(m->vbd[i].name, name)) return &m->vbd[i];
    return NULL;
}

static int cmp_ext(const void *a, const void *b)
{
    const struct vbd_extent *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Add `need` sectors (whole units) to v from the free space, first fit,
 * merging with v's last extent when adjacent.  On -XEN_ENOSPC v may have
 * been changed: callers work on a copy of the map. */
static int allocate(struct vbd_map *m, struct vbd *v, uint64_t need)
{
    static struct vbd_extent used[VBD_MAX * VBD_MAX_EXTENTS];
    while (need) {
        unsigned n = 0;
        for (unsigned i = 0; i < VBD_MAX; i++)
            for (unsigned e = 0; e < m->vbd[i].nextents; e++)
                used[n++] = m->vbd[i].ext[e];
        qsort(used, n, sizeof(used[0]), cmp_ext);
        uint64_t at = VBD_DATA_START, end = m->disk_sectors / VBD_UNIT * VBD_UNIT, gap = 0, gap_start = 0;
        for (unsigned i = 0; i <= n && !gap; i++) {
            uint64_t next = i < n ? used[i].start : end;
            if (next > at) {
                gap_start = at;
                gap = next - at;
            }
            if (i < n) at = used[i].start + used[i].len;
        }
        if (!gap) return -XEN_ENOSPC;
        uint64_t take = gap < need ? gap : need;
        struct vbd_extent *last = v->nextents ? &v->ext[v->nextents - 1] : NULL;
        if (last && last->start + last->len == gap_start) {
            last->len += take;
        } else {
            if (v->nextents == VBD_MAX_EXTENTS) return -XEN_ENOSPC;
            v->ext[v->nextents++] = (struct vbd_extent){ gap_start, take };
        }
        v->sectors += take;
        need -= take;
    }
    return 0;
}

/* "64M" and the like to sectors, rounded up to whole units. */
static int parse_size(const char *s, uint64_t *sectors)
{
    char *end;
    if (*s < '0' || *s > '9') return -XEN_EINVAL;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    switch (*end) {
    case 'K':
    case 'k':
        shift = 10;
        end++;
        break;
    case 'M':
    case 'm':
        shift = 20;
        end++;
        break;
    case 'G':
    case 'g':
        shift = 30;
        end++;
        break;
    case 'T':
    case 't':
        shift = 40;
        end++;
        break;
    }
    if (*end || v == 0 || v > (1ull << 50) >> shift) return -XEN_EINVAL;
    uint64_t bytes = (uint64_t)v << shift, unit = VBD_UNIT * 512;
    *sectors = (bytes + unit - 1) / unit * VBD_UNIT;
    return 0;
}

static void describe(const struct vbd *v, char *out, size_t outlen)
{
    int k = snprintf(out, outlen, "%s %llu MiB, %u extent%s, ", v->name,
                     (unsigned long long)(v->sectors / 2048), v->nextents, v->nextents == 1 ? "" : "s");
    if (k < 0 || (size_t)k >= outlen) return;
    if (v->rw_dom >= 0)
        snprintf(out + k, outlen - k, "rw d%d", v->rw_dom);
    else if (v->nro) {
        size_t at = (size_t)k;
        at += (size_t)snprintf(out + at, outlen - at, "ro");
        for (unsigned i = 0; i < v->nro && at < outlen; i++)
            at += (size_t)snprintf(out + at, outlen - at, " d%u", v->ro_dom[i]);
    } else
        snprintf(out + k, outlen - k, "detached");
}

#define REPLY(...)    (snprintf(out, outlen, __VA_ARGS__), 0)
#define FAIL(rc, ...) (snprintf(out, outlen, "error: " __VA_ARGS__), (rc))

int vbd_command(struct vbd_map *m, const struct vbd_io *io, const char *line, char *out, size_t outlen)
{
    char verb[16], name[64], size[32], extra[2];
    int n = sscanf(line, " %15s %63s %31s %1s", verb, name, size, extra);
    if (n < 1) return FAIL(-XEN_EINVAL, "empty command");
    if (!strcmp(verb, "list")) {
        if (n != 1) return FAIL(-XEN_EINVAL, "usage: list");
        size_t at = (size_t)snprintf(out, outlen, "ok %u vbd%s", m->n, m->n == 1 ? "" : "s");
        for (unsigned i = 0; i < VBD_MAX && at + 1 < outlen; i++) {
            if (!m->vbd[i].name[0]) continue;
            out[at++] = '\n';
            describe(&m->vbd[i], out + at, outlen - at);
            at += strlen(out + at);
        }
        return 0;
    }
    /* ensure: create unless the name exists (a VBD a boot config wants on
     * every start, e.g. make run's; the disk keeps it and its data). */
    bool ensure = !strcmp(verb, "ensure");
    bool create = ensure || !strcmp(verb, "create"), grow = !strcmp(verb, "grow"),
         del = !strcmp(verb, "delete");
    if (!create && !grow && !del)
        return FAIL(-XEN_EINVAL, "unknown command '%s' (create, ensure, grow, delete, list)", verb);
    if (del && n != 2) return FAIL(-XEN_EINVAL, "usage: delete NAME");
    if (!del && n != 3) return FAIL(-XEN_EINVAL, "usage: %s NAME SIZE", verb);
    if (!name_ok(name)) return FAIL(-XEN_EINVAL, "bad name '%s' (1-31 of A-Z a-z 0-9 . _ -)", name);
    struct vbd *v = vbd_find(m, name);
    uint64_t sectors = 0;
    if (!del && parse_size(size, &sectors))
        return FAIL(-XEN_EINVAL, "bad size '%s' (bytes, with K, M, G or T)", size);
    if (!create && !v) return FAIL(-XEN_ENOENT, "no vbd '%s'", name);
    if (ensure && v) {
        size_t k = (size_t)snprintf(out, outlen, "ok (kept) ");
        if (k < outlen) describe(v, out + k, outlen - k);
        return 0;
    }
    if (create && v) return FAIL(-XEN_EEXIST, "vbd '%s' exists", name);
    if (del && (v->rw_dom >= 0 || v->nro)) return FAIL(-XEN_EBUSY, "vbd '%s' is attached", name);
    if (grow && sectors <= v->sectors)
        return FAIL(-XEN_EINVAL, "'%s' is already %llu MiB", name, (unsigned long long)(v->sectors / 2048));
    if (create && m->n == VBD_MAX) return FAIL(-XEN_ENOSPC, "at most %d vbds", VBD_MAX);
    /* Work on a copy; the live map changes only after the commit. */
    struct vbd_map *c = malloc(sizeof(*c));
    if (!c) return FAIL(-XEN_ENOMEM, "out of memory");
    *c = *m;
    int rc = 0;
    if (create) {
        struct vbd *nv = c->vbd;
        while (nv->name[0]) /* the first free slot (there is one: n < VBD_MAX) */
            nv++;
        c->n++;
        memset(nv, 0, sizeof(*nv));
        strcpy(nv->name, name);
        nv->rw_dom = -1;
        rc = allocate(c, nv, sectors);
    } else if (grow) {
        struct vbd *gv = vbd_find(c, name);
        rc = allocate(c, gv, sectors - gv->sectors);
    } else {
        /* The slot is freed, nothing moves: attached devices point at
         * their VBD's slot (bb_dev.vbd). */
        memset(&c->vbd[v - m->vbd], 0, sizeof(c->vbd[0]));
        c->n--;
    }
    if (rc) {
        free(c);
        return FAIL(rc, "not enough free space on the disk for %llu MiB",
                    (unsigned long long)(sectors / 2048));
    }
    rc = commit(c, io);
    if (rc) {
        free(c);
        return FAIL(rc, "writing the map failed (%d); nothing changed", rc);
    }
    *m = *c;
    free(c);
    if (del) return REPLY("ok deleted %s", name);
    describe(vbd_find(m, name), out + 3, outlen > 3 ? outlen - 3 : 0);
    memcpy(out, "ok ", outlen > 3 ? 3 : 0);
    return 0;
}

int vbd_attach(struct vbd_map *m, const char *name, uint16_t domid, bool rw, struct vbd **out)
{
    struct vbd *v = vbd_find(m, name);
    if (!v) return -XEN_ENOENT;
    if (rw ? (v->rw_dom >= 0 || v->nro) : (v->rw_dom >= 0 || v->nro == VBD_MAX_RO)) return -XEN_EBUSY;
    if (rw)
        v->rw_dom = domid;
    else
        v->ro_dom[v->nro++] = domid;
    *out = v;
    return 0;
}

void vbd_detach(struct vbd *v, uint16_t domid)
{
    if (v->rw_dom == domid) {
        v->rw_dom = -1;
        return;
    }
    for (unsigned i = 0; i < v->nro; i++)
        if (v->ro_dom[i] == domid) {
            v->ro_dom[i] = v->ro_dom[--v->nro];
            return;
        }
}

int vbd_translate(const struct vbd *v, uint64_t sector, uint64_t count, struct vbd_piece *out, unsigned max)
{
    if (count == 0 || sector > v->sectors || count > v->sectors - sector) return -XEN_EINVAL;
    unsigned n = 0;
    uint64_t base = 0;
    for (unsigned e = 0; e < v->nextents && count; e++) {
        const struct vbd_extent *x = &v->ext[e];
        if (sector < base + x->len) {
            uint64_t off = sector - base, take = x->len - off < count ? x->len - off : count;
            if (n == max) return -XEN_E2BIG;
            out[n++] = (struct vbd_piece){ x->start + off, take };
            sector += take;
            count -= take;
        }
        base += x->len;
    }
    return (int)n;
}
