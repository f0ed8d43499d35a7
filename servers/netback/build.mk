# servers/netback: the network backend and the virtual firewall-router
# library (servers/lib/vfr*), with their host unit tests.
NB_DIR := servers/netback
NB_O := $(O)/host/netback
VFR_SRCS := servers/lib/vfr.c servers/lib/vfr_pkt.c servers/lib/vfr_rule.c servers/lib/vfr_tb.c servers/lib/vfr_cmd.c \
	servers/lib/vfr_store.c servers/lib/vfr_route.c
NB_VDIR := servers/lib/virtio
NB_VIRTIO_SRCS := $(NB_VDIR)/virtq.c $(NB_VDIR)/virtio_pci.c $(NB_VDIR)/virtio_net.c
NB_CORE := netif_be nb_offload nb_xb nb_nic nb_keep
NB_CORE_SRC := $(NB_CORE:%=$(NB_DIR)/%.c) $(VFR_SRCS) $(NB_VIRTIO_SRCS) servers/lib/xenbus_be.c servers/lib/xsclient.c servers/lib/xsclient_fd.c servers/lib/xsclient_ring.c servers/lib/xsring.c
NB_HDRS := $(UNIT_HARNESS)/check.h $(wildcard $(NB_DIR)/*.h $(NB_DIR)/tests/*.h servers/lib/*.h $(NB_VDIR)/*.h $(NB_VDIR)/tests/*.h)
NB_CFLAGS := $(HOST_CFLAGS) -I$(NB_DIR) -Iservers/lib -I$(NB_VDIR) -I$(NB_DIR)/tests -I$(NB_VDIR)/tests -I$(UNIT_HARNESS)
NB_UNIT_SRC := $(wildcard $(NB_DIR)/tests/*.c) $(NB_VDIR)/tests/fake_vpci.c $(UNIT_CHECK_SRCS)

HOST_ALL += $(NB_O)/nb-unit
$(NB_O)/nb-unit: $(NB_CORE_SRC) $(NB_UNIT_SRC) $(NB_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(NB_CFLAGS) -o $@ $(NB_CORE_SRC) $(NB_UNIT_SRC)

# Built on demand by tests/suites/48-netback-unit.sh.
$(NB_O)/nb-unit-asan: $(NB_CORE_SRC) $(NB_UNIT_SRC) $(NB_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(filter-out -O2,$(NB_CFLAGS)) -O1 -fsanitize=address,undefined \
		-fno-sanitize-recover=all -o $@ $(NB_CORE_SRC) $(NB_UNIT_SRC)

# The program the service runtime hosts (musl, static).
ALL += $(O)/servers/netback
$(O)/servers/netback-next: PROG_VERSION := $(PROG_VERSION)-next
$(O)/servers/netback $(O)/servers/netback-next: $(NB_CORE_SRC) $(NB_DIR)/main.c servers/lib/xendev.c servers/lib/crash_cmd.c $(NB_VDIR)/vdev_file.c $(NB_HDRS) $(O)/servers/inc/.stamp
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	@musl-gcc -static $(filter-out -I%/tests,$(NB_CFLAGS)) $(PROG_VFLAGS) -isystem $(O)/servers/inc -o $@ \
		$(NB_CORE_SRC) $(NB_DIR)/main.c servers/lib/xendev.c servers/lib/crash_cmd.c $(NB_VDIR)/vdev_file.c
