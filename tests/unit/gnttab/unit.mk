# Host unit tests of grant tables (entry and maptrack rules, every refusal),
# compiled with the host gcc from the kernel's grant_table.c/grant_map.c plus
# the real pagetype.c, on the harness's fake machine with the domains in
# tests/unit/gnttab/fakes.c.  tests/suites/12-unit-gnttab.sh runs the binary.
GNT_SRC ?= kernel/common
GNT_BIN := $(O)/host/unit/gnttab_tests
GNT_SRCS := $(wildcard tests/unit/gnttab/*.c) $(UNIT_MACHINE_SRCS) $(GNT_SRC)/grant_table.c \
  $(GNT_SRC)/grant_map.c kernel/arch/x86/grant_pv.c kernel/arch/x86/pagetype.c
ifneq ($(wildcard $(GNT_SRC)/grant_table.c),)
HOST_ALL += $(GNT_BIN)

$(GNT_BIN): $(GNT_SRCS) $(wildcard tests/unit/gnttab/*.h $(GNT_SRC)/grant_priv.h) $(UNIT_KERNEL_HDRS) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_KERNEL_CFLAGS) -Wno-unused-parameter -I$(GNT_SRC) -Itests/unit/gnttab \
	  -o $@ $(GNT_SRCS)
endif
