/* The lwIP guest: a tiny PV kernel on the PV base (lib/pv) running lwIP (from
 * Debian's source package, NO_SYS) on a netfront (servers/lib/netfront) with a
 * TCP echo server and a small HTTP server.  Declarations shared by its files;
 * docs/lwip.md describes it. */
#ifndef LWIP_GUEST_H
#define LWIP_GUEST_H

#include "pv.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

/* ---- options (main.c): the words of the kernel command line (extra=) ---- */
struct guest_opts {
    ip4_addr_t netmask, gw; /* for a static address (default /24, no gateway) */
    uint16_t echo_port, http_port;
    ip4_addr_t peer; /* probe: a peer's echo and HTTP servers (0: none) */
    bool have_peer;
};
extern struct guest_opts opts;
extern domid_t self_domid;
extern char self_name[64];
/* The guest gives up: the message on the console, then poweroff. */
void guest_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ---- xenstore (store.c) ---- */
struct xsc;
extern struct xsc *xs;
void store_init(void);

/* ---- the vif: netfront and lwIP's netif (vif.c) ---- */
extern struct netif vif_netif;
/* Connect device/vif/0 and add it to lwIP with its static address or DHCP. */
void vif_init(void);
void vif_poll(void);    /* take what the backend answered */
bool vif_pending(void); /* its event channel fired */
void vif_report(void);  /* counters on the console */

/* ---- the servers and the probe (apps.c) ---- */
void apps_init(void);
void probe_start(void);

#endif
