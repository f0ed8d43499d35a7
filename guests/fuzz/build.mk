# The fuzzing guests (guests/fuzz/): fuzz-parent, a first domain that builds
# fuzz-child once per seed with the multi-domain builder (guests/multi/xc.c) and
# audits the hypervisor after each; fuzz-child attacks it with random input.
# Run by tests/suites/37-fuzz.sh (short) and `make fuzz-long` (guests/fuzz/run-fuzz.sh).
FUZZ_ELFS := $(O)/guests/fuzz-parent.elf $(O)/guests/fuzz-child.elf
ALL += $(FUZZ_ELFS)
F_DEPS := guests/multi/xc.c guests/multi/xc.h lib/pvlayout/pv_layout.c lib/pvlayout/pv_layout.h include/public/tessera.h guests/fuzz/build.mk \
  $(G_LIB_SRCS) $(G_LIB_HDRS)

$(O)/guests/fuzz-parent.elf: guests/fuzz/fuzz-parent.c $(F_DEPS) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	@echo "  GUEST   $@"
	@$(PV_CC) $(G_CFLAGS) -D__XEN_TOOLS__ -Iinclude -Iguests/multi -Ilib/pvlayout -DGUEST_NAME='"fuzz-parent"' $(G_LDFLAGS) -o $@ \
	  $< guests/multi/xc.c lib/pvlayout/pv_layout.c $(G_LIB_SRCS)

$(O)/guests/fuzz-child.elf: guests/fuzz/fuzz-child.c $(G_LIB_SRCS) $(G_LIB_HDRS) guests/fuzz/build.mk | $(XENINC)/xen
	@mkdir -p $(dir $@)
	@echo "  GUEST   $@"
	@$(PV_CC) $(G_CFLAGS) -DGUEST_NAME='"fuzz-child"' $(G_LDFLAGS) -o $@ $< $(G_LIB_SRCS)

.PHONY: fuzz-long
# >= 1 hour of seeds (FUZZ_SECS, default 3900 s) on 2 pCPUs, two children at a time.
fuzz-long: all
	@bash guests/fuzz/run-fuzz.sh --long
