# Multi-domain guests (guests/multi/): a parent that builds children from boot
# modules with a tiny libxc (xc.c), for the multi-domain conformance, scheduler
# and benchmark runs. Uses the conformance-guest runtime (guests/lib).
MULTI_PARENTS := multi-conform multi-sched multi-bench
MULTI_ELFS := $(patsubst %,$(O)/guests/%.elf,$(MULTI_PARENTS) multi-child)
ALL += $(MULTI_ELFS)
M_FLAGS := -D__XEN_TOOLS__ -Iinclude -Iguests/multi -Ilib/pvlayout
M_DEPS := guests/multi/xc.c guests/multi/xc.h lib/pvlayout/pv_layout.c lib/pvlayout/pv_layout.h guests/multi/proto.h guests/multi/build.mk \
  $(G_LIB_SRCS) $(G_LIB_HDRS)

.PHONY: multi-guests
multi-guests: $(MULTI_ELFS)

$(O)/guests/multi-%.elf: guests/multi/multi-%.c $(M_DEPS) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	@echo "  GUEST   $@"
	@$(PV_CC) $(G_CFLAGS) $(M_FLAGS) -DGUEST_NAME='"multi-$*"' $(G_LDFLAGS) -o $@ \
	  $< guests/multi/xc.c lib/pvlayout/pv_layout.c $(G_LIB_SRCS)
