/* The x86 PV side of grant host mappings (Xen's arch/x86/pv/grant_table.c): the L1
 * entry a mapping is, where it goes in the caller's page tables, and replacing or
 * stealing it.  grant_map.c owns the grant rules and the references. */
#include "grant.h"
#include "mm.h"
#include "pt.h"
#include "domain.h"
#include "guest_access.h"
#include "lib.h"

/* The PTE of a host mapping, as Xen builds it (grant_to_pte_flags plus
 * adjust_guest_l1e): P A D NX and Xen's grant marker (bit 62, which guests can
 * never write, so no guest entry can look like ours); U always, since the
 * guest kernel runs in ring 3, and bit 52 unless it is an application
 * mapping; RW unless read-only; GNTMAP_guest_avail bits into bits 9-11. */
static uint64_t grant_pte(mfn_t mfn, uint32_t flags)
{
    uint64_t e = (mfn << PAGE_SHIFT) | PTE_P | PTE_A | PTE_D | PTE_NX | PTE_GNTTAB | PTE_US;

    if (!(flags & GNTMAP_application_map)) e |= PTE_GUEST_KERNEL;
    if (!(flags & GNTMAP_readonly)) e |= PTE_RW;
    e |= ((uint64_t)(flags >> _GNTMAP_guest_avail0) << 9) & PTE_AVAIL;
    return e;
}

/* An L1 table of d in use (typed, counted, validated): its entries hold references. */
static bool live_l1(const struct domain *d, mfn_t m)
{
    if (!mfn_valid(m)) return false;
    const struct page_info *pg = mfn_to_page(m);
    return pg->owner == d->id && pg->type == PGT_l1 && pg->type_count && (pg->flags & PGF_validated);
}

static uint64_t *slot_of(uint64_t maddr)
{
    logdirty_mark(maddr >> PAGE_SHIFT); /* every caller changes the entry */
    return (uint64_t *)mfn_to_virt(maddr >> PAGE_SHIFT) + ((maddr & ~PAGE_MASK) >> 3);
}

/* Find the L1 slot for a host mapping: a virtual address in the caller's
 * current kernel page tables, or (GNTMAP_contains_pte) the machine address
 * of the entry.  Xen answers GNTST_general_error for both failures. */
bool grant_host_slot(struct domain *ld, uint64_t addr, uint32_t flags, uint64_t *maddr)
{
    if (flags & GNTMAP_contains_pte) {
        if ((addr & 7) || !live_l1(ld, addr >> PAGE_SHIFT)) return false;
        *maddr = addr;
        return true;
    }
    mfn_t l4 = current->arch.guest_table, l1;
    if (!guest_range_ok(addr & PAGE_MASK, PAGE_SIZE) || l4 == INVALID_MFN || pt_walk_l1(ld, l4, addr, &l1))
        return false;
    *maddr = (l1 << PAGE_SHIFT) | (pt_index(addr, 1) * sizeof(uint64_t));
    return true;
}

/* Write the mapping.  Like Xen, whatever the slot held is replaced; the caller
 * drops the old entry's references after a flush (grant_host_entry). */
uint64_t create_grant_host_mapping(uint64_t maddr, mfn_t mfn, uint32_t flags)
{
    return __atomic_exchange_n(slot_of(maddr), grant_pte(mfn, flags), __ATOMIC_SEQ_CST);
}

bool grant_host_entry(uint64_t entry, mfn_t *mfn, bool *rw)
{
    *mfn = pte_mfn(entry);
    *rw = entry & PTE_RW;
    return pte_present(entry);
}

/* Replace the mapping's PTE by `with` (0, or a PTE moved by unmap_and_replace)
 * if the slot still holds it (A/D aside).  True when it did: the caller then
 * owes a flush and the entry's references.  False when the guest replaced the
 * entry or its L1 lost its type: pagetype.c has already dropped the references
 * then (and should have flushed). */
bool replace_grant_host_mapping(const struct domain *ld, uint64_t maddr, mfn_t mfn, uint32_t flags,
                                uint64_t with)
{
    if (!live_l1(ld, maddr >> PAGE_SHIFT)) return false;
    uint64_t *slot = slot_of(maddr);
    uint64_t want = grant_pte(mfn, flags);
    uint64_t cur = __atomic_load_n(slot, __ATOMIC_RELAXED);
    do {
        if ((cur ^ want) & ~(PTE_A | PTE_D)) return false;
    } while (!__atomic_compare_exchange_n(slot, &cur, with, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
    return true;
}

/* unmap_and_replace: take the entry at addr out of the caller's current tables
 * (Xen's steal_linear_address); it keeps its references. */
bool steal_grant_host_mapping(struct domain *ld, uint64_t addr, uint64_t *stolen)
{
    uint64_t maddr;
    if (!grant_host_slot(ld, addr, 0, &maddr)) return false;
    *stolen = __atomic_exchange_n(slot_of(maddr), 0, __ATOMIC_SEQ_CST);
    return true;
}
