/* The owner's view of config space: what reads show, which writes pass,
 * which are refused (each escape tried), and mechanism #1 per domain. */
#include <string.h>
#include "devtest.h"

#define F4 PCI_SBDF(0, 0, 4 << 3)
#define F5 PCI_SBDF(0, 0, 5 << 3)

static void put32(uint8_t *c, unsigned r, uint32_t v) { memcpy(c + r, &v, 4); }
static uint32_t get32(const uint8_t *c, unsigned r)
{
    uint32_t v;
    memcpy(&v, c + r, 4);
    return v;
}

/* 00:04.0: 64-bit BAR0 at 0xfe000000 (16 KiB, MSI-X table at 0x2000, PBA at
 * 0x3000), MSI-X cap at 0x40, vendor cap at 0x50 (16 bytes), PM cap at 0x60.
 * 00:05.0: a plain endpoint.  Both in pci_fns as enumeration leaves them. */
static void setup(void)
{
    uint8_t *c = fake_cfg[0];
    memset(fake_cfg, 0, sizeof(fake_cfg));
    put32(c, 0x00, 0x10421af4);
    put32(c, 0x04, 0x00100006);
    put32(c, 0x08, 0x01000001);
    put32(c, 0x10, 0xfe000004);
    c[0x34] = 0x40;
    c[0x40] = 0x11;
    c[0x41] = 0x50;
    c[0x42] = 0x01; /* 2 entries */
    put32(c, 0x44, 0x2000);
    put32(c, 0x48, 0x3000);
    c[0x50] = 0x09;
    c[0x51] = 0x60;
    c[0x52] = 16;
    c[0x60] = 0x01;
    c[0x61] = 0x00;
    put32(fake_cfg[1], 0x00, 0x10001af4);
    nr_pci_fns = 3;
    pci_fns[0] = (struct pci_fn){ .sbdf = F4,
                                  .assignable = true,
                                  .owner = 1,
                                  .msix_cap = 0x40,
                                  .msix_size = 2,
                                  .msix_off = 0x2000,
                                  .pba_off = 0x3000,
                                  .pm_cap = 0x60 };
    pci_fns[0].bar[0] = (struct pci_bar){ .base = 0xfe000000, .size = 0x4000, .mem64 = true };
    pci_fns[1] = (struct pci_fn){ .sbdf = F5, .assignable = true, .owner = DOMID_NONE };
    pci_fns[1].bar[0] = (struct pci_bar){ .base = 0xfe100000, .size = 0x1000 };
    pci_fns[2] = (struct pci_fn){ .sbdf = PCI_SBDF(0, 0, 0), .class = 0x060000, .owner = DOMID_NONE };
}

static uint32_t port_in(struct domain *d, uint16_t port, unsigned size)
{
    uint32_t v = 0x5a5a5a5a;
    CHECK(pci_port_io(d, port, size, true, &v), "port io: handled");
    return v;
}

static void port_out(struct domain *d, uint16_t port, unsigned size, uint32_t v)
{
    pci_port_io(d, port, size, false, &v);
}

void test_pcicfg(void)
{
    fake_reset();
    setup();
    struct pci_fn *f = &pci_fns[0];
    uint8_t *c = fake_cfg[0];

    CHECK_EQ(pci_cfg_read(f, 0, 4), 0x10421af4, "cfg: id dword");
    CHECK_EQ(pci_cfg_read(f, 2, 2), 0x1042, "cfg: device id word");
    CHECK_EQ(pci_cfg_read(f, 0x42, 1), 0x01, "cfg: MSI-X control byte readable");

    /* BAR sizing as Linux probes; a move refused. */
    CHECK_EQ(pci_cfg_write(f, 0x10, 4, 0xffffffff), 0, "bar: sizing write accepted");
    CHECK_EQ(pci_cfg_read(f, 0x10, 4), 0xffffc004, "bar: reads its size mask while sizing");
    CHECK_EQ(get32(c, 0x10), 0xfe000004, "bar: hardware BAR untouched by sizing");
    CHECK_EQ(pci_cfg_write(f, 0x14, 4, 0xffffffff), 0, "bar: upper half sizing accepted");
    CHECK_EQ(pci_cfg_read(f, 0x14, 4), 0xffffffff, "bar: upper half mask");
    CHECK_EQ(pci_cfg_write(f, 0x10, 4, 0xfe000004), 0, "bar: original value restores");
    CHECK_EQ(pci_cfg_read(f, 0x10, 4), 0xfe000004, "bar: reads the address again");
    CHECK_EQ(pci_cfg_write(f, 0x14, 4, 0), 0, "bar: upper original restores");
    CHECK_EQ(pci_cfg_write(f, 0x10, 4, 0x12340004), -EPERM, "bar: move onto other memory refused");
    CHECK_EQ(pci_cfg_write(f, 0x14, 4, 0x1), -EPERM, "bar: move above 4 GiB refused");
    CHECK_EQ(pci_cfg_write(f, 0x12, 2, 0x1234), -EPERM, "bar: partial write refused");
    CHECK_EQ(get32(c, 0x10), 0xfe000004, "bar: still where it was");
    CHECK_EQ(pci_cfg_read(f, 0x18, 4), 0, "bar: unimplemented BAR reads 0");
    put32(c, 0x30, 0xfebc0000);
    CHECK_EQ(pci_cfg_write(f, 0x30, 4, 0xfffff801), 0, "rom: sizing write swallowed");
    CHECK_EQ(get32(c, 0x30), 0xfebc0000, "rom: hardware ROM BAR untouched");
    CHECK_EQ(pci_cfg_read(f, 0x30, 4), 0, "rom: hidden");

    /* Command register: decode, bus master, INTx disable; nothing else. */
    CHECK_EQ(pci_cfg_write(f, 0x04, 2, 0x0407), 0, "command: io/mem/master/intx-disable");
    CHECK_EQ(get32(c, 0x04) & 0xffff, 0x0407, "command: written");
    CHECK_EQ(pci_cfg_write(f, 0x04, 2, 0x0607), -EPERM, "command: fast back-to-back refused");
    CHECK_EQ(get32(c, 0x04) & 0xffff, 0x0407, "command: unchanged after refusal");
    CHECK_EQ(pci_cfg_write(f, 0x04, 4, 0xf9100006), 0, "command+status dword");
    CHECK_EQ(get32(c, 0x04), 0xf9100006, "status bits passed through (write-one-to-clear)");
    CHECK_EQ(pci_cfg_write(f, 0x0c, 1, 0x10), 0, "cache line size writable");
    CHECK_EQ(pci_cfg_write(f, 0x00, 2, 0xdead), -EPERM, "vendor id write refused");
    CHECK_EQ(pci_cfg_write(f, 0x3c, 1, 0x0b), -EPERM, "interrupt line refused (no INTx)");

    /* MSI-X belongs to the core. */
    CHECK_EQ(pci_cfg_write(f, 0x42, 2, 0x8001), -EPERM, "msix: enable by the domain refused");
    CHECK_EQ(c[0x43], 0, "msix: control unchanged");
    CHECK_EQ(pci_cfg_write(f, 0x44, 4, 0x1000), -EPERM, "msix: table offset refused");
    CHECK_EQ(pci_cfg_write(f, 0x42, 2, 0x0001), 0, "msix: rewriting the same value is harmless");
    CHECK_EQ(pci_cfg_write(f, 0x40, 4, get32(c, 0x40)), 0, "msix: same dword accepted");

    /* Vendor capability body (virtio windows) writable, its header not. */
    CHECK_EQ(pci_cfg_write(f, 0x54, 4, 0x12345678), 0, "vendor cap: body writable");
    CHECK_EQ(get32(c, 0x54), 0x12345678, "vendor cap: written");
    CHECK_EQ(pci_cfg_write(f, 0x50, 1, 0x05), -EPERM, "vendor cap: turning it into MSI refused");
    CHECK_EQ(pci_cfg_write(f, 0x51, 1, 0x00), -EPERM, "vendor cap: relinking the list refused");
    CHECK_EQ(pci_cfg_write(f, 0x64, 2, 0x0003), -EPERM, "pm: D3 refused");
    CHECK_EQ(pci_cfg_write(f, 0x05, 2, 0), -EINVAL, "misaligned word");
    CHECK_EQ(pci_cfg_write(f, 0xff, 4, 0), -EINVAL, "past the end");

    /* Mechanism #1, per domain. */
    port_out(&dom1, 0xcf8, 4, 0x80002000);
    CHECK_EQ(port_in(&dom1, 0xcf8, 4), 0x80002000, "cf8: latch reads back");
    CHECK_EQ(port_in(&dom1, 0xcfc, 4), 0x10421af4, "cfc: owner reads its function");
    CHECK_EQ(port_in(&dom1, 0xcfe, 2), 0x1042, "cfe: word at offset 2");
    port_out(&dom1, 0xcf8, 4, 0x80002010);
    port_out(&dom1, 0xcfc, 4, 0x22220004);
    CHECK_EQ(get32(c, 0x10), 0xfe000004, "port: BAR move through 0xcfc refused");
    port_out(&dom1, 0xcf8, 4, 0x80002804);
    CHECK_EQ(port_in(&dom1, 0xcfc, 4), 0xffffffff, "port: another function reads all ones");
    port_out(&dom1, 0xcfc, 2, 0x0004);
    CHECK_EQ(get32(fake_cfg[1], 0x04), 0, "port: another function's command not written");
    CHECK_EQ(port_in(&dom2, 0xcf8, 4), 0, "cf8: latches are per domain");
    port_out(&dom2, 0xcf8, 4, 0x80002000);
    CHECK_EQ(port_in(&dom2, 0xcfc, 4), 0xffffffff, "port: non-owner reads all ones");
    port_out(&dom2, 0xcf8, 4, 0x80002004);
    port_out(&dom2, 0xcfc, 2, 0);
    CHECK_EQ(get32(c, 0x04) & 0xffff, 6, "port: non-owner write dropped");
    port_out(&dom1, 0xcf8, 4, 0x00002000);
    CHECK_EQ(port_in(&dom1, 0xcfc, 4), 0xffffffff, "port: disabled latch reads all ones");
    port_out(&dom1, 0xcf9, 1, 0x06);
    CHECK_EQ(port_in(&dom1, 0xcf9, 1), 0xff, "port: 0xcf9 (reset) swallowed");
    uint32_t v = 0;
    CHECK(!pci_port_io(&dom1, 0x3f8, 1, true, &v), "port: others not handled here");

    /* BAR frames in page tables. */
    CHECK_EQ(pci_mmio_get(&dom1, 0xfe000, true), 0, "mmio: owner maps BAR frame writable");
    CHECK_EQ(f->map_count, 1, "mmio: counted");
    CHECK_EQ(pci_mmio_get(&dom2, 0xfe000, false), -EPERM, "mmio: another domain refused");
    CHECK_EQ(pci_mmio_get(&dom1, 0xfe100, false), -EPERM, "mmio: unowned function refused");
    CHECK_EQ(pci_mmio_get(&dom1, 0xfe002, true), -EPERM, "mmio: MSI-X table writable refused");
    CHECK_EQ(pci_mmio_get(&dom1, 0xfe003, true), -EPERM, "mmio: PBA writable refused");
    CHECK_EQ(pci_mmio_get(&dom1, 0xfe002, false), 0, "mmio: MSI-X table read-only allowed");
    CHECK_EQ(pci_mmio_get(&dom1, 0xfe004, true), 1, "mmio: frame past the BAR is not a BAR frame");
    CHECK(pci_mmio_put(0xfe000) && pci_mmio_put(0xfe002), "mmio: put");
    CHECK_EQ(f->map_count, 0, "mmio: uncounted");
    CHECK(!pci_mmio_put(0x1234), "mmio: RAM frame is not a BAR frame");
}

void test_assign(void)
{
    fake_reset();
    setup();
    struct pci_fn *f = &pci_fns[1];
    iommu_present = false;
    iommu_off_unsafe = false;
    CHECK_EQ(pci_assign(&dom2, PCI_SBDF(0, 0, 5 << 3)), -EOPNOTSUPP, "assign: refused without IOMMU");
    iommu_present = true;
    CHECK_EQ(pci_assign(&dom2, PCI_SBDF(0, 0, 6 << 3)), -ENODEV, "assign: no such function");
    CHECK_EQ(pci_assign(&dom2, PCI_SBDF(0, 0, 0)), -EPERM, "assign: host bridge refused");
    CHECK_EQ(pci_assign(&dom2, PCI_SBDF(0, 0, 4 << 3)), -EBUSY, "assign: function of another domain");
    dom2.caps = 0;
    CHECK_EQ(pci_assign(&dom2, PCI_SBDF(0, 0, 5 << 3)), -EPERM, "assign: target without CAP_IO");
    dom2.caps = CAP_IO;
    attach_rc = -ENOMEM;
    CHECK_EQ(pci_assign(&dom2, PCI_SBDF(0, 0, 5 << 3)), -ENOMEM, "assign: IOMMU failure passed on");
    CHECK_EQ(f->owner, DOMID_NONE, "assign: nothing changed on failure");
    attach_rc = 0;
    CHECK_EQ(pci_assign(&dom2, PCI_SBDF(0, 0, 5 << 3)), 0, "assign: ok");
    CHECK_EQ(f->owner, 2, "assign: owner set");
    CHECK_EQ(n_attach, 2, "assign: IOMMU context attached");
    CHECK(pci_domain_has_devices(&dom2), "assign: domain has a device");
    CHECK_EQ(pci_assign(&dom2, PCI_SBDF(0, 0, 5 << 3)), -EBUSY, "assign: twice refused");
    CHECK_EQ(pci_deassign(&dom1, PCI_SBDF(0, 0, 5 << 3)), -EINVAL, "deassign: not the owner");
    CHECK_EQ(pci_mmio_get(&dom2, 0xfe100, true), 0, "deassign: a live BAR mapping");
    CHECK_EQ(pci_deassign(&dom2, PCI_SBDF(0, 0, 5 << 3)), -EBUSY, "deassign: refused while mapped");
    pci_mmio_put(0xfe100);
    fake_cfg[1][4] = 0x07;
    CHECK_EQ(pci_deassign(&dom2, PCI_SBDF(0, 0, 5 << 3)), 0, "deassign: ok");
    CHECK_EQ(f->owner, DOMID_NONE, "deassign: back to the core");
    CHECK_EQ(fake_cfg[1][4] & 7, 0, "deassign: decoding and bus mastering off");
    CHECK(n_detach == 1 && n_msi_release == 1, "deassign: context and MSI released");
    CHECK_EQ(pci_deassign(&dom2, PCI_SBDF(0, 0, 9 << 3)), -ENODEV, "deassign: no such function");

    iommu_present = false;
    iommu_off_unsafe = true;
    CHECK_EQ(pci_assign(&dom2, PCI_SBDF(0, 0, 5 << 3)), 0, "assign: iommu=off-unsafe allows");
    CHECK_EQ(n_attach, 2, "assign: no IOMMU call without one");
    pci_fns[0].map_count = 3;
    pci_release_domain(&dom1);
    CHECK(pci_fns[0].owner == DOMID_NONE && pci_fns[0].map_count == 0,
          "release: dying domain's function freed");
    CHECK_EQ(f->owner, 2, "release: other domains keep theirs");
    iommu_present = true;
    iommu_off_unsafe = false;
    pci_assign_boot(&dom1, "0000:00:04.0,zz");
    CHECK_EQ(pci_fns[0].owner, 1, "boot option: SSSS:BB:DD.F assigns");
    pci_fns[0].owner = DOMID_NONE;
    pci_assign_boot(&dom1, "00:04.0");
    CHECK_EQ(pci_fns[0].owner, 1, "boot option: BB:DD.F assigns");
    pci_assign_boot(&dom2, "00:04.9,00:20.0,0001:00:04.0");
    CHECK_EQ(pci_fns[0].owner, 1, "boot option: bad entries refused");
}
