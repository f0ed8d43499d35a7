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
