# The bootable GRUB2 ISO for `make run`: the hypervisor, the service runtime with
# the domain builder as the first domain, and the default system in boot/default
# (the builder's boot list and the configurations and images it starts).
ISO_CMDLINE ?= dom0_mem=48
RUN_MODULES = $(O)/servers/runtime.elf "$(O)/servers/domain-builder:--boot boot.list" \
  boot/default/boot.list:boot.list boot/default/svc-a.cfg:svc-a.cfg boot/default/svc-b.cfg:svc-b.cfg \
  $(O)/servers/runtime.elf:runtime.elf $(O)/servers/builder-tests/svc:svc

$(O)/tessera.iso: $(O)/tessera.elf $(O)/servers/runtime.elf $(O)/servers/domain-builder \
                  $(wildcard boot/default/*) scripts/mkiso.sh
	@echo "  ISO $@"
	@bash scripts/mkiso.sh $@ $(O)/tessera.elf --cmdline "$(ISO_CMDLINE)" $(RUN_MODULES)
