/*
 * blkback's control node: the toolstack's VBD commands (xl vbd-create,
 * vbd-grow, vbd-delete, vbd-list) through xenstore.  The toolstack writes
 *   /local/domain/<self>/control/vbd-request = "SEQ COMMAND"
 * (SEQ a decimal number it has not used before, COMMAND one of vbd.h's);
 * blkback watches it, runs COMMAND once per SEQ and answers with
 *   /local/domain/<self>/control/vbd-result/<i> = the reply's line i
 *   /local/domain/<self>/control/vbd-result     = "SEQ RC LINES"
 * (RC 0 or the negative Xen errno; the summary written last, so a reader
 * that finds its SEQ there finds every line).  A request already answered
 * (the watch fires when set, and again after a restart) is not run again.
 * docs/blkback.md says why xenstore and not the console.
 */
#ifndef TESSERA_BLKBACK_CTL_H
#define TESSERA_BLKBACK_CTL_H

#include "vbd.h"
#include "xb.h"
#include "xsclient.h"

#define BB_CTL_TOKEN     "bb-ctl"
#define BB_CTL_REQ_MAX   256 /* characters of a request */
#define BB_CTL_LINES_MAX 80  /* lines of a reply (list: one per VBD, and one) */

struct bb_ctl {
    struct xsc *xs;
    struct xb *xb; /* NULL: no devices to tell of a grow */
    struct vbd_map *map;
    struct vbd_io io;
    char req[64], res[64]; /* the two nodes' paths */
};

/* A VBD command from any source (console, boot file, control node): the map
 * changes (vbd_command), and after a grow the devices attached to that VBD
 * get their new size (xb_resized).  Returns vbd_command's answer. */
int bb_ctl_command(struct bb_ctl *c, const char *line, char *out, size_t outlen);
/* Watch the request node (xs may be NULL: commands only).  0 or -errno. */
int bb_ctl_init(struct bb_ctl *c, struct xsc *xs, uint16_t self, struct xb *xb, struct vbd_map *m,
                const struct vbd_io *io);
/* A watch event: true if it was ours (the request answered, or found
 * answered already). */
bool bb_ctl_event(struct bb_ctl *c, const char *path, const char *token);

#endif
