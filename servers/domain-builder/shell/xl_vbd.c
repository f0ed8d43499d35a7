/* Tessera's xl verbs on the VBDs of a block backend: vbd-create, vbd-grow,
 * vbd-delete, vbd-list.  Each is one request to the backend's control node
 * in xenstore, as servers/blkback/ctl.h defines it: we write
 *   /local/domain/<be>/control/vbd-request = "SEQ COMMAND"
 * and wait until /local/domain/<be>/control/vbd-result says "SEQ RC LINES",
 * then read its LINES lines.  The backend checks the command (names, sizes,
 * free space, attachment) and its words are shown as they come; here only
 * the request's framing is checked, and the answer, which is the backend's
 * and so not trusted, is bounded and shown printable. */
#include "shell/xl_int.h"
#include "mgr/mgr_vbd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINES_MAX 80 /* lines of an answer (a list: one per VBD, at most 64, and one) */
#define LINE_MAX  240

int xl_vbd_wait_ms = 30000; /* a map write is a device write and flush */

/* "SEQ ..." to SEQ; 0 if it does not start with a number */
static unsigned long seq_of(const char *s)
{
    size_t d = strspn(s, "0123456789");
    return d && d <= 10 ? strtoul(s, NULL, 10) : 0;
}

static unsigned long node_seq(struct mgr *m, const char *path)
{
    char *v = NULL;
    unsigned long seq = xsc_read(m->xs, path, &v) ? 0 : seq_of(v);
    free(v);
    return seq;
}

static void show(struct xl_session *s, const char *be, const char *line, int first, int rc)
{
    char l[LINE_MAX + 1];
    snprintf(l, sizeof(l), "%s", line);
    for (char *p = l; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) *p = '?';
    if (first && !strncmp(l, "error: ", 7))
        say(s, "xl: %s: %s", be, l + 7);
    else if (first && rc)
        say(s, "xl: %s: %s", be, l);
    else
        say(s, "%s", first && !strncmp(l, "ok ", 3) ? l + 3 : l);
}

static void relay(struct mgr *m, struct xl_session *s, const struct xl_cmd *c, const char *verb)
{
    const char *be = xl_opt(c, 'b') ? xl_optval(c, 'b') : VBD_DEFAULT_BACKEND;
    struct mgr_dom *b = mgr_find(m, be);
    if (!b || !b->store_port || !mgr_xs_up(m)) {
        say(s, "xl: backend domain '%s' is not running (or xenstore is not)", be);
        return;
    }
    /* The words go to the backend separated by spaces: each must be one. */
    char cmd[XL_LINE_MAX + 1];
    size_t k = (size_t)snprintf(cmd, sizeof(cmd), "%s", verb);
    for (int i = 0; i < c->npos; i++) {
        if (!c->pos[i][0] || c->pos[i][strcspn(c->pos[i], " \t\r\n")]) {
            say(s, "xl: '%s' is not one word (VBD names and sizes have no blanks)", c->pos[i]);
            return;
        }
        k += (size_t)snprintf(cmd + k, k < sizeof(cmd) ? sizeof(cmd) - k : 0, " %s", c->pos[i]);
    }
    char req[96], res[96], val[XL_LINE_MAX + 16], *v = NULL;
    snprintf(req, sizeof(req), "/local/domain/%u/control/vbd-request", b->domid);
    snprintf(res, sizeof(res), "/local/domain/%u/control/vbd-result", b->domid);
    /* A number not used before (the last request's, or the last answer's,
     * plus one: the backend runs a request once per number). */
    unsigned long last = node_seq(m, req), ans = node_seq(m, res);
    unsigned long seq = (last > ans ? last : ans) % 0xfffffffful + 1;
    snprintf(val, sizeof(val), "%lu %s", seq, cmd);
    int rc = xsc_write(m->xs, req, val);
    if (rc) {
        say(s, "xl: writing %s failed (%d)", req, rc);
        return;
    }
    long brc = 0;
    unsigned long n = 0;
    int done = 0;
    for (int t = 0; !done && t <= xl_vbd_wait_ms; t += 10) {
        if (!xsc_read(m->xs, res, &v)) {
            char *e1, *e2;
            unsigned long got = seq_of(v);
            brc = strtol(v + strspn(v, "0123456789"), &e1, 10);
            n = strtoul(e1, &e2, 10);
            if (got == seq) done = e1 != e2 && !*e2 && n >= 1 && n <= LINES_MAX ? 1 : -1;
            free(v);
            v = NULL;
        }
        if (!done) usleep(10000);
    }
    if (!done) {
        say(s, "xl: %s did not answer '%s' in %g s", be, cmd, xl_vbd_wait_ms / 1000.0);
        return;
    }
    if (done < 0) {
        say(s, "xl: %s answered '%s' with a malformed result", be, cmd);
        return;
    }
    for (unsigned long i = 0; i < n; i++) {
        char path[sizeof(res) + 24];
        snprintf(path, sizeof(path), "%s/%lu", res, i);
        if (xsc_read(m->xs, path, &v)) {
            say(s, "xl: %s's answer lacks its line %lu", be, i);
            return;
        }
        show(s, be, v, i == 0, brc != 0);
        free(v);
        v = NULL;
    }
}

static void vbd_create(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    relay(m, s, c, "create");
}
static void vbd_grow(struct mgr *m, struct xl_session *s, const struct xl_cmd *c) { relay(m, s, c, "grow"); }
static void vbd_delete(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    relay(m, s, c, "delete");
}
static void vbd_list(struct mgr *m, struct xl_session *s, const struct xl_cmd *c) { relay(m, s, c, "list"); }

const struct xl_verb xl_verbs_vbd[] = {
    { "vbd-create", 2, 2, "b:", "xl vbd-create [-b BACKEND] NAME SIZE (Tessera: SIZE in bytes, K, M, G, T)",
      vbd_create, NULL },
    { "vbd-grow", 2, 2, "b:", "xl vbd-grow [-b BACKEND] NAME SIZE (Tessera)", vbd_grow, NULL },
    { "vbd-delete", 1, 1, "b:", "xl vbd-delete [-b BACKEND] NAME (Tessera: not while attached)", vbd_delete,
      NULL },
    { "vbd-list", 0, 0, "b:", "xl vbd-list [-b BACKEND] (Tessera: the block backend's VBDs)", vbd_list,
      NULL },
    { NULL, 0, 0, NULL, NULL, NULL, NULL },
};
