# servers/dmaprobe: a driver domain's program that makes its virtio function
# DMA outside the domain's memory (tests/suites/64-netback-dma.sh).
DP_SRCS := servers/dmaprobe/dmaprobe.c servers/lib/virtio/vdev_file.c servers/lib/virtio/virtio_pci.c \
	servers/lib/virtio/virtq.c
ALL += $(O)/servers/dmaprobe
$(O)/servers/dmaprobe: $(DP_SRCS) $(wildcard servers/lib/virtio/*.h) servers/lib/tpci.h $(SRV_INC)/.stamp
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	@musl-gcc -static $(HOST_CFLAGS) -Iservers/lib -Iservers/lib/virtio -isystem $(SRV_INC) -o $@ $(DP_SRCS)
