/* Log-dirty mode (kernel/arch/x86/logdirty.c, docs/migration.md) on the fake
 * machine: a running child with one L1 table; the CPU's dirty bits are set by
 * hand where the hardware would set them, the core's own stores come from the
 * child's hypercalls.  Each report is checked bit by bit: exactly the PFNs
 * written, nothing else; and every refusal of docs/capabilities.md. */
#include "dtest.h"
#include "fake_continuation.h"

static struct xen_domctl dc;
static uint8_t bm[8];

static long domctl(uint32_t cmd, domid_t dom)
{
    dc.cmd = cmd;
    dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    dc.domain = dom;
    return do_domctl((uint64_t)&dc, 0, 0, 0, 0);
}

static long shadow(uint32_t sop, domid_t dom, void *bitmap, uint64_t pages)
{
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.shadow_op.op = sop;
    dc.u.shadow_op.dirty_bitmap.p = bitmap;
    dc.u.shadow_op.pages = pages;
    memset(bm, 0xff, sizeof(bm)); /* the report must clear what it does not set */
    return domctl(XEN_DOMCTL_shadow_op, dom);
}

/* The bitmap holds exactly the PFNs in `want` (a bit mask of PFNs 0..7). */
static bool bits(unsigned want) { return bm[0] == want && !bm[1] && !bm[7]; }

struct child {
    domid_t id;
    struct domain *d;
    mfn_t pfn[8];
};

/* Built and running: L4 0 -> L3 1 -> L2 2 -> L1 3; L1 maps PFNs 4-6 writable
 * (dirty), 7 and the tables read-only.  PFN i's M2P entry is i. */
static struct child running_child(void)
{
    struct child c;
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.createdomain.max_vcpus = 1;
    dc.u.createdomain.max_grant_frames = -1;
    CHECK_EQ(domctl(XEN_DOMCTL_createdomain, 0), 0, "logdirty: createdomain");
    c.id = dc.domain;
    c.d = domain_lookup(c.id);
    dc.u.max_mem.max_memkb = 8 * 4;
    CHECK_EQ(domctl(XEN_DOMCTL_max_mem, c.id), 0, "logdirty: max_mem");
    for (unsigned i = 0; i < 8; i++) {
        c.pfn[i] = fake_alloc(c.d);
        m2p_table[c.pfn[i]] = i;
    }
    for (unsigned i = 0; i < 3; i++)
        fake_table(c.pfn[i])[0] = pte(c.pfn[i + 1], PTE_P | PTE_RW);
    uint64_t *l1 = fake_table(c.pfn[3]);
    for (unsigned i = 4; i < 7; i++)
        l1[i - 4] = pte(c.pfn[i], RW_FLAGS);
    l1[3] = pte(c.pfn[7], RO_FLAGS);
    for (unsigned i = 0; i < 4; i++)
        l1[4 + i] = pte(c.pfn[i], RO_FLAGS);
    CHECK_EQ(ext(MMUEXT_PIN_L4_TABLE, c.pfn[0], c.id), 0, "logdirty: pin the child's L4");
    c.d->vcpu[0]->vcpu_info_mfn = INVALID_MFN;
    CHECK_EQ(domctl(XEN_DOMCTL_unpausedomain, c.id), 0, "logdirty: child running");
    return c;
}

static void refusals(const struct child *c, mfn_t bl1)
{
    CHECK_EQ(mmu(bl1 << PAGE_SHIFT, pte(c->pfn[4], RO_FLAGS), c->id), -EPERM,
             "logdirty: no read-only mapping of a running child before ENABLE");
    builder->caps = CAP_ALL & ~CAP_BUILD;
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, c->id, NULL, 0), -EPERM, "logdirty: without BUILD");
    builder->caps = CAP_ALL;
    c->d->parent = 7;
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, c->id, NULL, 0), -EPERM,
             "logdirty: by a non-creator");
    c->d->parent = builder->id;
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, 0, NULL, 0), -EPERM,
             "logdirty: on itself (not its creator)");
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_CLEAN, 999, NULL, 0), -ESRCH, "logdirty: no such domain");
    CHECK_EQ(shadow(99, c->id, NULL, 0), -EINVAL, "logdirty: unknown sub-op");
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_ENABLE, c->id, NULL, 0), -EINVAL,
             "logdirty: ENABLE without LOG_DIRTY");
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_OFF, c->id, NULL, 0), 0, "logdirty: OFF when off");
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_CLEAN, c->id, bm, 64), 0, "logdirty: CLEAN when off");
    CHECK(bits(0) && !c->d->log_dirty, "logdirty: CLEAN when off reports nothing");
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_GET_ALLOCATION, c->id, NULL, 0), 0, "logdirty: GET_ALLOCATION");
    CHECK_EQ(dc.u.shadow_op.mb, 0, "logdirty: no shadow pool");
}

static void rounds(const struct child *c, mfn_t bl1)
{
    uint64_t *l1 = fake_table(c->pfn[3]);
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, c->id, NULL, 0), 0, "logdirty: ENABLE_LOGDIRTY");
    CHECK(c->d->log_dirty && !(l1[0] & PTE_D) && !(l1[1] & PTE_D) && (l1[3] & PTE_A),
          "logdirty: ENABLE cleared the dirty bits of writable entries");
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, c->id, NULL, 0), -EINVAL, "logdirty: ENABLE twice");
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_CLEAN, c->id, bm, 64), 0, "logdirty: CLEAN after ENABLE");
    CHECK(bits(0) && dc.u.shadow_op.stats.dirty_count == 0 && dc.u.shadow_op.pages == 64,
          "logdirty: nothing written yet");
    /* The guest writes PFN 5 (the CPU sets D); the core clears PFN 6 for it. */
    l1[1] |= PTE_D;
    fake_set_current(c->d);
    CHECK_EQ(ext(MMUEXT_CLEAR_PAGE, c->pfn[6], DOMID_SELF), 0, "logdirty: the child clears PFN 6");
    fake_set_current(builder);
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_PEEK, c->id, bm, 64), 0, "logdirty: PEEK");
    CHECK(bits(1u << 5 | 1u << 6), "logdirty: PEEK reports exactly PFNs 5 and 6");
    CHECK(dc.u.shadow_op.stats.dirty_count == 2 && dc.u.shadow_op.stats.fault_count == 1,
          "logdirty: PEEK counts 2 pages, 1 dirty entry");
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_PEEK, c->id, bm, 64), 0, "logdirty: PEEK again");
    CHECK(bits(1u << 5 | 1u << 6) && (l1[1] & PTE_D), "logdirty: PEEK cleaned nothing");
    int flushes = n_flush_domain;
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_CLEAN, c->id, bm, 64), 0, "logdirty: CLEAN");
    CHECK(bits(1u << 5 | 1u << 6) && !(l1[1] & PTE_D) && n_flush_domain > flushes,
          "logdirty: CLEAN reports 5 and 6, clears D, flushes the child's TLBs");
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_CLEAN, c->id, bm, 64), 0, "logdirty: CLEAN again");
    CHECK(bits(0), "logdirty: nothing written since");
    /* A dirty entry the child removes (mmu_update) leaves its page marked,
     * and the L1 table it changed too. */
    l1[2] |= PTE_D;
    fake_set_current(c->d);
    CHECK_EQ(mmu((c->pfn[3] << PAGE_SHIFT) + 16, 0, DOMID_SELF), 0, "logdirty: the child unmaps PFN 6");
    fake_set_current(builder);
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_CLEAN, c->id, bm, 64), 0, "logdirty: CLEAN after the unmap");
    CHECK(bits(1u << 3 | 1u << 6), "logdirty: the removed entry's page and the L1 table");
    /* vcpu_info: the core's event flags. */
    c->d->vcpu[0]->vcpu_info_mfn = c->pfn[7];
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_CLEAN, c->id, bm, 64), 0, "logdirty: CLEAN with a vcpu_info page");
    CHECK(bits(1u << 7), "logdirty: the vcpu_info page is always reported");
    c->d->vcpu[0]->vcpu_info_mfn = INVALID_MFN;
    /* Bitmap sizes and buffers. */
    l1[0] |= PTE_D, l1[1] |= PTE_D;
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_PEEK, c->id, bm, 5), 0, "logdirty: PEEK of 5 bits");
    CHECK(bm[0] == (1u << 4) && bm[1] == 0xff && dc.u.shadow_op.stats.dirty_count == 2,
          "logdirty: a 5-bit bitmap gets PFN 4 only, its byte alone written");
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_PEEK, c->id, (void *)0x1000, 64), -EFAULT,
             "logdirty: unmapped bitmap");
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_PEEK, c->id, bm, 1ull << 40), -EFAULT,
             "logdirty: bitmap larger than its buffer");
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_PEEK, c->id, NULL, 64), 0, "logdirty: PEEK without a bitmap");
    CHECK_EQ(dc.u.shadow_op.stats.dirty_count, 2, "logdirty: counts without a bitmap");
    /* Continued: preemption due at every check. */
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.shadow_op.op = XEN_DOMCTL_SHADOW_OP_CLEAN;
    dc.u.shadow_op.dirty_bitmap.p = bm;
    dc.u.shadow_op.pages = 64;
    memset(bm, 0xff, sizeof(bm));
    fake_preempt(0);
    long rc = domctl(XEN_DOMCTL_shadow_op, c->id);
    unsigned n = 0;
    for (; rc == __HYPERVISOR_domctl && n < 100; n++)
        rc = domctl(XEN_DOMCTL_shadow_op, c->id);
    unsigned made = fake_cont.made;
    fake_preempt(-1);
    CHECK(rc == 0 && n == 2 * FAKE_FRAMES / 64 - 1 && made == n && dc.u.shadow_op.mb == 0,
          "logdirty: CLEAN continued every 64 frames");
    CHECK(bits(1u << 4 | 1u << 5) && dc.u.shadow_op.stats.dirty_count == 2 && !(l1[0] & PTE_D),
          "logdirty: the continued CLEAN's report is whole");
    /* The builder may read the running child while it logs. */
    CHECK_EQ(mmu(bl1 << PAGE_SHIFT, pte(c->pfn[4], RO_FLAGS), c->id), 0,
             "logdirty: read-only mapping of the running child");
    CHECK_EQ(mmu((bl1 << PAGE_SHIFT) + 8, pte(c->pfn[5], RW_FLAGS), c->id), -EPERM,
             "logdirty: writable mapping refused");
    CHECK_EQ(mmu(bl1 << PAGE_SHIFT, 0, DOMID_SELF), 0, "logdirty: unmap");
    static uint64_t arr[2];
    fake_guest_map(arr, sizeof(arr), true);
    arr[0] = c->pfn[0];
    arr[1] = c->pfn[5];
    CHECK(frame_info(c->id, arr, 2) == 0 && arr[0] == (XEN_DOMCTL_PFINFO_L4TAB | XEN_DOMCTL_PFINFO_LPINTAB) &&
              arr[1] == XEN_DOMCTL_PFINFO_NOTAB,
          "logdirty: page types of the running child");
    CHECK_EQ(shadow(XEN_DOMCTL_SHADOW_OP_OFF, c->id, NULL, 0), 0, "logdirty: OFF");
    CHECK(!c->d->log_dirty && (l1[0] & PTE_D) && (l1[1] & PTE_D) && !(l1[3] & PTE_D),
          "logdirty: OFF sets D in every writable entry, none in read-only ones");
    CHECK_EQ(mmu(bl1 << PAGE_SHIFT, pte(c->pfn[4], RO_FLAGS), c->id), -EPERM,
             "logdirty: no mapping of the running child after OFF");
    CHECK_EQ(frame_info(c->id, arr, 1), -EBUSY, "logdirty: no page types of the running child after OFF");
}

void test_logdirty(void)
{
    fake_reset();
    fake_guest_map(&dc, sizeof(dc), true);
    fake_guest_map(bm, sizeof(bm), true);
    mfn_t l4 = fake_alloc(builder), l3 = fake_alloc(builder), l2 = fake_alloc(builder);
    mfn_t bl1 = fake_alloc(builder);
    fake_table(l4)[0] = pte(l3, PTE_P | PTE_RW);
    fake_table(l3)[0] = pte(l2, PTE_P | PTE_RW);
    fake_table(l2)[0] = pte(bl1, PTE_P | PTE_RW);
    CHECK_EQ(ext(MMUEXT_PIN_L4_TABLE, l4, DOMID_SELF), 0, "logdirty: builder pins its own tree");
    struct child c = running_child();
    refusals(&c, bl1);
    rounds(&c, bl1);
    CHECK_EQ(domctl(XEN_DOMCTL_destroydomain, c.id), 0, "logdirty: destroy");
    CHECK(!builder->lock.locked, "logdirty: no lock left held");
}
