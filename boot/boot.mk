# The system `make run` boots (scripts/run.sh): a GRUB2 ISO with the
# hypervisor, the service runtime running the domain builder as the first
# domain, and boot/default (the builder's boot list: the xenstore domain,
# blkback on a virtio-blk disk, netback on a virtio-net NIC, an lwIP guest
# and a Debian Linux guest, whose kernel
# guests/linux/fetch.sh fetches and whose initramfs guests/linux/initramfs.sh
# makes, both into $(O)/linux).  dom0_mem: the builder unpacks the 53 MB
# kernel in its own memory.
ISO_CMDLINE ?= dom0_mem=192
RUN_MODULES = $(O)/servers/runtime.elf "$(O)/servers/domain-builder:--boot boot.list" \
  $(foreach f,$(notdir $(wildcard boot/default/*)),boot/default/$(f):$(f)) \
  $(O)/servers/runtime.elf:runtime.elf $(O)/servers/xenstored:xenstored \
  $(O)/servers/blkback:blkback $(O)/linux/vmlinuz:vmlinuz $(O)/linux/initramfs.gz:initramfs.gz \
  $(O)/servers/netback:netback $(O)/guests/lwip.elf:lwip.elf

# The NIC of `make run` (00:05.0, netback's): QEMU user networking with
# restrict=on (nothing leaves the machine); the lwIP guest (10.0.2.15) is
# reached from the host through 127.0.0.1:RUN_HTTP_PORT (its page) and
# 127.0.0.1:RUN_ECHO_PORT (TCP echo), the Linux guest (10.0.2.16) through
# 127.0.0.1:RUN_LINUX_PORT (its port 80: busybox httpd).
RUN_HTTP_PORT ?= 8080
RUN_ECHO_PORT ?= 8007
RUN_LINUX_PORT ?= 8081
RUN_FWD = hostfwd=tcp:127.0.0.1:$(RUN_HTTP_PORT)-10.0.2.15:80,hostfwd=tcp:127.0.0.1:$(RUN_ECHO_PORT)-10.0.2.15:7,hostfwd=tcp:127.0.0.1:$(RUN_LINUX_PORT)-10.0.2.16:80
# The disk of `make run` (00:04.0, blkback's): made blank on the first run.
RUN_DISK ?= $(O)/disk.img
RUN_QEMU_ARGS := --mem 1024 --qemu-arg -device --qemu-arg intel-iommu,intremap=on \
  --qemu-arg -drive --qemu-arg file=$(RUN_DISK),if=none,id=vd0,format=raw,cache=writeback \
  --qemu-arg -device --qemu-arg virtio-blk-pci,drive=vd0,disable-legacy=on,iommu_platform=on,addr=04.0 \
  --qemu-arg -netdev --qemu-arg user,id=n0,restrict=on,$(RUN_FWD) \
  --qemu-arg -device --qemu-arg virtio-net-pci,netdev=n0,disable-legacy=on,iommu_platform=on,addr=05.0
$(RUN_DISK):
	@echo "  DISK    $@ (1 GiB, blank: blkback formats its VBD map on it)"
	@qemu-img create -q -f raw $@ 1G

.PHONY: system run-args
# everything the booted system needs, without the host tools and unit tests
system: $(ALL)
# scripts/run.sh: QEMU's options for the system (memory, IOMMU, the disk)
run-args:
	@echo $(RUN_QEMU_ARGS)

$(O)/tessera.iso: $(O)/tessera.elf $(O)/servers/runtime.elf $(O)/servers/domain-builder \
                  $(O)/servers/xenstored $(O)/servers/blkback $(O)/linux/vmlinuz \
                  $(O)/linux/initramfs.gz $(O)/servers/netback $(O)/guests/lwip.elf \
                  $(wildcard boot/default/*) scripts/mkiso.sh
	@echo "  ISO $@"
	@bash scripts/mkiso.sh $@ $(O)/tessera.elf --cmdline "$(ISO_CMDLINE)" $(RUN_MODULES)
