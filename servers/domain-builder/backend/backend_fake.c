/* The fake back end: domain control and memory of an in-memory hypervisor
 * (event channels and grants in backend_fake_ev.c).  Frames live in a memfd
 * so that a "foreign mapping" really aliases the frame, and are handed out
 * in a scrambled order so that a pfn/mfn mix-up shows.  The checks mirror
 * docs/capabilities.md: only the builder's own children, only before they
 * run (afterwards read-only, and only while paused or shut down: a save),
 * no mapping alive at unpause, resume or destroy, CR3 must be a pinned L4. */
#include "backend/backend_fake.h"
#include "backend/backend_fake_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xen/sched.h>

struct fake *fake_of(struct backend *b) { return b->priv; }
uint8_t *fake_frame(struct backend *b, uint64_t mfn) { return fake_of(b)->phys + mfn * 4096; }

struct fake_dom *fake_child(struct backend *b, uint32_t domid)
{
    struct fake *f = fake_of(b);
    if (domid == 0 || domid >= FAKE_MAX_DOMS || !f->dom[domid].exists) return NULL;
    return &f->dom[domid];
}

uint64_t fake_alloc(struct fake *f, uint32_t owner)
{
    for (uint64_t tries = 0; tries < f->nframes; tries++) {
        uint64_t mfn = (f->next_alloc++ * 40503u) & (f->nframes - 1);
        if (mfn && f->owner[mfn] == FAKE_FREE) {
            f->owner[mfn] = (uint16_t)owner;
            memset(f->phys + mfn * 4096, 0, 4096);
            return mfn;
        }
    }
    return 0;
}

static int f_create(struct backend *b, uint32_t vcpus, uint32_t max_evtchn_port, uint32_t max_grant_frames,
                    uint32_t *domid)
{
    struct fake *f = fake_of(b);
    if (f->fail_create) {
        int rc = f->fail_create;
        f->fail_create = 0;
        return rc;
    }
    if (vcpus < 1 || vcpus > 8 || !max_evtchn_port || max_evtchn_port > 4095 || !max_grant_frames ||
        max_grant_frames > 32)
        return -EINVAL;
    uint32_t id = *domid;
    if (id && (id >= FAKE_MAX_DOMS || f->dom[id].exists)) return id >= FAKE_MAX_DOMS ? -EINVAL : -EEXIST;
    for (uint32_t i = 1; !id && i < FAKE_MAX_DOMS; i++)
        if (!f->dom[i].exists) id = i;
    if (!id) return -ENOMEM;
    struct fake_dom *d = &f->dom[id];
    memset(d, 0, sizeof(*d));
    d->exists = d->paused = 1;
    d->vcpus = vcpus;
    d->max_evtchn_port = max_evtchn_port;
    d->max_grant_frames = max_grant_frames;
    d->shared_info_mfn = fake_alloc(f, id);
    d->grant_mfn = fake_alloc(f, id);
    *domid = id;
    return 0;
}

static int f_set_caps(struct backend *b, uint32_t domid, uint32_t caps)
{
    struct fake_dom *d = fake_child(b, domid);
    if (!d) return -ESRCH;
    if (d->ran) return -EPERM;
    if (caps & ~0x1fu) return -EINVAL;
    d->caps = caps;
    return 0;
}

static int f_set_max_mem(struct backend *b, uint32_t domid, uint64_t kb)
{
    struct fake_dom *d = fake_child(b, domid);
    if (!d) return -ESRCH;
    d->max_pages = kb / 4;
    return 0;
}

/* Only 0000:00:04.0 and 0000:00:05.0 exist on the fake machine. */
static int f_assign_device(struct backend *b, uint32_t domid, uint32_t sbdf)
{
    struct fake_dom *d = fake_child(b, domid);
    if (!d) return -ESRCH;
    if (sbdf != 0x20 && sbdf != 0x28) return -ENODEV;
    if (d->npci == 8) return -ENOSPC;
    d->pci[d->npci++] = sbdf;
    return 0;
}

static int f_ioport_permission(struct backend *b, uint32_t domid, uint32_t first, uint32_t nr, int allow)
{
    struct fake_dom *d = fake_child(b, domid);
    if (!d) return -ESRCH;
    if (!nr || first > 0xffff || nr > 0x10000 - first || !allow || d->nioports == 8) return -EINVAL;
    d->ioport_first[d->nioports] = first;
    d->ioport_nr[d->nioports++] = nr;
    return 0;
}

static int f_populate(struct backend *b, uint32_t domid, uint64_t *pfns, size_t n)
{
    struct fake_dom *d = fake_child(b, domid);
    if (!d) return -ESRCH;
    for (size_t i = 0; i < n; i++) {
        if (d->tot_pages >= d->max_pages) return -ENOMEM;
        uint64_t mfn = fake_alloc(fake_of(b), domid);
        if (!mfn) return -ENOMEM;
        d->tot_pages++;
        pfns[i] = mfn;
    }
    return 0;
}

static int frozen(const struct fake_dom *d) { return d->paused || d->shutdown || d->log_dirty; }

static void *map_prot(struct backend *b, uint32_t domid, const uint64_t *mfns, size_t n, int prot)
{
    struct fake *f = fake_of(b);
    struct fake_dom *d = fake_child(b, domid);
    if (!d || !n || (d->ran && ((prot & PROT_WRITE) || !frozen(d)))) return NULL;
    for (size_t i = 0; i < n; i++)
        if (mfns[i] >= f->nframes || f->owner[mfns[i]] != domid) return NULL;
    uint8_t *va = mmap(NULL, n * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (va == MAP_FAILED) return NULL;
    for (size_t i = 0; i < n; i++)
        if (mmap(va + i * 4096, 4096, prot, MAP_SHARED | MAP_FIXED, f->memfd, (off_t)(mfns[i] * 4096)) ==
            MAP_FAILED)
            abort();
    fake_track_map(f, va, n, domid, mfns);
    return va;
}

static void *f_map(struct backend *b, uint32_t domid, const uint64_t *mfns, size_t n)
{
    return map_prot(b, domid, mfns, n, PROT_READ | PROT_WRITE);
}

static void *f_map_ro(struct backend *b, uint32_t domid, const uint64_t *mfns, size_t n)
{
    return map_prot(b, domid, mfns, n, PROT_READ);
}

/* The fake keeps vCPU 0's context only. */
static int f_getvcpucontext(struct backend *b, uint32_t domid, uint32_t vcpu, struct vcpu_guest_context *ctx)
{
    struct fake_dom *d = fake_child(b, domid);
    if (!d) return -ESRCH;
    if (vcpu >= d->vcpus) return -EINVAL;
    if (d->ran && !frozen(d)) return -EBUSY;
    if (vcpu || !d->ctx_set) return -ENODATA;
    *ctx = d->ctx;
    return 0;
}

static int f_resume(struct backend *b, uint32_t domid)
{
    struct fake_dom *d = fake_child(b, domid);
    if (!d) return -ESRCH;
    if (!d->shutdown || d->reason != SHUTDOWN_suspend) return -EINVAL;
    if (d->mappings) return -EBUSY;
    d->ctx.user_regs.rax = 1; /* the suspend hypercall returns "cancelled" */
    d->shutdown = d->paused = 0;
    return 0;
}

/* XEN_DOMCTL_shadow_op's log-dirty sub-ops as the core answers them. */
static int f_logdirty(struct backend *b, uint32_t domid, uint32_t op, uint8_t *bitmap, uint64_t pages,
                      uint64_t *dirty)
{
    struct fake_dom *d = fake_child(b, domid);
    if (!d) return -ESRCH;
    switch (op) {
    case XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY:
        if (d->log_dirty) return -EINVAL;
        d->log_dirty = 1;
        memset(d->dirty, 0, sizeof(d->dirty));
        return 0;
    case XEN_DOMCTL_SHADOW_OP_OFF:
        d->log_dirty = 0;
        return 0;
    case XEN_DOMCTL_SHADOW_OP_CLEAN:
    case XEN_DOMCTL_SHADOW_OP_PEEK:
        *dirty = 0;
        if (bitmap) memset(bitmap, 0, (pages + 7) / 8);
        for (uint64_t i = 0; d->log_dirty && i < FAKE_DIRTY_PFNS; i++)
            if (d->dirty[i / 8] >> (i % 8) & 1) {
                ++*dirty;
                if (bitmap && i < pages) bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
            }
        if (op == XEN_DOMCTL_SHADOW_OP_CLEAN) memset(d->dirty, 0, sizeof(d->dirty));
        return 0;
    }
    return -EINVAL;
}

static int f_unmap(struct backend *b, void *va, size_t n)
{
    if (fake_untrack_map(fake_of(b), va, n)) return -EINVAL;
    return munmap(va, n * 4096) ? -errno : 0;
}

static int f_setvcpucontext(struct backend *b, uint32_t domid, uint32_t vcpu, struct vcpu_guest_context *ctx)
{
    struct fake_dom *d = fake_child(b, domid);
    if (!d) return -ESRCH;
    if (d->ran) return -EPERM;
    if (vcpu >= d->vcpus) return -EINVAL;
    if (!d->l4_mfn || xen_cr3_to_pfn(ctx->ctrlreg[3]) != d->l4_mfn) return -EINVAL;
    if (vcpu == 0) {
        d->ctx = *ctx;
        d->ctx_set = 1;
    }
    return 0;
}

static int f_pause(struct backend *b, uint32_t domid)
{
    struct fake_dom *d = fake_child(b, domid);
    if (!d) return -ESRCH;
    d->paused = 1;
    return 0;
}

static int f_unpause(struct backend *b, uint32_t domid)
{
    struct fake_dom *d = fake_child(b, domid);
    if (!d) return -ESRCH;
    if (!d->paused) return -EINVAL;
    if (d->mappings) return -EBUSY;
    d->paused = 0;
    d->ran = 1;
    return 0;
}

static int f_destroy(struct backend *b, uint32_t domid)
{
    struct fake *f = fake_of(b);
    struct fake_dom *d = fake_child(b, domid);
    if (!d) return -ESRCH;
    if (d->mappings) return -EBUSY;
    for (uint64_t m = 0; m < f->nframes; m++)
        if (f->owner[m] == domid) f->owner[m] = FAKE_FREE;
    fake_close_ports(b, domid);
    memset(d, 0, sizeof(*d));
    return 0;
}

static int f_remote_shutdown(struct backend *b, uint32_t domid, uint32_t reason)
{
    if (!fake_child(b, domid)) return -ESRCH;
    fake_shutdown(b, domid, reason);
    return 0;
}

static int f_physinfo(struct backend *b, uint64_t *total, uint64_t *freep, uint32_t *cpus)
{
    struct fake *f = fake_of(b);
    uint64_t n = 0;
    for (uint64_t m = 1; m < f->nframes; m++)
        n += f->owner[m] == FAKE_FREE;
    *total = f->nframes;
    *freep = n;
    *cpus = 2;
    return 0;
}

/* as the hypervisor's credit scheduler: weight 1-65535, cap up to 100 per CPU */
static int f_sched_credit(struct backend *b, uint32_t domid, int set, uint32_t *weight, uint32_t *cap)
{
    struct fake *f = fake_of(b);
    if (domid >= FAKE_MAX_DOMS || !f->dom[domid].exists) return -ESRCH;
    struct fake_dom *d = &f->dom[domid];
    uint32_t w = d->weight ? d->weight : 256;
    if (!set) {
        *weight = w;
        *cap = d->cap;
        return 0;
    }
    uint32_t nw = *weight ? *weight : w, nc = *cap != 0xffff ? *cap : d->cap;
    if (nw > 65535 || nc > 200) return -EINVAL;
    d->weight = nw;
    d->cap = nc;
    return 0;
}

const struct backend_ops fake_ops = {
    .create = f_create,
    .set_caps = f_set_caps,
    .set_max_mem = f_set_max_mem,
    .ioport_permission = f_ioport_permission,
    .assign_device = f_assign_device,
    .setvcpucontext = f_setvcpucontext,
    .pause = f_pause,
    .unpause = f_unpause,
    .destroy = f_destroy,
    .getinfo = fake_getinfo,
    .remote_shutdown = f_remote_shutdown,
    .physinfo = f_physinfo,
    .readconsole = fake_readconsole,
    .vcpuinfo = fake_vcpuinfo,
    .vcpu_affinity = fake_vcpu_affinity,
    .sched_credit = f_sched_credit,
    .populate = f_populate,
    .map = f_map,
    .unmap = f_unmap,
    .pin_l4 = fake_pin_l4,
    .grant_frame = fake_grant_frame,
    .alloc_unbound = fake_alloc_unbound,
    .bind_interdomain = fake_bind_interdomain,
    .bind_virq = fake_bind_virq,
    .unbind = fake_unbind,
    .notify = fake_notify,
    .pending = fake_pending,
    .event_fd = fake_event_fd,
    .bind_unbound = fake_bind_unbound,
    .grant_page = fake_grant_page,
    .grant_pages = fake_grant_pages,
    .map_grant = fake_map_grant,
    .unmap_grant = fake_unmap_grant,
    .getvcpucontext = f_getvcpucontext,
    .frame_types = fake_frame_types,
    .map_ro = f_map_ro,
    .logdirty = f_logdirty,
    .resume = f_resume,
    .pin = fake_pin,
};

struct backend *backend_fake_new(uint64_t total_pages)
{
    struct backend *b = calloc(1, sizeof(*b));
    struct fake *f = calloc(1, sizeof(*f));
    if (!b || !f || (total_pages & (total_pages - 1))) abort();
    f->nframes = total_pages;
    f->memfd = memfd_create("fake-phys", 0);
    if (f->memfd < 0 || ftruncate(f->memfd, (off_t)(total_pages * 4096))) abort();
    f->phys = mmap(NULL, total_pages * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f->memfd, 0);
    f->owner = malloc(total_pages * sizeof(*f->owner));
    if (f->phys == MAP_FAILED || !f->owner) abort();
    for (uint64_t m = 0; m < total_pages; m++)
        f->owner[m] = FAKE_FREE;
    f->dom[0].exists = 1; /* ourselves */
    f->dom[0].vcpus = 1;
    f->dom[0].ran = 1;
    b->ops = &fake_ops;
    b->self = 0;
    b->priv = f;
    return b;
}

void backend_fake_free(struct backend *b)
{
    struct fake *f = fake_of(b);
    fake_free_maps(f);
    for (int i = 0; i < f->ngranted; i++)
        free(f->granted[i]);
    munmap(f->phys, f->nframes * 4096);
    close(f->memfd);
    free(f->owner);
    free(f);
    free(b);
}
