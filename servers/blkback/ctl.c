/* blkback's control node: VBD commands from the toolstack (ctl.h). */
#include "ctl.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/errno.h>

int bb_ctl_command(struct bb_ctl *c, const char *line, char *out, size_t outlen)
{
    int rc = vbd_command(c->map, &c->io, line, out, outlen);
    char verb[8], name[VBD_NAME_MAX + 2];
    if (!rc && c->xb && sscanf(line, " %7s %32s", verb, name) == 2 && !strcmp(verb, "grow")) {
        struct vbd *v = vbd_find(c->map, name);
        if (v) xb_resized(c->xb, v);
    }
    return rc;
}

int bb_ctl_init(struct bb_ctl *c, struct xsc *xs, uint16_t self, struct xb *xb, struct vbd_map *m,
                const struct vbd_io *io)
{
    memset(c, 0, sizeof(*c));
    c->xs = xs;
    c->xb = xb;
    c->map = m;
    c->io = *io;
    snprintf(c->req, sizeof(c->req), "/local/domain/%u/control/vbd-request", self);
    snprintf(c->res, sizeof(c->res), "/local/domain/%u/control/vbd-result", self);
    if (!xs) return 0;
    int rc = xsc_watch(xs, c->req, BB_CTL_TOKEN);
    if (rc == -EEXIST) {
        /* A restarted program on the kept xenstore connection: the old
         * instance's watch is still there (refusing it made every program
         * crash a crash loop, then a domain death). */
        xsc_unwatch(xs, c->req, BB_CTL_TOKEN);
        rc = xsc_watch(xs, c->req, BB_CTL_TOKEN);
    }
    return rc;
}

/* "SEQ ..." to SEQ (1 to 2^32-1, decimal), *rest after one space; 0 if not. */
static unsigned long seq_of(const char *s, const char **rest)
{
    size_t d = strspn(s, "0123456789");
    if (d == 0 || d > 10 || s[d] != ' ') return 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (v == 0 || v > 0xffffffffull) return 0;
    *rest = s + d + 1;
    return (unsigned long)v;
}

/* The reply: its lines first, then the summary that names the request. */
static void answer(struct bb_ctl *c, unsigned long seq, int rc, char *out)
{
    char path[96], sum[48];
    unsigned n = 0;
    xsc_rm(c->xs, c->res); /* the last answer's lines (absent the first time) */
    for (char *l = out; l && n < BB_CTL_LINES_MAX; n++) {
        char *nl = strchr(l, '\n');
        if (nl) *nl = 0;
        snprintf(path, sizeof(path), "%s/%u", c->res, n);
        int wrc = xsc_write(c->xs, path, l);
        if (wrc) fprintf(stderr, "blkback: writing %s failed (%d)\n", path, wrc);
        l = nl ? nl + 1 : NULL;
    }
    snprintf(sum, sizeof(sum), "%lu %d %u", seq, rc, n);
    int wrc = xsc_write(c->xs, c->res, sum);
    if (wrc) fprintf(stderr, "blkback: writing %s failed (%d)\n", c->res, wrc);
}

bool bb_ctl_event(struct bb_ctl *c, const char *path, const char *token)
{
    if (strcmp(token, BB_CTL_TOKEN)) return false;
    (void)path;
    static char out[8192];
    char *req = NULL, *res = NULL;
    const char *cmd = NULL, *done = NULL;
    if (xsc_read(c->xs, c->req, &req)) return true; /* no request (the watch's first firing) */
    unsigned long seq = seq_of(req, &cmd);
    if (xsc_read(c->xs, c->res, &res) == 0 && seq && seq_of(res, &done) == seq) goto out; /* answered */
    if (!seq) {
        printf("blkback: control: malformed request '%.64s' (want 'SEQ COMMAND')\n", req);
        snprintf(out, sizeof(out), "error: malformed request (want 'SEQ COMMAND')");
        answer(c, 0, -XEN_EINVAL, out);
    } else if (strlen(cmd) > BB_CTL_REQ_MAX || strpbrk(cmd, "\n\r")) {
        snprintf(out, sizeof(out), "error: a command is one line of at most %d characters", BB_CTL_REQ_MAX);
        answer(c, seq, -XEN_EINVAL, out);
    } else {
        int rc = bb_ctl_command(c, cmd, out, sizeof(out));
        printf("blkback: control %lu: %s: %.*s\n", seq, cmd, (int)strcspn(out, "\n"), out);
        answer(c, seq, rc, out);
    }
out:
    free(req);
    free(res);
    return true;
}
