# The bootable GRUB2 ISO for `make run`: the hypervisor and, as the first domain,
# the default guest (until the domain builder exists, a conformance guest).
RUN_GUEST ?= $(O)/guests/conform-version.elf
ISO_CMDLINE ?=

$(O)/tessera.iso: $(O)/tessera.elf $(RUN_GUEST) scripts/mkiso.sh
	@echo "  ISO $@"
	@bash scripts/mkiso.sh $@ $(O)/tessera.elf --cmdline "$(ISO_CMDLINE)" $(RUN_GUEST)
