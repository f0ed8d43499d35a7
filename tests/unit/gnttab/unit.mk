# Host unit tests of grant tables (entry and maptrack rules, every refusal),
# compiled with the host gcc from the kernel's grant_table.c/grant_map.c plus
# the real pagetype.c and frame.c, against the fake machine in
# tests/unit/gnttab/fakes.c.  tests/suites/12-unit-gnttab.sh runs the binary.
HOSTCC ?= gcc
GNT_SRC ?= kernel/common
GNT_BIN := $(O)/host/unit/gnttab_tests
GNT_SRCS := $(wildcard tests/unit/gnttab/*.c) tests/unit/fake_continuation.c $(GNT_SRC)/grant_table.c $(GNT_SRC)/grant_map.c \
  kernel/arch/x86/pagetype.c kernel/common/frame.c
GNT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  -isystem $(XENINC) -Ikernel/include -Ilib/freestanding -Ikernel/arch/x86/include -I$(GNT_SRC) \
  -Itests/unit/gnttab -Itests/unit -D__XEN_TOOLS__
ifneq ($(wildcard $(GNT_SRC)/grant_table.c),)
HOST_ALL += $(GNT_BIN)

$(GNT_BIN): $(GNT_SRCS) $(wildcard tests/unit/gnttab/*.h $(GNT_SRC)/grant_priv.h kernel/include/*.h kernel/arch/x86/include/*.h) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	$(HOSTCC) $(GNT_CFLAGS) -o $@ $(GNT_SRCS)
endif
