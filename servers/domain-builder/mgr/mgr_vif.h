/* The vif devices of a domain's vif = [ ... ] list in xenstore, written as
 * Xen's toolstack (libxl) writes them: the backend directory
 * /local/domain/<be>/backend/vif/<fe>/<devid> (writable by the backend
 * domain, readable by the frontend, owned by the builder as for vbds) and the
 * frontend directory
 * /local/domain/<fe>/device/vif/<devid> (owned by the frontend, readable by
 * the backend).  devid is the vif's place in the list; the backend domain is
 * backend=NAME, by default the service domain named "netback"; mac= (default
 * 00:16:3e:HH:LL:DD from the frontend's domid and devid), ip=, bridge= are
 * passed on; rate=RATE/s[@INTERVAL] (xl-network-configuration(5): RATE in
 * B/KB/MB/GB bytes or b/Kb/Mb/Gb bits, INTERVAL in us/ms/s, default 50ms)
 * becomes Xen's "BYTES,MICROSECONDS" credit per interval.  Beyond xl (netback
 * reads them, docs/netback.md): rx-rate= (the same syntax, what the guest
 * receives), rate-pps=N and rx-rate-pps=N (packets per second, 1 to 2^32),
 * antispoof=0|1 (Tessera: the VFR's anti-spoofing for this vif). */
#ifndef DB_MGR_VIF_H
#define DB_MGR_VIF_H

#include <stdint.h>
#include "cfg/domcfg.h"
#include "mgr/mgr_vbd.h"

#define VIF_DEFAULT_BACKEND "netback"
/* A vif detached from a running domain (mgr_dev.c) leaves this in its
 * place in the list: devids are places, and the others keep theirs. */
#define VIF_DETACHED '#'

struct mgr_vif {
    char mac[18];
    char ip[DOM_SPEC_MAX + 1];
    char bridge[DOM_SPEC_MAX + 1];
    char backend[DOM_NAME_MAX + 1];
    char rate[48];            /* "BYTES,USECS" or "" */
    char rx_rate[48];         /* the same for what the guest receives */
    char pps[16], rx_pps[16]; /* packets/s limits, decimal, or "" */
    char antispoof[2];        /* "0", "1" or "" */
    uint32_t devid;
};

/* rate=... to bytes per interval and the interval; -1 if malformed, zero,
 * or beyond 2^32 bytes per interval. */
int mgr_vif_rate(const char *s, uint64_t *bytes, uint32_t *usecs);
/* A vif spec (checked by the config parser) of frontend fe at list place
 * devid; -1 if its rate is malformed. */
int mgr_vif_parse(const char *spec, uint32_t fe, uint32_t devid, struct mgr_vif *v);
/* The nodes to write, in order (the backend's frontend-id last: netback
 * takes the device once that is there).  Returns how many (at most max). */
int mgr_vif_nodes(const struct mgr_vif *v, uint32_t fe, uint32_t be, struct mgr_vbd_node *out, int max);

struct mgr;
struct mgr_dom;
/* After d's own nodes: the nodes of each of its vifs (a backend domain not
 * running or a failed write is logged; the domain still starts). */
void mgr_xs_vifs(struct mgr *m, struct mgr_dom *d);
/* Before d's nodes go: its backend directories. */
void mgr_xs_vifs_remove(struct mgr *m, struct mgr_dom *d);

#endif
