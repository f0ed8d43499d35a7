# Host unit tests of memory validation, compiled with the host gcc from the
# same kernel sources as the core (pagetype.c, mm_hypercalls.c, ptwr.c, frame.c)
# on the harness's fake machine (a clean pool of 64 frames: test_scrub.c).  tests/suites/10-unit.sh runs the binary.
UNIT_BIN := $(O)/host/unit/mm_tests
UNIT_SRCS := $(wildcard tests/unit/mm/*.c) $(UNIT_MACHINE_SRCS) kernel/arch/x86/pagetype.c \
  kernel/arch/x86/mm_hypercalls.c kernel/common/build_lock.c kernel/arch/x86/ptwr.c
HOST_ALL += $(UNIT_BIN)

$(UNIT_BIN): $(UNIT_SRCS) $(wildcard tests/unit/mm/*.h) $(UNIT_KERNEL_HDRS) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_KERNEL_CFLAGS) -Itests/unit/mm -DCLEAN_POOL=64 -o $@ $(UNIT_SRCS)
