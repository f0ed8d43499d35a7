# Conformance guests: tiny Xen PV kernels (guests/lib runtime + one test file each)
# built into $(O)/guests/<name>.elf. A guest whose name ends in -hcp is built with
# XEN_ELFNOTE_HYPERCALL_PAGE and makes every hypercall through the page; the others
# use a bare `syscall` like Linux 6.1. Add a guest: create guests/conform/<name>.c
# (defining guest_name and test_main) and list it in CONFORM_GUESTS.
GCC_GUEST ?= gcc
G_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdlib -nostdinc -fno-pic -fno-pie \
  -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-builtin \
  -fno-asynchronous-unwind-tables -fno-omit-frame-pointer -static \
  -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow \
  -isystem $(shell $(GCC_GUEST) -print-file-name=include) -isystem $(O)/xeninc \
  -D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ -Iguests/lib
G_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
  -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -T guests/lib/guest.ld

G_LIB_SRCS := $(wildcard guests/lib/*.c guests/lib/*.S lib/freestanding/*.c)
G_LIB_HDRS := $(wildcard guests/lib/*.h lib/freestanding/*.h) guests/lib/guest.ld

CONFORM_GUESTS := conform-version conform-version-hcp conform-cpu conform-cpu-hcp conform-mm conform-memory \
  conform-debug conform-vcpu conform-devices conform-ldt conform-cont conform-cont-hcp
GUEST_ELFS := $(patsubst %,$(O)/guests/%.elf,$(CONFORM_GUESTS))
ALL += $(GUEST_ELFS)

.PHONY: guests
guests: $(GUEST_ELFS)

# conform-X-hcp is conform-X.c built with -DHCPAGE.
g_src = guests/conform/$(patsubst %-hcp,%,$(1)).c
g_flags = $(if $(filter %-hcp,$(1)),-DHCPAGE) -DGUEST_NAME='"$(1)"'

define GUEST_RULE
$(O)/guests/$(1).elf: $(call g_src,$(1)) $(G_LIB_SRCS) $(G_LIB_HDRS) guests/guests.mk | $(XENINC)/xen
	@mkdir -p $$(dir $$@)
	@echo "  GUEST   $$@"
	@$(GCC_GUEST) $(G_CFLAGS) $(call g_flags,$(1)) $(G_LDFLAGS) -o $$@ \
	  $(call g_src,$(1)) $(G_LIB_SRCS)
endef
$(foreach g,$(CONFORM_GUESTS),$(eval $(call GUEST_RULE,$(g))))
