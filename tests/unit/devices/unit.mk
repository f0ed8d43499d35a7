# Host unit tests of device delegation: kernel/common/pci_dev.c (config-space
# filter, BAR frames, assignment), kernel/common/iommu_map.c and
# kernel/arch/x86/iommu_pt.c (DMA tables) on
# the harness's machine with the fakes in tests/unit/devices/.
# tests/suites/16-unit-devices.sh runs them.
DEV_UNIT_BIN := $(O)/host/unit/device_tests
DEV_UNIT_SRCS := $(wildcard tests/unit/devices/*.c) $(UNIT_MACHINE_SRCS) kernel/common/pci_dev.c \
  kernel/common/iommu_map.c kernel/arch/x86/iommu_pt.c
HOST_ALL += $(DEV_UNIT_BIN)

$(DEV_UNIT_BIN): $(DEV_UNIT_SRCS) $(wildcard tests/unit/devices/*.h) $(UNIT_KERNEL_HDRS) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_KERNEL_CFLAGS) -Itests/unit/devices -o $@ $(DEV_UNIT_SRCS)
