/* The real back end: Linux's Xen device files, as the service runtime (or a
 * Linux domain) provides them.  Hypercalls go through
 * IOCTL_PRIVCMD_HYPERCALL; foreign frames are mapped with
 * IOCTL_PRIVCMD_MMAPBATCH_V2 into one window reserved at open (the runtime
 * keeps a small number of privcmd regions, so we manage the window
 * ourselves); event channels through /dev/xen/evtchn; console rings through
 * /dev/xen/gntdev. */
#include "backend/backend.h"
#include "backend/backend_privcmd.h"
#include "public/tessera.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/sysctl.h>
#include <xen/sys/privcmd.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntdev.h>

struct pc *pc_of(struct backend *b) { return b->priv; }

long pc_hypercall(struct backend *b, unsigned op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                  uint64_t a4)
{
    privcmd_hypercall_t h = { op, { a0, a1, a2, a3, a4 } };
    long rc = ioctl(pc_of(b)->privcmd, IOCTL_PRIVCMD_HYPERCALL, &h);
    return rc < 0 ? -errno : rc;
}

int pc_domctl(struct backend *b, struct xen_domctl *d)
{
    d->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    return (int)pc_hypercall(b, __HYPERVISOR_domctl, (uint64_t)(uintptr_t)d, 0, 0, 0, 0);
}

static int p_create(struct backend *b, uint32_t vcpus, uint32_t max_evtchn_port, uint32_t max_grant_frames,
                    uint32_t *domid)
{
    struct xen_domctl d;
    memset(&d, 0, sizeof(d));
    d.cmd = XEN_DOMCTL_createdomain;
    d.domain = (domid_t)*domid;
    d.u.createdomain.max_vcpus = vcpus;
    d.u.createdomain.max_grant_frames = max_grant_frames;
    d.u.createdomain.max_maptrack_frames = 1024;
    d.u.createdomain.max_evtchn_port = max_evtchn_port;
    int rc = pc_domctl(b, &d);
    if (!rc) *domid = d.domain;
    return rc;
}

static int simple(struct backend *b, uint32_t cmd, uint32_t domid)
{
    struct xen_domctl d;
    memset(&d, 0, sizeof(d));
    d.cmd = cmd;
    d.domain = (domid_t)domid;
    return pc_domctl(b, &d);
}

static int p_pause(struct backend *b, uint32_t id) { return simple(b, XEN_DOMCTL_pausedomain, id); }
static int p_unpause(struct backend *b, uint32_t id) { return simple(b, XEN_DOMCTL_unpausedomain, id); }
static int p_destroy(struct backend *b, uint32_t id) { return simple(b, XEN_DOMCTL_destroydomain, id); }

static int p_set_caps(struct backend *b, uint32_t domid, uint32_t caps)
{
    struct xen_domctl d;
    memset(&d, 0, sizeof(d));
    d.cmd = TESSERA_DOMCTL_set_capabilities;
    d.domain = (domid_t)domid;
    tessera_domctl_u(&d, struct tessera_domctl_caps)->caps = caps;
    return pc_domctl(b, &d);
}

static int p_set_max_mem(struct backend *b, uint32_t domid, uint64_t kb)
{
    struct xen_domctl d;
    memset(&d, 0, sizeof(d));
    d.cmd = XEN_DOMCTL_max_mem;
    d.domain = (domid_t)domid;
    d.u.max_mem.max_memkb = kb;
    return pc_domctl(b, &d);
}

static int p_ioport_permission(struct backend *b, uint32_t domid, uint32_t first, uint32_t nr, int allow)
{
    struct xen_domctl d;
    memset(&d, 0, sizeof(d));
    d.cmd = XEN_DOMCTL_ioport_permission;
    d.domain = (domid_t)domid;
    d.u.ioport_permission.first_port = first;
    d.u.ioport_permission.nr_ports = nr;
    d.u.ioport_permission.allow_access = (uint8_t)allow;
    return pc_domctl(b, &d);
}

static int p_assign_device(struct backend *b, uint32_t domid, uint32_t sbdf)
{
    struct xen_domctl d;
    memset(&d, 0, sizeof(d));
    d.cmd = XEN_DOMCTL_assign_device;
    d.domain = (domid_t)domid;
    d.u.assign_device.dev = XEN_DOMCTL_DEV_PCI;
    d.u.assign_device.u.pci.machine_sbdf = sbdf;
    return pc_domctl(b, &d);
}

/* set- or getvcpucontext */
static int vcpu_context(struct backend *b, uint32_t cmd, uint32_t domid, uint32_t vcpu,
                        struct vcpu_guest_context *ctx)
{
    struct xen_domctl d;
    memset(&d, 0, sizeof(d));
    d.cmd = cmd;
    d.domain = (domid_t)domid;
    d.u.vcpucontext.vcpu = vcpu;
    set_xen_guest_handle(d.u.vcpucontext.ctxt, ctx);
    return pc_domctl(b, &d);
}

static int p_setvcpucontext(struct backend *b, uint32_t domid, uint32_t vcpu, struct vcpu_guest_context *ctx)
{
    return vcpu_context(b, XEN_DOMCTL_setvcpucontext, domid, vcpu, ctx);
}

static int p_getinfo(struct backend *b, uint32_t domid, db_dominfo *out)
{
    struct xen_domctl d;
    memset(&d, 0, sizeof(d));
    d.cmd = XEN_DOMCTL_getdomaininfo;
    d.domain = (domid_t)domid;
    int rc = pc_domctl(b, &d);
    if (!rc) *out = d.u.getdomaininfo;
    return rc;
}

static int p_sched_credit(struct backend *b, uint32_t domid, int set, uint32_t *weight, uint32_t *cap)
{
    struct xen_domctl d;
    memset(&d, 0, sizeof(d));
    d.cmd = XEN_DOMCTL_scheduler_op;
    d.domain = (domid_t)domid;
    d.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT;
    d.u.scheduler_op.cmd = set ? XEN_DOMCTL_SCHEDOP_putinfo : XEN_DOMCTL_SCHEDOP_getinfo;
    d.u.scheduler_op.u.credit.weight = (uint16_t)*weight;
    d.u.scheduler_op.u.credit.cap = (uint16_t)*cap;
    int rc = pc_domctl(b, &d);
    if (!rc && !set) {
        *weight = d.u.scheduler_op.u.credit.weight;
        *cap = d.u.scheduler_op.u.credit.cap;
    }
    return rc;
}

static int p_remote_shutdown(struct backend *b, uint32_t domid, uint32_t reason)
{
    struct sched_remote_shutdown r = { (domid_t)domid, reason };
    return (int)pc_hypercall(b, __HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, (uint64_t)(uintptr_t)&r, 0, 0,
                             0);
}

static int p_physinfo(struct backend *b, uint64_t *total, uint64_t *freep, uint32_t *cpus)
{
    struct xen_sysctl s;
    memset(&s, 0, sizeof(s));
    s.cmd = XEN_SYSCTL_physinfo;
    s.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    int rc = (int)pc_hypercall(b, __HYPERVISOR_sysctl, (uint64_t)(uintptr_t)&s, 0, 0, 0, 0);
    if (rc) return rc;
    *total = s.u.physinfo.total_pages;
    *freep = s.u.physinfo.free_pages;
    *cpus = s.u.physinfo.nr_cpus;
    return 0;
}

static int p_populate(struct backend *b, uint32_t domid, uint64_t *pfns, size_t n)
{
    for (size_t done = 0; done < n;) {
        struct xen_memory_reservation r;
        memset(&r, 0, sizeof(r));
        set_xen_guest_handle(r.extent_start, (xen_pfn_t *)(pfns + done));
        r.nr_extents = n - done;
        r.domid = (domid_t)domid;
        long rc = pc_hypercall(b, __HYPERVISOR_memory_op, XENMEM_populate_physmap, (uint64_t)(uintptr_t)&r, 0,
                               0, 0);
        if (rc <= 0) return rc < 0 ? (int)rc : -ENOMEM;
        done += (size_t)rc;
    }
    return 0;
}

static int p_pin(struct backend *b, uint32_t domid, int level, uint64_t mfn)
{
    struct mmuext_op op;
    memset(&op, 0, sizeof(op));
    op.cmd = MMUEXT_PIN_L1_TABLE + (unsigned)(level - 1);
    op.arg1.mfn = mfn;
    return (int)pc_hypercall(b, __HYPERVISOR_mmuext_op, (uint64_t)(uintptr_t)&op, 1, 0, domid, 0);
}

static int p_pin_l4(struct backend *b, uint32_t domid, uint64_t mfn) { return p_pin(b, domid, 4, mfn); }

static int p_getvcpucontext(struct backend *b, uint32_t domid, uint32_t vcpu, struct vcpu_guest_context *ctx)
{
    return vcpu_context(b, XEN_DOMCTL_getvcpucontext, domid, vcpu, ctx);
}

static int p_frame_types(struct backend *b, uint32_t domid, uint64_t *mfns, size_t n)
{
    for (size_t done = 0; done < n;) {
        size_t k = n - done < 1024 ? n - done : 1024;
        struct xen_domctl d;
        memset(&d, 0, sizeof(d));
        d.cmd = XEN_DOMCTL_getpageframeinfo3;
        d.domain = (domid_t)domid;
        d.u.getpageframeinfo3.num = k;
        set_xen_guest_handle(d.u.getpageframeinfo3.array, (xen_pfn_t *)(mfns + done));
        int rc = pc_domctl(b, &d);
        if (rc) return rc;
        done += k;
    }
    return 0;
}

static int p_logdirty(struct backend *b, uint32_t domid, uint32_t op, uint8_t *bitmap, uint64_t pages,
                      uint64_t *dirty)
{
    struct xen_domctl d;
    memset(&d, 0, sizeof(d));
    d.cmd = XEN_DOMCTL_shadow_op;
    d.domain = (domid_t)domid;
    d.u.shadow_op.op = op;
    d.u.shadow_op.pages = pages;
    set_xen_guest_handle(d.u.shadow_op.dirty_bitmap, bitmap);
    int rc = pc_domctl(b, &d);
    if (!rc && dirty) *dirty = d.u.shadow_op.stats.dirty_count;
    return rc;
}

static int p_resume(struct backend *b, uint32_t id) { return simple(b, XEN_DOMCTL_resumedomain, id); }

static int p_grant_frame(struct backend *b, uint32_t domid, uint64_t *mfn)
{
    xen_pfn_t frame = 0;
    struct gnttab_setup_table t;
    memset(&t, 0, sizeof(t));
    t.dom = (domid_t)domid;
    t.nr_frames = 1;
    set_xen_guest_handle(t.frame_list, &frame);
    long rc =
        pc_hypercall(b, __HYPERVISOR_grant_table_op, GNTTABOP_setup_table, (uint64_t)(uintptr_t)&t, 1, 0, 0);
    if (rc) return (int)rc;
    if (t.status != GNTST_okay) return -EPERM;
    *mfn = frame;
    return 0;
}

static int p_alloc_unbound(struct backend *b, uint32_t domid, uint32_t remote, uint32_t *port)
{
    struct evtchn_alloc_unbound a = { (domid_t)domid, (domid_t)remote, 0 };
    long rc = pc_hypercall(b, __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (uint64_t)(uintptr_t)&a,
                           0, 0, 0);
    if (!rc) *port = a.port;
    return (int)rc;
}

static int p_readconsole(struct backend *b, int clear, int incremental, uint32_t *index, char *buf,
                         uint32_t *count)
{
    struct xen_sysctl s;
    memset(&s, 0, sizeof(s));
    s.cmd = XEN_SYSCTL_readconsole;
    s.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    s.u.readconsole.clear = !!clear;
    s.u.readconsole.incremental = !!incremental;
    s.u.readconsole.index = *index;
    set_xen_guest_handle(s.u.readconsole.buffer, buf);
    s.u.readconsole.count = *count;
    int rc = (int)pc_hypercall(b, __HYPERVISOR_sysctl, (uint64_t)(uintptr_t)&s, 0, 0, 0, 0);
    if (rc) return rc;
    *index = s.u.readconsole.index;
    *count = s.u.readconsole.count;
    return 0;
}

static int p_vcpuinfo(struct backend *b, uint32_t domid, uint32_t vcpu, struct xen_domctl_getvcpuinfo *out)
{
    struct xen_domctl d;
    memset(&d, 0, sizeof(d));
    d.cmd = XEN_DOMCTL_getvcpuinfo;
    d.domain = (domid_t)domid;
    d.u.getvcpuinfo.vcpu = vcpu;
    int rc = pc_domctl(b, &d);
    if (!rc) *out = d.u.getvcpuinfo;
    return rc;
}

static int p_vcpu_affinity(struct backend *b, uint32_t domid, uint32_t vcpu, uint8_t *hard, uint8_t *soft,
                           uint32_t nbits)
{
    struct xen_domctl d;
    memset(&d, 0, sizeof(d));
    d.cmd = XEN_DOMCTL_getvcpuaffinity;
    d.domain = (domid_t)domid;
    d.u.vcpuaffinity.vcpu = vcpu;
    d.u.vcpuaffinity.flags = XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT;
    set_xen_guest_handle(d.u.vcpuaffinity.cpumap_hard.bitmap, hard);
    d.u.vcpuaffinity.cpumap_hard.nr_bits = nbits;
    set_xen_guest_handle(d.u.vcpuaffinity.cpumap_soft.bitmap, soft);
    d.u.vcpuaffinity.cpumap_soft.nr_bits = nbits;
    return pc_domctl(b, &d);
}

const struct backend_ops privcmd_ops = {
    .create = p_create,
    .set_caps = p_set_caps,
    .set_max_mem = p_set_max_mem,
    .ioport_permission = p_ioport_permission,
    .assign_device = p_assign_device,
    .setvcpucontext = p_setvcpucontext,
    .pause = p_pause,
    .unpause = p_unpause,
    .destroy = p_destroy,
    .getinfo = p_getinfo,
    .remote_shutdown = p_remote_shutdown,
    .physinfo = p_physinfo,
    .readconsole = p_readconsole,
    .vcpuinfo = p_vcpuinfo,
    .vcpu_affinity = p_vcpu_affinity,
    .sched_credit = p_sched_credit,
    .populate = p_populate,
    .map = pc_map,
    .unmap = pc_unmap,
    .pin_l4 = p_pin_l4,
    .grant_frame = p_grant_frame,
    .alloc_unbound = p_alloc_unbound,
    .bind_interdomain = pc_bind_interdomain,
    .bind_virq = pc_bind_virq,
    .unbind = pc_unbind,
    .notify = pc_notify,
    .pending = pc_pending,
    .event_fd = pc_event_fd,
    .bind_unbound = pc_bind_unbound,
    .grant_page = pc_grant_page,
    .grant_pages = pc_grant_pages,
    .map_grant = pc_map_grant,
    .unmap_grant = pc_unmap_grant,
    .getvcpucontext = p_getvcpucontext,
    .frame_types = p_frame_types,
    .map_ro = pc_map_ro,
    .logdirty = p_logdirty,
    .resume = p_resume,
    .pin = p_pin,
};
