/* What the builder needs from the hypervisor, as one table of operations.
 * Two implementations: backend_privcmd.c (Linux's /dev/xen/privcmd, evtchn
 * and gntdev interfaces, as the service runtime provides them) and
 * backend_fake.c (an in-memory hypervisor for host unit tests).  Every call
 * returns 0 or a negative errno. */
#ifndef DB_BACKEND_H
#define DB_BACKEND_H

#define __XEN_TOOLS__ 1
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/domctl.h>

typedef struct xen_domctl_getdomaininfo db_dominfo;

struct backend;

struct backend_ops {
    /* domain control (domctl) */
    /* *domid in: the wanted id or 0; the limits go to createdomain as xl passes them */
    int (*create)(struct backend *b, uint32_t vcpus, uint32_t max_evtchn_port, uint32_t max_grant_frames,
                  uint32_t *domid);
    int (*set_caps)(struct backend *b, uint32_t domid, uint32_t caps);
    int (*set_max_mem)(struct backend *b, uint32_t domid, uint64_t kb);
    int (*ioport_permission)(struct backend *b, uint32_t domid, uint32_t first, uint32_t nr, int allow);
    int (*assign_device)(struct backend *b, uint32_t domid, uint32_t sbdf); /* PCI */
    int (*setvcpucontext)(struct backend *b, uint32_t domid, uint32_t vcpu, struct vcpu_guest_context *ctx);
    int (*pause)(struct backend *b, uint32_t domid);
    int (*unpause)(struct backend *b, uint32_t domid);
    int (*destroy)(struct backend *b, uint32_t domid);
    /* the domain with this id or the next visible one above it */
    int (*getinfo)(struct backend *b, uint32_t domid, db_dominfo *out);
    int (*remote_shutdown)(struct backend *b, uint32_t domid, uint32_t reason);
    int (*physinfo)(struct backend *b, uint64_t *total_pages, uint64_t *free_pages, uint32_t *nr_cpus);
    /* credit scheduler parameters: get (set = 0) or put (weight 0 and cap
     * 0xffff leave that one unchanged, as Xen) */
    int (*sched_credit)(struct backend *b, uint32_t domid, int set, uint32_t *weight, uint32_t *cap);
    /* the hypervisor's console ring (XEN_SYSCTL_readconsole: *index and *count in and out) */
    int (*readconsole)(struct backend *b, int clear, int incremental, uint32_t *index, char *buf,
                       uint32_t *count);
    /* a vCPU's state and its hard and soft affinity (nbits bits each) */
    int (*vcpuinfo)(struct backend *b, uint32_t domid, uint32_t vcpu, struct xen_domctl_getvcpuinfo *out);
    int (*vcpu_affinity)(struct backend *b, uint32_t domid, uint32_t vcpu, uint8_t *hard, uint8_t *soft,
                         uint32_t nbits);
    /* memory of a domain being built */
    int (*populate)(struct backend *b, uint32_t domid, uint64_t *pfn_to_mfn, size_t n);
    void *(*map)(struct backend *b, uint32_t domid, const uint64_t *mfns, size_t n);
    int (*unmap)(struct backend *b, void *va, size_t n);
    int (*pin_l4)(struct backend *b, uint32_t domid, uint64_t mfn);
    int (*grant_frame)(struct backend *b, uint32_t domid, uint64_t *mfn);
    /* event channels: the child's side, then ours (local ports) */
    int (*alloc_unbound)(struct backend *b, uint32_t domid, uint32_t remote, uint32_t *port);
    int (*bind_interdomain)(struct backend *b, uint32_t domid, uint32_t rport, uint32_t *lport);
    int (*bind_virq)(struct backend *b, uint32_t virq, uint32_t *lport);
    int (*unbind)(struct backend *b, uint32_t lport);
    int (*notify)(struct backend *b, uint32_t lport);
    /* next pending local port (and unmask it), -EAGAIN if none */
    int (*pending)(struct backend *b, uint32_t *lport);
    int (*event_fd)(struct backend *b); /* for poll; -1 if none */
    /* a local port domid may bind (our end of the xenstore connection) */
    int (*bind_unbound)(struct backend *b, uint32_t remote, uint32_t *lport);
    /* a page of ours, granted writable to domid; *gref its reference */
    void *(*grant_page)(struct backend *b, uint32_t domid, uint32_t *gref);
    /* n (1..32) such pages, contiguous; grefs[n] their references (the
     * migration link's rings and buffers; NULL in the fake back end) */
    void *(*grant_pages)(struct backend *b, uint32_t domid, uint32_t n, uint32_t *grefs);
    /* a save (docs/save-restore.md): a domain that has run, read while it is
     * paused or shut down; map_ro maps its frames read-only (unmap as map's) */
    int (*getvcpucontext)(struct backend *b, uint32_t domid, uint32_t vcpu, struct vcpu_guest_context *ctx);
    int (*frame_types)(struct backend *b, uint32_t domid, uint64_t *mfns, size_t n);
    void *(*map_ro)(struct backend *b, uint32_t domid, const uint64_t *mfns, size_t n);
    /* log-dirty mode (live migration, docs/migration.md): op is a
     * XEN_DOMCTL_SHADOW_OP_*; CLEAN and PEEK fill bitmap (pages bits, PFNs)
     * and *dirty (how many pages were dirty); while it is on, map_ro and
     * frame_types work on the running domain */
    int (*logdirty)(struct backend *b, uint32_t domid, uint32_t op, uint8_t *bitmap, uint64_t pages,
                    uint64_t *dirty);
    /* resumedomain: a suspended domain runs on, its suspend cancelled */
    int (*resume)(struct backend *b, uint32_t domid);
    /* pin a page table (level 1..4) of a domain being built (a restore) */
    int (*pin)(struct backend *b, uint32_t domid, int level, uint64_t mfn);
    /* grant mappings of running domains (the console ring) */
    void *(*map_grant)(struct backend *b, uint32_t domid, uint32_t ref);
    int (*unmap_grant)(struct backend *b, void *va);
};

struct backend {
    const struct backend_ops *ops;
    uint32_t self; /* our own domain id */
    void *priv;
};

struct backend *backend_fake_new(uint64_t total_pages);
void backend_fake_free(struct backend *b);
struct backend *backend_privcmd_open(char *err, size_t errlen);

#endif
