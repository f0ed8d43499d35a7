/* Tessera's save stream (docs/save-restore.md): what `xl save` writes and
 * `xl restore` reads.  Laid out like Xen's libxc stream (an image header,
 * then records of type, length and body padded to 8 bytes; pages in
 * PAGE_DATA records whose PFNs carry Xen's XEN_DOMCTL_PFINFO_* types in bits
 * 60-63), with Tessera's own magic and version, and a CRC-32 after the
 * header and after every record so that a damaged file is refused before
 * anything is built.  All numbers little-endian.  The writer appends to a
 * growing buffer; the reader checks a whole image and indexes its records
 * without copying them. */
#ifndef DB_SAVE_STREAM_H
#define DB_SAVE_STREAM_H

#define __XEN_TOOLS__ 1
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>

#define SAVE_MAGIC    "TESSAVE\n"
#define SAVE_VERSION  1u
#define SAVE_HDR_LEN  24u          /* magic, version, flags, crc, 0 */
#define SAVE_REC_MAX  (8u << 20)   /* the largest record body */
#define SAVE_MAX_PFNS (1ull << 24) /* 64 GiB of guest pages */
#define SAVE_BATCH    512u         /* pages per PAGE_DATA record */
#define SAVE_CFG_MAX  (64u << 10)

enum save_rec {
    SREC_END = 0,
    SREC_DOMAIN = 1,     /* struct save_domain */
    SREC_CONFIG = 2,     /* the domain's xl.cfg text */
    SREC_P2M_FRAMES = 3, /* u64 PFN of each frame of the guest's p2m */
    SREC_PAGE_DATA = 4,  /* u32 count, u32 0, u64 pfn|type[count], pages */
    SREC_VCPU = 5,       /* u32 vcpu, u32 0, canonical vcpu_guest_context */
    SREC_MAX = 5,
};

struct save_domain {
    uint32_t vcpus;          /* createdomain's max_vcpus */
    uint32_t flags;          /* 0 */
    uint64_t nr_pfns;        /* size of the p2m */
    uint64_t start_info_pfn; /* from the suspend hypercall's argument */
};

/* PFN entries of PAGE_DATA: Xen's XEN_DOMCTL_PFINFO_* type << 32 in the top bits. */
#define SAVE_PFN_MASK   ((1ull << 52) - 1)
#define SAVE_TYPE_SHIFT 32
static inline uint32_t save_pfn_type(uint64_t e) { return (uint32_t)(e >> SAVE_TYPE_SHIFT) & 0xf0000000u; }

/* ---- writer ---- */
struct save_buf {
    uint8_t *data;
    size_t len, cap;
    int failed; /* out of memory: everything after is dropped */
};
/* Starts an image; room for about `expect` bytes is taken at once (a large
 * image is not grown by doubling in the builder's small memory). */
void save_begin(struct save_buf *w, size_t expect);
/* The same for a later part of a stream read in parts (no header). */
void save_begin_part(struct save_buf *w, size_t expect);
/* A record whose body is the pieces one after the other; padding and CRC added. */
struct save_piece {
    const void *p;
    size_t n;
};
void save_record(struct save_buf *w, uint32_t type, const struct save_piece *pc, int npc);
void save_free(struct save_buf *w);

/* ---- reader ---- */
struct save_recref {
    uint32_t type;
    uint32_t len;
    const uint8_t *body;
};

struct save_image {
    struct save_domain dom;
    const char *cfg; /* not NUL-terminated: cfg_len bytes */
    size_t cfg_len;
    const uint64_t *p2m_frames; /* ceil(nr_pfns / 512) of them */
    size_t nr_p2m_frames;
    struct save_recref vcpu[8];    /* by vCPU id */
    const uint8_t *first_page_rec; /* records from here on, until END */
    size_t nr_page_recs;
    uint64_t nr_pages; /* PFNs with data */
    const uint8_t *end;
};

/* Checks the whole image (header, every record's length and CRC, the
 * records each kind must have, PFNs and types) and fills img; -1 with
 * the reason in err. */
int save_parse(const uint8_t *data, size_t len, struct save_image *img, char *err, size_t errlen);
/* A stream read in parts (live migration, docs/migration.md): the first
 * part starts with the header, every part ends between two records, the
 * last with END; PAGE_DATA records may repeat a PFN (the last wins).
 * save_parse_part checks one part as save_parse checks an image, img
 * accumulating (its first_page_rec, nr_page_recs and end: this part's; the
 * data of earlier parts may be gone, so their cfg and p2m_frames must have
 * been used or copied).  The caller zeroes rd before the first part and
 * sets open: with open = 0 a part must end with END.  1 when
 * END was read and the image is whole, 0 when more may follow, -1 with the
 * reason (byte offsets count from the first part's first byte). */
struct save_reader {
    struct save_image img;
    int seen[SREC_MAX + 1];
    int open, ended;
    size_t at; /* bytes of earlier parts */
};
int save_parse_part(struct save_reader *rd, const uint8_t *data, size_t len, int first, char *err,
                    size_t errlen);
/* The PAGE_DATA records of a parsed image in order: *pos starts at NULL;
 * returns 0 with count, the PFN entries and the data of the pages with
 * data (one page per entry whose type is not XTAB), 1 at the end. */
int save_next_pages(const struct save_image *img, const uint8_t **pos, uint32_t *count, const uint64_t **pfns,
                    const uint8_t **pages);
/* Does this type carry page data / is it a page table (level, 0 if not)? */
int save_type_has_data(uint32_t type);
int save_type_level(uint32_t type);

#endif
