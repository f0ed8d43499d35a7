/* A tiny "libxc" for the multi-domain guests: domctl/sysctl wrappers, a PV
 * domain builder following docs/capabilities.md step by step, and helpers for
 * event channels, grant tables and the pvclock.  Works on Tessera and, as far
 * as Xen allows the same calls, as dom0 of Xen 4.17 (guests/multi/run-multi.sh
 * --xen). */
#ifndef MULTI_XC_H
#define MULTI_XC_H

#include "lib.h"
#include <xen/domctl.h>
#include <xen/sysctl.h>
#include <xen/grant_table.h>
#include "public/tessera.h"
#include "pv_layout.h"

/* Xen's errno values (<xen/errno.h>) under their usual names. */
#define EPERM     XEN_EPERM
#define ESRCH     XEN_ESRCH
#define ENOMEM    XEN_ENOMEM
#define EACCES    XEN_EACCES
#define EBUSY     XEN_EBUSY
#define EEXIST    XEN_EEXIST
#define EINVAL    XEN_EINVAL
#define ENOSPC    XEN_ENOSPC
#define ENOSYS    XEN_ENOSYS
#define ENOENT    XEN_ENOENT
#define EFAULT    XEN_EFAULT
#define ETIMEDOUT XEN_ETIMEDOUT

#define HYPERVISOR_domctl(d)               HC1(__HYPERVISOR_domctl, d)
#define HYPERVISOR_sysctl(s)               HC1(__HYPERVISOR_sysctl, s)
#define HYPERVISOR_grant_table_op(c, a, n) HC3(__HYPERVISOR_grant_table_op, c, a, n)

/* True when running on Tessera (TESSERA_DOMCTL_get_capabilities answers). */
extern bool on_tessera;
void xc_init(void);

/* ---- domctl / sysctl ---- */
void xc_domctl_init(struct xen_domctl *dc, uint32_t cmd, domid_t dom);
long xc_create(unsigned max_vcpus, domid_t *out);
long xc_set_caps(domid_t d, uint32_t caps);
long xc_get_caps(domid_t d, uint32_t *caps);
long xc_max_mem(domid_t d, uint64_t kb);
long xc_simple(uint32_t cmd, domid_t d); /* pause/unpause/destroy */
long xc_getinfo(domid_t d, struct xen_domctl_getdomaininfo *out);
long xc_sched_credit(domid_t d, bool put, uint16_t *weight, uint16_t *cap);
long xc_free_pages(uint64_t *free_pages);
long xc_populate(domid_t d, uint64_t *pfns_to_mfns, unsigned long n);

/* ---- time ---- */

/* ---- boot modules ---- */
/* Module i (0 = the first after the parent's own kernel) of the package handed to
 * this domain; false if there is none. */
bool module_get(unsigned i, const void **data, size_t *len, const char **cmdline);

/* ---- foreign mapping window (step 5 of the build) ---- */
#define WIN_PAGES 16
extern char xc_window[WIN_PAGES][4096];
long win_map(unsigned slot, uint64_t mfn, domid_t d, bool rw);
long win_unmap(unsigned slot); /* also: restore the slot after a grant unmap */
void win_invlpg(const void *va);

/* ---- the builder ---- */
#define XC_MAX_PAGES 2048
struct child {
    domid_t domid;
    uint64_t nr_pages;
    uint64_t p2m[XC_MAX_PAGES]; /* pfn -> mfn */
    uint64_t v_start, entry;
    uint64_t kernel_pfns; /* pfns [0, kernel_pfns) hold the image */
    struct pv_layout l;   /* lib/pvlayout: where the rest goes */
    uint64_t free_pfn;    /* first pfn after the bootstrap area */
    uint64_t shared_info_mfn;
};
/* Steps 1-4 (the domain exists, paused, with its memory; c->domid is known), then
 * steps 5-10; xc_build does both. */
long xc_build_create(struct child *c, const void *image, size_t len, uint32_t caps, uint64_t nr_pages,
                     unsigned max_vcpus, const char **what);
long xc_build_load(struct child *c, const void *image, const char *cmdline, const char **what);
/* Steps 1-10: create a domain from an ELF image with caps and nr_pages, lay it
 * out like the core lays out the first domain, pin its L4 and set vCPU 0's
 * context. The domain is left paused (step 11 is xc_simple(unpausedomain)).
 * Returns 0 or the first failing call's result; *what names the step. */
long xc_build(struct child *c, const void *elf, size_t len, uint32_t caps, uint64_t nr_pages,
              unsigned max_vcpus, const char *cmdline, const char **what);

/* ---- event channels ---- */
long evtchn_alloc_unbound(domid_t dom, domid_t remote, evtchn_port_t *port);
long evtchn_bind_interdomain(domid_t remote, evtchn_port_t rport, evtchn_port_t *local);
long evtchn_send(evtchn_port_t p);
long evtchn_close(evtchn_port_t p);
long evtchn_status(domid_t dom, evtchn_port_t p, evtchn_status_t *st);
long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port);
bool evtchn_test_and_clear(evtchn_port_t p);
/* Poll until p is pending (then clear it) or deadline (system ns, 0 = none) passes.
 * Returns 0, or -ETIMEDOUT. */
long evtchn_wait(evtchn_port_t p, uint64_t deadline);

/* ---- grant tables ---- */
/* Maps this domain's grant table frame 0 (setup_table + update_va_mapping). */
grant_entry_v1_t *gnttab_self(void);
void gnttab_grant(grant_entry_v1_t *gt, grant_ref_t ref, domid_t to, uint64_t frame, bool ro);
/* Linux's revocation: refused (false) while GTF_reading/GTF_writing are set. */
bool gnttab_end_access(grant_entry_v1_t *gt, grant_ref_t ref);

#endif
