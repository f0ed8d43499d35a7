# blkfront guests (guests/blkfront/): tiny PV kernels that are blkback's
# frontends, on the conformance-guest runtime (guests/lib), the multi-domain
# guests' event-channel and grant helpers (guests/multi/xc.c) and the
# xenstore ring code of servers/lib (xsring.c).  blkfront-hostile attacks
# blkback; blkfront-victim is the neighbour that must not notice.  Run by
# tests/suites/62-blkback-hostile.sh.
BF_GUESTS := blkfront-hostile blkfront-victim
BF_ELFS := $(patsubst %,$(O)/guests/%.elf,$(BF_GUESTS))
ALL += $(BF_ELFS)
BF_SRCS := guests/blkfront/fe.c guests/blkfront/xs.c servers/lib/xsring.c guests/multi/xc.c lib/pvlayout/pv_layout.c
BF_DEPS := $(BF_SRCS) $(wildcard guests/blkfront/*.h guests/blkfront/inc/*.h) servers/lib/xsring.h \
  guests/multi/xc.h lib/pvlayout/pv_layout.h guests/blkfront/build.mk $(G_LIB_SRCS) $(G_LIB_HDRS)
BF_FLAGS := -D__XEN_TOOLS__ -Iinclude -Iguests/multi -Ilib/pvlayout -Iguests/blkfront -Iguests/blkfront/inc -Iservers/lib \
  -DARENA_PAGES=96

$(O)/guests/blkfront-%.elf: guests/blkfront/blkfront-%.c $(BF_DEPS) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	@echo "  GUEST   $@"
	@$(PV_CC) $(G_CFLAGS) $(BF_FLAGS) -DGUEST_NAME='"blkfront-$*"' $(G_LDFLAGS) -o $@ \
	  $< $(BF_SRCS) $(G_LIB_SRCS)
