# Host unit tests of domain control: kernel/common/domctl.c with the real memory
# validation (pagetype.c, mm_hypercalls.c, frame.c) on the fake machine in
# tests/unit/domctl/.  tests/suites/14-unit-domctl.sh runs the binary.
HOSTCC ?= gcc
DOMCTL_TEST_BIN := $(O)/host/unit/domctl_tests
DOMCTL_TEST_SRCS := $(wildcard tests/unit/domctl/*.c) tests/unit/fake_continuation.c kernel/common/domctl.c kernel/common/ioport.c kernel/common/pci_dev.c \
  kernel/arch/x86/pagetype.c kernel/arch/x86/mm_hypercalls.c kernel/common/frame.c
DOMCTL_TEST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wshadow \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  -isystem $(XENINC) -Ikernel/include -Ilib/freestanding -Ikernel/arch/x86/include -Itests/unit/domctl -Itests/unit -D__XEN_TOOLS__
HOST_ALL += $(DOMCTL_TEST_BIN)

$(DOMCTL_TEST_BIN): $(DOMCTL_TEST_SRCS) $(wildcard tests/unit/domctl/*.h kernel/include/*.h kernel/include/public/*.h kernel/arch/x86/include/*.h) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	$(HOSTCC) $(DOMCTL_TEST_CFLAGS) -o $@ $(DOMCTL_TEST_SRCS)
