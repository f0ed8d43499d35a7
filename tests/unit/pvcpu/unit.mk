# Host unit tests of the PV CPU hypercalls that keep per-vCPU state
# (kernel/arch/x86/pv_cpu.c: set_trap_table) with the fakes in tests/unit/pvcpu/;
# tests/suites/16-unit-pvcpu.sh runs the binary.
HOSTCC ?= gcc
PVCPU_UNIT_BIN := $(O)/host/unit/pvcpu_tests
PVCPU_UNIT_SRCS := $(wildcard tests/unit/pvcpu/*.c) tests/unit/fake_continuation.c kernel/arch/x86/pv_cpu.c
PVCPU_UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -pthread \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  -isystem $(XENINC) -Ikernel/include -Ikernel/arch/x86/include -Itests/unit -D__XEN_TOOLS__ -fno-pie -no-pie
HOST_ALL += $(PVCPU_UNIT_BIN)

$(PVCPU_UNIT_BIN): $(PVCPU_UNIT_SRCS) $(wildcard kernel/include/*.h kernel/arch/x86/include/*.h) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	$(HOSTCC) $(PVCPU_UNIT_CFLAGS) -o $@ $(PVCPU_UNIT_SRCS)
