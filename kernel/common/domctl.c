/* domctl: domain control for builders.  Xen's struct xen_domctl, interface
 * version and sub-op numbers, with Tessera's capability rules instead of
 * "dom0": every call needs CAP_BUILD, and a domain controls only the domains
 * it created (target->parent == caller).  Tessera's own sub-ops (capability
 * sets) are numbered in public/tessera.h.  All domain control, and the
 * builders' foreign MMU operations (mm_hypercalls.c), run under the build
 * lock, so a domain cannot disappear under a call.  Each call decodes and
 * checks all of its arguments before it changes anything.
 * See docs/capabilities.md for the model and the build sequence. */
#include "lib.h"
#include "hypercall.h"
#include "guest_access.h"
#include "domain.h"
#include "ioport.h"
#include "mm.h"
#include "pci.h"
#include "sched_policy.h"
#include "public/tessera.h"
#include "debugreg.h"
#include "apic.h"
#include "event.h"
#include "grant.h"
#include <xen/domctl.h>
#include <xen/vcpu.h>
#include <xen/sched.h>

BUILD_BUG_ON(CAP_BUILD != TESSERA_CAP_BUILD || CAP_IO != TESSERA_CAP_IO ||
             CAP_XENSTORE != TESSERA_CAP_XENSTORE || CAP_CONSOLE != TESSERA_CAP_CONSOLE ||
             CAP_SCHED != TESSERA_CAP_SCHED || CAP_ALL != TESSERA_CAP_ALL);
BUILD_BUG_ON(offsetof(struct xen_domctl, u) != TESSERA_DOMCTL_U_OFFSET);

/* createdomain flags a PV domain may carry (others: HVM, HAP, IOMMU, ... -EINVAL). */
#define CDF_PV_OK (XEN_DOMCTL_CDF_oos_off | XEN_DOMCTL_CDF_xs_domain)

static bool is_self(const struct domain *me, domid_t id) { return id == DOMID_SELF || id == me->id; }

/* ---- createdomain ---- */

/* An id is free when no domain has it and no living domain names it as its
 * creator (a new domain must not inherit control of someone's orphans).
 * Build lock held: the static scratch bitmap (4 KiB) is safe. */
static long pick_domid(domid_t want, domid_t *id)
{
    static uint64_t taken[(MAX_DOMAINS + 63) / 64];
#define TAKE(i)  (taken[(i) / 64] |= 1ull << ((i) % 64))
#define TAKEN(i) (taken[(i) / 64] >> ((i) % 64) & 1)

    memset(taken, 0, sizeof(taken));
    for (unsigned i = 0; i < domid_end; i++) {
        const struct domain *d = domain_lookup((domid_t)i);
        if (d) TAKE(i);
        if (d && d->parent < MAX_DOMAINS) TAKE(d->parent);
    }
    if (want > 0 && want < DOMID_FIRST_RESERVED) {
        if (TAKEN(want)) return -EEXIST; /* Xen: a requested id in use */
        *id = want;
        return 0;
    }
    for (domid_t i = 1; i < MAX_DOMAINS; i++) /* 0 (or a reserved id): the first free */
        if (!TAKEN(i)) {
            *id = i;
            return 0;
        }
    return -ENOMEM;
}

static long create_domain(struct domain *me, struct xen_domctl *op, bool *copyback)
{
    const struct xen_domctl_createdomain *c = &op->u.createdomain;
    domid_t id;

    if ((c->flags & ~CDF_PV_OK) || c->iommu_opts || c->vmtrace_size ||
        (c->grant_opts & ~XEN_DOMCTL_GRANT_version_mask))
        return -EINVAL;
    /* Xen's grant_table_init: < 0 is the default, else 1 to the limit */
    int32_t gframes = c->max_grant_frames < 0 ? (int32_t)GNTTAB_MAX_FRAMES : c->max_grant_frames;
    int32_t mframes = c->max_maptrack_frames < 0 ? (int32_t)MAPTRACK_XEN_MAX : c->max_maptrack_frames;
    if (c->max_vcpus < 1 || c->max_vcpus > MAX_VCPUS || gframes < 1 || gframes > (int32_t)GNTTAB_MAX_FRAMES ||
        mframes > (int32_t)MAPTRACK_XEN_MAX)
        return -EINVAL;
    long rc = pick_domid(op->domain, &id);
    if (rc) return rc;
    /* No capabilities and no memory until set_capabilities / max_mem. */
    struct domain *d = domain_create(id, me->id, 0, c->max_vcpus, 0);
    if (!d) return -ENOMEM;
    evtchn_set_max_port(d, c->max_evtchn_port);
    gnttab_set_max_frames(d, (unsigned)gframes, (unsigned)mframes);
    printk("tessera: domain %u created by domain %u (%u vCPUs)\n", id, me->id, c->max_vcpus);
    op->domain = id;
    *copyback = true;
    return 0;
}

/* ---- getdomaininfo ---- */

static bool visible(const struct domain *me, const struct domain *d)
{
    return d == me || d->parent == me->id;
}

/* Xen's getdomaininfo(): flags, pages, vCPUs, CPU time, shutdown code. */
static void fill_info(const struct domain *d, struct xen_domctl_getdomaininfo *info)
{
    uint32_t flags = XEN_DOMINF_blocked;

    memset(info, 0, sizeof(*info));
    info->domain = d->id;
    info->max_vcpu_id = XEN_INVALID_MAX_VCPU_ID;
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        const struct vcpu *v = d->vcpu[i];
        info->cpu_time += v->sched.time[RUNSTATE_running];
        info->max_vcpu_id = v->id;
        if (!v->online) continue;
        if (!v->blocked) flags &= ~XEN_DOMINF_blocked;
        if (v->sched.runstate == RUNSTATE_running) flags |= XEN_DOMINF_running;
        info->nr_online_vcpus++;
    }
    /* Like Xen: the code is the shutdown reason once shut down, else the one
     * announced by SCHEDOP_shutdown_code, else ~0. */
    uint32_t code = d->state == DOM_SHUTDOWN ? d->shutdown_reason : (uint32_t)d->shutdown_code;
    info->flags = (info->nr_online_vcpus ? flags : 0) | (d->state == DOM_DYING ? XEN_DOMINF_dying : 0) |
                  (d->state == DOM_SHUTDOWN ? XEN_DOMINF_shutdown : 0) |
                  (d->state == DOM_PAUSED ? XEN_DOMINF_paused : 0) | code << XEN_DOMINF_shutdownshift;
    info->tot_pages = d->tot_pages;
    info->max_pages = d->max_pages;
    info->shared_info_frame = d->shared_info_mfn; /* PV: gfn == mfn */
}

/* The domain with this id, or the next one above it, that the caller may see
 * (itself and the domains it created).  A domain it may not see asked for by
 * its exact id is -EPERM. */
static long get_domain_info(struct domain *me, struct xen_domctl *op, bool *copyback)
{
    if (op->domain >= DOMID_FIRST_RESERVED) return -EINVAL;
    const struct domain *d = domain_lookup(op->domain);
    if (d && !visible(me, d)) return -EPERM;
    for (unsigned id = op->domain; !d && id < domid_end; id++) {
        const struct domain *c = domain_lookup((domid_t)id);
        if (c && visible(me, c)) d = c;
    }
    if (!d) return -ESRCH;
    fill_info(d, &op->u.getdomaininfo);
    op->domain = d->id;
    *copyback = true;
    return 0;
}

/* ---- vCPU state (xl vcpu-list): Xen's getvcpuinfo, CPU time as getdomaininfo's ---- */

static long vcpu_info(const struct domain *t, struct xen_domctl_getvcpuinfo *vi)
{
    const struct vcpu *v = vi->vcpu < t->nr_vcpus ? t->vcpu[vi->vcpu] : NULL;
    if (!v) return -EINVAL;
    vi->online = v->online;
    vi->blocked = v->blocked;
    vi->running = v->sched.runstate == RUNSTATE_running;
    vi->cpu_time = v->sched.time[RUNSTATE_running];
    vi->cpu = v->sched.cpu;
    return 0;
}

/* Xen's cpumask_to_xenctl_bitmap: nr_cpus bits, the caller's further bytes zeroed. */
static long put_cpumap(const struct xenctl_bitmap *b, uint64_t mask)
{
    for (uint32_t i = 0; i < (b->nr_bits + 7) / 8; i++) {
        uint8_t byte = i < (nr_cpus + 7) / 8 ? (uint8_t)(mask >> (8 * i)) : 0;
        if (copy_to_guest((uint64_t)b->bitmap.p + i, &byte, 1)) return -EFAULT;
    }
    return 0;
}

/* Xen's getvcpuaffinity: hard = the scheduler's affinity (0: every pCPU);
 * Tessera has no soft affinity: every pCPU. */
static long vcpu_affinity(const struct domain *t, const struct xen_domctl_vcpuaffinity *a)
{
    const struct vcpu *v = a->vcpu < t->nr_vcpus ? t->vcpu[a->vcpu] : NULL;
    uint32_t hard = a->flags & XEN_VCPUAFFINITY_HARD, soft = a->flags & XEN_VCPUAFFINITY_SOFT;
    if (!v || !a->flags || (hard && !a->cpumap_hard.bitmap.p) || (soft && !a->cpumap_soft.bitmap.p))
        return -EINVAL;
    uint64_t all = nr_cpus >= 64 ? ~0ull : (1ull << nr_cpus) - 1;
    long rc = hard ? put_cpumap(&a->cpumap_hard, v->sched.affinity ? v->sched.affinity : all) : 0;
    return rc || !soft ? rc : put_cpumap(&a->cpumap_soft, all);
}

/* ---- lifecycle ---- */

/* Before a domain runs again (or goes away) its builder must have dropped
 * every foreign mapping of its frames: those of a build, or a save's
 * read-only view of a frozen domain. */
static bool builder_maps(struct domain *me, const struct domain *t)
{
    spin_lock(&me->lock);
    bool busy = mm_maps_foreign(me, t->id);
    spin_unlock(&me->lock);
    return busy;
}

static long destroy_domain(struct domain *me, struct domain *t)
{
    if (builder_maps(me, t)) return -EBUSY;
    /* Its own children pass to the caller, which had power over their builder. */
    for (unsigned i = 0; i < domid_end; i++) {
        struct domain *c = domain_lookup((domid_t)i);
        if (c && c != t && c->parent == t->id) c->parent = me->id;
    }
    domain_destroy(t);
    return 0;
}

static long unpause_domain(struct domain *me, struct domain *t)
{
    if (t->state != DOM_PAUSED) return -EINVAL; /* Xen: not paused by the controller */
    mm_lock_pair(me, t);
    bool busy = mm_maps_foreign(me, t->id);
    bool first = !t->has_run;
    if (!busy) t->has_run = true; /* from here on: foreign access only frozen */
    mm_unlock_pair(me, t);
    if (busy) return -EBUSY;
    if (first) printk("tessera: domain %u started by domain %u\n", t->id, me->id);
    domain_unpause(t);
    return 0;
}

/* Xen's resumedomain after a save that keeps the domain (a checkpoint, or a
 * failed save): the suspend hypercall returns 1, "cancelled", and the domain
 * runs on.  Xen's toolstack sets that return value with setvcpucontext,
 * which Tessera allows only before a domain first runs: here the core does. */
static long resume_domain(struct domain *me, struct domain *t)
{
    if (t->state != DOM_SHUTDOWN || t->shutdown_reason != SHUTDOWN_suspend) return -EINVAL;
    if (builder_maps(me, t)) return -EBUSY;
    domain_pause(t); /* off every pCPU before its registers change */
    t->vcpu[t->suspend_vcpu]->arch.regs.rax = 1;
    t->shutdown_code = -1;
    t->state = DOM_PAUSED;
    domain_unpause(t);
    return 0;
}

/* Xen's getpageframeinfo3 (a save): each MFN of the array becomes its type,
 * XTAB for a frame that is not an ordinary frame of t. */
static long page_frame_info(struct domain *t, struct xen_domctl_getpageframeinfo3 *p)
{
    if (p->num > 1024) return -E2BIG;
    if (t->has_run && !domain_frozen(t) && !t->log_dirty) return -EBUSY; /* a migration's rounds */
    for (uint64_t i = 0; i < p->num; i++) {
        uint64_t at = (uint64_t)p->array.p + i * 8, m, type = XEN_DOMCTL_PFINFO_XTAB;
        if (copy_from_guest(&m, at, 8)) return -EFAULT;
        const struct page_info *pg = mfn_valid(m) ? mfn_to_page(m) : NULL;
        if (pg && pg->owner == t->id && (pg->flags & PGF_allocated)) {
            type = XEN_DOMCTL_PFINFO_NOTAB;
            if (pg->type_count && pg->type >= PGT_l1 && pg->type <= PGT_l4)
                type = (uint64_t)(pg->type - PGT_l1 + 1) << XEN_DOMCTL_PFINFO_LTAB_SHIFT |
                       (pg->flags & PGF_pinned ? XEN_DOMCTL_PFINFO_LPINTAB : 0);
        }
        if (copy_to_guest(at, &type, 8)) return -EFAULT;
    }
    return 0;
}

static long pause_domain(struct domain *t)
{
    domain_pause(t); /* paused or shut down already: nothing to do */
    return 0;
}

static long max_mem(struct domain *t, const struct xen_domctl_max_mem *m)
{
    spin_lock(&t->lock);
    t->max_pages = m->max_memkb >> (PAGE_SHIFT - 10); /* may ratchet below tot_pages */
    spin_unlock(&t->lock);
    return 0;
}

/* ---- capabilities and scheduling ---- */

static long set_caps(struct domain *me, struct domain *t, struct xen_domctl *op)
{
    const struct tessera_domctl_caps *c = tessera_domctl_u(op, struct tessera_domctl_caps);

    if ((c->caps & ~TESSERA_CAP_ALL) || c->pad) return -EINVAL;
    if ((c->caps & ~me->caps) || t->has_run) return -EPERM; /* never more than the creator; fixed once run */
    t->caps = c->caps;
    return 0;
}

static long get_caps(const struct domain *t, struct xen_domctl *op, bool *copyback)
{
    struct tessera_domctl_caps *c = tessera_domctl_u(op, struct tessera_domctl_caps);

    c->caps = t->caps;
    c->pad = 0;
    *copyback = true;
    return 0;
}

/* Credit-scheduler parameters (Xen: weight 0 and cap 0xffff mean "unchanged"). */
static long sched_op(struct domain *me, struct domain *t, struct xen_domctl *op, bool *copyback)
{
    struct xen_domctl_scheduler_op *s = &op->u.scheduler_op;

    if (s->sched_id != XEN_SCHEDULER_CREDIT) return -EINVAL;
    switch (s->cmd) {
    case XEN_DOMCTL_SCHEDOP_getinfo:
        s->u.credit.weight = (uint16_t)t->sched.weight;
        s->u.credit.cap = (uint16_t)t->sched.cap;
        *copyback = true;
        return 0;
    case XEN_DOMCTL_SCHEDOP_putinfo:
        if (!has_cap(me, CAP_SCHED)) return -EPERM;
        return sp_set_params(t, s->u.credit.weight ? s->u.credit.weight : t->sched.weight,
                             s->u.credit.cap != 0xffff ? s->u.credit.cap : t->sched.cap);
    }
    return -EINVAL;
}

/* ---- setvcpucontext ---- */

/* The context buffer (5 KiB: too big for the stack); used under the build lock. */
static struct vcpu_guest_context ctxt;

/* What a vCPU context holds references on: the kernel and user L4s and the GDT frames. */
struct vcpu_refs {
    mfn_t l4, l4u;
    unsigned nr_gdt;
    mfn_t gdt[MAX_GDT_FRAMES];
};

static bool canonical(uint64_t a) { return (uint64_t)((int64_t)(a << 16) >> 16) == a; }

/* Xen's arch_set_info_guest checks for a 64-bit PV vCPU that is not yet up. */
static long check_context(const struct vcpu *v, const struct vcpu_guest_context *c)
{
    const struct cpu_user_regs *r = &c->user_regs;

    if (!canonical(r->rip) || !canonical(r->rsp) || !canonical(c->kernel_sp) ||
        (c->ldt_ents && !canonical(c->ldt_base)) || !canonical(c->fs_base) || !canonical(c->gs_base_kernel) ||
        !canonical(c->gs_base_user) || !canonical(c->event_callback_eip) ||
        !canonical(c->syscall_callback_eip) || !canonical(c->failsafe_callback_eip))
        return -EINVAL;
    for (unsigned i = 0; i < ARRAY_SIZE(c->trap_ctxt); i++)
        if (!canonical(c->trap_ctxt[i].address)) return -EINVAL;
    /* Xen's __addr_ok: the LDT's start in guest space, whatever its size. */
    if ((c->ldt_base & (PAGE_SIZE - 1)) || c->ldt_ents > 8192 || !guest_range_ok(c->ldt_base, 1))
        return -EINVAL;
    if (c->gdt_ents > FIRST_RESERVED_GDT_ENTRY) return -EINVAL;
    if (v->id == 0 && (c->vm_assist & ~VMASST_PV64_VALID)) return -EINVAL;
    if (!(c->flags & VGCF_in_kernel) && !c->ctrlreg[1])
        return -EINVAL; /* starting in user mode needs a user L4 */
    return 0;
}

static void put_refs(const struct vcpu_refs *r)
{
    if (r->l4 != INVALID_MFN) put_page_and_type(mfn_to_page(r->l4));
    if (r->l4u != INVALID_MFN) put_page_and_type(mfn_to_page(r->l4u));
    for (unsigned i = 0; i < r->nr_gdt; i++)
        put_page_and_type(mfn_to_page(r->gdt[i]));
}

/* Take the references the new context holds (t->lock held); all or none. */
static long get_refs(struct domain *t, const struct vcpu_guest_context *c, struct vcpu_refs *r)
{
    *r = (struct vcpu_refs){ .l4 = INVALID_MFN, .l4u = INVALID_MFN };
    mfn_t l4 = xen_cr3_to_pfn(c->ctrlreg[3]), l4u = xen_cr3_to_pfn(c->ctrlreg[1]);

    /* As Xen's arch_set_info_guest: the context takes its own L4 type reference,
     * validating the table if nobody holds it as an L4 yet (no pin needed). */
    if (get_root_table(t, l4)) return -EINVAL;
    r->l4 = l4;
    if (c->ctrlreg[1] && get_root_table(t, l4u)) goto fail;
    r->l4u = c->ctrlreg[1] ? l4u : INVALID_MFN;
    for (unsigned n = (unsigned)(c->gdt_ents + 511) / 512; r->nr_gdt < n; r->nr_gdt++) {
        mfn_t g = c->gdt_frames[r->nr_gdt];
        if (!mfn_valid(g) || get_page_and_type(g, t, PGT_seg_desc)) goto fail;
        r->gdt[r->nr_gdt] = g;
    }
    return 0;
fail:
    put_refs(r);
    return -EINVAL;
}

/* Drop what v's current context holds (t->lock held). */
static void put_vcpu_refs(struct vcpu *v)
{
    struct vcpu_refs r = { .l4 = v->arch.guest_table,
                           .l4u = v->arch.guest_table_user,
                           .nr_gdt = (v->arch.gdt_ents + 511) / 512 };

    for (unsigned i = 0; i < r.nr_gdt; i++)
        r.gdt[i] = v->arch.gdt_frames[i];
    put_refs(&r);
    v->arch.guest_table = v->arch.guest_table_user = INVALID_MFN;
    v->arch.gdt_ents = 0;
}

static uint16_t guest_sel(uint16_t sel, uint16_t null_default)
{
    return sel ? sel | 3 : null_default; /* the guest kernel runs in ring 3 */
}

static void load_regs(struct vcpu *v, const struct cpu_user_regs *u)
{
    struct cpu_regs *r = &v->arch.regs;

    *r = (struct cpu_regs){
        .r15 = u->r15,
        .r14 = u->r14,
        .r13 = u->r13,
        .r12 = u->r12,
        .rbp = u->rbp,
        .rbx = u->rbx,
        .r11 = u->r11,
        .r10 = u->r10,
        .r9 = u->r9,
        .r8 = u->r8,
        .rax = u->rax,
        .rcx = u->rcx,
        .rdx = u->rdx,
        .rsi = u->rsi,
        .rdi = u->rdi,
        .rip = u->rip,
        .rsp = u->rsp,
        .cs = guest_sel(u->cs, FLAT_KERNEL_CS),
        .ss = guest_sel(u->ss, FLAT_KERNEL_SS),
        /* IOPL is virtual; real interrupts stay enabled (Xen). */
        .rflags = (u->rflags & ~X86_EFLAGS_IOPL) | X86_EFLAGS_IF | X86_EFLAGS_MBS,
    };
    v->arch.iopl = (u->rflags & X86_EFLAGS_IOPL) >> 12;
    v->arch.ds = u->ds;
    v->arch.es = u->es;
    v->arch.fs = u->fs;
    v->arch.gs = u->gs;
}

static void load_context(struct vcpu *v, const struct vcpu_guest_context *c)
{
    struct arch_vcpu *a = &v->arch;

    load_regs(v, &c->user_regs);
    a->kernel_mode = c->flags & VGCF_in_kernel;
    a->kernel_ss = guest_sel((uint16_t)c->kernel_ss, FLAT_KERNEL_SS);
    a->kernel_sp = c->kernel_sp;
    a->fs_base = c->fs_base;
    a->gs_base_kernel = c->gs_base_kernel;
    a->gs_base_user = c->gs_base_user;
    a->event_callback = c->event_callback_eip;
    a->failsafe_callback = c->failsafe_callback_eip;
    a->syscall_callback = c->syscall_callback_eip;
    a->syscall_mask_events = !!(c->flags & VGCF_syscall_disables_events);
    for (unsigned i = 0; i < ARRAY_SIZE(c->trap_ctxt); i++) /* indexed by vector */
        a->traps[i] = (struct trap_bounce_entry){ c->trap_ctxt[i].address, (uint16_t)(c->trap_ctxt[i].cs | 3),
                                                  c->trap_ctxt[i].flags };
    a->ldt_base = c->ldt_ents ? c->ldt_base : 0;
    a->ldt_ents = (unsigned)c->ldt_ents;
    if (c->flags & VGCF_I387_VALID) memcpy(a->fpu_area, &c->fpu_ctxt, sizeof(a->fpu_area));
    a->fpu_ts = c->ctrlreg[0] & 8; /* CR0.TS is the only CR0 bit a guest owns */
    if (v->id == 0) v->domain->vm_assist = c->vm_assist;
    /* Debug registers through Xen's checks; a refused value leaves the default. */
    memset(a->debugreg, 0, sizeof(a->debugreg));
    a->debugreg[6] = 0xffff0ff0;
    a->debugreg[7] = 0x400;
    a->dr7_emul = 0;
    for (unsigned i = 0; i < 8; i++)
        if (i != 4 && i != 5) set_debugreg(v, i, c->debugreg[i]);
}

/* Install the roots: kernel L4, user L4 (m2p_strict: without the RO M2P), GDT. */
static void install_refs(struct vcpu *v, const struct vcpu_refs *r)
{
    bool strict = v->domain->vm_assist & (1UL << VMASST_TYPE_m2p_strict);

    if (!strict) mm_set_ro_mpt(r->l4, true);
    if (r->l4u != INVALID_MFN && strict) mm_set_ro_mpt(r->l4u, false);
    v->arch.guest_table = r->l4;
    v->arch.guest_table_user = r->l4u;
    for (unsigned i = 0; i < r->nr_gdt; i++)
        v->arch.gdt_frames[i] = r->gdt[i];
    v->arch.gdt_ents = (unsigned)ctxt.gdt_ents;
}

/* Install the context in the buffer (build lock held). */
static long apply_context(struct domain *t, struct vcpu *v)
{
    struct vcpu_refs r;
    long rc;

    if ((rc = check_context(v, &ctxt))) return rc;
    spin_lock(&t->lock);
    if (!(rc = get_refs(t, &ctxt, &r))) {
        put_vcpu_refs(v);
        load_context(v, &ctxt);
        install_refs(v, &r);
        v->online = ctxt.flags & VGCF_online;
        v->initialised = true;
    }
    spin_unlock(&t->lock);
    return rc;
}

/* A NULL context takes the vCPU down again (Xen's vcpu_reset). */
long vcpu_set_context(struct domain *t, struct vcpu *v, uint64_t uctxt)
{
    if (!uctxt) {
        spin_lock(&t->lock);
        put_vcpu_refs(v);
        v->online = false;
        spin_unlock(&t->lock);
        return 0;
    }
    if (copy_from_guest(&ctxt, uctxt, sizeof(ctxt))) return -EFAULT;
    return apply_context(t, v);
}

/* VCPUOP_initialise: a context once per vCPU, brought up later by VCPUOP_up.  The
 * build lock guards the shared context buffer; like Xen, the context is read
 * before the vCPU's state is looked at. */
long vcpu_initialise(struct domain *t, struct vcpu *v, uint64_t uctxt)
{
    long rc = uctxt ? build_lock_acquire() : -EFAULT;
    if (rc) return rc;
    if (copy_from_guest(&ctxt, uctxt, sizeof(ctxt)))
        rc = -EFAULT;
    else if (v->initialised)
        rc = -EEXIST;
    else if (!(rc = apply_context(t, v)))
        v->online = false;
    build_lock_release();
    return rc;
}

static long domctl_set_vcpu_context(struct domain *t, const struct xen_domctl_vcpucontext *vc)
{
    if (vc->vcpu >= t->nr_vcpus || !t->vcpu[vc->vcpu]) return -EINVAL;
    if (t->has_run) return -EPERM; /* only a domain being built */
    return vcpu_set_context(t, t->vcpu[vc->vcpu], (uint64_t)vc->ctxt.p);
}

/* ---- getvcpucontext ---- */

static void save_regs(const struct vcpu *v, struct cpu_user_regs *u)
{
    const struct cpu_regs *r = &v->arch.regs;

    *u = (struct cpu_user_regs){
        .r15 = r->r15,
        .r14 = r->r14,
        .r13 = r->r13,
        .r12 = r->r12,
        .rbp = r->rbp,
        .rbx = r->rbx,
        .r11 = r->r11,
        .r10 = r->r10,
        .r9 = r->r9,
        .r8 = r->r8,
        .rax = r->rax,
        .rcx = r->rcx,
        .rdx = r->rdx,
        .rsi = r->rsi,
        .rdi = r->rdi,
        .rip = r->rip,
        .cs = (uint16_t)r->cs,
        .rsp = r->rsp,
        .ss = (uint16_t)r->ss,
        .rflags = (r->rflags & ~X86_EFLAGS_IOPL) | ((uint64_t)v->arch.iopl << 12),
        .ds = v->arch.ds,
        .es = v->arch.es,
        .fs = v->arch.fs,
        .gs = v->arch.gs,
    };
}

/* The inverse of load_context/install_refs, into the static buffer. */
static void save_context(const struct vcpu *v)
{
    const struct arch_vcpu *a = &v->arch;

    memset(&ctxt, 0, sizeof(ctxt));
    memcpy(&ctxt.fpu_ctxt, a->fpu_area, sizeof(ctxt.fpu_ctxt));
    ctxt.flags = VGCF_i387_valid | (a->kernel_mode ? VGCF_in_kernel : 0) | (v->online ? VGCF_online : 0) |
                 (a->syscall_mask_events ? VGCF_syscall_disables_events : 0);
    save_regs(v, &ctxt.user_regs);
    for (unsigned i = 0; i < ARRAY_SIZE(ctxt.trap_ctxt); i++)
        ctxt.trap_ctxt[i] =
            (struct trap_info){ (uint8_t)i, a->traps[i].flags, a->traps[i].cs, a->traps[i].address };
    ctxt.ldt_base = a->ldt_base;
    ctxt.ldt_ents = a->ldt_ents;
    for (unsigned i = 0; i < (a->gdt_ents + 511) / 512; i++)
        ctxt.gdt_frames[i] = a->gdt_frames[i];
    ctxt.gdt_ents = a->gdt_ents;
    ctxt.kernel_ss = a->kernel_ss;
    ctxt.kernel_sp = a->kernel_sp;
    ctxt.ctrlreg[0] = a->fpu_ts ? 8 : 0;
    ctxt.ctrlreg[3] = xen_pfn_to_cr3(a->guest_table);
    ctxt.ctrlreg[1] = a->guest_table_user == INVALID_MFN ? 0 : xen_pfn_to_cr3(a->guest_table_user);
    ctxt.ctrlreg[4] = a->vcr4;
    memcpy(ctxt.debugreg, a->debugreg, sizeof(ctxt.debugreg));
    ctxt.debugreg[7] |= a->dr7_emul; /* as get_debugreg shows it (Xen) */
    ctxt.event_callback_eip = a->event_callback;
    ctxt.failsafe_callback_eip = a->failsafe_callback;
    ctxt.syscall_callback_eip = a->syscall_callback;
    ctxt.vm_assist = v->domain->vm_assist;
    ctxt.fs_base = a->fs_base;
    ctxt.gs_base_kernel = a->gs_base_kernel;
    ctxt.gs_base_user = a->gs_base_user;
}

/* Xen: -ENODATA for a vCPU that never got a context.  Tessera: a domain
 * that has run must be paused or shut down (-EBUSY), and is off every pCPU
 * before its registers are read. */
static long domctl_get_vcpu_context(struct domain *t, const struct xen_domctl_vcpucontext *vc)
{
    if (vc->vcpu >= t->nr_vcpus || !t->vcpu[vc->vcpu]) return -EINVAL;
    struct vcpu *v = t->vcpu[vc->vcpu];
    if (v->arch.guest_table == INVALID_MFN) return -XEN_ENODATA;
    if (t->has_run && !domain_frozen(t)) return -EBUSY;
    domain_pause(t);
    save_context(v);
    return copy_to_guest((uint64_t)vc->ctxt.p, &ctxt, sizeof(ctxt)) ? -EFAULT : 0;
}

/* ---- dispatch ---- */

/* Operations on a domain the caller created (t). */
static long domain_op(struct domain *me, struct domain *t, struct xen_domctl *op, bool *copyback)
{
    switch (op->cmd) {
    case XEN_DOMCTL_destroydomain:
        return destroy_domain(me, t);
    case XEN_DOMCTL_pausedomain:
        return pause_domain(t);
    case XEN_DOMCTL_unpausedomain:
        return unpause_domain(me, t);
    case XEN_DOMCTL_resumedomain:
        return resume_domain(me, t);
    case XEN_DOMCTL_getpageframeinfo3:
        return page_frame_info(t, &op->u.getpageframeinfo3);
    case XEN_DOMCTL_max_mem:
        return max_mem(t, &op->u.max_mem);
    case XEN_DOMCTL_max_vcpus: /* fixed at createdomain, as in Xen 4.17 */
        return op->u.max_vcpus.max == t->nr_vcpus ? 0 : -EINVAL;
    case XEN_DOMCTL_setvcpucontext:
        return domctl_set_vcpu_context(t, &op->u.vcpucontext);
    case XEN_DOMCTL_getvcpucontext:
        return domctl_get_vcpu_context(t, &op->u.vcpucontext);
    case XEN_DOMCTL_scheduler_op:
        return sched_op(me, t, op, copyback);
    case XEN_DOMCTL_ioport_permission:
        return ioport_set(me, t, op->u.ioport_permission.first_port, op->u.ioport_permission.nr_ports,
                          op->u.ioport_permission.allow_access);
    case XEN_DOMCTL_assign_device:
    case XEN_DOMCTL_deassign_device: {
        const struct xen_domctl_assign_device *a = &op->u.assign_device;
        if (a->dev != XEN_DOMCTL_DEV_PCI || (a->flags & ~XEN_DOMCTL_DEV_RDM_RELAXED) ||
            (a->u.pci.machine_sbdf >> 16))
            return a->dev != XEN_DOMCTL_DEV_PCI ? -EOPNOTSUPP : -ENODEV;
        return op->cmd == XEN_DOMCTL_assign_device ? pci_assign(t, a->u.pci.machine_sbdf)
                                                   : pci_deassign(t, a->u.pci.machine_sbdf);
    }
    case XEN_DOMCTL_shadow_op: /* log-dirty mode (logdirty.c) */
        *copyback = true;
        return logdirty_op(t, &op->u.shadow_op);
    case TESSERA_DOMCTL_set_capabilities:
        return set_caps(me, t, op);
    case TESSERA_DOMCTL_get_capabilities:
        return get_caps(t, op, copyback);
    }
    return -ENOSYS; /* gethvmcontext, ... */
}

static long domctl_locked(struct domain *me, struct xen_domctl *op, bool *copyback)
{
    switch (op->cmd) {
    case XEN_DOMCTL_createdomain:
        return create_domain(me, op, copyback);
    case XEN_DOMCTL_getdomaininfo:
        return get_domain_info(me, op, copyback);
    }
    struct domain *t = domain_lookup(op->domain);
    if (!t) return -ESRCH;
    if (op->cmd == XEN_DOMCTL_getvcpuinfo || op->cmd == XEN_DOMCTL_getvcpuaffinity) { /* of itself too */
        if (!visible(me, t)) return -EPERM;
        *copyback = op->cmd == XEN_DOMCTL_getvcpuinfo;
        return *copyback ? vcpu_info(t, &op->u.getvcpuinfo) : vcpu_affinity(t, &op->u.vcpuaffinity);
    }
    if (t->parent != me->id) return -EPERM; /* only what it created */
    return domain_op(me, t, op, copyback);
}

long do_domctl(uint64_t arg, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct domain *me = current->domain;
    struct xen_domctl op;
    bool copyback = false;
    long rc;

    (void)a2;
    (void)a3;
    (void)a4;
    (void)a5;
    if (copy_from_guest(&op, arg, sizeof(op))) return -EFAULT;
    if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION) return -EACCES;
    if (copy_to_guest(arg, &op, sizeof(op))) return -EFAULT; /* results go back here: check before acting */
    if (op.cmd == TESSERA_DOMCTL_get_capabilities && is_self(me, op.domain)) {
        rc = get_caps(me, &op, &copyback); /* anyone may ask about itself */
    } else if (!has_cap(me, CAP_BUILD)) {
        /* Xen looks the target up before its permission check. */
        if (op.cmd == XEN_DOMCTL_getdomaininfo && op.domain >= DOMID_FIRST_RESERVED) return -EINVAL;
        if (op.cmd != XEN_DOMCTL_createdomain && !domain_lookup(op.domain)) return -ESRCH;
        return -EPERM;
    } else {
        if ((rc = build_lock_acquire())) return rc;
        rc = domctl_locked(me, &op, &copyback);
        build_lock_release();
    }
    if (copyback && copy_to_guest(arg, &op, sizeof(op))) rc = -EFAULT;
    if (rc == LOGDIRTY_RESTART && op.cmd == XEN_DOMCTL_shadow_op) /* its progress went back in op */
        return hypercall_continue(__HYPERVISOR_domctl, 1, &arg);
    return rc;
}
