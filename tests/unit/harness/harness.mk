# The unit-test harness (tests/unit/harness): what every host unit test links.
# UNIT_CHECK_SRCS: the checks alone (no kernel headers needed).  UNIT_FAKE_SRCS: the
# checks plus the fake kernel services and guest memory, for tests of core sources.
# UNIT_MACHINE_SRCS: those plus machine memory on the core's own frame.c and the
# hypercall-continuation stand-ins (fake_continuation.h).
# UNIT_CFLAGS: host flags (ASan/UBSan); UNIT_KERNEL_CFLAGS adds the core's headers.
# A unit directory's unit.mk builds $(O)/host/unit/<name> from its own files and these.
HOSTCC ?= gcc
UNIT_HARNESS := tests/unit/harness
UNIT_CHECK_SRCS := $(UNIT_HARNESS)/check.c
UNIT_FAKE_SRCS := $(UNIT_CHECK_SRCS) $(UNIT_HARNESS)/fake_kernel.c $(UNIT_HARNESS)/fake_guest.c
UNIT_MACHINE_SRCS := $(UNIT_FAKE_SRCS) $(UNIT_HARNESS)/fake_machine.c \
  $(UNIT_HARNESS)/fake_continuation.c kernel/common/frame.c
UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wshadow \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined -I$(UNIT_HARNESS)
UNIT_KERNEL_CFLAGS := $(UNIT_CFLAGS) -isystem $(XENINC) -Ikernel/include -Iinclude -Ilib/freestanding \
  -Ikernel/arch/x86/include -D__XEN_TOOLS__
UNIT_KERNEL_HDRS := $(wildcard $(UNIT_HARNESS)/*.h kernel/include/*.h include/public/*.h \
  kernel/arch/x86/include/*.h lib/freestanding/*.h)
