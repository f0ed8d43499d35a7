/* BAR frames in PV page tables and the DMA hooks of the page-type code
 * (pagetype.c's calls into pci_dev.c and iommu_vtd.c), with a fake PCI side:
 * dom1 owns a function whose BAR is frames 0x100000-0x100003 (0x100002 is its
 * MSI-X table page), dom2 one at 0x200000. */
#include "unit.h"

#define BAR1 0x100000UL
#define BAR2 0x200000UL
static int map_count, n_type_changes;
static uint8_t last_type;

int pci_mmio_get(const struct domain *d, mfn_t m, bool writable)
{
    if (m >= BAR1 && m < BAR1 + 4) {
        if (d != &dom1 || (writable && m == BAR1 + 2)) return -EPERM;
        map_count++;
        return 0;
    }
    return m == BAR2 ? -EPERM : 1;
}

bool pci_mmio_put(mfn_t m)
{
    if (m >= BAR1 && m < BAR1 + 4) {
        map_count--;
        return true;
    }
    return false;
}

void iommu_page_changed(struct page_info *pg, domid_t owner)
{
    (void)owner;
    n_type_changes++;
    last_type = pg->type;
}

static struct mmu_update req;

static long mmu(uint64_t ptr, uint64_t val, domid_t dom)
{
    req = (struct mmu_update){ ptr, val };
    return do_mmu_update((uint64_t)&req, 1, 0, dom, 0);
}

void test_mmio(void)
{
    fake_reset();
    fake_guest_map(&req, sizeof(req), false);
    mfn_t l4 = fake_alloc(&dom1), l3 = fake_alloc(&dom1), l2 = fake_alloc(&dom1), l1 = fake_alloc(&dom1);
    fake_table(l4)[0] = pte(l3, PTE_P | PTE_RW);
    fake_table(l3)[0] = pte(l2, PTE_P | PTE_RW);
    fake_table(l2)[0] = pte(l1, PTE_P | PTE_RW);
    n_type_changes = 0;
    CHECK_EQ(get_page_and_type(l4, &dom1, PGT_l4), 0, "mmio: tree validated");
    CHECK_EQ(n_type_changes, 4, "dma hook: each table's type change reported");
    CHECK_EQ(last_type, PGT_l1, "dma hook: the new type is set before validation");
    uint64_t uc = PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PCD | PTE_PWT;
    uint64_t slot = (l1 << PAGE_SHIFT) + 8;

    dom1.caps = 0;
    CHECK_EQ(mmu(slot, pte(BAR1, uc), DOMID_SELF), -EINVAL, "mmio: uncached entry without CAP_IO");
    dom1.caps = CAP_IO;
    CHECK_EQ(mmu(slot, pte(BAR1, uc), DOMID_SELF), 0, "mmio: own BAR frame, uncached, writable");
    CHECK_EQ(map_count, 1, "mmio: mapping counted");
    CHECK_EQ(mmu(slot, pte(BAR1 + 1, uc), DOMID_IO), 0, "mmio: DOMID_IO as Xen's guests write it");
    CHECK_EQ(map_count, 1, "mmio: replacing the entry drops the old count");
    CHECK_EQ(mmu(slot, pte(BAR1 + 2, uc), DOMID_SELF), -EPERM, "mmio: MSI-X table page writable refused");
    CHECK_EQ(mmu(slot, pte(BAR1 + 2, uc & ~PTE_RW), DOMID_SELF), 0, "mmio: MSI-X table page read-only");
    CHECK_EQ(mmu(slot, pte(BAR2, uc), DOMID_SELF), -EPERM, "mmio: another domain's BAR refused");
    CHECK_EQ(mmu(slot, pte(0x300000, uc), DOMID_SELF), -EPERM,
             "mmio: other non-RAM frames refused as before");
    CHECK_EQ(mmu(slot, pte(FAKE_FRAMES - 1, uc), DOMID_SELF), -EBUSY,
             "mmio: unowned RAM frame refused as before");
    CHECK_EQ(map_count, 1, "mmio: refusals leave the count alone");
    dom1.caps = 0;
    CHECK_EQ(mmu(slot, pte(BAR1, PTE_P), DOMID_IO), -EPERM, "mmio: DOMID_IO without CAP_IO");
    dom1.caps = CAP_IO;
    CHECK_EQ(mmu((l1 << PAGE_SHIFT) + 16, pte(BAR1 + 3, PTE_P | PTE_A), DOMID_SELF), 0,
             "mmio: a second mapping");
    CHECK_EQ(map_count, 2, "mmio: two mappings");
    put_page_and_type(mfn_to_page(l4));
    CHECK_EQ(map_count, 0, "mmio: devalidating the tree drops BAR mappings");
    CHECK(fake_all_counts_zero(), "mmio: no RAM references left");

    /* A failed validation reverts the type and reports it again. */
    mfn_t bad = fake_alloc(&dom1);
    fake_table(bad)[3] = pte(0x300000, PTE_P);
    n_type_changes = 0;
    CHECK(get_page_and_type(bad, &dom1, PGT_l1) != 0, "dma hook: bad L1 refused");
    CHECK_EQ(n_type_changes, 2, "dma hook: type change and its revert both reported");
    CHECK_EQ(last_type, PGT_none, "dma hook: reverted type reported");
    dom1.caps = 0;
}
