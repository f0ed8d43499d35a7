/* The save stream's writer and reader (see stream.h).  The reader trusts
 * nothing: every length is checked against what is left before it is used,
 * and an image is refused whole (before a restore creates anything) when any
 * part of it is wrong. */
#include "save/stream.h"
#include "util.h"
#include "decompress.h" /* dc_crc32 */

#include <stdlib.h>
#include <string.h>
#include <xen/domctl.h>

static void put(struct save_buf *w, const void *p, size_t n)
{
    if (w->failed || !n) return;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 1u << 20;
        while (cap < w->len + n)
            cap *= 2;
        uint8_t *d = realloc(w->data, cap);
        if (!d) {
            w->failed = 1;
            return;
        }
        w->data = d;
        w->cap = cap;
    }
    if (p)
        memcpy(w->data + w->len, p, n);
    else
        memset(w->data + w->len, 0, n);
    w->len += n;
}

static void put32(struct save_buf *w, uint32_t v) { put(w, &v, 4); }

void save_begin_part(struct save_buf *w, size_t expect)
{
    memset(w, 0, sizeof(*w));
    w->data = malloc(expect);
    w->cap = w->data ? expect : 0;
}

void save_begin(struct save_buf *w, size_t expect)
{
    save_begin_part(w, expect);
    put(w, SAVE_MAGIC, 8);
    put32(w, SAVE_VERSION);
    put32(w, 0);
    put32(w, w->failed ? 0 : dc_crc32(0, w->data, 16));
    put32(w, 0);
}

void save_record(struct save_buf *w, uint32_t type, const struct save_piece *pc, int npc)
{
    size_t start = w->len, len = 0;
    for (int i = 0; i < npc; i++)
        len += pc[i].n;
    put32(w, type);
    put32(w, (uint32_t)len);
    for (int i = 0; i < npc; i++)
        put(w, pc[i].p, pc[i].n);
    put(w, NULL, (8 - len % 8) % 8);
    if (!w->failed) put32(w, dc_crc32(0, w->data + start, w->len - start));
    put32(w, 0);
}

void save_free(struct save_buf *w)
{
    free(w->data);
    memset(w, 0, sizeof(*w));
}

int save_type_has_data(uint32_t type) { return type != XEN_DOMCTL_PFINFO_XTAB; }

int save_type_level(uint32_t type)
{
    uint32_t t = type & XEN_DOMCTL_PFINFO_LTABTYPE_MASK;
    return t ? (int)(t >> XEN_DOMCTL_PFINFO_LTAB_SHIFT) : 0;
}

/* Types a saver writes: a page, a page table L1..L4 (pinned or not), or XTAB. */
static int type_ok(uint32_t type)
{
    if (type == XEN_DOMCTL_PFINFO_XTAB || type == XEN_DOMCTL_PFINFO_NOTAB) return 1;
    int level = save_type_level(type);
    return level >= 1 && level <= 4 &&
           !(type & ~(XEN_DOMCTL_PFINFO_LTABTYPE_MASK | XEN_DOMCTL_PFINFO_LPINTAB));
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* One PAGE_DATA body: sizes agree, PFNs in range, types known. */
static int check_pages(const struct save_image *img, const struct save_recref *r, uint64_t *npages, char *err,
                       size_t errlen)
{
    if (r->len < 8) return db_errf(err, errlen, "PAGE_DATA record of %u bytes", r->len);
    uint32_t count = get32(r->body);
    if (!count || count > SAVE_BATCH || get32(r->body + 4) || r->len < 8 + (uint64_t)count * 8)
        return db_errf(err, errlen, "PAGE_DATA record with %u pages in %u bytes", count, r->len);
    const uint8_t *e = r->body + 8;
    uint64_t with_data = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t v;
        memcpy(&v, e + i * 8, 8);
        uint32_t type = save_pfn_type(v);
        if ((v & SAVE_PFN_MASK) >= img->dom.nr_pfns || (v & ~SAVE_PFN_MASK & ~(0xfull << 60)))
            return db_errf(err, errlen, "PAGE_DATA: pfn %#llx out of range (%llu pages)",
                           (unsigned long long)(v & SAVE_PFN_MASK), (unsigned long long)img->dom.nr_pfns);
        if (!type_ok(type))
            return db_errf(err, errlen, "PAGE_DATA: pfn %#llx has unknown type %#x",
                           (unsigned long long)(v & SAVE_PFN_MASK), type);
        with_data += save_type_has_data(type);
    }
    if (r->len != 8 + (uint64_t)count * 8 + with_data * 4096)
        return db_errf(err, errlen, "PAGE_DATA: %u bytes for %u pages with %llu pages of data", r->len, count,
                       (unsigned long long)with_data);
    *npages += with_data;
    return 0;
}

/* Records with exactly this body length, once each. */
static int fixed(const struct save_recref *r, size_t want, const char *what, char *err, size_t errlen)
{
    return r->len == want ? 0 : db_errf(err, errlen, "%s record of %u bytes (want %zu)", what, r->len, want);
}

static int take(struct save_image *img, const struct save_recref *r, int *seen, char *err, size_t errlen)
{
    if (r->type != SREC_DOMAIN && !seen[SREC_DOMAIN])
        return db_errf(err, errlen, "record %u before the DOMAIN record", r->type);
    if (r->type != SREC_PAGE_DATA && r->type != SREC_VCPU && seen[r->type])
        return db_errf(err, errlen, "record %u twice", r->type);
    seen[r->type]++;
    switch (r->type) {
    case SREC_DOMAIN:
        if (fixed(r, sizeof(img->dom), "DOMAIN", err, errlen)) return -1;
        memcpy(&img->dom, r->body, sizeof(img->dom));
        if (!img->dom.vcpus || img->dom.vcpus > 8 || img->dom.flags || !img->dom.nr_pfns ||
            img->dom.nr_pfns > SAVE_MAX_PFNS || img->dom.start_info_pfn >= img->dom.nr_pfns)
            return db_errf(err, errlen, "DOMAIN record: %u vCPUs, %llu pages, start_info %llu",
                           img->dom.vcpus, (unsigned long long)img->dom.nr_pfns,
                           (unsigned long long)img->dom.start_info_pfn);
        return 0;
    case SREC_CONFIG:
        if (!r->len || r->len > SAVE_CFG_MAX || memchr(r->body, 0, r->len))
            return db_errf(err, errlen, "CONFIG record of %u bytes", r->len);
        img->cfg = (const char *)r->body;
        img->cfg_len = r->len;
        return 0;
    case SREC_P2M_FRAMES: {
        size_t n = (size_t)((img->dom.nr_pfns + 511) / 512);
        if (fixed(r, n * 8, "P2M_FRAMES", err, errlen)) return -1;
        img->p2m_frames = (const uint64_t *)r->body;
        img->nr_p2m_frames = n;
        for (size_t i = 0; i < n; i++)
            if (img->p2m_frames[i] >= img->dom.nr_pfns)
                return db_errf(err, errlen, "P2M_FRAMES: frame %zu at pfn %#llx out of range", i,
                               (unsigned long long)img->p2m_frames[i]);
        return 0;
    }
    case SREC_VCPU: {
        if (fixed(r, 8 + sizeof(struct vcpu_guest_context), "VCPU", err, errlen)) return -1;
        uint32_t id = get32(r->body);
        if (id >= img->dom.vcpus || get32(r->body + 4) || img->vcpu[id].body)
            return db_errf(err, errlen, "VCPU record for vCPU %u (of %u), or twice", id, img->dom.vcpus);
        img->vcpu[id] = *r;
        return 0;
    }
    case SREC_PAGE_DATA:
        if (!img->first_page_rec) img->first_page_rec = r->body - 8;
        img->nr_page_recs++;
        return check_pages(img, r, &img->nr_pages, err, errlen);
    }
    return db_errf(err, errlen, "unknown record type %u", r->type);
}

int save_parse_part(struct save_reader *rd, const uint8_t *data, size_t len, int first, char *err,
                    size_t errlen)
{
    struct save_image *img = &rd->img;
    size_t off = 0;
    if (first) {
        if (len < SAVE_HDR_LEN || memcmp(data, SAVE_MAGIC, 8))
            return db_errf(err, errlen, "not a Tessera save image (no TESSAVE header)");
        if (get32(data + 8) != SAVE_VERSION)
            return db_errf(err, errlen, "save image version %u, this builder reads version %u",
                           get32(data + 8), SAVE_VERSION);
        if (get32(data + 12) || get32(data + 16) != dc_crc32(0, data, 16) || get32(data + 20))
            return db_errf(err, errlen, "save image header damaged (checksum)");
        off = SAVE_HDR_LEN;
    } else if (rd->ended) {
        return db_errf(err, errlen, "save image has %zu bytes after its END record", len);
    }
    img->first_page_rec = NULL; /* save_next_pages: this part's records */
    img->nr_page_recs = 0;
    for (;;) {
        if (off == len && !rd->ended && rd->open) break; /* a part ends between records */
        if (len - off < 8)
            return db_errf(err, errlen, "save image truncated at byte %zu (no END record)", rd->at + off);
        struct save_recref r = { get32(data + off), get32(data + off + 4), data + off + 8 };
        size_t padded = ((size_t)r.len + 7) & ~(size_t)7;
        if (r.len > SAVE_REC_MAX || len - off - 8 < padded + 8)
            return db_errf(err, errlen, "save image truncated in a record at byte %zu", rd->at + off);
        if (get32(r.body + padded) != dc_crc32(0, data + off, 8 + padded) || get32(r.body + padded + 4))
            return db_errf(err, errlen, "save image damaged: bad checksum of record %u at byte %zu", r.type,
                           rd->at + off);
        off += 8 + padded + 8;
        if (r.type == SREC_END) {
            if (r.len || off != len)
                return db_errf(err, errlen, "save image has %zu bytes after its END record", len - off);
            rd->ended = 1;
            break;
        }
        if (r.type > SREC_MAX || take(img, &r, rd->seen, err, errlen))
            return r.type > SREC_MAX ? db_errf(err, errlen, "unknown record type %u", r.type) : -1;
    }
    rd->at += len;
    img->end = data + len;
    if (!rd->ended) return 0;
    if (!rd->seen[SREC_DOMAIN] || !rd->seen[SREC_CONFIG] || !rd->seen[SREC_P2M_FRAMES])
        return db_errf(err, errlen, "save image lacks its %s record",
                       !rd->seen[SREC_DOMAIN]   ? "DOMAIN"
                       : !rd->seen[SREC_CONFIG] ? "CONFIG"
                                                : "P2M_FRAMES");
    for (uint32_t i = 0; i < img->dom.vcpus; i++)
        if (!img->vcpu[i].body) return db_errf(err, errlen, "save image lacks the state of vCPU %u", i);
    if (!img->nr_pages) return db_errf(err, errlen, "save image holds no pages");
    return 1;
}

int save_parse(const uint8_t *data, size_t len, struct save_image *img, char *err, size_t errlen)
{
    struct save_reader rd = { 0 };
    int rc = save_parse_part(&rd, data, len, 1, err, errlen);
    *img = rd.img;
    return rc == 1 ? 0 : -1;
}

int save_next_pages(const struct save_image *img, const uint8_t **pos, uint32_t *count, const uint64_t **pfns,
                    const uint8_t **pages)
{
    const uint8_t *p = *pos ? *pos : img->first_page_rec;
    while (p && p < img->end) {
        uint32_t type = get32(p), len = get32(p + 4);
        const uint8_t *body = p + 8;
        p = body + (((size_t)len + 7) & ~(size_t)7) + 8;
        if (type == SREC_END) break;
        if (type != SREC_PAGE_DATA) continue;
        *pos = p;
        *count = get32(body);
        *pfns = (const uint64_t *)(body + 8);
        *pages = body + 8 + (size_t)*count * 8;
        return 0;
    }
    return 1;
}
