/* The xl verbs on virtual block devices: block-attach, block-detach,
 * block-list (xl's syntax and table; mgr/mgr_dev.h does the work). */
#include "shell/xl_int.h"
#include "mgr/mgr_dev.h"
#include "mgr/mgr_vbd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* xl's parse_disk_config_multistring: the words are the parts of one spec */
void xl_join(const struct xl_cmd *c, int from, char *out, size_t size)
{
    size_t k = 0;
    out[0] = 0;
    for (int i = from; i < c->npos; i++)
        k += (size_t)snprintf(out + k, k < size ? size - k : 0, "%s%s", i > from ? "," : "", c->pos[i]);
}

/* block-attach / network-attach: the words from the second on are the spec */
void xl_dev_attach(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    char spec[XL_LINE_MAX + 1], msg[MGR_ERR_LEN];
    int disk = !strcmp(c->verb->name, "block-attach");
    struct mgr_dom *d = xl_target(m, s, c->arg, disk ? "attach a disk to" : "attach a network interface to");
    if (!d) return;
    xl_join(c, 1, spec, sizeof(spec));
    if (strlen(spec) > DOM_SPEC_MAX)
        say(s, "xl: %s spec longer than %d characters", disk ? "disk" : "vif", DOM_SPEC_MAX);
    else if (mgr_dev_attach(m, d, disk ? MGR_DISK : MGR_VIF, spec, msg, sizeof(msg)))
        say(s, "xl: %s", msg);
    else
        say(s, "%s", msg);
}

/* block-detach [-f] / network-detach */
void xl_dev_detach(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    char msg[MGR_ERR_LEN];
    int disk = !strcmp(c->verb->name, "block-detach");
    struct mgr_dom *d =
        xl_target(m, s, c->arg, disk ? "detach a disk from" : "detach a network interface from");
    if (!d) return;
    if (mgr_dev_detach(m, d, disk ? MGR_DISK : MGR_VIF, c->pos[1], xl_opt(c, 'f'), msg, sizeof(msg)))
        say(s, "xl: %s", msg);
    else
        say(s, "%s", msg);
}

/* A frontend node as a number, -1 when absent (as libxl's getinfo). */
long xl_node_num(struct mgr *m, const char *dir, const char *name)
{
    char path[160], *val = NULL;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (!mgr_xs_up(m) || xsc_read(m->xs, path, &val)) return -1;
    char *end;
    long n = strtol(val, &end, 10);
    if (end == val || *end) n = -1;
    free(val);
    return n;
}

static void list(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    for (int k = 0; k < c->npos; k++)
        if (!xl_shown(m, c->pos[k], NULL)) {
            say(s, "xl: no domain '%s'", c->pos[k]);
            return;
        }
    say(s, "%-5s %-3s %-6s %-5s %-6s %-8s %-30s", "Vdev", "BE", "handle", "state", "evt-ch", "ring-ref",
        "BE-path");
    for (int k = 0; k < c->npos; k++) {
        struct mgr_dom *d = mgr_find(m, c->pos[k]);
        for (int i = 0; d && i < d->cfg.ndisk; i++) {
            struct mgr_vbd v;
            struct mgr_dom *b;
            char fdir[96], bdir[96];
            if (mgr_vbd_parse(d->cfg.disk[i], &v) || !(b = mgr_find(m, v.backend))) continue;
            snprintf(fdir, sizeof(fdir), "/local/domain/%u/device/vbd/%u", d->domid, v.devid);
            snprintf(bdir, sizeof(bdir), "/local/domain/%u/backend/vbd/%u/%u", b->domid, d->domid, v.devid);
            /* xl's columns: "handle" shows the frontend's domain id */
            say(s, "%-5u %-3u %-6u %-5ld %-6ld %-8ld %-30s", v.devid, b->domid, d->domid,
                xl_node_num(m, fdir, "state"), xl_node_num(m, fdir, "event-channel"),
                xl_node_num(m, fdir, "ring-ref"), bdir);
        }
    }
}

const struct xl_verb xl_verbs_block[] = {
    { "block-attach", 2, XL_MAX_POS, "", "xl block-attach DOMAIN DISK-SPEC...", xl_dev_attach, NULL },
    { "block-detach", 2, 2, "f", "xl block-detach [-f] DOMAIN VDEV", xl_dev_detach, NULL },
    { "block-list", 1, XL_MAX_POS, "", "xl block-list DOMAIN...", list, NULL },
    { NULL, 0, 0, NULL, NULL, NULL, NULL },
};
