# The bootable GRUB2 ISO for `make run`: the hypervisor, the service runtime with
# the domain builder as the first domain, and the default system in boot/default
# (the builder's boot list and the configurations and images it starts).
# Debian's cloud kernel and the test initramfs go in when fetched
# (guests/linux/fetch.sh), for boot/default/linux.cfg.
ISO_CMDLINE ?= dom0_mem=48
LINUX_MODULES = $(if $(wildcard $(O)/linux/vmlinuz),$(O)/linux/vmlinuz:vmlinuz $(O)/linux/initramfs.gz:initrd.gz)
RUN_MODULES = $(O)/servers/runtime.elf "$(O)/servers/domain-builder:--boot boot.list" \
  $(foreach f,$(notdir $(wildcard boot/default/*)),boot/default/$(f):$(f)) \
  $(O)/servers/runtime.elf:runtime.elf $(O)/servers/builder-tests/svc:svc \
  $(O)/servers/xenstored:xenstored $(O)/servers/blkback:blkback $(LINUX_MODULES)

# The disk of `make run` (00:04.0, blkback's): made blank on the first run.
RUN_DISK := $(O)/disk.img
RUN_QEMU_ARGS := --mem 1024 --qemu-arg -device --qemu-arg intel-iommu,intremap=on \
  --qemu-arg -drive --qemu-arg file=$(RUN_DISK),if=none,id=vd0,format=raw,cache=writeback \
  --qemu-arg -device --qemu-arg virtio-blk-pci,drive=vd0,disable-legacy=on,iommu_platform=on,addr=04.0
$(RUN_DISK):
	@echo "  DISK    $@ (1 GiB, blank: blkback formats its VBD map on it)"
	@qemu-img create -q -f raw $@ 1G

$(O)/tessera.iso: $(O)/tessera.elf $(O)/servers/runtime.elf $(O)/servers/domain-builder \
                  $(O)/servers/xenstored $(O)/servers/blkback $(wildcard boot/default/*) scripts/mkiso.sh \
                  $(wildcard $(O)/linux/vmlinuz $(O)/linux/initramfs.gz)
	@echo "  ISO $@"
	@bash scripts/mkiso.sh $@ $(O)/tessera.elf --cmdline "$(ISO_CMDLINE)" $(RUN_MODULES)
