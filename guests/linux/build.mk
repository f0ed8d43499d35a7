# guests/linux: host tool that unpacks Debian's bzImage into its ELF vmlinux
# with the project's own decompressors (servers/lib/decompress).  fetch.sh,
# initramfs.sh and the bench programs are driven by scripts, not by make.
include servers/lib/decompress/sources.mk
LINUX_UNPACK := $(O)/host/linux/unpack-kernel
HOST_ALL += $(LINUX_UNPACK)

$(LINUX_UNPACK): guests/linux/unpack-kernel.c $(DECOMPRESS_SRCS) $(DECOMPRESS_HDRS)
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -I$(DECOMPRESS_DIR) -o $@ \
		guests/linux/unpack-kernel.c $(DECOMPRESS_SRCS)

# The benchmark programs (bench/linux/*.c), static musl binaries for the
# guest's initramfs (guests/linux/initramfs.sh packs them).
MUSLCC ?= musl-gcc
LINUX_BENCH := $(patsubst bench/linux/%.c,$(O)/linux/bench/%,$(wildcard bench/linux/*.c))
HOST_ALL += $(LINUX_BENCH)

$(O)/linux/bench/%: bench/linux/%.c bench/linux/bench.h
	@mkdir -p $(dir $@)
	$(MUSLCC) -std=gnu11 -O2 -static -Wall -Wextra -Werror -o $@ $<
