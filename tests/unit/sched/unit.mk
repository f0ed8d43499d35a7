# Host unit tests of the scheduling policy: kernel/common/sched_policy.c built
# with the host gcc against a simulator of pCPUs (tests/unit/sched/) and the
# harness's checks.  tests/suites/13-unit-sched.sh runs the binary.
SCHED_UNIT_BIN := $(O)/host/unit/sched_tests
SCHED_UNIT_SRCS := $(wildcard tests/unit/sched/*.c) $(UNIT_CHECK_SRCS) kernel/common/sched_policy.c
HOST_ALL += $(SCHED_UNIT_BIN)

$(SCHED_UNIT_BIN): $(SCHED_UNIT_SRCS) $(wildcard tests/unit/sched/*.h) $(UNIT_KERNEL_HDRS) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_KERNEL_CFLAGS) -Itests/unit/sched -o $@ $(SCHED_UNIT_SRCS)
