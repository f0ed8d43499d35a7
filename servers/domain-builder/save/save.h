/* Saving a suspended PV domain into a save stream, and rebuilding one from
 * it (docs/save-restore.md), against the back end.  Neither knows about
 * xenstore, consoles or the xl shell: shell/xl_save.c does the suspend
 * request, the file and the manager's side. */
#ifndef DB_SAVE_SAVE_H
#define DB_SAVE_SAVE_H

#include "backend/backend.h"
#include "build/build.h"
#include "save/canon.h"
#include "save/stream.h"

/* The domain must have shut down with SHUTDOWN_suspend (its own suspend
 * path).  It is paused (off every CPU), then its p2m (found as Xen's saver
 * finds it: shared_info's pfn_to_mfn_frame_list_list), page types, memory
 * with page tables in canonical form, and vCPU state are written to w after
 * the config text.  The domain is left suspended: the caller destroys it or
 * resumes it.  -1 with the reason in err; every mapping is undone. */
int save_domain(struct backend *b, uint32_t domid, const char *cfg, size_t cfg_len, struct save_buf *w,
                char *err, size_t errlen);

/* The saver's steps, shared by save_domain and a live migration's sender
 * (migrate.c).  saver_open reads the guest's p2m (from its shared info
 * frame), the PFNs of the p2m's own frames and every page's type (XTAB and
 * SAVE_NO_FRAME for a PFN without a frame of the domain), and builds the
 * inverse of the p2m; saver_close frees it all (also after a failed open).
 * saver_head starts an image with DOMAIN, CONFIG and P2M_FRAMES and returns
 * where DOMAIN is (to write it again).  saver_pages writes PFNs pfns[0..n)
 * as PAGE_DATA records with s->types, tables in canonical form; with defer
 * (a bitmap, the domain running) a table naming a frame outside the p2m is
 * sent as a plain page and its bit set (it changes while it is read).
 * saver_vcpus writes a VCPU record for each vCPU and gives vCPU 0's
 * start_info PFN.  Each -1 with the reason in s->err. */
struct saver {
    struct backend *b;
    uint32_t domid;
    uint64_t nr_pfns;
    uint64_t *p2m, *types, *p2m_frames;
    size_t nr_p2m_frames;
    struct save_m2p m2p;
    char *err;
    size_t errlen;
};
int saver_open(struct saver *s, uint64_t shinfo_mfn);
void saver_close(struct saver *s);
size_t saver_head(struct saver *s, struct save_buf *w, const struct save_domain *dom, const char *cfg,
                  size_t cfg_len);
int saver_pages(struct saver *s, struct save_buf *w, const uint64_t *pfns, size_t n, uint8_t *defer);
int saver_vcpus(struct saver *s, struct save_buf *w, uint32_t n, uint64_t *start_info_pfn);

/* Builds the domain of a parsed image (save_parse) with the parsed config
 * in in->cfg: fresh frames for every PFN with data, the pages written back
 * with page tables in machine form, the guest's p2m rewritten, start_info
 * given the new shared info, console and xenstore, the page tables pinned,
 * the vCPU contexts set.  Left paused with out filled as a build leaves it
 * (console and store MFNs and ports); on failure it is destroyed. */
int restore_domain(struct backend *b, const struct save_image *img, const struct build_in *in,
                   struct build_out *out, char *err, size_t errlen);

/* restore_domain in steps, for a stream read in parts (migrate.c):
 * restore_begin with the first part (the PFNs with data there get frames;
 * its pages written), restore_pages for each later part (r->img, the
 * reader's image, then holds that part), restore_finish after the last
 * (guest p2m, start_info, pins, vCPUs).  restore_begin and restore_finish
 * free r and destroy the domain when they fail; when restore_pages fails,
 * or to give up in between, restore_end(r, 1). */
struct restorer {
    struct backend *b;
    const struct save_image *img;
    const struct build_in *in;
    struct build_out *out;
    uint64_t *p2m;        /* new pfn -> mfn, SAVE_NO_FRAME if none */
    uint32_t *type;       /* last type seen for each PFN */
    uint64_t *p2m_frames; /* the image's P2M_FRAMES, copied */
    size_t nr_p2m_frames;
    char *err;
    size_t errlen;
};
int restore_begin(struct restorer *r, struct backend *b, const struct save_image *img,
                  const struct build_in *in, struct build_out *out, char *err, size_t errlen);
int restore_pages(struct restorer *r);
int restore_finish(struct restorer *r);
void restore_end(struct restorer *r, int destroy);

#endif
