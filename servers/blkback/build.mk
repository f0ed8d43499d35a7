# servers/blkback: the block backend (a musl program the service runtime
# hosts) and its host unit tests.  servers/lib/virtio is the virtio transport
# and virtio-blk driver it drives its disk with.
BB_DIR := servers/blkback
BB_O := $(O)/host/blkback
VIRTIO_DIR := servers/lib/virtio
VIRTIO_SRCS := $(VIRTIO_DIR)/virtq.c $(VIRTIO_DIR)/virtio_pci.c $(VIRTIO_DIR)/virtio_blk.c
VIRTIO_HDRS := $(wildcard $(VIRTIO_DIR)/*.h)
BB_CORE := vbd disk_io blkif_be pgrant xb ctl
BB_CORE_SRC := $(BB_CORE:%=$(BB_DIR)/%.c) $(VIRTIO_SRCS) servers/lib/decompress/crc.c servers/lib/xenbus_be.c \
	servers/lib/xsclient.c servers/lib/xsclient_fd.c servers/lib/xsclient_ring.c servers/lib/xsring.c
BB_HDRS := $(UNIT_HARNESS)/check.h $(wildcard $(BB_DIR)/*.h $(BB_DIR)/tests/*.h servers/lib/*.h $(VIRTIO_DIR)/tests/*.h) $(VIRTIO_HDRS)
BB_CFLAGS := $(HOST_CFLAGS) -I$(BB_DIR) -Iservers/lib -I$(VIRTIO_DIR) -Iservers/lib/decompress -I$(BB_DIR)/tests -I$(VIRTIO_DIR)/tests -I$(UNIT_HARNESS)
BB_UNIT_SRC := $(wildcard $(BB_DIR)/tests/*.c) $(VIRTIO_DIR)/tests/fake_vpci.c $(UNIT_CHECK_SRCS)

HOST_ALL += $(BB_O)/bb-unit
$(BB_O)/bb-unit: $(BB_CORE_SRC) $(BB_UNIT_SRC) $(BB_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(BB_CFLAGS) -o $@ $(BB_CORE_SRC) $(BB_UNIT_SRC)

# Built on demand by tests/suites/47-blkback-unit.sh.
$(BB_O)/bb-unit-asan: $(BB_CORE_SRC) $(BB_UNIT_SRC) $(BB_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(filter-out -O2,$(BB_CFLAGS)) -O1 -fsanitize=address,undefined \
		-fno-sanitize-recover=all -o $@ $(BB_CORE_SRC) $(BB_UNIT_SRC)

# The program the service runtime hosts (musl, static), with the Xen and
# Linux headers of servers/runtime's $(O)/servers/inc.
ALL += $(O)/servers/blkback
$(O)/servers/blkback-next: PROG_VERSION := $(PROG_VERSION)-next
$(O)/servers/blkback $(O)/servers/blkback-next: $(BB_CORE_SRC) $(BB_DIR)/main.c $(BB_DIR)/dma_probe.c $(VIRTIO_DIR)/vdev_file.c servers/lib/xendev.c servers/lib/crash_cmd.c $(BB_HDRS) $(O)/servers/inc/.stamp
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	@musl-gcc -static $(filter-out -I$(BB_DIR)/tests,$(BB_CFLAGS)) $(PROG_VFLAGS) -isystem $(O)/servers/inc -o $@ \
		$(BB_CORE_SRC) $(BB_DIR)/main.c $(BB_DIR)/dma_probe.c $(VIRTIO_DIR)/vdev_file.c servers/lib/xendev.c servers/lib/crash_cmd.c
