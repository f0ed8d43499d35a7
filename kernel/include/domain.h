/* Domains and vCPUs: ownership of memory, capabilities and run state. */
#ifndef TESSERA_DOMAIN_H
#define TESSERA_DOMAIN_H

#include "types.h"
#include "vcpu_arch.h"
#include "spinlock.h"
#include "sched_policy.h"

#define MAX_VCPUS   8
#define MAX_DOMAINS 0x7FF0u /* ids below DOMID_FIRST_RESERVED, as Xen */

/* Capabilities (see docs/capabilities.md); a domain never gets more than its creator. */
#define CAP_BUILD    (1u << 0)
#define CAP_IO       (1u << 1)
#define CAP_XENSTORE (1u << 2)
#define CAP_CONSOLE  (1u << 3)
#define CAP_SCHED    (1u << 4)
#define CAP_ALL      0x1fu

struct domain;

#define MAX_IOPORT_RANGES 16
struct ioport_range {
    uint16_t first, last;
};

struct vcpu {
    struct domain *domain;
    unsigned id;
    unsigned processor; /* pCPU it runs on */
    bool online;
    bool initialised; /* has a context (builder or VCPUOP_initialise) */
    bool blocked;
    struct vcpu_info *vcpu_info; /* hypervisor view of the registered vcpu_info */
    mfn_t vcpu_info_mfn;         /* INVALID_MFN while it is the shared_info slot */
    bool polling;                /* SCHEDOP_poll in progress */
    unsigned poll_nr;            /* ports being polled (Xen's limit: 128) */
    uint32_t poll_list[128];
    /* timers (timer.c); all deadlines in ns of system time, 0 = off */
    unsigned timer_cpu; /* pCPU whose list holds this vCPU's timers */
    struct vcpu *timer_next;
    bool on_timer_list;
    uint64_t singleshot_deadline;
    uint64_t periodic_period, periodic_next;
    uint64_t poll_deadline;
    uint64_t runstate_guest; /* guest VA of vcpu_runstate_info, 0 = none */
    struct sched_vcpu sched;
    struct arch_vcpu arch;
};

enum domain_state { DOM_RUNNING, DOM_PAUSED, DOM_SHUTDOWN, DOM_DYING };

struct domain {
    domid_t id;
    uint32_t caps;
    enum domain_state state;
    unsigned shutdown_reason; /* SHUTDOWN_* once state == DOM_SHUTDOWN */
    int shutdown_code;        /* SCHEDOP_shutdown_code, -1 = none */
    spinlock_t lock;          /* page list, counts, page types of its frames */
    uint64_t tlb_stamp;       /* flush clock at its last removed writable/table entry (pagetype.c) */
    uint64_t tot_pages, max_pages;
    uint32_t page_list; /* head of owned frames linked by page_info.next */
    mfn_t shared_info_mfn;
    struct shared_info *shared_info;
    uint64_t vm_assist;
    unsigned nr_vcpus;
    struct vcpu *vcpu[MAX_VCPUS];
    char name[32];
    struct sched_domain sched;
    domid_t parent;        /* creator (DOMID_INVALID for the first domain) */
    bool has_run;          /* unpaused at least once: foreign access only frozen */
    bool log_dirty;        /* XEN_DOMCTL_shadow_op ENABLE_LOGDIRTY (logdirty.c) */
    unsigned suspend_vcpu; /* the vCPU that made SCHEDOP_shutdown(suspend) */
    unsigned nr_ioports;   /* ioport.c: ranges usable with CAP_IO */
    struct ioport_range ioports[MAX_IOPORT_RANGES];
    struct evtchn_domain *evtchn; /* event_channel.c */
    struct grant_table *gnttab;   /* grant_table.c */
    uint32_t pci_cf8;             /* pci_dev.c: its latched config address */
    uint64_t audit_owned;         /* audit.c: frames found allocated to it */
    struct {
        char buf[256];
        unsigned len;
    } console_line; /* console_io.c: its partial line */
};

/* One past the highest domain id used so far: loops over domains stop there. */
extern unsigned domid_end;
/* Publish d (or NULL) at id; -ENOMEM if the table needs a page it cannot get. */
int domain_table_set(domid_t id, struct domain *d);

struct domain *domain_create(domid_t id, domid_t parent, uint32_t caps, unsigned nr_vcpus,
                             uint64_t max_pages);
void domain_pause(struct domain *d);
/* Load a struct vcpu_guest_context from guest memory into v (domctl.c). */
long vcpu_set_context(struct domain *t, struct vcpu *v, uint64_t uctxt);
long vcpu_initialise(struct domain *t, struct vcpu *v, uint64_t uctxt);
void domain_unpause(struct domain *d);
void domain_destroy(struct domain *d);
struct domain *domain_lookup(domid_t id);
/* Allocate one frame owned by d (counts toward tot_pages); INVALID_MFN on failure. */
mfn_t domain_alloc_page(struct domain *d); /* frame.c */
void domain_free_pages(struct domain *d);  /* frame.c: every frame on its list */
/* The build lock (build_lock.c) serialises domain control (domctl.c) with the
 * foreign MMU operations of builders, so that a domain cannot go away under either.  It
 * is taken before any domain lock.  Acquiring gives up with -EAGAIN when the
 * caller's own domain stops running meanwhile (it is being paused or
 * destroyed by a holder of the lock, who waits for it to leave the core). */
int build_lock_acquire(void);
void build_lock_release(void);
/* Lock two domains' d->lock in ascending domid order (b may be a or NULL). */
void mm_lock_pair(struct domain *a, struct domain *b);
void mm_unlock_pair(struct domain *a, struct domain *b);
void domain_shutdown(struct domain *d, unsigned reason);
void domain_crash(struct domain *d, const char *why);

/* The vCPU running on this pCPU: inline in the core (every entry and exit asks
 * several times); the host unit tests bring their own (tests/unit/harness). */
#if __STDC_HOSTED__
struct vcpu *current_vcpu(void);
#else
#include "percpu.h"
static inline struct vcpu *current_vcpu(void) { return this_cpu()->curr; }
#endif
#define current (current_vcpu())

static inline bool has_cap(const struct domain *d, uint32_t cap) { return (d->caps & cap) == cap; }
/* Paused or shut down: its creator may read its memory and vCPU state (a save). */
static inline bool domain_frozen(const struct domain *d)
{
    return d->state == DOM_PAUSED || d->state == DOM_SHUTDOWN;
}

#endif
