# Host unit tests of device delegation: kernel/common/pci_dev.c (config-space
# filter, BAR frames, assignment) and kernel/common/iommu_pt.c (DMA tables) on
# the fakes in tests/unit/devices/.  tests/suites/16-unit-devices.sh runs them.
HOSTCC ?= gcc
DEV_UNIT_BIN := $(O)/host/unit/device_tests
DEV_UNIT_SRCS := $(wildcard tests/unit/devices/*.c) kernel/common/pci_dev.c kernel/common/iommu_pt.c \
  kernel/common/frame.c
DEV_UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wshadow \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  -isystem $(XENINC) -Ikernel/include -Ilib/freestanding -Ikernel/arch/x86/include -Itests/unit/devices -D__XEN_TOOLS__
HOST_ALL += $(DEV_UNIT_BIN)

$(DEV_UNIT_BIN): $(DEV_UNIT_SRCS) $(wildcard tests/unit/devices/*.h kernel/include/*.h) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	$(HOSTCC) $(DEV_UNIT_CFLAGS) -o $@ $(DEV_UNIT_SRCS)
