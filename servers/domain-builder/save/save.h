/* Saving a suspended PV domain into a save stream, and rebuilding one from
 * it (docs/save-restore.md), against the back end.  Neither knows about
 * xenstore, consoles or the xl shell: shell/xl_save.c does the suspend
 * request, the file and the manager's side. */
#ifndef DB_SAVE_SAVE_H
#define DB_SAVE_SAVE_H

#include "backend/backend.h"
#include "build/build.h"
#include "save/stream.h"

/* The domain must have shut down with SHUTDOWN_suspend (its own suspend
 * path).  It is paused (off every CPU), then its p2m (found as Xen's saver
 * finds it: shared_info's pfn_to_mfn_frame_list_list), page types, memory
 * with page tables in canonical form, and vCPU state are written to w after
 * the config text.  The domain is left suspended: the caller destroys it or
 * resumes it.  -1 with the reason in err; every mapping is undone. */
int save_domain(struct backend *b, uint32_t domid, const char *cfg, size_t cfg_len, struct save_buf *w,
                char *err, size_t errlen);

/* Builds the domain of a parsed image (save_parse) with the parsed config
 * in in->cfg: fresh frames for every PFN with data, the pages written back
 * with page tables in machine form, the guest's p2m rewritten, start_info
 * given the new shared info, console and xenstore, the page tables pinned,
 * the vCPU contexts set.  Left paused with out filled as a build leaves it
 * (console and store MFNs and ports); on failure it is destroyed. */
int restore_domain(struct backend *b, const struct save_image *img, const struct build_in *in,
                   struct build_out *out, char *err, size_t errlen);

#endif
