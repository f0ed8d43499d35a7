/*
 * dom_ring.c: the domain hooks of the xenstore service domain. INTRODUCE
 * maps the domain's ring page through its reserved grant entry
 * GNTTAB_RESERVED_XENSTORE (the builder grants it to us; the control
 * domain's ring is the grant named on our command line) with
 * /dev/xen/gntdev, binds its store port with IOCTL_EVTCHN_BIND_INTERDOMAIN,
 * and serves it with the core's ring transport. The mfn of INTRODUCE is not
 * used: without BUILD we may not map another domain's frames (Xen's
 * stubdom does the same). After a restart of the program the runtime hands
 * back the same mapping and the same local port for the same arguments.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <xen/grant_table.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntdev.h>

#include "xsdom.h"

#define RING_BUDGET 8   /* requests per ring per round */

struct dring {
	struct dring *next;
	uint32_t domid, lport;
	uint64_t index;          /* gntdev offset */
	struct xenstore_domain_interface *intf;
	struct xs_conn *c;
	struct xs_ring *ring;
	bool busy;
};

static struct dring *rings;
static const struct xs_conn_ops conn_ops = { NULL };

static void ring_notify(void *handle)
{
	struct dring *d = handle;
	struct ioctl_evtchn_notify n = { d->lport };
	ioctl(xsdom_dev.evtchn, IOCTL_EVTCHN_NOTIFY, &n);
}

static const struct xs_ring_ops ring_ops = { ring_notify };

static bool privileged(uint32_t domid)
{
	if (xsdom_opts.have_master && domid == xsdom_opts.master_domid)
		return true;
	for (unsigned i = 0; i < xsdom_opts.npriv; i++)
		if (xsdom_opts.priv[i] == domid)
			return true;
	return false;
}

static void unmap(struct dring *d)
{
	if (d->intf)
		munmap(d->intf, 4096);
	struct ioctl_gntdev_unmap_grant_ref u = { d->index, 1, 0 };
	ioctl(xsdom_dev.gntdev, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
}

static struct xs_conn *hook_introduce(void *ctx, struct xs_server *s, uint32_t domid,
				      uint64_t mfn, uint32_t port)
{
	(void)ctx;
	(void)mfn;
	uint32_t gref = GNTTAB_RESERVED_XENSTORE;
	if (xsdom_opts.have_master && domid == xsdom_opts.master_domid)
		gref = xsdom_opts.master_gref;
	struct dring *d = calloc(1, sizeof(*d));
	if (!d)
		abort();
	d->domid = domid;
	struct ioctl_gntdev_map_grant_ref m = { 1, 0, 0, { { domid, gref } } };
	if (ioctl(xsdom_dev.gntdev, IOCTL_GNTDEV_MAP_GRANT_REF, &m) < 0) {
		if (!xsdom_opts.quiet)
			xsdom_log("domain %u: cannot map grant %u (errno %d)", domid, gref, errno);
		free(d);
		return NULL;
	}
	d->index = m.index;
	void *va = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, xsdom_dev.gntdev,
			(off_t)m.index);
	if (va == MAP_FAILED) {
		if (!xsdom_opts.quiet)
			xsdom_log("domain %u: cannot map its ring (grant %u, errno %d)", domid, gref, errno);
		unmap(d);
		free(d);
		return NULL;
	}
	d->intf = va;
	struct ioctl_evtchn_bind_interdomain b = { domid, port };
	int lp = ioctl(xsdom_dev.evtchn, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
	if (lp < 0) {
		if (!xsdom_opts.quiet)
			xsdom_log("domain %u: cannot bind port %u (errno %d)", domid, port, errno);
		unmap(d);
		free(d);
		return NULL;
	}
	d->lport = (uint32_t)lp;
	d->c = xs_conn_new(s, domid, privileged(domid), true, &conn_ops, d);
	xs_conn_set_out_total(d->c, d->intf->rsp_prod);
	d->ring = xs_ring_new(d->c, d->intf, &ring_ops, d);
	d->busy = true;          /* requests may be waiting already */
	d->next = rings;
	rings = d;
	xsdom_log("domain %u introduced (port %u -> local %u%s)", domid, port, d->lport,
		  privileged(domid) ? ", privileged" : "");
	return d->c;
}

static void hook_release(void *ctx, struct xs_conn *c)
{
	(void)ctx;
	for (struct dring **pp = &rings; *pp; pp = &(*pp)->next) {
		struct dring *d = *pp;
		if (d->c != c)
			continue;
		*pp = d->next;
		xsdom_log("domain %u released", d->domid);
		xs_ring_free(d->ring);
		struct ioctl_evtchn_unbind u = { d->lport };
		ioctl(xsdom_dev.evtchn, IOCTL_EVTCHN_UNBIND, &u);
		unmap(d);
		free(d);
		return;
	}
}

const struct xs_domain_hooks xsdom_hooks = { hook_introduce, hook_release, NULL };

bool xsdom_ring_event(uint32_t lport)
{
	for (struct dring *d = rings; d; d = d->next)
		if (d->lport == lport) {
			d->busy = true;
			return true;
		}
	return false;
}

bool xsdom_ring_serve(void)
{
	bool more = false;
	for (struct dring *d = rings; d; d = d->next)
		if (d->busy) {
			d->busy = xs_ring_service(d->ring, RING_BUDGET);
			more |= d->busy;
		}
	/* watch events this round's requests queued for other domains */
	for (struct dring *d = rings; d; d = d->next)
		if (xs_conn_out_pending(d->c))
			xs_ring_flush(d->ring);
	return more;
}

void xsdom_ring_resync_all(void)
{
	for (struct dring *d = rings; d; d = d->next) {
		xs_ring_resync(d->ring);
		d->busy = true;
	}
}

bool xsdom_ring_at(unsigned i, uint32_t *domid, uint32_t *lport)
{
	struct dring *d = rings;
	while (d && i--)
		d = d->next;
	if (!d)
		return false;
	*domid = d->domid;
	*lport = d->lport;
	return true;
}
