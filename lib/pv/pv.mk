# The PV base (lib/pv) and lib/freestanding: compiled into every tiny PV kernel of
# the project (the conformance guests, the service runtime).  A kernel's build adds
# its own include path (Xen's public headers at least) and -DPV_GUEST_OS='"name"'
# (XEN_ELFNOTE_GUEST_OS), and links $(PV_SRCS) with $(PV_LDFLAGS).
PV_CC ?= gcc
PV_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdlib -nostdinc -fno-pic -fno-pie \
  -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-builtin \
  -fno-asynchronous-unwind-tables -fno-omit-frame-pointer -static \
  -Wall -Wextra -Werror -Wshadow -isystem $(shell $(PV_CC) -print-file-name=include) \
  -D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ -Ilib/pv -Ilib/freestanding
PV_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
  -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -T lib/pv/pv.ld
PV_SRCS := $(wildcard lib/pv/*.c lib/pv/*.S lib/freestanding/*.c)
PV_HDRS := $(wildcard lib/pv/*.h lib/freestanding/*.h) lib/pv/pv.ld lib/pv/pv.mk
