/* Segment descriptors a PV guest may install in its GDT/LDT, and the GDT/LDT
 * hypercalls: set_gdt, update_descriptor, MMUEXT_SET_LDT and the LDT's mapping.  Code and data
 * descriptors are accepted with their DPL raised to 3 (the guest kernel runs in
 * ring 3); not-present and type-0 entries are harmless; call gates must target a
 * guest code selector, have no reserved bits set, and get DPL 0 (the DPL moves
 * into the target selector's RPL) so their use traps; everything else (TSS, LDT,
 * interrupt/trap gates) is refused. */
#include "types.h"
#include "pt.h"
#include "layout.h"

#define SEG_P             (1u << 15)
#define SEG_S             (1u << 12)
#define SEG_DPL           (3u << 13)
#define SEG_TYPE          (0xfu << 8)
#define TYPE_CALL_GATE_64 (0xcu << 8)

/* A gate's target (Xen's guest_gate_selector_okay): a guest GDT entry, an LDT
 * entry or the flat kernel code segment, never a hypervisor segment. */
static bool gate_selector_ok(uint16_t sel)
{
    return (sel >> 3) < FIRST_RESERVED_GDT_ENTRY || (sel & 4) || sel == FLAT_KERNEL_CS;
}

bool check_descriptor(uint64_t *desc)
{
    uint32_t a = (uint32_t)*desc, b = (uint32_t)(*desc >> 32);
    if (!(b & SEG_P)) return true;
    b = (b & ~SEG_DPL) | (3u << 13);
    if (!(b & SEG_S)) {
        if ((b & SEG_TYPE) == 0) return true;
        if ((b & SEG_TYPE) != TYPE_CALL_GATE_64 || (b & 0xff) || !gate_selector_ok((uint16_t)(a >> 16)))
            return false;
        /* DPL 0 makes every use #GP (for emulation); the DPL moves to the RPL. */
        a = (a & 0xfffcffff) | (((b & SEG_DPL) >> 13) << 16);
        b &= ~SEG_DPL;
    }
    *desc = ((uint64_t)b << 32) | a;
    return true;
}

/* ---- set_gdt / update_descriptor ---- */
#include "mm.h"
#include "domain.h"
#include "hypercall.h"
#include "guest_access.h"
#include "percpu.h"
#include "arch.h"

long do_set_gdt(uint64_t frame_list, uint64_t entries, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct vcpu *v = current;
    struct domain *d = v->domain;
    unsigned long frames[MAX_GDT_FRAMES];
    if (entries > FIRST_RESERVED_GDT_ENTRY) return -EINVAL;
    unsigned n = ((unsigned)entries + 511) / 512;
    if (n && copy_from_guest(frames, frame_list, n * sizeof(frames[0]))) return -EFAULT;
    spin_lock(&d->lock);
    for (unsigned i = 0; i < n; i++) {
        if (!mfn_valid(frames[i]) || get_page_and_type(frames[i], d, PGT_seg_desc)) {
            while (i--)
                put_page_and_type(mfn_to_page(frames[i]));
            spin_unlock(&d->lock);
            return -EINVAL;
        }
    }
    unsigned old = (v->arch.gdt_ents + 511) / 512;
    for (unsigned i = 0; i < old; i++)
        put_page_and_type(mfn_to_page(v->arch.gdt_frames[i]));
    for (unsigned i = 0; i < n; i++)
        v->arch.gdt_frames[i] = frames[i];
    v->arch.gdt_ents = (unsigned)entries;
    spin_unlock(&d->lock);
    load_guest_gdt(v);
    return 0;
}

long do_update_descriptor(uint64_t maddr, uint64_t desc, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct domain *d = current->domain;
    mfn_t m = maddr >> PAGE_SHIFT;
    if ((maddr & 7) || !mfn_valid(m) || !check_descriptor(&desc)) return -EINVAL;
    struct page_info *pg = mfn_to_page(m);
    spin_lock(&d->lock);
    enum page_type t = pg->type == PGT_seg_desc && pg->type_count ? PGT_seg_desc : PGT_writable;
    if (get_page_and_type(m, d, t)) {
        spin_unlock(&d->lock);
        return -EINVAL;
    }
    __atomic_store_n((uint64_t *)((char *)mfn_to_virt(m) + (maddr & (PAGE_SIZE - 1))), desc,
                     __ATOMIC_RELAXED);
    logdirty_mark(m);
    put_page_and_type(pg);
    spin_unlock(&d->lock);
    return 0;
}

/* ---- the LDT (MMUEXT_SET_LDT) ----
 * As in Xen, SET_LDT only records base and size and loads LDTR over this pCPU's
 * LDT window (layout.h); the first descriptor access through a page of it faults
 * there (traps.c), and ldt_map_page() maps the guest page holding it, typed
 * seg_desc (so every descriptor in it passed check_descriptor and the guest has
 * no writable mapping of it), until the LDT is set again or the vCPU goes away. */

/* Unmap v's LDT pages and drop their type references.  v runs here or nowhere. */
static void ldt_release(struct vcpu *v)
{
    for (unsigned i = 0; i < LDT_PAGES; i++) {
        if (!(v->arch.ldt_mapped & (1u << i))) continue;
        if (v == current) gdt_window_set(this_cpu()->cpu_id, LDT_WINDOW_PAGE + i, INVALID_MFN);
        put_page_and_type(mfn_to_page(v->arch.ldt_frames[i]));
    }
    v->arch.ldt_mapped = 0;
}

/* MMUEXT_SET_LDT (arguments checked): drop the old LDT's pages, load the new one. */
void ldt_switch(struct vcpu *v, uint64_t base, uint32_t ents)
{
    spin_lock(&v->domain->lock);
    ldt_release(v);
    v->arch.ldt_base = base;
    v->arch.ldt_ents = ents;
    spin_unlock(&v->domain->lock);
    load_guest_ldt(v);
}

/* Map the guest page holding byte `off` of current's LDT (Xen's
 * pv_map_ldt_shadow_page): the page its kernel page tables map there, if it is
 * the domain's and can be typed seg_desc. */
bool ldt_map_page(struct vcpu *v, uint64_t off)
{
    struct domain *d = v->domain;
    unsigned i = (unsigned)(off >> PAGE_SHIFT);
    uint64_t la = v->arch.ldt_base + off;
    mfn_t l1, m = INVALID_MFN;
    int rc;

    if ((off >> 3) >= v->arch.ldt_ents || (v->arch.ldt_mapped & (1u << i)) || !is_canonical(la)) return false;
    spin_lock(&d->lock);
    rc = v->arch.guest_table == INVALID_MFN ? -EINVAL : pt_walk_l1(d, v->arch.guest_table, la, &l1);
    if (!rc) {
        uint64_t e = __atomic_load_n((uint64_t *)mfn_to_virt(l1) + pt_index(la, 1), __ATOMIC_RELAXED);
        m = pte_mfn(e);
        rc = pte_present(e) && mfn_valid(m) ? get_page_and_type(m, d, PGT_seg_desc) : -EINVAL;
    }
    if (!rc) {
        v->arch.ldt_frames[i] = m;
        v->arch.ldt_mapped |= 1u << i;
    }
    spin_unlock(&d->lock);
    if (rc) return false;
    gdt_window_set(this_cpu()->cpu_id, LDT_WINDOW_PAGE + i, m);
    return true;
}

/* Drop the GDT and LDT frames' type references (domain teardown). */
void gdt_release(struct vcpu *v)
{
    unsigned old = (v->arch.gdt_ents + 511) / 512;
    for (unsigned i = 0; i < old; i++)
        put_page_and_type(mfn_to_page(v->arch.gdt_frames[i]));
    v->arch.gdt_ents = 0;
    ldt_release(v);
    v->arch.ldt_ents = 0;
}
