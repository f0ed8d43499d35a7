# Host unit tests of the scheduling policy: kernel/common/sched_policy.c built
# with the host gcc against a simulator of pCPUs (tests/unit/sched/).
# tests/suites/13-unit-sched.sh runs the binary.
HOSTCC ?= gcc
SCHED_UNIT_BIN := $(O)/host/unit/sched_tests
SCHED_UNIT_SRCS := $(wildcard tests/unit/sched/*.c) kernel/common/sched_policy.c
SCHED_UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wshadow \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  -isystem $(XENINC) -Ikernel/include -Ilib/freestanding -Ikernel/arch/x86/include -Itests/unit/sched -D__XEN_TOOLS__
HOST_ALL += $(SCHED_UNIT_BIN)

$(SCHED_UNIT_BIN): $(SCHED_UNIT_SRCS) $(wildcard tests/unit/sched/*.h kernel/include/*.h kernel/arch/x86/include/*.h) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	$(HOSTCC) $(SCHED_UNIT_CFLAGS) -o $@ $(SCHED_UNIT_SRCS)
