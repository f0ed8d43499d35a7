# Host unit tests of memory validation, compiled with the host gcc from the
# same kernel sources as the core (pagetype.c, mm_hypercalls.c, ptwr.c, frame.c)
# against the fakes in tests/unit/.  tests/suites/10-unit.sh runs the binary.
HOSTCC ?= gcc
UNIT_BIN := $(O)/host/unit/mm_tests
UNIT_SRCS := $(wildcard tests/unit/*.c) kernel/arch/x86/pagetype.c \
  kernel/arch/x86/mm_hypercalls.c kernel/arch/x86/ptwr.c kernel/common/frame.c
UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wshadow \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  -isystem $(XENINC) -Ikernel/include -Ilib/freestanding -Ikernel/arch/x86/include -Itests/unit -D__XEN_TOOLS__
HOST_ALL += $(UNIT_BIN)

$(UNIT_BIN): $(UNIT_SRCS) $(wildcard tests/unit/*.h kernel/include/*.h kernel/arch/x86/include/*.h) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_CFLAGS) -o $@ $(UNIT_SRCS)
