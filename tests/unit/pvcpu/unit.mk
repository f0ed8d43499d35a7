# Host unit tests of the PV CPU hypercalls that keep per-vCPU state
# (kernel/arch/x86/pv_cpu.c: set_trap_table) on the harness, with the fakes in
# tests/unit/pvcpu/; tests/suites/16-unit-pvcpu.sh runs the binary.
PVCPU_UNIT_BIN := $(O)/host/unit/pvcpu_tests
PVCPU_UNIT_SRCS := $(wildcard tests/unit/pvcpu/*.c) $(UNIT_FAKE_SRCS) $(UNIT_HARNESS)/fake_continuation.c \
  kernel/arch/x86/pv_cpu.c
HOST_ALL += $(PVCPU_UNIT_BIN)

$(PVCPU_UNIT_BIN): $(PVCPU_UNIT_SRCS) $(UNIT_KERNEL_HDRS) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_KERNEL_CFLAGS) -Wno-unused-parameter -pthread -fno-pie -no-pie -o $@ $(PVCPU_UNIT_SRCS)
