/*
 * dom_death.c: noticing that an introduced domain died, to release it and
 * fire @releaseDomain as Xen's xenstored does on VIRQ_DOM_EXC.
 *
 * Xen delivers VIRQ_DOM_EXC to the xenstore domain and lets it read every
 * domain's state with XEN_DOMCTL_getdomaininfo. Tessera's hypervisor (at the
 * time of writing) sends VIRQ_DOM_EXC only to the dead domain's creator, and
 * getdomaininfo needs BUILD and reports only the caller's own children, so
 * we bind the VIRQ (in case it is delivered) and probe getdomaininfo once,
 * and otherwise find a destroyed domain through its store channel: when a
 * domain is destroyed its end of every interdomain channel is closed and our
 * end becomes unbound (EVTCHNOP_status on our own port needs nothing). A
 * domain that has only shut down (not yet destroyed) cannot be seen that way.
 * The check runs on the VIRQ, and on the main loop's tick while the VIRQ is
 * not bound.
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <xen/domctl.h>
#include <xen/event_channel.h>
#include <xen/xen.h>
#include <xen/sys/evtchn.h>

#include "xsdom.h"

static uint32_t virq_port;
static bool domctl_ok;

/* getdomaininfo of exactly domid: 1 found (shutdown, dying in *sd, *dy),
 * 0 gone, -errno refused. */
static int dominfo(uint32_t domid, bool *sd, bool *dy)
{
    struct xen_domctl d;
    memset(&d, 0, sizeof(d));
    d.cmd = XEN_DOMCTL_getdomaininfo;
    d.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    d.domain = (domid_t)domid;
    long rc = xsdom_hypercall(__HYPERVISOR_domctl, (uint64_t)(uintptr_t)&d, 0);
    if (rc == -ESRCH || (!rc && d.u.getdomaininfo.domain != domid)) return 0;
    if (rc) return (int)rc;
    *sd = d.u.getdomaininfo.flags & XEN_DOMINF_shutdown;
    *dy = d.u.getdomaininfo.flags & XEN_DOMINF_dying;
    return 1;
}

int xsdom_death_init(void)
{
    struct ioctl_evtchn_bind_virq v = { VIRQ_DOM_EXC };
    int p = ioctl(xsdom_dev.evtchn, IOCTL_EVTCHN_BIND_VIRQ, &v);
    if (p < 0)
        xsdom_log("cannot bind VIRQ_DOM_EXC (errno %d)", errno);
    else
        virq_port = (uint32_t)p;
    bool sd, dy;
    int rc = dominfo(xsdom_dev.self, &sd, &dy);
    domctl_ok = rc >= 0;
    if (!domctl_ok)
        xsdom_log("getdomaininfo refused (%d): dead domains are found through their "
                  "event channels",
                  rc);
    return 0;
}

bool xsdom_death_event(uint32_t lport) { return virq_port && lport == virq_port; }

bool xsdom_death_bound(void) { return virq_port != 0; }

bool xsdom_port_alive(uint32_t lport, uint32_t domid)
{
    struct evtchn_status st = { .dom = DOMID_SELF, .port = lport };
    long rc = xsdom_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_status, (uint64_t)(uintptr_t)&st);
    if (rc) return true; /* cannot tell: assume alive */
    return st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == domid;
}

/* 1 gone, 0 alive, with *sd whether it has shut down. */
static int probe(uint32_t domid, uint32_t lport, bool *sd)
{
    *sd = false;
    if (domctl_ok) {
        bool dy = false;
        int rc = dominfo(domid, sd, &dy);
        if (rc >= 0) return rc == 0 || dy;
    }
    return !xsdom_port_alive(lport, domid);
}

void xsdom_death_check(struct xs_server *s)
{
    uint32_t gone[64], down[64];
    unsigned ngone = 0, ndown = 0;
    uint32_t domid, lport;
    bool dead;
    for (unsigned i = 0; xsdom_ring_at(i, &domid, &lport, &dead); i++) {
        if (xsdom_opts.have_master && domid == xsdom_opts.master_domid && !dead) continue;
        bool sd = false;
        int g = dead || probe(domid, lport, &sd);
        if (g && ngone < 64)
            gone[ngone++] = domid;
        else if (sd && ndown < 64)
            down[ndown++] = domid;
    }
    for (unsigned i = 0; i < ndown; i++) {
        xs_server_batch(s, true);
        xs_server_domain_state(s, down[i], true, false);
        xs_server_batch(s, false);
    }
    for (unsigned i = 0; i < ngone; i++) {
        xsdom_log("domain %u is gone", gone[i]);
        xs_server_batch(s, true);
        xs_server_domain_state(s, gone[i], true, true);
        xs_server_batch(s, false);
    }
}
