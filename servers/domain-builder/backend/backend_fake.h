/* The fake back end's insides, for tests: an in-memory hypervisor that
 * enforces the rules the real one does during a build (ownership, no
 * mapping left at unpause/destroy, the pinned L4 validated, CR3 pinned). */
#ifndef DB_BACKEND_FAKE_H
#define DB_BACKEND_FAKE_H

#include "backend/backend.h"

#define FAKE_MAX_DOMS  64
#define FAKE_MAX_PORTS 64
#define FAKE_FREE      0xffffu
#define FAKE_LOG       4096

struct fake_port {
    int state; /* 0 free, 1 unbound, 2 interdomain, 3 virq */
    uint32_t remote_dom, remote_port, virq;
};

#define FAKE_DIRTY_PFNS 4096

struct fake_dom {
    int exists, paused, ran, shutdown, dying;
    uint32_t reason, vcpus, caps;
    uint32_t weight, cap;                       /* credit scheduler (0: default 256 / 0) */
    uint32_t max_evtchn_port, max_grant_frames; /* as createdomain got them */
    uint64_t max_pages, tot_pages;
    uint64_t shared_info_mfn, grant_mfn, l4_mfn;
    int ctx_set, mappings;
    int nioports;
    uint32_t ioport_first[8], ioport_nr[8];
    int npci;
    uint32_t pci[8]; /* assigned functions (SBDF) */
    struct vcpu_guest_context ctx;
    struct fake_port port[FAKE_MAX_PORTS];
    int log_dirty;                      /* log-dirty mode: map_ro and frame_types while it runs */
    uint8_t dirty[FAKE_DIRTY_PFNS / 8]; /* tests set the PFNs the guest "wrote" */
    int pin_mask;                       /* tests: hard affinity only pin_cpu */
    uint32_t pin_cpu;
};

struct fake {
    uint64_t nframes, next_alloc;
    int memfd;
    uint8_t *phys; /* all frames, for inspection */
    uint16_t *owner;
    struct fake_dom dom[FAKE_MAX_DOMS];
    uint32_t pending[64];
    int npending;
    int fail_create; /* inject: next create fails with this */
    int live_maps;
    uint8_t *granted[32]; /* our pages granted with grant_page(s), one entry a call */
    uint32_t granted_to[32];
    int ngranted;
    uint32_t next_gref;
    char log[FAKE_LOG]; /* the hypervisor's console ring (fake_log) */
    uint32_t log_c, log_p;
    /* tests: called when we notify a domain (after writing its console input) */
    void (*on_notify)(struct backend *b, uint32_t domid, void *ctx);
    void *notify_ctx;
};

struct fake *fake_of(struct backend *b);
uint8_t *fake_frame(struct backend *b, uint64_t mfn);
/* A domain shuts down (reason SHUTDOWN_*): VIRQ_DOM_EXC fires. */
void fake_shutdown(struct backend *b, uint32_t domid, uint32_t reason);
void fake_raise(struct backend *b, uint32_t lport);
/* backend_fake_info.c: text for the hypervisor's console ring; the ops */
void fake_log(struct backend *b, const char *text);
int fake_readconsole(struct backend *b, int clear, int incremental, uint32_t *index, char *buf,
                     uint32_t *count);
int fake_vcpuinfo(struct backend *b, uint32_t domid, uint32_t vcpu, struct xen_domctl_getvcpuinfo *out);
int fake_vcpu_affinity(struct backend *b, uint32_t domid, uint32_t vcpu, uint8_t *hard, uint8_t *soft,
                       uint32_t nbits);

#endif
