/* The build sequence of docs/capabilities.md, end to end on the fake machine:
 * createdomain -> set caps -> max_mem -> memory -> map the frames through a
 * foreign mmu_update -> write the image -> page tables -> unmap -> pin the L4
 * with a foreign mmuext_op -> setvcpucontext -> unpausedomain, with the
 * refusals of each step, and destruction returning every frame. */
#include "dtest.h"
#include <xen/vcpu.h>

static struct xen_domctl dc;
static struct mmu_update req;
static struct mmuext_op op;
static struct vcpu_guest_context ctx;
static uint32_t done;

static long domctl(uint32_t cmd, domid_t dom)
{
    dc.cmd = cmd;
    dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    dc.domain = dom;
    return do_domctl((uint64_t)&dc, 0, 0, 0, 0);
}

long mmu(uint64_t ptr, uint64_t val, domid_t dom)
{
    req = (struct mmu_update){ ptr, val };
    return do_mmu_update((uint64_t)&req, 1, (uint64_t)&done, dom, 0);
}

long ext(unsigned cmd, mfn_t m, domid_t dom)
{
    op = (struct mmuext_op){ .cmd = cmd };
    op.arg1.mfn = m;
    return do_mmuext_op((uint64_t)&op, 1, (uint64_t)&done, dom, 0);
}

static long set_ctx(domid_t dom, unsigned vcpu, void *c)
{
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.vcpucontext.vcpu = vcpu;
    dc.u.vcpucontext.ctxt.p = c;
    return domctl(XEN_DOMCTL_setvcpucontext, dom);
}

/* The builder's own pinned tree; its L1 receives the foreign mappings. */
static mfn_t builder_l1(void)
{
    mfn_t l4 = fake_alloc(builder), l3 = fake_alloc(builder), l2 = fake_alloc(builder);
    mfn_t l1 = fake_alloc(builder);
    fake_table(l4)[0] = pte(l3, PTE_P | PTE_RW);
    fake_table(l3)[0] = pte(l2, PTE_P | PTE_RW);
    fake_table(l2)[0] = pte(l1, PTE_P | PTE_RW);
    CHECK_EQ(ext(MMUEXT_PIN_L4_TABLE, l4, DOMID_SELF), 0, "build: builder pins its own tree");
    return l1;
}

struct child {
    domid_t id;
    struct domain *d;
    mfn_t pfn[8];
}; /* pfn 0..3 tables, 4.. data */

/* Steps 1-4: create, capabilities, memory limit, memory. */
static struct child create_child(void)
{
    struct child c = { 0 };
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.createdomain.max_vcpus = 2;
    dc.u.createdomain.max_grant_frames = -1;
    CHECK_EQ(domctl(XEN_DOMCTL_createdomain, 0), 0, "build: createdomain");
    c.id = dc.domain;
    c.d = domain_lookup(c.id);
    memset(&dc.u, 0, sizeof(dc.u));
    tessera_domctl_u(&dc, struct tessera_domctl_caps)->caps = CAP_CONSOLE;
    CHECK_EQ(domctl(TESSERA_DOMCTL_set_capabilities, c.id), 0, "build: set capabilities");
    dc.u.max_mem.max_memkb = 8 * 4;
    CHECK_EQ(domctl(XEN_DOMCTL_max_mem, c.id), 0, "build: max_mem 32 KiB");
    for (unsigned i = 0; i < 8; i++) /* what populate_physmap does */
        c.pfn[i] = fake_alloc(c.d);
    return c;
}

/* Steps 5-7: map every frame, write the image and the page tables, unmap. */
static void load_child(struct child *c, mfn_t bl1)
{
    bool ok = true;
    for (unsigned i = 0; i < 8; i++)
        ok &= mmu((bl1 << PAGE_SHIFT) + i * 8, pte(c->pfn[i], RW_FLAGS), c->id) == 0 &&
              mmu((c->pfn[i] << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, i, c->id) == 0;
    CHECK(ok, "build: map the child's frames and set their M2P (foreign mmu_update)");
    CHECK(m2p_table[c->pfn[5]] == 5, "build: M2P of the child's frame");
    fake_table(c->pfn[4])[0] = 0x90909090;                     /* "the image" */
    fake_table(c->pfn[0])[0] = pte(c->pfn[1], PTE_P | PTE_RW); /* L4 -> L3 */
    fake_table(c->pfn[1])[0] = pte(c->pfn[2], PTE_P | PTE_RW); /* L3 -> L2 */
    fake_table(c->pfn[2])[0] = pte(c->pfn[3], PTE_P | PTE_RW); /* L2 -> L1 */
    fake_table(c->pfn[3])[0] = pte(c->pfn[4], RW_FLAGS);       /* L1 -> image */
    fake_table(c->pfn[3])[1] = pte(c->pfn[0], RO_FLAGS);       /* tables read-only */
    CHECK_EQ(ext(MMUEXT_PIN_L4_TABLE, c->pfn[0], c->id), -EINVAL,
             "build: pin refused while the tables are mapped writable");
    CHECK_EQ(domctl(XEN_DOMCTL_unpausedomain, c->id), -EBUSY, "build: unpause refused while mapped");
    CHECK_EQ(domctl(XEN_DOMCTL_destroydomain, c->id), -EBUSY, "build: destroy refused while mapped");
    for (unsigned i = 0; i < 8; i++)
        ok &= mmu((bl1 << PAGE_SHIFT) + i * 8, 0, DOMID_SELF) == 0;
    CHECK(ok, "build: unmap the child's frames");
}

static void fill_ctx(const struct child *c)
{
    memset(&ctx, 0, sizeof(ctx));
    ctx.flags = VGCF_in_kernel | VGCF_online;
    ctx.user_regs.rip = 0xffffffff80001000UL;
    ctx.user_regs.rsp = 0xffffffff80004000UL;
    ctx.user_regs.rsi = 0xffffffff80002000UL;
    ctx.user_regs.rflags = X86_EFLAGS_IOPL;
    ctx.user_regs.cs = FLAT_KERNEL_CS & ~3;
    ctx.kernel_ss = FLAT_KERNEL_SS;
    ctx.kernel_sp = ctx.user_regs.rsp;
    ctx.ctrlreg[3] = xen_pfn_to_cr3(c->pfn[0]);
    ctx.event_callback_eip = 0xffffffff80001100UL;
    ctx.trap_ctxt[14] = (struct trap_info){ 14, 0, FLAT_KERNEL_CS, 0xffffffff80001200UL };
    ctx.vm_assist = 1UL << VMASST_TYPE_writable_pagetables;
}

/* Step 9's refusals: each leaves the vCPU untouched. */
static void context_refusals(const struct child *c)
{
    struct vcpu *v = c->d->vcpu[0];
    CHECK_EQ(ext(MMUEXT_PIN_L4_TABLE, c->pfn[0], c->id), 0, "build: pin the child's L4 (foreign mmuext)");
    CHECK_EQ(set_ctx(c->id, 2, &ctx), -EINVAL, "setvcpucontext: vCPU out of range");
    CHECK_EQ(set_ctx(c->id, 0, (void *)0x1000), -EFAULT, "setvcpucontext: bad context pointer");
    ctx.user_regs.rip = 0x0000900000000000UL;
    CHECK_EQ(set_ctx(c->id, 0, &ctx), -EINVAL, "setvcpucontext: non-canonical rip");
    fill_ctx(c);
    ctx.trap_ctxt[3].address = 0x8000000000000000UL;
    CHECK_EQ(set_ctx(c->id, 0, &ctx), -EINVAL, "setvcpucontext: non-canonical trap handler");
    fill_ctx(c);
    ctx.vm_assist = 1UL << 40;
    CHECK_EQ(set_ctx(c->id, 0, &ctx), -EINVAL, "setvcpucontext: unknown vm_assist");
    fill_ctx(c);
    ctx.flags = VGCF_online;
    CHECK_EQ(set_ctx(c->id, 0, &ctx), -EINVAL, "setvcpucontext: user mode without a user L4");
    fill_ctx(c);
    ctx.ctrlreg[3] = xen_pfn_to_cr3(c->pfn[1]);
    CHECK_EQ(set_ctx(c->id, 0, &ctx), -EINVAL, "setvcpucontext: CR3 not an L4");
    fill_ctx(c);
    ctx.gdt_ents = 1;
    ctx.gdt_frames[0] = c->pfn[3];
    CHECK_EQ(set_ctx(c->id, 0, &ctx), -EINVAL, "setvcpucontext: GDT frame that is a page table");
    CHECK(v->arch.guest_table == INVALID_MFN && !v->online && mfn_to_page(c->pfn[0])->type_count == 1,
          "setvcpucontext: refusals changed nothing");
    fill_ctx(c);
}

static void set_context(const struct child *c)
{
    struct vcpu *v = c->d->vcpu[0];
    CHECK_EQ(set_ctx(c->id, 0, &ctx), 0, "build: setvcpucontext");
    CHECK(v->arch.guest_table == c->pfn[0] && mfn_to_page(c->pfn[0])->type_count == 2,
          "setvcpucontext: CR3 reference taken");
    CHECK(v->online && v->arch.kernel_mode && v->arch.regs.rip == ctx.user_regs.rip &&
              v->arch.regs.rsi == ctx.user_regs.rsi && v->arch.regs.cs == FLAT_KERNEL_CS &&
              v->arch.kernel_ss == FLAT_KERNEL_SS && v->arch.event_callback == ctx.event_callback_eip,
          "setvcpucontext: registers, mode, callbacks");
    CHECK(v->arch.iopl == 3 && (v->arch.regs.rflags & X86_EFLAGS_IF) &&
              !(v->arch.regs.rflags & X86_EFLAGS_IOPL),
          "setvcpucontext: IOPL virtual, IF on");
    CHECK(v->arch.traps[14].address == 0xffffffff80001200UL && v->arch.traps[14].cs == FLAT_KERNEL_CS,
          "setvcpucontext: trap table");
    CHECK_EQ(c->d->vm_assist, 1UL << VMASST_TYPE_writable_pagetables, "setvcpucontext: vm_assist");
    CHECK_EQ(set_ctx(c->id, 0, &ctx), 0, "setvcpucontext: again");
    CHECK_EQ(mfn_to_page(c->pfn[0])->type_count, 2, "setvcpucontext: again keeps one CR3 reference");
    CHECK_EQ(set_ctx(c->id, 1, NULL), 0, "setvcpucontext: NULL resets vCPU 1");
    CHECK(!c->d->vcpu[1]->online, "setvcpucontext: vCPU 1 stays down");
}

/* getvcpucontext gives back what setvcpucontext installed. */
static void get_context(const struct child *c)
{
    static struct vcpu_guest_context out;
    fake_guest_map(&out, sizeof(out), true);
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.vcpucontext.vcpu = 1;
    dc.u.vcpucontext.ctxt.p = &out;
    CHECK_EQ(domctl(XEN_DOMCTL_getvcpucontext, c->id), -XEN_ENODATA, "getvcpucontext: vCPU without context");
    dc.u.vcpucontext.vcpu = 0;
    dc.u.vcpucontext.ctxt.p = (void *)&ctx; /* mapped read-only */
    CHECK_EQ(domctl(XEN_DOMCTL_getvcpucontext, c->id), -EFAULT, "getvcpucontext: read-only buffer");
    dc.u.vcpucontext.ctxt.p = &out;
    CHECK_EQ(domctl(XEN_DOMCTL_getvcpucontext, c->id), 0, "getvcpucontext: vCPU 0");
    CHECK(out.user_regs.rip == ctx.user_regs.rip && out.user_regs.rsi == ctx.user_regs.rsi &&
              out.ctrlreg[3] == ctx.ctrlreg[3] && out.kernel_sp == ctx.kernel_sp &&
              (out.flags & (VGCF_in_kernel | VGCF_online)) == (VGCF_in_kernel | VGCF_online) &&
              out.trap_ctxt[14].address == ctx.trap_ctxt[14].address &&
              (out.user_regs.rflags & X86_EFLAGS_IOPL) == X86_EFLAGS_IOPL,
          "getvcpucontext: what setvcpucontext installed");
}

static void after_start(const struct child *c, mfn_t bl1)
{
    CHECK_EQ(domctl(XEN_DOMCTL_unpausedomain, c->id), 0, "build: unpausedomain");
    CHECK(c->d->has_run && c->d->state == DOM_RUNNING, "build: child running");
    CHECK_EQ(mmu((bl1 << PAGE_SHIFT), pte(c->pfn[5], RO_FLAGS), c->id), -EPERM,
             "after run: foreign mmu_update refused");
    CHECK_EQ(mmu((c->pfn[5] << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, 0, c->id), -EPERM,
             "after run: foreign MACHPHYS refused");
    CHECK_EQ(ext(MMUEXT_UNPIN_TABLE, c->pfn[0], c->id), -EPERM, "after run: foreign unpin refused");
    CHECK_EQ(set_ctx(c->id, 0, &ctx), -EPERM, "after run: setvcpucontext refused");
    static struct vcpu_guest_context out;
    fake_guest_map(&out, sizeof(out), true);
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.vcpucontext.ctxt.p = &out;
    CHECK_EQ(domctl(XEN_DOMCTL_getvcpucontext, c->id), -EBUSY,
             "after run: getvcpucontext refused while running");
    CHECK_EQ(c->d->state, DOM_RUNNING, "after run: the refused getvcpucontext leaves the child running");
    memset(&dc.u, 0, sizeof(dc.u));
    CHECK_EQ(domctl(TESSERA_DOMCTL_set_capabilities, c->id), -EPERM, "after run: set caps refused");
}

long frame_info(domid_t dom, uint64_t *arr, uint64_t num)
{
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.getpageframeinfo3.num = num;
    dc.u.getpageframeinfo3.array.p = arr;
    return domctl(XEN_DOMCTL_getpageframeinfo3, dom);
}

/* A save's view of a domain that has run (docs/capabilities.md): its creator
 * holding BUILD reads its memory (read-only mappings), page types and vCPU
 * state while it is paused or shut down, and nothing else. */
static void frozen_access(const struct child *c, mfn_t bl1)
{
    static uint64_t arr[4];
    fake_guest_map(arr, sizeof(arr), true);
    uint64_t slot = bl1 << PAGE_SHIFT;
    arr[0] = c->pfn[0];
    CHECK_EQ(frame_info(c->id, arr, 1), -EBUSY, "frozen: getpageframeinfo3 refused while running");
    CHECK_EQ(mmu(slot, pte(c->pfn[4], RO_FLAGS), c->id), -EPERM, "frozen: no mapping while running");
    CHECK_EQ(domctl(XEN_DOMCTL_resumedomain, c->id), -EINVAL, "frozen: resumedomain of a running domain");
    CHECK_EQ(domctl(XEN_DOMCTL_pausedomain, c->id), 0, "frozen: pausedomain");
    get_context(c);
    CHECK_EQ(mmu(slot, pte(c->pfn[4], RW_FLAGS), c->id), -EPERM, "frozen: writable mapping refused");
    CHECK_EQ(mmu((c->pfn[5] << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, 0, c->id), -EPERM,
             "frozen: MACHPHYS refused");
    CHECK_EQ(ext(MMUEXT_UNPIN_TABLE, c->pfn[0], c->id), -EPERM, "frozen: foreign mmuext refused");
    CHECK_EQ(set_ctx(c->id, 0, &ctx), -EPERM, "frozen: setvcpucontext refused");
    builder->caps = CAP_ALL & ~CAP_BUILD;
    CHECK_EQ(mmu(slot, pte(c->pfn[4], RO_FLAGS), c->id), -EPERM, "frozen: mapping without BUILD");
    CHECK_EQ(domctl(XEN_DOMCTL_getvcpucontext, c->id), -EPERM, "frozen: getvcpucontext without BUILD");
    builder->caps = CAP_ALL;
    c->d->parent = 7;
    CHECK_EQ(mmu(slot, pte(c->pfn[4], RO_FLAGS), c->id), -EPERM, "frozen: mapping by a non-creator");
    CHECK_EQ(frame_info(c->id, arr, 1), -EPERM, "frozen: getpageframeinfo3 by a non-creator");
    c->d->parent = builder->id;
    CHECK_EQ(mmu(slot, pte(c->pfn[4], RO_FLAGS), c->id), 0, "frozen: read-only mapping of a data frame");
    CHECK_EQ(mmu(slot + 8, pte(c->pfn[0], RO_FLAGS), c->id), 0, "frozen: read-only mapping of its L4");
    CHECK_EQ(fake_table(c->pfn[4])[0], 0x90909090, "frozen: the data reads back");
    arr[0] = c->pfn[0], arr[1] = c->pfn[3], arr[2] = c->pfn[4], arr[3] = builder->shared_info_mfn;
    CHECK_EQ(frame_info(c->id, arr, 4), 0, "frozen: getpageframeinfo3");
    CHECK(arr[0] == (XEN_DOMCTL_PFINFO_L4TAB | XEN_DOMCTL_PFINFO_LPINTAB) &&
              arr[1] == XEN_DOMCTL_PFINFO_L1TAB && arr[2] == XEN_DOMCTL_PFINFO_NOTAB &&
              arr[3] == XEN_DOMCTL_PFINFO_XTAB,
          "frozen: pinned L4, L1, data, another's frame");
    CHECK_EQ(frame_info(c->id, arr, 1025), -E2BIG, "frozen: getpageframeinfo3 of 1025 frames");
    CHECK_EQ(domctl(XEN_DOMCTL_unpausedomain, c->id), -EBUSY, "frozen: unpause refused while mapped");
    CHECK_EQ(domctl(XEN_DOMCTL_destroydomain, c->id), -EBUSY, "frozen: destroy refused while mapped");
    /* Shut down for a suspend: still readable; resumedomain cancels it. */
    c->d->state = DOM_SHUTDOWN;
    c->d->shutdown_reason = SHUTDOWN_suspend;
    c->d->suspend_vcpu = 0;
    CHECK_EQ(mmu(slot + 16, pte(c->pfn[5], RO_FLAGS), c->id), 0, "frozen: mapping of a suspended domain");
    CHECK_EQ(domctl(XEN_DOMCTL_resumedomain, c->id), -EBUSY, "frozen: resume refused while mapped");
    bool ok = true;
    for (unsigned i = 0; i < 3; i++)
        ok &= mmu(slot + i * 8, 0, DOMID_SELF) == 0;
    CHECK(ok, "frozen: unmap");
    c->d->shutdown_reason = SHUTDOWN_poweroff;
    CHECK_EQ(domctl(XEN_DOMCTL_resumedomain, c->id), -EINVAL, "frozen: resume of a powered-off domain");
    c->d->shutdown_reason = SHUTDOWN_suspend;
    c->d->vcpu[0]->arch.regs.rax = 0;
    CHECK_EQ(domctl(XEN_DOMCTL_resumedomain, c->id), 0, "frozen: resumedomain");
    CHECK(c->d->state == DOM_RUNNING && c->d->vcpu[0]->arch.regs.rax == 1,
          "frozen: resumed running, the suspend hypercall returns 1 (cancelled)");
}

void test_build(void)
{
    fake_reset();
    fake_guest_map(&dc, sizeof(dc), true);
    fake_guest_map(&req, sizeof(req), false);
    fake_guest_map(&op, sizeof(op), false);
    fake_guest_map(&ctx, sizeof(ctx), false);
    fake_guest_map(&done, sizeof(done), true);
    mfn_t bl1 = builder_l1();
    uint64_t free_before = frames_free_count();

    struct child c = create_child();
    load_child(&c, bl1);
    fill_ctx(&c);
    context_refusals(&c);
    set_context(&c);
    get_context(&c);
    after_start(&c, bl1);
    frozen_access(&c, bl1);
    CHECK_EQ(domctl(XEN_DOMCTL_destroydomain, c.id), 0, "build: destroydomain");
    CHECK_EQ(frames_free_count(), free_before, "build: destroy returned every frame");
    CHECK(fake_counts_zero(bl1 + 1, FAKE_FRAMES, NULL), "build: no reference left on any child frame");
    CHECK(!builder->lock.locked, "build: no lock left held");
}
