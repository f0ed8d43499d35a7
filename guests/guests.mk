# Conformance guests: tiny Xen PV kernels (the lib/pv base, the guests/lib runtime and
# one test file each) built into $(O)/guests/<name>.elf. A guest whose name ends in -hcp is built with
# XEN_ELFNOTE_HYPERCALL_PAGE and makes every hypercall through the page; the others
# use a bare `syscall` like Linux 6.1. Add a guest: create guests/conform/<name>.c
# (defining guest_name and test_main) and list it in CONFORM_GUESTS.
G_CFLAGS := $(PV_CFLAGS) -Wno-unused-parameter -isystem $(O)/xeninc -Iguests/lib \
  -DPV_GUEST_OS='"tessera-conform"'
G_LDFLAGS := $(PV_LDFLAGS)
G_LIB_SRCS := $(wildcard guests/lib/*.c) $(PV_SRCS)
G_LIB_HDRS := $(wildcard guests/lib/*.h) $(PV_HDRS)

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
	@$(PV_CC) $(G_CFLAGS) $(call g_flags,$(1)) $(G_LDFLAGS) -o $$@ \
	  $(call g_src,$(1)) $(G_LIB_SRCS)
endef
$(foreach g,$(CONFORM_GUESTS),$(eval $(call GUEST_RULE,$(g))))
