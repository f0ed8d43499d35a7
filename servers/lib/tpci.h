/*
 * The service runtime's PCI device file, /dev/tessera/pci/SSSS:BB:DD.F: a
 * function assigned to the domain, for driver programs — what Linux's UIO and
 * VFIO give a user-space driver, reduced to what a driver domain needs.
 *   ioctl TPCI_CFG_READ/WRITE   config space (the core filters what the
 *                               domain may change, docs/devices.md)
 *   ioctl TPCI_BAR_INFO         a BAR's address, size and kind
 *   mmap at TPCI_BAR_OFFSET(b)  the BAR's frames, uncached (the MSI-X table
 *                               and PBA pages read-only, as the core allows)
 *   ioctl TPCI_DMA_ADDR         the bus address of a page of the program's own
 *                               anonymous memory (bus = machine address; the
 *                               IOMMU lets the device reach only such frames)
 *   ioctl TPCI_PT_FRAME         the machine address of the page-table frame
 *                               (L1) mapping one of the program's pages, and a
 *                               copy of it: for tests that aim the device at
 *                               it (the IOMMU must block that DMA)
 *   ioctl TPCI_IRQ_ENABLE       MSI-X vectors (or one MSI) as event channels
 *   read()                      a uint32_t mask of the vectors that fired since
 *                               the last read (blocks; -EAGAIN with O_NONBLOCK);
 *                               a fired vector stays masked until
 *   write()                     of a uint32_t mask re-arms those vectors
 *   poll()                      POLLIN while a vector has fired.
 */
#ifndef TESSERA_TPCI_H
#define TESSERA_TPCI_H

#include <linux/ioctl.h>
#include <stdint.h>

struct tpci_cfg {
    uint32_t off, size, val;
};
struct tpci_bar {
    uint32_t bar, flags;
    uint64_t addr, size;
};
#define TPCI_BAR_MEM 1
#define TPCI_BAR_64  2
struct tpci_dma {
    uint64_t va, bus;
};
struct tpci_irq {
    uint32_t nvec, enabled;
};
struct tpci_pt {
    uint64_t va, bus, buf; /* buf: 4096 bytes, or 0 */
};

#define TPCI_CFG_READ      _IOWR('T', 0x40, struct tpci_cfg)
#define TPCI_CFG_WRITE     _IOW('T', 0x41, struct tpci_cfg)
#define TPCI_BAR_INFO      _IOWR('T', 0x42, struct tpci_bar)
#define TPCI_DMA_ADDR      _IOWR('T', 0x43, struct tpci_dma)
#define TPCI_IRQ_ENABLE    _IOWR('T', 0x44, struct tpci_irq)
#define TPCI_PT_FRAME      _IOWR('T', 0x45, struct tpci_pt)
#define TPCI_BAR_OFFSET(b) ((uint64_t)(b) << 40)
#define TPCI_MAX_VECTORS   8

#endif
