# The ring-0 core: build/tessera.elf (multiboot1 + multiboot2, x86-64 ELF).
# The image lives at 0xFFFF82D080000000 inside Xen's reserved range, because the top
# 2 GiB belong to guests (Linux lives there); so instead of -mcmodel=kernel we use
# position-independent code (-fpie, hidden visibility) linked at a fixed address.
KCC ?= gcc
KLD ?= ld
XENINC := $(O)/xeninc
K_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-stack-protector -fno-builtin-printf \
  -mno-red-zone -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2 \
  -fpie -fvisibility=hidden -fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
  -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes \
  -nostdinc -isystem $(shell $(KCC) -print-file-name=include) -isystem $(XENINC) \
  -Ikernel/include -Ikernel/arch/x86/include -Iinclude -Ilib/freestanding -Ilib/pvlayout -D__XEN_TOOLS__
K_SRCS := $(wildcard kernel/common/*.c kernel/arch/x86/*.c kernel/arch/x86/*.S)
# lib/freestanding (string functions, vsnprintf) and lib/pvlayout (the PV layout rules)
# are compiled again with the core's flags.
K_LIB_SRCS := $(wildcard lib/freestanding/*.c) lib/pvlayout/pv_layout.c
K_OBJS := $(patsubst kernel/%,$(O)/kernel/%.o,$(K_SRCS)) \
  $(patsubst lib/%,$(O)/kernel/lib/%.o,$(K_LIB_SRCS))

ALL += $(O)/tessera.elf

$(XENINC)/xen:
	@mkdir -p $(XENINC)
	ln -sfn /usr/include/xen $(XENINC)/xen

$(O)/kernel/%.c.o: kernel/%.c | $(XENINC)/xen
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(KCC) $(K_CFLAGS) -MMD -MP -c $< -o $@

$(O)/kernel/lib/%.c.o: lib/%.c | $(XENINC)/xen
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(KCC) $(K_CFLAGS) -MMD -MP -c $< -o $@

$(O)/kernel/%.S.o: kernel/%.S | $(XENINC)/xen
	@mkdir -p $(dir $@)
	@echo "  AS $<"; $(KCC) $(K_CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@

$(O)/tessera.elf: $(K_OBJS) kernel/arch/x86/linker.ld
	@echo "  LD $@"; $(KLD) -nostdlib -static -no-pie -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
	  -T kernel/arch/x86/linker.ld -o $@ $(K_OBJS)

-include $(K_OBJS:.o=.d)
