# Host unit tests of domain control: kernel/common/domctl.c with the real memory
# validation (pagetype.c, mm_hypercalls.c, frame.c) on the harness's fake machine
# and the domain stand-in in tests/unit/domctl/.  tests/suites/14-unit-domctl.sh
# runs the binary.
DOMCTL_TEST_BIN := $(O)/host/unit/domctl_tests
DOMCTL_TEST_SRCS := $(wildcard tests/unit/domctl/*.c) $(UNIT_MACHINE_SRCS) kernel/common/domctl.c \
  kernel/common/ioport.c kernel/common/pci_dev.c kernel/arch/x86/pagetype.c kernel/arch/x86/mm_hypercalls.c kernel/arch/x86/logdirty.c kernel/common/build_lock.c kernel/common/conring.c
HOST_ALL += $(DOMCTL_TEST_BIN)

$(DOMCTL_TEST_BIN): $(DOMCTL_TEST_SRCS) $(wildcard tests/unit/domctl/*.h) $(UNIT_KERNEL_HDRS) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_KERNEL_CFLAGS) -Itests/unit/domctl -o $@ $(DOMCTL_TEST_SRCS)
