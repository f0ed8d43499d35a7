/* Event channels, 2-level ABI.  This file owns each domain's port table
 * (struct evtchn_domain), the EVTCHNOP_* hypercall (unbound, interdomain, VIRQ
 * and IPI ports), the core's VIRQ/notify entry points, and delivery into
 * shared_info's pending/mask bitmaps and each vCPU's registered vcpu_info.
 * Guest-visible behaviour (error codes, their order, which ports count as
 * valid) follows Xen 4.17; docs/event-channels.md explains the choices. */
#include "lib.h"
#include "domain.h"
#include "event.h"
#include "sched.h"
#include "mm.h"
#include "guest_access.h"
#include "spinlock.h"
#include "pci.h"

#ifndef EVTCHNOP_reset_cont
#define EVTCHNOP_reset_cont 14 /* public header hides it from non-Xen builds */
#endif

/* Port states (Xen's ECS_* numbering; status reports map them to EVTCHNSTAT_*). */
enum { ECS_FREE, ECS_RESERVED, ECS_UNBOUND, ECS_INTERDOMAIN, ECS_PIRQ, ECS_VIRQ, ECS_IPI };

/* One port: 8 bytes, so a page holds 512 and 4096 ports need at most 8 pages. */
struct chan {
    uint8_t state;
    uint8_t vcpu;         /* vCPU notified when the port is raised */
    uint16_t remote_dom;  /* UNBOUND: who may bind; INTERDOMAIN: the peer */
    uint16_t remote_port; /* INTERDOMAIN: the peer's port */
    uint16_t virq;        /* VIRQ: which one; PIRQ: the pirq */
};

#define CHANS_PER_BUCKET (PAGE_SIZE / sizeof(struct chan))
#define NR_BUCKETS       (EVTCHN_2L_NR_PORTS / CHANS_PER_BUCKET)
/* Xen makes ports valid 64 at a time (one bucket of its 64-byte struct evtchn);
 * "valid" is guest-visible: unmask/status/poll of a valid free port succeed. */
#define VALID_STEP 64
#define WORD_BITS  (sizeof(xen_ulong_t) * 8)

/* Per-domain state: one page, plus port buckets allocated on demand. */
struct evtchn_domain {
    spinlock_t lock;   /* everything below and every port's struct chan */
    bool dying;        /* no new ports (destroy in progress) */
    unsigned valid;    /* ports [0, valid) have a struct chan */
    unsigned max_port; /* createdomain's max_evtchn_port: none above it */
    mfn_t self_mfn;
    struct chan *bucket[NR_BUCKETS];
    mfn_t bucket_mfn[NR_BUCKETS];
    uint16_t virq_port[MAX_VCPUS][NR_VIRQS]; /* global VIRQs live in row 0 */
};

/* ---- atomic bit operations on guest-shared words (the guest races us) ---- */

static bool bit_test(const xen_ulong_t *w, unsigned bit)
{
    return (__atomic_load_n(&w[bit / WORD_BITS], __ATOMIC_SEQ_CST) >> (bit % WORD_BITS)) & 1;
}

static bool bit_test_and_set(xen_ulong_t *w, unsigned bit)
{
    xen_ulong_t m = (xen_ulong_t)1 << (bit % WORD_BITS);
    return __atomic_fetch_or(&w[bit / WORD_BITS], m, __ATOMIC_SEQ_CST) & m;
}

static bool bit_test_and_clear(xen_ulong_t *w, unsigned bit)
{
    xen_ulong_t m = (xen_ulong_t)1 << (bit % WORD_BITS);
    return __atomic_fetch_and(&w[bit / WORD_BITS], ~m, __ATOMIC_SEQ_CST) & m;
}

/* ---- 2-level delivery (the order of the bit operations is the ABI) ---- */

static struct vcpu *domain_vcpu(const struct domain *d, uint32_t id)
{
    return id < d->nr_vcpus && id < MAX_VCPUS ? d->vcpu[id] : NULL;
}

/* Word `sel` of v's selector gained a pending port: set upcall_pending and kick
 * v unless an upcall was already pending (then v has been kicked already). */
static void mark_sel(struct vcpu *v, unsigned sel)
{
    struct vcpu_info *vi = v->vcpu_info;
    if (!vi || bit_test_and_set(&vi->evtchn_pending_sel, sel)) return;
    if (!__atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST)) vcpu_kick(v);
}

/* Wake d's vCPUs in SCHEDOP_poll that wait for port, masked or not (a guest
 * polls masked ports, e.g. Linux's spinlock kicks).  As in Xen, a single-port
 * poll waits for its port and a multi-port poll for any port of d. */
static void wake_pollers(struct domain *d, evtchn_port_t port)
{
    for (unsigned i = 0; i < d->nr_vcpus && i < MAX_VCPUS; i++) {
        struct vcpu *v = d->vcpu[i];
        if (!v || !__atomic_load_n(&v->polling, __ATOMIC_SEQ_CST)) continue;
        if (v->poll_nr == 1 && v->poll_list[0] != port) continue;
        vcpu_kick(v);
    }
}

/* Raise port of d towards vCPU vcpu_id (Xen's event_2l set_pending).  The
 * pending bit is set before anything else is looked at (seq_cst): a poller
 * publishes `polling` and then re-reads pending, so one of us sees the other. */
static void raise_port(struct domain *d, unsigned vcpu_id, evtchn_port_t port)
{
    struct shared_info *s = d->shared_info;
    if (!s || bit_test_and_set(s->evtchn_pending, port)) return;
    struct vcpu *v = domain_vcpu(d, vcpu_id);
    if (v && !bit_test(s->evtchn_mask, port)) mark_sel(v, port / WORD_BITS);
    wake_pollers(d, port);
}

/* EVTCHNOP_unmask: clear the mask; a port pending meanwhile is delivered now. */
static void unmask_port(struct domain *d, unsigned vcpu_id, evtchn_port_t port)
{
    struct shared_info *s = d->shared_info;
    struct vcpu *v = domain_vcpu(d, vcpu_id);
    if (s && bit_test_and_clear(s->evtchn_mask, port) && bit_test(s->evtchn_pending, port) && v)
        mark_sel(v, port / WORD_BITS);
}

/* ---- port table ---- */

static struct chan *chan_of(struct evtchn_domain *ed, evtchn_port_t port)
{
    return &ed->bucket[port / CHANS_PER_BUCKET][port % CHANS_PER_BUCKET];
}

/* The port's state if port is valid (Xen's port_is_valid), else NULL. */
static struct chan *chan_valid(struct evtchn_domain *ed, evtchn_port_t port)
{
    if (!ed || port >= __atomic_load_n(&ed->valid, __ATOMIC_ACQUIRE)) return NULL;
    return chan_of(ed, port);
}

static void *page_alloc(mfn_t *mfn)
{
    *mfn = frame_alloc();
    if (*mfn == INVALID_MFN) return NULL;
    void *p = mfn_to_virt(*mfn);
    memset(p, 0, PAGE_SIZE);
    return p;
}

/* Lowest free port, making more ports valid (and a bucket present) if needed.
 * The port stays ECS_FREE until the caller fills it in under the same lock. */
static int get_free_port(struct domain *d, struct evtchn_domain *ed)
{
    if (ed->dying || d->state == DOM_DYING) return -EINVAL;
    unsigned port;
    for (port = 1; port < ed->valid && port <= ed->max_port; port++)
        if (chan_of(ed, port)->state == ECS_FREE) return port;
    if (port > ed->max_port || port >= EVTCHN_2L_NR_PORTS) return -ENOSPC;
    unsigned b = port / CHANS_PER_BUCKET;
    if (!ed->bucket[b] && !(ed->bucket[b] = page_alloc(&ed->bucket_mfn[b]))) return -ENOMEM;
    /* Release: lock-free readers (poll, is_pending) see the bucket first. */
    __atomic_store_n(&ed->valid, port + VALID_STEP, __ATOMIC_RELEASE);
    return port;
}

/* Xen: TIMER, DEBUG, XENOPROF and XENPMU are per vCPU; all others global. */
static bool virq_is_global(unsigned virq)
{
    return virq != VIRQ_TIMER && virq != VIRQ_DEBUG && virq != VIRQ_XENOPROF && virq != VIRQ_XENPMU;
}

/* The lowest free port of d set to c (a VIRQ one only if that VIRQ has no port
 * yet: -EEXIST); its number in *port. */
static long open_port(struct domain *d, struct chan c, evtchn_port_t *port)
{
    struct evtchn_domain *ed = d->evtchn;
    spin_lock(&ed->lock);
    uint16_t *virq = c.state == ECS_VIRQ ? &ed->virq_port[c.vcpu][c.virq] : NULL;
    int p = virq && *virq ? -EEXIST : get_free_port(d, ed);
    if (p > 0) {
        *chan_of(ed, p) = c;
        if (virq) *virq = (uint16_t)p;
        *port = (evtchn_port_t)p;
    }
    spin_unlock(&ed->lock);
    return p < 0 ? p : 0;
}

/* ---- locking: one lock per domain; two domains in domid order ---- */

static void lock_pair(struct domain *a, struct domain *b)
{
    if (a == b) {
        spin_lock(&a->evtchn->lock);
        return;
    }
    if (a->id > b->id) {
        struct domain *t = a;
        a = b;
        b = t;
    }
    spin_lock(&a->evtchn->lock);
    spin_lock(&b->evtchn->lock);
}

static void unlock_pair(struct domain *a, struct domain *b)
{
    if (a != b) spin_unlock(&b->evtchn->lock);
    spin_unlock(&a->evtchn->lock);
}

static bool try_lock(spinlock_t *l) { return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE); }

/* d's lock is held and d has an interdomain port to peer.  Take peer's lock
 * without dropping d's: in order if peer's id is higher, else only a trylock
 * (dropping d's lock would let peer, which we hold no reference on, vanish). */
static bool lock_peer(struct domain *d, struct domain *peer)
{
    if (peer == d) return true;
    if (peer->id > d->id) {
        spin_lock(&peer->evtchn->lock);
        return true;
    }
    return try_lock(&peer->evtchn->lock);
}

/* ---- domains ---- */

static struct domain *lookup_any(domid_t id)
{
    return id == DOMID_SELF ? current->domain : domain_lookup(id);
}

/* May caller act on d's ports?  Its own, or those of a domain it built. */
static bool controls(const struct domain *caller, const struct domain *d)
{
    return caller == d || (has_cap(caller, CAP_BUILD) && d->parent == caller->id);
}

int evtchn_domain_init(struct domain *d)
{
    BUILD_BUG_ON(sizeof(struct evtchn_domain) > PAGE_SIZE);
    BUILD_BUG_ON(sizeof(struct chan) != 8);
    BUILD_BUG_ON(EVTCHN_2L_NR_PORTS % CHANS_PER_BUCKET || VALID_STEP > CHANS_PER_BUCKET);
    mfn_t m;
    struct evtchn_domain *ed = page_alloc(&m);
    if (!ed) return -ENOMEM;
    ed->self_mfn = m;
    ed->bucket[0] = page_alloc(&ed->bucket_mfn[0]);
    if (!ed->bucket[0]) {
        frame_free(m);
        return -ENOMEM;
    }
    ed->lock = (spinlock_t)SPINLOCK_INIT;
    ed->bucket[0][0].state = ECS_RESERVED; /* port 0 is never handed out */
    ed->valid = VALID_STEP;
    ed->max_port = EVTCHN_2L_NR_PORTS - 1;
    d->evtchn = ed;
    return 0;
}

void evtchn_set_max_port(struct domain *d, unsigned max_port) { d->evtchn->max_port = max_port; }

/* ---- close ---- */

/* Both locks held: free port of d (ch); an interdomain peer becomes unbound,
 * waiting for d again (so a restarted d can bind it anew). */
static void close_locked(struct domain *d, evtchn_port_t port, struct chan *ch, struct domain *peer)
{
    struct evtchn_domain *ed = d->evtchn;
    switch (ch->state) {
    case ECS_VIRQ:
        ed->virq_port[virq_is_global(ch->virq) ? 0 : ch->vcpu][ch->virq] = 0;
        break;
    case ECS_PIRQ:
        pirq_unbind_port(d, ch->virq, port);
        break;
    case ECS_INTERDOMAIN:
        if (peer) {
            struct chan *pch = chan_of(peer->evtchn, ch->remote_port);
            pch->state = ECS_UNBOUND;
            pch->remote_dom = d->id;
            pch->remote_port = 0;
        }
        break;
    }
    /* A stale pending bit would fire at once when the port is reused. */
    if (d->shared_info) bit_test_and_clear(d->shared_info->evtchn_pending, port);
    *ch = (struct chan){ .state = ECS_FREE };
}

static long close_port(struct domain *d, evtchn_port_t port)
{
    struct evtchn_domain *ed = d->evtchn;
    for (;;) {
        if (!ed) return -EINVAL;
        spin_lock(&ed->lock);
        struct chan *ch = chan_valid(ed, port);
        if (!ch || ch->state == ECS_FREE || ch->state == ECS_RESERVED) {
            spin_unlock(&ed->lock);
            return -EINVAL;
        }
        struct domain *peer = NULL;
        /* The binding keeps peer alive while we hold d's lock: tearing it
         * down (close, destroy) needs d's lock too. */
        if (ch->state == ECS_INTERDOMAIN) peer = ch->remote_dom == d->id ? d : domain_lookup(ch->remote_dom);
        if (peer && !peer->evtchn) peer = NULL; /* cannot happen: bindings die first */
        if (peer && !lock_peer(d, peer)) {
            spin_unlock(&ed->lock);
            __builtin_ia32_pause();
            continue;
        }
        close_locked(d, port, ch, peer);
        if (peer && peer != d) spin_unlock(&peer->evtchn->lock);
        spin_unlock(&ed->lock);
        return 0;
    }
}

/* Close every port; peers see their ends go unbound.  The caller has taken d's
 * vCPUs off the scheduler and stopped its timers, and frees shared_info and
 * the vCPUs only after this returns. */
void evtchn_domain_destroy(struct domain *d)
{
    struct evtchn_domain *ed = d->evtchn;
    if (!ed) return;
    spin_lock(&ed->lock);
    ed->dying = true;
    unsigned valid = ed->valid;
    spin_unlock(&ed->lock);
    for (evtchn_port_t p = 1; p < valid; p++)
        close_port(d, p);
    /* Each binding was closed under the peer's lock as well, so no peer is
     * still raising into d; the lock/unlock waits out any other holder. */
    spin_lock(&ed->lock);
    d->evtchn = NULL;
    spin_unlock(&ed->lock);
    for (unsigned b = 0; b < NR_BUCKETS; b++)
        if (ed->bucket[b]) frame_free(ed->bucket_mfn[b]);
    frame_free(ed->self_mfn);
}

/* ---- the operations (arguments already copied in) ---- */

static long evtchn_alloc_unbound(struct evtchn_alloc_unbound *a)
{
    struct domain *c = current->domain;
    struct domain *d = lookup_any(a->dom);
    if (!d) return -ESRCH;
    if (!controls(c, d)) return -EPERM;
    if (!d->evtchn) return -EINVAL;
    domid_t remote = a->remote_dom == DOMID_SELF ? c->id : a->remote_dom;
    return open_port(d, (struct chan){ .state = ECS_UNBOUND, .remote_dom = remote }, &a->port);
}

/* Locks held: check remote port of rd is unbound and waiting for ld. */
static struct chan *bindable(struct domain *ld, struct domain *rd, evtchn_port_t rport)
{
    struct chan *rch = rd->evtchn->dying ? NULL : chan_valid(rd->evtchn, rport);
    return rch && rch->state == ECS_UNBOUND && rch->remote_dom == ld->id ? rch : NULL;
}

static long evtchn_bind_interdomain(struct evtchn_bind_interdomain *a)
{
    struct domain *ld = current->domain;
    struct domain *rd = lookup_any(a->remote_dom);
    if (!rd) return -ESRCH;
    if (!ld->evtchn || !rd->evtchn) return -EINVAL;
    lock_pair(ld, rd);
    int lport = get_free_port(ld, ld->evtchn); /* Xen allocates before checking */
    struct chan *rch = lport > 0 ? bindable(ld, rd, a->remote_port) : NULL;
    if (lport > 0 && !rch) lport = -EINVAL;
    if (lport > 0) {
        struct chan *lch = chan_of(ld->evtchn, lport);
        lch->state = ECS_INTERDOMAIN;
        lch->remote_dom = rd->id;
        lch->remote_port = a->remote_port;
        rch->state = ECS_INTERDOMAIN;
        rch->remote_dom = ld->id;
        rch->remote_port = lport;
        /* Sends to the unbound port were dropped; make up for them (Xen does). */
        raise_port(ld, lch->vcpu, lport);
        a->local_port = lport;
    }
    unlock_pair(ld, rd);
    return lport < 0 ? lport : 0;
}

static long evtchn_bind_virq(struct evtchn_bind_virq *a)
{
    struct domain *d = current->domain;
    if (a->virq >= NR_VIRQS) return -EINVAL;
    if (virq_is_global(a->virq) && a->vcpu != 0) return -EINVAL;
    if (!domain_vcpu(d, a->vcpu)) return -ENOENT;
    return open_port(d, (struct chan){ .state = ECS_VIRQ, .vcpu = a->vcpu, .virq = a->virq }, &a->port);
}

/* A pirq the domain mapped (PHYSDEVOP_map_pirq) for one of its own functions. */
static long evtchn_bind_pirq(struct evtchn_bind_pirq *a)
{
    struct domain *d = current->domain;
    struct evtchn_domain *ed = d->evtchn;
    spin_lock(&ed->lock);
    int port = get_free_port(d, ed);
    if (port > 0) {
        int rc = pirq_bind_port(d, a->pirq, (unsigned)port);
        if (!rc) {
            *chan_of(ed, port) = (struct chan){ .state = ECS_PIRQ, .virq = (uint16_t)a->pirq };
            a->port = port;
        }
        port = rc ? rc : port;
    }
    spin_unlock(&ed->lock);
    return port < 0 ? port : 0;
}

static long evtchn_bind_ipi(struct evtchn_bind_ipi *a)
{
    struct domain *d = current->domain;
    if (!domain_vcpu(d, a->vcpu)) return -ENOENT;
    return open_port(d, (struct chan){ .state = ECS_IPI, .vcpu = a->vcpu }, &a->port);
}

/* EVTCHNOP_send on d's port: interdomain → the peer's port, IPI → itself,
 * unbound → dropped silently (Xen 4.17), anything else -EINVAL. */
static long send_locked(struct domain *d, evtchn_port_t port)
{
    struct chan *ch = chan_valid(d->evtchn, port);
    if (!ch) return -EINVAL;
    switch (ch->state) {
    case ECS_INTERDOMAIN: {
        /* Alive while the binding exists, and it cannot go while we hold
         * d's lock; the peer's notify vCPU may change under us, harmlessly. */
        struct domain *rd = ch->remote_dom == d->id ? d : domain_lookup(ch->remote_dom);
        if (!rd || !rd->evtchn) return 0; /* cannot happen: bindings die first */
        struct chan *rch = chan_of(rd->evtchn, ch->remote_port);
        raise_port(rd, __atomic_load_n(&rch->vcpu, __ATOMIC_RELAXED), ch->remote_port);
        return 0;
    }
    case ECS_IPI:
        raise_port(d, ch->vcpu, port);
        return 0;
    case ECS_UNBOUND:
        return 0;
    default:
        return -EINVAL;
    }
}

static long evtchn_send(struct domain *d, evtchn_port_t port)
{
    struct evtchn_domain *ed = d->evtchn;
    if (!ed) return -EINVAL;
    spin_lock(&ed->lock);
    long rc = send_locked(d, port);
    spin_unlock(&ed->lock);
    return rc;
}

static void fill_status(struct evtchn_status *a, const struct chan *ch)
{
    switch (ch->state) {
    case ECS_UNBOUND:
        a->status = EVTCHNSTAT_unbound;
        a->u.unbound.dom = ch->remote_dom;
        break;
    case ECS_INTERDOMAIN:
        a->status = EVTCHNSTAT_interdomain;
        a->u.interdomain.dom = ch->remote_dom;
        a->u.interdomain.port = ch->remote_port;
        break;
    case ECS_VIRQ:
        a->status = EVTCHNSTAT_virq;
        a->u.virq = ch->virq;
        break;
    case ECS_IPI:
        a->status = EVTCHNSTAT_ipi;
        break;
    case ECS_PIRQ:
        a->status = EVTCHNSTAT_pirq;
        a->u.pirq = ch->virq;
        break;
    default: /* free and reserved (port 0) read as closed */
        a->status = EVTCHNSTAT_closed;
        break;
    }
    a->vcpu = ch->vcpu;
}

/* Xen checks the port before the permission: an invalid port is -EINVAL even
 * for a caller that may not look at d. */
static long evtchn_status(struct evtchn_status *a)
{
    struct domain *d = lookup_any(a->dom);
    if (!d) return -ESRCH;
    struct evtchn_domain *ed = d->evtchn;
    if (!ed) return -EINVAL;
    spin_lock(&ed->lock);
    struct chan *ch = chan_valid(ed, a->port);
    long rc = !ch ? -EINVAL : !controls(current->domain, d) ? -EPERM : 0;
    if (!rc) fill_status(a, ch);
    spin_unlock(&ed->lock);
    return rc;
}

/* Only ports not tied to a vCPU move: interdomain, unbound, global VIRQs. */
static long evtchn_bind_vcpu(struct evtchn_bind_vcpu *a)
{
    struct domain *d = current->domain;
    if (!domain_vcpu(d, a->vcpu)) return -ENOENT;
    spin_lock(&d->evtchn->lock);
    struct chan *ch = chan_valid(d->evtchn, a->port);
    long rc = -EINVAL;
    if (ch && (ch->state == ECS_UNBOUND || ch->state == ECS_INTERDOMAIN ||
               (ch->state == ECS_VIRQ && virq_is_global(ch->virq)))) {
        __atomic_store_n(&ch->vcpu, a->vcpu, __ATOMIC_RELAXED);
        rc = 0;
    }
    spin_unlock(&d->evtchn->lock);
    return rc;
}

/* Any valid port, even a free one, may be unmasked (as in Xen). */
static long evtchn_unmask(struct evtchn_unmask *a)
{
    struct domain *d = current->domain;
    spin_lock(&d->evtchn->lock);
    struct chan *ch = chan_valid(d->evtchn, a->port);
    if (ch) unmask_port(d, ch->vcpu, a->port);
    spin_unlock(&d->evtchn->lock);
    return ch ? 0 : -EINVAL;
}

/* Close all of d's ports.  Another domain's only while its builder has it
 * paused (Xen: controller-paused).  We never preempt a reset, so a
 * continuation (reset_cont) never has one to continue: -EBUSY, as in Xen. */
static long evtchn_reset(struct evtchn_reset *a, bool cont)
{
    struct domain *c = current->domain;
    struct domain *d = lookup_any(a->dom);
    if (!d) return -ESRCH;
    if (!controls(c, d)) return -EPERM;
    if (d != c && d->state != DOM_PAUSED) return -EINVAL;
    if (cont) return -EBUSY;
    if (!d->evtchn) return -EINVAL;
    unsigned valid = __atomic_load_n(&d->evtchn->valid, __ATOMIC_ACQUIRE);
    for (evtchn_port_t p = 1; p < valid; p++)
        close_port(d, p);
    return 0;
}

/* Xen 4.17 on a 2-level domain: set_priority has no 2-level hook (-ENOSYS),
 * after the port check. */
static long evtchn_set_priority(struct evtchn_set_priority *a)
{
    struct domain *d = current->domain;
    spin_lock(&d->evtchn->lock);
    bool valid = chan_valid(d->evtchn, a->port) != NULL;
    spin_unlock(&d->evtchn->lock);
    return valid ? -ENOSYS : -EINVAL;
}

/* The FIFO ABI is not offered: init_control checks its arguments in Xen's
 * order (vCPU, then the control block's offset: within the page, 8-byte
 * aligned) and then fails with -ENOSYS, what a Xen without FIFO answers, so
 * Linux falls back to 2-level.  expand_array is -EOPNOTSUPP as on Xen before
 * init_control succeeded. */
static long evtchn_init_control(const struct evtchn_init_control *a)
{
    const struct domain *d = current->domain;
    if (a->vcpu >= d->nr_vcpus || !d->vcpu[a->vcpu]) return -ENOENT;
    if (a->offset > PAGE_SIZE - sizeof(evtchn_fifo_control_block_t) || (a->offset & 7)) return -EINVAL;
    return -ENOSYS;
}

/* ---- hypercall dispatch ---- */

union evtchn_args {
    struct evtchn_alloc_unbound alloc_unbound;
    struct evtchn_bind_interdomain bind_interdomain;
    struct evtchn_bind_virq bind_virq;
    struct evtchn_bind_pirq bind_pirq;
    struct evtchn_bind_ipi bind_ipi;
    struct evtchn_close close;
    struct evtchn_send send;
    struct evtchn_status status;
    struct evtchn_bind_vcpu bind_vcpu;
    struct evtchn_unmask unmask;
    struct evtchn_reset reset;
    struct evtchn_init_control init_control;
    struct evtchn_expand_array expand_array;
    struct evtchn_set_priority set_priority;
};

/* Size of cmd's argument and whether it is copied back (0: unknown cmd). */
static size_t arg_size(uint64_t cmd, bool *out)
{
    static const struct {
        uint8_t size;
        bool out;
    } t[] = {
        [EVTCHNOP_bind_interdomain] = { sizeof(struct evtchn_bind_interdomain), true },
        [EVTCHNOP_bind_virq] = { sizeof(struct evtchn_bind_virq), true },
        [EVTCHNOP_bind_pirq] = { sizeof(struct evtchn_bind_pirq), true },
        [EVTCHNOP_close] = { sizeof(struct evtchn_close), false },
        [EVTCHNOP_send] = { sizeof(struct evtchn_send), false },
        [EVTCHNOP_status] = { sizeof(struct evtchn_status), true },
        [EVTCHNOP_alloc_unbound] = { sizeof(struct evtchn_alloc_unbound), true },
        [EVTCHNOP_bind_ipi] = { sizeof(struct evtchn_bind_ipi), true },
        [EVTCHNOP_bind_vcpu] = { sizeof(struct evtchn_bind_vcpu), false },
        [EVTCHNOP_unmask] = { sizeof(struct evtchn_unmask), false },
        [EVTCHNOP_reset] = { sizeof(struct evtchn_reset), false },
        [EVTCHNOP_init_control] = { sizeof(struct evtchn_init_control), true },
        [EVTCHNOP_expand_array] = { sizeof(struct evtchn_expand_array), false },
        [EVTCHNOP_set_priority] = { sizeof(struct evtchn_set_priority), false },
        [EVTCHNOP_reset_cont] = { sizeof(struct evtchn_reset), false },
    };
    if (cmd >= ARRAY_SIZE(t)) return 0;
    *out = t[cmd].out;
    return t[cmd].size;
}

static long dispatch(unsigned cmd, union evtchn_args *a)
{
    switch (cmd) {
    case EVTCHNOP_bind_interdomain:
        return evtchn_bind_interdomain(&a->bind_interdomain);
    case EVTCHNOP_bind_virq:
        return evtchn_bind_virq(&a->bind_virq);
    case EVTCHNOP_bind_pirq:
        return evtchn_bind_pirq(&a->bind_pirq);
    case EVTCHNOP_close:
        return close_port(current->domain, a->close.port);
    case EVTCHNOP_send:
        return evtchn_send(current->domain, a->send.port);
    case EVTCHNOP_status:
        return evtchn_status(&a->status);
    case EVTCHNOP_alloc_unbound:
        return evtchn_alloc_unbound(&a->alloc_unbound);
    case EVTCHNOP_bind_ipi:
        return evtchn_bind_ipi(&a->bind_ipi);
    case EVTCHNOP_bind_vcpu:
        return evtchn_bind_vcpu(&a->bind_vcpu);
    case EVTCHNOP_unmask:
        return evtchn_unmask(&a->unmask);
    case EVTCHNOP_reset:
        return evtchn_reset(&a->reset, false);
    case EVTCHNOP_reset_cont:
        return evtchn_reset(&a->reset, true);
    case EVTCHNOP_init_control:
        return evtchn_init_control(&a->init_control);
    case EVTCHNOP_expand_array:
        return -EOPNOTSUPP; /* Xen: FIFO not initialised */
    case EVTCHNOP_set_priority:
        return evtchn_set_priority(&a->set_priority);
    default:
        return -ENOSYS;
    }
}

/* Copy the argument in, run the op, copy it back on success (Xen leaves the
 * op done if that last copy faults: undoing it could itself fail). */
long do_event_channel_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    union evtchn_args a;
    bool out = false;
    size_t size = arg_size(cmd, &out);
    if (!size) return -ENOSYS;
    if (!current->domain->evtchn) return -ENOSYS;
    if (copy_from_guest(&a, arg, size)) return -EFAULT;
    long rc = dispatch((unsigned)cmd, &a);
    if (!rc && out && copy_to_guest(arg, &a, size)) rc = -EFAULT;
    return rc;
}

/* ---- entry points for the rest of the core ---- */

/* Raise VIRQ virq of d: per-vCPU ones on vcpu_id's binding, global ones on
 * vCPU 0's binding towards the port's (movable) notify vCPU. */
static void send_virq(struct domain *d, unsigned vcpu_id, unsigned virq)
{
    struct evtchn_domain *ed = d->evtchn;
    if (!ed || virq >= NR_VIRQS || vcpu_id >= MAX_VCPUS) return;
    bool global = virq_is_global(virq);
    spin_lock(&ed->lock);
    evtchn_port_t port = ed->virq_port[global ? 0 : vcpu_id][virq];
    if (port) raise_port(d, global ? chan_of(ed, port)->vcpu : vcpu_id, port);
    spin_unlock(&ed->lock);
}

void send_guest_vcpu_virq(struct vcpu *v, unsigned virq) { send_virq(v->domain, v->id, virq); }

void send_guest_global_virq(struct domain *d, unsigned virq)
{
    if (d) send_virq(d, 0, virq);
}

/* Lock-free: the guest owns the bitmap anyway; validity only grows while d
 * lives (Xen's SCHEDOP_poll reads it the same way). */
bool evtchn_port_valid(struct domain *d, evtchn_port_t port) { return chan_valid(d->evtchn, port) != NULL; }

bool evtchn_port_is_pending(struct domain *d, evtchn_port_t port)
{
    return evtchn_port_valid(d, port) && d->shared_info && bit_test(d->shared_info->evtchn_pending, port);
}

/* The hypervisor as the far end: raise d's bound port towards its notify
 * vCPU, whatever it is bound to (e.g. a console ring the core serves). */
int evtchn_send_from(struct domain *d, evtchn_port_t port)
{
    struct evtchn_domain *ed = d->evtchn;
    if (!ed) return -EINVAL;
    spin_lock(&ed->lock);
    struct chan *ch = chan_valid(ed, port);
    int rc = ch && ch->state != ECS_FREE && ch->state != ECS_RESERVED ? 0 : -EINVAL;
    if (!rc) raise_port(d, ch->vcpu, port);
    spin_unlock(&ed->lock);
    return rc;
}
