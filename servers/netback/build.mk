# servers/netback: the network backend and the virtual firewall-router
# library (servers/lib/vfr*), with their host unit tests.
NB_DIR := servers/netback
NB_O := $(O)/host/netback
VFR_SRCS := servers/lib/vfr.c servers/lib/vfr_pkt.c servers/lib/vfr_rule.c servers/lib/vfr_tb.c servers/lib/vfr_cmd.c \
	servers/lib/vfr_store.c
NB_CORE_SRC := $(VFR_SRCS) servers/lib/xsclient.c servers/lib/xsclient_fd.c servers/lib/xsclient_ring.c servers/lib/xsring.c
NB_HDRS := $(wildcard $(NB_DIR)/*.h $(NB_DIR)/tests/*.h servers/lib/*.h)
NB_CFLAGS := $(HOST_CFLAGS) -I$(NB_DIR) -Iservers/lib -I$(NB_DIR)/tests
NB_UNIT_SRC := $(wildcard $(NB_DIR)/tests/*.c)

HOST_ALL += $(NB_O)/nb-unit
$(NB_O)/nb-unit: $(NB_CORE_SRC) $(NB_UNIT_SRC) $(NB_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(NB_CFLAGS) -o $@ $(NB_CORE_SRC) $(NB_UNIT_SRC)

# Built on demand by tests/suites/48-netback-unit.sh.
$(NB_O)/nb-unit-asan: $(NB_CORE_SRC) $(NB_UNIT_SRC) $(NB_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(filter-out -O2,$(NB_CFLAGS)) -O1 -fsanitize=address,undefined \
		-fno-sanitize-recover=all -o $@ $(NB_CORE_SRC) $(NB_UNIT_SRC)
