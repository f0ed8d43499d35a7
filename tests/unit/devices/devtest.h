/* Host unit tests of device delegation: the config-space filter, BAR-frame
 * rules and assignment (kernel/common/pci_dev.c) and the DMA table logic
 * (kernel/common/iommu_map.c, kernel/arch/x86/iommu_pt.c), on a fake config space and the harness's machine. */
#ifndef DEVTEST_H
#define DEVTEST_H

#include "fake.h"
#include "pci.h"
#include "iommu.h"

#define FAKE_FRAMES 256
extern uint8_t fake_cfg[2][256]; /* 00:04.0 (virtio-like), 00:05.0 (another endpoint) */
extern int n_attach, n_detach, n_msi_release, attach_rc;
extern struct domain dom1, dom2;
void fake_reset(void);

void test_pcicfg(void);
void test_assign(void);
void test_iommu_pt(void);

#endif
