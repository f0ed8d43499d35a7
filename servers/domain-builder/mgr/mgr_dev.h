/* Devices added to and removed from a running domain (xl block-attach,
 * block-detach, network-attach, network-detach), as libxl does it: the
 * spec is checked by the config file's own parser, the nodes are those of
 * mgr_vbd.h / mgr_vif.h, and a removal asks the frontend to close first
 * (the backend's online = 0 and state = Closing) and takes the directories
 * away once the backend reports Closed.  The domain's kept config follows,
 * so a restart and its destruction see the devices it has now. */
#ifndef DB_MGR_DEV_H
#define DB_MGR_DEV_H

#include <stddef.h>

struct mgr;
struct mgr_dom;

enum mgr_dev_kind { MGR_DISK, MGR_VIF };

/* How long a removal waits for the backend to reach Closed (ms). */
extern int mgr_dev_close_ms;

/* spec: one disk or vif element as in a config.  0 with a confirmation in
 * msg ("attached disk xvdb ..."), or -1 with the reason. */
int mgr_dev_attach(struct mgr *m, struct mgr_dom *d, enum mgr_dev_kind k, const char *spec, char *msg,
                   size_t len);
/* which: a vdev (xvdb) or Xen device number for a disk; a devid or a MAC
 * for a vif.  force: remove without waiting for the frontend (block-detach -f). */
int mgr_dev_detach(struct mgr *m, struct mgr_dom *d, enum mgr_dev_kind k, const char *which, int force,
                   char *msg, size_t len);

#endif
