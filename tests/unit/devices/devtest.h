/* Host unit tests of device delegation: the config-space filter, BAR-frame
 * rules and assignment (kernel/common/pci_dev.c) and the DMA table logic
 * (kernel/common/iommu_pt.c), on a fake config space and fake machine memory. */
#ifndef DEVTEST_H
#define DEVTEST_H

#include "types.h"
#include "mm.h"
#include "domain.h"
#include "pci.h"
#include "iommu.h"

void check_eq(long got, long want, const char *name, int line);
#define CHECK_EQ(got, want, name) check_eq((long)(got), (long)(want), (name), __LINE__)
#define CHECK(c, name) check_eq(!!(c), 1, (name), __LINE__)

#define FAKE_FRAMES 256
extern uint8_t fake_cfg[2][256];          /* 00:04.0 (virtio-like), 00:05.0 (another endpoint) */
extern int n_attach, n_detach, n_msi_release, attach_rc;
extern struct domain dom1, dom2;
void fake_reset(void);
mfn_t fake_alloc(struct domain *d);

void test_pcicfg(void);
void test_assign(void);
void test_iommu_pt(void);

#endif
